"""Updates of a large index: what adding and removing documents costs, against rewriting it whole.

All 19,547 news items of ../shared/data/xinwenlianbo/articles_*.jsonl are indexed with a stand-in
embedder (a hash of the text as a 512-d vector: the store path only, no model), in a child process
(time, peak memory). Then each update runs in its own child process, as `Assistant.add` /
`Assistant.remove` would on a loaded index: add 1 document, add 100, remove 1, and, as the baseline in
the same run, add 1 with the whole index rewritten as one segment (``merge=True``, what every update
did before segments). Timings are of the update alone (the index is loaded first); memory is the
child's peak, loading included.

    python bench/bench_updates.py [--out BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from report import replace_section  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "xinwenlianbo"
INDEX = ROOT / "bench" / ".cache" / "updates-index"


class StandIn:
    """A 512-d unit vector drawn from a hash of the text: costs nothing, so only the store is measured."""

    name = "stand-in-512"
    backend = "custom"
    dim = 512

    def embed_documents(self, texts, progress=None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little")
            out[i] = np.random.default_rng(seed).standard_normal(self.dim)
        out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-12
        if progress:
            progress(len(texts))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def new_documents(n: int):
    from rag import Document

    return [
        Document(
            doc_id=f"update-{i}",
            title=f"区政协第{i}次专题协商会",
            date="2026-11-01",
            text=f"2026年11月1日，区政协召开第{i}次专题协商会，围绕城市防涝协商议政，副区长周海平出席并讲话。" * 4,
        )
        for i in range(n)
    ]


def update(index: Path, action: str):
    """One update of the index at ``index`` (``add1``, ``add1-rewrite``, ``add100``, ``remove1``), as
    `Assistant.add` / `remove` make it on the loaded index: the new index, and the update's seconds."""
    from rag.store import IndexStore

    previous = IndexStore.load(index)
    docs = list(previous.documents.values())
    if action in ("add1", "add1-rewrite"):
        docs += new_documents(1)
    elif action == "add100":
        docs += new_documents(100)
    elif action == "remove1":
        docs = [d for d in docs if d.doc_id != "update-0"]
    t0 = time.perf_counter()
    store, _ = IndexStore.build(
        index, docs, StandIn(), chunk_size=400, chunk_overlap=80, previous=previous, merge=action.endswith("rewrite")
    )
    return store, time.perf_counter() - t0


def child(action: str) -> None:
    """One step, in this process: prints a JSON line with its seconds and peak memory."""
    from rag.loaders import load
    from rag.store import IndexStore

    t0 = time.perf_counter()
    if action == "build":
        docs = load(sorted(DATA.glob("articles_*.jsonl"))).documents
        store, _ = IndexStore.build(INDEX, docs, StandIn(), chunk_size=400, chunk_overlap=80)
        seconds = time.perf_counter() - t0
    else:
        store, seconds = update(INDEX, action)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "chunks": len(store.chunks),
                "segments": len(store.segments),
            }
        )
    )


def run(action: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", action], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        sys.exit(proc.stderr[-2000:])
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    print(action, out, file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return
    shutil.rmtree(INDEX, ignore_errors=True)
    built = run("build")
    size_mb = sum(f.stat().st_size for f in INDEX.rglob("*") if f.is_file()) / 2**20
    steps = [
        ("add 1 document, rewriting the whole index (before: every update)", run("add1-rewrite")),
        ("remove it again (a manifest)", run("remove1")),
        ("add 1 document (a segment)", run("add1")),
        ("remove 1 document (a manifest)", run("remove1")),
        ("add 100 documents (a segment)", run("add100")),
    ]
    rows = "\n".join(
        f"| {name} | {s['seconds']:.2f} s | {s['peak_mb']:.0f} MB | {s['segments']} |" for name, s in steps
    )
    section = f"""## Updates of a large index (bench/bench_updates.py)

Command: `python bench/bench_updates.py` — run {time.strftime("%Y-%m-%d")}, {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end.
All {built["chunks"]:,} chunks of the 19,547 news items (`articles_*.jsonl`), embedded by a stand-in (a hash of
the text as a 512-d vector) so that only the store is measured: the model adds its own time and memory
(`rag index` with ONNX int8 embeds about 57 chunks/s). Whole build: {built["seconds"]:.0f} s, peak {built["peak_mb"]:.0f} MB,
{size_mb:.0f} MB on disk. Each update runs in its own process on the loaded index, as `Assistant.add` and
`Assistant.remove` do; time is the update's, memory the process's peak (loading the index included).

| update | time | peak memory | segments after |
|---|---|---|---|
{rows}
"""
    replace_section(Path(args.out), "## Updates of a large index", section)
    print(section)


if __name__ == "__main__":
    main()
