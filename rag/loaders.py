"""Files and folders → normalized `Document`s, with title, date and source.

Supported: ``.txt`` ``.md`` (encoding detected, see `rag.decode`), ``.jsonl`` (one record per line:
``id``, ``title``, ``date``, ``content`` or ``text``), ``.docx``, ``.pdf`` (text layer; scanned pages
by OCR, `rag.ocr`; page starts kept in ``meta["page_starts"]``), ``.png``/``.jpg``/``.tif`` (OCR),
``.html``/``.htm``, ``.ofd`` (`rag.ofd`), ``.doc``/``.wps`` (`rag.legacy`), ``.xlsx``/``.csv`` (`rag.sheets`). Each document belongs to a collection (who may read it): the first folder
under the folder given as a source (``corpus/政协/a.txt`` → ``政协``; "" for files directly in it),
or the ``collection`` field of a JSONL record, which wins. A file or record that cannot be read is reported in ``LoadResult.skipped`` with
its reason and loading goes on: every entry under a source is either read or reported.

Hostile or broken input is expected. A file is opened once, without blocking, and checked on the
open descriptor: FIFOs and devices are never read, even when swapped in after the folder was
listed. Files larger than ``max_bytes`` are refused before they are read, so memory stays bounded,
and so is the text a file may unpack into: a .docx or .pdf holds at most a third of ``max_bytes``
characters, and 10 per byte of itself (ZIP bombs, PDFs). A .docx is read in one streaming pass, in
time and memory linear in its XML whatever its nesting. Content must match the type (a ZIP
named ``.txt``, text named ``.pdf`` are refused). Folder symlinks are not followed (no loops); file
symlinks are read only when they point inside the folder being read. Front matter is read as plain
strings without YAML aliases. A parser failing in any way on one file or record costs only that one,
and so does one working longer than ``file_seconds``, in whatever thread it runs.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import io
import json
import os
import re
import select
import socket
import stat
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from .dates import date_from_text, parse_date, year_hint
from .decode import Unreadable, bom_encoding, decode, open_package, utf16_without_bom
from .legacy import read_doc
from .normalize import normalize
from .ofd import read_ofd
from .sheets import read_csv, read_xlsx
from .tables import CELL_SEP, header_line, looks_like_header, row_text, table_lines
from .types import Document

__all__ = [
    "MAX_BYTES",
    "SUPPORTED",
    "LoadResult",
    "Unreadable",
    "decode",
    "display",
    "load",
    "walk",
]

_IMAGES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")  # read by OCR (rag.ocr)
_FORMATS = (".ofd", ".doc", ".wps", ".xlsx", ".csv")  # read by rag.ofd, rag.legacy, rag.sheets
SUPPORTED = (".txt", ".md", ".markdown", ".jsonl", ".docx", ".pdf", ".html", ".htm", *_IMAGES, *_FORMATS)
MAX_BYTES = 10 * 1024 * 1024  # per file (per record for .jsonl); larger ones are refused unread
_DEFAULT_TITLES = ("untitled", "无标题", "無標題", "word document")  # what writers put when there is none
MAX_TITLE = 200  # characters: a title is repeated in the indexed text of every chunk
_TEXT_TYPES = (".txt", ".md", ".markdown", ".jsonl", ".html", ".htm", ".csv")
_OLE = "an old Office file (.doc, .xls) or a password-protected Office document"
# Signatures of binary formats often found renamed or misnamed on shared drives.
_MAGIC = (
    (b"%PDF-", "a PDF"),
    (b"PK\x03\x04", "a ZIP archive (.docx, .xlsx …)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", _OLE),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x7fELF", "a program"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
)


@dataclass
class LoadResult:
    """Documents read, ``(where, reason)`` for each file or record that was skipped, and
    ``(where, note)`` for files read with a doubt (OCR of low confidence)."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)


# --------------------------------------------------------------------------------------- front matter

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)


def _yaml_loader() -> Any:
    import yaml

    class PlainLoader(yaml.BaseLoader):
        """Every value a string; no aliases, so no self-references or billion laughs."""

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                raise yaml.YAMLError("aliases are not allowed in front matter")
            return super().compose_node(parent, index)

    return PlainLoader


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    """YAML front matter (``title``, ``date`` …) as plain values, and the text after it. Front
    matter that is not a small mapping of plain values is left in the text."""
    m = _FRONT_MATTER.match(text)
    if not m or len(m.group(1)) > 8192:
        return {}, text
    import yaml

    try:
        meta = yaml.load(m.group(1), Loader=_yaml_loader())
    except (yaml.YAMLError, RecursionError, ValueError):
        return {}, text
    if not isinstance(meta, dict):
        return {}, text
    return _plain(meta), text[m.end() :]


def _plain(meta: dict[Any, Any]) -> dict[str, Any]:
    """Metadata kept with a document: fields whose value is a string, number, boolean or null, or
    a short list of those; nested structures are dropped (they could be arbitrarily deep)."""
    scalar = (str, int, float, bool, type(None))
    out: dict[str, Any] = {}
    for key, value in meta.items():
        if isinstance(value, scalar) or (
            isinstance(value, list) and len(value) <= 100 and all(isinstance(v, scalar) for v in value)
        ):
            out[str(key)] = value
    return out


def _first_line_title(text: str) -> str | None:
    first = text.strip().split("\n", 1)[0].strip().lstrip("#").strip()
    if 0 < len(first) <= 40 and not re.search(r"[。！？；，,]", first):
        return first
    return None


# -------------------------------------------------------------------------------------------- formats


def _kind(head: bytes) -> str | None:
    """What a file's first bytes say it is, when a known binary format."""
    return next((what for magic, what in _MAGIC if head.startswith(magic)), None)


def check_content(path: Path, head: bytes) -> None:
    """Raise `Unreadable` when the first bytes of ``path`` do not fit its type (by suffix)."""
    suffix = path.suffix.lower()
    what = _kind(head)
    if suffix == ".pdf":
        if b"%PDF-" not in head[:1024]:
            raise Unreadable(f"not a PDF: {f'the content is {what}' if what else 'no %PDF header'}")
    elif suffix == ".docx":
        if what == _OLE:
            raise Unreadable(f"not a .docx file: the content is {what}; save an unprotected .docx")
        if not head.startswith(b"PK\x03\x04"):
            raise Unreadable(f"not a .docx file: {f'the content is {what}' if what else 'not a ZIP package'}")
    elif suffix in (".ofd", ".xlsx"):  # ZIP packages, as .docx
        if not head.startswith(b"PK\x03\x04"):
            raise Unreadable(f"not a {suffix} file: {f'the content is {what}' if what else 'not a ZIP package'}")
    elif suffix in (".doc", ".wps"):  # OLE compound files
        if what != _OLE:
            found = f"the content is {what}" if what else "not an OLE compound file"
            raise Unreadable(f"not a {suffix} file: {found}; save it as .docx")
    elif suffix in _TEXT_TYPES and what is not None:
        raise Unreadable(f"not a text file: the content is {what}")
    elif suffix in _IMAGES and what not in ("a PNG image", "a JPEG image", "a TIFF image"):
        raise Unreadable(f"not a PNG, JPEG or TIFF image: {f'the content is {what}' if what else 'unknown content'}")


def _read_text(data: bytes, path: Path, limit: int) -> tuple[str, dict[str, Any]]:
    meta, body = _front_matter(decode(data))
    if "title" not in meta and path.suffix.lower() in (".md", ".markdown"):
        m = re.search(r"^#\s+(.+)$", body, re.M)
        if m:
            meta["title"] = m.group(1).strip()
    return body, meta


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _T, _TBL, _TR, _TC, _PSTYLE, _BODY = (f"{_W}{n}" for n in ("p", "t", "tbl", "tr", "tc", "pStyle", "body"))
_SPAN, _VMERGE, _BEFORE, _THEAD = (f"{_W}{n}" for n in ("gridSpan", "vMerge", "gridBefore", "tblHeader"))
_PACKED = (".docx", ".pdf", ".ofd", ".doc", ".wps", ".xlsx")  # formats whose text can be far larger than the file
UNPACK_RATIO = 10  # characters of text per byte of a packed file, at most; real ones hold 0.1 to 2.5
_XML_PART = 4 * 2**20  # bytes of a small part (properties, styles) read for the title, at most


def _text_limit(suffix: str, max_bytes: int) -> int:
    """Characters of text a file of a type may hold: for text, as many as its bytes; for a packed
    format, as many as a text file of the size limit holds in Chinese (UTF-8: 3 bytes a character)."""
    return max_bytes // 3 if suffix in _PACKED else max_bytes


@dataclass
class _Row:
    """A table row being read: where each cell starts in the row's text parts, with its grid span
    and vertical merge (0 none, 1 starts a merge, 2 continues the one above)."""

    cells: list[list[int]] = field(default_factory=list)  # [offset into the parts, span, merge]
    before: int = 0  # grid columns left empty before the first cell (w:gridBefore)
    header: bool = False  # marked as the table's header row (w:tblHeader)
    cut: bool = False  # a table inside a cell cut it: the rest is read as bare cells


@dataclass
class _Table:
    """A table being read: its header (column names by grid column) and the text of each vertically
    merged cell by grid column, repeated in the rows it spans."""

    header: list[str] | None = None
    rows: int = 0
    above: dict[int, str] = field(default_factory=dict)


_MAX_SPAN = 64  # grid columns one cell may span (Word allows 63)
_MAX_GRID = 1024  # grid columns of a row, at most: spans past it count as one


class _Body:
    """The text of a Word body, built from the parse events of its XML in one pass: a paragraph per
    line; a table row per line, each cell named by its column header (`rag.tables`: ``姓名：张三；
    职务：主任``) when the first row is a header (marked as one, or looking like one; not a line of
    its own then), else its cells joined by ``；``; a cell spanning columns sits in the first of them, a vertically merged
    cell repeats in each row it spans, a row of one cell (a caption) stays bare; the paragraphs of a
    cell run on, separated by spaces; a table inside a cell as rows of its own (its text is not
    repeated in the outer row, whose remaining cells are read bare). Time and memory are linear in
    the XML, whatever the nesting; more than ``limit`` characters raise."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0  # characters taken so far, separators included
        self.lines: list[str] = []
        self.open: list[tuple[list[str], _Row | None]] = []  # lines being read: (parts, the row's cells)
        self.tables: list[_Table] = []  # the tables being read, innermost last
        self.pushed: list[bool] = []  # for each open paragraph: did it start a line of its own
        self.top: list[tuple[str | None, str]] = []  # (style id, text) of the body's first 50 paragraphs
        self.heading: Any = None  # the paragraph element whose style is wanted, while it is read
        self.style: str | None = None

    def _take(self, n: int) -> None:
        self.size += n
        if self.size > self.limit:
            raise Unreadable(f"holds more than {self.limit:,} characters of text, over the limit (see --max-file-mb)")

    def _line(self, parts: list[str]) -> None:
        self.lines.append("".join(parts))
        self._take(1)

    def _row(self) -> _Row | None:
        """The row being read, when the innermost open line is one."""
        return self.open[-1][1] if self.open else None

    def _row_line(self, parts: list[str], row: _Row) -> None:
        """A row read whole: one line, its cells named by the table's header (see the class)."""
        offsets = [cell[0] for cell in row.cells]
        texts = ["".join(parts[a:b]) for a, b in zip(offsets, [*offsets[1:], len(parts)], strict=True)]
        table = self.tables[-1] if self.tables else _Table()
        first = table.rows == 0
        table.rows += 1
        if row.cut or len(texts) < 2:
            line = CELL_SEP.join(t for t in (" ".join(x.split()) for x in texts) if t)
        else:
            grid = [""] * row.before
            for text, (_, span, merge) in zip(texts, row.cells, strict=True):
                col = len(grid)
                if merge == 2 and not text.strip():
                    text = table.above.get(col, "")
                elif merge == 1:
                    table.above[col] = text
                else:
                    table.above.pop(col, None)
                grid += [text] + [""] * (min(span, _MAX_GRID - col) - 1 if col < _MAX_GRID else 0)
            if first and (row.header or looks_like_header(texts)):
                table.header = grid
                return  # each row names its cells; the header alone only for a table of no other rows
            else:
                line = row_text(table.header or [], grid)
        self._take(max(0, len(line) - sum(map(len, texts))))  # header names and repeated cells count too
        self.lines.append(line)
        self._take(1)

    def start(self, tag: str, element: Any) -> None:
        if tag == _P:
            self.pushed.append(not self.open)  # in a cell, or in a text box inside a paragraph: runs on
            if not self.open:
                self.open.append(([], None))
                if len(self.top) < 50 and (parent := element.getparent()) is not None and parent.tag == _BODY:
                    self.heading, self.style = element, None
        elif tag == _TBL:  # a table inside a line: the line so far comes first
            if self.open and self.open[-1][0]:
                parts, row = self.open[-1]
                if row is None:
                    self._line(parts)
                else:
                    row.cut = True
                    self._row_line(parts, row)
                    row.cells[:] = [[0, 1, 0]]  # the rest of the cell, after the inner table
                parts.clear()
            self.tables.append(_Table())
        elif tag == _TR:
            self.open.append(([], _Row()))
        elif tag == _TC and (row := self._row()) is not None:
            if row.cells:
                self._take(1)
            row.cells.append([len(self.open[-1][0]), 1, 0])
        elif tag == _SPAN and (row := self._row()) is not None and row.cells:
            row.cells[-1][1] = _grid_count(element.get(f"{_W}val"), _MAX_SPAN) or 1
        elif tag == _VMERGE and (row := self._row()) is not None and row.cells:
            row.cells[-1][2] = 1 if element.get(f"{_W}val") == "restart" else 2
        elif tag == _BEFORE and (row := self._row()) is not None and not row.cells:
            row.before = _grid_count(element.get(f"{_W}val"), _MAX_SPAN)
        elif tag == _THEAD and (row := self._row()) is not None:
            row.header = element.get(f"{_W}val") not in ("0", "false", "off")

    def end(self, tag: str, element: Any) -> None:
        if tag == _T:
            text = element.text
            if text and self.open:
                self.open[-1][0].append(text)
                self._take(len(text))
        elif tag == _P:
            if self.pushed and self.pushed.pop():
                parts = self.open.pop()[0]
                self._line(parts)
                if self.heading is element:
                    self.top.append((self.style, self.lines[-1]))
                    self.heading = None
            elif (row := self._row()) is not None and row.cells and self.open[-1][0]:
                self.open[-1][0].append(" ")  # the next paragraph of the cell
                self._take(1)
        elif tag == _TR:
            if (row := self._row()) is not None:
                self._row_line(self.open.pop()[0], row)
        elif tag == _TBL:
            table = self.tables.pop() if self.tables else None
            if table is not None and table.header is not None and table.rows == 1:
                self.lines.append(header_line(table.header))
                self._take(len(self.lines[-1]) + 1)
        elif tag == _PSTYLE and self.heading is not None:
            ppr = element.getparent()
            if ppr is not None and ppr.getparent() is self.heading:
                self.style = element.get(f"{_W}val")


def _grid_count(value: str | None, most: int) -> int:
    """A count of grid columns from an attribute (w:gridSpan, w:gridBefore), within ``0..most``."""
    return min(int(value), most) if value is not None and value.isdigit() and len(value) < 6 else 0


def _prune(root: Any) -> int:
    """Drop the elements already read: all but the last child at each level of the open path, so
    memory stays in proportion to the depth (at most 256 in libxml2), not to the file. Returns how
    many were dropped (their own children uncounted: the cap on unpacked bytes bounds those)."""
    dropped, element = 0, root
    while element is not None and len(element):
        dropped += len(element) - 1
        del element[:-1]
        element = element[-1]
    return dropped


def _docx_body(z: zipfile.ZipFile, xml_limit: int, text_limit: int) -> _Body:
    """Stream word/document.xml through lxml's pull parser (in C; only the tags above reach Python).
    Refused: more than ``xml_limit`` bytes unpacked (whatever the ZIP says); more elements than
    ``text_limit`` (a body of 100 MB of empty elements takes time, not text); nesting deeper than
    libxml2's 256 levels (Word never writes that; tables nested 30,000 deep did)."""
    from lxml import etree

    parser = etree.XMLPullParser(
        events=("start", "end"),
        tag=[f"{_W}document", _P, _T, _TBL, _TR, _TC, _PSTYLE, _SPAN, _VMERGE, _BEFORE, _THEAD],
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
    )
    body, root, read, elements = _Body(text_limit), None, 0, 0
    try:
        with z.open("word/document.xml") as f:
            while chunk := f.read(1 << 16):
                read += len(chunk)
                if read > xml_limit:
                    raise Unreadable(f"word/document.xml unpacks to over {_size(xml_limit)}, over the limit")
                parser.feed(chunk)
                for event, element in parser.read_events():
                    elements += 1
                    if event == "start":
                        body.start(element.tag, element)
                    else:
                        body.end(element.tag, element)
                    if root is None:
                        root = element.getroottree().getroot()
                if root is None and read > 2**20:
                    raise Unreadable("not a Word document body (no w:document element in word/document.xml)")
                elements += _prune(root)
                if elements > text_limit:
                    raise Unreadable(f"word/document.xml holds over {text_limit:,} elements, over the limit")
            parser.close()
    except etree.XMLSyntaxError as exc:
        if "depth" in str(exc).lower():
            raise Unreadable("word/document.xml is nested over 256 levels deep (tables in tables?)") from exc
        raise Unreadable(f"broken word/document.xml ({str(exc).splitlines()[0][:120]})") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:  # a damaged or lying compressed stream
        raise Unreadable(f"not a valid .docx file (broken ZIP member: {exc})") from exc
    return body


def _xml_part(z: zipfile.ZipFile, name: str) -> Any:
    """A small XML part of the package, parsed; None when absent, too large or broken (a title is
    not worth refusing the text for)."""
    from lxml import etree

    try:
        with z.open(name) as f:
            data = f.read(_XML_PART + 1)
        if len(data) > _XML_PART:
            return None
        return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, etree.XMLSyntaxError, ValueError):
        return None


def _docx_title(z: zipfile.ZipFile, top: list[tuple[str | None, str]]) -> str | None:
    """As python-docx: the core properties' title, else the first of the body's first 50 paragraphs
    with text whose paragraph style is named Title… or Heading… (a style id with no style, the id)."""
    core = _xml_part(z, "docProps/core.xml")
    if core is not None:
        title = core.findtext("{http://purl.org/dc/elements/1.1/}title") or ""
        if title.strip() and title.strip().lower() not in _DEFAULT_TITLES:
            return title
    if not any(text.strip() for _, text in top):
        return None
    names: dict[str, str] = {}
    default = ""
    styles = _xml_part(z, "word/styles.xml")
    for style in styles.iterfind(f"{_W}style") if styles is not None else ():
        if style.get(f"{_W}type") == "paragraph":
            name = style.find(f"{_W}name")
            names[style.get(f"{_W}styleId") or ""] = (name.get(f"{_W}val") or "") if name is not None else ""
            if style.get(f"{_W}default") in ("1", "true", "on"):
                default = names[style.get(f"{_W}styleId") or ""]
    for style_id, text in top:
        name = (names.get(style_id, style_id) if style_id else default) or ""
        if name.lower().startswith(("title", "heading")) and text.strip():
            return text
    return None


def _read_docx(data: bytes, path: Path, limit: int) -> tuple[str, dict[str, Any]]:
    """The text of a .docx file, read from word/document.xml in one streaming pass (python-docx
    builds the whole tree: 2 GB for a 290 KB file that unpacks to 100 MB of tiny elements)."""
    z = open_package(data, ".docx", lambda name: name == "word/document.xml", "word/document.xml", 10 * limit)
    body = _docx_body(z, 10 * limit, _text_limit(".docx", limit))
    title = _docx_title(z, body.top)
    return "\n".join(body.lines), ({"title": title} if title else {})


# a line break that a PDF's layout put inside a sentence: between two characters of Chinese text
_PDF_WRAP = re.compile(r"(?<=[\u4e00-\u9fff，、“”（）《》])\n(?=[\u4e00-\u9fff，、。“”（）《》])")


def _read_pdf(data: bytes, path: Path, limit: int) -> tuple[str, dict[str, Any]]:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:  # restrictions only (printing, copying) come with an empty password
            reader.decrypt("")
            _ = len(reader.pages)
        except FileNotDecryptedError as exc:
            raise Unreadable("PDF is encrypted with a password; save an unprotected copy") from exc
    if len(reader.pages) == 0:
        raise Unreadable("PDF has no pages")
    pages, size, limit = [], 0, _text_limit(".pdf", limit)
    for page in reader.pages:
        text = (page.extract_text() or "").replace(PAGE_MARK, "")
        size += len(text)
        if size > limit:
            raise Unreadable(f"PDF holds more than {limit:,} characters of text, over the limit")
        pages.append(text)
    meta: dict[str, Any] = {}
    if unread := [n for n, t in enumerate(pages, 1) if _needs_ocr(t)]:
        pages = _ocr_pdf(data, path, pages, unread, meta)
    if not any(t.strip() for t in pages):
        raise Unreadable("PDF has no text layer and no scanned page with text (OCR found none)")
    text = "\n".join(f"{PAGE_MARK}{n}\n{_PDF_WRAP.sub('', t)}" for n, t in enumerate(pages, 1))
    try:
        title = str(reader.metadata.title or "") if reader.metadata else ""
    except Exception:  # a damaged information dictionary: no title, the text is still good
        title = ""
    if title.strip().lower() in _DEFAULT_TITLES:
        title = ""
    return text, ({"title": title} if title.strip() else {}) | meta


PAGE_MARK = "\ue000"  # a line of its own, with the page number, before each page's text (see `_pages`)
OCR_PAGE_SECONDS = 30.0  # time each page OCRed adds to the file's limit (2 s a page here)
MIN_PAGE_TEXT = 10  # characters, blanks aside: a page with less text (a page number, a stamp) is OCRed
MIN_READABLE = 0.6  # share of a page's characters that must be Chinese, Latin, digits or usual punctuation
# what a text layer holds when its fonts map to the right characters
_READABLE = re.compile(r"[\u3400-\u9fffA-Za-z0-9\u3000-\u303f\uff01-\uff5e“”‘’—…·.,;:?!()%/+\-]")


def _needs_ocr(text: str) -> bool:
    """A PDF page whose text layer is missing or garbage: fewer than `MIN_PAGE_TEXT` characters, or
    under `MIN_READABLE` of them readable (fonts without a Unicode map give Latin-1 soup such as
    ``¸ÄÉÆ``, private-use or control characters)."""
    chars = re.sub(r"\s+", "", text)
    return len(chars) < MIN_PAGE_TEXT or len(_READABLE.findall(chars)) < MIN_READABLE * len(chars)


def _ocr_pdf(data: bytes, path: Path, pages: list[str], unread: list[int], meta: dict[str, Any]) -> list[str]:
    """``pages`` with the text OCR reads on the pages ``unread`` that hold a scan (a page of
    garbage text is OCRed even without one: its glyphs are drawn). Each page OCRed gives the file
    `OCR_PAGE_SECONDS` more time."""
    from . import ocr

    garbled = {n for n in unread if re.sub(r"\s+", "", pages[n - 1])}
    scan = ocr.read_pdf_pages(data, unread, display(path), lambda: _WATCHDOG.extend(OCR_PAGE_SECONDS), garbled)
    out = list(pages)
    for n in garbled:
        out[n - 1] = ""  # read by OCR below, or nothing: garbage is not indexed
    for n, text in scan.texts.items():
        out[n - 1] = text.replace(PAGE_MARK, "")
    _ocr_meta(scan, meta)
    return out


def _ocr_meta(scan: Any, meta: dict[str, Any]) -> None:
    if scan.texts:
        meta["ocr_pages"] = len(scan.texts)
    if scan.confidence is not None:
        meta["ocr_confidence"] = round(scan.confidence, 3)


def _read_image(data: bytes, path: Path, limit: int) -> tuple[str, dict[str, Any]]:
    """An image's text by OCR (`rag.ocr`): a photo of a page, a scan; each frame of a TIFF a page."""
    from . import ocr

    scan = ocr.read_image(data, display(path), lambda: _WATCHDOG.extend(OCR_PAGE_SECONDS))
    meta: dict[str, Any] = {}
    _ocr_meta(scan, meta)
    texts = [t.replace(PAGE_MARK, "") for _, t in sorted(scan.texts.items())]
    if not any(t.strip() for t in texts):
        raise Unreadable("no text found in the image by OCR")
    if len(texts) == 1:  # one picture: no page numbers to cite
        return texts[0], meta
    return "\n".join(f"{PAGE_MARK}{n}\n{t}" for n, t in enumerate(texts, 1)), meta


def _read_html(data: bytes, path: Path, limit: int) -> tuple[str, dict[str, Any]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode(data), "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "nav", "header", "footer", "iframe", "object"]):
        tag.decompose()
    meta: dict[str, Any] = {}
    heading = soup.find("h1")
    if soup.title and soup.title.get_text(strip=True):
        meta["title"] = soup.title.get_text(strip=True)
    elif heading:
        meta["title"] = heading.get_text(strip=True)
    tables = soup.find_all("table")
    if all(_nesting(t) <= _MAX_TABLE_NESTING for t in tables):  # else read as plain text, in linear time
        for table in reversed(tables):  # inner tables first: an outer one may be layout
            lines = _html_table(table)
            if lines is not None:
                table.replace_with("\n" + "\n".join(lines) + "\n")
    return soup.get_text("\n"), meta


_MAX_TABLE_NESTING = 8  # tables in tables, at most, for reading rows: each table scans what it holds


def _nesting(table: Any) -> int:
    """How many tables ``table`` is inside, counted up to one past `_MAX_TABLE_NESTING`."""
    depth, node = 0, table.parent
    while node is not None and depth <= _MAX_TABLE_NESTING:
        depth += node.name == "table"
        node = node.parent
    return depth


_HTML_BLOCKS = ["table", "p", "div", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article"]


def _html_table(table: Any) -> list[str] | None:
    """A data table as lines, a row per line, its cells named by the header (`rag.tables`): the
    first row when all its cells are ``<th>`` (or it is in ``<thead>``), or when it looks like a
    header; a row led by a ``<th>`` in a table without one (会议时间 | 3月5日) reads ``label：value``.
    ``colspan`` puts a cell in the first of its columns, ``rowspan`` repeats it below. None for a
    layout table (a cell holding paragraphs, lists or another table): its text is read as it is."""
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    grid_rows: list[list[str]] = []
    heads: list[bool] = []  # for each row: are all its cells <th>
    led: list[bool] = []  # for each row: is its first cell a <th> followed by <td>s
    pending: dict[int, tuple[str, int]] = {}  # grid column → (text, rows left) of a rowspan
    for tr in rows:
        cells = tr.find_all(["td", "th"], recursive=False)
        if any(cell.find(_HTML_BLOCKS) is not None for cell in cells):
            return None
        grid: list[str] = []
        for cell in cells:
            while len(grid) in pending:
                grid.append(_spanned(pending, len(grid)))
            text = " ".join(cell.get_text(" ").split())
            span = min(_html_count(cell.get("colspan")), _MAX_SPAN)
            if (down := _html_count(cell.get("rowspan"))) > 1:
                pending[len(grid)] = (text, min(down, 10_000) - 1)
            grid += [text] + [""] * (span - 1 if len(grid) < _MAX_GRID else 0)
        while pending and len(grid) <= max(pending):
            grid.append(_spanned(pending, len(grid)) if len(grid) in pending else "")
        caption = len(cells) == 1 and _html_count(cells[0].get("colspan")) > 1  # one cell across the table
        grid_rows.append(grid[:1] if caption else grid)
        heads.append(bool(cells) and all(cell.name == "th" for cell in cells))
        led.append(len(cells) > 1 and cells[0].name == "th" and all(c.name == "td" for c in cells[1:]))
    if not grid_rows:
        return None
    in_head = table.find("thead") is not None and rows[0].find_parent("thead") is not None
    header = grid_rows[0] if (heads[0] and len(grid_rows[0]) > 1) or in_head else None
    if header is None and not any(led):
        return table_lines(grid_rows)  # the first row may still look like a header
    if header is not None:
        return table_lines(grid_rows[1:], header)
    lines = [
        row_text(grid[:1], [CELL_SEP.join(c for c in grid[1:] if c)]) if by_th else row_text([], grid)
        for grid, by_th in zip(grid_rows, led, strict=True)
    ]
    return [line for line in lines if line]


def _spanned(pending: dict[int, tuple[str, int]], col: int) -> str:
    """The text of a cell spanning rows down into column ``col``, one row fewer left to span."""
    text, left = pending.pop(col)
    if left > 1:
        pending[col] = (text, left - 1)
    return text


def _html_count(value: Any) -> int:
    """A colspan or rowspan attribute as a count, 1 when absent or not a number."""
    text = str(value or "").strip()
    return max(1, int(text)) if text.isdigit() and len(text) < 6 else 1


_READERS: dict[str, Callable[[bytes, Path, int], tuple[str, dict[str, Any]]]] = {
    ".txt": _read_text,
    ".md": _read_text,
    ".markdown": _read_text,
    ".docx": _read_docx,
    ".pdf": _read_pdf,
    ".html": _read_html,
    ".htm": _read_html,
    ".ofd": read_ofd,
    ".doc": read_doc,
    ".wps": read_doc,
    ".xlsx": read_xlsx,
    ".csv": read_csv,
    **dict.fromkeys(_IMAGES, _read_image),
}


def drop_repeated_lines(text: str, min_length: int = 10) -> str:
    """Each line once: runs of the same line collapse to one, and a line of ``min_length`` or more
    characters seen before is dropped (pasted twice, page headers of a PDF)."""
    out: list[str] = []
    seen: set[str] = set()
    for line in text.split("\n"):
        if out and line == out[-1]:
            continue
        if len(line) >= min_length:
            if line in seen:
                continue
            seen.add(line)
        out.append(line)
    return "\n".join(out)


def _document(
    doc_id: str, raw_text: str, meta: dict[str, Any], source: str, path: Path, collection: str = ""
) -> Document:
    text, starts = _pages(drop_repeated_lines(normalize(raw_text)))
    meta.pop("page_starts", None)  # a record's own field must not pass for page offsets
    if not text:
        raise Unreadable("no text")
    if len(text) > 2 * len(raw_text) + 100:  # compatibility characters that unfold into many (NFKC)
        raise Unreadable(f"text grows {len(text) / len(raw_text):.0f} times when normalized (NFKC); refused")
    title = normalize(str(meta.pop("title", "") or ""))[:MAX_TITLE] or _first_line_title(text)
    title = title or normalize(display(path.stem))[:MAX_TITLE]
    date = _date(meta, text, path)
    meta = _plain(meta) | ({"page_starts": starts} if starts else {})  # any number of pages, unlike _plain
    return Document(doc_id=doc_id, text=text, title=title, date=date, source=source, meta=meta, collection=collection)


def _pages(text: str) -> tuple[str, list[int]]:
    """The text without its page marks, and the offset in it where each page starts (page n at
    index n - 1). Readers of paged files put a `PAGE_MARK` line before each page's text: a
    private-use character, which normalizing keeps on its line, so the offsets are those of the
    final text whatever normalizing changed in the pages (pinyin, Traditional characters, NFKC)."""
    if PAGE_MARK not in text:
        return text, []
    out: list[str] = []
    starts: list[int] = []
    at = 0
    for line in text.split("\n"):
        number = line[len(PAGE_MARK) :]
        if line.startswith(PAGE_MARK) and number.isascii() and number.isdigit():
            starts.append(at)
            continue
        out.append(line)
        at += len(line) + 1
    joined = "\n".join(out)
    return joined, [min(s, len(joined)) for s in starts]


DATE_FIELDS = ("date", "日期", "publish_date", "pub_date", "time", "时间")  # a record's date, first found
YEAR_FIELDS = ("year", "年份", "年度")  # its year, when it gives no date


def _date(meta: dict[str, Any], text: str, path: Path) -> str | None:
    """The document's date: a date field, a year field (a date in the opening text of that year, else
    the year alone: ``2018``), the file name, or the opening text."""
    given = [meta.pop(k) for k in DATE_FIELDS if k in meta]
    raw_date = next((v for v in given if v not in (None, "")), None)
    raw_year = next((meta.get(k) for k in YEAR_FIELDS if meta.get(k) not in (None, "")), None)
    if date := parse_date(raw_date):
        return date
    if (year := year_hint(raw_year)) is not None:
        said = date_from_text(text, year)
        return said if said and said.startswith(str(year)) else f"{year:04d}"
    return parse_date(path.name) or date_from_text(text, year_hint(raw_date, path.name))


# ------------------------------------------------------------------------------------------- time limit

FILE_SECONDS = 60.0  # longest a parser may work on one file (one record of a .jsonl file), in any thread


class _TookTooLong(BaseException):  # not an Exception: a parser's own "except Exception" must not swallow it
    pass


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    """Make ``exc`` pending in a thread (raised at its next bytecode); None clears a pending one."""
    set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
    set_async_exc(ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else ctypes.py_object())


class _Deadline:
    """When a limited thread's work must stop: moved later by that thread only."""

    __slots__ = ("at", "thread_id")

    def __init__(self, thread_id: int, at: float) -> None:
        self.thread_id, self.at = thread_id, at


class _Watchdog:
    """One daemon thread raising `_TookTooLong` in threads past their deadline. SIGALRM reaches the
    main thread only, and the web app parses uploads in worker threads; a timer thread per file
    would cost 0.6 ms, and a .jsonl file has thousands of records.

    A thread being limited takes no lock here: an exception raised while it held one would leave
    the lock taken for good. It adds and removes its entry with single dict operations (atomic
    under the GIL) and wakes the watchdog through a socket. It may move its own deadline later
    (`extend`: each page OCRed brings its own time); only the watchdog removes a passed one."""

    def __init__(self) -> None:
        self._armed: dict[object, _Deadline] = {}  # token → thread id and time.monotonic() deadline
        self._fired: set[object] = set()  # tokens whose exception has been set
        self._start = threading.Lock()
        self._wake: tuple[socket.socket, socket.socket] | None = None

    def arm(self, seconds: float) -> object:
        if self._wake is None:
            with self._start:  # nothing is armed for this thread yet: the lock cannot be left taken
                if self._wake is None:
                    wake = socket.socketpair()
                    for end in wake:
                        end.setblocking(False)
                    threading.Thread(target=self._run, args=(wake[0],), name="rag-loader-watchdog", daemon=True).start()
                    self._wake = wake
        token = object()
        self._armed[token] = _Deadline(threading.get_ident(), time.monotonic() + seconds)
        with contextlib.suppress(OSError):  # full: the watchdog has wake-ups pending anyway
            self._wake[1].send(b"\0")
        return token

    def extend(self, seconds: float) -> None:
        """Give the limited work of the calling thread ``seconds`` more. An entry is changed in
        place, never put back: one the watchdog has just taken fires as it would have."""
        me = threading.get_ident()
        for entry in list(self._armed.values()):
            if entry.thread_id == me:
                entry.at += seconds

    def disarm(self, token: object) -> None:
        if self._armed.pop(token, None) is not None:
            return
        while token not in self._fired:  # the watchdog took it and is setting the exception
            time.sleep(0)
        self._fired.discard(token)
        _raise_in(threading.get_ident(), None)  # the work is done: drop it if not yet raised

    def _run(self, wake: socket.socket) -> None:
        while True:
            now = time.monotonic()
            for token, entry in list(self._armed.items()):
                if entry.at <= now and self._armed.pop(token, None) is not None:
                    _raise_in(entry.thread_id, _TookTooLong)
                    self._fired.add(token)
            deadlines = [entry.at for entry in list(self._armed.values())]
            select.select([wake], [], [], max(0.0, min(deadlines) - time.monotonic()) if deadlines else None)
            with contextlib.suppress(OSError):
                wake.recv(4096)


_WATCHDOG = _Watchdog()


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise `_TookTooLong` in the code inside after ``seconds`` (a parser looping on a crafted
    file), in whatever thread it runs. Python code is interrupted; a C call runs to its end first."""
    if not seconds > 0 or not hasattr(ctypes, "pythonapi"):
        yield
        return
    me = _WATCHDOG.arm(seconds)
    try:
        yield
    finally:
        _WATCHDOG.disarm(me)


# ---------------------------------------------------------------------------------------------- JSONL


def _text_lines(f: BinaryIO, limit: int) -> Iterator[bytes | str | None]:
    """The lines of a .jsonl file: bytes (each decoded on its own), or str for a file in UTF-16/32;
    None for a line longer than ``limit`` bytes, which is skipped without being held in memory."""
    head = f.read(4096)
    f.seek(0)
    encoding = bom_encoding(head) or (utf16_without_bom(head) if b"\x00" in head else None)
    if encoding not in (None, "utf-8-sig"):
        text = io.TextIOWrapper(f, encoding=encoding, errors="replace", newline=None)
        try:
            while line := text.readline(limit + 1):
                if len(line) > limit and not line.endswith("\n"):
                    while (rest := text.readline(1 << 20)) and not rest.endswith("\n"):
                        pass
                    yield None
                else:
                    yield line
        finally:
            text.detach()  # the caller closes the file
        return
    while line_b := f.readline(limit + 1):
        if len(line_b) > limit and not line_b.endswith(b"\n"):
            while (rest_b := f.readline(1 << 20)) and not rest_b.endswith(b"\n"):
                pass
            yield None
        else:
            yield line_b


def _record(line: bytes | str, lineno: int, source: str, path: Path, collection: str) -> Document | None:
    """One line of a .jsonl file → a document; None for a blank line; `Unreadable` otherwise."""
    text = line.decode("utf-8-sig") if isinstance(line, bytes) and line.startswith(b"\xef\xbb\xbf") else line
    if not text.strip():
        return None
    try:
        record = json.loads(text if isinstance(text, str) else decode(text))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, too-long integers, deep nesting
        raise Unreadable(f"invalid JSON ({str(exc)[:120]})") from exc
    if not isinstance(record, dict):
        raise Unreadable("record is not a JSON object")
    fields = {k: record.pop(k) for k in ("content", "text") if k in record}
    content = next((v for v in fields.values() if isinstance(v, str) and v.strip()), None)
    if content is None:
        if any(v is not None and not isinstance(v, str) for v in fields.values()):
            raise Unreadable("the record's 'content' is not text")
        raise Unreadable("record has no 'content' or 'text'")
    doc_id = display(str(record.pop("id", "") or f"{source}#{lineno}"))
    given = record.pop("collection", None)
    if given is not None and not isinstance(given, str):
        raise Unreadable("the record's 'collection' is not text")
    return _document(doc_id, content, record, source, path, collection if given is None else _collection_name(given))


def _jsonl_documents(f: BinaryIO, path: Path, result: LoadResult, limit: int, seconds: float, collection: str) -> None:
    source = display(path)
    for lineno, line in enumerate(_text_lines(f, limit), 1):
        where = f"{source}:{lineno}"
        if line is None:
            result.skipped.append((where, f"record larger than {_size(limit)}"))
            continue
        try:
            with _time_limit(seconds):
                doc = _record(line, lineno, source, path, collection)
        except _TookTooLong:
            result.skipped.append((where, f"reading took over {seconds:g} s, given up"))
            continue
        except Unreadable as exc:
            result.skipped.append((where, str(exc)))
            continue
        except Exception as exc:  # whatever one record does, the next ones are read
            result.skipped.append((where, _failure(exc)))
            continue
        if doc is not None:
            result.documents.append(doc)


# -------------------------------------------------------------------------------------------- walking

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def display(path: Path | str) -> str:
    """A path or id as one printable line, distinct for distinct names: bytes of a file name that
    are not UTF-8 and lone surrogates become ``\\udcff``-style escapes, control and bidi characters
    ``\\x1b``-style ones (a name cannot start a new line of output or reorder it)."""
    text = str(path).encode("utf-8", "backslashreplace").decode("utf-8")
    return _UNPRINTABLE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n:,} bytes"


def _failure(exc: BaseException) -> str:
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return f"cannot be parsed ({type(exc).__name__}{': ' + detail if detail else ''})"


def walk(sources: Iterable[str | os.PathLike[str]]) -> Iterator[tuple[Path, str | None]]:
    """Every entry under each source as ``(path, None)`` to read or ``(path, reason)`` not to.

    Folders are walked recursively in name order. Hidden files and folders (``.name``), folders
    that cannot be opened and symbolic links (which may loop, or lead out of the folder) are
    reported, not read. A source given as a file is read as given, a link included.
    """
    for src in sources:
        p = Path(os.path.normpath(src))
        if not p.is_dir():
            yield p, None
            continue
        errors: list[OSError] = []
        for here_s, dirs, files in os.walk(p, onerror=errors.append):
            yield from _unopened(errors)
            here = Path(here_s)
            keep = []
            for d in sorted(dirs):
                entry = here / d
                if d.startswith("."):
                    yield entry, "hidden folder, not read"
                elif _is_link(entry):
                    yield entry, "symbolic link to a folder, not followed"
                else:
                    keep.append(d)
            dirs[:] = keep
            for name in sorted(files):
                entry = here / name
                if name.startswith("."):
                    yield entry, "hidden file, not read"
                elif _is_link(entry):
                    yield entry, "symbolic link, not followed"
                else:
                    yield entry, None
        yield from _unopened(errors)


def _unopened(errors: list[OSError]) -> Iterator[tuple[Path, str]]:
    """The folders that os.walk could not open since last asked, with their reasons."""
    while errors:
        err = errors.pop()
        yield Path(str(err.filename)), f"cannot open folder ({err.strerror or err})"


def _is_link(path: Path) -> bool:
    try:
        return path.is_symlink()
    except OSError:  # e.g. a path too long to look at: reading it will say so
        return False


# -------------------------------------------------------------------------------------------- loading


def load(
    sources: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    max_bytes: int = MAX_BYTES,
    file_seconds: float = FILE_SECONDS,
    collection: str | None = None,
) -> LoadResult:
    """Read every supported file under ``sources`` (a path, or several). Never raises for one bad file or record.

    ``max_bytes`` bounds each file (each record of a .jsonl file) and the text it may hold;
    ``file_seconds`` the time spent parsing one file or record (in any thread). When two files or
    records have the same id, the later one is kept and the earlier one reported. ``collection``,
    when given, is the collection of every file read (an upload into one), instead of the first
    folder under its source; a JSONL record's own ``collection`` field still wins.
    """
    result = LoadResult()
    sources = [sources] if isinstance(sources, str | os.PathLike) else list(sources)  # one path, not its letters
    given = {os.path.normpath(src) for src in sources}
    for root, path, reason in _entries(sources):
        where = display(path)
        if reason is not None:
            result.skipped.append((where, reason))
            continue
        where_from = _collection(root, path) if collection is None else _collection_name(collection)
        try:
            _load_file(path, result, max_bytes, file_seconds, follow=str(path) in given, collection=where_from)
        except _TookTooLong:
            result.skipped.append((where, f"reading took over {file_seconds:g} s, given up"))
        except Unreadable as exc:
            result.skipped.append((where, str(exc)))
        except OSError as exc:
            result.skipped.append((where, f"cannot read ({exc.strerror or exc})"))
        except MemoryError:
            result.skipped.append((where, "too large to read in memory"))
        except Exception as exc:  # a parser failing on hostile input costs that file only
            result.skipped.append((where, _failure(exc)))
    _drop_replaced(result)
    return result


def _entries(sources: Iterable[str | os.PathLike[str]]) -> Iterator[tuple[Path, Path, str | None]]:
    """`walk`, each entry with the source it was found under."""
    for src in sources:
        root = Path(os.path.normpath(src))
        for path, reason in walk([src]):
            yield root, path, reason


def _collection(root: Path, path: Path) -> str:
    """The collection of a file found under ``root``: the first folder below it, "" for a file
    directly in it or given itself."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return ""
    return _collection_name(parts[0]) if len(parts) > 1 else ""


def _collection_name(name: str) -> str:
    """A collection name as one printable line without surrounding blanks."""
    return display(name.strip())


def _drop_replaced(result: LoadResult) -> None:
    last = {d.doc_id: i for i, d in enumerate(result.documents)}
    if len(last) == len(result.documents):
        return
    kept = []
    for i, d in enumerate(result.documents):
        if last[d.doc_id] == i:
            kept.append(d)
        else:
            later = result.documents[last[d.doc_id]].source
            result.skipped.append(
                (f"{d.source} (id {d.doc_id})", f"replaced by a later record with that id in {later}")
            )
    result.documents = kept


def _open(path: Path, follow: bool) -> BinaryIO:
    """A regular file opened for reading, checked on the open descriptor (a FIFO or device is
    refused without blocking, even one swapped in after the folder was listed). Unless ``follow``,
    a symbolic link is not opened, even one swapped in after the listing."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow:
            raise Unreadable("symbolic link, not followed") from exc
        raise Unreadable(f"cannot open ({exc.strerror or exc})") from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a device or socket"
            raise Unreadable(f"{kind}, not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _load_file(
    path: Path, result: LoadResult, max_bytes: int, seconds: float, follow: bool, collection: str = ""
) -> None:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            raise Unreadable(f"cannot open ({exc.strerror or exc})") from exc
        if not stat.S_ISREG(mode):
            raise Unreadable("a FIFO, not a regular file" if stat.S_ISFIFO(mode) else "not a regular file")
        raise Unreadable(f"unsupported file type '{suffix or display(path.name)}'")
    with _open(path, follow) as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            raise Unreadable("empty file")
        head = f.read(4096)
        check_content(path, head)
        f.seek(0)
        if suffix == ".jsonl":
            _jsonl_documents(f, path, result, max_bytes, seconds, collection)
            return
        if size > max_bytes:
            raise Unreadable(f"{_size(size)}, over the limit of {_size(max_bytes)} per file (see --max-file-mb)")
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise Unreadable(f"grew over the limit of {_size(max_bytes)} while being read")
    with _time_limit(seconds):
        text, meta = _READERS[suffix](data, path, max_bytes)
        if len(text) > (limit := _text_limit(suffix, max_bytes)):
            raise Unreadable(f"holds more than {limit:,} characters of text, over the limit (see --max-file-mb)")
        doc = _document(display(path), text, meta, display(path), path, collection)
    if len(doc.text) > UNPACK_RATIO * len(data):  # bounds the chunks a small upload can make
        raise Unreadable(
            f"unpacks to {len(doc.text):,} characters of text from {_size(len(data))}, "
            f"over {UNPACK_RATIO} per byte of the file"
        )
    result.documents.append(doc)
    if (note := _ocr_note(doc.meta)) is not None:
        result.notes.append((doc.source, note))


def _ocr_note(meta: dict[str, Any]) -> str | None:
    """What to tell of a file read by OCR with a low mean confidence: its text may be wrong."""
    from .ocr import MIN_CONFIDENCE

    confidence = meta.get("ocr_confidence")
    if not isinstance(confidence, float) or confidence >= MIN_CONFIDENCE:
        return None
    return f"OCR confidence {confidence:.2f}, below {MIN_CONFIDENCE:.2f}: its text may hold misread characters"
