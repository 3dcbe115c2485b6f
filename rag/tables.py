"""Tables as text: one line per row, each cell named by its column header.

A retriever and a reader both see plain text, so a table row only answers "谁参加了…" or
"张三的职务是什么" if the row carries its column names: ``姓名：张三；职务：主任``. Every reader that
finds a table (.docx, .html, spreadsheets) formats rows through :func:`row_text` so tables read the
same everywhere, and decides whether the first row is a header with :func:`looks_like_header`.
Pure: stdlib only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["CELL_SEP", "KEY_SEP", "header_line", "looks_like_header", "row_text", "table_lines"]

KEY_SEP = "："
"""Between a header and its value: the full-width colon Chinese documents use."""

CELL_SEP = "；"
"""Between cells of one row: a full-width semicolon, which cell text rarely contains."""

_HEADER_MAX_CHARS = 20
"""A header cell is a column name, not a sentence: longer cells mean the first row is data."""

_MIN_COLUMNS = 3
"""A first row of two cells is not taken for a header: a two-column table is as often a form of
label | value pairs (会议时间 | 3月5日, 主持人 | 张三) as a list, and reading a form as a list garbles
every row; its rows stay ``label；value``."""

_DIGIT = re.compile(r"\d")

_SPACE = re.compile(r"\s+")


def _clean(cell: str) -> str:
    """One cell on one line: a cell with several paragraphs must not break the row apart."""
    return _SPACE.sub(" ", cell).strip()


def looks_like_header(cells: Sequence[str]) -> bool:
    """Whether a table's first row names its columns.

    The rule: at least three cells (see `_MIN_COLUMNS`); every cell non-empty and at most 20
    characters; no digit in any cell (a header names, a data row holds numbers and dates: 2024年,
    3人); no cell ending in sentence punctuation or a colon; no name repeated (two columns called
    the same are more likely data). A heuristic: a header with a year in it (2023年 | 2024年) is read
    as data, and a row of three short names (张三 | 李四 | 王五) as a header; a reader that knows
    better (``<th>``, Word's repeated header row) passes its header directly.

    Args:
        cells: the first row's cell texts.
    """
    texts = [_clean(c) for c in cells]
    if len(texts) < _MIN_COLUMNS or len(set(texts)) != len(texts):
        return False
    return all(
        0 < len(text) <= _HEADER_MAX_CHARS and not _DIGIT.search(text) and text[-1] not in "。！？；：.!?;:"
        for text in texts
    )


def row_text(header: Sequence[str], cells: Sequence[str]) -> str:
    """One table row as one line: ``表头：值；表头：值``.

    Empty cells are left out (a blank 职务 says nothing), a cell without a header (the row is
    longer than the header, or that header cell is empty) is kept bare, and without a header at all
    the cells are joined by ``；``. Whitespace inside a cell collapses to one space, so the line
    never breaks.

    Args:
        header: the column names, possibly empty.
        cells: the row's cell texts, in column order.

    Returns:
        The row's text, or ``""`` when every cell is empty.
    """
    parts: list[str] = []
    for i, cell in enumerate(cells):
        value = _clean(cell)
        if not value:
            continue
        name = _clean(header[i]) if i < len(header) else ""
        parts.append(f"{name}{KEY_SEP}{value}" if name and name != value else value)
    return CELL_SEP.join(parts)


def table_lines(rows: Sequence[Sequence[str]], header: Sequence[str] | None = None) -> list[str]:
    """A whole table as lines: each data row by :func:`row_text`.

    The header row itself is not a line (each row names its cells; a quoted ``姓名；单位；职务``
    answers nothing), unless the table has no data rows. A row of a single cell (a caption or subtotal spanning the table:
    ``合计 8 人``) stays bare: it is no value of the first column.

    Args:
        rows: the table's rows of cell texts, header row included when ``header`` is None.
        header: the column names when the reader knows them (``<th>``); None to decide by
            :func:`looks_like_header` on the first row.

    Returns:
        One line per non-empty row.
    """
    body: Sequence[Sequence[str]] = rows
    if header is None and rows and looks_like_header(rows[0]):
        header, body = rows[0], rows[1:]
    names = list(header or [])
    lines = [row_text(names, row) if len(row) != 1 else _clean(row[0]) for row in body]
    lines = [line for line in lines if line]
    return lines if lines or not names else [header_line(names)]


def header_line(header: Sequence[str]) -> str:
    """A header row on its own (``姓名；单位；职务``): written only for a table without data rows,
    since every data row carries the names."""
    return CELL_SEP.join(name for name in (_clean(h) for h in header) if name)
