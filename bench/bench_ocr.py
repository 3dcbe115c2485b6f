"""OCR of scanned pages: speed (pages/s) and character accuracy on this machine.

Renders ``--pages`` pages of invented minutes (`tests.scans`: A4 at 150 dpi, WenQuanYi Micro Hei,
a running header and page numbers, every fourth page in two columns) into an image-only PDF, reads
it through the loader (`rag.loaders.load`: pdfium render, RapidOCR, reading order, headers dropped)
with an empty OCR cache, then again (the cache: no OCR). Also ``--photos`` photo-like JPEGs of
further pages (tilted, unevenly lit, grainy). Character accuracy is 1 - edit distance / length
against the source text, both normalized, blanks removed. Writes its section of BENCHMARKS.md.

    python bench/bench_ocr.py [--pages 20] [--photos 3]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from report import replace_section  # noqa: E402

from rag import ocr  # noqa: E402
from rag.loaders import load  # noqa: E402
from tests.scans import HEADER, accuracy, body, generated_minutes, photo, render_page, save_pdf  # noqa: E402


class Counting:
    """The engine in use, counting pages read and the seconds spent in it."""

    def __init__(self, inner: ocr.Engine) -> None:
        self.inner, self.name, self.calls, self.seconds = inner, inner.name, 0, 0.0

    def read(self, image):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return self.inner.read(image)
        finally:
            self.calls += 1
            self.seconds += time.perf_counter() - started


def _render_seconds(pdf: Path) -> tuple[float, float]:
    """Seconds a page to rasterize the scan: pdfium's render (what `rag.ocr` does) and pypdf's
    extraction of the embedded image (the alternative)."""
    import pypdfium2 as pdfium
    from pypdf import PdfReader

    data = pdf.read_bytes()
    started = time.perf_counter()
    doc = pdfium.PdfDocument(data)
    for i in range(len(doc)):
        page = doc[i]
        page.render(scale=ocr.RENDER_SIDE / max(page.get_width(), page.get_height()), grayscale=True).to_pil()
    rendered = (time.perf_counter() - started) / len(doc)
    doc.close()
    started = time.perf_counter()
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        page.images[0].image.load()
    return rendered, (time.perf_counter() - started) / len(reader.pages)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--photos", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = ap.parse_args()

    minutes = generated_minutes(args.pages + args.photos, seed=2024)
    pages = [render_page(p, n, columns=2 if n % 4 == 0 else 1) for n, p in enumerate(minutes[: args.pages], 1)]
    work = Path(tempfile.mkdtemp(prefix="bench-ocr-"))
    os.environ["RAG_OCR_CACHE"] = str(work / "cache")
    pdf = save_pdf(pages, work / "scan.pdf")
    for i, paragraphs in enumerate(minutes[args.pages :], 1):
        (work / f"photo-{i}.jpg").write_bytes(photo(render_page(paragraphs, 1)))

    started = time.perf_counter()
    engine = Counting(ocr.engine())
    engine.inner.read(pages[0].crop((0, 0, 200, 200)))  # load the models
    load_seconds = time.perf_counter() - started
    load_avg = os.getloadavg()[0]

    with ocr.use_engine(engine):
        started = time.perf_counter()
        doc = load(pdf).documents[0]
        first = time.perf_counter() - started
        ocred, ocr_seconds = engine.calls, engine.seconds
        started = time.perf_counter()
        load(pdf)
        again = time.perf_counter() - started
        again_ocred = engine.calls - ocred
        photos = []
        for i in range(1, args.photos + 1):
            read = load(work / f"photo-{i}.jpg").documents[0].text
            photos.append(accuracy(read, HEADER + "\n" + body(minutes[args.pages + i - 1])))  # one image: header kept

    starts = [*doc.meta["page_starts"], len(doc.text)]
    per_page = [accuracy(doc.text[starts[i] : starts[i + 1]], body(minutes[i])) for i in range(args.pages)]
    whole = accuracy(doc.text, "\n".join(body(p) for p in minutes[: args.pages]))
    two_column = [a for n, a in enumerate(per_page, 1) if n % 4 == 0]
    rendered, extracted = _render_seconds(pdf)

    rows = [
        ("pages OCRed (first read)", f"{ocred} of {args.pages}"),
        ("pages/s, whole file through the loader", f"{args.pages / first:.2f}"),
        ("seconds a page in the engine", f"{ocr_seconds / max(1, ocred):.2f}"),
        ("engine load (first use)", f"{load_seconds:.1f} s"),
        ("second read of the unchanged file", f"{again:.2f} s, {again_ocred} pages OCRed"),
        ("character accuracy, whole scan", f"{whole:.4f}"),
        ("character accuracy per page: min / median", f"{min(per_page):.4f} / {statistics.median(per_page):.4f}"),
        ("character accuracy, two-column pages (min)", f"{min(two_column):.4f}" if two_column else "–"),
        (f"character accuracy, {args.photos} photo-like JPEGs (min)", f"{min(photos):.4f}" if photos else "–"),
        ("mean OCR confidence", f"{doc.meta.get('ocr_confidence', 0):.3f}"),
        (
            "rasterize a page: pdfium render / pypdf image extraction",
            f"{rendered * 1000:.0f} / {extracted * 1000:.0f} ms",
        ),
    ]
    table = "\n".join(["| measure | value |", "| --- | --- |", *(f"| {k} | {v} |" for k, v in rows)])
    section = f"""## OCR of scanned pages (rapidocr)

Command: `python bench/bench_ocr.py --pages {args.pages} --photos {args.photos}` — run {time.strftime("%Y-%m-%d")}, \
{platform.machine()}, {os.cpu_count()} cores, no GPU, load average {load_avg:.1f} at the start (the machine is shared: \
times vary with it). Engine `{engine.name}` (PP-OCRv6 small, ONNX, weights in the wheel).

Pages: invented minutes (~300 characters a page, `tests/scans.py`), A4 rendered at 150 dpi with WenQuanYi Micro Hei, a
running header and "- n -" page numbers, every fourth page in two columns, saved as an image-only PDF; accuracy is
1 - edit distance / length against the source text (headers and page numbers are expected to be dropped).

{table}

Rasterizing is under 5 % of a page's time either way; pdfium is used for it renders whatever the page holds (several
images, JBIG2/CCITT, vector text over a scan). The cache keys pages by the file's SHA-256, so re-indexing an
unchanged scan reads JSON only.
"""
    print(section)
    replace_section(Path(args.out), "## OCR of scanned pages", section)


if __name__ == "__main__":
    main()
