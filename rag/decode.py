"""Bytes of a text file → str, for the encodings found on Chinese office drives.

In order: a byte-order mark (UTF-8, UTF-32, UTF-16); UTF-16 without one (NUL bytes on one side of
each pair); UTF-8; files mixing UTF-8 lines with GB18030 ones; GB18030 (GBK, GB2312) when the text
reads as common simplified Chinese, tolerating a stray byte or two (a truncated last character);
else the best guess of charset-normalizer (Big5, and everything else). Text that still has more
than 2% control, private-use or unassigned characters is refused as binary.
"""

from __future__ import annotations

import codecs
import io
import unicodedata
import zipfile
from collections.abc import Callable


class Unreadable(Exception):
    """A file or record cannot be turned into a document; the message is the reason."""


# UTF-32 first: its little-endian mark starts with UTF-16's.
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def bom_encoding(head: bytes) -> str | None:
    return next((encoding for bom, encoding in BOMS if head.startswith(bom)), None)


def utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le`` or ``-be`` when NUL bytes sit mostly on one side of each pair, as in UTF-16
    text without a byte-order mark (ASCII and line breaks have a zero high byte)."""
    sample = data[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if len(sample) % 2 or max(even, odd) < 2:
        return None
    if odd >= 3 * max(even, 1) or even >= 3 * max(odd, 1):
        return "utf-16-le" if odd > even else "utf-16-be"
    return None


def looks_binary(text: str) -> bool:
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


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def _gb18030(data: bytes) -> str | None:
    """The data as GB18030 when it reads as ordinary simplified Chinese: at most one bad byte per
    thousand, and 90% of its Han characters in GB2312 (Big5 bytes read as GB18030 give rare ones)."""
    text = data.decode("gb18030", errors="replace")
    if text.count("\ufffd") > max(1, len(data) // 1000):
        return None
    han = [c for c in text[:50000] if "\u4e00" <= c <= "\u9fff"]
    if len(han) < 2 or sum(map(_in_gb2312, han[:5000])) < 0.9 * min(len(han), 5000):
        return None
    return text.replace("\ufffd", "")


def decode(data: bytes) -> str:
    """Bytes of a text file → str (see the module's doc). Raises `Unreadable` for data that is not
    text in any of these encodings."""
    encoding = bom_encoding(data[:4])
    if encoding is not None:
        text = data.decode(encoding, errors="replace")  # a cut-off last character is one U+FFFD
        if text.count("\ufffd") > max(1, len(text) // 1000):
            raise Unreadable(f"not valid {encoding} text after its byte-order mark")
    elif b"\x00" in data[:4096]:
        encoding = utf16_without_bom(data)
        if encoding is None:
            raise Unreadable("binary file, not text")
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise Unreadable("binary file, not text") from exc
    else:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        if _mixed(data):
            text = "\n".join(_decode_line(line) for line in data.split(b"\n"))
        elif (gb := _gb18030(data)) is not None:
            text = gb
        else:
            text = _guess(data)
    if looks_binary(text):
        raise Unreadable("binary data or an unknown encoding, not text")
    return text.replace("\ufffd", "")


def _guess(data: bytes) -> str:
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


def open_package(
    data: bytes, kind: str, has_part: Callable[[str], bool], part: str, max_unpacked: int
) -> zipfile.ZipFile:
    """The ZIP of a packed document (.docx, .ofd, .xlsx), refused with a reason when broken, when no
    entry passes ``has_part`` (the ``part`` that makes it a ``kind`` file), or when it unpacks to more
    than ``max_unpacked`` bytes as its directory says (a ZIP bomb; readers still bound what they read)."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise Unreadable(f"not a valid {kind} file (broken or truncated ZIP: {exc})") from exc
    if not any(has_part(i.filename) for i in infos):
        raise Unreadable(f"not {'an' if kind[1] in 'aeiouox' else 'a'} {kind} file (no {part} in the package)")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > max_unpacked:
        raise Unreadable(f"unpacks to {unpacked / 2**20:.0f} MB, over the limit of {max_unpacked / 2**20:.0f} MB")
    return z
