"""Files and folders → normalized `Document`s, with title, date and source.

Supported: ``.txt`` ``.md`` (encoding detected), ``.jsonl`` (one record per line: ``id``, ``title``,
``date``, ``content`` or ``text``), ``.docx``, ``.pdf`` (text layer), ``.html``/``.htm``.
A file or record that cannot be read is reported in ``LoadResult.skipped`` and loading goes on.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .normalize import normalize
from .types import Document

SUPPORTED = (".txt", ".md", ".markdown", ".jsonl", ".docx", ".pdf", ".html", ".htm")


@dataclass
class LoadResult:
    """Documents read, and ``(where, reason)`` for each file or record that was skipped."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


class Unreadable(Exception):
    """A file or record cannot be turned into a document; the message is the reason."""


# ---------------------------------------------------------------------------------------------- dates

_FULL_DATE = re.compile(r"((?:19|20)\d{2})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*[日号]?")
_COMPACT_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")
_MONTH_DAY = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})[日号]")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def _valid(y: int, m: int, d: int) -> str | None:
    import datetime as dt

    try:
        return dt.date(y, m, d).isoformat()
    except ValueError:
        return None


def parse_date(value: Any) -> str | None:
    """A date written as ``2024-07-19``, ``2024/7/19``, ``2024年7月19日`` or ``20240719`` → ISO."""
    if value is None:
        return None
    s = normalize(str(value))
    for pattern in (_FULL_DATE, _COMPACT_DATE):
        m = pattern.search(s)
        if m:
            return _valid(*(int(g) for g in m.groups()))
    return None


def date_from_text(text: str, year: int | None) -> str | None:
    """The first full date in the text, else the first ``7月14日`` when the year is known."""
    head = text[:1000]
    m = _FULL_DATE.search(head)
    if m and "年" in m.group(0):
        return _valid(*(int(g) for g in m.groups()))
    if year is not None:
        m = _MONTH_DAY.search(head)
        if m:
            return _valid(year, int(m.group(1)), int(m.group(2)))
    return None


def _year_hint(*values: Any) -> int | None:
    for v in values:
        if v is None:
            continue
        m = _YEAR.search(str(v))
        if m:
            return int(m.group(1))
    return None


# ------------------------------------------------------------------------------------------- decoding

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode(data: bytes) -> str:
    """Bytes of a text file → str: BOM, then UTF-8, then the best guess of charset-normalizer.

    GBK and GB2312 guesses are read as GB18030, their superset.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise Unreadable("not a text file (encoding could not be detected)")
    encoding = best.encoding
    if encoding.replace("_", "").lower() in {"gbk", "gb2312", "cp936", "hz"}:
        encoding = "gb18030"
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise Unreadable(f"cannot decode as {encoding}") from exc


# -------------------------------------------------------------------------------------------- formats

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    import yaml

    try:
        meta = yaml.safe_load(m.group(1))
    except yaml.YAMLError:
        return {}, text
    if not isinstance(meta, dict):
        return {}, text
    return {str(k): v for k, v in meta.items()}, text[m.end() :]


def _first_line_title(text: str) -> str | None:
    first = text.strip().split("\n", 1)[0].strip().lstrip("#").strip()
    if 0 < len(first) <= 40 and not re.search(r"[。！？；，,]", first):
        return first
    return None


def _read_text(path: Path) -> tuple[str, dict[str, Any]]:
    data = path.read_bytes()
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise Unreadable("binary file, not text")
    meta, body = _front_matter(decode(data))
    if "title" not in meta and path.suffix.lower() in (".md", ".markdown"):
        m = re.search(r"^#\s+(.+)$", body, re.M)
        if m:
            meta["title"] = m.group(1).strip()
    return body, meta


def _read_docx(path: Path) -> tuple[str, dict[str, Any]]:
    import docx

    try:
        d = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for broken packages
        raise Unreadable(f"not a valid .docx file ({type(exc).__name__})") from exc
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            parts.append(" ".join(cell.text for cell in row.cells))
    meta: dict[str, Any] = {}
    if d.core_properties.title:
        meta["title"] = d.core_properties.title
    else:
        heading = next(
            (
                p.text
                for p in d.paragraphs
                if p.style is not None and p.style.name.lower().startswith(("title", "heading")) and p.text.strip()
            ),
            None,
        )
        if heading:
            meta["title"] = heading
    return "\n".join(parts), meta


def _read_pdf(path: Path) -> tuple[str, dict[str, Any]]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        title = reader.metadata.title if reader.metadata else None
    except (PdfReadError, ValueError, OSError, KeyError) as exc:
        raise Unreadable(f"not a readable PDF ({exc})") from exc
    if not text.strip():
        raise Unreadable("PDF has no text layer (scanned? run OCR first)")
    return text, ({"title": title} if title else {})


def _read_html(path: Path) -> tuple[str, dict[str, Any]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode(path.read_bytes()), "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "nav", "header", "footer"]):
        tag.decompose()
    meta: dict[str, Any] = {}
    heading = soup.find("h1")
    if soup.title and soup.title.get_text(strip=True):
        meta["title"] = soup.title.get_text(strip=True)
    elif heading:
        meta["title"] = heading.get_text(strip=True)
    return soup.get_text("\n"), meta


_READERS: dict[str, Callable[[Path], tuple[str, dict[str, Any]]]] = {
    ".txt": _read_text,
    ".md": _read_text,
    ".markdown": _read_text,
    ".docx": _read_docx,
    ".pdf": _read_pdf,
    ".html": _read_html,
    ".htm": _read_html,
}


def _document(doc_id: str, raw_text: str, meta: dict[str, Any], source: str, path: Path) -> Document:
    text = normalize(raw_text)
    if not text:
        raise Unreadable("no text")
    title = normalize(str(meta.pop("title", "") or "")) or _first_line_title(text) or normalize(path.stem)
    raw_date = meta.pop("date", None)
    date = parse_date(raw_date) or parse_date(path.name)
    if date is None:
        date = date_from_text(text, _year_hint(raw_date, path.name))
    return Document(doc_id=doc_id, text=text, title=title, date=date, source=source, meta=meta)


def _jsonl_documents(path: Path, result: LoadResult) -> None:
    source = str(path)
    with path.open("rb") as f:
        for lineno, line in enumerate(f, 1):
            where = f"{source}:{lineno}"
            if not line.strip():
                continue
            try:
                record = json.loads(decode(line))
            except (json.JSONDecodeError, Unreadable) as exc:
                result.skipped.append((where, f"invalid JSON ({exc})"))
                continue
            if not isinstance(record, dict):
                result.skipped.append((where, "record is not a JSON object"))
                continue
            content = record.pop("content", None)
            if content is None:
                content = record.pop("text", None)
            if not isinstance(content, str) or not content.strip():
                result.skipped.append((where, "record has no 'content' or 'text'"))
                continue
            doc_id = str(record.pop("id", "") or f"{source}#{lineno}")
            try:
                result.documents.append(_document(doc_id, content, record, source, path))
            except Unreadable as exc:
                result.skipped.append((where, str(exc)))


def iter_files(sources: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Regular files under each source, folders walked recursively in name order, hidden ones skipped."""
    for src in sources:
        p = Path(os.path.normpath(src))
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(root) / name
        else:
            yield p


def load(sources: Iterable[str | os.PathLike[str]]) -> LoadResult:
    """Read every supported file under ``sources``. Never raises for one bad file or record."""
    result = LoadResult()
    for path in iter_files(sources):
        where = str(path)
        try:
            st = path.stat()
        except OSError as exc:
            result.skipped.append((where, f"cannot open ({exc.strerror or exc})"))
            continue
        if not stat.S_ISREG(st.st_mode):
            result.skipped.append((where, "not a regular file"))
            continue
        suffix = path.suffix.lower()
        try:
            if suffix == ".jsonl":
                _jsonl_documents(path, result)
                continue
            reader = _READERS.get(suffix)
            if reader is None:
                result.skipped.append((where, f"unsupported file type '{suffix or path.name}'"))
                continue
            text, meta = reader(path)
            result.documents.append(_document(where, text, meta, where, path))
        except Unreadable as exc:
            result.skipped.append((where, str(exc)))
        except OSError as exc:
            result.skipped.append((where, f"cannot read ({exc.strerror or exc})"))
    return result
