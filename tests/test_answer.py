import re

from rag.answer import NOT_FOUND


def check_citations(ans):
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", ans.text)}
    by_n = {c.n: c for c in ans.citations}
    assert markers and markers <= set(by_n)
    assert [c.n for c in ans.citations] == list(range(1, len(ans.citations) + 1))
    # every quoted sentence is verbatim in the passage its marker points to
    for sentence, n in re.findall(r"(.+?)\[(\d+)\]", ans.text):
        assert sentence in by_n[int(n)].text


def test_traditional_question_is_answered_with_a_citation(assistant):
    ans = assistant.ask("市政協主席是誰？")
    assert ans.found and "薛登峰" in ans.text
    check_citations(ans)
    c = ans.citations[0]
    assert c.doc_id.endswith("tengzhou.txt") and c.title and c.source.endswith("tengzhou.txt")
    assert assistant.document(c.doc_id).text[c.start : c.end] == c.text


def test_number_and_date_questions(assistant):
    ans = assistant.ask("人大常委会第十次会议有多少名委员出席？")
    assert ans.found and "162" in ans.text
    check_citations(ans)
    ans = assistant.ask("2024年7月19日国务院常务会议审议通过了什么？")
    assert ans.found and "消费者权益保护法实施条例" in ans.text
    check_citations(ans)
    assert ans.citations[0].date == "2024-07-19"


def test_unrelated_question_is_not_answered(assistant):
    for q in ["量子计算机的研发进展如何？", "足球世界杯冠军是哪个国家？"]:
        ans = assistant.ask(q)
        assert not ans.found and ans.text == NOT_FOUND and ans.citations == ()


def test_to_dict_shape(assistant):
    d = assistant.ask("出席活动的副市长是谁？").to_dict()
    assert set(d) == {"answer", "found", "citations"} and "赵炜" in d["answer"]
    assert set(d["citations"][0]) == {"n", "doc_id", "title", "date", "source", "text", "start", "end", "score"}
