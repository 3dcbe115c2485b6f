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
