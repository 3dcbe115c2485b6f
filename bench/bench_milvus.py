"""Searches in Milvus Lite beside the embedded store, in the same run, on the same indexes.

For each set (CMRC2018 dev, the meeting reports with their dev and held-out questions): the index is
built once with the real model (`Assistant.from_documents`, ONNX int8), measured with its own files
(bm25s + FAISS), then the same folder is given a Milvus Lite store (`store="milvus:…"`: nothing is
embedded again; the chunks, vectors and tokens are written into Milvus) and measured again. Measures:
document R@1, R@5 and MRR@10 of `Retriever.search` (hybrid, the figures of bench_retrieval.py), how
many questions rank the same documents in the same order, query latency, the time to write Milvus,
and the cost of adding and of removing one document in each store.

    python bench/bench_milvus.py [--only cmrc,meetings]
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

from report import replace_section  # noqa: E402

from rag import Assistant, milvus  # noqa: E402
from rag.evaluate import load_dataset  # noqa: E402
from rag.loaders import load  # noqa: E402
from rag.types import Document  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
WORK = ROOT / "bench" / ".cache" / "milvus"
HEADING = "## Scaling out: Milvus Lite beside the embedded store"


def datasets(only: set[str]):
    if "cmrc" in only:
        ds = load_dataset(DATA / "cmrc2018" / "cmrc2018_dev.json")
        yield "cmrc", "CMRC2018 dev", list(ds.documents or ()), [q for q in ds.questions if q.doc_id]
    if "meetings" in only:
        docs = load([ROOT / "corpus", DATA / "xinwenlianbo" / "meetings.jsonl"]).documents
        questions = []
        for name in ("questions_meetings.jsonl", "questions_meetings_heldout.jsonl"):
            questions += [q for q in load_dataset(ROOT / "bench" / name).questions if q.doc_id]
        yield "meetings", "meeting reports (dev + held-out questions)", docs, questions


def measure(a: Assistant, questions, mode: str = "hybrid") -> dict:
    a.retriever.search("预热")
    ranked, lat = [], []
    for q in questions:
        t0 = time.perf_counter()
        hits = a.retriever.search(q.question, 40, mode=mode)  # type: ignore[arg-type]
        lat.append((time.perf_counter() - t0) * 1000)
        ranked.append(list(dict.fromkeys(h.chunk.doc_id for h in hits)))
    return scores(ranked, questions, lat)


def scores(ranked: list[list[str]], questions, lat: list[float]) -> dict:
    found = [next((i for i, d in enumerate(r) if d == q.doc_id), None) for r, q in zip(ranked, questions, strict=True)]
    n = len(questions)
    return {
        "ranked": ranked,
        "r1": sum(r == 0 for r in found) / n,
        "r5": sum(r is not None and r < 5 for r in found) / n,
        "mrr": sum(1 / (r + 1) for r in found if r is not None and r < 10) / n,
        "p50": statistics.median(lat),
        "p95": float(np.percentile(lat, 95)),
    }


def bm25_function(a: Assistant, questions, client) -> dict:
    """Keyword search with Milvus's own BM25 function (its jieba analyzer over each chunk's keyword
    text), the alternative to this project's tokens as sparse vectors."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    from rag.chunking import index_text

    name = "bench_bm25_function"
    if client.has_collection(name):
        client.drop_collection(name)
    schema = MilvusClient.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field(
        "text", DataType.VARCHAR, max_length=65535, enable_analyzer=True, analyzer_params={"tokenizer": "jieba"}
    )
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(
        Function(
            name="bm25", function_type=FunctionType.BM25, input_field_names=["text"], output_field_names=["sparse"]
        )
    )
    index = MilvusClient.prepare_index_params()
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    client.create_collection(name, schema=schema, index_params=index, consistency_level="Strong")
    chunks = a.store.chunks
    for start in range(0, len(chunks), 1000):
        rows = [{"id": i, "text": index_text(chunks[i])} for i in range(start, min(start + 1000, len(chunks)))]
        client.insert(name, rows)
    client.flush(name)
    ranked, lat = [], []
    for q in questions:
        t0 = time.perf_counter()
        res = client.search(name, [q.question], anns_field="sparse", limit=40, search_params={"metric_type": "BM25"})
        lat.append((time.perf_counter() - t0) * 1000)
        ranked.append(list(dict.fromkeys(chunks[int(h["id"])].doc_id for h in res[0])))
    client.drop_collection(name)
    return scores(ranked, questions, lat)


def update_costs(a: Assistant, extra: Document) -> tuple[float, float]:
    """Seconds to add one document, then to remove it again."""
    t0 = time.perf_counter()
    a._rebuild(lambda docs: [*docs, extra])
    added = time.perf_counter() - t0
    t0 = time.perf_counter()
    a.remove([extra.doc_id])
    return added, time.perf_counter() - t0


def run(key: str, label: str, documents: list[Document], questions) -> dict:
    print(f"== {label}: {len(documents)} documents, {len(questions)} questions", file=sys.stderr)
    folder = WORK / key
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    t0 = time.perf_counter()
    local = Assistant.from_documents(documents, folder / "index", store="local")
    out: dict = {"label": label, "docs": len(documents), "chunks": len(local.store), "questions": len(questions)}
    out["build_s"] = time.perf_counter() - t0
    extra = Document(f"bench-extra-{key}", "本次会议研究部署冬季供暖保障和安全生产工作。", title="供暖保障会议")
    out["local"] = measure(local, questions)
    out["local_update"] = update_costs(local, extra)

    uri = f"milvus:{folder / 'store.db'}"
    t0 = time.perf_counter()
    on_milvus = Assistant.from_documents(documents, folder / "index", store=uri, embedder=local.embedder)
    out["sync_s"] = time.perf_counter() - t0
    assert isinstance(on_milvus.retriever.engine, milvus.MilvusEngine), "Milvus was not used"
    out["milvus"] = measure(on_milvus, questions)
    out["keyword"] = {
        "embedded": measure(local, questions, "bm25")["r5"],
        "milvus": measure(on_milvus, questions, "bm25")["r5"],
        "function": bm25_function(on_milvus, questions, on_milvus.retriever.engine.milvus.client)["r5"],  # type: ignore[attr-defined]
    }
    out["milvus_update"] = update_costs(on_milvus, extra)
    out["same_order"] = sum(
        a[:10] == b[:10] for a, b in zip(out["local"]["ranked"], out["milvus"]["ranked"], strict=True)
    ) / len(questions)
    db = folder / "store.db"  # a file, or a folder of files
    out["db_mb"] = sum(f.stat().st_size for f in [db, *db.rglob("*")] if f.is_file()) / 2**20
    milvus.disconnect(uri)
    for store in ("local", "milvus"):
        m = out[store]
        print(
            f"   {store:7} R@1 {m['r1']:.4f} R@5 {m['r5']:.4f} MRR@10 {m['mrr']:.4f} p50 {m['p50']:.1f} ms",
            file=sys.stderr,
        )
    return out


def write(results: list[dict], out: Path) -> None:
    import importlib.metadata as md

    rows = []
    for r in results:
        lo, mi = r["local"], r["milvus"]
        rows.append(
            f"| {r['label']} ({r['docs']:,} documents, {r['chunks']:,} chunks, {r['questions']} questions) "
            f"| {lo['r1']:.3f} / {mi['r1']:.3f} | {lo['r5']:.3f} / {mi['r5']:.3f} | {lo['mrr']:.3f} / {mi['mrr']:.3f} "
            f"| {r['same_order']:.3f} | {lo['p50']:.0f} / {lo['p95']:.0f} ms | {mi['p50']:.0f} / {mi['p95']:.0f} ms |"
        )
    keyword = [
        f"| {r['label']} | {r['keyword']['embedded']:.3f} | {r['keyword']['milvus']:.3f} | {r['keyword']['function']:.3f} |"
        for r in results
    ]
    costs = []
    for r in results:
        costs.append(
            f"| {r['label']} | {r['build_s']:.0f} s | {r['sync_s']:.1f} s ({r['db_mb']:.0f} MB) "
            f"| {r['local_update'][0]:.2f} s / {r['milvus_update'][0]:.2f} s "
            f"| {r['local_update'][1]:.2f} s / {r['milvus_update'][1]:.2f} s |"
        )
    section = f"""{HEADING}

Command: `python bench/bench_milvus.py` — run {time.strftime("%Y-%m-%d")}, {platform.machine()}, {os.cpu_count()} cores,
pymilvus {md.version("pymilvus")}, milvus-lite {md.version("milvus-lite")}. Each set is indexed once with the real model
(m3e-small, ONNX int8) and searched twice in the same process: with the index's own files (bm25s + FAISS),
then with the same chunks, vectors and tokens written into a Milvus Lite file (`store="milvus:…"`). Document
ranks of `Retriever.search` (hybrid, k = 40), as in bench_retrieval.py. Figures: embedded / Milvus Lite.

| set | R@1 | R@5 | MRR@10 | same top-10 documents, same order | query p50 / p95, embedded | query p50 / p95, Milvus Lite |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

| set | build (embedding included) | writing Milvus (the whole index) | add one document: embedded / Milvus | remove it: embedded / Milvus |
|---|---|---|---|---|
{chr(10).join(costs)}

Keyword search alone (document R@5): the embedded bm25s, this project's tokens as sparse vectors in Milvus
(what the store uses), and Milvus's own BM25 function with its jieba analyzer over the same keyword text:

| set | embedded (bm25s) | Milvus, this project's tokens | Milvus BM25 function, jieba analyzer |
|---|---|---|---|
{chr(10).join(keyword)}

The keyword leg in Milvus is this project's BM25 (same tokens, k1, b and IDF), stored as sparse vectors;
the dense leg is exact (FLAT) in Milvus Lite, as FAISS is below 20,000 chunks; the fusion runs in this process.
Milvus Lite 3.2 runs inside this process (a re-implementation in Python): five requests per question (term statistics,
keyword search, dense search, the keyword scores of the dense candidates, the vectors of the keyword ones).
"""
    replace_section(out, HEADING, section)
    print(section)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="cmrc,meetings")
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = ap.parse_args()
    results = [run(*d) for d in datasets(set(args.only.split(",")))]
    write(results, Path(args.out))


if __name__ == "__main__":
    main()
