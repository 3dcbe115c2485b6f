import numpy as np

from rag.dates import DateHint, date_hints


def test_traditional_question_finds_simplified_passages_and_back(assistant):
    hits = assistant.search("國務院常務會議對銀髮經濟提出了什麼要求？", k=3)
    assert hits[0].chunk.doc_id.endswith("2024-07-19-常务会议.md")
    hits = assistant.search("副市长赵炜", k=1)  # the document was Traditional with pinyin
    assert hits[0].chunk.doc_id.endswith("tengzhou.txt")
    assert "(zhǎng)" not in hits[0].chunk.text
    assert "赵炜" in hits[0].chunk.text


def test_date_in_question_picks_the_meeting_of_that_day(assistant):
    for question, expected in [
        ("2024年7月19日国务院常务会议审议通过了什么？", "2024-07-19-常务会议.md"),
        ("2023年3月国务院常务会议审议通过了什么？", "2023-03-02-常务会议.md"),
    ]:
        assert assistant.search(question, k=1)[0].chunk.doc_id.endswith(expected), question


def test_filters_by_date_range_and_document(assistant):
    hits = assistant.search("国务院常务会议", k=5, date_from="2023-01-01", date_to="2023-12-31")
    assert hits
    assert {h.chunk.date for h in hits} == {"2023-03-02"}
    only = next(d for d in assistant.store.documents if d.endswith("tengzhou.txt"))
    hits = assistant.search("会议", k=5, doc_ids=[only])
    assert hits
    assert {h.chunk.doc_id for h in hits} == {only}
    assert assistant.search("会议", k=5, date_from="2030-01-01") == []


def test_date_hints():
    assert date_hints("2024年7月19日会议") == [DateHint(2024, 7, 19)]
    assert date_hints("2024年11月召开") == [DateHint(2024, 11, None)]
    assert date_hints("2023年的会议") == [DateHint(2023, None, None)]
    assert date_hints("7月19日") == [DateHint(None, 7, 19)]
    assert date_hints("19日召开") == []
    assert date_hints("13月") == []
    assert DateHint(2024, 7, 19).matches("2024-07-20")  # reported the next day
    assert not DateHint(2024, 7, 19).matches("2024-07-21")
    assert DateHint(2024, 11, None).matches("2024-11-30")
    assert not DateHint(2024, 11, None).matches(None)


def test_the_best_rows_of_a_large_index_are_those_of_a_full_sort():
    from rag.retrieve import PARTIAL_SORT_FROM, _best

    rng = np.random.default_rng(7)
    for size in (1_000, PARTIAL_SORT_FROM + 5_000):
        scores = rng.random(size, dtype=np.float32)
        assert np.array_equal(_best(scores, 100), np.argsort(-scores, kind="stable")[:100])
    assert len(_best(np.zeros(PARTIAL_SORT_FROM + 1, dtype=np.float32), 10)) == 10
