"""A small OFD writer for the tests (GB/T 33190): a valid, minimal package with pages of positioned
text, a title and a creation date in DocInfo, and hooks to make broken or hostile ones.

Layout of what it writes::

    OFD.xml                      DocBody → DocInfo (Title, CreationDate …), DocRoot
    Doc_0/Document.xml           CommonData (PageArea, PublicRes), Pages → Page BaseLoc
    Doc_0/PublicRes.xml          one font
    Doc_0/Pages/Page_N/Content.xml   Layer → TextObject (Boundary, Size) → TextCode (X, Y, DeltaX)

Each page is a list of lines; each line a list of pieces drawn as separate text objects, left to
right. ``shuffle`` writes the text objects of a page in reverse order, so a reader must sort them
by position to get the reading order back.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

NS = "http://www.ofdspec.org/2016"
SIZE = 4.0  # font size in millimetres: one Chinese character advances this much
LINE = 8.0  # millimetres from one line's top to the next


def _ofd_xml(title: str | None, date: str | None, doc_root: str) -> str:
    info = "<ofd:DocID>6a1f0c9e2b7d4e5f8a9b0c1d2e3f4a5b</ofd:DocID>"
    if title is not None:
        info += f"<ofd:Title>{escape(title)}</ofd:Title>"
    info += "<ofd:Author>测试</ofd:Author>"
    if date is not None:
        info += f"<ofd:CreationDate>{escape(date)}</ofd:CreationDate>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD"><ofd:DocBody>'
        f"<ofd:DocInfo>{info}</ofd:DocInfo><ofd:DocRoot>{escape(doc_root)}</ofd:DocRoot>"
        "</ofd:DocBody></ofd:OFD>"
    )


def _document_xml(page_locations: Sequence[str]) -> str:
    pages = "".join(f'<ofd:Page ID="{10 + i}" BaseLoc={quoteattr(loc)}/>' for i, loc in enumerate(page_locations))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ofd:Document xmlns:ofd="{NS}"><ofd:CommonData><ofd:MaxUnitID>999</ofd:MaxUnitID>'
        "<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
        "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>"
        f"<ofd:Pages>{pages}</ofd:Pages></ofd:Document>"
    )


_PUBLIC_RES = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>'
    '<ofd:Font ID="1" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'
)


def _text_object(object_id: int, text: str, x: float, y: float) -> str:
    """One text object: its boundary box on the page, the text drawn at the baseline inside it."""
    width = SIZE * len(text)
    delta = f' DeltaX="g {len(text) - 1} {SIZE:g}"' if len(text) > 1 else ""
    return (
        f'<ofd:TextObject ID="{object_id}" Boundary="{x:g} {y:g} {width:g} {LINE:g}" Font="1" Size="{SIZE:g}">'
        f'<ofd:FillColor Value="0 0 0"/><ofd:TextCode X="0" Y="{SIZE:g}"{delta}>{escape(text)}</ofd:TextCode>'
        "</ofd:TextObject>"
    )


def _content_xml(lines: Sequence[Sequence[str]], shuffle: bool) -> str:
    objects: list[str] = []
    for row, pieces in enumerate(lines):
        x = 20.0
        for piece in pieces:
            objects.append(_text_object(100 + len(objects), piece, x, 20.0 + row * LINE))
            x += SIZE * len(piece) + 3 * SIZE  # a gap between pieces of one line
    if shuffle:
        objects.reverse()
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ofd:Page xmlns:ofd="{NS}"><ofd:Content><ofd:Layer ID="2">{"".join(objects)}</ofd:Layer>'
        "</ofd:Content></ofd:Page>"
    )


def ofd_bytes(
    pages: Sequence[Sequence[Sequence[str] | str]],
    title: str | None = "会议纪要",
    date: str | None = "2024-03-15T09:30:00",
    shuffle: bool = True,
    doc_root: str = "Doc_0/Document.xml",
    page_locations: Sequence[str] | None = None,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """An OFD package: ``pages`` of lines, a line being a string or a list of pieces on it.

    ``doc_root`` and ``page_locations`` (relative to Doc_0/Document.xml) can be set to point
    anywhere, ``extra`` adds or replaces parts by name: for broken and hostile files.
    """
    locations = list(page_locations or [f"Pages/Page_{i}/Content.xml" for i in range(len(pages))])
    parts: dict[str, bytes] = {
        "OFD.xml": _ofd_xml(title, date, doc_root).encode(),
        "Doc_0/Document.xml": _document_xml(locations).encode(),
        "Doc_0/PublicRes.xml": _PUBLIC_RES.encode(),
    }
    for i, page in enumerate(pages):
        lines = [[line] if isinstance(line, str) else list(line) for line in page]
        parts[f"Doc_0/Pages/Page_{i}/Content.xml"] = _content_xml(lines, shuffle).encode()
    parts.update(extra or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buffer.getvalue()


def write_ofd(path: Path, pages: Sequence[Sequence[Sequence[str] | str]], **kwargs: object) -> Path:
    """`ofd_bytes` written to ``path``."""
    path.write_bytes(ofd_bytes(pages, **kwargs))  # type: ignore[arg-type]
    return path
