"""Headings in the indexed text: retrieval and answers with and without them, in one process.

Each chunk's keyword text (`rag.chunking.index_text`) holds the title, the date, then the heading
path in force where the chunk starts (``三、2025年政府工作任务 > （一）大力提振消费``); its embedded
text (`embed_text`) only title, date and passage. This compares, on the same documents and model
(m3e-small, ONNX int8):

- **without**: every chunk's heading left empty (the indexed texts before headings), the baseline
  measured in the same run;
- **keywords**: `rag index` as it is, headings in the keyword text only;
- **both**: headings in the embedded text too (tried first; it lowered dense recall, see BENCHMARKS.md).

Sets: the meeting reports (sample report + meetings.jsonl) with the dev and held-out questions,
the government work reports with the year questions (`questions_gwr_years*.jsonl`, gold by title),
and CMRC2018 dev (few headings: a check that nothing else moves). Document level, as
``bench_retrieval.py``: a hit is a passage of the gold document. Writes its section of BENCHMARKS.md.

    python bench/bench_structure.py [--only meetings,gwr,cmrc]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from report import replace_section  # noqa: E402

import rag.store  # noqa: E402
from rag import Assistant  # noqa: E402
from rag.chunking import chunk_document, index_text  # noqa: E402
from rag.evaluate import Question, answer_key, load_dataset  # noqa: E402
from rag.loaders import load  # noqa: E402
from rag.normalize import normalize  # noqa: E402
from rag.types import Chunk, Document  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
WORK = ROOT / "bench" / ".cache" / "structure"
MODES = ("hybrid", "bm25", "dense")
VARIANTS = ("without", "keywords", "both")


@contextmanager
def variant(name: str) -> Iterator[None]:
    """Builds inside chunk as the variant does: ``without`` leaves every heading empty (the indexed
    texts before headings), ``both`` embeds the keyword text (headings included), ``keywords`` is
    `rag index` as it is."""

    def plain(doc: Document, size: int = 400, overlap: int = 80) -> list[Chunk]:
        return [replace(c, heading="") for c in chunk_document(doc, size, overlap)]

    saved = rag.store.chunk_document, rag.store.embed_text
    if name == "without":
        rag.store.chunk_document = plain
    elif name == "both":
        rag.store.embed_text = index_text
    try:
        yield
    finally:
        rag.store.chunk_document, rag.store.embed_text = saved


def datasets(only: set[str]) -> Iterator[tuple[str, str, list[Document], list[Question], Callable[[Chunk], str]]]:
    """(key, label, documents, questions, the gold key of a chunk) of each set asked for."""
    by_id: Callable[[Chunk], str] = lambda c: c.doc_id  # noqa: E731
    if "meetings" in only:
        docs = load([ROOT / "corpus", DATA / "xinwenlianbo" / "meetings.jsonl"]).documents
        qs = [
            q
            for f in ("questions_meetings.jsonl", "questions_meetings_heldout.jsonl")
            for q in load_dataset(ROOT / "bench" / f).questions
        ]
        yield "meetings", "meeting reports (dev + held-out)", docs, qs, by_id
    if "gwr" in only:
        docs = load([DATA / "gov_work_reports" / "government_work_reports.jsonl"]).documents
        qs = [
            replace(q, doc_id=normalize(q.doc_id) if q.doc_id else None)
            for f in ("questions_gwr_years.jsonl", "questions_gwr_years_heldout.jsonl")
            for q in load_dataset(ROOT / "bench" / f).questions
        ]
        yield "gwr", "government work reports (year questions)", docs, qs, lambda c: normalize(c.title)
    if "cmrc" in only:
        ds = load_dataset(DATA / "cmrc2018" / "cmrc2018_dev.json")
        yield "cmrc", "CMRC2018 dev", list(ds.documents or ()), list(ds.questions), by_id


def score(a: Assistant, qs: list[Question], key: Callable[[Chunk], str]) -> dict[str, float]:
    """R@1, R@5, MRR@10 of each retrieval mode; answer hit and false abstention of the extractive
    answer on the top 5 hybrid passages; abstention on the unanswerable questions."""
    out: dict[str, float] = {}
    answerable = [q for q in qs if q.doc_id]
    n = max(1, len(answerable))
    for mode in MODES:
        r1 = r5 = rr = 0.0
        for q in answerable:
            ranked = list(dict.fromkeys(key(h.chunk) for h in a.retriever.search(q.question, 40, mode=mode)))
            rank = ranked.index(q.doc_id) if q.doc_id in ranked else None
            r1 += rank is not None and rank < 1
            r5 += rank is not None and rank < 5
            rr += 1.0 / (rank + 1) if rank is not None and rank < 10 else 0.0
        out |= {f"{mode} R@1": r1 / n, f"{mode} R@5": r5 / n, f"{mode} MRR@10": rr / n}
    hit = silent = 0
    for q in answerable:
        ans = a.answerer.answer(q.question, a.search(q.question, 5))
        silent += not ans.found
        hit += ans.found and any(answer_key(g) in answer_key(ans.text) for g in q.answers)
    out |= {"answer hit": hit / n, "false abstention": silent / n}
    unanswerable = [q for q in qs if not q.doc_id]
    if unanswerable:
        out["abstention (unanswerable)"] = sum(
            not a.answerer.answer(q.question, a.search(q.question, 5)).found for q in unanswerable
        ) / len(unanswerable)
    return out


def run(key: str, label: str, docs: list[Document], qs: list[Question], gold: Callable[[Chunk], str]) -> dict[str, Any]:
    print(f"== {label}: {len(docs)} documents, {len(qs)} questions", file=sys.stderr)
    result: dict[str, Any] = {"label": label, "docs": len(docs), "questions": sum(bool(q.doc_id) for q in qs)}
    for name in VARIANTS:
        t0 = time.perf_counter()
        with variant(name):
            a = Assistant.from_documents(docs, WORK / f"{key}-{name}", backend="onnx-int8")
        chunks = a.store.chunks
        result["chunks"] = len(chunks)
        if name == "keywords":
            result["with heading"] = sum(bool(c.heading) for c in chunks)
        print(f"   {name}: built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        result[name] = score(a, qs, gold)
        print(f"   {name}: {result[name]}", file=sys.stderr)
    return result


def write(results: dict[str, dict[str, Any]], out: Path) -> None:
    measures = list(next(iter(results.values()))["keywords"])
    head = "| measure | " + " | ".join(f"{r['label']}: without | keywords | both" for r in results.values()) + " |"
    sep = "|---|" + "---|---|---|" * len(results)
    rows = []
    for m in measures:
        cells = []
        for r in results.values():
            if m in r["keywords"]:
                base = r["without"][m]
                cells.append(
                    f"{base:.3f} | {r['keywords'][m]:.3f} ({r['keywords'][m] - base:+.3f}) | "
                    f"{r['both'][m]:.3f} ({r['both'][m] - base:+.3f})"
                )
            else:
                cells.append(" | | ")
        rows.append(f"| {m} | " + " | ".join(cells) + " |")
    sizes = "; ".join(
        f"{r['label']}: {r['docs']} documents, {r['chunks']} chunks, {r['with heading']} with a heading, "
        f"{r['questions']} answerable questions"
        for r in results.values()
    )
    section = f"""## Headings in the indexed text

Command: `python bench/bench_structure.py` — run {time.strftime("%Y-%m-%d")}. m3e-small (ONNX int8), 400-character
chunks. *without*: every chunk's heading left empty (the indexed texts before headings: title, date,
passage); *keywords*: the heading path after the title in the keyword text only (`rag index` now);
*both*: in the embedded text too. Document level; answers are the extractive answerer's on the top
5 hybrid passages. {sizes}.

`rag index` puts headings in the keyword text only: in the embedded text they lowered dense-only
recall on the work reports (the *dense* rows), for about the same hybrid figures.

{head}
{sep}
{chr(10).join(rows)}
"""
    replace_section(out, "## Headings in the indexed text", section)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="meetings,gwr,cmrc")
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = ap.parse_args()
    results = {
        key: run(key, label, docs, qs, gold) for key, label, docs, qs, gold in datasets(set(args.only.split(",")))
    }
    write(results, Path(args.out))
    print(Path(args.out).read_text(encoding="utf-8").split("## Headings in the indexed text")[1].split("\n## ")[0])


if __name__ == "__main__":
    main()
