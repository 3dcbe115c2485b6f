"""Retrieval against baselines, index build speed and query latency, in one process.

For each data set — CMRC2018 dev, DRCD dev (Traditional Chinese), and the meeting reports with the
project's own questions — every method runs on the same chunks (400 characters, title and date in
front) and the same model (m3e-small):

- BM25 alone (this project's jieba tokens),
- dense alone (fp32 sentence-transformers vectors, exact FAISS search),
- the plain LangChain recipe: ``HuggingFaceEmbeddings`` + ``FAISS.from_documents`` + ``similarity_search``,
- plain reciprocal-rank fusion of BM25 and dense,
- this project's retrieval on fp32 vectors, and on the ONNX int8 vectors that ``rag index`` builds.

The LangChain build is the plain fp32 encoder's throughput; ``rag index``'s is timed on the same
chunks. Writes the tables and ``bench/benchmarks.png`` into BENCHMARKS.md.

    python bench/bench_retrieval.py [--only cmrc,drcd,meetings]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from baselines import rrf  # noqa: E402
from report import replace_section  # noqa: E402

from rag import Assistant  # noqa: E402
from rag.chunking import chunk_document, index_text  # noqa: E402
from rag.embed import OnnxEmbedder, resolve_model  # noqa: E402
from rag.evaluate import answer_key, evaluate, load_dataset  # noqa: E402
from rag.loaders import load  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
WORK = ROOT / "bench" / ".cache" / "retrieval"
KS = list(range(1, 21))
METHODS = [
    ("bm25", "BM25 alone (jieba)"),
    ("dense", "dense alone (fp32, exact)"),
    ("langchain", "LangChain FAISS.from_documents + similarity_search"),
    ("rrf", "plain RRF of BM25 and dense"),
    ("ours-fp32", "this project, fp32 vectors"),
    ("ours", "**this project (`rag index`: ONNX int8)**"),
]


def datasets(only: set[str]):
    if "cmrc" in only:
        ds = load_dataset(DATA / "cmrc2018" / "cmrc2018_dev.json")
        yield "cmrc", "CMRC2018 dev", list(ds.documents or ()), ds
    if "drcd" in only:
        ds = load_dataset(DATA / "drcd" / "DRCD_dev.json")
        yield "drcd", "DRCD dev (Traditional)", list(ds.documents or ()), ds
    if "meetings" in only:
        docs = load([ROOT / "corpus", DATA / "xinwenlianbo" / "meetings.jsonl"]).documents
        ds = load_dataset(ROOT / "bench" / "questions_meetings.jsonl")
        yield "meetings", "meetings (dev questions)", docs, ds


def ranks(ranked: list[str], gold: str) -> int | None:
    return next((i for i, d in enumerate(ranked) if d == gold), None)


def run_dataset(key: str, label: str, documents, ds) -> dict:
    questions = [q for q in ds.questions if q.doc_id]
    print(f"== {label}: {len(documents)} documents, {len(questions)} questions", file=sys.stderr)
    chunks = [c for d in documents for c in chunk_document(d, 400, 80)]
    texts = [index_text(c) for c in chunks]
    out: dict = {"label": label, "docs": len(documents), "chunks": len(chunks), "questions": len(questions)}

    # -- the plain LangChain recipe; its build time is the plain fp32 encoder's throughput
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document as LCDocument
    from langchain_huggingface import HuggingFaceEmbeddings

    emb = HuggingFaceEmbeddings(model_name=resolve_model("m3e-small"), model_kwargs={"device": "cpu"})
    emb.embed_query("预热")
    lc_docs = [LCDocument(page_content=t, metadata={"doc_id": c.doc_id}) for t, c in zip(texts, chunks, strict=True)]
    t0 = time.perf_counter()
    db = FAISS.from_documents(lc_docs, emb)
    out["plain_chunks_per_s"] = len(chunks) / (time.perf_counter() - t0)
    print(f"   plain encoder (LangChain build): {out['plain_chunks_per_s']:.1f} chunks/s", file=sys.stderr)

    # -- this project's index, fp32 and int8, built from scratch on the same documents
    built = {}
    for backend, name in (("torch", "fp32"), ("onnx-int8", "int8")):
        index = WORK / f"{key}-{name}"
        shutil.rmtree(index, ignore_errors=True)
        t0 = time.perf_counter()
        a = Assistant.from_documents(documents, index, backend=backend)
        seconds = time.perf_counter() - t0
        assert a.last_build is not None
        out[f"{name}_build_s"] = seconds
        out[f"{name}_chunks_per_s"] = a.last_build.chunks / seconds
        out[f"{name}_index_mb"] = sum(f.stat().st_size for f in index.rglob("*") if f.is_file()) / 2**20
        built[name] = a
        print(f"   rag index ({backend}): {seconds:.1f} s, {out[f'{name}_chunks_per_s']:.1f} chunks/s", file=sys.stderr)
    fp32, int8 = built["fp32"], built["int8"]
    fp32.search("预热")
    int8.search("预热")

    def rank_docs(method: str, q: str) -> list[str]:
        if method == "langchain":
            return [d.metadata["doc_id"] for d in db.similarity_search(q, k=40)]
        if method == "rrf":
            return rrf(fp32, q)
        a, mode = {
            "bm25": (fp32, "bm25"),
            "dense": (fp32, "dense"),
            "ours-fp32": (fp32, "hybrid"),
            "ours": (int8, "hybrid"),
        }[method]
        return [h.chunk.doc_id for h in a.retriever.search(q, 40, mode=mode)]

    for method, _ in METHODS:
        found, lat = [], []
        for q in questions:
            t0 = time.perf_counter()
            ranked = list(dict.fromkeys(rank_docs(method, q.question)))
            lat.append((time.perf_counter() - t0) * 1000)
            found.append(ranks(ranked, q.doc_id))
        n = len(questions)
        out[method] = {
            "curve": [sum(r is not None and r < k for r in found) / n for k in KS],
            "mrr@10": sum(1.0 / (r + 1) for r in found if r is not None and r < 10) / n,
            "p50": statistics.median(lat),
            "p95": float(np.percentile(lat, 95)),
        }
        c = out[method]["curve"]
        print(
            f"   {method:10} R@1 {c[0]:.4f} R@5 {c[4]:.4f} R@20 {c[19]:.4f} MRR@10 {out[method]['mrr@10']:.4f}",
            file=sys.stderr,
        )

    # -- answers, as `rag eval` measures them (int8 index, k = 5)
    out["eval"] = evaluate(int8, ds, k=5)
    out["misses"] = miss_kinds(int8, ds)
    return out


def miss_kinds(a: Assistant, ds, k: int = 5) -> dict[str, int]:
    """Why answers miss: abstained, gold document not retrieved, gold text not in the passages (a
    long or differently written answer), or the right passage but another sentence quoted."""
    kinds = {
        "hit": 0,
        "abstained": 0,
        "gold document not in top k": 0,
        "gold answer not in the passages": 0,
        "right passage, other sentence quoted": 0,
    }
    for q in ds.questions:
        if not q.doc_id:
            continue
        hits = a.search(q.question, k)
        ans = a.answerer.answer(q.question, hits)
        gold = [answer_key(g) for g in q.answers]
        if ans.found and any(g in answer_key(ans.text) for g in gold):
            kinds["hit"] += 1
        elif not ans.found:
            kinds["abstained"] += 1
        elif q.doc_id not in [h.chunk.doc_id for h in hits]:
            kinds["gold document not in top k"] += 1
        elif not any(g in answer_key(h.chunk.text) for h in hits for g in gold):
            kinds["gold answer not in the passages"] += 1
        else:
            kinds["right passage, other sentence quoted"] += 1
    return kinds


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results) + 1, figsize=(5 * (len(results) + 1), 4.2))
    names = {
        "bm25": "BM25",
        "dense": "dense fp32",
        "langchain": "LangChain FAISS",
        "rrf": "plain RRF",
        "ours-fp32": "ours fp32",
        "ours": "ours (ONNX int8)",
    }
    for ax, r in zip(axes, results.values(), strict=False):
        for method, _ in METHODS:
            ax.plot(
                KS,
                r[method]["curve"],
                marker="o",
                markersize=3,
                label=names[method],
                linewidth=2.5 if method == "ours" else 1.2,
            )
        ax.set_title(
            r["label"].replace("(Traditional)", "(Trad.)").replace("meetings (dev questions)", "meeting reports")
        )
        ax.set_xlabel("k (documents)")
        ax.set_ylabel("recall@k")
        ax.set_xticks([1, 5, 10, 15, 20])
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="lower right")
    ax = axes[-1]
    labels = list(results)
    x = np.arange(len(labels))
    width = 0.13
    for i, (method, _) in enumerate(METHODS):
        ax.bar(x + (i - 2.5) * width, [results[k][method]["p50"] for k in labels], width, label=names[method])
    ax.set_xticks(x, labels)
    ax.set_ylabel("query latency p50 (ms)")
    ax.set_title("latency per question, model loaded")
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write(results: dict, out: Path) -> None:
    head = "| method | " + " | ".join(f"{r['label']}: R@1 | R@5 | R@20 | MRR@10" for r in results.values()) + " |"
    sep = "|---|" + "---|---|---|---|" * len(results)
    rows = []
    for method, name in METHODS:
        cells = []
        for r in results.values():
            c = r[method]["curve"]
            cells.append(f"{c[0]:.3f} | {c[4]:.3f} | {c[19]:.3f} | {r[method]['mrr@10']:.3f}")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    lat_rows = [
        f"| {name} | " + " | ".join(f"{r[m]['p50']:.1f} / {r[m]['p95']:.1f}" for r in results.values()) + " |"
        for m, name in METHODS
    ]
    speed_rows = []
    for r in results.values():
        ratio = r["int8_chunks_per_s"] / r["plain_chunks_per_s"]
        speed_rows.append(
            f"| {r['label']} | {r['docs']} | {r['chunks']} | {r['plain_chunks_per_s']:.1f} | {r['fp32_chunks_per_s']:.1f} "
            f"| **{r['int8_chunks_per_s']:.1f}** ({ratio:.1f}×) | {r['int8_build_s']:.0f} s | {r['int8_index_mb']:.1f} MB |"
        )
    ans_rows = []
    for r in results.values():
        e = r["eval"]
        d = r["ours"]["curve"][4] - r["ours-fp32"]["curve"][4]
        ans_rows.append(
            f"| {r['label']} | {e['n_questions']} | {e['answer_hit']:.3f} | {e['citation_precision']:.3f} "
            f"| {e['false_abstention_rate']:.3f} | {d:+.4f} |"
        )
    section = f"""## Retrieval against baselines: CMRC2018, DRCD, meeting reports

Command: `python bench/bench_retrieval.py` — run {time.strftime("%Y-%m-%d")}, {platform.machine()}, {os.cpu_count()} cores,
no GPU, Python {platform.python_version()}. One process; every method on the same chunks (400
characters, overlap 80, title and date in front) and the same model, m3e-small. Document level: a hit
is a passage of the gold document; every context of CMRC/DRCD is one document.

![recall@k and latency](bench/benchmarks.png)

### Recall and MRR

{head}
{sep}
{chr(10).join(rows)}

### Query latency, model loaded (p50 / p95 ms; ours includes nothing else, `rag ask` adds the answer)

| method | {" | ".join(r["label"] for r in results.values())} |
|---|{"---|" * len(results)}
{chr(10).join(lat_rows)}

### Index build speed on the same chunks

| data | documents | chunks | plain fp32 encoder (LangChain build), chunks/s | `rag index` fp32, chunks/s | `rag index` ONNX int8, chunks/s | build time | index on disk |
|---|---|---|---|---|---|---|---|
{chr(10).join(speed_rows)}

`rag index` times are whole builds (reading, chunking, tokenizing, embedding, writing), the plain
encoder's only embedding. The ONNX model is exported and quantized once per machine (a few seconds,
cached under `~/.cache/rag/onnx`) and not counted.

### Answers (`rag eval`, ONNX int8 index, k = 5) and the int8 cost

| data | questions | answer hit | citation precision | false abstention | R@5 int8 − fp32 |
|---|---|---|---|---|---|
{chr(10).join(ans_rows)}

Why answers miss (counts of answerable questions):

| data | {" | ".join(next(iter(results.values()))["misses"])} |
|---|{"---|" * len(next(iter(results.values()))["misses"])}
{chr(10).join(f"| {r['label']} | " + " | ".join(str(v) for v in r["misses"].values()) + " |" for r in results.values())}
"""
    replace_section(out, "## Retrieval against baselines", section, first=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="cmrc,drcd,meetings")
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = ap.parse_args()
    _ = OnnxEmbedder().dim  # export and quantize once, outside the timings
    results = {key: run_dataset(key, label, docs, ds) for key, label, docs, ds in datasets(set(args.only.split(",")))}
    plot(results, ROOT / "bench" / "benchmarks.png")
    write(results, Path(args.out))
    print(Path(args.out).read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
