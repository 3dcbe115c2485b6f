"""Store options for growing archives (issue 16): the parts an index could be updated with, measured.

Keyword search over this project's own tokens (jieba search mode plus bigrams, as ``rag`` stores them per
chunk in ``chunks.sqlite``) with

- bm25s, as the index uses it now (``method="lucene"``, k1 = 1.2, b = 0.75, tokens as int32 ids; saved,
  then loaded with ``mmap=True`` and queried so, as ``rag.store`` does);
- tantivy (PyPI ``tantivy``, not a dependency: left out with a note when it is not installed): a text
  field with the built-in ``whitespace`` tokenizer (frequencies, no positions) and a u64 ``row`` (indexed,
  fast). Its BM25 has k1 = 1.2, b = 0.75 and bm25s's IDF, but keeps document lengths in one byte (lossy,
  as Lucene does), so near scores can tie or swap;
- SQLite FTS5 over the stored tab-joined tokens (an external-content table, ``unicode61`` with ``.`` and
  ``%`` as token characters). Its ``bm25()`` has k1 = 1.2, b = 0.75 but IDF log((N − n + 0.5)/(n + 0.5))
  without bm25s's "1 +" (common tokens weigh less, very common ones next to nothing), and ``unicode61``
  folds case and splits at other characters (the share of token occurrences this changes is reported);

a query token that occurs twice counts twice in all three. Dense search with FAISS: ``IndexIDMap2(IndexFlatIP)``,
``IndexHNSWFlat`` (M = 32), and ``IndexIVFFlat`` (nlist = 4·√N, ids of its own), at N = 50,000 and
300,000 (``--big``: dense and keyword at 1,000,000 as well, with IVF-SQ8; ``--quick``: 5,000 only, with
30 questions and 50 query vectors, a smoke test).

Reads (directly, without ``rag.store``'s private helpers): of each index, every segment ``manifest.json``
names (``generation`` first, then ``segments[*].name``), chunks of deleted documents left out:

- ``bench/.cache/meetings-index`` (built by ``bench/bench_meetings.py``): the ``tokens`` of its
  ``chunks.sqlite`` and the m3e-small vectors of its ``dense.faiss``; the only source of vectors;
- ``bench/.cache/updates-index`` (the news archive ``bench/bench_updates.py`` builds, in minutes), when
  it exists: the ``tokens`` of its chunks (its vectors are a hash stand-in, not used);
- the questions of ``bench/questions_meetings.jsonl``, ``questions_meetings_heldout.jsonl`` and
  ``questions_many_meetings.jsonl``, through ``rag.normalize`` and ``rag.tokenize`` as ``rag.retrieve`` does.

A missing index is skipped with a note; with none (or, for dense, without the meeting index) the
script stops with one line.

Data: the distinct token rows of those chunks, repeated with new row ids up to N; the real vectors,
and above them synthetic ones: a real vector plus Gaussian noise shaped like the real vectors'
covariance, renormalized, scaled so that a copy is as close to its source as a real chunk is to its
nearest neighbour; 200 query vectors made the same way, recall@10 against exact search.

Top-10 agreement: copies of a chunk tie, so above 10 copies a top 10 is one chunk ten times. Each
engine's timed search asks for 10 rows; then, untimed, for 10 × copies rows, of which the first 10
distinct source chunks are its top 10; agreement is the mean share of bm25s's top 10 that the other
engine's top 10 holds too (questions bm25s finds nothing for left out). Ties between distinct chunks
may still be broken differently.

Every measurement runs in its own process: times of the measured step alone (inputs are read before
it), and peak memory as that process's VmHWM at the end of its build (inputs included; the RSS before
the build is given too). Scratch files go to /tmp/storeopts; the section goes to ``--out`` only (it is
printed without ``--out``). Default sizes take about 15 to 20 minutes on 2 idle cores (estimated from
``--quick``, not run here), ``--big`` at least as long again; ``--quick`` about a minute.

    python bench/bench_store_options.py [--quick | --big] [--only keyword|dense] [--out BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from report import replace_section  # noqa: E402

SCRATCH = Path("/tmp/storeopts")
DATA = SCRATCH / "data"
MEETINGS = ROOT / "bench" / ".cache" / "meetings-index"
SOURCES = {MEETINGS: "bench/bench_meetings.py", ROOT / "bench" / ".cache" / "updates-index": "bench/bench_updates.py"}
VECTORS_FROM = MEETINGS
QUESTIONS = ["questions_meetings.jsonl", "questions_meetings_heldout.jsonl", "questions_many_meetings.jsonl"]
HEADING = "## Store options for growing archives (issue 16)"
HAND_WRITTEN = "### Recommendation (hand-written)"
DIM = 512
BLOCK = 50_000
DENSE_QUERIES = 200
QUICK_SIZES = [5_000]
QUICK_KEYWORD_QUERIES = 30
QUICK_DENSE_QUERIES = 50
K = 10
HNSW_M = 32
EF_SEARCH = 128  # the index's setting (rag/store.py)
NPROBES = (1, 2, 4, 8, 16, 32, 64, 128, 256)
TOKENCHARS = ".%"


# ------------------------------------------------------------------------------------------ helpers


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    """Peak RSS of this process image: VmHWM. (``getrusage``'s ``ru_maxrss`` is only the fallback: Linux
    carries it over from the parent through fork and exec, so a child reports at least its parent's peak.)"""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def latency(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {"p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95))}


def timed(step: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    step()
    return time.perf_counter() - t0


def du_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def fsync_tree(path: Path) -> None:
    for f in [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]:
        with f.open("rb") as fh:
            os.fsync(fh.fileno())


# ------------------------------------------------------------------------------------------- inputs


def index_segments(index: Path) -> list[tuple[Path, frozenset[str]]]:
    """The segment folders of an index in row order (``generation``, then ``segments``), each with the
    ids of its deleted documents (their chunks stay in the folder until a merge)."""
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    deleted = manifest.get("deleted") or {}
    names = [manifest["generation"], *(s["name"] for s in manifest.get("segments") or [])]
    return [(index / name, frozenset(deleted.get(name, ()))) for name in names]


def live_chunks(folder: Path, deleted: frozenset[str]) -> list[tuple[int, str]]:
    """(row, tab-joined tokens) of a segment's chunks whose document is not deleted, by row."""
    uri = f"file:{folder / 'chunks.sqlite'}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
        found = db.execute("SELECT row, doc_id, tokens FROM chunks ORDER BY row").fetchall()
    return [(row, tokens or "") for row, doc_id, tokens in found if doc_id not in deleted]


def revision(index: Path) -> str:
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    return str(manifest.get("revision") or manifest["generation"])


def existing_sources() -> list[Path]:
    """The indexes of SOURCES that exist; a note for each missing one, one line and exit if none does."""
    found = []
    for index, builder in SOURCES.items():
        if (index / "manifest.json").is_file():
            found.append(index)
        else:
            print(f"note: {index.relative_to(ROOT)} does not exist ({builder} builds it): left out", file=sys.stderr)
    if not found:
        raise SystemExit("no index to read tokens from: build bench/.cache/meetings-index (bench/bench_meetings.py)")
    return found


def prepare(sizes: list[int], keyword: bool, dense: bool) -> dict[str, Any]:
    """Write the inputs of the measurements to DATA; what is there already is reused while it fits."""
    DATA.mkdir(parents=True, exist_ok=True)
    meta_file = DATA / "meta.json"
    meta = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
    if keyword:
        sources = existing_sources()
        key: dict[str, Any] = {"sources": {str(s.relative_to(ROOT)): revision(s) for s in sources}}
        if meta.get("token_key") != key or not all(
            (DATA / f).is_file() for f in ("ids.npy", "offsets.npy", "vocab.json")
        ):
            meta.update({**prepare_tokens(sources), "token_key": key})
        meta.update(prepare_queries())  # a second or two: always those of the current files and tokenizer
    if dense:
        if not (VECTORS_FROM / "manifest.json").is_file():
            raise SystemExit(f"no vectors: {VECTORS_FROM.relative_to(ROOT)} does not exist (bench/bench_meetings.py)")
        key = {"index": revision(VECTORS_FROM), "queries": DENSE_QUERIES}
        if meta.get("vector_key") != key or meta.get("max_n", 0) < max(sizes) or not (DATA / "vectors.f32").is_file():
            for old in DATA.glob("exact-*.npy"):
                old.unlink()
            meta.update({**prepare_vectors(max(sizes)), "vector_key": key, "max_n": max(sizes)})
        for n in sizes:
            if not (DATA / f"exact-{n}.npy").is_file():
                exact_top(n)
    meta_file.write_text(json.dumps(meta, indent=1))
    return meta


def fts5_keeps(token: str) -> bool:
    """Whether FTS5's ``unicode61`` (with TOKENCHARS) keeps ``token`` as it is: no case to fold, every
    character a letter, digit, private-use or token character (by Python's Unicode tables)."""
    return token == token.lower() and all(
        c in TOKENCHARS or unicodedata.category(c)[0] in "LN" or unicodedata.category(c) == "Co" for c in token
    )


def prepare_tokens(sources: list[Path]) -> dict[str, Any]:
    """The stored keyword tokens of the live chunks of ``sources`` (each distinct row once), as int32 ids."""
    from rag.tokenize import TOKENIZER_VERSION

    vocab: dict[str, int] = {}
    seen: set[str] = set()
    ids: list[np.ndarray] = []
    for index in sources:
        built_with = json.loads((index / "manifest.json").read_text(encoding="utf-8")).get("tokenizer")
        if str(built_with) != TOKENIZER_VERSION:
            print(f"note: {index.name} has tokenizer {built_with}, the questions {TOKENIZER_VERSION}", file=sys.stderr)
        for folder, deleted in index_segments(index):
            for _, text in live_chunks(folder, deleted):
                if not text or text in seen:
                    continue
                seen.add(text)
                ids.append(np.array([vocab.setdefault(t, len(vocab)) for t in text.split("\t")], np.int32))
    offsets = np.zeros(len(ids) + 1, np.int64)
    offsets[1:] = np.cumsum([len(r) for r in ids])
    np.save(DATA / "ids.npy", np.concatenate(ids))
    np.save(DATA / "offsets.npy", offsets)
    words = sorted(vocab, key=vocab.__getitem__)
    (DATA / "vocab.json").write_text(json.dumps(words, ensure_ascii=False))
    counts = np.bincount(np.concatenate(ids), minlength=len(words))
    total = int(offsets[-1])

    def share(test: Callable[[str], bool]) -> float:
        return sum(int(counts[i]) for i, w in enumerate(words) if test(w)) / total

    return {
        "chunks": len(ids),
        "tokens": total,
        "vocabulary": len(words),
        "sources": [str(s.relative_to(ROOT)) for s in sources],
        "split_by_default_unicode61": share(lambda w: any(c in w for c in TOKENCHARS)),
        "changed_by_fts5": share(lambda w: not fts5_keeps(w)),
    }


def prepare_queries() -> dict[str, Any]:
    from rag.normalize import normalize
    from rag.tokenize import tokenize

    questions = []
    for name in QUESTIONS:
        for line in (ROOT / "bench" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                questions.append(json.loads(line)["question"])
    queries = [tokenize(normalize(q)) for q in questions]
    (DATA / "queries.json").write_text(json.dumps(queries, ensure_ascii=False))
    return {"queries": len(queries), "query_tokens": float(np.mean([len(q) for q in queries]))}


def prepare_vectors(max_n: int) -> dict[str, Any]:
    """Real vectors first (the live rows of every segment), then synthetic ones; the query vectors."""
    import faiss

    parts = []
    for folder, deleted in index_segments(VECTORS_FROM):
        index = faiss.read_index(str(folder / "dense.faiss"))
        rows = [row for row, _ in live_chunks(folder, deleted)]
        parts.append(index.reconstruct_n(0, index.ntotal)[rows].astype(np.float32))
        del index
    real = np.concatenate(parts)
    rng = np.random.default_rng(16)
    mean = real.mean(axis=0)
    cov = np.cov((real - mean).T)
    lam, vec = np.linalg.eigh(cov)
    shape = (vec * np.sqrt(np.clip(lam, 0, None))).T.astype(np.float32)  # z @ shape ~ N(0, cov)
    # nearest-neighbour similarity of the real vectors: a synthetic copy is that close to its source
    sims = real @ real.T
    np.fill_diagonal(sims, -1)
    nn = float(np.median(sims.max(axis=1)))
    del sims
    scale = math.sqrt(max(1 / nn**2 - 1, 1e-6) / float(np.trace(cov)))

    def synthetic(count: int) -> np.ndarray:
        src = real[rng.integers(0, len(real), count)]
        out = src + scale * (rng.standard_normal((count, DIM)).astype(np.float32) @ shape)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return np.asarray(out, dtype=np.float32)

    np.save(DATA / "dense_queries.npy", synthetic(DENSE_QUERIES))
    probe = synthetic(2000)
    unrelated = float(np.median((probe * real[rng.integers(0, len(real), 2000)]).sum(axis=1)))
    with open(DATA / "vectors.f32", "wb") as f:
        for start in range(0, max_n, BLOCK):
            count = min(BLOCK, max_n - start)
            own = real[start : start + count]
            np.concatenate([own, synthetic(count - len(own))]).tofile(f)
    return {"real_vectors": len(real), "nn_similarity": nn, "noise_scale": scale, "unrelated_similarity": unrelated}


def exact_top(n: int) -> None:
    """The exact top K of every query vector among the first ``n`` vectors, to DATA/exact-n.npy."""
    queries = np.load(DATA / "dense_queries.npy")
    scores = np.full((len(queries), K), -np.inf, np.float32)
    rows = np.zeros((len(queries), K), np.int64)
    for start in range(0, n, BLOCK):
        block = read_vectors(start, min(BLOCK, n - start))
        s = np.concatenate([scores, queries @ block.T], axis=1)
        r = np.concatenate([rows, np.broadcast_to(np.arange(start, start + len(block)), (len(queries), len(block)))], 1)
        top = np.argsort(-s, axis=1, kind="stable")[:, :K]
        scores, rows = np.take_along_axis(s, top, 1), np.take_along_axis(r, top, 1)
    np.save(DATA / f"exact-{n}.npy", rows)


def read_vectors(start: int, count: int) -> np.ndarray:
    """Rows of the vector file, read (not mapped: mapped pages would count as this process's memory)."""
    with open(DATA / "vectors.f32", "rb") as f:
        f.seek(start * DIM * 4)
        return np.fromfile(f, np.float32, count * DIM).reshape(count, DIM)


def keyword_inputs(count: int | None) -> tuple[list[str], np.ndarray, np.ndarray, list[list[str]]]:
    """The vocabulary, token ids and row offsets of the distinct chunks, and the first ``count`` queries."""
    words = json.loads((DATA / "vocab.json").read_text())
    queries = json.loads((DATA / "queries.json").read_text())[:count]
    return words, np.load(DATA / "ids.npy"), np.load(DATA / "offsets.npy"), queries


def source_ids(ids: np.ndarray, offsets: np.ndarray, row: int) -> np.ndarray:
    """The token ids of row ``row``: those of distinct chunk ``row`` modulo their number."""
    i = row % (len(offsets) - 1)
    return ids[offsets[i] : offsets[i + 1]]


def keyword_texts(count: int | None, sep: str) -> tuple[list[str], list[list[str]]]:
    """The distinct chunks as texts (tokens joined by ``sep``), and the first ``count`` queries."""
    words, ids, offsets, queries = keyword_inputs(count)
    texts = [sep.join([words[t] for t in source_ids(ids, offsets, i).tolist()]) for i in range(len(offsets) - 1)]
    return texts, queries


# ------------------------------------------------------------------------------------------ keyword


def keyword_queries(
    search: Callable[[list[str], int], list[int]], queries: list[list[str]], n: int, base: int
) -> tuple[dict[str, float], list[list[int]]]:
    """Latency of ``search(tokens, K)`` (the top K rows); then, untimed, each query's top K distinct
    source chunks, from the top K × copies rows (each source has at most that many copies)."""
    times = []
    for q in queries:
        t0 = time.perf_counter()
        search(q, K)
        times.append(time.perf_counter() - t0)
    depth = min(n, K * math.ceil(n / base))
    tops = [list(dict.fromkeys(r % base for r in search(q, depth)))[:K] for q in queries]
    return latency(times), tops


def timed_adds(add: Callable[[int, int], None], n: int) -> dict[str, float]:
    """Seconds of ``add(first_row, count)`` for 1 chunk, then 100, with rows past ``n``."""
    return {"add1_s": timed(lambda: add(n, 1)), "add100_s": timed(lambda: add(n + 1, 100))}


def bm25s_index(rows: list[np.ndarray], vocab: dict[str, int]) -> Any:
    import bm25s

    bm25 = bm25s.BM25(k1=1.2, b=0.75, method="lucene")  # as rag/store.py
    bm25.index((rows, vocab), show_progress=False)
    return bm25


def bm25s_save(bm25: Any, folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    bm25.save(str(folder), show_progress=False)
    fsync_tree(folder)


def top_rows(scores: np.ndarray, k: int) -> list[int]:
    """The rows of the ``k`` highest positive scores, best first."""
    top = np.argpartition(-scores, k)[:k] if k < len(scores) else np.arange(len(scores))
    top = top[np.argsort(-scores[top], kind="stable")]
    return [int(r) for r in top[scores[top] > 0]]


def child_bm25s(n: int, count: int | None) -> dict[str, Any]:
    import bm25s

    words, ids, offsets, queries = keyword_inputs(count)
    base = len(offsets) - 1
    vocab = {w: i for i, w in enumerate(words)}
    rows = [source_ids(ids, offsets, i).copy() for i in range(n)]  # as a build holds them
    rows_mb = sum(r.nbytes for r in rows) / 2**20
    before = rss_mb()
    t0 = time.perf_counter()
    bm25 = bm25s_index(rows, vocab)
    t_index = time.perf_counter() - t0
    peak = peak_mb()
    del rows
    folder = SCRATCH / f"bm25s-{n}"
    t_save = timed(lambda: bm25s_save(bm25, folder))
    del bm25
    t0 = time.perf_counter()
    bm25 = bm25s.BM25.load(str(folder), load_corpus=False, mmap=True, show_progress=False)  # as rag/store.py
    t_load = time.perf_counter() - t0

    def search(q: list[str], k: int) -> list[int]:
        known = [t for t in q if t in bm25.vocab_dict]
        return top_rows(np.asarray(bm25.get_scores(known), dtype=np.float32), k) if known else []

    lat, tops = keyword_queries(search, queries, n, base)

    def add(first: int, m: int) -> None:
        """An update as the index makes one now: a new bm25s segment of the added chunks, saved."""
        seg_vocab: dict[str, int] = {}
        seg_rows = [
            np.array([seg_vocab.setdefault(words[t], len(seg_vocab)) for t in source_ids(ids, offsets, r)], np.int32)
            for r in range(first, first + m)
        ]
        bm25s_save(bm25s_index(seg_rows, seg_vocab), SCRATCH / f"bm25s-seg-{m}")

    return {
        "rows_mb": rows_mb,
        "rss_before_mb": before,
        "peak_mb": peak,
        "build_s": t_index,
        "save_s": t_save,
        "load_s": t_load,
        "size_mb": du_mb(folder),
        **lat,
        **timed_adds(add, n),
        "tops": tops,
    }


def tantivy_query(tantivy: Any, schema: Any, tokens: list[str]) -> Any:
    occur = tantivy.Occur.Should
    return tantivy.Query.boolean_query([(occur, tantivy.Query.term_query(schema, "text", t)) for t in tokens])


def child_tantivy(n: int, count: int | None) -> dict[str, Any]:
    import tantivy

    texts, queries = keyword_texts(count, " ")
    base = len(texts)
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("text", stored=False, tokenizer_name="whitespace", index_option="freq")
    builder.add_unsigned_field("row", stored=False, indexed=True, fast=True)
    schema = builder.build()
    folder = SCRATCH / f"tantivy-{n}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)

    def add_docs(writer: Any, first: int, m: int) -> None:
        for i in range(first, first + m):
            doc = tantivy.Document()
            doc.add_text("text", texts[i % base])
            doc.add_unsigned("row", i)
            writer.add_document(doc)

    def searching(searcher: Any) -> Callable[[list[str], int], list[int]]:
        def search(q: list[str], k: int) -> list[int]:
            hits = searcher.search(tantivy_query(tantivy, schema, q), k, count=False).hits
            return searcher.fast_field_values("row", [a for _, a in hits]) if hits else []

        return search

    def visible() -> Any:
        index.reload()
        return index.searcher()

    before = rss_mb()
    t0 = time.perf_counter()
    index = tantivy.Index(schema, path=str(folder), reuse=False)
    writer = index.writer(heap_size=200_000_000, num_threads=2)
    add_docs(writer, 0, n)
    writer.commit()
    t_build = time.perf_counter() - t0
    segments_after_commit = visible().num_segments
    t_merge = timed(writer.wait_merging_threads)  # the writer is gone after this
    peak = peak_mb()
    searcher = visible()
    segments_after_merge = searcher.num_segments
    lat, tops = keyword_queries(searching(searcher), queries, n, base)
    size = du_mb(folder)
    # updates: a writer held open (as a server would), each change committed and made visible
    t0 = time.perf_counter()
    writer = index.writer(heap_size=50_000_000, num_threads=1)
    t_writer = time.perf_counter() - t0

    def add(first: int, m: int) -> None:
        add_docs(writer, first, m)
        writer.commit()
        visible()

    def delete_row(row: int) -> None:
        writer.delete_documents_by_query(tantivy.Query.term_query(schema, "row", row))
        writer.commit()
        visible()

    updates = {**timed_adds(add, n), "delete1_s": timed(lambda: delete_row(7))}
    deleted_ok = visible().search(tantivy.Query.term_query(schema, "row", 7), 1).count == 0
    # a possible pitfall: deleting by term with a Python int on a u64 field
    writer.delete_documents_by_term("row", 8)
    writer.commit()
    by_term_ok = visible().search(tantivy.Query.term_query(schema, "row", 8), 1).count == 0
    searcher = visible()
    after, _ = keyword_queries(searching(searcher), queries, n, base)
    segments_after_updates = searcher.num_segments
    writer.wait_merging_threads()
    t_open = timed(lambda: tantivy.Index.open(str(folder)).searcher())
    return {
        "rss_before_mb": before,
        "peak_mb": peak,
        "build_s": t_build,
        "merge_s": t_merge,
        "segments_after_commit": segments_after_commit,
        "segments_after_merge": segments_after_merge,
        "segments_after_updates": segments_after_updates,
        "size_mb": size,
        "open_s": t_open,
        "writer_s": t_writer,
        **lat,
        "after_updates_p50_ms": after["p50_ms"],
        "after_updates_p95_ms": after["p95_ms"],
        "delete_by_query_ok": deleted_ok,
        "delete_by_term_int_ok": by_term_ok,
        **updates,
        "tops": tops,
    }


def fts_match(tokens: list[str]) -> str:
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens)


def fts_sizes(db: sqlite3.Connection) -> tuple[float | None, float | None]:
    """MB of the content table and of the FTS index's tables (dbstat; None where SQLite lacks it)."""

    def size(like: str) -> float:
        return (db.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE ?", (like,)).fetchone()[0] or 0) / 2**20

    try:
        return size("chunks"), size("fts%")
    except sqlite3.OperationalError:
        return None, None


def child_fts5(n: int, count: int | None) -> dict[str, Any]:
    texts, queries = keyword_texts(count, "\t")
    base = len(texts)
    file = SCRATCH / f"fts5-{n}.sqlite"
    file.unlink(missing_ok=True)
    before = rss_mb()
    db = sqlite3.connect(file, isolation_level=None)
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE chunks (row INTEGER PRIMARY KEY, tokens TEXT)")
    db.execute(
        "CREATE VIRTUAL TABLE fts USING fts5(tokens, content='chunks', content_rowid='row', "
        f"tokenize=\"unicode61 remove_diacritics 0 tokenchars '{TOKENCHARS}'\")"
    )

    def transaction(*steps: tuple[str, Any]) -> None:
        db.execute("BEGIN")
        for sql, params in steps:
            db.execute(sql, params)
        db.execute("COMMIT")

    def insert(first: int, m: int, into_fts: bool) -> list[tuple[str, Any]]:
        """Rows ``first`` to ``first + m`` into the content table, and into the FTS index if ``into_fts``."""
        steps: list[tuple[str, Any]] = []
        for i in range(first, first + m):
            row = (i, texts[i % base])
            steps.append(("INSERT INTO chunks VALUES (?, ?)", row))
            if into_fts:
                steps.append(("INSERT INTO fts(rowid, tokens) VALUES (?, ?)", row))
        return steps

    t_content = timed(lambda: transaction(*insert(0, n, into_fts=False)))
    t_build = timed(lambda: transaction(("INSERT INTO fts(fts) VALUES ('rebuild')", ())))
    peak = peak_mb()
    content_mb, size_built = fts_sizes(db)
    t_optimize = timed(lambda: db.execute("INSERT INTO fts(fts) VALUES ('optimize')"))
    db.execute("VACUUM")
    _, size_optimized = fts_sizes(db)
    sql = "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT ?"
    lat, tops = keyword_queries(
        lambda q, k: [r for (r,) in db.execute(sql, (fts_match(q), k))] if q else [], queries, n, base
    )

    updates = timed_adds(lambda first, m: transaction(*insert(first, m, into_fts=True)), n)
    t0 = time.perf_counter()
    (text,) = db.execute("SELECT tokens FROM chunks WHERE row = 7").fetchone()
    transaction(
        ("INSERT INTO fts(fts, rowid, tokens) VALUES ('delete', 7, ?)", (text,)),
        ("DELETE FROM chunks WHERE row = 7", ()),
    )
    updates["delete1_s"] = time.perf_counter() - t0
    db.close()
    return {
        "rss_before_mb": before,
        "peak_mb": peak,
        "content_s": t_content,
        "build_s": t_build,
        "optimize_s": t_optimize,
        "content_mb": content_mb,
        "size_mb": size_built,
        "optimized_size_mb": size_optimized,
        **lat,
        **updates,
        "tops": tops,
    }


# -------------------------------------------------------------------------------------------- dense


def dense_queries(index: Any, count: int) -> tuple[list[float], np.ndarray]:
    queries = np.load(DATA / "dense_queries.npy")[:count]
    times, found = [], []
    for q in queries:
        t0 = time.perf_counter()
        _, ids = index.search(q.reshape(1, -1), K)
        times.append(time.perf_counter() - t0)
        found.append(ids[0])
    return times, np.array(found)


def dense_stats(index: Any, n: int, count: int) -> dict[str, float]:
    """recall@K against exact search, and latency, of ``count`` query vectors."""
    times, found = dense_queries(index, count)
    exact = np.load(DATA / f"exact-{n}.npy")[: len(found)]
    hits = [len(set(a.tolist()) & set(b.tolist())) / K for a, b in zip(found, exact, strict=True)]
    return {"recall": float(np.mean(hits)), **latency(times)}


def write_atomic(index: Any, path: Path) -> float:
    """faiss.write_index to a temporary name, fsync, rename: the seconds it took."""
    import faiss

    t0 = time.perf_counter()
    tmp = path.with_suffix(".tmp")
    faiss.write_index(index, str(tmp))
    fsync_tree(tmp)
    os.replace(tmp, path)
    return time.perf_counter() - t0


def add_blocks(index: Any, n: int, with_ids: bool) -> float:
    """Add the first ``n`` vectors block by block: seconds of the adds alone (not of reading the file)."""
    seconds = 0.0
    for start in range(0, n, BLOCK):
        block = read_vectors(start, min(BLOCK, n - start))
        ids = np.arange(start, start + len(block), dtype=np.int64)
        t0 = time.perf_counter()
        if with_ids:
            index.add_with_ids(block, ids)
        else:
            index.add(block)
        seconds += time.perf_counter() - t0
    return seconds


def delta_write() -> float:
    """Writing a delta segment of 100 vectors (IndexIDMap2 over IndexFlatIP), atomically."""
    import faiss

    delta = faiss.IndexIDMap2(faiss.IndexFlatIP(DIM))
    delta.add_with_ids(read_vectors(0, 100), np.arange(10**9, 10**9 + 100, dtype=np.int64))
    return write_atomic(delta, SCRATCH / "delta.faiss")


def updates(index: Any, n: int, *, removable: bool) -> dict[str, Any]:
    """Add 1 and 100 vectors (new ids), remove 1 and 100 others: seconds of each."""
    import faiss

    faiss.omp_set_num_threads(1)  # one vector at a time: no thread pool to wake
    extra = read_vectors(0, 101) * -1  # new vectors (mirrored), ids past n

    def add(first: int, m: int) -> None:
        vectors = extra[first - n : first - n + m]
        if removable:
            index.add_with_ids(vectors, np.arange(first, first + m, dtype=np.int64))
        else:
            index.add(vectors)

    out: dict[str, Any] = timed_adds(add, n)
    for m, first in ((1, 1000), (100, 2000)):
        try:
            t0 = time.perf_counter()
            removed = index.remove_ids(faiss.IDSelectorBatch(np.arange(first, first + m, dtype=np.int64)))
            out[f"remove{m}_s"] = time.perf_counter() - t0
            out[f"removed{m}"] = int(removed)
        except RuntimeError as exc:
            out[f"remove{m}_s"] = None
            out["remove_error"] = str(exc).strip().splitlines()[-1].rsplit(": ", 1)[-1][:120]
    return out


def dense_run(
    n: int,
    count: int,
    name: str,
    make: Callable[[], tuple[Any, dict[str, Any]]],
    searches: Callable[[Any], dict[str, Any]],
    *,
    with_ids: bool,
) -> tuple[Any, dict[str, Any], Path]:
    """What every FAISS option goes through: ``make()`` (the empty index and what making it measured) and
    the first ``n`` vectors added, on 2 threads; written atomically; ``searches(index)`` on 1 thread; p95 on
    2 threads; a 100-vector delta written; updates; the whole file written again."""
    import faiss

    faiss.omp_set_num_threads(2)
    before = rss_mb()
    index, made = make()
    out = {"rss_before_mb": before, "build_s": add_blocks(index, n, with_ids), "peak_mb": peak_mb(), **made}
    path = SCRATCH / f"{name}-{n}.faiss"
    out["write_s"] = write_atomic(index, path)
    out["size_mb"] = du_mb(path)
    faiss.omp_set_num_threads(1)
    out.update(searches(index))
    faiss.omp_set_num_threads(2)
    out["p95_2threads_ms"] = latency(dense_queries(index, count)[0])["p95_ms"]
    out["delta_write_s"] = delta_write()
    out.update(updates(index, n, removable=with_ids))
    out["write_after_s"] = write_atomic(index, path)
    return index, out, path


def child_flat(n: int, count: int) -> dict[str, Any]:
    import faiss

    _, out, path = dense_run(
        n,
        count,
        "flat",
        lambda: (faiss.IndexIDMap2(faiss.IndexFlatIP(DIM)), {}),
        lambda index: dense_stats(index, n, count),
        with_ids=True,
    )
    path.unlink()
    return out


def child_hnsw(n: int, count: int, ef_construction: int) -> dict[str, Any]:
    import faiss

    def make() -> tuple[Any, dict[str, Any]]:
        index = faiss.IndexHNSWFlat(DIM, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        return index, {}

    def by_ef(index: Any) -> dict[str, Any]:
        found = {}
        for ef in (64, EF_SEARCH, 256):
            index.hnsw.efSearch = ef
            found[str(ef)] = dense_stats(index, n, count)
        index.hnsw.efSearch = EF_SEARCH
        return {"by_ef": found, **found[str(EF_SEARCH)]}

    index, out, path = dense_run(n, count, f"hnsw{ef_construction}", make, by_ef, with_ids=False)
    try:
        other = faiss.IndexHNSWFlat(DIM, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        other.add(read_vectors(0, 10))
        index.merge_from(other)
        out["merge_from"] = "works"
    except RuntimeError as exc:
        out["merge_from"] = str(exc).strip().splitlines()[-1].rsplit(": ", 1)[-1][:120]
    out["read_s"] = timed(lambda: faiss.read_index(str(path)))
    path.unlink()
    return out


def ivf_index(n: int, kind: str) -> tuple[Any, float, int]:
    """An IVF index of ``kind`` (flat / sq8), trained on a sample: the index, training seconds, nlist."""
    import faiss

    nlist = round(4 * math.sqrt(n))
    quantizer = faiss.IndexFlatIP(DIM)
    index: Any
    if kind == "sq8":
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, DIM, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
    else:
        index = faiss.IndexIVFFlat(quantizer, DIM, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = 10
    index.cp.min_points_per_centroid = 25
    sample_n = min(n, 30 * nlist)
    rng = np.random.default_rng(0)
    starts = np.sort(rng.choice(n // 1000, size=max(1, sample_n // 1000), replace=False)) * 1000
    sample = np.concatenate([read_vectors(int(s), 1000) for s in starts])
    return index, timed(lambda: index.train(sample)), nlist


def child_ivf(n: int, count: int, kind: str = "flat") -> dict[str, Any]:
    import faiss

    trained: dict[str, Any] = {}

    def make() -> tuple[Any, dict[str, Any]]:
        index, t_train, nlist = ivf_index(n, kind)
        trained["empty"] = faiss.clone_index(index)  # no vectors: a delta segment sharing the quantizer
        return index, {"train_s": t_train, "nlist": nlist}

    def sweep(index: Any) -> dict[str, Any]:
        """nprobe doubled until recall@10 reaches 0.95 (or nprobe reaches nlist); the index keeps the last."""
        found: dict[str, Any] = {}
        for nprobe in [p for p in NPROBES if p <= index.nlist]:
            index.nprobe = nprobe
            found[str(nprobe)] = dense_stats(index, n, count)
            if found[str(nprobe)]["recall"] >= 0.95:
                break
        return {"sweep": found, "nprobe": index.nprobe, "reached": found[str(index.nprobe)]["recall"] >= 0.95}

    index, out, path = dense_run(n, count, f"ivf-{kind}", make, sweep, with_ids=True)
    # a delta segment with the same trained quantizer merges by concatenating its lists
    delta = trained.pop("empty")
    delta.add_with_ids(read_vectors(0, 100) * -1, np.arange(2 * n, 2 * n + 100, dtype=np.int64))
    out["merge_delta_s"] = timed(lambda: index.merge_from(delta, 0))
    path.unlink()
    if kind == "flat":
        out["idmap2_over_ivf_right"] = idmap2_over_ivf_check()
    return out


def idmap2_over_ivf_check() -> int | str:
    """How many of 100 vectors, added after one removed from IndexIDMap2(IndexIVFFlat), are found under
    their own id (searched exhaustively, each for itself); or why remove_ids failed."""
    import faiss

    data = read_vectors(0, 3000)
    quantizer = faiss.IndexFlatIP(DIM)
    ivf = faiss.IndexIVFFlat(quantizer, DIM, 16, faiss.METRIC_INNER_PRODUCT)
    ivf.train(data)
    index = faiss.IndexIDMap2(ivf)
    ids = np.arange(5000, 8000, dtype=np.int64)
    index.add_with_ids(data, ids)
    try:
        index.remove_ids(faiss.IDSelectorBatch(np.array([5010], np.int64)))
    except RuntimeError as exc:
        return "remove_ids fails: " + str(exc).strip().splitlines()[-1].rsplit(": ", 1)[-1][:120]
    ivf.nprobe = 16
    _, found = index.search(data[2000:2100], 1)
    return int((found[:, 0] == ids[2000:2100]).sum())


# ------------------------------------------------------------------------------------------ running

CHILDREN: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "bm25s": lambda job: child_bm25s(job["n"], job["queries"]),
    "tantivy": lambda job: child_tantivy(job["n"], job["queries"]),
    "fts5": lambda job: child_fts5(job["n"], job["queries"]),
    "flat": lambda job: child_flat(job["n"], job["queries"]),
    "hnsw": lambda job: child_hnsw(job["n"], job["queries"], job["efc"]),
    "ivf": lambda job: child_ivf(job["n"], job["queries"], "flat"),
    "ivf-sq8": lambda job: child_ivf(job["n"], job["queries"], "sq8"),
}


def child(spec: str) -> None:
    job = json.loads(spec)
    out = CHILDREN[job["kind"]](job)
    out["final_peak_mb"] = peak_mb()
    print(json.dumps(out))


def run(job: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(job)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        print(job, "failed:", proc.stderr[-3000:], file=sys.stderr)
        return {
            "error": proc.stderr.strip().splitlines()[-1][:200] if proc.stderr.strip() else f"exit {proc.returncode}"
        }
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = time.perf_counter() - t0
    shown = {k: v for k, v in out.items() if "tops" not in k}
    print(job, json.dumps(shown), file=sys.stderr, flush=True)
    return out


def agreement(reference: list[list[int]], other: list[list[int]]) -> float | None:
    """Mean share of bm25s's top K source chunks that ``other``'s top K source chunks hold too."""
    shares = [len(set(a) & set(b)) / len(a) for a, b in zip(reference, other, strict=True) if a]
    return float(np.mean(shares)) if shares else None


# ------------------------------------------------------------------------------------------- report


def f1(x: float | None, unit: str = "") -> str:
    if x is None:
        return "—"
    return f"{x:,.1f}{unit}" if abs(x) >= 1 or x == 0 else f"{x:.2f}{unit}"


def ms(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x * 1000:.1f} ms" if x < 10 else f"{x:.1f} s"


def mb(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f} MB" if x >= 10 else f"{x:.1f} MB"


def memory(r: dict[str, Any]) -> str:
    return f"{mb(r['peak_mb'])} ({mb(r['rss_before_mb'])})"


def keyword_table(res: dict[str, Any], sizes: list[int]) -> str:
    lines = [
        "| N chunks | engine | build | peak RSS (before) | on disk | query p50 / p95 | add 1 | add 100 | delete 1 | top-10 agreement with bm25s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n in sizes:
        b = res.get(f"bm25s-{n}", {})
        for engine, label in (("bm25s", "bm25s (now)"), ("tantivy", "tantivy"), ("fts5", "SQLite FTS5")):
            r = res.get(f"{engine}-{n}")
            if not r:
                continue
            if "error" in r:
                lines.append(f"| {n:,} | {label} | failed: {r['error']} | | | | | | | |")
                continue
            query, adds, delete = (
                f"{r['p50_ms']:.1f} / {r['p95_ms']:.1f} ms",
                f"{ms(r['add1_s'])} | {ms(r['add100_s'])}",
                "",
            )
            if engine == "bm25s":
                build, size = f"{r['build_s']:.1f} s + save {r['save_s']:.1f} s", mb(r["size_mb"])
                peak = f"{memory(r)}, of which token rows {mb(r['rows_mb'])}"
                query += f" (memory-mapped, loaded in {ms(r['load_s'])})"
                adds = f"{ms(r['add1_s'])} (new segment) | {ms(r['add100_s'])} (new segment)"
                delete, agree = "manifest only", "1 (reference)"
            else:
                peak, delete = memory(r), ms(r["delete1_s"])
                agree = f1(agreement(b["tops"], r["tops"]) if "tops" in b else None)
            if engine == "tantivy":
                build = (
                    f"{r['build_s']:.1f} s (+ merges {r['merge_s']:.1f} s; "
                    f"{r['segments_after_commit']}→{r['segments_after_merge']} segments)"
                )
                size = mb(r["size_mb"])
            elif engine == "fts5":
                build = f"{r['build_s']:.1f} s (+ optimize {r['optimize_s']:.1f} s)"
                size = f"{mb(r['size_mb'])} ({mb(r['optimized_size_mb'])} optimized)"
                query += " (optimized)"
            lines.append(f"| {n:,} | {label} | {build} | {peak} | {size} | {query} | {adds} | {delete} | {agree} |")
    return "\n".join(lines)


def dense_table(res: dict[str, Any], sizes: list[int]) -> str:
    lines = [
        "| N vectors | index | build | peak RSS (before) | file | write whole file (atomic) | recall@10 | query p50 / p95, 1 thread | p95, 2 threads | add 1 / 100 | remove 1 / 100 | write after update / 100-vector delta |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n in sizes:
        for key, label in [
            (f"flat-{n}", "IDMap2(FlatIP), exact"),
            (f"hnsw40-{n}", f"HNSWFlat M=32 efC=40, efSearch {EF_SEARCH}"),
            (f"hnsw80-{n}", f"HNSWFlat M=32 efC=80 (now), efSearch {EF_SEARCH}"),
            (f"hnsw200-{n}", f"HNSWFlat M=32 efC=200, efSearch {EF_SEARCH}"),
            (f"ivf-{n}", "IVFFlat"),
            (f"ivf-sq8-{n}", "IVF-SQ8"),
        ]:
            r = res.get(key)
            if not r:
                continue
            if "error" in r:
                lines.append(f"| {n:,} | {label} | failed: {r['error']} | | | | | | | | | |")
                continue
            if key.startswith("ivf"):
                label += f" nlist={r['nlist']}, nprobe={r['nprobe']}" + ("" if r["reached"] else " (recall < 0.95)")
                e = r["sweep"][str(r["nprobe"])]
                build = f"train {ms(r['train_s'])} + add {ms(r['build_s'])}"
            else:
                e = r  # flat, and HNSW at efSearch EF_SEARCH
                build = ms(r["build_s"])
            removal = (
                f"{ms(r['remove1_s'])} / {ms(r['remove100_s'])}" if r.get("remove1_s") is not None else "not supported"
            )
            lines.append(
                f"| {n:,} | {label} | {build} | {memory(r)} | "
                f"{mb(r['size_mb'])} | {ms(r['write_s'])} | {e['recall']:.3f} | {e['p50_ms']:.2f} / {e['p95_ms']:.2f} ms | "
                f"{r['p95_2threads_ms']:.2f} ms | {ms(r['add1_s'])} / {ms(r['add100_s'])} | {removal} | "
                f"{ms(r['write_after_s'])} / {ms(r['delta_write_s'])} |"
            )
    return "\n".join(lines)


def sweep_lines(res: dict[str, Any], sizes: list[int]) -> str:
    def steps(found: dict[str, Any]) -> str:
        return ", ".join(f"{p}: {v['recall']:.3f} ({v['p95_ms']:.2f} ms)" for p, v in found.items())

    out = []
    for n in sizes:
        for key in (f"ivf-{n}", f"ivf-sq8-{n}"):
            if "sweep" in (r := res.get(key) or {}):
                out.append(f"- {key} (nlist {r['nlist']}), nprobe: recall@10 (p95): {steps(r['sweep'])}")
        for key in (f"hnsw40-{n}", f"hnsw80-{n}", f"hnsw200-{n}"):
            if "by_ef" in (r := res.get(key) or {}):
                out.append(f"- {key}, efSearch: recall@10 (p95): {steps(r['by_ef'])}; `merge_from`: {r['merge_from']}")
    return "\n".join(out)


def keyword_notes(res: dict[str, Any], meta: dict[str, Any], sizes: list[int]) -> str:
    notes = []
    tantivy_runs = [(k, v) for k, v in res.items() if k.startswith("tantivy") and "build_s" in v]
    key, tv = tantivy_runs[0] if tantivy_runs else ("", {})
    if tv:
        by_query = "works" if tv["delete_by_query_ok"] else "deleted nothing"
        by_term = "deleted the document" if tv["delete_by_term_int_ok"] else "deleted nothing"
        notes.append(
            f"- tantivy ({key}): whitespace tokenizer, frequencies without positions, writer heap 200 MB on 2 threads for the\n"
            f"  build; updates through a second writer (50 MB, 1 thread) held open, whose creation took {ms(tv['writer_s'])}; opening\n"
            f"  the index from disk {ms(tv['open_s'])}. After the updates the index had {tv['segments_after_updates']} segments and answered in\n"
            f"  {f1(tv['after_updates_p50_ms'])} / {f1(tv['after_updates_p95_ms'])} ms (p50 / p95). Deleting by\n"
            f'  `delete_documents_by_query(term_query(row))` {by_query}; `delete_documents_by_term("row", int)` on the u64\n'
            f"  field {by_term}. Its BM25 keeps document lengths in one byte (lossy), else as bm25s."
        )
    elif not any(k.startswith("tantivy") for k in res):
        notes.append("- tantivy: not installed (`pip install tantivy`), not measured.")
    fts = res.get(f"fts5-{sizes[0]}", {})
    if "build_s" in fts:
        changed = meta["changed_by_fts5"]
        whole = (
            "keeps every token whole"
            if changed == 0
            else f"still changes {changed:.2%} of them (case or other characters)"
        )
        notes.append(
            f"- FTS5: external-content table over `chunks(row, tokens)` (the tab-joined tokens `chunks.sqlite` already stores;\n"
            f'  "on disk" is the FTS index\'s tables alone, by `dbstat`; the content table is {mb(fts["content_mb"])} at {sizes[0]:,}).\n'
            f"  With the default `unicode61` tokenizer {meta['split_by_default_unicode61']:.2%} of the token occurrences (those with `.`\n"
            f"  or `%`, e.g. 2.5%) would be split; `tokenchars '{TOKENCHARS}'` {whole}. Its `bm25()` has k1 = 1.2,\n"
            f"  b = 0.75 but IDF log((N − n + 0.5)/(n + 0.5)) (no 1 +), hence other ties and order."
        )
    return "\n".join(notes)


def dense_notes(res: dict[str, Any]) -> str:
    notes = []
    right = next((r["idmap2_over_ivf_right"] for r in res.values() if "idmap2_over_ivf_right" in r), None)
    if isinstance(right, int):
        why = (
            " (the wrapper compacts its id map, the IVF lists keep the old positions)"
            if right < 100
            else " (the ids stay right)"
        )
        notes.append(
            f"- `IndexIDMap2` over an `IndexIVFFlat`, one of 3,000 vectors removed: {right} of the 100 vectors added after it\n"
            f"  found under their own id{why}. IVF keeps ids of its own (`add_with_ids`, `remove_ids`): no wrapper is needed."
        )
    elif right is not None:
        notes.append(f"- `IndexIDMap2` over an `IndexIVFFlat`: {right}.")
    hnsw = [r for k, r in res.items() if k.startswith("hnsw") and "build_s" in r]
    if hnsw and all(r.get("remove1_s") is None for r in hnsw):
        notes.append(
            f'- HNSW cannot remove vectors (`remove_ids`: "{hnsw[0].get("remove_error", "")}"); deleted rows are left out at query\n'
            "  time by an `IDSelector`, as the index does now, until a rebuild."
        )
    elif hnsw:
        notes.append("- HNSW removed vectors here (`remove_ids` did not fail): see the table.")
    return "\n".join(notes)


def render(
    res: dict[str, Any],
    meta: dict[str, Any],
    sizes: list[int],
    counts: tuple[int, int],
    command: str,
    started: str,
    load: tuple[float, float],
) -> str:
    """The section; ``counts``: how many questions and query vectors were used."""
    from importlib.metadata import PackageNotFoundError, version

    import bm25s
    import faiss

    try:
        tantivy_version = version("tantivy")
    except PackageNotFoundError:
        tantivy_version = "not installed"
    with open("/proc/meminfo") as f:
        mem_gib = int(f.readline().split()[1]) / 2**20
    keyword = any(k.startswith(("bm25s", "tantivy", "fts5")) for k in res)
    dense = any(k.startswith(("flat", "hnsw", "ivf")) for k in res)
    parts = [
        f"""{HEADING}

Command: `{command}` — run {started}, {platform.machine()}, {os.cpu_count()} cores, {mem_gib:.0f} GiB,
Python {platform.python_version()}, bm25s {bm25s.__version__}, tantivy {tantivy_version}, SQLite {sqlite3.sqlite_version}, faiss {faiss.__version__};
load average {load[0]:.1f} at the start and {load[1]:.1f} at the end (other work on the machine: timings are noisy).
Each measurement is one process; peak RSS is VmHWM of that process at the end of its build (inputs included; in brackets
the RSS before the build, e.g. the texts or token rows it indexes). Build and query times exclude reading the inputs."""
    ]
    if keyword:
        base = meta["chunks"]
        parts.append(
            f"""Keyword data: the stored tokens of {base:,} distinct real chunks ({meta["tokens"] / base:.0f} tokens each, vocabulary
{meta["vocabulary"]:,}) of {", ".join(f"`{s}`" for s in meta["sources"])}, repeated with new row ids up to N (so the vocabulary
does not grow with N, as it would with real new reports); {counts[0]} of the {meta["queries"]} real questions ({meta["query_tokens"]:.0f} tokens each). Top-10 agreement: the share of bm25s's 10 best
distinct source chunks among the other engine's 10 best (copies tie; see the script's docstring). "add"/"delete"
include making the change durable and visible (tantivy: commit + reader reload; SQLite: transaction commit,
`synchronous=FULL`); bm25s cannot change an index, so an update writes a new segment (as `rag` does now), timed here
as vocabulary + index + save of the added chunks.

### Keyword search

{keyword_table(res, sizes)}

{keyword_notes(res, meta, sizes)}"""
        )
    if dense:
        parts.append(
            f"""Dense data: the {meta["real_vectors"]:,} real m3e-small vectors of `{VECTORS_FROM.relative_to(ROOT)}`, the rest synthetic
(a real vector plus noise shaped like their covariance, renormalized: a copy is {meta["nn_similarity"]:.2f} similar to its
source, the median nearest-neighbour similarity of the real vectors); {counts[1]} query vectors made the same way (exact
search above 300,000: 50); recall@10 against exact search. FAISS adds and removals
are in memory only: the "write" columns say what persisting them costs.

### Dense search (FAISS)

{dense_table(res, sizes)}

{sweep_lines(res, sizes)}
{dense_notes(res)}"""
        )
    parts.append(f"{HAND_WRITTEN}\n\n(to be written after the run)\n")
    return "\n\n".join(parts)


def write_section(out: Path, section: str) -> None:
    """Replace this section in ``out``, keeping its hand-written recommendation when there is one."""
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    start = text.find(HEADING)
    if start >= 0:
        end = text.find("\n## ", start + 1)
        old = text[start : end if end >= 0 else len(text)]
        if HAND_WRITTEN in old:
            section = section[: section.find(HAND_WRITTEN)] + old[old.find(HAND_WRITTEN) :].rstrip() + "\n"
    replace_section(out, HEADING, section)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--big", action="store_true", help="also 1,000,000 chunks / vectors")
    ap.add_argument("--quick", action="store_true", help="smoke test: 5,000 chunks / vectors, few queries")
    ap.add_argument("--sizes", default="50000,300000")
    ap.add_argument("--only", choices=["keyword", "dense"], help="one half only")
    ap.add_argument("--out", help="rewrite this section of that file (e.g. BENCHMARKS.md); default: print it")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return
    if args.quick and args.big:
        ap.error("--quick and --big exclude each other")
    command = " ".join(["python bench/bench_store_options.py", *sys.argv[1:]])
    started = time.strftime("%Y-%m-%d")
    load0 = os.getloadavg()[0]
    sizes = QUICK_SIZES if args.quick else [int(s) for s in args.sizes.split(",")]
    all_sizes = sizes + ([1_000_000] if args.big else [])
    keyword_count = QUICK_KEYWORD_QUERIES if args.quick else None
    dense_count = QUICK_DENSE_QUERIES if args.quick else DENSE_QUERIES
    keyword, dense = args.only != "dense", args.only != "keyword"
    SCRATCH.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    meta = prepare(all_sizes, keyword, dense)
    print(f"inputs ready in {time.perf_counter() - t0:.0f} s: {meta}", file=sys.stderr)
    results_file = SCRATCH / "results.json"
    res: dict[str, Any] = {}

    def measure(key: str, kind: str, n: int, queries: int | None, **job: Any) -> None:
        res[key] = run({"kind": kind, "n": n, "queries": queries, **job})
        results_file.write_text(json.dumps(res))

    engines = ["bm25s", "tantivy", "fts5"]
    try:
        import tantivy  # noqa: F401
    except ImportError:
        print("note: tantivy is not installed (pip install tantivy): measured without it", file=sys.stderr)
        engines.remove("tantivy")
    if keyword:
        for n in all_sizes:
            for engine in engines:
                if engine == "bm25s" and n > 300_000:
                    continue  # 1M chunks of bm25s: see the 50,000 and 300,000 figures (it holds all in memory)
                measure(f"{engine}-{n}", engine, n, keyword_count)
    if dense:
        for n in all_sizes:
            measure(f"flat-{n}", "flat", n, min(dense_count, 50) if n > 300_000 else dense_count)
            for efc in (40, 80, 200):
                if efc != 80 and n > 50_000 and not (efc == 40 and n <= 300_000):
                    continue
                measure(f"hnsw{efc}-{n}", "hnsw", n, dense_count, efc=efc)
            measure(f"ivf-{n}", "ivf", n, dense_count)
            if n >= 1_000_000:
                measure(f"ivf-sq8-{n}", "ivf-sq8", n, dense_count)
    counts = (keyword_count or meta.get("queries", 0), dense_count)
    section = render(res, meta, all_sizes, counts, command, started, (load0, os.getloadavg()[0]))
    print(f"all done in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if args.out:
        write_section(Path(args.out), section)
        print(f"section written to {args.out}", file=sys.stderr)
    else:
        print(section)


if __name__ == "__main__":
    main()
