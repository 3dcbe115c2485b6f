"""Spreadsheets (``.xlsx``, ``.csv``) → text a question can find: each data row as one line that
names its columns, ``姓名：张三；单位：市发展改革委；职务：主任`` (`rag.tables.row_text`, as every table).

Why this shape: a row of bare cells ("张三 市发展改革委 主任") says nothing to a search for "谁参加了…"
or "张三是什么职务"; with its header each row is a statement of its own. One row is one line and one
sentence (the chunker keeps a ``表头：值；…`` line whole), so passages hold whole rows (one passage per
group of rows) and the extractive answer quotes the person's whole row. The lines above the header that hold a single cell (a merged title row such as
"XX会议参会人员名单") and the sheet's name, unless a default one, lead the sheet's text, then the
header once; the first title is the document's title when the workbook's properties give none, so
every passage of the sheet carries it in the index.

The header row is the first row with two or more cells (or the first row, for a sheet of one
column); a row repeating the header (a table printed over pages) is skipped. Dates become
``YYYY-MM-DD``, whole numbers lose their ``.0``. An .xlsx is read by openpyxl in read-only mode
(rows streamed, values as last calculated, dimensions recomputed so that a sheet claiming 16,384
columns is not padded to them), after its ZIP has been checked to unpack to at most ten times the
file size limit. A .csv is decoded as the text files are (`rag.decode`), its delimiter sniffed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from .decode import Unreadable, decode, open_package
from .tables import header_line, row_text

__all__ = ["cell_text", "read_csv", "read_xlsx", "row_text", "sheet_lines"]

UNPACKED = 10  # an .xlsx unpacks to at most this many times the file size limit
MAX_TITLE_ROWS = 10  # single-cell rows above the header kept as title lines, at most
_DEFAULT_SHEET = re.compile(r"^(sheet|工作表|表)\s*\d*$", re.I)
_SPACES = re.compile(r"\s+")


def cell_text(value: object) -> str:
    """A cell's value as text: dates as ``YYYY-MM-DD`` (with the time when it has one), whole
    numbers without ``.0``, booleans as 是/否, line breaks inside a cell as spaces."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M" if (value.hour, value.minute) != (0, 0) else "%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return _SPACES.sub(" ", str(value)).strip()


def _split_head(rows: list[list[str]]) -> tuple[list[str], list[str], list[list[str]]]:
    """``(title lines, header, data rows)`` of the rows read up to the header: the last one is the
    header when it has two or more cells, the single-cell rows above it titles; rows of single
    cells only are one column under the first."""
    if sum(1 for c in rows[-1] if c) >= 2:
        return [next(c for c in row if c) for row in rows[:-1]], rows[-1], []
    return [], rows[0], rows[1:]


def _cells(raw: Sequence[object]) -> list[str]:
    cells = [cell_text(v) for v in raw]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def sheet_lines(rows: Iterable[Sequence[object]], limit: int) -> tuple[list[str], list[str]]:
    """One sheet as ``(title lines, lines)``: the header joined by ``；``, then a line per data row
    (see the module's doc). Raises `Unreadable` past ``limit`` characters."""
    header: list[str] | None = None
    pending: list[list[str]] = []  # rows before the header is known
    titles: list[str] = []
    lines: list[str] = []
    size = 0
    for cells in map(_cells, rows):
        if not cells:
            continue
        if header is None:
            pending.append(cells)
            if sum(1 for c in cells if c) < 2 and len(pending) <= MAX_TITLE_ROWS:
                continue
            titles, header, data_rows = _split_head(pending)
            lines.append(header_line(header))
            lines.extend(row_text(header, row) for row in data_rows)
        elif cells != header:
            lines.append(row_text(header, cells))
        size += len(lines[-1]) + 1
        if size > limit:
            raise Unreadable(f"holds more than {limit:,} characters of text, over the limit (see --max-file-mb)")
    if header is None and pending:
        titles, header, data_rows = _split_head(pending)
        lines = [header[0], *(row_text(header, row) for row in data_rows)]
    return titles, [line for line in lines if line]


def _sheet_text(name: str | None, rows: Iterable[Sequence[object]], limit: int) -> tuple[str, str | None]:
    """A sheet's text (titles, the sheet's name unless a default one, rows) and its first title."""
    titles, lines = sheet_lines(rows, limit)
    if not lines:
        return "", None
    named = [f"工作表：{name.strip()}"] if name and name.strip() and not _DEFAULT_SHEET.match(name.strip()) else []
    return "\n".join([*titles, *named, *lines]), (titles[0] if titles else None)


def read_xlsx(data: bytes, path: Path, limit: int) -> tuple[str, dict[str, Any]]:
    """Every sheet of an .xlsx workbook, each as `sheet_lines`; sheets separated by a blank line."""
    open_package(data, ".xlsx", lambda name: name == "xl/workbook.xml", "xl/workbook.xml", UNPACKED * limit).close()
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise Unreadable("reading .xlsx files needs openpyxl: pip install openpyxl") from exc
    text_limit = limit // 3
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise Unreadable(f"not a valid .xlsx file ({type(exc).__name__}: {str(exc)[:120]})") from exc
    try:
        parts: list[str] = []
        titles: list[str | None] = []
        for sheet in workbook.worksheets:
            if hasattr(sheet, "reset_dimensions"):  # chartsheets have none
                sheet.reset_dimensions()
            rows = sheet.iter_rows(values_only=True) if hasattr(sheet, "iter_rows") else ()
            text, title = _sheet_text(sheet.title, rows, text_limit - sum(len(part) for part in parts))
            if text:
                parts.append(text)
                titles.append(title)
        given = workbook.properties.title if workbook.properties else None
    except ElementTree.ParseError as exc:  # also a DTD's entity: the stdlib parser does not load them
        raise Unreadable(f"not a valid .xlsx file (broken sheet XML: {str(exc)[:120]})") from exc
    finally:
        workbook.close()
    if not parts:
        raise Unreadable("the workbook has no cells with values")
    title = (given or "").strip() or next((t for t in titles if t), None)
    return "\n\n".join(parts), ({"title": title} if title else {})


def read_csv(data: bytes, path: Path, limit: int) -> tuple[str, dict[str, Any]]:
    """A .csv file (any encoding `rag.decode` reads: UTF-8, GBK …; comma, tab, semicolon or bar
    between fields) as `sheet_lines`."""
    text = decode(data)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:65536], delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    try:
        body, title = _sheet_text(None, csv.reader(io.StringIO(text, newline=""), dialect), limit)
    except csv.Error as exc:
        raise Unreadable(f"not a valid .csv file ({str(exc)[:120]})") from exc
    if not body:
        raise Unreadable("no text")
    return body, ({"title": title} if title else {})
