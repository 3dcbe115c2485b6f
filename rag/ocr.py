"""OCR of scanned PDF pages and of images, offline, in reading order, once per file content.

The engine is RapidOCR (PP-OCRv6 detection and recognition, ONNX weights shipped in its wheel, run by
onnxruntime), loaded on first use behind the small `Engine` protocol so that tests and scripts can
pass their own. A page's lines are put in reading order (columns left to right, each top to bottom),
lines wrapped by the layout are joined into paragraphs, and the headers, footers and page numbers
repeated on the pages of a file are dropped.

Results are cached by content: the SHA-256 of the file's bytes (and the engine's name) keys one JSON
record per page under ``RAG_OCR_CACHE`` (default ``~/.cache/rag/ocr``, or ``$RAG_CACHE_DIR/ocr``;
``off`` disables it). Re-reading an unchanged file, as every ``rag index`` does, costs no OCR, and a
file given up half-way (time limit) resumes where it stopped.

Hostile input is refused with `Unreadable` before anything large is decoded: images over
`MAX_PIXELS` (checked on the header, so a PNG claiming 50000×50000 costs nothing), files with more
than `MAX_PAGES` pages to OCR, images Pillow cannot decode.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import statistics
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .decode import Unreadable

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = [
    "MAX_PAGES",
    "MAX_PIXELS",
    "MIN_CONFIDENCE",
    "Engine",
    "Line",
    "Page",
    "Scan",
    "cache_dir",
    "drop_furniture",
    "engine",
    "ocr_image",
    "page_text",
    "read_image",
    "read_pdf_pages",
    "reading_order",
    "reporting",
    "use_engine",
]

MAX_PIXELS = 40_000_000  # per page: an A4 page scanned at 600 dpi has 35 million; Pillow warns at 89
MAX_PAGES = 200  # pages to OCR in one file: ~2 s each here, so a 200-page scan takes minutes already
MIN_CONFIDENCE = 0.85  # mean recognition score of a file under which the build reports it (clean scans: 0.95+)
RENDER_SIDE = 2000  # pixels of a rendered PDF page's longer side: RapidOCR shrinks larger images to this
MIN_IMAGE_SIDE = 32  # pixels: smaller images on a PDF page (bullets, rules, logos) are not scans
CACHE_VERSION = 1

PageHook = Callable[[str, int, int], None]
"""Told ``(source, page number, pages)`` as each page of a file is read (from the cache or by OCR)."""


# ------------------------------------------------------------------------------------------- engine


@dataclass(frozen=True)
class Line:
    """A line of text found on a page: its box ``(x0, y0, x1, y1)`` in pixels and the engine's score."""

    text: str
    box: tuple[float, float, float, float]
    score: float

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]


@dataclass(frozen=True)
class Page:
    """The lines found on one page image of ``width`` × ``height`` pixels, in the engine's order."""

    lines: tuple[Line, ...]
    width: int
    height: int

    @property
    def confidence(self) -> float | None:
        """Mean score of the page's characters (None without text)."""
        chars = sum(len(x.text) for x in self.lines)
        return sum(x.score * len(x.text) for x in self.lines) / chars if chars else None


class Engine(Protocol):
    """What OCR needs of an engine: a name that keys the cache, and the lines of an image."""

    name: str

    def read(self, image: Image) -> list[Line]: ...


class RapidOcrEngine:
    """RapidOCR with the PP-OCRv6 models its wheel ships (no download): Chinese and English. The
    models load on the first page read (~1.5 s), not before: a file read from the cache needs none."""

    def __init__(self) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            self.name = f"rapidocr-{version('rapidocr')}"  # a new version may read differently: new cache keys
        except PackageNotFoundError as exc:  # pragma: no cover - a dependency of the package
            raise Unreadable("OCR needs rapidocr: pip install rapidocr") from exc
        self._ocr: Any = None
        self._lock = threading.Lock()  # one page at a time: two cores, and the engine's state is shared

    def _model(self) -> Any:
        if self._ocr is None:
            from rapidocr import RapidOCR

            # detection on the page shrunk to 1280 pixels a side (its default grows the short side to
            # 736 or more: a whole A4 render): 30 % faster here, the same characters read on the test scans
            params = {"Global.log_level": "error", "Det.limit_type": "max", "Det.limit_side_len": 1280}
            self._ocr = RapidOCR(params=params)
        return self._ocr

    def read(self, image: Image) -> list[Line]:
        with self._lock:
            out: Any = self._model()(image.convert("RGB"))  # RapidOCROutput: boxes, txts, scores (None: no text)
        if out.boxes is None or out.txts is None or out.scores is None:
            return []
        lines = []
        for quad, text, score in zip(out.boxes, out.txts, out.scores, strict=True):
            xs, ys = [float(p[0]) for p in quad], [float(p[1]) for p in quad]
            if text.strip():
                lines.append(Line(str(text), (min(xs), min(ys), max(xs), max(ys)), float(score)))
        return lines


_INJECTED: list[Engine] = []


@lru_cache(maxsize=1)
def _default_engine() -> Engine:
    return RapidOcrEngine()


def engine() -> Engine:
    """The engine in use: one given to `use_engine`, else RapidOCR (its models load on the first page)."""
    return _INJECTED[-1] if _INJECTED else _default_engine()


@contextlib.contextmanager
def use_engine(given: Engine) -> Iterator[Engine]:
    """Read with ``given`` inside the block (a test's counting engine, a faster model)."""
    _INJECTED.append(given)
    try:
        yield given
    finally:
        _INJECTED.remove(given)


_REPORT: ContextVar[PageHook | None] = ContextVar("rag_ocr_report", default=None)


@contextlib.contextmanager
def reporting(hook: PageHook) -> Iterator[None]:
    """Tell ``hook`` of every page read inside the block (the CLI draws a progress bar), in this
    thread or context only: the loaders know nothing of the interface."""
    token = _REPORT.set(hook)
    try:
        yield
    finally:
        _REPORT.reset(token)


# ------------------------------------------------------------------------------------ reading order


def _median_height(lines: Sequence[Line]) -> float:
    return statistics.median(x.height for x in lines) if lines else 0.0


def _gutters(lines: Sequence[Line], height: float) -> list[float]:
    """x positions of the gaps between columns. A gutter is a stretch at least a line high that
    few of the narrow lines (under half the text's width: a column's lines) cross, at most one in
    seven (a centred header or title may), with three or more of them wholly on each side. Wide lines
    (one-column text) are left out; a line that crosses a gutter cuts the page (`reading_order`)."""
    if not lines:
        return []
    left, right = min(x.box[0] for x in lines), max(x.box[2] for x in lines)
    narrow = [x for x in lines if x.box[2] - x.box[0] < 0.5 * (right - left)]
    if len(narrow) < 6:
        return []
    step = max(1.0, height / 4)
    bins = int((right - left) / step) + 1
    cover = [0] * bins
    for x in narrow:
        for b in range(int((x.box[0] - left) / step), min(bins, int((x.box[2] - left) / step) + 1)):
            cover[b] += 1
    gutters: list[float] = []
    run: list[int] = []
    for b in [*range(bins), bins]:  # the last index closes a run at the right edge
        if b < bins and cover[b] <= len(narrow) / 7:
            run.append(b)
            continue
        if run and len(run) * step >= height:
            lo, hi = left + run[0] * step, left + (run[-1] + 1) * step
            if sum(x.box[2] <= hi for x in narrow) >= 3 and sum(x.box[0] >= lo for x in narrow) >= 3:
                mid = (lo + hi) / 2
                if sum(x.box[2] <= mid for x in narrow) >= 3 and sum(x.box[0] >= mid for x in narrow) >= 3:
                    gutters.append(mid)
        run = []
    return gutters


def _rows(lines: Sequence[Line], height: float) -> list[list[Line]]:
    """Lines grouped into visual rows (centres within half a line height), top to bottom, each
    row left to right: one printed line that the detector found in pieces."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda x: (x.box[1] + x.box[3]) / 2):
        centre = (line.box[1] + line.box[3]) / 2
        if rows and abs(centre - sum((x.box[1] + x.box[3]) / 2 for x in rows[-1]) / len(rows[-1])) < height / 2:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [sorted(row, key=lambda x: x.box[0]) for row in rows]


def reading_order(lines: Sequence[Line]) -> list[list[list[Line]]]:
    """A page's lines as blocks of rows in reading order: the page is cut across at every line that
    crosses a column gutter (a title over two columns, a table row); in between, each column is
    read top to bottom, the columns left to right."""
    height = _median_height(lines)
    gutters = _gutters(lines, height)
    blocks: list[list[list[Line]]] = []
    band: list[Line] = []

    def flush() -> None:
        for column in range(len(gutters) + 1):
            inside = [x for x in band if _column(x, gutters) == column]
            if inside:
                blocks.append(_rows(inside, height))
        band.clear()

    for row in _rows(lines, height):
        if any(x.box[0] < g < x.box[2] for x in row for g in gutters):
            flush()
            blocks.append([row])
        else:
            band.extend(row)
    flush()
    return blocks


def _column(line: Line, gutters: Sequence[float]) -> int:
    return sum(1 for g in gutters if (line.box[0] + line.box[2]) / 2 > g)


_LATIN_END = re.compile(r"[A-Za-z0-9,.;:%)\]-]$")
_LATIN_START = re.compile(r"^[A-Za-z0-9(\[]")


def _join(a: str, b: str) -> str:
    """Two pieces of one line or paragraph: run together in Chinese, a space between Latin words."""
    return f"{a} {b}" if _LATIN_END.search(a) and _LATIN_START.search(b) else a + b


def _row_text(row: Sequence[Line]) -> str:
    text = ""
    for piece in row:
        text = _join(text, piece.text.strip()) if text else piece.text.strip()
    return text


def page_text(blocks: Sequence[Sequence[Sequence[Line]]]) -> str:
    """The text of a page in reading order, one paragraph a line. A row runs on into the next when
    it reaches the right edge of its block (within 1.5 characters), the next is not indented and
    follows at most a line height below: the layout wrapped it, as `_PDF_WRAP` undoes for PDFs. The
    last row of a column runs on into the first of the next column on the same terms (blocks of two
    rows or more: a title alone on its row is a block of one)."""
    out: list[str] = []
    paragraph, open_end = "", False  # the paragraph being read; did the last block end on a full row
    for rows in blocks:
        if not rows:
            continue
        lines = [x for row in rows for x in row]
        height = _median_height(lines)
        left, right = min(x.box[0] for x in lines), max(x.box[2] for x in lines)
        prev: Sequence[Line] | None = None
        for row in rows:
            first = row[0]
            indented = first.box[0] > left + 1.0 * height
            if prev is None:
                runs_on = open_end and len(rows) > 1 and not indented
            else:
                full = prev[-1].box[2] >= right - 1.5 * height
                runs_on = full and not indented and first.box[1] - max(x.box[3] for x in prev) < height
            if runs_on:
                paragraph = _join(paragraph, _row_text(row))
            else:
                if paragraph:
                    out.append(paragraph)
                paragraph = _row_text(row)
            prev = row
        open_end = len(rows) > 1 and prev is not None and prev[-1].box[2] >= right - 1.5 * height
    if paragraph:
        out.append(paragraph)
    return "\n".join(out)


_PAGE_NUMBER = re.compile(
    r"^[-—–－·\s]*(?:第\s*\d+\s*页(?:\s*[/／,，]?\s*共\s*\d+\s*页)?|\d+\s*(?:[/／]\s*\d+)?|[Pp]age\s*\d+(?:\s*of\s*\d+)?)[-—–－·\s]*$"
)
MARGIN = 0.1  # share of a page's height at its top and bottom where headers and footers are


def _in_margin(line: Line, page: Page) -> bool:
    return line.box[3] <= MARGIN * page.height or line.box[1] >= (1 - MARGIN) * page.height


def _furniture_key(text: str) -> str:
    """A margin line with its numbers blanked: "第3页" and "第4页" are one footer."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def drop_furniture(pages: Sequence[Page]) -> list[Page]:
    """The pages without their running headers, footers and page numbers: lines in the top or
    bottom tenth of a page that look like a page number, or that recur (numbers aside) on at least
    half of the file's pages, two at least."""
    seen = Counter(key for page in pages for key in {_furniture_key(x.text) for x in page.lines if _in_margin(x, page)})
    repeated = {key for key, n in seen.items() if n >= max(2, len(pages) / 2)}
    return [
        Page(
            tuple(
                x
                for x in page.lines
                if not (_in_margin(x, page) and (_PAGE_NUMBER.match(x.text) or _furniture_key(x.text) in repeated))
            ),
            page.width,
            page.height,
        )
        for page in pages
    ]


# -------------------------------------------------------------------------------------------- cache


def cache_dir() -> Path | None:
    """Where OCR results are kept: ``RAG_OCR_CACHE``, else ``ocr`` under ``RAG_CACHE_DIR`` or
    ``~/.cache/rag``; None when ``RAG_OCR_CACHE`` is ``off``."""
    given = os.environ.get("RAG_OCR_CACHE", "").strip()
    if given.lower() in ("off", "none", "0"):
        return None
    if given:
        return Path(given)
    return Path(os.environ.get("RAG_CACHE_DIR") or Path.home() / ".cache" / "rag") / "ocr"


def _cache_path(key: str, number: int) -> Path | None:
    root = cache_dir()
    return None if root is None else root / key[:2] / key / f"{number}.json"


def _cached(key: str, number: int) -> Page | None:
    """A page read before, or None (absent, unreadable, another format: read again)."""
    path = _cache_path(key, number)
    try:
        if path is None or not path.is_file():
            return None
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("version") != CACHE_VERSION:
            return None
        lines = tuple(
            Line(str(t), (float(x0), float(y0), float(x1), float(y1)), float(s))
            for t, x0, y0, x1, y1, s in record["lines"]
        )
        return Page(lines, int(record["width"]), int(record["height"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store(key: str, number: int, page: Page) -> None:
    """Keep a page's lines (written whole, then renamed in: a reader never sees half a record). A
    cache that cannot be written costs the next run its OCR, nothing else."""
    path = _cache_path(key, number)
    if path is None:
        return
    record = {
        "version": CACHE_VERSION,
        "width": page.width,
        "height": page.height,
        "lines": [[x.text, *(round(v, 1) for v in x.box), round(x.score, 4)] for x in page.lines],
    }
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)


def _key(data: bytes, engine_name: str) -> str:
    h = hashlib.sha256(data)
    h.update(b"\x00" + engine_name.encode("utf-8"))
    return h.hexdigest()


# ------------------------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class Scan:
    """What OCR read from a file: the text of each page read (page number → text, in reading order,
    furniture dropped), its mean confidence, and how many pages were OCRed now (not cached)."""

    texts: dict[int, str]
    confidence: float | None
    ocred: int


def ocr_image(image: Image, given: Engine | None = None) -> Page:
    """The lines of one image, as the engine returns them (see `reading_order`, `page_text`)."""
    _check_pixels(image.width, image.height)
    return Page(tuple((given or engine()).read(image)), image.width, image.height)


def _check_pixels(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise Unreadable(
            f"image of {width}×{height} pixels, over the limit of {MAX_PIXELS // 1_000_000} million for OCR"
        )


def _scan(
    data: bytes,
    source: str,
    numbers: Sequence[int],
    render: Callable[[int], Image],
    before_ocr: Callable[[], None] | None,
) -> Scan:
    """OCR the pages ``numbers`` (1-based) of a file, from the cache when read before; ``render``
    gives a page's image, only for pages not cached; ``before_ocr`` is called before each OCR (the
    loader gives each page its own time budget)."""
    if len(numbers) > MAX_PAGES:
        raise Unreadable(f"{len(numbers)} pages need OCR, over the limit of {MAX_PAGES} per file; split the file")
    if not numbers:
        return Scan({}, None, 0)  # no engine loaded for blank pages
    used = engine()
    key = _key(data, used.name)
    report = _REPORT.get()
    pages, ocred = [], 0
    for i, number in enumerate(numbers, 1):
        page = _cached(key, number)
        if page is None:
            if before_ocr is not None:
                before_ocr()
            page = ocr_image(render(number), used)
            _store(key, number, page)
            ocred += 1
        pages.append(page)
        if report is not None:
            report(source, i, len(numbers))
    kept = drop_furniture(pages)
    texts = {n: page_text(reading_order(p.lines)) for n, p in zip(numbers, kept, strict=True)}
    scores = [(c, sum(len(x.text) for x in p.lines)) for p in pages if (c := p.confidence) is not None]
    chars = sum(n for _, n in scores)
    confidence = sum(c * n for c, n in scores) / chars if chars else None
    return Scan(texts, confidence, ocred)


_IMAGE_FORMATS = ["PNG", "JPEG", "TIFF"]


def read_image(data: bytes, source: str, before_ocr: Callable[[], None] | None = None) -> Scan:
    """OCR an image file (``.png``, ``.jpg``, ``.tif``; each frame of a TIFF is a page). Its size
    is checked on the header before any pixel is decoded."""
    from PIL import Image as PILImage
    from PIL import ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():  # over 89 million pixels Pillow only warns: refuse those too
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            image = PILImage.open(io.BytesIO(data), formats=_IMAGE_FORMATS)
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as exc:
        raise Unreadable(f"image too large to decode ({_first_line(exc)})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise Unreadable(f"not an image Pillow can read ({_first_line(exc)})") from exc
    frames = getattr(image, "n_frames", 1)
    _check_pixels(image.width, image.height)

    def render(number: int) -> Image:
        try:
            image.seek(number - 1)
            _check_pixels(image.width, image.height)
            frame = ImageOps.exif_transpose(image)  # a photo taken sideways
            frame.load()
            return frame
        except (OSError, SyntaxError, ValueError, EOFError, PILImage.DecompressionBombError) as exc:
            raise Unreadable(f"broken or truncated image ({_first_line(exc)})") from exc

    return _scan(data, source, range(1, frames + 1), render, before_ocr)


# pdfium is not thread-safe: one document at a time, whatever thread reads it (web uploads)
_PDFIUM = threading.Lock()


def _pdf_images(page: Any) -> list[tuple[int, int]]:
    """Pixel sizes of the images on a PDF page, inside form XObjects too, read from their
    dictionaries (nothing is decoded)."""
    import pypdfium2 as pdfium

    sizes = []
    for obj in page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE], max_depth=4):
        with contextlib.suppress(Exception):  # a broken image dictionary: not an image to read
            sizes.append(tuple(obj.get_px_size()))
    return [(int(w), int(h)) for w, h in sizes]


def read_pdf_pages(
    data: bytes,
    numbers: Sequence[int],
    source: str,
    before_ocr: Callable[[], None] | None = None,
    garbled: Collection[int] = (),
) -> Scan:
    """OCR those of the pages ``numbers`` (1-based) of a PDF that hold a picture at least
    `MIN_IMAGE_SIDE` pixels a side (a scan), or whose text layer is ``garbled`` (fonts drawn
    right, mapped to the wrong characters); blank pages are skipped, not OCRed.

    Pages are rendered with pdfium (pypdfium2) rather than their embedded images taken out with
    pypdf: both take 30-60 ms a page here (OCR takes 2 s), but a render is the page as it is seen,
    whatever the image encoding (JBIG2, CCITT, JPX: pypdf needs more libraries for them), the
    number of images (strips, masks), their placement and rotation, or vector text drawn over
    them. Each image's pixel size is checked before the page is rendered, and the render is at
    most `RENDER_SIDE` pixels a side, so a PDF claiming a huge image costs nothing."""
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise Unreadable("OCR of PDF pages needs pypdfium2: pip install pypdfium2") from exc
    with _PDFIUM:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise Unreadable(f"PDF cannot be rendered for OCR ({_first_line(exc)})") from exc
        try:
            scanned = []
            for number in numbers:
                sizes = _pdf_images(pdf[number - 1])
                for w, h in sizes:
                    if w * h > MAX_PIXELS:
                        raise Unreadable(
                            f"page {number} holds an image of {w}×{h} pixels, over the limit of "
                            f"{MAX_PIXELS // 1_000_000} million for OCR"
                        )
                if number in garbled or any(min(w, h) >= MIN_IMAGE_SIDE for w, h in sizes):
                    scanned.append(number)

            def render(number: int) -> Image:
                page = pdf[number - 1]
                scale = RENDER_SIDE / max(page.get_width(), page.get_height(), 1.0)
                image: Image = page.render(scale=min(scale, 300 / 72), grayscale=True).to_pil()
                return image

            return _scan(data, source, scanned, render, before_ocr)
        finally:
            pdf.close()


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
