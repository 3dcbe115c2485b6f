import json
import os
from pathlib import Path

import pytest

from rag.dates import date_from_text, parse_date
from rag.loaders import load

TEXT = "市政协召开双周协商座谈会。主席薛登峰出席会议。"


def one(path: Path):
    result = load([path])
    assert not result.skipped, result.skipped
    assert len(result.documents) == 1
    return result.documents[0]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_text_encodings_are_detected(tmp_path, encoding):
    p = tmp_path / "report.txt"
    p.write_bytes((TEXT * 3).encode(encoding))
    doc = one(p)
    assert doc.text.startswith(TEXT)


def test_jsonl_records_keep_id_title_date_and_metadata(tmp_path):
    p = tmp_path / "records.jsonl"
    rows = [
        {"id": "a-1", "title": "國務院常務會議", "date": "2024-07-19", "content": "會議審議通過條例。", "url": "u1"},
        {"id": "a-2", "title": "座谈会", "date": "2024/7/20", "text": "7月20日召开座谈会。"},
        {"id": "a-3", "title": "没有日期", "content": "2024年7月21日召开会议。"},
    ]
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    lines.insert(1, "{not json")
    lines.insert(2, json.dumps({"id": "empty", "content": ""}))
    lines.insert(3, "[1, 2]")
    p.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    result = load([p])
    docs = {d.doc_id: d for d in result.documents}
    assert set(docs) == {"a-1", "a-2", "a-3"}
    assert docs["a-1"].title == "国务院常务会议"
    assert docs["a-1"].text == "会议审议通过条例。"
    assert docs["a-1"].meta == {"url": "u1"}
    assert docs["a-1"].source == str(p)
    assert docs["a-2"].date == "2024-07-20"
    assert docs["a-3"].date == "2024-07-21"
    reasons = dict(result.skipped)
    assert set(reasons) == {f"{p}:2", f"{p}:3", f"{p}:4"}
    assert "invalid JSON" in reasons[f"{p}:2"]


def test_markdown_front_matter_and_file_name_dates(tmp_path):
    md = tmp_path / "a.md"
    md.write_text("---\ntitle: 常务会议\ndate: 2023-03-02\n---\n# 标题\n会议召开。", encoding="utf-8")
    doc = one(md)
    assert (doc.title, doc.date) == ("常务会议", "2023-03-02")
    assert "title:" not in doc.text

    named = tmp_path / "2022-09-27-会议纪要.txt"
    named.write_text("9月26日召开会议，研究有关事项。", encoding="utf-8")
    doc = one(named)
    assert doc.date == "2022-09-27"
    assert doc.doc_id == str(named)


def test_month_day_in_text_takes_the_year_from_the_file_name(tmp_path):
    p = tmp_path / "2023年政协活动.txt"
    p.write_text("7月14日，市政协开展双月协商活动。", encoding="utf-8")
    assert one(p).date == "2023-07-14"
    q = tmp_path / "无年份.txt"
    q.write_text("7月14日，市政协开展双月协商活动。", encoding="utf-8")
    assert one(q).date is None  # no year known: no guess


def test_date_parsing():
    assert parse_date("2024年7月19日") == "2024-07-19"
    assert parse_date("20240719") == "2024-07-19"
    assert parse_date("2024-02-30") is None
    assert date_from_text("会议于2024年7月19日召开", None) == "2024-07-19"
    assert date_from_text("19日召开", 2024) is None


def test_docx(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("市政协座谈会", level=1)
    d.add_paragraph(TEXT)
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "出席人数"
    table.cell(0, 1).text = "45人"
    p = tmp_path / "会议.docx"
    d.save(str(p))
    doc = one(p)
    assert doc.title == "市政协座谈会"
    assert TEXT in doc.text
    assert "45人" in doc.text


def test_pdf_text_layer(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    p = tmp_path / "纪要.pdf"
    c = canvas.Canvas(str(p))
    c.setFont("STSong-Light", 12)
    c.drawString(50, 800, TEXT)
    c.save()
    assert TEXT in one(p).text


def test_pdf_without_text_and_broken_files_are_skipped_with_reasons(tmp_path):
    from reportlab.pdfgen import canvas

    empty = tmp_path / "scan.pdf"
    scan = canvas.Canvas(str(empty))
    scan.rect(50, 50, 200, 200, fill=1)  # a page with a picture and no text
    scan.showPage()
    scan.save()
    (tmp_path / "broken.docx").write_bytes(b"not a zip")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n")
    (tmp_path / "data.txt").write_bytes(b"\x00\x01\x02\xff" * 50)
    (tmp_path / "good.txt").write_text(TEXT, encoding="utf-8")
    result = load([tmp_path])
    assert [d.text for d in result.documents] == [TEXT]
    reasons = {Path(w).name: r for w, r in result.skipped}
    assert set(reasons) == {"scan.pdf", "broken.docx", "broken.pdf", "photo.png", "data.txt"}
    assert "text layer" in reasons["scan.pdf"]
    assert "not an image" in reasons["photo.png"]  # read by OCR, but broken


def test_html_scripts_are_not_text(tmp_path):
    p = tmp_path / "page.html"
    p.write_text(
        "<html><head><title>政协会议</title><script>alert('x')</script></head>"
        f"<body><h1>会议</h1><p>{TEXT}</p><style>p{{}}</style></body></html>",
        encoding="gb18030",
    )
    doc = one(p)
    assert doc.title == "政协会议"
    assert TEXT in doc.text
    assert "alert" not in doc.text


def test_folders_are_walked_recursively_and_only_regular_files_opened(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "deep.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text(TEXT, encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.txt")
    result = load([tmp_path, tmp_path / "missing.txt"])
    assert [Path(d.doc_id).name for d in result.documents] == ["deep.txt"]
    reasons = {Path(w).name: r for w, r in result.skipped}
    assert reasons["pipe.txt"] == "a FIFO, not a regular file"
    assert reasons[".hidden.txt"] == "hidden file, not read"
    assert "cannot open" in reasons["missing.txt"]


def test_one_path_given_as_a_string_is_one_path(tmp_path):
    (tmp_path / "a.txt").write_text("会议纪要。", encoding="utf-8")
    result = load(str(tmp_path / "a.txt"))
    assert [d.title for d in result.documents] == ["a"]
    assert result.skipped == []


def test_record_date_fields_and_a_year_alone(tmp_path):
    import json

    from rag.dates import format_cn, within

    rows = [
        {"id": "a", "日期": "2024年7月19日", "content": "会议召开。"},
        {"id": "b", "publish_date": "2024/07/20", "content": "会议召开。"},
        {"id": "c", "year": 2018, "content": "各位代表：现在，我代表国务院，向大会报告政府工作。"},
        {"id": "d", "year": "2017", "content": "2017年3月5日在第十二届全国人民代表大会第五次会议上"},
    ]
    (tmp_path / "r.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    docs = {d.doc_id: d for d in load([tmp_path / "r.jsonl"]).documents}
    assert [docs[k].date for k in "abcd"] == ["2024-07-19", "2024-07-20", "2018", "2017-03-05"]
    assert "year" in docs["c"].meta and "日期" not in docs["a"].meta
    assert format_cn("2018") == "2018年"
    assert within("2018", "2018-03-01", "2018-03-31") and not within("2018", "2019-01-01", "2019-12-31")


def test_a_record_of_a_year_passes_filters_of_that_year(tmp_path, embedder):
    import json

    from rag import Assistant

    rows = [{"id": "y", "year": 2018, "content": "国内生产总值增长6.5%左右。"}]
    (tmp_path / "r.jsonl").write_text(json.dumps(rows[0], ensure_ascii=False), encoding="utf-8")
    a = Assistant.build([tmp_path / "r.jsonl"], tmp_path / "index", embedder=embedder)
    assert a.search("国内生产总值", date_from="2018-03-01", date_to="2018-06-30")
    assert not a.search("国内生产总值", date_from="2019-01-01")


def test_docx_table_in_a_table_is_read_once_in_reading_order(tmp_path):
    import docx

    d = docx.Document()
    outer = d.add_table(rows=2, cols=2)
    outer.cell(0, 0).text = "出席人数"
    outer.cell(0, 1).text = "45人"
    inner = outer.cell(0, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "列席甲"
    inner.cell(0, 1).text = "列席乙"
    outer.cell(1, 0).merge(outer.cell(1, 1)).text = "会议议程三项"
    d.save(str(tmp_path / "表.docx"))
    text = one(tmp_path / "表.docx").text
    assert text.count("列席甲") == 1  # not again inside the outer row
    assert text.index("45人") < text.index("列席甲") < text.index("会议议程三项")
