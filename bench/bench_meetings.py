"""Quality and speed over the sample report + meetings.jsonl (2,428 documents).

Runs, in one process on the same index (same chunks, same model): BM25 alone, dense alone, plain
reciprocal-rank fusion of the two, and this project's hybrid retrieval; then the full `ask` path
(extractive answers) for document-in-citations, answer hit and abstention; then build speed,
incremental update time and query latency. Writes the results into BENCHMARKS.md.

    python bench/bench_meetings.py [--rebuild] [--questions bench/questions_meetings.jsonl]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from baselines import rrf  # noqa: E402
from report import replace_section  # noqa: E402

from rag import Assistant  # noqa: E402
from rag.chunking import index_text  # noqa: E402
from rag.embed import SentenceTransformerEmbedder  # noqa: E402
from rag.normalize import normalize  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "xinwenlianbo" / "meetings.jsonl"
CACHE = ROOT / "bench" / ".cache"


def doc_ranking(assistant: Assistant, question: str, mode: str, k: int) -> list[str]:
    r = assistant.retriever
    if mode == "rrf":
        return rrf(assistant, question, k)
    if mode == "hybrid-no-date":
        boost, r.date_boost = r.date_boost, 0.0
        try:
            return [h.chunk.doc_id for h in r.search(question, k)]
        finally:
            r.date_boost = boost
    return [h.chunk.doc_id for h in r.search(question, k, mode=mode)]


def mrr(ranked: list[str], gold: str) -> float:
    return next((1.0 / (i + 1) for i, d in enumerate(ranked) if d == gold), 0.0)


def evaluate(a: Assistant, path: str, k: int) -> dict:
    """Every retrieval leg, then the whole ask path, over one question file."""
    with open(path, encoding="utf-8") as f:
        questions = [json.loads(line) for line in f if line.strip()]
    answerable = [q for q in questions if q["doc_id"]]
    unanswerable = [q for q in questions if not q["doc_id"]]
    legs = {}
    for mode in ("bm25", "dense", "rrf", "hybrid-no-date", "hybrid"):
        hit1 = hit5 = rr = 0.0
        for q in answerable:
            ranked = doc_ranking(a, q["question"], mode, 10)
            hit1 += ranked[:1] == [q["doc_id"]]
            hit5 += q["doc_id"] in ranked[:k]
            rr += mrr(ranked, q["doc_id"])
        n = len(answerable)
        legs[mode] = {"r@1": hit1 / n, "r@5": hit5 / n, "mrr@10": rr / n, "hits5": int(hit5)}
        print(path, mode, legs[mode], file=sys.stderr)
    lat, in_cit, ans_hit, found_ok, misses = [], 0, 0, 0, []
    for q in questions:
        t0 = time.perf_counter()
        ans = a.ask(q["question"], k=k)
        lat.append((time.perf_counter() - t0) * 1000)
        if q["doc_id"]:
            ok_doc = q["doc_id"] in [c.doc_id for c in ans.citations]
            ok_ans = ans.found and any(normalize(g) in ans.text for g in q["answers"])
            in_cit += ok_doc
            ans_hit += ok_ans
            if not (ok_doc and ok_ans):
                misses.append((q, ans.text[:120], ok_doc))
        else:
            found_ok += not ans.found
            if ans.found:
                misses.append((q, ans.text[:120], False))
    return {
        "n": len(answerable),
        "nu": len(unanswerable),
        "legs": legs,
        "in_cit": in_cit,
        "ans_hit": ans_hit,
        "found_ok": found_ok,
        "lat": lat,
        "misses": misses,
        "file": Path(path).name,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--questions", default=str(ROOT / "bench" / "questions_meetings.jsonl"))
    ap.add_argument("--heldout", default=str(ROOT / "bench" / "questions_meetings_heldout.jsonl"))
    ap.add_argument("--rebuild", action="store_true", help="build the index from scratch (about 5 minutes)")
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = ap.parse_args()

    index = CACHE / "meetings-index"
    sources = [str(ROOT / "corpus"), str(DATA)]
    if args.rebuild and index.exists():
        shutil.rmtree(index)
    t = time.perf_counter()
    a = Assistant.build(sources, index_dir=index)
    build = a.last_build
    build_s = time.perf_counter() - t
    print(f"build: {build}", file=sys.stderr)

    a.search("预热")  # load the model
    results = {name: evaluate(a, path, args.k) for name, path in (("dev", args.questions), ("held-out", args.heldout))}

    # --- speed: plain encoder throughput on the same chunks, and an incremental update
    sample = [index_text(c) for c in a.store.chunks[:: max(1, len(a.store.chunks) // 320)][:320]]
    plain = SentenceTransformerEmbedder()
    plain.embed_query("预热")
    t0 = time.perf_counter()
    plain.embed_documents(sample)
    enc_speed = len(sample) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    a.embedder.embed_documents(sample)
    ours_speed = len(sample) / (time.perf_counter() - t0)

    inc_dir = CACHE / "incremental"
    shutil.rmtree(inc_dir, ignore_errors=True)
    shutil.copytree(ROOT / "corpus", inc_dir / "corpus")
    b = Assistant.build([inc_dir / "corpus", DATA], index_dir=index)  # same index: nothing to embed
    sample_file = next((inc_dir / "corpus").glob("*.txt"))
    sample_file.write_text(sample_file.read_text(encoding="utf-8") + "\n会后，与会人员参观了展览。", encoding="utf-8")
    (inc_dir / "corpus" / "new-report.md").write_text(
        "---\ntitle: 区政协常委会议\ndate: 2026-09-01\n---\n区政协召开常委会议，审议通过年度协商计划。",
        encoding="utf-8",
    )
    t0 = time.perf_counter()
    b = Assistant.build([inc_dir / "corpus", DATA], index_dir=index)
    inc_s = time.perf_counter() - t0
    inc = b.last_build
    Assistant.build(sources, index_dir=index)  # restore the benchmark index

    names = [
        ("bm25", "BM25 alone (jieba words + bigrams)"),
        ("dense", "dense alone (m3e-small, FAISS flat)"),
        ("rrf", "plain RRF of the two (k=60)"),
        ("hybrid-no-date", "weighted fusion without the date boost"),
        ("hybrid", "**this project: weighted fusion + date boost**"),
    ]
    dev, held = results["dev"], results["held-out"]

    def leg_row(m: str, name: str) -> str:
        cells = []
        for r in (dev, held):
            leg = r["legs"][m]
            cells.append(f"{leg['hits5']}/{r['n']} | {leg['r@1']:.3f} | {leg['mrr@10']:.3f}")
        return f"| {name} | {' | '.join(cells)} |"

    rows = "\n".join(leg_row(m, name) for m, name in names)
    lat = dev["lat"] + held["lat"]
    p50, p95 = statistics.median(lat), float(np.percentile(lat, 95))
    miss_lines = "\n".join(
        f"- `{q['type']}` {q['question']} → {'right doc' if ok else 'wrong doc' if q['doc_id'] else 'answered'}: {txt}"
        for q, txt, ok in dev["misses"]
    )
    held_types = ", ".join(f"{t} {c}" for t, c in Counter(q["type"] for q, _, _ in held["misses"]).most_common())
    section = f"""## Meeting reports: sample report + meetings.jsonl

Command: `python bench/bench_meetings.py{" --rebuild" if args.rebuild else ""}` (or `make bench`) — run {time.strftime("%Y-%m-%d")},
{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.
Index: {build.documents} documents, {build.chunks} chunks (400 characters, overlap 80), m3e-small ({a.store.model_backend}).

Two question sets, written by reading the documents, not by looking at this system's output; each has
questions about dates, people, numbers, paraphrases and topics (some in Traditional characters) and
questions the corpus cannot answer:
- **dev** (`{dev["file"]}`: {dev["n"]} answerable, {dev["nu"]} unanswerable) was used while developing
  the answerer; its misses are listed below.
- **held-out** (`{held["file"]}`: {held["n"]} answerable, {held["nu"]} unanswerable, other documents)
  was written separately; its questions were never read, but its totals were looked at after
  changes to the answerer, so it is not perfectly blind.

### Retrieval, document level (k = {args.k}), same index and model for every row

| method | dev: right doc in top {args.k} | R@1 | MRR@10 | held-out: right doc in top {args.k} | R@1 | MRR@10 |
|---|---|---|---|---|---|---|
{rows}

### Answers (`Assistant.ask`, extractive, k = {args.k})

| measure | dev | held-out |
|---|---|---|
| right document among the citations | {dev["in_cit"]}/{dev["n"]} | {held["in_cit"]}/{held["n"]} |
| answer text holds a gold answer string | {dev["ans_hit"]}/{dev["n"]} | {held["ans_hit"]}/{held["n"]} |
| `found: false` on unanswerable questions | {dev["found_ok"]}/{dev["nu"]} | {held["found_ok"]}/{held["nu"]} |

Query latency, model loaded, retrieval + answer, over all {len(lat)} questions: p50 {p50:.0f} ms, p95 {p95:.0f} ms.

### Speed

| measure | result |
|---|---|
| index build (this run{"" if args.rebuild else ": reused the cached index; run with --rebuild to time a full build"}) | {build_s:.1f} s, {build.embedded_chunks} chunks embedded{f", {build.chunks_per_second:.1f} chunks/s" if build.embedded_chunks else ""} |
| plain fp32 encoder (sentence-transformers) on {len(sample)} of the same chunks | {enc_speed:.1f} chunks/s |
| this project's encoder ({getattr(a.embedder, "backend", "?")}) on the same {len(sample)} chunks | {ours_speed:.1f} chunks/s ({ours_speed / enc_speed:.1f}×) |
| `rag index` after one file changed and one added | {inc_s:.1f} s, {inc.embedded_chunks} chunks embedded, {inc.reused_documents} documents reused |

### Misses

Dev set:
{miss_lines or "- none"}

Held-out set, by question type: {held_types or "none"}.
"""
    replace_section(Path(args.out), "## Meeting reports", section)
    print(section)


if __name__ == "__main__":
    main()
