"""Document structure kept: tables row by row with their header, headings in each chunk's context."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag import Assistant
from rag.chunking import CHUNKER_VERSION, chunk_document, embed_text, find_headings, heading_at, index_text
from rag.loaders import load
from rag.store import IndexStore
from rag.tables import looks_like_header, row_text, table_lines
from rag.tokenize import tokenize
from rag.types import Document

from .conftest import HashEmbedder

ATTENDANCE = [
    ("姓名", "单位", "职务"),
    ("张三", "市政协", "主席"),
    ("李四", "市委办公室", "副主任"),
    ("王五", "", "委员"),
]

MINUTES = """滕州市政协主席会议纪要
2025年3月5日上午，市政协召开十届主席会议第十二次会议，市政协主席薛登峰主持会议。
一、会议基本情况
会议听取了市政协办公室关于2024年工作情况的汇报。
二、会议议定事项
（一）关于年度协商计划。会议审议通过了《2025年度协商工作计划》，要求各专委会抓好落实。
（二）关于委员履职
1. 履职积分
委员履职积分每季度通报一次。
（1）委员提案
提案工作由提案委负责。
三、其他事项
会议还研究了其他事项。
"""


def _docx(path: Path, tables: list[list[tuple[str, ...]]], before: str = "市政协主席会议") -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph(before)
    for rows in tables:
        t = d.add_table(rows=len(rows), cols=len(rows[0]))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    d.save(str(path))
    return path


def _text(path: Path) -> str:
    result = load([path])
    assert not result.skipped, result.skipped
    return result.documents[0].text


# ------------------------------------------------------------------------------------------- tables


def test_row_text_names_each_cell_by_its_header_and_leaves_out_empty_cells():
    assert row_text(["姓名", "单位", "职务"], ["张三", "市政协", "主席"]) == "姓名：张三；单位：市政协；职务：主席"
    assert row_text(["姓名", "单位", "职务"], ["王五", "", "委员"]) == "姓名：王五；职务：委员"
    assert row_text([], ["张三", " 市 政协\n办公室 ", ""]) == "张三；市 政协 办公室"  # one line, whatever the cell
    assert row_text(["姓名"], ["张三", "主席"]) == "姓名：张三；主席"  # a cell past the header stays bare
    assert row_text(["姓名", "职务"], ["", ""]) == ""


def test_a_header_is_three_or_more_short_distinct_names_without_digits():
    assert looks_like_header(["姓名", "单位", "职务"])
    assert looks_like_header(["序号", "事项", "责任单位", "完成时限"])
    assert not looks_like_header(["会议时间", "3月5日"])  # two columns: as often a form of label | value
    assert not looks_like_header(["主持人", "张三"])
    assert not looks_like_header(["1", "张三", "主席"])  # a data row
    assert not looks_like_header(["姓名", "姓名", "职务"])
    assert not looks_like_header(["姓名", "", "职务"])
    assert not looks_like_header(["会议指出", "要抓好落实。", "职务"])
    assert not looks_like_header(["指标", "2023年", "2024年"])  # documented: read as data


def test_table_lines_name_the_cells_and_leave_a_one_cell_row_bare():
    rows = [["姓名", "单位", "职务"], ["张三", "市政协", "主席"], ["合计 2 人"]]
    assert table_lines(rows) == ["姓名：张三；单位：市政协；职务：主席", "合计 2 人"]
    assert table_lines([["姓名", "单位", "职务"]]) == ["姓名；单位；职务"]  # a header with no rows under it
    assert table_lines([["会议时间", "3月5日"], ["主持人", "张三"]]) == ["会议时间；3月5日", "主持人；张三"]


def test_a_docx_attendance_list_comes_out_row_by_row_with_its_header(tmp_path):
    text = _text(_docx(tmp_path / "名单.docx", [ATTENDANCE]))
    lines = text.split("\n")
    assert "姓名；单位；职务" not in lines  # every row names its cells
    assert "姓名：张三；单位：市政协；职务：主席" in lines
    assert "姓名：李四；单位：市委办公室；职务：副主任" in lines
    assert "姓名：王五；职务：委员" in lines  # the empty 单位 is left out, not "单位："
    assert lines.index("姓名：张三；单位：市政协；职务：主席") < lines.index("姓名：王五；职务：委员")


def test_docx_merged_cells_repeat_down_and_a_caption_row_stays_bare(tmp_path):
    import docx

    d = docx.Document()
    t = d.add_table(rows=5, cols=3)
    for r, row in enumerate(ATTENDANCE):
        for c, value in enumerate(row):
            t.cell(r, c).text = value
    t.cell(1, 1).merge(t.cell(2, 1))  # 市政协 (and 市委办公室) merged down over two rows: w:vMerge
    t.cell(4, 0).merge(t.cell(4, 2)).text = "以上人员均出席会议"  # one cell across the table: w:gridSpan
    d.save(str(tmp_path / "合并.docx"))
    lines = _text(tmp_path / "合并.docx").split("\n")
    merged = next(line for line in lines if line.startswith("姓名：张三"))
    unit = merged.split("；")[1]
    assert unit.startswith("单位：市政协")
    assert f"姓名：李四；{unit}；职务：副主任" in lines  # the merged cell repeated in the row below
    assert "以上人员均出席会议" in lines
    assert not any(line.startswith("姓名：以上人员") for line in lines)


def test_a_docx_two_column_form_stays_label_then_value(tmp_path):
    form = [("会议时间", "2025年3月5日"), ("主持人", "薛登峰"), ("议题", "审议年度协商计划")]
    lines = _text(_docx(tmp_path / "表单.docx", [form])).split("\n")
    assert "会议时间；2025年3月5日" in lines
    assert "主持人；薛登峰" in lines
    assert not any("会议时间：主持人" in line for line in lines)


def test_a_docx_row_marked_as_header_is_the_header_even_of_two_columns(tmp_path):
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    d = docx.Document()
    t = d.add_table(rows=3, cols=2)
    for r, row in enumerate([("姓名", "职务"), ("张三", "主席"), ("李四", "副主任")]):
        for c, value in enumerate(row):
            t.cell(r, c).text = value
    t.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # "repeat as header row"
    assert t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    d.save(str(tmp_path / "标记.docx"))
    lines = _text(tmp_path / "标记.docx").split("\n")
    assert "姓名：张三；职务：主席" in lines
    assert "姓名：李四；职务：副主任" in lines


def test_html_tables_by_th_thead_first_row_and_spans(tmp_path):
    page = """<html><head><title>会议纪要</title></head><body><p>一、出席人员</p>
    <table><thead><tr><th>姓名</th><th>职务</th></tr></thead>
    <tbody><tr><td>张三</td><td>主席</td></tr><tr><td>李四</td><td>副主任</td></tr></tbody></table>
    <table><tr><th>会议时间</th><td>2025年3月5日</td></tr><tr><th>地点</th><td>三楼会议室</td></tr></table>
    <table><tr><td>序号</td><td>单位</td><td>人数</td></tr>
      <tr><td>1</td><td rowspan="2">市政协</td><td>5</td></tr><tr><td>2</td><td>3</td></tr>
      <tr><td colspan="3">合计 8 人</td></tr></table>
    <table><tr><td><p>版式表格里的正文。</p><p>第二段。</p></td><td>侧栏</td></tr></table>
    </body></html>"""
    (tmp_path / "纪要.html").write_text(page, encoding="utf-8")
    lines = _text(tmp_path / "纪要.html").split("\n")
    assert "姓名：张三；职务：主席" in lines  # <thead>/<th>: a header even of two columns
    assert "会议时间：2025年3月5日" in lines  # a row led by <th>: label：value
    assert "地点：三楼会议室" in lines
    assert "序号：1；单位：市政协；人数：5" in lines
    assert "序号：2；单位：市政协；人数：3" in lines  # rowspan repeated below
    assert "合计 8 人" in lines
    assert "版式表格里的正文。" in lines and "第二段。" in lines  # a layout table is read as it was


# ----------------------------------------------------------------------------------------- headings


def test_headings_of_a_meeting_minutes_text_are_found_with_their_rank():
    found = [(h.text, h.rank) for h in find_headings(MINUTES)]
    assert [text for text, _ in found] == [
        "一、会议基本情况",
        "二、会议议定事项",
        "（一）关于年度协商计划",  # a run-in heading: its first sentence
        "（二）关于委员履职",
        "1. 履职积分",
        "（1）委员提案",
        "三、其他事项",
    ]
    ranks = dict(found)
    assert ranks["一、会议基本情况"] < ranks["（一）关于年度协商计划"] < ranks["1. 履职积分"] < ranks["（1）委员提案"]


def test_numbered_paragraphs_and_list_items_are_not_headings():
    text = (
        "一、会议听取了市政协办公室关于二〇二四年度全市政协系统各项工作开展情况以及二〇二五年工作打算的汇报，认为成绩显著。\n"
        "（一）未经许可擅自经营的；\n"
        "1.5亿元用于民生实事。\n"
        "2. 会议要求，各专委会要按照年度协商计划的安排，认真组织开展调研视察活动，形成高质量的调研报告。\n"
    )
    assert find_headings(text) == []


def test_law_chapters_articles_and_markdown_headings():
    text = "# 办法\n## 第一章 总则\n第一条 为了规范协商工作，根据有关规定，结合本市实际，制定本办法，请各单位认真遵照执行。\n"
    assert [h.text for h in find_headings(text)] == ["办法", "第一章 总则", "第一条"]
    assert heading_at(text, text.index("为了"), skip="办法") == "第一章 总则 > 第一条"


def test_each_chunk_carries_the_heading_path_where_it_starts_outside_its_text():
    title = "滕州市政协主席会议纪要"
    at = lambda words: heading_at(MINUTES, MINUTES.index(words), skip=title)  # noqa: E731
    assert at("会议听取了") == "一、会议基本情况"
    assert at("委员履职积分每季度") == "二、会议议定事项 > （二）关于委员履职 > 1. 履职积分"
    assert at("提案工作由") == "二、会议议定事项 > （二）关于委员履职 > 1. 履职积分 > （1）委员提案"
    assert at("会议还研究了") == "三、其他事项"  # 三、 closes 二、 and all below it
    assert at("三、其他事项") == ""  # a heading where a passage starts is in its text, not its context
    assert at("2025年3月5日上午") == ""  # the title line is the title, not a heading

    doc = Document(doc_id="m", text=MINUTES, title=title, date="2025-03-05")
    chunks = chunk_document(doc, size=40, overlap=10)
    assert len(chunks) > 5
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text  # spans untouched: citations depend on them
        assert c.heading == heading_at(MINUTES, c.start, skip=title)
    deep = max(chunks, key=lambda c: c.heading.count(">"))
    assert deep.heading.startswith("二、会议议定事项 > （")
    assert index_text(deep).split("\n")[:2] == ["滕州市政协主席会议纪要（2025年3月5日）", deep.heading]
    assert index_text(deep).endswith(deep.text)


def test_a_long_heading_path_keeps_its_outermost_and_innermost_levels():
    levels = ["一、" + "甲" * 30, "（一）" + "乙" * 30, "1. " + "丙" * 30, "（1）" + "丁" * 30]
    text = "\n".join(levels) + "\n正文内容。"
    path = heading_at(text, text.index("正文"))
    assert path.startswith(levels[0]) and path.endswith(levels[-1])
    assert "乙" not in path and len(path) <= 140


# ------------------------------------------------------------------------------------ index and ask


def test_headings_are_stored_and_an_index_of_another_chunker_is_embedded_again(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "纪要.txt").write_text(MINUTES, encoding="utf-8")
    index = tmp_path / "index"
    Assistant.build([folder], index_dir=index, embedder=HashEmbedder(), chunk_size=60, chunk_overlap=10)
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["chunking"]["version"] == CHUNKER_VERSION
    store = IndexStore.load(index)
    assert any("（二）关于委员履职" in c.heading for c in store.chunks)

    unchanged = HashEmbedder()
    Assistant.build([folder], index_dir=index, embedder=unchanged, chunk_size=60, chunk_overlap=10)
    assert unchanged.embedded == []  # same chunker: vectors reused

    manifest["chunking"]["version"] = "0"  # another indexed text: nothing reused
    (index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    again = HashEmbedder()
    Assistant.build([folder], index_dir=index, embedder=again, chunk_size=60, chunk_overlap=10)
    assert len(again.embedded) == len(IndexStore.load(index).chunks)


def test_an_index_from_before_headings_keeps_its_vectors_and_gains_headings_in_its_keywords(tmp_path, corpus):
    (corpus / "纪要.txt").write_text(MINUTES, encoding="utf-8")
    index = tmp_path / "index"
    Assistant.build([corpus], index_dir=index, embedder=HashEmbedder(), chunk_size=60, chunk_overlap=10)
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    del manifest["chunking"]["version"]  # as written before headings: title, date and passage embedded
    (index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    again = HashEmbedder()
    a = Assistant.build([corpus], index_dir=index, embedder=again, chunk_size=60, chunk_overlap=10)
    assert again.embedded == []  # the embedded text has no headings: the same vectors
    assert a.last_build is not None and a.last_build.reused_documents == 5
    assert a.store.manifest["chunking"]["version"] == CHUNKER_VERSION
    headed = [i for i, c in enumerate(a.store.chunks) if "（二）关于委员履职" in c.heading]
    assert headed
    from rag.store import Tokens

    vocabulary = Tokens()
    rows = a.store.read_tokens(vocabulary)
    for i in headed:  # tokenized again, the headings in
        stored = [vocabulary.words[t] for t in rows[i].tolist()]
        assert stored == tokenize(index_text(a.store.chunks[i])) != tokenize(embed_text(a.store.chunks[i]))


def test_the_heading_is_keyword_text_not_embedded_text():
    doc = Document(doc_id="m", text=MINUTES, title="滕州市政协主席会议纪要", date="2025-03-05")
    deep = max(chunk_document(doc, size=40, overlap=10), key=lambda c: c.heading.count(">"))
    assert deep.heading in index_text(deep)
    assert deep.heading not in embed_text(deep)
    assert embed_text(deep) == "滕州市政协主席会议纪要（2025年3月5日）\n" + deep.text


def test_an_index_of_format_2_still_answers(tmp_path, corpus):
    index = tmp_path / "index"
    Assistant.build([corpus], index_dir=index, embedder=HashEmbedder())
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    manifest["format"] = 2
    (index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert Assistant.load(index, embedder=HashEmbedder()).ask("农村集体经济组织法").found


@pytest.mark.parametrize(
    ("question", "row"),
    [
        ("谁参加了主席会议？", "姓名：张三；单位：市政协；职务：主席"),
        ("李四的职务是什么？", "姓名：李四；单位：市委办公室；职务：副主任"),
    ],
)
def test_who_attended_finds_the_row_of_the_attendance_list(tmp_path, corpus, question, row):
    _docx(corpus / "主席会议名单.docx", [ATTENDANCE], before="2025年3月5日，市政协召开主席会议。参加会议人员名单如下：")
    a = Assistant.build([corpus], index_dir=tmp_path / "index", embedder=HashEmbedder())
    ans = a.ask(question)
    assert ans.found
    assert ans.citations[0].title == "主席会议名单"
    assert row in ans.text  # the row quoted whole, each cell with its column's name


def test_the_citation_card_shows_the_section_of_the_passage(tmp_path):
    from rag.web.render import cards_html

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "纪要.txt").write_text(MINUTES, encoding="utf-8")
    a = Assistant.build([folder], index_dir=tmp_path / "index", embedder=HashEmbedder())
    ans = a.ask("提案工作由谁负责？")
    assert ans.found
    assert "（二）关于委员履职" in cards_html(a, ans)


def test_html_tables_nested_thousands_deep_are_read_as_plain_text_in_linear_time(tmp_path):
    import time

    depth = 3000  # reading rows table by table would scan each table's contents: quadratic, ~15 s
    page = "<html><body>" + "<table><tr><td>层" * depth + "底" + "</td></tr></table>" * depth + "</body></html>"
    (tmp_path / "深.html").write_text(page, encoding="utf-8")
    t0 = time.perf_counter()
    text = _text(tmp_path / "深.html")
    assert time.perf_counter() - t0 < 10
    assert "底" in text


def test_a_table_row_line_is_one_sentence_and_prose_still_splits_at_semicolons():
    from rag.chunking import split_sentences

    text = "会议指出，要稳增长；要保就业。\n姓名：张三；单位：市政协；职务：主席\n一是加强领导；二是压实责任"
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "会议指出，要稳增长；",
        "要保就业。",
        "姓名：张三；单位：市政协；职务：主席",
        "一是加强领导；",
        "二是压实责任",
    ]
