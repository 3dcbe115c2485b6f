"""Files and folders → normalized `Document`s, with title, date and source.

Supported: ``.txt`` ``.md`` (encoding detected), ``.jsonl`` (one record per line: ``id``, ``title``,
``date``, ``content`` or ``text``), ``.docx``, ``.pdf`` (text layer), ``.html``/``.htm``.
A file or record that cannot be read is reported in ``LoadResult.skipped`` with its reason and
loading goes on: every entry under a source is either read or reported, nothing is skipped silently.

Hostile or broken input is expected: files larger than ``max_bytes`` are refused before they are
read (so memory stays bounded), content must match the file type (a ZIP named ``.txt`` or a text
file named ``.pdf`` is refused), FIFOs and devices are never opened, folder symlinks are not
followed (no loops), and a parser failing in any way on one file costs only that file.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .normalize import normalize
from .types import Document

SUPPORTED = (".txt", ".md", ".markdown", ".jsonl", ".docx", ".pdf", ".html", ".htm")
MAX_BYTES = 10 * 1024 * 1024  # per file (per record for .jsonl); larger ones are refused unread
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_TEXT_TYPES = (".txt", ".md", ".markdown", ".jsonl", ".html", ".htm")
# Signatures of binary formats often found renamed or misnamed on shared drives.
_MAGIC = (
    (b"%PDF-", "a PDF"),
    (b"PK\x03\x04", "a ZIP archive (.docx, .xlsx …)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.doc, .xls); save it as .docx"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


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


def _decode_line(line: bytes) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            return line.decode(encoding)
        except UnicodeDecodeError:
            pass
    return line.decode("utf-8", errors="replace")


def _mixed(data: bytes) -> bool:
    """Not UTF-8 as a whole, but with lines of Chinese in UTF-8: files pasted together from sources
    in different encodings."""
    for line in data.split(b"\n"):
        if len(line) >= 9 and not line.isascii():
            try:
                line.decode("utf-8")
                return True
            except UnicodeDecodeError:
                pass
    return False


def _looks_binary(text: str) -> bool:
    """Control, private-use, unassigned or replacement characters in more than 2% of the text."""
    sample = text[:20000]
    if not sample:
        return False
    bad = sum(
        1
        for ch in sample
        if ch == "\ufffd" or (unicodedata.category(ch) in ("Cc", "Co", "Cn", "Cs") and ch not in "\t\n\r\f")
    )
    return bad > 0.02 * len(sample)


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le`` or ``-be`` when NUL bytes sit mostly on one side of each pair, as in UTF-16
    text without a byte-order mark (ASCII and line breaks have a zero high byte)."""
    sample = data[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if len(data) % 2 or max(even, odd) < 2:
        return None
    if odd >= 3 * max(even, 1) or even >= 3 * max(odd, 1):
        return "utf-16-le" if odd > even else "utf-16-be"
    return None


def decode(data: bytes) -> str:
    """Bytes of a text file → str: BOM, then UTF-8, then line by line for files mixing UTF-8 with
    GB18030, then the best guess of charset-normalizer (GBK and GB2312 read as GB18030, their
    superset). Raises `Unreadable` for data that is not text in any of these."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise Unreadable(f"not valid {encoding} text after its byte-order mark") from exc
    if b"\x00" in data[:4096]:
        encoding16 = _utf16_without_bom(data)
        if encoding16 is None:
            raise Unreadable("binary file, not text")
        try:
            text = data.decode(encoding16)
        except UnicodeDecodeError as exc:
            raise Unreadable("binary file, not text") from exc
        if _looks_binary(text):
            raise Unreadable("binary file, not text")
        return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _mixed(data):
        text = "\n".join(_decode_line(line) for line in data.split(b"\n"))
    else:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise Unreadable("not a text file (encoding could not be detected)")
        encoding = best.encoding
        if encoding.replace("_", "").lower() in {"gbk", "gb2312", "cp936", "hz"}:
            encoding = "gb18030"
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise Unreadable(f"cannot decode as {encoding}") from exc
    if _looks_binary(text):
        raise Unreadable("binary data or an unknown encoding, not text")
    return text.replace("\ufffd", "")


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


def _kind(head: bytes) -> str | None:
    """What a file's first bytes say it is, when a known binary format."""
    return next((what for magic, what in _MAGIC if head.startswith(magic)), None)


def check_content(path: Path, head: bytes) -> None:
    """Raise `Unreadable` when the first bytes of ``path`` do not fit its type (by suffix)."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        if b"%PDF-" not in head[:1024]:
            what = _kind(head)
            raise Unreadable(f"not a PDF: {f'the content is {what}' if what else 'no %PDF header'}")
    elif suffix == ".docx":
        if not head.startswith(b"PK\x03\x04"):
            what = _kind(head)
            raise Unreadable(f"not a .docx file: {f'the content is {what}' if what else 'not a ZIP package'}")
    elif suffix in _TEXT_TYPES:
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return
        what = _kind(head)
        if what is not None and what != "a Windows program":  # "MZ" may well start a text
            raise Unreadable(f"not a text file: the content is {what}")


def _read_text(path: Path, limit: int) -> tuple[str, dict[str, Any]]:
    meta, body = _front_matter(decode(path.read_bytes()))
    if "title" not in meta and path.suffix.lower() in (".md", ".markdown"):
        m = re.search(r"^#\s+(.+)$", body, re.M)
        if m:
            meta["title"] = m.group(1).strip()
    return body, meta


def _read_docx(path: Path, limit: int) -> tuple[str, dict[str, Any]]:
    import docx

    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise Unreadable(f"not a valid .docx file (broken or truncated ZIP: {exc})") from exc
    if "word/document.xml" not in names:
        raise Unreadable("not a .docx file (no word/document.xml in the package)")
    if unpacked > 10 * limit:
        raise Unreadable(f"unpacks to {unpacked / 2**20:.0f} MB, over the limit of {10 * limit / 2**20:.0f} MB")
    d = docx.Document(str(path))
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


def _read_pdf(path: Path, limit: int) -> tuple[str, dict[str, Any]]:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    reader = PdfReader(str(path))
    if reader.is_encrypted:
        try:  # restrictions only (printing, copying) come with an empty password
            reader.decrypt("")
            reader.pages[0] if len(reader.pages) else None
        except FileNotDecryptedError as exc:
            raise Unreadable("PDF is encrypted with a password; save an unprotected copy") from exc
    pages, size = [], 0
    for page in reader.pages:
        text = page.extract_text() or ""
        size += len(text)
        if size > limit:
            raise Unreadable(f"PDF holds more than {limit:,} characters of text, over the limit")
        pages.append(text)
    text = "\n".join(pages)
    if not text.strip():
        raise Unreadable("PDF has no text layer (scanned? run OCR first)")
    title = reader.metadata.title if reader.metadata else None
    if title and title.strip().lower() in ("untitled", "无标题", "無標題"):  # a PDF writer's default
        title = None
    return text, ({"title": title} if title else {})


def _read_html(path: Path, limit: int) -> tuple[str, dict[str, Any]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode(path.read_bytes()), "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "nav", "header", "footer", "iframe", "object"]):
        tag.decompose()
    meta: dict[str, Any] = {}
    heading = soup.find("h1")
    if soup.title and soup.title.get_text(strip=True):
        meta["title"] = soup.title.get_text(strip=True)
    elif heading:
        meta["title"] = heading.get_text(strip=True)
    return soup.get_text("\n"), meta


_READERS: dict[str, Callable[[Path, int], tuple[str, dict[str, Any]]]] = {
    ".txt": _read_text,
    ".md": _read_text,
    ".markdown": _read_text,
    ".docx": _read_docx,
    ".pdf": _read_pdf,
    ".html": _read_html,
    ".htm": _read_html,
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


def _document(doc_id: str, raw_text: str, meta: dict[str, Any], source: str, path: Path) -> Document:
    text = drop_repeated_lines(normalize(raw_text))
    if not text:
        raise Unreadable("no text")
    title = normalize(str(meta.pop("title", "") or "")) or _first_line_title(text) or normalize(display(path.stem))
    raw_date = meta.pop("date", None)
    date = parse_date(raw_date) or parse_date(path.name)
    if date is None:
        date = date_from_text(text, _year_hint(raw_date, path.name))
    return Document(doc_id=doc_id, text=text, title=title, date=date, source=source, meta=meta)


def _lines(f: Any, limit: int) -> Iterator[bytes | None]:
    """The lines of a binary file, None for a line longer than ``limit`` bytes (not kept in memory)."""
    while True:
        line = f.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := f.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield None
            continue
        yield line


def _jsonl_documents(path: Path, result: LoadResult, limit: int) -> None:
    source = display(path)
    with path.open("rb") as f:
        for lineno, line in enumerate(_lines(f, limit), 1):
            where = f"{source}:{lineno}"
            if line is None:
                result.skipped.append((where, f"record larger than {_size(limit)}"))
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(decode(line))
            except (json.JSONDecodeError, RecursionError, Unreadable) as exc:
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
            doc_id = display(str(record.pop("id", "") or f"{source}#{lineno}"))
            try:
                result.documents.append(_document(doc_id, content, record, source, path))
            except Unreadable as exc:
                result.skipped.append((where, str(exc)))


def display(path: Path | str) -> str:
    """A path or id as printable text: lone surrogates (bytes of a file name that are not UTF-8,
    broken escapes in JSON) become U+FFFD."""
    return _SURROGATE.sub("\ufffd", str(path))


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n:,} bytes"


def walk(sources: Iterable[str | os.PathLike[str]]) -> Iterator[tuple[Path, str | None]]:
    """Every entry under each source as ``(path, None)`` to read or ``(path, reason)`` not to.

    Folders are walked recursively in name order. Hidden files and folders (``.name``) and symlinks
    to folders (which may loop) are reported, not entered.
    """
    for src in sources:
        p = Path(os.path.normpath(src))
        if not p.is_dir():
            yield p, None
            continue
        for root, dirs, files in os.walk(p, onerror=None):
            here = Path(root)
            keep = []
            for d in sorted(dirs):
                if d.startswith("."):
                    yield here / d, "hidden folder, not read"
                elif (here / d).is_symlink():
                    yield here / d, "symbolic link to a folder, not followed"
                else:
                    keep.append(d)
            dirs[:] = keep
            for name in sorted(files):
                yield here / name, ("hidden file, not read" if name.startswith(".") else None)


def iter_files(sources: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """The files under ``sources`` that `load` tries to read."""
    return (path for path, reason in walk(sources) if reason is None)


def load(
    sources: Iterable[str | os.PathLike[str]],
    max_bytes: int = MAX_BYTES,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Read every supported file under ``sources``. Never raises for one bad file or record.

    ``max_bytes`` bounds each file (each record of a .jsonl file); ``progress`` gets 1 per entry.
    """
    result = LoadResult()
    for path, reason in walk(sources):
        if progress:
            progress(1)
        where = display(path)
        if reason is not None:
            result.skipped.append((where, reason))
            continue
        try:
            _load_file(path, result, max_bytes)
        except Unreadable as exc:
            result.skipped.append((where, str(exc)))
        except OSError as exc:
            result.skipped.append((where, f"cannot read ({exc.strerror or exc})"))
        except MemoryError:
            result.skipped.append((where, "too large to read in memory"))
        except Exception as exc:  # a parser failing on hostile input costs that file only
            detail = str(exc).splitlines()[0][:200] if str(exc) else ""
            result.skipped.append((where, f"cannot be parsed ({type(exc).__name__}{': ' + detail if detail else ''})"))
    return result


def _load_file(path: Path, result: LoadResult, max_bytes: int) -> None:
    try:
        st = path.stat()  # follows file symlinks; a loop raises ELOOP
    except OSError as exc:
        raise Unreadable(f"cannot open ({exc.strerror or exc})") from exc
    if not stat.S_ISREG(st.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a device or socket"
        raise Unreadable(f"{'a folder' if stat.S_ISDIR(st.st_mode) else kind}, not a regular file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise Unreadable(f"unsupported file type '{suffix or path.name}'")
    if st.st_size == 0:
        raise Unreadable("empty file")
    with path.open("rb") as f:
        head = f.read(4096)
    check_content(path, head)
    if suffix == ".jsonl":
        _jsonl_documents(path, result, max_bytes)
        return
    if st.st_size > max_bytes:
        raise Unreadable(f"{_size(st.st_size)}, over the limit of {_size(max_bytes)} per file (see --max-file-mb)")
    text, meta = _READERS[suffix](path, max_bytes)
    result.documents.append(_document(display(path), text, meta, display(path), path))
