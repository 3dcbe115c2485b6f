"""Scale: one index over all 19,876 news items of ../shared/data/xinwenlianbo/articles_*.jsonl.

Builds it with `rag index` in a child process (time, peak memory), then measures in this process:
index size on disk, load time, query latency and memory while serving, and — as the index is above
the HNSW threshold — the recall cost of approximate dense search against exact search over the same
vectors. The meeting questions (dev and held-out) have their gold documents in this corpus too.

    python bench/bench_scale.py [--reuse]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from report import replace_section  # noqa: E402

from rag import Assistant  # noqa: E402
from rag.evaluate import load_dataset  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "xinwenlianbo"
INDEX = ROOT / "bench" / ".cache" / "scale-index"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reuse", action="store_true", help="keep an existing index (no build timing)")
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = ap.parse_args()
    sources = sorted(str(p) for p in DATA.glob("articles_*.jsonl"))

    build = {}
    if not (args.reuse and INDEX.exists()):
        shutil.rmtree(INDEX, ignore_errors=True)
        rag = str(Path(sys.executable).with_name("rag"))
        t0 = time.perf_counter()
        proc = subprocess.run([rag, "index", *sources, "--index", str(INDEX)], capture_output=True, text=True)
        build["seconds"] = time.perf_counter() - t0
        if proc.returncode:
            sys.exit(proc.stderr[-2000:])
        build["summary"] = proc.stdout.strip()
        build["peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(build, file=sys.stderr)
    size_mb = sum(f.stat().st_size for f in INDEX.rglob("*") if f.is_file()) / 2**20

    t0 = time.perf_counter()
    a = Assistant.load(INDEX)
    load_s = time.perf_counter() - t0
    a.ask("预热")
    store = a.store
    manifest = store.manifest

    questions = []
    for name in ("questions_meetings.jsonl", "questions_meetings_heldout.jsonl"):
        questions += list(load_dataset(ROOT / "bench" / name).questions)
    answerable = [q for q in questions if q.doc_id]

    def run() -> tuple[float, list[float]]:
        lat, hit5 = [], 0
        for q in questions:
            t = time.perf_counter()
            ans = a.ask(q.question, k=5)
            lat.append((time.perf_counter() - t) * 1000)
            if q.doc_id:
                hit5 += q.doc_id in [c.doc_id for c in ans.citations]
        return hit5 / len(answerable), lat

    cite_ann, lat = run()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # exact search over the same vectors, for the recall cost of HNSW
    import faiss

    ann = store.dense
    exact = faiss.IndexFlatIP(ann.d)
    exact.add(store.vectors(np.arange(len(store))))
    overlap = []
    for q in questions:
        qv = a.embedder.embed_query(q.question)
        _, i_ann = ann.search(qv.reshape(1, -1), 100)
        _, i_ex = exact.search(qv.reshape(1, -1), 100)
        overlap.append(len(set(i_ann[0]) & set(i_ex[0])) / 100)
    store.segments[0].dense = exact  # one segment: a whole build
    cite_exact, lat_exact = run()
    store.segments[0].dense = ann

    s = build.get("summary", "(reused index)")
    section = f"""## Scale: all news items (articles_*.jsonl)

Command: `python bench/bench_scale.py` — run {time.strftime("%Y-%m-%d")}, {platform.machine()}, {os.cpu_count()} cores, no GPU.
`rag index` over the {len(sources)} files `articles_2022.jsonl` … `articles_2026.jsonl`: {manifest["counts"]["documents"]:,}
documents, {manifest["counts"]["chunks"]:,} chunks, ONNX int8 embeddings, dense index `{manifest["dense"]["faiss"]}`
(exact below {20_000:,} chunks, HNSW M={manifest["dense"].get("M", "-")}, efSearch={manifest["dense"].get("efSearch", "-")} above).

| measure | result |
|---|---|
| build time (`rag index`, whole run) | {f"{build['seconds']:.0f} s" if build else "not measured (reused)"} |
| build summary | {s.splitlines()[-1] if build else "-"} |
| peak memory while building | {f"{build['peak_mb']:.0f} MB" if build else "-"} |
| index size on disk | {size_mb:.0f} MB |
| load time (`Assistant.load`) | {load_s:.1f} s |
| query latency, model loaded (`ask`, k = 5, {len(questions)} questions) | p50 {statistics.median(lat):.0f} ms, p95 {float(np.percentile(lat, 95)):.0f} ms |
| memory while serving (peak RSS of this process) | {rss_mb:.0f} MB |
| HNSW vs exact: share of the exact dense top 100 that HNSW returns | {np.mean(overlap):.3f} (min {min(overlap):.2f}) |
| right document among the citations, HNSW / exact, {len(answerable)} meeting questions | {cite_ann:.3f} / {cite_exact:.3f} |
| query latency with exact search instead | p50 {statistics.median(lat_exact):.0f} ms, p95 {float(np.percentile(lat_exact, 95)):.0f} ms |
"""
    replace_section(Path(args.out), "## Scale:", section)
    print(section)
    print(json.dumps({"build": build, "size_mb": size_mb}), file=sys.stderr)


if __name__ == "__main__":
    main()
