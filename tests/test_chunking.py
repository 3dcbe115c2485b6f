import itertools

import pytest

from rag.chunking import chunk_document, chunk_spans, index_text, split_sentences
from rag.types import Document


def test_sentences_end_at_chinese_marks_and_line_breaks():
    text = "会议指出，要稳增长。会议强调！是否通过？\n第二段；最后"
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "会议指出，要稳增长。",
        "会议强调！",
        "是否通过？",
        "第二段；",
        "最后",
    ]


def test_quotes_and_book_titles_are_kept_whole():
    text = "他说：“我们要努力。大家同意吗？”会议审议《关于。的决定》。"
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "他说：“我们要努力。大家同意吗？”",
        "会议审议《关于。的决定》。",
    ]


def test_chunks_are_whole_sentences_within_size_with_overlap():
    sentences = [f"第{i}句话内容比较长一些用于测试分块。" for i in range(40)]
    text = "".join(sentences)
    spans = chunk_spans(text, size=100, overlap=30)
    assert len(spans) > 5
    for s, e in spans:
        assert e - s <= 100
        assert text[s:e].endswith("。")
        assert text[s:e].startswith("第")
    for (_, e1), (s2, _) in itertools.pairwise(spans):
        assert s2 < e1  # consecutive chunks overlap
    assert spans[0][0] == 0
    assert spans[-1][1] == len(text)


def test_long_sentence_is_cut():
    text = "长" * 250
    assert chunk_spans(text, size=100, overlap=20) == [(0, 100), (100, 200), (200, 250)]


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        chunk_spans("文本", size=100, overlap=100)


def test_chunks_carry_metadata_and_spans():
    doc = Document(doc_id="d1", text="第一句。第二句。", title="会议", date="2024-07-19", source="x.txt")
    chunks = chunk_document(doc, size=400, overlap=80)
    assert len(chunks) == 1
    c = chunks[0]
    assert (c.chunk_id, c.doc_id, c.title, c.date, c.source) == ("d1#0", "d1", "会议", "2024-07-19", "x.txt")
    assert doc.text[c.start : c.end] == c.text
    assert index_text(c).startswith("会议（2024年7月19日）\n")
