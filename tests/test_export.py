"""Answers and conversations as plain text, Markdown and .docx, with their numbered sources."""

import io
import json

import pytest

from rag import Assistant
from rag.export import record_url, source_label, to_docx, to_markdown, to_text

URL = "https://tv.cctv.com/2024/07/19/VIDE1.shtml"


@pytest.fixture
def office(tmp_path, embedder):
    """A corpus folder with a sub-folder, a .jsonl record with a url and one with a javascript: url."""
    corpus = tmp_path / "corpus"
    (corpus / "纪要").mkdir(parents=True)
    (corpus / "纪要" / "常务会议.md").write_text(
        "---\ntitle: 国务院常务会议\ndate: 2023-03-02\n---\n"
        "国务院常务会议3月2日召开，会议审议通过《专利法实施细则修正草案》。会议指出，要稳定粮食生产。\n",
        encoding="utf-8",
    )
    records = [
        {
            "id": "xwlb-1",
            "date": "2024-07-19",
            "title": "李强主持召开国务院常务会议",
            "url": URL,
            "content": "央视网消息（新闻联播）：国务院总理李强7月19日主持召开国务院常务会议，"
            "审议通过《中华人民共和国消费者权益保护法实施条例（草案）》。会议指出，要加快发展银发经济。",
        },
        {
            "id": "xwlb-2",
            "date": "2024-08-02",
            "title": "市政协召开协商会",
            "url": "javascript:alert(1)",
            "content": "市政协主席薛登峰8月2日出席协商会，6位政协委员提出了意见建议。",
        },
    ]
    (corpus / "meetings.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
    return Assistant.build([corpus], tmp_path / "index", embedder=embedder), corpus


def test_source_label_is_the_url_else_a_path_relative_to_the_corpus(office, tmp_path):
    a, corpus = office
    docs = {d.doc_id: d for d in a.documents()}
    assert source_label(docs["xwlb-1"], corpus) == URL
    assert source_label(docs["xwlb-2"], corpus) == "meetings.jsonl#xwlb-2"  # javascript: is no link
    assert record_url(docs["xwlb-2"]) is None
    (note,) = (d for d in docs.values() if d.title == "国务院常务会议")
    assert source_label(note, corpus) == "纪要/常务会议.md"
    assert source_label(note, [corpus / "纪要", tmp_path]) == "常务会议.md"  # the closest folder
    assert source_label(note, corpus / "纪要" / "常务会议.md") == "常务会议.md"  # a source file by itself
    assert source_label(note, tmp_path / "elsewhere") == "常务会议.md"  # outside: the name only
    assert source_label(note) == "常务会议.md"
    for label in (source_label(d, corpus) for d in docs.values()):
        assert str(tmp_path) not in label


def test_a_citation_shows_its_records_url_from_its_document(office):
    a, corpus = office
    ans = a.ask("2024年7月19日国务院常务会议审议通过了什么？")
    c = ans.citations[0]
    assert c.doc_id == "xwlb-1"
    assert source_label(c, corpus, a.document(c.doc_id)) == URL
    assert source_label(c, corpus) == "meetings.jsonl#xwlb-1"  # without its document: where it was read


def test_plain_text_is_the_answer_and_a_numbered_source_list(office, tmp_path):
    a, corpus = office
    ans = a.ask("2024年7月19日国务院常务会议审议通过了什么？")
    text = to_text(ans, corpus, a.document)
    assert text.startswith(ans.text)
    assert "<" not in text and "\\" not in text and "&" not in text
    assert "cite-link" not in text and "**" not in text
    assert str(tmp_path) not in text
    lines = text.splitlines()
    i = lines.index("来源：")
    assert lines[i + 1] == "[1] 李强主持召开国务院常务会议，2024年7月19日"
    assert lines[i + 2].strip() == URL
    quoted = ans.citations[0].text[ans.quotes[0].start : ans.quotes[0].end]
    assert lines[i + 3].strip() == f"“{quoted}”"
    assert "央视网消息" not in text  # the dateline is neither quoted nor cited as the passage
    assert len([line for line in lines if line.startswith("[")]) == len(ans.citations)


def test_a_conversation_as_text_keeps_each_question_with_its_sources(office):
    a, corpus = office
    turns = [
        (q, a.ask(q)) for q in ("国务院常务会议审议通过了什么条例？", "市政协主席是谁？", "量子计算机的研发进展如何？")
    ]
    text = to_text(turns, corpus, a.document)
    for q, ans in turns:
        assert f"问：{q}" in text
        assert ans.text in text
    assert text.count("来源：") == sum(bool(ans.citations) for _, ans in turns)
    assert "未在资料中找到相关内容。" in text
    assert "meetings.jsonl#xwlb-2" in text
    assert "<" not in text and "\\" not in text


def test_markdown_has_the_same_content_with_syntax_in_documents_escaped(office, tmp_path, embedder):
    a, corpus = office
    turns = [("2024年7月19日国务院常务会议审议通过了什么？", a.ask("2024年7月19日国务院常务会议审议通过了什么？"))]
    md = to_markdown(turns, corpus, a.document, title="导出测试")
    assert md.startswith("# 导出测试\n")
    assert "## 问：2024年7月19日国务院常务会议审议通过了什么？" in md
    assert f"1. **李强主持召开国务院常务会议** · 2024年7月19日 · <{URL}>" in md
    assert "\\[1\\]" in md  # the marker is shown, not read as a link
    # a document with Markdown and HTML in it shows them as typed
    (corpus / "怪.md").write_text(
        "---\ntitle: '*粗体*标题'\ndate: 2025-01-02\n---\n# 会议\n会议指出 <b>要</b> **加快** [链接](x) 发展低空经济。\n",
        encoding="utf-8",
    )
    b = Assistant.build([corpus], tmp_path / "index2", embedder=embedder)
    md = to_markdown(b.ask("会议指出要加快发展什么经济？"), corpus, b.document)
    assert "\\<b\\>" in md and "\\*\\*加快\\*\\*" in md and "\\[链接\\](x)" in md
    assert "**\\*粗体\\*标题**" in md
    assert "怪.md" in md


def test_docx_reads_back_with_the_questions_answers_and_sources(office, tmp_path):
    docx = pytest.importorskip("docx")
    a, corpus = office
    questions = ["2024年7月19日国务院常务会议审议通过了什么？", "2023年3月2日国务院常务会议审议通过了什么？"]
    turns = [(q, a.ask(q)) for q in questions]
    data = to_docx(turns, corpus, a.document, title="会议问答导出")
    doc = docx.Document(io.BytesIO(data))
    paragraphs = [(p.style.name, p.text) for p in doc.paragraphs]
    assert paragraphs[0] == ("Title", "会议问答导出")
    assert doc.core_properties.title == "会议问答导出"
    headings = [t for s, t in paragraphs if s == "Heading 1"]
    assert headings == [f"问：{q}" for q in questions]
    texts = [t for _, t in paragraphs]
    for _, ans in turns:
        assert ans.text in texts
    assert "[1] 李强主持召开国务院常务会议，2024年7月19日" in texts
    assert "[1] 国务院常务会议，2023年3月2日" in texts
    links = [h.address for p in doc.paragraphs for h in p.hyperlinks]
    assert URL in links
    assert "纪要/常务会议.md" in texts
    quotes = [t for s, t in paragraphs if s == "Quote"]
    first = turns[0][1]
    assert first.citations[0].text[first.quotes[0].start : first.quotes[0].end] in quotes
    assert not any(str(tmp_path) in t for t in texts)


def test_docx_drops_characters_xml_cannot_hold(office):
    docx = pytest.importorskip("docx")
    a, corpus = office
    ans = a.ask("市政协主席是谁？")
    data = to_docx([("市政协主席\x00是谁？\x0b", ans)], corpus, a.document, title="标题\x07")
    doc = docx.Document(io.BytesIO(data))
    assert doc.paragraphs[0].text == "标题"
    assert "问：市政协主席是谁？" in [p.text for p in doc.paragraphs]


def test_citation_cards_show_the_url_or_the_relative_path_never_the_servers_path(office, tmp_path):
    from rag.web.render import cards_html

    a, _ = office
    url_card = cards_html(a, a.ask("2024年7月19日国务院常务会议审议通过了什么？"))
    assert URL in url_card
    path_card = cards_html(a, a.ask("2023年3月2日国务院常务会议审议通过了什么？"))
    assert "纪要/常务会议.md" in path_card
    assert str(tmp_path) not in url_card + path_card
