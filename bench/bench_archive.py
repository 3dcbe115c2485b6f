"""A synthetic archive of a million chunks: the embedded store and Milvus Lite on the store path.

The 19,547 news items of ../shared/data/xinwenlianbo/articles_*.jsonl are repeated with new ids
(``ID~N``) and dates moved back by N·373 days until the chunks reach ``--chunks`` (1,000,000 by default).
Vectors come from the stand-in embedder of bench_updates.py (a hash of the text as a 512-d vector, the
model's size): only the store is measured; the model adds its own time (`rag index` embeds about 57
chunks/s with ONNX int8), so quality is measured elsewhere with the real model (bench_scale.py,
bench_milvus.py). Each step runs in its own process (time, peak memory as ``ru_maxrss``):

- build: `IndexStore.build` of the whole archive (documents read and copied in the same process);
- serve: `Assistant.load`, then `ask` (retrieval and the extractive answer) of the 156 meeting questions;
- add 1, add 100, remove 1: updates of the loaded index, as `Assistant.add` / `remove` make them;
- milvus (with ``--milvus``): the index written into a Milvus Lite file (`rag.milvus.sync`), then the
  same questions asked with both legs in Milvus.

    python bench/bench_archive.py [--chunks 1000000] [--milvus] [--out BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
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
sys.path.insert(0, str(ROOT / "bench"))

from bench_updates import StandIn, update  # noqa: E402
from report import replace_section  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "xinwenlianbo"
INDEX = ROOT / "bench" / ".cache" / "archive-index"
LITE = ROOT / "bench" / ".cache" / "archive-milvus.db"
HEADING = "## A synthetic archive of a million chunks"


def archive(chunks: int):
    """The news items, then copies of them with new ids and earlier dates, until ``chunks`` chunks."""
    from rag.chunking import chunk_document
    from rag.loaders import load

    originals = load(sorted(DATA.glob("articles_*.jsonl"))).documents
    per_copy = sum(len(chunk_document(d, 400, 80)) for d in originals)
    docs = list(originals)
    for n in range(1, -(-chunks // per_copy)):
        for d in originals:
            date = d.date
            if date and len(date) == 10:
                date = (dt.date.fromisoformat(date) - dt.timedelta(days=373 * n)).isoformat()
            docs.append(dataclasses.replace(d, doc_id=f"{d.doc_id}~{n}", date=date))
    return docs


def questions() -> list[str]:
    from rag.evaluate import load_dataset

    out = []
    for name in ("questions_meetings.jsonl", "questions_meetings_heldout.jsonl"):
        out += [q.question for q in load_dataset(ROOT / "bench" / name).questions]
    return out


def asking(a) -> dict:
    a.ask("预热")
    lat = []
    for q in questions():
        t0 = time.perf_counter()
        a.ask(q, k=5)
        lat.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": statistics.median(lat), "p95_ms": float(np.percentile(lat, 95)), "questions": len(lat)}


def child(action: str, chunks: int) -> None:
    """One step, in this process: prints a JSON line with its figures and peak memory."""
    from rag import Assistant, milvus
    from rag.retrieve import Retriever
    from rag.store import IndexStore

    out: dict = {}
    t0 = time.perf_counter()
    if action == "build":
        docs = archive(chunks)
        out["documents"] = len(docs)
        store, _ = IndexStore.build(INDEX, docs, StandIn(), chunk_size=400, chunk_overlap=80)
        out["seconds"] = time.perf_counter() - t0
        out["chunks"] = len(store.chunks)
    elif action == "serve":
        a = Assistant.load(INDEX, embedder=StandIn())
        out["load_s"] = time.perf_counter() - t0
        out["rss_loaded_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out |= asking(a)
    elif action == "milvus":
        store = IndexStore.load(INDEX)
        uri = f"milvus:{LITE}"
        shutil.rmtree(LITE, ignore_errors=True)
        LITE.unlink(missing_ok=True)
        target = milvus.connect(uri)
        t0 = time.perf_counter()
        stats = milvus.sync(target, store)
        out["seconds"] = time.perf_counter() - t0
        out["written"] = stats.written
        a = Assistant(store, StandIn())  # its manifest names no store: both legs are put in Milvus here
        engine = milvus.MilvusEngine(target, store)
        a._live = dataclasses.replace(a._live, retriever=Retriever(store, a.embedder, engine=engine))
        out |= asking(a)
    else:
        store, out["seconds"] = update(INDEX, action)
        out["segments"] = len(store.segments)
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out |= resident()
    print(json.dumps(out))


def resident() -> dict:
    """The process's resident memory now, split: its own (anonymous) pages, and pages of files it maps
    (the index's vectors and BM25 files, libraries): the kernel may drop the latter and read them again."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("RssAnon", "RssFile"):
            fields[key] = int(value.split()[0]) / 1024
    return {"anon_mb": fields.get("RssAnon", 0.0), "file_mb": fields.get("RssFile", 0.0)}


def ends(step: dict) -> str:
    """What a step held at its end: its own pages and the mapped files' (absent from older runs)."""
    return f"{step['anon_mb']:,.0f} + {step['file_mb']:,.0f} MB" if "anon_mb" in step else "-"


def run(action: str, chunks: int) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", action, "--chunks", str(chunks)], capture_output=True, text=True, cwd=ROOT
    )
    if proc.returncode:
        sys.exit(proc.stderr[-3000:])
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    print(action, out, file=sys.stderr, flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chunks", type=int, default=1_000_000)
    ap.add_argument("--milvus", action="store_true", help="also write the archive into Milvus Lite and ask there")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="keep a built archive (its build figures are those of the run that built it)",
    )
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.chunks)
        return
    built = INDEX.parent / "archive-build.json"  # the figures of the run that built the archive
    if not (args.reuse and INDEX.exists()):
        shutil.rmtree(INDEX, ignore_errors=True)
        built.unlink(missing_ok=True)
        build = run("build", args.chunks) | {"date": time.strftime("%Y-%m-%d")}
        built.write_text(json.dumps(build), encoding="utf-8")
    build = json.loads(built.read_text(encoding="utf-8")) if built.exists() else None
    size_mb = sum(f.stat().st_size for f in INDEX.rglob("*") if f.is_file()) / 2**20
    manifest = json.loads((INDEX / "manifest.json").read_text(encoding="utf-8"))
    serve = run("serve", args.chunks)
    updates = [("add 1 document", run("add1", args.chunks)), ("remove it", run("remove1", args.chunks))]
    updates.append(("add 100 documents", run("add100", args.chunks)))
    lite = run("milvus", args.chunks) if args.milvus else None

    rows = [
        f"| build (whole archive, stand-in vectors{'' if not args.reuse else ', run of ' + build['date']}) | {build['seconds'] / 60:.0f} min | {build['peak_mb']:,.0f} MB | {ends(build)} |"
        if build
        else "| build | not measured (reused) | - | - |",
        f"| load (`Assistant.load`) | {serve['load_s']:.0f} s | {serve['rss_loaded_mb']:,.0f} MB | - |",
        f"| `ask`, {serve['questions']} questions (retrieval + extractive answer) | p50 {serve['p50_ms']:.0f} ms, p95 {serve['p95_ms']:.0f} ms | {serve['peak_mb']:,.0f} MB | {ends(serve)} |",
    ]
    rows += [f"| {name} | {u['seconds']:.1f} s | {u['peak_mb']:,.0f} MB | {ends(u)} |" for name, u in updates]
    if lite:
        rows.append(
            f"| write it all into Milvus Lite (`rag.milvus.sync`) | {lite['seconds'] / 60:.0f} min | {lite['peak_mb']:,.0f} MB | {ends(lite)} |"
        )
        rows.append(
            f"| `ask` with both legs in Milvus Lite | p50 {lite['p50_ms']:.0f} ms, p95 {lite['p95_ms']:.0f} ms | (same process) | - |"
        )
    section = f"""{HEADING}

Command: `python bench/bench_archive.py --chunks {args.chunks}{" --milvus" if args.milvus else ""}` — run {time.strftime("%Y-%m-%d")}, {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end.
The 19,547 news items repeated with new ids and dates moved back by 373 days per copy:
{manifest["counts"]["documents"]:,} documents, {manifest["counts"]["chunks"]:,} chunks, {size_mb:,.0f} MB on disk, dense index
`{manifest["dense"]["faiss"]}`. Vectors from a stand-in (a hash of the text as a 512-d vector): the store
path only. Each step in its own process; memory is its peak (`ru_maxrss`, inputs included, and the
pages of the index files it maps and has read: vectors and BM25 postings), then what it held at its
end, split into its own memory and the mapped files' pages (which the kernel can drop and read again).

| step | time | peak memory | at its end: own memory + mapped files |
|---|---|---|---|
{chr(10).join(rows)}
"""
    replace_section(Path(args.out), HEADING, section)
    print(section)


if __name__ == "__main__":
    main()
