from rag.dates import date_tokens
from rag.tokenize import tokenize


def test_dates_are_whole_tokens():
    assert date_tokens("2024年7月19日") == ["2024年", "7月", "19日", "7月19日"]
    toks = tokenize("2024年7月19日国务院常务会议")
    assert {"2024年", "7月", "19日", "7月19日", "国务院常务会议"} <= set(toks)


def test_a_report_saying_only_the_day_shares_the_day_token():
    assert "19日" in tokenize("国务院总理李强19日主持召开国务院常务会议")


def test_question_words_and_punctuation_are_dropped():
    toks = tokenize("出席活动的副市长是谁？")
    assert "谁" not in toks
    assert "的" not in toks
    assert "？" not in toks
    assert "副市长" in toks


def test_search_mode_keeps_parts_of_compounds():
    toks = tokenize("全国人大常委会")
    assert "全国人大常委会" in toks
    assert "常委会" in toks


def test_a_numbered_thing_is_one_token_and_never_a_date():
    assert date_tokens("今年第3号台风") == []
    assert date_tokens("安理会第2735号决议") == []
    toks = tokenize("安理会第2735号决议呼吁什么？")
    assert "2735号" in toks
    assert "35日" not in toks and "27" not in toks
    assert "5号" in tokenize("国发〔2024〕5号")
    assert "3号" not in tokenize("第13号台风")
    assert {"14届", "10次"} <= set(tokenize("第14届第10次会议"))


def test_hao_is_a_day_only_after_a_month():
    assert date_tokens("7月19号") == ["7月", "19日", "7月19日"]
    assert "7月19日" in tokenize("7月19号开会")
