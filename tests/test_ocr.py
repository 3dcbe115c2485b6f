"""OCR of scanned PDFs and images (`rag.ocr`, wired into `rag.loaders`), and page numbers in citations.

The layout rules (reading order, paragraphs, running headers) are tested on line boxes given
directly; the real engine reads pages rendered from known text (`tests.scans`) in the tests marked
slow (2-8 s a page here). Hostile files are refused before the engine is loaded.
"""

from __future__ import annotations

import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from rag import ocr
from rag.api import Assistant
from rag.loaders import _WATCHDOG, PAGE_MARK, _needs_ocr, _time_limit, _TookTooLong, load
from rag.types import Document

from .conftest import HashEmbedder
from .scans import FONT, HEADER, MINUTES, accuracy, body, generated_minutes, minutes_pages, photo, render_page, save_pdf

needs_font = pytest.mark.skipif(not FONT.exists(), reason="fonts-wqy-microhei is not installed")


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    """Each test its own OCR cache: nothing is read from or left in the user's."""
    monkeypatch.setenv("RAG_OCR_CACHE", str(tmp_path / "ocr-cache"))


class Counting:
    """The real engine, counting the pages it reads."""

    def __init__(self, inner: ocr.Engine) -> None:
        self.inner, self.name, self.calls = inner, inner.name, 0

    def read(self, image):
        self.calls += 1
        return self.inner.read(image)


@pytest.fixture(scope="module")
def engine() -> ocr.Engine:
    """One RapidOCR for the module (loading it takes seconds)."""
    return ocr.engine()


def line(text: str, x0: float, y0: float, x1: float | None = None, h: float = 30) -> ocr.Line:
    return ocr.Line(text, (x0, y0, x0 + 30 * len(text) if x1 is None else x1, y0 + h), 0.99)


# ---------------------------------------------------------------------------------- layout rules


def test_two_columns_are_read_one_after_the_other_under_a_title_that_spans_them():
    left = ["左栏第一行文字写满了整", "行内容接着往下写到这里", "左栏最后一行。"]
    right = ["右栏第一行文字也写满了", "整行内容然后继续写下去", "右栏结束。"]
    lines = [line("会议纪要标题横跨两栏", 300, 100, 900)]
    for i in range(3):  # rows interleave across the columns, as a detector returns them
        lines.append(line(right[i], 660, 200 + 50 * i, 660 + 30 * 11 if i < 2 else None))
        lines.append(line(left[i], 100, 200 + 50 * i, 100 + 30 * 11 if i < 2 else None))
    text = ocr.page_text(ocr.reading_order(lines))
    assert text.split("\n") == ["会议纪要标题横跨两栏", "".join(left), "".join(right)]


def test_wrapped_lines_join_and_indented_or_short_lines_start_paragraphs():
    lines = [
        line("第一段第一行写到了右边", 160, 100, 1000),
        line("界然后结束。", 100, 145),
        line("第二段只有一行。", 160, 190),
        line("Meeting of", 100, 235, 1000),
        line("the board", 100, 280),
    ]
    text = ocr.page_text(ocr.reading_order(lines))
    assert text.split("\n") == [
        "第一段第一行写到了右边界然后结束。",
        "第二段只有一行。",
        "Meeting of the board",
    ]


def test_running_headers_and_page_numbers_are_dropped_and_the_rest_kept():
    feet = {1: "- 1 -", 2: "第 2 页", 3: "3"}
    pages = [
        ocr.Page(
            (
                line("青溪市政协办公厅", 400, 40),  # on every page, in the top margin: a running header
                *([line("会议纪要", 100, 120)] if n == 1 else []),  # in the margin of one page only: kept
                line(f"第{n}页正文内容", 100, 400),
                line(feet[n], 580, 1700),  # page numbers, written three ways
            ),
            1240,
            1754,
        )
        for n in (1, 2, 3)
    ]
    kept = [[x.text for x in p.lines] for p in ocr.drop_furniture(pages)]
    assert kept == [["会议纪要", "第1页正文内容"], ["第2页正文内容"], ["第3页正文内容"]]


def test_garbage_or_missing_text_layer_needs_ocr():
    assert _needs_ocr("")
    assert _needs_ocr("  12 \n")  # a page number on a scan
    assert _needs_ocr("¸Ä¸ïÎ¯Ô±»áµÄ¹¤×÷±¨¸æ¡£ÈÕÆÚ")  # GBK bytes read as Latin-1: a font without a Unicode map
    assert not _needs_ocr("市政协第九届主席会议第十二次会议于5月16日召开。")
    assert not _needs_ocr("Minutes of the 12th meeting, 16 May 2024.")


def test_each_ocred_page_extends_the_time_limit_of_its_file():
    with _time_limit(0.15):
        for _ in range(3):
            _WATCHDOG.extend(0.1)
            time.sleep(0.1)  # 0.3 s in all: past the first limit, within the extended one
    with pytest.raises(_TookTooLong), _time_limit(0.1):
        for _ in range(100):
            time.sleep(0.01)


# ------------------------------------------------------------------------------- page numbers


def _text_pdf(path: Path, pages: list[str]) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=A4)
    for text in pages:
        c.setFont("STSong-Light", 12)
        for i, row in enumerate(text.split("\n")):
            c.drawString(60, 780 - 20 * i, row)
        c.showPage()
    c.save()
    return path


def test_text_layer_pdf_keeps_where_each_page_starts_through_normalizing(tmp_path):
    pages = [
        "市政協(xié)第一頁的內容，會議由主席主持。",  # Traditional characters and pinyin: lengths change
        "第二页写的是预算报告的审议情况。",
        "第三页：会议决定于六月召开常委会。",
    ]
    doc = load(_text_pdf(tmp_path / "三页.pdf", pages)).documents[0]
    assert PAGE_MARK not in doc.text
    assert len(doc.meta["page_starts"]) == 3
    assert doc.page_at(doc.text.index("市政协第一页")) == 1
    assert doc.page_at(doc.text.index("预算报告")) == 2
    assert doc.page_at(doc.text.index("六月召开常委会")) == 3
    assert Document("x", "text").page_at(0) is None  # not a paged file


def test_citations_of_a_pdf_name_their_page_through_the_index(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _text_pdf(corpus / "纪要.pdf", ["第一页是会议的开场介绍。", "会议决定由韩雪负责起草协商意见稿。"])
    (corpus / "其他.txt").write_text("国务院常务会议审议通过了条例草案。", encoding="utf-8")
    Assistant.build([corpus], tmp_path / "index", embedder=HashEmbedder())
    a = Assistant.load(tmp_path / "index", embedder=HashEmbedder())  # meta read back from the store
    ans = a.ask("谁负责起草协商意见稿？")
    cited = [c for c in ans.citations if c.doc_id.endswith("纪要.pdf")]
    assert cited and cited[0].page == 2
    assert ans.to_dict()["citations"][0]["page"] == cited[0].page
    txt = a.ask("国务院常务会议审议了什么？").citations
    assert all(c.page is None for c in txt if c.doc_id.endswith(".txt"))


# ------------------------------------------------------------------------------------- hostile


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` × ``height`` pixels and holds almost none."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def _blank_pdf(path: Path, pages: int, image: bool = False) -> Path:
    """``pages`` pages, blank or each with a small picture (a scan without text)."""
    if image:
        picture = Image.new("L", (64, 64), 128)
        picture.save(path, "PDF", save_all=True, append_images=[picture] * (pages - 1))
        return path
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    for _ in range(pages):
        c.showPage()
    c.save()
    return path


def test_hostile_images_and_scans_are_reported_and_the_build_goes_on(tmp_path):
    (tmp_path / "bomb.png").write_bytes(_png_header(50_000, 50_000))
    (tmp_path / "large.png").write_bytes(_png_header(10_000, 10_000))  # Pillow only warns at this size
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 200)
    (tmp_path / "text.jpg").write_bytes("其实是文本".encode())
    _blank_pdf(tmp_path / "blank.pdf", 600)
    _blank_pdf(tmp_path / "many.pdf", ocr.MAX_PAGES + 1, image=True)
    (tmp_path / "good.txt").write_text("会议决定于六月召开常委会。", encoding="utf-8")
    started = time.monotonic()
    result = load([tmp_path])
    assert time.monotonic() - started < 15  # nothing was OCRed: every refusal comes before the engine
    assert [Path(d.source).name for d in result.documents] == ["good.txt"]
    reasons = {Path(w).name: r for w, r in result.skipped}
    assert "too large" in reasons["bomb.png"]
    assert "too large" in reasons["large.png"] or "pixels" in reasons["large.png"]
    assert "image" in reasons["broken.jpg"]
    assert "not a PNG, JPEG or TIFF" in reasons["text.jpg"]
    assert "no text layer" in reasons["blank.pdf"]
    assert f"{ocr.MAX_PAGES + 1} pages need OCR" in reasons["many.pdf"]


# --------------------------------------------------------------------------- the real engine


@pytest.mark.slow
@needs_font
def test_scanned_pdf_is_read_in_order_without_headers_at_97_percent(tmp_path, engine):
    pdf = save_pdf(minutes_pages(), tmp_path / "纪要扫描件.pdf")
    with ocr.use_engine(counting := Counting(engine)):
        result = load(pdf)
    assert counting.calls == 3
    doc = result.documents[0]
    truth = "\n".join(body(page) for page in MINUTES)
    assert accuracy(doc.text, truth) >= 0.97, doc.text
    assert HEADER not in doc.text and "- 2 -" not in doc.text
    assert doc.text.index("亟需抢救性保护") < doc.text.index("每年安排不少于") < doc.text.index("履职档案")  # columns
    assert doc.page_at(doc.text.index("六百八十万元")) == 2
    assert doc.meta["ocr_pages"] == 3 and doc.meta["ocr_confidence"] > 0.9
    assert not result.notes


@pytest.mark.slow
@needs_font
def test_photo_of_a_page_is_read_at_97_percent(tmp_path, engine):
    paragraphs = generated_minutes(1, seed=5)[0]
    (tmp_path / "照片.jpg").write_bytes(photo(render_page(paragraphs, 1)))
    with ocr.use_engine(engine):
        doc = load(tmp_path / "照片.jpg").documents[0]
    assert accuracy(doc.text, HEADER + "\n" + body(paragraphs)) >= 0.97, doc.text
    assert "page_starts" not in doc.meta  # one picture: no page to cite


@pytest.mark.slow
@needs_font
def test_scans_answer_questions_with_their_page_and_are_ocred_once(tmp_path, engine):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    save_pdf(minutes_pages(), corpus / "主席会议纪要.pdf")
    photographed = [
        "2023年9月8日，市政协召开专题协商会。会议决定由委员龚德胜牵头成立老旧小区改造调研组，于十月底前形成调研报告。"
    ]
    (corpus / "手机拍照.jpg").write_bytes(photo(render_page(photographed, 1)))
    (corpus / "其他.txt").write_text("国务院常务会议审议通过了条例草案。", encoding="utf-8")
    with ocr.use_engine(counting := Counting(engine)):
        a = Assistant.build([corpus], tmp_path / "index", embedder=HashEmbedder())
        assert counting.calls == 4
        ans = a.ask("古村落保护专项资金每年安排多少？")
        assert "六百八十万元" in ans.text
        assert ans.citations[0].doc_id.endswith("主席会议纪要.pdf") and ans.citations[0].page == 2
        ans = a.ask("老旧小区改造调研组由谁牵头？")
        assert "龚德胜" in ans.text and ans.citations[0].doc_id.endswith("手机拍照.jpg")
        again = Assistant.build([corpus], tmp_path / "index", embedder=HashEmbedder())  # as `rag index` again
        assert counting.calls == 4  # unchanged files: read from the OCR cache
        assert again.last_build is not None and again.last_build.reused_documents == 3
