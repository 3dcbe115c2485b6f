"""OFD files (GB/T 33190, the Chinese fixed-layout format of official documents) → text in reading
order, with the title and creation date of the document's metadata.

The reading is ofdkit's (Apache-2.0, pure Python, no dependencies): it follows OFD.xml → DocRoot →
Document.xml → each page's Content.xml, templates and composite objects included, places every
TextCode by its object's Boundary and CTM, and groups the runs into lines by baseline, left to right
(columns of prose column by column). Before it sees the file, the package is checked here the way
the .docx reader checks its ZIP: a bounded number of entries, each XML part at most ``XML_PART``
bytes unpacked (ofdkit builds a whole tree per part; 4 MB of tiny elements is ~250 MB of tree, a
real page is tens of KB) and the whole at most ten times the file size limit; and every location
that OFD.xml and Document.xml name must stay inside the package (``../../etc/passwd``, ``file:``
URLs and drive letters are refused with their name, where ofdkit would silently skip the page).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any

from .decode import Unreadable, open_package

__all__ = ["XML_PART", "read_ofd"]

MAX_ENTRIES = 10_000  # parts in one package; a document of 1,000 pages has ~2,100
XML_PART = 4 * 2**20  # bytes of one XML part unpacked, at most
UNPACKED = 10  # the whole package unpacks to at most this many times the file size limit
_DEFAULT_TITLES = ("untitled", "无标题", "無標題")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")  # file:, http:, C: …
_REFERENCES = ("DocRoot", "PublicRes", "DocumentRes", "Attachments", "CustomTags", "Annotations", "Signatures")


def _ofdkit() -> Any:
    try:
        import ofdkit
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise Unreadable("reading .ofd files needs ofdkit: pip install ofdkit") from exc
    return ofdkit


def escapes(base: str, location: str) -> bool:
    """Whether ``location``, written in the part ``base``, leads outside the package. The standard
    reads a relative location from the referencing part's folder and one starting with ``/`` from
    the package root (both are kept when they stay inside); a URL, a drive letter, a network path
    or any ``..`` that climbs above the root escapes."""
    location = location.strip().replace("\\", "/")
    if _SCHEME.match(location) or location.startswith("//") or "\x00" in location:
        return True
    joined = location.lstrip("/") if location.startswith("/") else posixpath.join(posixpath.dirname(base), location)
    normal = posixpath.normpath(joined) if joined else "."
    return normal == ".." or normal.startswith("../")


def _open_package(data: bytes, limit: int) -> zipfile.ZipFile:
    """The ZIP of an OFD file, refused when broken, not an OFD, or too large once unpacked."""
    z = open_package(data, ".ofd", lambda name: name.lstrip("/").lower() == "ofd.xml", "OFD.xml", UNPACKED * limit)
    infos = z.infolist()
    if len(infos) > MAX_ENTRIES:
        raise Unreadable(f"the .ofd package has {len(infos):,} parts, over the limit of {MAX_ENTRIES:,}")
    for info in infos:
        if info.filename.lower().endswith(".xml") and info.file_size > XML_PART:
            raise Unreadable(f"{info.filename} unpacks to {info.file_size:,} bytes, over {XML_PART:,} for one XML part")
    return z


def _xml(z: zipfile.ZipFile, name: str) -> Any:
    """One XML part parsed without DTDs, entities or network; None when absent. Read at most
    `XML_PART` bytes whatever the ZIP's directory says (it can lie)."""
    from lxml import etree

    match = next((i for i in z.infolist() if i.filename.lstrip("/").lower() == name.lower()), None)
    if match is None:
        return None
    try:
        with z.open(match) as f:
            data = f.read(XML_PART + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
        raise Unreadable(f"not a valid .ofd file (broken ZIP member {match.filename}: {exc})") from exc
    if len(data) > XML_PART:
        raise Unreadable(f"{match.filename} unpacks to over {XML_PART:,} bytes, over the limit for one XML part")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, recover=True)
    try:
        return etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _locations(root: Any) -> list[str]:
    """Every location a part names: the text of reference elements and BaseLoc attributes."""
    found = []
    for element in root.iter():
        if _local(element.tag) in _REFERENCES and element.text and element.text.strip():
            found.append(element.text.strip())
        if element.get("BaseLoc"):
            found.append(element.get("BaseLoc"))
    return found


def check_references(z: zipfile.ZipFile) -> None:
    """Refuse a package whose OFD.xml or Document.xml names a location outside itself."""
    ofd = _xml(z, "OFD.xml")
    if ofd is None:
        raise Unreadable("not a valid .ofd file (OFD.xml is not XML)")
    for root_location in _locations(ofd):
        if escapes("OFD.xml", root_location):
            raise Unreadable(f"OFD.xml points outside the package ({root_location[:80]!r}); refused")
    for element in ofd.iter():
        if _local(element.tag) != "DocRoot" or not (element.text or "").strip():
            continue
        location = element.text.strip().replace("\\", "/")
        document_path = posixpath.normpath(location.lstrip("/"))
        document = _xml(z, document_path)
        for reference in _locations(document) if document is not None else ():
            if escapes(document_path, reference):
                raise Unreadable(f"{document_path} points outside the package ({reference[:80]!r}); refused")


def read_ofd(data: bytes, path: Path, limit: int) -> tuple[str, dict[str, Any]]:
    """The text of an .ofd file, pages in order and each in reading order; its title and its
    creation date (``date``) from DocInfo when given."""
    with _open_package(data, limit) as z:
        check_references(z)
    ofdkit = _ofdkit()
    try:
        with ofdkit.open(data) as document:
            text = document.text("\n")
            info = document.info
    except ofdkit.OFDError as exc:
        raise Unreadable(f"not a readable .ofd file ({str(exc)[:160]})") from exc
    if not text.strip():
        raise Unreadable("the .ofd file has no text (pages of images? run OCR first)")
    meta: dict[str, Any] = {}
    if info.title and info.title.strip().lower() not in _DEFAULT_TITLES:
        meta["title"] = info.title
    if info.creation_date:
        meta["date"] = info.creation_date
    if info.author:
        meta["author"] = info.author
    return text, meta
