"""The readers of .ofd, .doc/.wps, .xlsx and .csv files: text, titles and dates of files the tests make,
hostile and broken files of each type reported with a reason while the build goes on, and a folder
of the three new kinds indexed and asked questions whose answers sit only in them.

Files: OFD packages by `tests.ofd_maker`; workbooks by openpyxl; CSV files by hand. The one file not
made here, ``tests/data/gas_meeting.doc`` (18 KB, invented text), was made once by LibreOffice 7.4
(``soffice --headless --convert-to doc``) from a .docx that python-docx wrote with a title,
paragraphs, a hyperlink and a 2×2 table: no Word 97 writer is installed at test time.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from pathlib import Path

import pytest

from rag.loaders import load

from .ofd_maker import ofd_bytes, write_ofd

DATA = Path(__file__).resolve().parent / "data"
DOC = DATA / "gas_meeting.doc"


def _one(path: Path):
    """The document read from ``path``, failing with the reason when it was skipped."""
    result = load(path)
    assert not result.skipped, result.skipped
    assert len(result.documents) == 1
    return result.documents[0]


def _reason(path: Path) -> str:
    """The reason ``path`` was skipped (the test fails when it was read)."""
    result = load(path)
    assert not result.documents, result.documents[0].text[:200]
    assert len(result.skipped) == 1
    return result.skipped[0][1]


# ------------------------------------------------------------------------------------------------ OFD

PAGES = [
    [
        "森林防火工作推进会会议纪要",
        ["时间：2024年6月3日", "地点：市林业局二楼会议室"],  # two text objects on one line
        "会议由市林业局主要负责同志主持。",
        "会议确定，今年新建防火隔离带四十二公里。",
    ],
    ["会议要求各区县落实护林员巡山制度。", "主送：各区县林业主管部门。"],
]


def test_ofd_text_in_reading_order_with_title_and_date(tmp_path):
    """Text objects written in reverse order come back line by line, top to bottom, left to right,
    page after page; title and date come from DocInfo."""
    doc = _one(write_ofd(tmp_path / "防火.ofd", PAGES, title="森林防火工作推进会纪要", date="2024-06-03T16:20:00"))
    lines = doc.text.split("\n")
    assert lines[0] == "森林防火工作推进会会议纪要"
    assert lines[1].startswith("时间：2024年6月3日") and lines[1].endswith("地点：市林业局二楼会议室")
    assert lines[2:] == [*PAGES[0][2:], *PAGES[1]]
    assert doc.title == "森林防火工作推进会纪要"
    assert doc.date == "2024-06-03"


def test_ofd_without_metadata_takes_title_from_text(tmp_path):
    doc = _one(write_ofd(tmp_path / "a.ofd", PAGES, title=None, date=None))
    assert doc.title == "森林防火工作推进会会议纪要"
    assert doc.date == "2024-06-03"  # from the text, as for other files


def test_ofd_location_from_the_package_root_is_read(tmp_path):
    """The standard lets a location start with / (the package root): inside, so read."""
    data = ofd_bytes(PAGES[:1], page_locations=["/Doc_0/Pages/Page_0/Content.xml"])
    assert "四十二公里" in _one(_write(tmp_path / "a.ofd", data)).text


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("where", ["page", "root"])
@pytest.mark.parametrize("location", ["../../etc/passwd", "/../../etc/passwd", "file:///etc/passwd", "C:\\boot.ini"])
def test_ofd_pointing_outside_itself_is_refused(tmp_path, where, location):
    data = ofd_bytes(PAGES, **({"page_locations": [location, location]} if where == "page" else {"doc_root": location}))
    reason = _reason(_write(tmp_path / "a.ofd", data))
    assert "points outside the package" in reason and repr(location) in reason


def test_hostile_ofd_files_are_reported_and_the_build_goes_on(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("机密口令", encoding="utf-8")
    good = ofd_bytes(PAGES)
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY s SYSTEM "file://{secret}">]>'
        '<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer>'
        '<ofd:TextObject Boundary="0 0 100 10" Size="4"><ofd:TextCode X="0" Y="4">&s;</ofd:TextCode>'
        "</ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>"
    ).encode()
    files = {
        "truncated.ofd": good[: len(good) // 2],
        "bomb.ofd": ofd_bytes(PAGES, extra={"Doc_0/Res/big.xml": b" " * (11 * 2**20)}),
        "big_part.ofd": ofd_bytes(PAGES, extra={"Doc_0/Pages/Page_0/Content.xml": b"<a/>" * (2**20 + 1)}),
        "no_ofd_xml.ofd": _zip({"Doc_0/Document.xml": b"<Document/>"}),
        "xxe.ofd": ofd_bytes([["x"]], extra={"Doc_0/Pages/Page_0/Content.xml": xxe}),
        "images_only.ofd": ofd_bytes([[]]),
        "not_zip.ofd": "这是一段纯文本，不是 OFD。".encode(),
        "good.ofd": good,
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    secret.unlink()  # not a document of the folder
    result = load(tmp_path, max_bytes=2**20)  # 1 MB a file: bombs of 11 MB are enough
    reasons = dict((Path(where).name, reason) for where, reason in result.skipped)
    assert [Path(d.source).name for d in result.documents] == ["good.ofd"]
    assert set(reasons) == set(files) - {"good.ofd"}
    assert "broken or truncated ZIP" in reasons["truncated.ofd"]
    assert "unpacks to 11 MB, over the limit of 10 MB" in reasons["bomb.ofd"]
    assert "over 4,194,304 for one XML part" in reasons["big_part.ofd"]
    assert "no OFD.xml" in reasons["no_ofd_xml.ofd"]
    assert "no text" in reasons["xxe.ofd"] and "no text" in reasons["images_only.ofd"]
    assert reasons["not_zip.ofd"] == "not a .ofd file: not a ZIP package"
    assert all("机密" not in d.text for d in result.documents)


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------- .doc / .wps


def test_doc_paragraphs_table_rows_and_title(tmp_path):
    doc = _one(_write(tmp_path / "纪要.doc", DOC.read_bytes()))
    lines = doc.text.split("\n")
    assert lines[0] == "城东街道安全生产工作会议纪要"
    assert "由应急管理办公室牵头" in lines[2]
    assert lines[3] == "检查表格见街道网站：燃气检查登记表"  # the link's text, not its field instruction
    assert lines[-2:] == ["事项；责任单位", "燃气检查；应急管理办公室"]  # a table row per line
    assert doc.title == "城东街道安全生产工作会议纪要"
    assert doc.date == "2023-11-08"


def _rename_stream(data: bytes, old: str, new: str) -> bytes:
    """The OLE file with a directory entry renamed (names are UTF-16 in the directory)."""
    assert len(old) == len(new)
    encoded = old.encode("utf-16-le")
    assert data.count(encoded) == 1
    return data.replace(encoded, new.encode("utf-16-le"))


def test_wps_read_when_word_compatible_else_save_as_docx(tmp_path):
    """Kingsoft WPS files are Word 97 compound files and read as .doc; any other .wps (no
    WordDocument stream: Works, WPS 2000) is refused with what to do."""
    assert "燃气安全专项检查" in _one(_write(tmp_path / "a.wps", DOC.read_bytes())).text
    other = _rename_stream(DOC.read_bytes(), "WordDocument", "WorksContent")
    assert _reason(_write(tmp_path / "b.wps", other)) == (
        "unsupported .wps file (not the Word-compatible WPS format): save as .docx"
    )
    assert "no WordDocument stream" in _reason(_write(tmp_path / "b.doc", other))


def _set_fib_flag(data: bytes, flag: int) -> bytes:
    """The .doc with a bit set in its FIB flags (the WordDocument stream's first sector)."""
    at = data.find(struct.pack("<H", 0xA5EC), 512)
    flags = struct.unpack_from("<H", data, at + 0x0A)[0] | flag
    return data[: at + 0x0A] + struct.pack("<H", flags) + data[at + 0x0C :]


def test_broken_and_hostile_doc_files_are_reported_and_the_build_goes_on(tmp_path):
    real = DOC.read_bytes()
    ole = real[:8]
    files = {
        "garbage.doc": ole + bytes(range(256)) * 40,
        "truncated.doc": real[:4096],
        "text.doc": "会议纪要：这是文本文件改了扩展名。".encode(),
        "docx_renamed.doc": _zip({"word/document.xml": b"<w:document/>"}),
        "encrypted.doc": _set_fib_flag(real, 0x0100),
        "good.doc": real,
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    result = load(tmp_path)
    reasons = dict((Path(where).name, reason) for where, reason in result.skipped)
    assert [Path(d.source).name for d in result.documents] == ["good.doc"]
    assert set(reasons) == set(files) - {"good.doc"}
    assert reasons["garbage.doc"].startswith("not a valid .doc file")
    assert reasons["truncated.doc"].startswith("not a valid .doc file")
    assert reasons["text.doc"] == "not a .doc file: not an OLE compound file; save it as .docx"
    assert reasons["docx_renamed.doc"].startswith("not a .doc file: the content is a ZIP archive")
    assert "protected with a password" in reasons["encrypted.doc"]


def test_word_fields_keep_results_drop_instructions():
    from rag.legacy import _lines

    raw = '见\x13 HYPERLINK "http://x" \x14登记表\x15，第\x13 PAGE \x143\x15页\x13 TOC \x15。\r甲\x07乙\x07\x07'
    assert _lines(raw) == "见登记表，第3页。\n甲；乙\n"


# -------------------------------------------------------------------------------------- .xlsx / .csv

PEOPLE = [
    ("贺建平", "市林业局", "局长"),
    ("俞晓红", "市应急管理局", "副局长"),
    ("邵国栋", "市气象局", "总工程师"),
    ("付雅琴", "城西区人民政府", "副区长"),
]


def _attendance(path: Path, title: str = "森林防火工作推进会参会人员名单", rows=PEOPLE) -> Path:
    """An attendance list as offices keep one: a merged title row, a header, a row per person."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "签到表"
    sheet.append([title])
    sheet.merge_cells("A1:D1")
    sheet.append(["姓名", "单位", "职务", "签到时间"])
    for i, person in enumerate(rows):
        sheet.append([*person, dt.datetime(2024, 6, 3, 8, 30) + dt.timedelta(minutes=i)])
    sheet.append(["姓名", "单位", "职务", "签到时间"])  # the header again, as printed over pages
    sheet.append(["备注：共4人参会", None, None, None])
    notes = workbook.create_sheet("Sheet2")
    notes.append(["会议编号", "日期", "人数"])
    notes.append(["LY-2024-017", dt.date(2024, 6, 3), 4.0])
    workbook.save(path)
    return path


def test_xlsx_rows_with_their_header_title_and_sheets(tmp_path):
    doc = _one(_attendance(tmp_path / "名单.xlsx"))
    lines = doc.text.split("\n")
    assert lines[:3] == ["森林防火工作推进会参会人员名单", "工作表：签到表", "姓名；单位；职务；签到时间"]
    assert lines[3] == "姓名：贺建平；单位：市林业局；职务：局长；签到时间：2024-06-03 08:30"
    assert lines.count("姓名；单位；职务；签到时间") == 1  # the repeated header is dropped
    assert "姓名：备注：共4人参会" in lines
    assert lines[-2:] == ["会议编号；日期；人数", "会议编号：LY-2024-017；日期：2024-06-03；人数：4"]
    assert doc.title == "森林防火工作推进会参会人员名单"


def test_xlsx_rows_stay_whole_in_chunks(tmp_path):
    """Each row is a line: a passage of the chunker holds a group of whole rows."""
    from rag.chunking import chunk_document

    people = [(f"人员{i:03d}", f"第{i}协作单位", "联络员") for i in range(60)]
    doc = _one(_attendance(tmp_path / "名单.xlsx", rows=people))
    chunks = chunk_document(doc)
    assert len(chunks) > 1
    for chunk in chunks:
        for line in chunk.text.split("\n")[1:-1]:  # inner lines are whole rows
            assert line.startswith("姓名：") or not line.startswith(("单位", "职务"))


def test_csv_in_gbk_and_tab_separated_utf8(tmp_path):
    gbk = '会议签到表\r\n姓名,单位,职务\r\n张伟,"市财政局,预算科",科长\r\n王芳,市统计局,\r\n'.encode("gbk")
    doc = _one(_write(tmp_path / "签到.csv", gbk))
    assert doc.text.split("\n") == [
        "会议签到表",
        "姓名；单位；职务",
        "姓名：张伟；单位：市财政局，预算科；职务：科长",
        "姓名：王芳；单位：市统计局",
    ]
    assert doc.title == "会议签到表"
    tsv = "\ufeff姓名\t职务\n李娜\t主任\n".encode()
    assert _one(_write(tmp_path / "b.csv", tsv)).text.split("\n") == ["姓名；职务", "姓名：李娜；职务：主任"]


def test_hostile_spreadsheets_are_reported_and_the_build_goes_on(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("机密口令", encoding="utf-8")
    good = _attendance(tmp_path / "good.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    cell = '<c r="{}" t="inlineStr"><is><t>{}</t></is></c>'
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY s SYSTEM "file://{secret}">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        f'<row r="1">{cell.format("A1", "姓名")}{cell.format("B1", "口令")}</row>'
        f'<row r="2">{cell.format("A2", "甲")}{cell.format("B2", "&s;")}</row></sheetData></worksheet>'
    ).encode()
    shared = "xl/worksheets/sheet1.xml"
    files = {
        "bomb.xlsx": _zip({**parts, "xl/media/padding.xml": b"\0" * (11 * 2**20)}),
        "truncated.xlsx": good[: len(good) // 2],
        "docx_renamed.xlsx": _zip({"word/document.xml": b"<w:document/>"}),
        "ole.xlsx": DOC.read_bytes(),
        "xxe.xlsx": _zip({**parts, shared: xxe}),
        "png.csv": b"\x89PNG\r\n\x1a\n" + bytes(200),
        "empty_rows.csv": b",,,\n,,\n",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    secret.unlink()
    result = load(tmp_path, max_bytes=2**20)  # 1 MB a file: bombs of 11 MB are enough
    reasons = dict((Path(where).name, reason) for where, reason in result.skipped)
    read = {Path(d.source).name: d for d in result.documents}
    assert list(read) == ["good.xlsx"]
    assert "undefined entity" in reasons["xxe.xlsx"]
    assert all("机密" not in d.text for d in result.documents)
    assert "unpacks to 11 MB, over the limit of 10 MB" in reasons["bomb.xlsx"]
    assert "broken or truncated ZIP" in reasons["truncated.xlsx"]
    assert "no xl/workbook.xml" in reasons["docx_renamed.xlsx"]
    assert reasons["ole.xlsx"].startswith("not a .xlsx file: the content is an old Office file")
    assert reasons["png.csv"] == "not a text file: the content is a PNG image"
    assert reasons["empty_rows.csv"] == "no text"


def test_cell_text_formats():
    from rag.sheets import cell_text

    assert cell_text(dt.datetime(2024, 6, 3)) == "2024-06-03"
    assert cell_text(dt.datetime(2024, 6, 3, 9, 5)) == "2024-06-03 09:05"
    assert cell_text(dt.date(2024, 6, 3)) == "2024-06-03"
    assert cell_text(12.0) == "12" and cell_text(12.5) == "12.5" and cell_text(True) == "是"
    assert cell_text("  市林业局\n办公室 ") == "市林业局 办公室"


# ---------------------------------------------------------------------------------------- end to end


def test_questions_answered_only_by_ofd_doc_and_xlsx(tmp_path, embedder):
    """A folder of the three new kinds among text reports (and broken files, reported): each
    question is answered from the one file that holds its answer, and cited to it."""
    from rag import Assistant

    from .conftest import REPORTS

    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in REPORTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    write_ofd(folder / "防火纪要.ofd", PAGES, title="森林防火工作推进会纪要", date="2024-06-03")
    (folder / "安全生产.doc").write_bytes(DOC.read_bytes())
    _attendance(folder / "参会名单.xlsx")
    (folder / "坏.ofd").write_bytes(ofd_bytes(PAGES, doc_root="../../etc/passwd"))
    (folder / "坏.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(3000))
    assistant = Assistant.build([folder], index_dir=tmp_path / "index", embedder=embedder)
    assert {Path(w).name for w, _ in assistant.last_load.skipped} == {"坏.ofd", "坏.doc"}

    cases = [
        ("谁参加了森林防火工作推进会？", "参会名单.xlsx", ["姓名：贺建平"]),
        ("俞晓红是什么职务？", "参会名单.xlsx", ["副局长"]),
        ("今年新建防火隔离带多少公里？", "防火纪要.ofd", ["四十二公里"]),
        ("燃气安全专项检查由哪个部门牵头？", "安全生产.doc", ["应急管理办公室"]),
    ]
    for question, source, expected in cases:
        answer = assistant.ask(question)
        assert answer.found, question
        cited = {Path(c.source).name for c in answer.citations}
        assert source in cited, (question, cited)
        for words in expected:
            assert words in answer.text, (question, answer.text)
