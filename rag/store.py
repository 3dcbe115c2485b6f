"""The index on disk: segments of FAISS vectors, a bm25s keyword index and a SQLite chunk table, and a manifest.

Layout of an index folder::

    manifest.json          format, model, normalizer/tokenizer versions, chunking, document hashes,
                           the segment folders in row order (``generation`` first, then ``segments``),
                           the documents deleted from each (``deleted``), and a ``revision``
    gen-<id>/dense.faiss   one vector per chunk of the segment, row i = chunk row i
    gen-<id>/bm25/         bm25s index of the segment's chunks (numpy + JSON, no pickle)
    gen-<id>/chunks.sqlite its documents (with their normalized text and collection), chunks (spans,
                           tokens) and meeting facts

A segment folder is written once and never changed. A whole build writes one segment per
`SEGMENT_CHUNKS` chunks, one after the other, so that it holds one segment's chunks, tokens and
vectors at a time; an update of an index (`IndexStore.build` with the index as ``previous``) writes a
segment of the new and changed documents only, and lists the removed and replaced ones as deleted:
adding a report costs what it adds, removing one costs a manifest. Questions search every segment
(BM25 with the IDF of the whole index; vectors and BM25 files memory-mapped) and skip deleted documents. Past
`MAX_SEGMENTS` segments, an update folds the small ones (those updates wrote) into its own; past
`MAX_DELETED` of deleted chunks, or when folding is not enough, everything is written anew. Every write makes its files, then replaces ``manifest.json``
atomically (``os.replace``), and only then deletes folders the manifest no longer names: a build or
update that dies leaves the previous index readable. The manifest records the size and SHA-256 of
every file of its segments, checked on loading, so that a truncated or damaged file is named in the
error instead of giving wrong answers. Builds of one index take turns (``.lock``, held with
``flock``); readers take no lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import logging
import math
import os
import re
import shutil
import sqlite3
import stat
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from .chunking import CHUNKER_VERSION, chunk_at, chunk_document, chunk_spans, embed_text, index_text
from .config import __version__
from .dates import span
from .embed import Embedder
from .errors import DiskFull, IndexCorrupt, IndexMismatch, IndexNotFound
from .meetings import EXTRACTOR_VERSION, Meeting, extract
from .normalize import NORMALIZER_VERSION
from .tokenize import TOKENIZER_VERSION, tokenize
from .types import Chunk, Document

# 2: documents belong to collections (a column of the documents table); 3: chunks carry their heading path;
# 4: segments (an update writes what it adds, and lists what it removes)
FORMAT_VERSION = 4
# formats whose vectors a build may still reuse (`IndexStore.load(strict=False)`)
READABLE_FORMATS = (1, 2, 3, FORMAT_VERSION)
# formats that questions may use: a format-2 index reads as chunks without headings, as it was built
QUERYABLE_FORMATS = (2, 3, FORMAT_VERSION)
# an update adds a segment; a build merges them all into one when there would be more than this many,
# or when more than this share of their chunks would be of removed or replaced documents
MAX_SEGMENTS = 8
MAX_DELETED = 0.25
MANIFEST = "manifest.json"
# Exact search below this many chunks (a few ms per question); HNSW above it.
HNSW_THRESHOLD = 20_000
HNSW_M = 32
HNSW_EF_SEARCH = 128
# A whole build writes segments of about this many chunks: its memory is that of one of them, whatever
# the archive's size (a build of 1,022,112 chunks in one segment peaked at 14.7 GB). Below it (every
# index of the quality benchmarks) an index is one segment, as before.
SEGMENT_CHUNKS = 200_000
# a load that finds its generation replaced by a build tries the new one, up to this many times
LOAD_ATTEMPTS = 10

Progress = Callable[[int], None]
log = logging.getLogger("rag")


@dataclass(frozen=True)
class BuildStats:
    """What a build did: counts of documents and chunks, how many were embedded, and the time spent."""

    documents: int
    chunks: int
    embedded_chunks: int
    reused_documents: int
    removed_documents: int
    seconds: float
    embed_seconds: float

    @property
    def chunks_per_second(self) -> float:
        return self.embedded_chunks / self.embed_seconds if self.embed_seconds > 0 else 0.0


def _rebuild_hint(path: Path, sources: Sequence[str] | None = None) -> str:
    given = " ".join(_quote(s) for s in sources) if sources else "SOURCES"
    return f"rebuild it with `rag index {given} --index {_quote(str(path))}`"


def _quote(s: str) -> str:
    import shlex

    return shlex.quote(s)


# ------------------------------------------------------------------------------------------ locking

_locks: dict[str, threading.RLock] = {}
_depth: dict[str, int] = {}
_files: dict[str, int] = {}
_guard = threading.Lock()


@contextlib.contextmanager
def build_lock(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the build lock of the index at ``path``: builds of one index, in this process (threads)
    or in others (``flock`` on ``.lock``), take turns. Re-entrant; waits, and says so, when taken."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    key = str(folder.resolve())
    with _guard:
        rlock = _locks.setdefault(key, threading.RLock())
    with rlock:
        if _depth.get(key, 0) == 0:
            fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.warning("another build of the index in '%s' is running; waiting for it to finish", folder)
                fcntl.flock(fd, fcntl.LOCK_EX)
            _files[key] = fd
        _depth[key] = _depth.get(key, 0) + 1
        try:
            yield
        finally:
            _depth[key] -= 1
            if _depth[key] == 0:
                os.close(_files.pop(key))  # releases the flock


class IndexStore:
    """An index loaded in memory. Build with `IndexStore.build`, open with `IndexStore.load`."""

    def __init__(self, path: Path, manifest: dict[str, Any], segments: Sequence[Segment]) -> None:
        self.path = path
        self.manifest = manifest
        self.segments = list(segments)
        # the live documents, chunks (global rows: the live rows of each segment in turn) and meetings
        self.documents = {i: d for g in segments for i, d in g.documents.items() if i not in g.deleted}
        self.chunks: list[Chunk] = []
        self._starts: list[int] = []  # the first global row of each segment
        for g in segments:
            self._starts.append(len(self.chunks))
            self.chunks.extend(g.chunks[i] for i in g.live)
        self.meetings = [m for g in segments for m in g.meetings if m.doc_id not in g.deleted]
        self._simple = len(segments) == 1 and not segments[0].deleted  # rows are the segment's rows
        chunks = self.chunks
        spans = [span(c.date) if c.date else ("", "") for c in chunks]  # a year covers its days
        self._firsts = np.array([f for f, _ in spans], dtype=object)
        self._lasts = np.array([last for _, last in spans], dtype=object)
        # each chunk's collection as a number, for the access mask of every search
        self._collection_codes = {name: i for i, name in enumerate(sorted({c.collection for c in chunks}))}
        self._collections = np.array([self._collection_codes[c.collection] for c in chunks], dtype=np.int32)

    # ------------------------------------------------------------------------------------ reading

    @property
    def model_name(self) -> str:
        return str(self.manifest["model"]["name"])

    @property
    def model_backend(self) -> str:
        return str(self.manifest["model"].get("backend", "torch"))

    @property
    def chunk_settings(self) -> tuple[int, int]:
        c = self.manifest["chunking"]
        return int(c["size"]), int(c["overlap"])

    @property
    def chunker_version(self) -> str | None:
        """What the indexed text of a chunk holds (`CHUNKER_VERSION`); None for indexes from before it
        was recorded (title, date and passage)."""
        version = self.manifest["chunking"].get("version")
        return version if isinstance(version, str) else None

    def __len__(self) -> int:
        return len(self.chunks)

    @property
    def dense(self) -> Any:
        """The FAISS index of the first (largest) segment."""
        return self.segments[0].dense

    @property
    def bm25(self) -> Any:
        """The bm25s index of the first (largest) segment."""
        return self.segments[0].bm25

    def bm25_scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every chunk row for the query tokens (zeros when none is in the vocabulary).

        Over several segments, each token's scores are those of its segment with the IDF of the
        whole index in place of the segment's (a segment's own document lengths stay: an update is
        scored as it would be after a merge, up to that)."""
        out = np.zeros(len(self.chunks), dtype=np.float32)
        if not self.chunks:
            return out
        if self._simple:
            known = [t for t in query_tokens if t in self.bm25.vocab_dict]
            return np.asarray(self.bm25.get_scores(known), dtype=np.float32) if known else out
        for g, start in zip(self.segments, self._starts, strict=True):
            known = [t for t in query_tokens if t in g.bm25.vocab_dict]
            if not known or not len(g.live):
                continue
            scores = np.zeros(len(g.chunks), dtype=np.float32)
            for token in known:
                scores += np.asarray(g.bm25.get_scores([token]), dtype=np.float32) * (
                    self.idf(token) / _idf(len(g.chunks), g.document_frequency(token))
                )
            out[start : start + len(g.live)] = scores[g.live]
        return out

    def dense_search(self, query: np.ndarray, n: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top ``n`` chunk rows by inner product, optionally among ``rows`` only."""
        empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if not self.chunks or n <= 0 or (rows is not None and len(rows) == 0):
            return empty
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        if self._simple:
            return _search(self.dense, q, n, None if rows is None else np.asarray(rows, dtype=np.int64))
        found_ids, found_scores = [], []
        wanted = None if rows is None else np.sort(np.asarray(rows, dtype=np.int64))
        for g, start in zip(self.segments, self._starts, strict=True):
            positions = np.arange(len(g.live)) if wanted is None else _between(wanted, start, len(g.live)) - start
            if not len(positions):
                continue
            allowed = None if len(positions) == len(g.chunks) else g.live[positions]
            ids, scores = _search(g.dense, q, n, allowed)
            found_ids.append(start + np.searchsorted(g.live, ids))  # local rows → global rows
            found_scores.append(scores)
        if not found_ids:
            return empty
        ids, scores = np.concatenate(found_ids), np.concatenate(found_scores)
        best = np.argsort(-scores, kind="stable")[:n]
        return ids[best], scores[best]

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        """The stored vectors of the given chunk rows."""
        if len(rows) == 0:
            return np.zeros((0, self.dense.d), dtype=np.float32)
        wanted = np.asarray(rows, dtype=np.int64)
        if self._simple:
            return np.asarray(self.dense.reconstruct_batch(wanted), dtype=np.float32)
        out = np.zeros((len(wanted), self.dense.d), dtype=np.float32)
        which = np.searchsorted(np.asarray(self._starts), wanted, side="right") - 1
        for k in np.unique(which).tolist():
            g, at = self.segments[k], np.flatnonzero(which == k)
            local = g.live[wanted[at] - self._starts[k]]
            out[at] = g.dense.reconstruct_batch(local)
        return out

    def read_tokens(self, into: Tokens, rows: Sequence[int] | None = None) -> list[np.ndarray]:
        """The keyword tokens of each chunk row (of ``rows`` only, in their order, when given) as ids
        of ``into`` (a rebuild reuses them), read from disk: they are large, and not kept in memory."""
        wanted = np.arange(len(self.chunks)) if rows is None else np.asarray(rows, dtype=np.int64)
        picked: list[np.ndarray] = [np.zeros(0, dtype=np.int32)] * len(wanted)
        which = np.searchsorted(np.asarray(self._starts), wanted, side="right") - 1
        for k in np.unique(which).tolist():
            g, at = self.segments[k], np.flatnonzero(which == k)
            local = g.live[wanted[at] - self._starts[k]].tolist()
            read = _read_tokens(self.path / g.name / "chunks.sqlite", into, local)
            for j, row in zip(at.tolist(), local, strict=True):
                picked[j] = read[row]
        return picked

    def document_frequency(self, token: str) -> int:
        """In how many chunks of the segments ``token`` occurs (chunks of deleted documents count
        until a merge, as in the segments' own scores)."""
        return sum(g.document_frequency(token) for g in self.segments)

    def idf(self, token: str) -> float:
        """Lucene-style IDF of a token over chunks; unseen tokens get the highest value."""
        return _idf(sum(len(g.chunks) for g in self.segments), self.document_frequency(token))

    def rows_where(
        self,
        date_from: str | None = None,
        date_to: str | None = None,
        doc_ids: Sequence[str] | None = None,
        collections: Sequence[str] | None = None,
    ) -> np.ndarray | None:
        """Chunk rows passing the filters, or None when there is no filter. ``collections`` are the
        ones the caller may read (None: all; empty: none): both legs of a search are masked by it,
        so other collections' chunks are never scored."""
        if date_from is None and date_to is None and not doc_ids and collections is None:
            return None
        mask = np.ones(len(self.chunks), dtype=bool)
        if collections is not None:
            codes = [self._collection_codes[c] for c in set(collections) if c in self._collection_codes]
            mask &= np.isin(self._collections, np.asarray(codes, dtype=np.int32))
        if date_from is not None or date_to is not None:
            has = self._firsts != ""
            mask &= has
            if date_from is not None:
                mask &= np.where(has, self._lasts >= date_from, False).astype(bool)
            if date_to is not None:
                mask &= np.where(has, self._firsts <= date_to, False).astype(bool)
        if doc_ids:
            wanted = set(doc_ids)
            mask &= np.array([c.doc_id in wanted for c in self.chunks], dtype=bool)
        return np.flatnonzero(mask)

    @classmethod
    def exists(cls, path: str | os.PathLike[str]) -> bool:
        return (Path(path) / MANIFEST).is_file()

    @classmethod
    def read_manifest(cls, path: str | os.PathLike[str], strict: bool = True) -> dict[str, Any]:
        """The manifest of the index at ``path``, its shape checked (`_manifest_problem`): any edit
        that would break loading or a rebuild is an `IndexCorrupt` here, in one line."""
        path = Path(path)
        file = path / MANIFEST
        if not file.is_file():
            raise IndexNotFound(f"no index in '{path}': build one with `rag index SOURCES --index {path}`")
        try:
            manifest = json.loads(file.read_text(encoding="utf-8"))
        except RecursionError:  # e.g. 100,000 '[': the parser gives up
            raise IndexCorrupt(f"index file '{file}' is damaged (nested too deeply); {_rebuild_hint(path)}") from None
        except (OSError, ValueError) as exc:  # JSON errors, bytes that are not UTF-8
            raise IndexCorrupt(f"index file '{file}' is unreadable ({exc}); {_rebuild_hint(path)}") from exc
        if not isinstance(manifest, dict):
            raise IndexCorrupt(f"index file '{file}' is not a manifest; {_rebuild_hint(path)}")
        fmt = manifest.get("format")
        if type(fmt) is int and fmt not in (QUERYABLE_FORMATS if strict else READABLE_FORMATS):
            # another format may have another shape; an older one is read only to reuse its vectors
            raise IndexMismatch(
                f"index in '{path}' has format {fmt}, this version reads {FORMAT_VERSION}; {_rebuild_hint(path)}"
            )
        problem = _manifest_problem(manifest)
        if problem:
            sources = manifest.get("sources")
            if not (isinstance(sources, list) and sources and all(_is_text(s) for s in sources)):
                sources = None
            raise IndexCorrupt(f"index file '{file}' is damaged ({problem}); {_rebuild_hint(path, sources)}")
        versions = (
            ("normalizer", NORMALIZER_VERSION),
            ("tokenizer", TOKENIZER_VERSION),
            ("meetings", EXTRACTOR_VERSION),
        )
        for key, version in versions:
            if strict and manifest.get(key) != version:
                raise IndexMismatch(
                    f"index in '{path}' was built with {key} version {manifest.get(key)}, "
                    f"this version uses {version}; {_rebuild_hint(path)}"
                )
        return manifest

    @classmethod
    def load(cls, path: str | os.PathLike[str], strict: bool = True) -> IndexStore:
        """Open the index at ``path``. Raises `IndexNotFound`, `IndexMismatch` or `IndexCorrupt`.

        ``strict=False`` accepts other normalizer/tokenizer versions: a build uses that to reuse the
        vectors of unchanged documents (their content hash covers the normalized text).
        """
        path = Path(path)
        manifest = cls.read_manifest(path, strict)
        for _ in range(LOAD_ATTEMPTS):
            try:
                return cls._load_generation(path, manifest)
            except IndexCorrupt:
                # builds may have replaced (and removed) the generation while it was being read:
                # read the one the manifest names now; the same one again means it is damaged
                again = cls.read_manifest(path, strict)
                if manifest_revision(again) == manifest_revision(manifest):
                    raise
                manifest = again
        return cls._load_generation(path, manifest)

    @classmethod
    def _load_generation(cls, path: Path, manifest: dict[str, Any]) -> IndexStore:
        hint = _rebuild_hint(path, manifest.get("sources"))
        deleted = manifest.get("deleted") or {}
        segments = [
            _load_segment(
                path, entry["name"], entry["files"], frozenset(deleted.get(entry["name"], ())), manifest, hint
            )
            for entry in _segment_entries(manifest)
        ]
        live = sum(len(g.live) for g in segments)
        if live != manifest.get("counts", {}).get("chunks"):
            raise IndexCorrupt(
                f"index in '{path}' is inconsistent (chunks {live}, manifest {manifest['counts'].get('chunks')}); {hint}"
            )
        return cls(path, manifest, segments)

    # ------------------------------------------------------------------------------------ writing

    @classmethod
    def build(
        cls,
        path: str | os.PathLike[str],
        documents: Sequence[Document],
        embedder: Embedder,
        *,
        chunk_size: int,
        chunk_overlap: int,
        previous: IndexStore | None = None,
        hnsw_threshold: int = HNSW_THRESHOLD,
        sources: Sequence[str] | None = None,
        on_plan: Callable[[int], None] | None = None,
        progress: Progress | None = None,
        merge: bool = False,
        store_uri: str | None = None,
        segment_chunks: int | None = None,
    ) -> tuple[IndexStore, BuildStats]:
        """Write an index of exactly ``documents`` at ``path`` and return it loaded.

        Documents whose content hash, chunking and model match ``previous`` reuse its chunks and
        vectors; the rest are chunked and embedded. When ``previous`` is the index at ``path`` as
        this version writes it, only what changed is written: a segment with the new and changed
        documents, and the removed and replaced ones listed as deleted (past `MAX_DELETED`, or with
        ``merge``, everything is written anew instead; past `MAX_SEGMENTS`, the segments of earlier
        updates are folded into the new one, or everything is written anew when that is not enough).
        A whole build is written as segments of about ``segment_chunks`` (default `SEGMENT_CHUNKS`)
        chunks, made one after the other, so that its memory does not grow with the archive. From
        ``hnsw_threshold`` chunks on, dense search of a segment is approximate (HNSW) instead of
        exact. ``sources`` (the files and folders read) go into the manifest, for the command that
        rebuilds. ``on_plan`` gets the number of chunks to embed before embedding starts,
        ``progress`` the number embedded after each batch. ``store_uri`` is recorded in the manifest as
        the search engine that mirrors the index (a Milvus address, `rag.milvus`; None: none, searches
        run on the index's own files). Holds the build lock of ``path`` throughout.
        """
        with build_lock(path):
            return cls._build(
                Path(path), documents, embedder, chunk_size, chunk_overlap, previous, hnsw_threshold, sources,
                on_plan, progress, merge, store_uri, segment_chunks or SEGMENT_CHUNKS,
            )  # fmt: skip

    @classmethod
    def _build(
        cls,
        path: Path,
        documents: Sequence[Document],
        embedder: Embedder,
        chunk_size: int,
        chunk_overlap: int,
        previous: IndexStore | None,
        hnsw_threshold: int,
        sources: Sequence[str] | None,
        on_plan: Callable[[int], None] | None,
        progress: Progress | None,
        merge: bool,
        store_uri: str | None,
        segment_chunks: int,
    ) -> tuple[IndexStore, BuildStats]:
        t0 = time.perf_counter()
        docs = list({d.doc_id: d for d in documents}.values())  # a later record with the same id wins
        chunking = (chunk_size, chunk_overlap)
        update = None if merge else _update(path, docs, previous, embedder, chunking, segment_chunks)
        if update is not None:
            return cls._update(path, docs, update, embedder, hnsw_threshold, sources, on_plan, progress, t0, store_uri)
        reusable = (
            previous
            if previous is not None
            and previous.model_name == embedder.name
            and previous.model_backend == embedder.backend
            and previous.chunk_settings == (chunk_size, chunk_overlap)
            and previous.chunker_version in (CHUNKER_VERSION, None)  # another indexed text: embed again
            else None
        )
        groups = _groups(docs, segment_chunks, chunk_size - chunk_overlap)
        if len(groups) > 1 and on_plan:  # the bar's total before the first group is chunked
            on_plan(_to_embed(docs, reusable, chunk_size, chunk_overlap))
        made = _Made()

        def parts() -> Iterator[_Part]:
            for group in groups:  # one group's chunks, tokens and vectors in memory at a time
                plan = _plan(group, reusable, chunk_size, chunk_overlap)
                told = on_plan if len(groups) == 1 else None
                to_embed, vectors, seconds = _embedded(plan, embedder, reusable, told, progress)
                made.add(plan, len(to_embed), seconds, int(vectors.shape[1]), hnsw_threshold)
                part = _Part(group, plan.chunks, plan.tokens, vectors, _meetings(group, previous),
                             hnsw=len(plan.chunks) >= hnsw_threshold)  # fmt: skip
                del plan, vectors
                yield part
                del part

        def manifest() -> dict[str, Any]:
            return _manifest(
                embedder,
                made.dim or embedder.dim,
                docs,
                made.chunks,
                (chunk_size, chunk_overlap),
                hnsw=made.first_hnsw,
                build=made.build(previous),
                sources=list(sources) if sources else (previous.manifest.get("sources") if previous else None),
                store_uri=store_uri,
            )

        _write(path, manifest, parts())
        store = cls.load(path)
        old_ids = set(previous.manifest["documents"]) if previous is not None else set()
        stats = BuildStats(
            documents=len(docs),
            chunks=made.chunks,
            embedded_chunks=made.embedded,
            reused_documents=made.reused,
            removed_documents=len(old_ids - {d.doc_id for d in docs}),
            seconds=time.perf_counter() - t0,
            embed_seconds=made.seconds,
        )
        return store, stats

    @classmethod
    def _update(
        cls,
        path: Path,
        docs: Sequence[Document],
        update: _Update,
        embedder: Embedder,
        hnsw_threshold: int,
        sources: Sequence[str] | None,
        on_plan: Callable[[int], None] | None,
        progress: Progress | None,
        t0: float,
        store_uri: str | None,
    ) -> tuple[IndexStore, BuildStats]:
        """Write what changed since ``update.previous``: a segment of the added documents (their vectors
        reused when only their collection or source changed) and of the live documents of the segments it
        folds in, and the removed ones as deleted."""
        previous = update.previous
        folded = {g.name for g in update.fold}
        kept = [g for g in previous.segments if g.name not in folded]
        moved = [d for g in update.fold for i, d in g.documents.items() if i not in g.deleted and i not in update.gone]
        added = [*moved, *update.added]
        plan = _plan(added, previous, *previous.chunk_settings)
        to_embed, vectors, embed_seconds = _embedded(plan, embedder, previous, on_plan, progress)
        deleted = {g.name: set(g.deleted) | {i for i in g.documents if i in update.gone} for g in kept}
        live = sum(1 for g in kept for i in g.live.tolist() if g.chunks[i].doc_id not in deleted[g.name])
        made = _Made()
        made.add(plan, len(to_embed), embed_seconds, int(vectors.shape[1]), hnsw_threshold)
        manifest = _manifest(
            embedder,
            int(previous.dense.d),
            docs,
            live + len(plan.chunks),
            previous.chunk_settings,
            hnsw=len(plan.chunks) >= hnsw_threshold,
            build=made.build(previous),
            sources=list(sources) if sources else previous.manifest.get("sources"),
            store_uri=store_uri,
        )
        if kept:
            manifest["dense"] = previous.manifest["dense"]  # the first segment's; each segment's file says its own
        part = _Part(
            added, plan.chunks, plan.tokens, vectors, _meetings(added, previous), len(plan.chunks) >= hnsw_threshold
        )
        del plan, vectors
        written = _write(
            path,
            manifest,
            [part] if added else [],
            keep=[e for e in _segment_entries(previous.manifest) if e["name"] not in folded],
            deleted={name: sorted(ids) for name, ids in deleted.items() if ids},
        )
        del part
        # the segments in memory stay as they are, with their new deletions; only the new one is read
        segments = [replace(g, deleted=frozenset(deleted[g.name])) for g in kept]
        if added:
            new = _segment_entries(written)[-1]
            hint = _rebuild_hint(path, written.get("sources"))
            segments.append(_load_segment(path, new["name"], new["files"], frozenset(), written, hint))
        store = cls(path, written, segments)
        stats = BuildStats(
            documents=len(docs),
            chunks=len(store.chunks),
            embedded_chunks=len(to_embed),
            reused_documents=len(docs) - len(update.added) + made.reused - len(moved),
            removed_documents=len(update.removed),
            seconds=time.perf_counter() - t0,
            embed_seconds=embed_seconds,
        )
        return store, stats


@dataclass(frozen=True)
class _Update:
    """An update of ``previous``: the documents to add (new or changed), the ids of those removed, of
    those deleted from its segments (removed, or replaced by a changed version), and the small segments
    whose live documents go into the new segment with them (a merge of the segments updates made)."""

    previous: IndexStore
    added: list[Document]
    removed: set[str]
    gone: set[str]
    fold: list[Segment]


def _update(
    path: Path,
    docs: Sequence[Document],
    previous: IndexStore | None,
    embedder: Embedder,
    chunking: tuple[int, int],
    segment_chunks: int = SEGMENT_CHUNKS,
) -> _Update | None:
    """The update that turns ``previous`` into an index of ``docs``, or None when a whole build is due:
    no previous index of this folder, of this version, model and chunking, too many deleted chunks
    (`MAX_DELETED`), or too many segments (`MAX_SEGMENTS`) even once those smaller than half of
    ``segment_chunks`` (written by updates) are folded into the new one."""
    if previous is None or previous.path.resolve() != path.resolve():
        return None
    m = previous.manifest
    same = (
        m.get("format") == FORMAT_VERSION
        and (m.get("normalizer"), m.get("tokenizer"), m.get("meetings"))
        == (NORMALIZER_VERSION, TOKENIZER_VERSION, EXTRACTOR_VERSION)
        and (previous.model_name, previous.model_backend) == (embedder.name, embedder.backend)
        and previous.chunk_settings == chunking
        and previous.chunker_version == CHUNKER_VERSION
    )
    if not same:
        return None
    hashes: dict[str, str] = m["documents"]
    old = previous.documents
    added = [
        d
        for d in docs
        if hashes.get(d.doc_id) != d.content_hash
        or d.doc_id not in old
        or (old[d.doc_id].source, old[d.doc_id].collection) != (d.source, d.collection)
    ]
    removed = set(hashes) - {d.doc_id for d in docs}
    gone = removed | {d.doc_id for d in added if d.doc_id in hashes}
    deleted_chunks = sum(len(g.chunks) - len(g.live) for g in previous.segments)
    deleted_chunks += sum(1 for c in previous.chunks if c.doc_id in gone)
    total = sum(len(g.chunks) for g in previous.segments) + 1
    if deleted_chunks > MAX_DELETED * total:
        return None
    fold: list[Segment] = []
    if len(previous.segments) + bool(added) > MAX_SEGMENTS:
        # the segments of updates go into the new one with the added documents; those of whole builds stay
        fold = [g for g in previous.segments if len(g.live) < segment_chunks // 2]
        folded = sum(len(g.live) for g in fold)
        if len(previous.segments) - len(fold) + 1 > MAX_SEGMENTS or folded > segment_chunks:
            return None
    return _Update(previous, added, removed, gone, fold)


@dataclass
class Segment:
    """One folder of an index, written once by a build or an update and never changed: documents with
    their chunks, vectors, keyword index and meeting facts. Documents removed or replaced since are
    listed in the manifest as deleted from it; a merge writes the live ones into one new segment."""

    name: str
    documents: dict[str, Document]
    chunks: list[Chunk]
    dense: Any
    bm25: Any
    meetings: list[Meeting]
    deleted: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.live = np.array([i for i, c in enumerate(self.chunks) if c.doc_id not in self.deleted], dtype=np.int64)

    def document_frequency(self, token: str) -> int:
        """In how many of its chunks ``token`` occurs: the length of its column in the BM25 matrix."""
        tid = self.bm25.vocab_dict.get(token)
        if tid is None:
            return 0
        indptr = self.bm25.scores["indptr"]
        return int(indptr[tid + 1] - indptr[tid])


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _between(rows: np.ndarray, start: int, size: int) -> np.ndarray:
    """The sorted ``rows`` in ``[start, start + size)``."""
    return rows[np.searchsorted(rows, start) : np.searchsorted(rows, start + size)]


def _search(index: Any, q: np.ndarray, n: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Top ``n`` rows of one FAISS index by inner product, among ``allowed`` rows when given."""
    import faiss

    n = min(n, index.ntotal if allowed is None else len(allowed))
    if n <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    kwargs: dict[str, Any] = {}
    if allowed is not None:
        kwargs["sel"] = faiss.IDSelectorBatch(allowed)
    if isinstance(index, faiss.IndexHNSW):
        kwargs["efSearch"] = max(int(index.hnsw.efSearch), n)
        params = faiss.SearchParametersHNSW(**kwargs)  # type: ignore[attr-defined]
    else:
        params = faiss.SearchParameters(**kwargs) if kwargs else None
    scores, ids = index.search(q, n, params=params)
    keep = ids[0] >= 0
    return ids[0][keep], scores[0][keep]


def _segment_entries(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The segments a manifest names, in row order: its generation first, then those updates added."""
    return [{"name": manifest["generation"], "files": manifest["files"]}, *(manifest.get("segments") or [])]


def segment_names(manifest: dict[str, Any]) -> list[str]:
    """The segment folders a manifest names, in row order."""
    return [e["name"] for e in _segment_entries(manifest)]


def manifest_revision(manifest: dict[str, Any]) -> str:
    """What changes with every write of an index (an update keeps its first segment)."""
    return str(manifest.get("revision") or manifest.get("generation"))


def _load_segment(
    path: Path, name: str, files: dict[str, Any], deleted: frozenset[str], manifest: dict[str, Any], hint: str
) -> Segment:
    import bm25s
    import faiss

    gen = path / name
    if not gen.is_dir():
        raise IndexCorrupt(f"index folder '{gen}' named by '{path / MANIFEST}' is missing; {hint}")
    _verify(gen, files, hint)

    def read(file: Path, reader: Callable[[], Any]) -> Any:
        try:
            return reader()
        except (OSError, RuntimeError, sqlite3.Error, ValueError, KeyError, TypeError) as exc:
            detail = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
            raise IndexCorrupt(f"index file '{file}' is unreadable ({detail}); {hint}") from exc

    documents, chunks = read(gen / "chunks.sqlite", lambda: _read_tables(gen / "chunks.sqlite"))
    # the vectors memory-mapped (the HNSW graph is read): a search reads the rows it visits
    dense = read(gen / "dense.faiss", lambda: faiss.read_index(str(gen / "dense.faiss"), faiss.IO_FLAG_MMAP_IFC))
    if isinstance(dense, faiss.IndexHNSW):
        dense.hnsw.efSearch = int(manifest["dense"].get("efSearch", HNSW_EF_SEARCH))
    # memory-mapped too: a search reads the columns of its tokens
    bm25 = read(gen / "bm25", lambda: bm25s.BM25.load(str(gen / "bm25"), load_corpus=False, mmap=True))
    if dense.ntotal != len(chunks):
        raise IndexCorrupt(f"index in '{path}' is inconsistent (vectors {dense.ntotal}, chunks {len(chunks)}); {hint}")
    meetings = read(gen / "chunks.sqlite", lambda: _read_meetings(gen / "chunks.sqlite"))
    return Segment(name, documents, chunks, dense, bm25, meetings, deleted)


class Tokens:
    """The keyword tokens of a build's chunks, one row of ids per chunk into one vocabulary: millions of
    tokens held as numbers, not as as many strings (a build of 36,000 chunks held 1.2 GB of them)."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.words: list[str] = []
        self.rows: list[np.ndarray] = []

    def ids(self, tokens: Sequence[str]) -> np.ndarray:
        """``tokens`` as ids, new ones added to the vocabulary."""
        vocab, words = self.vocab, self.words
        out = np.empty(len(tokens), dtype=np.int32)
        for i, t in enumerate(tokens):
            tid = vocab.get(t)
            if tid is None:
                tid = vocab[t] = len(words)
                words.append(t)
            out[i] = tid
        return out

    def add(self, tokens: Sequence[str] | np.ndarray) -> None:
        self.rows.append(tokens if isinstance(tokens, np.ndarray) else self.ids(tokens))

    def text(self, row: int) -> str:
        """The tokens of chunk ``row`` as stored: joined by tabs."""
        words = self.words
        return "\t".join([words[i] for i in self.rows[row].tolist()])

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class _Plan:
    """The chunks of a build in row order, their keyword tokens, where each comes from (a row of the
    previous index, or -1 for a chunk to embed), and how many documents were reused whole."""

    chunks: list[Chunk]
    tokens: Tokens
    source_rows: list[int]
    reused: int


def _plan(docs: Sequence[Document], previous: IndexStore | None, size: int, overlap: int) -> _Plan:
    """Unchanged documents (same content hash) take their chunks, tokens and rows from ``previous``
    (an index of the same model and chunking, or None); the others are chunked and tokenized.

    An index from before headings (no chunker version) embedded title, date and passage, as now
    (`embed_text`): a document of it keeps its vectors when it chunks the same now; its chunks take
    their headings and are tokenized again (the keyword text holds the headings)."""
    plan = _Plan([], Tokens(), [], 0)
    old_rows: dict[str, list[int]] = {}
    if previous is not None:
        wanted = _unchanged(docs, previous)
        for row, c in enumerate(previous.chunks):
            if c.doc_id in wanted:
                old_rows.setdefault(c.doc_id, []).append(row)
    before_headings = previous is not None and previous.chunker_version is None
    # which documents keep their rows: (document, its chunks when chunked now, its rows in ``previous``)
    decided: list[tuple[Document, list[Chunk] | None, list[int] | None]] = []
    for doc in docs:
        chunks = chunk_document(doc, size, overlap) if before_headings else None
        rows = old_rows.get(doc.doc_id)
        if rows is not None and chunks is not None and previous is not None:
            rows = rows if _same_spans(chunks, [previous.chunks[r] for r in rows]) else None
        decided.append((doc, chunks, rows))
    old_tokens: dict[int, np.ndarray] = {}
    if previous is not None and not before_headings and previous.manifest.get("tokenizer") == TOKENIZER_VERSION:
        reused_rows = [r for _, _, rows in decided if rows for r in rows]
        try:
            old_tokens = dict(zip(reused_rows, previous.read_tokens(plan.tokens, reused_rows), strict=True))
        except (OSError, sqlite3.Error):  # its files were replaced meanwhile (another build): re-tokenize
            old_tokens = {}
    for doc, chunks, rows in decided:
        if rows is not None and previous is not None:
            plan.reused += 1
            if chunks is not None:  # from before headings: the same vectors, new keyword text
                for chunk, row in zip(chunks, rows, strict=True):
                    plan.chunks.append(chunk)
                    plan.tokens.add(tokenize(index_text(chunk)))
                    plan.source_rows.append(row)
                continue
            for row in rows:
                chunk = previous.chunks[row]
                same = (chunk.source, chunk.collection) == (doc.source, doc.collection)
                plan.chunks.append(chunk if same else replace(chunk, source=doc.source, collection=doc.collection))
                plan.tokens.add(old_tokens[row] if row in old_tokens else tokenize(index_text(chunk)))
                plan.source_rows.append(row)
            continue
        for chunk in chunks if chunks is not None else chunk_document(doc, size, overlap):
            plan.chunks.append(chunk)
            plan.tokens.add(tokenize(index_text(chunk)))
            plan.source_rows.append(-1)
    return plan


def _groups(docs: Sequence[Document], limit: int, step: int) -> list[list[Document]]:
    """``docs`` in order, cut into groups of at most about ``limit`` chunks each (a document's chunks
    estimated from its length and the chunks' ``step``, size less overlap); always one group at least."""
    groups: list[list[Document]] = [[]]
    n = 0
    for d in docs:
        k = max(1, -(-len(d.text) // step))
        if groups[-1] and n + k > limit:
            groups.append([])
            n = 0
        groups[-1].append(d)
        n += k
    return groups


def _unchanged(docs: Sequence[Document], previous: IndexStore) -> set[str]:
    """The ids of ``docs`` that ``previous`` holds with the same content hash: their chunks, tokens and
    vectors are reused."""
    hashes: dict[str, str] = previous.manifest["documents"]
    return {d.doc_id for d in docs if d.doc_id in previous.documents and hashes.get(d.doc_id) == d.content_hash}


def _to_embed(docs: Sequence[Document], reusable: IndexStore | None, size: int, overlap: int) -> int:
    """How many chunks a build of ``docs`` embeds: those of documents ``reusable`` does not hold as they are."""
    unchanged = _unchanged(docs, reusable) if reusable is not None else set()
    return sum(len(chunk_spans(d.text, size, overlap)) for d in docs if d.doc_id not in unchanged)


def _same_spans(new: Sequence[Chunk], old: Sequence[Chunk]) -> bool:
    """Whether a document chunks now as it did in an index from before headings: then each chunk's
    embedded text, and so its vector, is the same."""
    return [(c.start, c.end) for c in new] == [(c.start, c.end) for c in old]


def _meetings(docs: Sequence[Document], previous: IndexStore | None) -> list[Meeting]:
    """The meeting facts of every document: reused for unchanged documents when ``previous`` was
    built by the same extractor, extracted for the others."""
    old: dict[str, Meeting] = {}
    if previous is not None and previous.manifest.get("meetings") == EXTRACTOR_VERSION:
        hashes = previous.manifest["documents"]
        current = {d.doc_id: d.content_hash for d in docs}
        old = {m.doc_id: m for m in previous.meetings if hashes.get(m.doc_id) == current.get(m.doc_id)}
        reused = {d for d in current if hashes.get(d) == current[d]}
    else:
        reused = set()
    out = []
    for d in docs:
        m = old.get(d.doc_id) if d.doc_id in reused else extract(d)
        if m is not None:
            out.append(m)
    return out


def _embedded(
    plan: _Plan,
    embedder: Embedder,
    reusable: IndexStore | None,
    on_plan: Callable[[int], None] | None,
    progress: Progress | None,
) -> tuple[list[int], np.ndarray, float]:
    """The rows to embed, the vectors of all rows (reused from ``reusable``), and the seconds spent embedding."""
    to_embed = [i for i, r in enumerate(plan.source_rows) if r < 0]
    if on_plan:
        on_plan(len(to_embed))
    t_embed = time.perf_counter()
    vectors = _vectors(plan, to_embed, embedder, reusable, progress)
    return to_embed, vectors, time.perf_counter() - t_embed


@dataclass
class _Made:
    """What the parts of a build hold, summed as they are made: for its manifest and figures."""

    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0
    reused: int = 0
    dim: int = 0
    first_hnsw: bool = False

    def add(self, plan: _Plan, embedded: int, seconds: float, dim: int, hnsw_threshold: int) -> None:
        if not self.dim:
            self.first_hnsw = len(plan.chunks) >= hnsw_threshold
        self.chunks += len(plan.chunks)
        self.embedded += embedded
        self.seconds += seconds
        self.reused += plan.reused
        self.dim = dim

    def build(self, previous: IndexStore | None) -> dict[str, Any] | None:
        """The build figures of the manifest: the embedding speed of the last build that embedded anything."""
        if self.embedded:
            return {"embedded_chunks": self.embedded, "embed_seconds": round(self.seconds, 6)}
        return previous.manifest.get("build") if previous is not None else None


def _vectors(
    plan: _Plan, to_embed: list[int], embedder: Embedder, previous: IndexStore | None, progress: Progress | None
) -> np.ndarray:
    """One vector per chunk row: new chunks embedded, reused ones copied from ``previous``."""
    if to_embed:
        new = embedder.embed_documents([embed_text(plan.chunks[i]) for i in to_embed], progress=progress)
    # an update that embeds nothing need not load the model
    dim = int(previous.dense.d) if previous is not None and not to_embed else embedder.dim
    vectors = np.zeros((len(plan.chunks), dim), dtype=np.float32)
    if to_embed:
        vectors[to_embed] = new
    old = [(i, r) for i, r in enumerate(plan.source_rows) if r >= 0]
    if old and previous is not None:
        vectors[[i for i, _ in old]] = previous.vectors([r for _, r in old])
    return vectors


def _manifest(
    embedder: Embedder,
    dim: int,
    docs: Sequence[Document],
    chunks: int,
    chunking: tuple[int, int],
    *,
    hnsw: bool,
    build: dict[str, Any] | None,
    sources: list[str] | None,
    store_uri: str | None = None,
) -> dict[str, Any]:
    """The manifest of a new index (the generation and file checksums are added when it is written)."""
    return {
        "format": FORMAT_VERSION,
        "package": f"rag {__version__}",
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "model": {"name": embedder.name, "dim": dim, "backend": embedder.backend},
        "normalizer": NORMALIZER_VERSION,
        "tokenizer": TOKENIZER_VERSION,
        "meetings": EXTRACTOR_VERSION,
        "chunking": {
            "size": chunking[0],
            "overlap": chunking[1],
            "version": CHUNKER_VERSION,
            "indexed_text": "keywords: title+date+heading+passage; vectors: title+date+passage",
        },
        "dense": (
            {"faiss": "IndexHNSWFlat", "M": HNSW_M, "efSearch": HNSW_EF_SEARCH, "metric": "inner_product"}
            if hnsw
            else {"faiss": "IndexFlatIP", "metric": "inner_product", "normalized": True}
        ),
        "bm25": {"library": "bm25s", "method": "lucene", "k1": 1.2, "b": 0.75},
        "counts": {"documents": len(docs), "chunks": chunks},
        "build": build,
        "sources": sources,
        "documents": {d.doc_id: d.content_hash for d in docs},
        "collections": {d.doc_id: d.collection for d in docs if d.collection},
        **({"store": store_uri} if store_uri else {}),
    }


# -------------------------------------------------------------------------------------------- files

_SCHEMA = """
CREATE TABLE documents (doc_id TEXT PRIMARY KEY, title TEXT, date TEXT, source TEXT, meta TEXT,
                        hash TEXT, text TEXT, collection TEXT NOT NULL DEFAULT '');
CREATE TABLE chunks (row INTEGER PRIMARY KEY, chunk_id TEXT, doc_id TEXT, start INTEGER,
                     "end" INTEGER, tokens TEXT, heading TEXT NOT NULL DEFAULT '');
CREATE TABLE meetings (doc_id TEXT PRIMARY KEY, kind TEXT, date TEXT, facts TEXT);
"""


def _write_tables(
    file: Path,
    docs: Sequence[Document],
    chunks: Sequence[Chunk],
    tokens: Tokens,
    meetings: Sequence[Meeting],
) -> None:
    with contextlib.closing(sqlite3.connect(file)) as db, db:
        db.executescript(_SCHEMA)
        db.executemany(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    d.doc_id,
                    d.title,
                    d.date,
                    d.source,
                    json.dumps(d.meta, default=str),  # ASCII: metadata may hold lone surrogates
                    d.content_hash,
                    d.text,
                    d.collection,
                )
                for d in docs
            ),
        )
        db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?)",
            ((i, c.chunk_id, c.doc_id, c.start, c.end, tokens.text(i), c.heading) for i, c in enumerate(chunks)),
        )
        db.executemany(
            "INSERT INTO meetings VALUES (?, ?, ?, ?)",
            ((m.doc_id, m.kind, m.date, json.dumps(m.to_dict(), ensure_ascii=False)) for m in meetings),
        )


def _read_tokens(file: Path, into: Tokens, rows: Sequence[int]) -> dict[int, np.ndarray]:
    """The tokens of the given rows of one segment as ids of ``into``, by row."""
    wanted = set(rows)
    query = "SELECT row, tokens FROM chunks WHERE row BETWEEN ? AND ? ORDER BY row"
    with contextlib.closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as db:
        return {
            row: into.ids(t.split("\t") if t else [])
            for row, t in db.execute(query, (min(wanted), max(wanted)))
            if row in wanted
        }


def _read_meetings(file: Path) -> list[Meeting]:
    with contextlib.closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as db:
        return [Meeting.from_dict(json.loads(f)) for (f,) in db.execute("SELECT facts FROM meetings ORDER BY rowid")]


def _read_tables(file: Path) -> tuple[dict[str, Document], list[Chunk]]:
    if not file.is_file():
        raise FileNotFoundError(str(file))
    with contextlib.closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(documents)")}
        collection = "collection" if "collection" in columns else "''"  # format 1: no collections
        documents = {
            row[0]: Document(
                doc_id=row[0],
                title=row[1],
                date=row[2],
                source=row[3],
                meta=json.loads(row[4]),
                text=row[6],
                collection=row[7],
            )
            for row in db.execute(f"SELECT doc_id, title, date, source, meta, hash, text, {collection} FROM documents")
        }
        chunk_columns = {row[1] for row in db.execute("PRAGMA table_info(chunks)")}
        heading = "heading" if "heading" in chunk_columns else "''"  # format 2: no headings
        chunks = []
        for chunk_id, doc_id, start, end, path in db.execute(
            f'SELECT chunk_id, doc_id, start, "end", {heading} FROM chunks ORDER BY row'
        ):
            chunks.append(chunk_at(documents[doc_id], chunk_id, start, end, path))
    return documents, chunks


def _write(
    path: Path,
    manifest: dict[str, Any] | Callable[[], dict[str, Any]],
    parts: Iterator[_Part] | Sequence[_Part],
    keep: Sequence[dict[str, Any]] = (),
    deleted: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Write a segment of each part of ``parts`` (made one at a time, so that only one is held in
    memory), then the manifest that makes them live (``manifest``, or a function that makes it once the
    parts are written: a streamed build knows its counts only then), with the segments of ``keep`` before them and
    ``deleted`` documents of those; then remove the folders no manifest names any more. Returns the
    manifest written. Until the manifest is replaced, nothing this wrote is live: a write that fails or
    is killed leaves the previous index as it was (`_remove_unnamed` clears what it left)."""
    path.mkdir(parents=True, exist_ok=True)
    existed = (path / MANIFEST).is_file()
    written: list[Path] = []
    try:
        entries = []
        for part in parts:
            entries.append(_write_segment(path, part, written))
            del part  # before the next one is made
        fields = manifest() if callable(manifest) else manifest
        out = {**fields, **_segments_manifest(keep, entries, deleted)}
        _write_manifest(path, out)
    except BaseException as exc:
        # the previous manifest and its segments are untouched: remove what this write made
        for folder in written:
            shutil.rmtree(folder, ignore_errors=True)
        for leftover in path.glob(".manifest-*"):
            with contextlib.suppress(OSError):
                leftover.unlink()
        if _disk_full(exc):
            kept = "the previous index is intact" if existed else "no index was written"
            raise DiskFull(
                f"disk full while writing the index in '{path}'; {kept}: free some space and try again"
            ) from exc
        raise
    _remove_unnamed(path, out)
    return out


@dataclass
class _Part:
    """What one new segment holds: documents, their chunks in row order with keyword tokens and
    vectors, and their meeting facts; ``hnsw`` when its dense search is approximate."""

    docs: Sequence[Document]
    chunks: Sequence[Chunk]
    tokens: Tokens
    vectors: np.ndarray
    meetings: Sequence[Meeting]
    hnsw: bool


def _write_segment(path: Path, part: _Part, written: list[Path]) -> dict[str, Any]:
    """Write one segment folder in ``path`` (made in a temporary folder, flushed, then renamed; not
    live until a manifest names it) and return its manifest entry. Folders made go into ``written``."""
    import bm25s
    import faiss

    name = f"gen-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=path))
    written.append(tmp)
    _write_tables(tmp / "chunks.sqlite", part.docs, part.chunks, part.tokens, part.meetings)
    index: Any
    dim = part.vectors.shape[1]
    if part.hnsw:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
    else:
        index = faiss.IndexFlatIP(dim)
    if len(part.vectors):
        index.add(np.ascontiguousarray(part.vectors))
    faiss.write_index(index, str(tmp / "dense.faiss"))
    del index
    bm25 = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    bm25.index((part.tokens.rows, part.tokens.vocab), show_progress=False)
    bm25.save(str(tmp / "bm25"), show_progress=False)
    del bm25
    files = _digests(tmp)  # also flushes every file to disk
    os.replace(tmp, path / name)
    written[-1] = path / name  # not live until the manifest names it: removed if that fails
    return {"name": name, "files": files}


def _segments_manifest(
    keep: Sequence[dict[str, Any]], new: Sequence[dict[str, Any]], deleted: dict[str, list[str]] | None
) -> dict[str, Any]:
    """The manifest fields naming the segments: the first as ``generation`` and ``files``, the others
    in ``segments``, the documents deleted from them, and a new ``revision``."""
    entries = [*keep, *new]
    out: dict[str, Any] = {"generation": entries[0]["name"], "files": entries[0]["files"]}
    if entries[1:]:
        out["segments"] = [{"name": e["name"], "files": e["files"]} for e in entries[1:]]
    if deleted:
        out["deleted"] = deleted
    out["revision"] = uuid.uuid4().hex
    return out


def _write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """Replace the manifest atomically (written beside it, flushed, then renamed over it)."""
    # readable UTF-8, but lone surrogates (names that are not UTF-8) as the \u escapes they read back as
    text = _SURROGATE.sub(lambda s: f"\\u{ord(s[0]):04x}", json.dumps(manifest, ensure_ascii=False, indent=1))
    fd, tmp_manifest = tempfile.mkstemp(prefix=".manifest-", dir=path)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp_manifest, path / MANIFEST)
    _fsync_dir(path)


def _remove_unnamed(path: Path, manifest: dict[str, Any]) -> None:
    """The manifest is live: remove the segments it does not name and leftovers of builds that died."""
    named = set(segment_names(manifest))
    for entry in path.iterdir():
        if entry.name not in named and (entry.name.startswith(("gen-", ".tmp-", ".manifest-"))):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


_SURROGATE = re.compile("[\ud800-\udfff]")
_SHORT_WRITE = re.compile(r"\d+ requested and \d+ written")  # numpy's message, without an errno


def _disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or an exception it came from) says that the disk or a quota is full: an
    ``ENOSPC`` / ``EDQUOT`` OSError, SQLite's SQLITE_FULL, or FAISS's and numpy's short writes."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if isinstance(current, sqlite3.Error) and getattr(current, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return True
        text = str(current)
        if isinstance(current, OSError | RuntimeError | sqlite3.Error) and (
            "No space left on device" in text
            or "Disk quota exceeded" in text
            or "database or disk is full" in text
            or _SHORT_WRITE.search(text)
        ):
            return True
        current = current.__cause__ or current.__context__
    return False


# The shape of a manifest: every field that loading, querying or a rebuild reads, with what it must
# be. Checked once, when the manifest is read, so that an edited or damaged manifest is one clear
# line instead of a TypeError somewhere later, and so that `rag index` can always replace it.
_GENERATION = re.compile(r"gen-[0-9A-Za-z-]{1,80}")
_FILE_NAME = re.compile(r"[0-9A-Za-z_-][0-9A-Za-z_.-]*(/[0-9A-Za-z_-][0-9A-Za-z_.-]*)*")  # relative, no dot-parts
_SHA256 = re.compile(r"[0-9a-f]{64}")
_REQUIRED_FILES = ("chunks.sqlite", "dense.faiss")


def _is_text(v: Any) -> bool:
    return isinstance(v, str) and "\0" not in v


def _is_count(v: Any) -> bool:
    return type(v) is int and v >= 0  # bool is an int too, and not a count


def _is_positive(v: Any) -> bool:
    return type(v) is int and v > 0


def _is_number(v: Any) -> bool:
    return type(v) in (int, float) and math.isfinite(v) and v >= 0


def _is_files(v: Any) -> bool:
    return isinstance(v, dict) and all(name in v for name in _REQUIRED_FILES)


_FIELDS: tuple[tuple[str, bool, Callable[[Any], bool], str], ...] = (
    # (field, required, check, what it must be)
    ("format", True, lambda v: type(v) is int, "a whole number"),
    ("generation", True, lambda v: isinstance(v, str) and bool(_GENERATION.fullmatch(v)), "a generation folder name"),
    ("files", True, _is_files, f"an object naming {', '.join(_REQUIRED_FILES)}"),
    ("model", True, lambda v: isinstance(v, dict), "an object"),
    ("model.name", True, lambda v: _is_text(v) and v != "", "a model name"),
    ("model.dim", True, _is_positive, "a positive whole number"),
    ("model.backend", False, _is_text, "a backend name"),
    ("normalizer", False, _is_text, "a version string"),
    ("tokenizer", False, _is_text, "a version string"),
    ("meetings", False, _is_text, "a version string"),
    ("chunking", True, lambda v: isinstance(v, dict), "an object"),
    ("chunking.size", True, _is_positive, "a positive whole number"),
    ("chunking.overlap", True, _is_count, "a whole number ≥ 0"),
    ("chunking.version", False, _is_text, "a version string"),
    ("dense", True, lambda v: isinstance(v, dict), "an object"),
    ("dense.efSearch", False, _is_positive, "a positive whole number"),
    ("bm25", False, lambda v: isinstance(v, dict), "an object"),
    ("counts", True, lambda v: isinstance(v, dict), "an object"),
    ("counts.chunks", True, _is_count, "a whole number ≥ 0"),
    ("counts.documents", False, _is_count, "a whole number ≥ 0"),
    (
        "documents",
        True,
        lambda v: isinstance(v, dict) and all(isinstance(h, str) for h in v.values()),
        "an object of document ids and hashes",
    ),
    (
        "sources",
        False,
        lambda v: v is None or (isinstance(v, list) and all(_is_text(s) for s in v)),
        "null or a list of paths",
    ),
    (
        "build",
        False,
        lambda v: v is None or (isinstance(v, dict) and all(_is_number(x) for x in v.values())),
        "null or an object of numbers",
    ),
    (
        "collections",
        False,
        lambda v: isinstance(v, dict) and all(_is_text(c) for c in v.values()),
        "an object of document ids and collections",
    ),
    ("package", False, _is_text, "a string"),
    ("built_at", False, _is_text, "a string"),
    ("revision", False, _is_text, "a string"),
    ("store", False, lambda v: _is_text(v) and v != "", "a search engine address"),
    (
        "segments",
        False,
        lambda v: (
            isinstance(v, list)
            and all(
                isinstance(e, dict)
                and isinstance(e.get("name"), str)
                and _GENERATION.fullmatch(e["name"])
                and _is_files(e.get("files"))
                for e in v
            )
        ),
        "a list of segment folders with their files",
    ),
    (
        "deleted",
        False,
        lambda v: (
            isinstance(v, dict) and all(isinstance(ids, list) and all(_is_text(i) for i in ids) for ids in v.values())
        ),
        "an object of segment folders and document ids",
    ),
)


def _manifest_problem(m: dict[str, Any]) -> str | None:
    """What is wrong with the shape of a manifest (`_FIELDS`), or None."""
    for field, required, check, what in _FIELDS:
        *parents, key = field.split(".")
        where: Any = m
        for parent in parents:  # checked before (listed first), and required
            where = where[parent]
        if key not in where:
            if required:
                return f"'{field}' is missing"
            continue
        if not check(where[key]):
            return f"'{field}' is not {what}"
    if m["chunking"]["overlap"] >= m["chunking"]["size"]:
        return "'chunking.overlap' is not smaller than 'chunking.size'"
    for segment in _segment_entries(m):
        for name, entry in segment["files"].items():
            good_name = len(name) <= 255 and _FILE_NAME.fullmatch(name) is not None
            good_entry = isinstance(entry, dict) and _is_count(entry.get("size"))
            if not (good_name and good_entry and _SHA256.fullmatch(str(entry.get("sha256")))):
                return f"bad checksum entry {name[:80]!r}"
    return None


def _digests(folder: Path) -> dict[str, dict[str, Any]]:
    """Size and SHA-256 of every file under ``folder``, by relative path; each file fsynced."""
    out: dict[str, dict[str, Any]] = {}
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        with file.open("rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
            os.fsync(f.fileno())
        out[file.relative_to(folder).as_posix()] = {"size": file.stat().st_size, "sha256": digest}
    return out


def _verify(gen: Path, files: dict[str, dict[str, Any]], hint: str) -> None:
    """Check the generation's files against the sizes and digests in the manifest. A file that is
    missing or cannot be read, also when a build removes it meanwhile, is an `IndexCorrupt`."""
    for name, expected in files.items():
        file = gen / name
        try:
            info = file.stat()
            if not stat.S_ISREG(info.st_mode):  # checked before opening: a FIFO would block
                raise IndexCorrupt(f"index file '{file}' is not a regular file; {hint}")
            if info.st_size != expected["size"]:
                raise IndexCorrupt(
                    f"index file '{file}' is damaged ({info.st_size:,} bytes, {expected['size']:,} expected); {hint}"
                )
            with file.open("rb") as f:
                digest = hashlib.file_digest(f, "sha256").hexdigest()
        except FileNotFoundError:
            raise IndexCorrupt(f"index file '{file}' is missing; {hint}") from None
        except OSError as exc:
            raise IndexCorrupt(f"index file '{file}' is unreadable ({exc.strerror or exc}); {hint}") from None
        if digest != expected["sha256"]:
            raise IndexCorrupt(f"index file '{file}' is damaged (its checksum differs); {hint}")


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
