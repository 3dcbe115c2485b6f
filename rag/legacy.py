"""Word 97–2003 ``.doc`` and WPS ``.wps`` files → text, read in Python from the file's piece table.

A .doc is an OLE compound file; its WordDocument stream starts with the FIB, which says which table
stream (0Table or 1Table) holds the CLX, whose piece table maps the document's characters to runs
of bytes in WordDocument: UTF-16LE, or 8-bit (cp1252) for pieces flagged compressed. Chinese text is
always UTF-16. That is all a search index needs ([MS-DOC] 2.4.1 "Retrieving Text"); olefile (BSD,
pure Python) reads the streams. Measured on files LibreOffice saved as .doc: antiword 0.37 refuses
them ("text stream too small"), catdoc 0.95 loses table text; this reader gets both, in ~2 ms, with
nothing to install outside Python.

Kingsoft WPS Office's .wps files (2005 and later) are the same structure, so they are read the same
way; other .wps files (Microsoft Works, WPS 2000) have no WordDocument stream and are refused with
"save as .docx". Encrypted files, Word 6/95 files and broken ones are refused with their reason.

Main-text characters kept as lines: a paragraph per line, a table row per line with its cells
joined by ``；`` (`rag.tables.CELL_SEP`, as rows without a header; a header is not matched to the
cells because an empty cell and a row end look alike in the text stream, ``\x07\x07``: telling them
apart needs the paragraph properties, which are not read); field instructions (``HYPERLINK "…"``, ``PAGE``) dropped, their
results kept; pictures and other object anchors dropped.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from .decode import Unreadable
from .tables import CELL_SEP

__all__ = ["read_doc", "word_text"]

_WORD_IDENT = 0xA5EC
_MIN_NFIB = 0x00C1  # Word 97; Word 6 and 95 files (0x0065–0x0068) use another layout
_FENCRYPTED, _FWHICHTBL, _FOBFUSCATED = 0x0100, 0x0200, 0x8000
_FC_CLX = 33  # index of fcClx among the FibRgFcLcb97 pairs
_CCP_TEXT = 3  # index of ccpText in FibRgLw97
# Word's marks in the text stream: paragraph, line and page breaks, table cell/row ends, fields
_CELL = "\x07"
_FIELD_BEGIN, _FIELD_SEPARATE, _FIELD_END = "\x13", "\x14", "\x15"
_LINE_BREAKS = str.maketrans({"\r": "\n", "\x0b": "\n", "\x0c": "\n", "\x0e": "\n", "\x1e": "-", "\xa0": " "})


def _olefile() -> Any:
    try:
        import olefile
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise Unreadable("reading .doc files needs olefile: pip install olefile") from exc
    return olefile


def _streams(data: bytes, kind: str, limit: int) -> tuple[bytes, bytes]:
    """The WordDocument stream and the table stream that its FIB names."""
    olefile = _olefile()
    try:
        ole = olefile.OleFileIO(data)
    except Exception as exc:  # olefile raises OSError, struct.error, IndexError … on broken files
        raise Unreadable(f"not a valid {kind} file (broken OLE structure: {str(exc)[:120]})") from exc
    with ole:
        if not ole.exists("WordDocument"):
            if kind == ".wps":
                raise Unreadable("unsupported .wps file (not the Word-compatible WPS format): save as .docx")
            what = "an Excel workbook" if ole.exists("Workbook") or ole.exists("Book") else "not a Word document"
            raise Unreadable(f"not a .doc file: the content is {what} (no WordDocument stream)")
        word = _read_stream(ole, "WordDocument", kind, limit)
        if len(word) < 0x200:
            raise Unreadable(f"not a valid {kind} file (WordDocument stream of {len(word)} bytes)")
        ident, nfib = struct.unpack_from("<HH", word, 0)
        flags = struct.unpack_from("<H", word, 0x0A)[0]
        if ident != _WORD_IDENT:
            raise Unreadable(f"not a valid {kind} file (no Word signature in its FIB)")
        if flags & (_FENCRYPTED | _FOBFUSCATED):
            raise Unreadable(f"{kind} file is protected with a password; save an unprotected copy as .docx")
        if nfib < _MIN_NFIB:
            raise Unreadable(f"a Word 6/95 {kind} file (older than Word 97): save it as .docx")
        table_name = "1Table" if flags & _FWHICHTBL else "0Table"
        if not ole.exists(table_name):
            raise Unreadable(f"not a valid {kind} file (no {table_name} stream)")
        return word, _read_stream(ole, table_name, kind, limit)


def _read_stream(ole: Any, name: str, kind: str, limit: int) -> bytes:
    try:
        with ole.openstream(name) as f:
            data: bytes = f.read(limit + 1)
    except Exception as exc:  # a FAT chain that loops or points past the file
        raise Unreadable(f"not a valid {kind} file (broken {name} stream: {str(exc)[:120]})") from exc
    if len(data) > limit:
        raise Unreadable(f"the {name} stream is over {limit:,} bytes")
    return data


def _fib_numbers(word: bytes) -> tuple[int, int, int]:
    """``(ccpText, fcClx, lcbClx)`` from the FIB's variable-length arrays."""
    try:
        csw = struct.unpack_from("<H", word, 32)[0]
        lw = 34 + 2 * csw
        cslw = struct.unpack_from("<H", word, lw)[0]
        ccp_text = struct.unpack_from("<i", word, lw + 2 + 4 * _CCP_TEXT)[0]
        fc_lcb = lw + 2 + 4 * cslw
        count = struct.unpack_from("<H", word, fc_lcb)[0]
        if count <= _FC_CLX or cslw <= _CCP_TEXT:
            raise Unreadable("not a valid Word file (its FIB is too short)")
        fc_clx, lcb_clx = struct.unpack_from("<II", word, fc_lcb + 2 + 8 * _FC_CLX)
    except struct.error as exc:
        raise Unreadable("not a valid Word file (truncated FIB)") from exc
    return ccp_text, fc_clx, lcb_clx


def _pieces(table: bytes, fc_clx: int, lcb_clx: int) -> list[tuple[int, int, int, bool]]:
    """The piece table: ``(cp_start, cp_end, offset in WordDocument, compressed)`` for each piece."""
    clx = table[fc_clx : fc_clx + lcb_clx]
    if lcb_clx == 0 or len(clx) < lcb_clx:
        raise Unreadable("not a valid Word file (its piece table lies outside the table stream)")
    i = 0
    while i + 3 <= len(clx) and clx[i] == 0x01:  # Prc: property modifiers, skipped
        i += 3 + max(0, struct.unpack_from("<h", clx, i + 1)[0])
    if i + 5 > len(clx) or clx[i] != 0x02:
        raise Unreadable("not a valid Word file (no piece table in its CLX)")
    size = struct.unpack_from("<I", clx, i + 1)[0]
    plc = clx[i + 5 : i + 5 + size]
    n = (len(plc) - 4) // 12
    if n <= 0 or len(plc) != 4 + 12 * n:
        raise Unreadable("not a valid Word file (broken piece table)")
    cps = struct.unpack_from(f"<{n + 1}I", plc, 0)
    out = []
    for k in range(n):
        fc = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * k + 2)[0]
        compressed = bool(fc & 0x40000000)
        out.append((cps[k], cps[k + 1], (fc & 0x3FFFFFFF) // 2 if compressed else fc, compressed))
    return out


def _raw_text(word: bytes, pieces: list[tuple[int, int, int, bool]], ccp_text: int, limit: int) -> str:
    """The main document's characters (the first ``ccp_text``), as stored: Word's marks included."""
    parts: list[str] = []
    size = 0
    for cp_start, cp_end, offset, compressed in pieces:
        if cp_start >= ccp_text:
            break
        count = max(0, min(cp_end, ccp_text) - cp_start)
        size += count
        if size > limit:
            raise Unreadable(f"holds more than {limit:,} characters of text, over the limit (see --max-file-mb)")
        if compressed:
            parts.append(word[offset : offset + count].decode("cp1252", errors="replace"))
        else:
            parts.append(word[offset : offset + 2 * count].decode("utf-16-le", errors="replace"))
    return "".join(parts)


def _drop_field_codes(text: str) -> str:
    """Field instructions removed, results kept: ``\\x13 PAGE \\x14 3 \\x15`` → ``3``; nested fields
    as Word nests them. A field without a separator (an instruction only) leaves nothing."""
    out: list[str] = []
    stack: list[bool] = []  # for each open field: are we past its separator (in its result)
    for ch in text:
        if ch == _FIELD_BEGIN:
            stack.append(False)
        elif ch == _FIELD_SEPARATE and stack:
            stack[-1] = True
        elif ch == _FIELD_END and stack:
            stack.pop()
        elif all(stack):
            out.append(ch)
    return "".join(out)


def _lines(text: str) -> str:
    """Word's marks as lines: a row end (a cell mark right after one) ends the line, a cell mark
    separates cells, breaks become line breaks, objects go."""
    text = _drop_field_codes(text).translate(_LINE_BREAKS)
    text = text.replace(_CELL + _CELL, "\n").replace(_CELL, CELL_SEP)
    return "".join(ch for ch in text if ch >= " " or ch in "\n\t")


def word_text(data: bytes, kind: str, limit: int) -> str:
    """The main text of a Word 97–2003 binary file (``kind``: its suffix, for messages)."""
    word, table = _streams(data, kind, 10 * limit)
    ccp_text, fc_clx, lcb_clx = _fib_numbers(word)
    if ccp_text <= 0:
        raise Unreadable("no text")
    # a packed format: as many characters as a text file of the size limit holds in Chinese
    return _lines(_raw_text(word, _pieces(table, fc_clx, lcb_clx), ccp_text, limit // 3))


def read_doc(data: bytes, path: Path, limit: int) -> tuple[str, dict[str, Any]]:
    """A .doc or .wps file's text and, when its summary information gives one, its title."""
    kind = path.suffix.lower() or ".doc"
    text = word_text(data, kind, limit)
    meta: dict[str, Any] = {}
    title = _summary_title(data)
    if title:
        meta["title"] = title
    return text, meta


def _summary_title(data: bytes) -> str | None:
    """The title in the file's SummaryInformation, when there is one (a title is not worth refusing
    the text for: any failure gives None)."""
    try:
        ole = _olefile().OleFileIO(data)
        with ole:
            title = ole.get_metadata().title
    except Exception:
        return None
    if isinstance(title, bytes):
        for encoding in ("utf-8", "gb18030"):
            try:
                title = title.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            return None
    text = str(title or "").strip()
    return text if text and text.lower() not in ("untitled", "无标题", "word document") else None
