"""Chunks of an index in Milvus: dense vectors and keyword postings, searched with access and date filters.

The keyword leg is this project's BM25 (Lucene variant, k1 1.2, b 0.75, the tokens of `rag.tokenize`),
stored as sparse vectors rather than Milvus's BM25 function with its jieba analyzer. Measured on the
meeting questions (5,218 chunks, keyword-only document R@5): these sparse vectors 0.979, the same
ranking as the embedded store; the BM25 function on the raw text 0.938, and 0.854 in Milvus Lite once
the data is spread over segments (Lite keeps IDF per segment).

How the score is split: a chunk stores, for each token, ``tf / (tf + k1·(1 - b + b·len/avgdl))``; a
question weighs each of its tokens by its IDF, so the inner product is the BM25 score. The IDF comes
from document frequencies kept in a second collection (``<name>__terms``), updated by every upsert
and delete, so it is current for each question. ``avgdl`` is fixed when the index is first written
(chunks have a bounded length, so it moves little); `refresh` recounts the frequencies and, when the
average length has moved, rewrites the chunk weights.

Writers take turns (the caller holds the index's build lock): frequencies are read, changed and
written back.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import numpy as np

from .chunking import index_text
from .dates import span
from .errors import RagError, SettingsError
from .normalize import normalize
from .retrieve import Filters
from .store import IndexStore, Tokens, manifest_revision
from .tokenize import tokenize
from .types import Chunk

K1 = 1.2
B = 0.75
LITE_PREFIX = "milvus:"
DEFAULT_PORT = 19530
DEFAULT_NAME = "rag"
# Milvus limits: VARCHAR bytes, results of one search, rows of one request we send
MAX_ID_BYTES = 8192
MAX_COLLECTION_BYTES = 1024
MAX_LIMIT = 16384
BATCH = 1000
# rows of the terms collection that hold totals, beside the term ids (0 … 2**32 - 2)
_CHUNKS, _TOKENS, _AVGDL = -1, -2, -3
_REVISION = -4  # the index revision the chunks mirror (`sync`), as `revision_key`
# the one dimension of a chunk without tokens: Milvus refuses empty sparse vectors; no query has it
_NO_TOKENS = 0xFFFFFFFE
_AVGDL_SCALE = 1_000_000  # the reference average length is stored as an integer, in millionths
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,199}")
_FIELDS = ("chunk_id", "doc_id", "collection", "date_first", "date_last", "length")


@dataclass(frozen=True)
class MilvusURI:
    """Where the store is: ``kind`` is ``lite`` (``address`` a local ``.db`` path) or ``server``
    (``address`` an ``http://host:port`` endpoint); ``name`` is the collection of the index."""

    kind: Literal["lite", "server"]
    address: str
    name: str = DEFAULT_NAME


def parse_uri(uri: str) -> MilvusURI:
    """``milvus:PATH.db`` (a Milvus Lite file) or ``milvus://HOST[:PORT][/NAME]`` (a server, port
    19530 by default; ``NAME`` the collection, ``rag`` by default, so that indexes can share a server).

    Raises `SettingsError` with a one-line message for anything else.
    """
    usage = "use milvus:PATH.db (a Milvus Lite file) or milvus://HOST:PORT[/NAME] (a Milvus server)"
    if not uri.startswith(LITE_PREFIX):
        raise SettingsError(f"store '{uri}' is not a Milvus address: {usage}")
    rest = uri[len(LITE_PREFIX) :]
    if rest.startswith("///"):  # milvus:///abs/path.db
        rest = rest[2:]
    elif rest.startswith("//"):
        return _server(uri, usage)
    if not rest:
        raise SettingsError(f"store '{uri}' names no file: {usage}")
    if not rest.endswith(".db") or rest.endswith("/.db"):
        raise SettingsError(f"Milvus Lite file '{rest}' must end in .db: {usage}")
    return MilvusURI("lite", rest)


def _server(uri: str, usage: str) -> MilvusURI:
    parts = urlsplit(uri)
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise SettingsError(f"store '{uri}' has a bad port: {usage}") from None
    if not parts.hostname:
        raise SettingsError(f"store '{uri}' names no host: {usage}")
    if parts.query or parts.fragment or parts.username:
        raise SettingsError(f"store '{uri}' has more than a host, a port and a name: {usage}")
    name = parts.path.strip("/") or DEFAULT_NAME
    if not _NAME.fullmatch(name):
        raise SettingsError(f"store '{uri}' names the collection '{name}': letters, digits and _ only; {usage}")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return MilvusURI("server", f"http://{host}:{port}", name)


def term_id(token: str) -> int:
    """The sparse dimension of a token: 32 bits of its BLAKE2b hash, below Milvus's limit of 2**32 - 1
    (and below `_NO_TOKENS`). No two of the 92,187 tokens of the meeting index share one."""
    return (
        int.from_bytes(hashlib.blake2b(token.encode("utf-8", "surrogatepass"), digest_size=4).digest(), "little")
        % _NO_TOKENS
    )


def quote(value: str) -> str:
    """``value`` as a string literal of a Milvus filter expression.

    Milvus Lite does not accept filter templates (``filter_params``), so values are escaped instead."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return '"' + escaped.replace("\t", "\\t") + '"'


def where(
    date_from: str | None = None,
    date_to: str | None = None,
    doc_ids: Sequence[str] | None = None,
    collections: Sequence[str] | None = None,
) -> str:
    """The filter expression for the arguments of a search ("" when there is none), with the meaning
    of `IndexStore.rows_where`: a chunk fits a date range when the days its date covers overlap it;
    undated chunks never do; empty ``doc_ids`` is no filter."""
    parts = []
    if collections is not None:
        parts.append(f"collection in [{', '.join(quote(c) for c in sorted(set(collections)))}]")
    if date_from is not None or date_to is not None:
        parts.append('date_first != ""')
        if date_from is not None:
            parts.append(f"date_last >= {quote(date_from)}")
        if date_to is not None:
            parts.append(f"date_first <= {quote(date_to)}")
    if doc_ids:
        parts.append(f"doc_id in [{', '.join(quote(d) for d in sorted(set(doc_ids)))}]")
    return " and ".join(parts)


@dataclass(frozen=True)
class TermStats:
    """Totals of the keyword index: chunks, their tokens, and the average length the stored weights use."""

    chunks: int
    tokens: int
    avgdl: float

    @property
    def drift(self) -> float:
        """How far the current average length is from the one the weights use (0.1: 10 %)."""
        if not self.chunks or not self.avgdl:
            return 0.0
        return abs(self.tokens / self.chunks / self.avgdl - 1)


class MilvusStore:
    """The chunks of one index in a Milvus collection (and its terms in ``<name>__terms``).

    Fields: ``id`` (primary key: 64 bits of a hash of the chunk id, because pymilvus writes string
    keys into its filters unescaped in ``get``, ``delete`` and ``query_iterator``), ``chunk_id``,
    ``doc_id``, ``collection`` (the partition key: a search filtered by collection reads only the
    partitions that hold it; the filter itself keeps out the other collections that share a
    partition), ``date_first`` / ``date_last`` (``YYYY-MM-DD``, "" when undated), ``length`` (tokens),
    ``dense`` (inner product) and ``keywords`` (sparse BM25 weights). Chunk texts stay in the index
    folder; searches return chunk ids and scores.

    Open with `MilvusStore.open`; the collections are made by the first `upsert`.
    """

    def __init__(self, client: Any, name: str = DEFAULT_NAME, uri: MilvusURI | None = None) -> None:
        if not _NAME.fullmatch(name):
            raise SettingsError(
                f"Milvus collection name '{name}' is not valid: letters, digits and _, not starting with a digit"
            )
        self.client = client
        self.name = name
        self.terms = f"{name}__terms"
        self.uri = uri
        # Milvus Lite scores unflushed rows by rebuilding their sparse index at every search (3 s for
        # 5,000 chunks): it is flushed after each write. A server seals segments by itself.
        self.lite = uri.kind == "lite" if uri else str(client.get_server_version()).startswith("milvus_lite")
        self._loaded = False

    @classmethod
    def open(cls, uri: str, name: str | None = None, *, token: str = "", timeout: float | None = None) -> MilvusStore:
        """Connect to the store at ``uri`` (see `parse_uri`), collection ``name`` (default: the one
        the address names); ``token`` is ``user:password`` or an API key."""
        target = parse_uri(uri)
        try:
            from pymilvus import MilvusClient
        except ImportError:
            raise RagError("the Milvus store needs pymilvus: pip install pymilvus milvus-lite") from None
        if target.kind == "lite":
            try:
                import milvus_lite  # noqa: F401
            except ImportError:
                raise RagError("a Milvus Lite file needs milvus-lite: pip install milvus-lite") from None
        logging.getLogger("pymilvus").setLevel(logging.CRITICAL)  # it logs what it raises, with tracebacks
        try:
            client = MilvusClient(target.address, token=token, timeout=timeout)
        except Exception as exc:  # pymilvus raises its own exceptions, and OSError for a locked file
            detail = _detail(exc)
            if target.kind == "lite":  # the usual cause: the file is open in another process
                detail += "; a Milvus Lite file is used by one process at a time"
            raise RagError(f"cannot open the Milvus store '{uri}': {detail}") from exc
        return cls(client, name or target.name, target)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> MilvusStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------------------------- schema

    def exists(self) -> bool:
        """Whether the collections are there; the first time they are, they are loaded for searches
        (a Milvus Lite file opened again, or a server restarted, holds them released)."""
        if not self.client.has_collection(self.name):
            self._loaded = False
            return False
        if not self._loaded:
            for name in (self.name, self.terms):
                self.client.load_collection(name)
            self._loaded = True
        return True

    @property
    def dim(self) -> int | None:
        """The dimension of the dense vectors (None before the first upsert)."""
        if not self.exists():
            return None
        fields = self.client.describe_collection(self.name)["fields"]
        return int(next(f for f in fields if f["name"] == "dense")["params"]["dim"])

    def _create(self, dim: int) -> None:
        from pymilvus import DataType, MilvusClient

        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("chunk_id", DataType.VARCHAR, max_length=MAX_ID_BYTES)
        schema.add_field("doc_id", DataType.VARCHAR, max_length=MAX_ID_BYTES)
        schema.add_field("collection", DataType.VARCHAR, max_length=MAX_COLLECTION_BYTES, is_partition_key=True)
        schema.add_field("date_first", DataType.VARCHAR, max_length=10)
        schema.add_field("date_last", DataType.VARCHAR, max_length=10)
        schema.add_field("length", DataType.INT64)
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
        schema.add_field("keywords", DataType.SPARSE_FLOAT_VECTOR)
        index = MilvusClient.prepare_index_params()
        # Milvus Lite's AUTOINDEX is approximate even at a few hundred rows (an unfiltered search of 866
        # chunks returned 467), and a filtered search then misses most of the rows that pass: Lite
        # searches exactly (FLAT), as the embedded store does below 20,000 chunks. A server picks its own.
        index.add_index("dense", index_type="FLAT" if self.lite else "AUTOINDEX", metric_type="IP")
        index.add_index("keywords", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        self._make(self.name, schema, index)
        if not self.client.has_collection(self.terms):
            terms = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
            terms.add_field("id", DataType.INT64, is_primary=True)
            terms.add_field("n", DataType.INT64)
            terms.add_field("v", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
            tindex = MilvusClient.prepare_index_params()
            tindex.add_index("v", index_type="AUTOINDEX", metric_type="IP")
            self._make(self.terms, terms, tindex)

    def _make(self, name: str, schema: Any, index: Any) -> None:
        # Strong: a search sees every write made before it (a server defaults to Bounded staleness).
        # The indexes of an empty collection need no wait (pymilvus would poll each for 0.5 s).
        self.client.create_collection(name, schema=schema, consistency_level="Strong")
        self.client.create_index(name, index, sync=False)
        self.client.load_collection(name)

    def drop(self) -> None:
        """Remove both collections of the index."""
        for name in (self.name, self.terms):
            if self.client.has_collection(name):
                self.client.drop_collection(name)

    # ---------------------------------------------------------------------------------- writing

    def upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray, tokens: Sequence[Sequence[str]]) -> None:
        """Write chunks (a chunk with the id of a stored one replaces it), with their dense vectors
        (one row each) and keyword tokens (`rag.tokenize.tokenize` of `rag.chunking.index_text`)."""
        if not (len(chunks) == len(vectors) == len(tokens)):
            raise ValueError(f"{len(chunks)} chunks, {len(vectors)} vectors and {len(tokens)} token lists")
        if not chunks:
            return
        ids = [c.chunk_id for c in chunks]
        if len(set(ids)) != len(ids):
            raise ValueError("the same chunk id twice in one upsert")
        if len({row_id(i) for i in ids}) != len(ids):
            raise RagError("two chunk ids of one upsert have the same key in Milvus; rename one document")
        for c in chunks:
            _check_bytes("chunk id", c.chunk_id, MAX_ID_BYTES)
            _check_bytes("document id", c.doc_id, MAX_ID_BYTES)
            _check_bytes("collection", c.collection, MAX_COLLECTION_BYTES)
        vectors = np.asarray(vectors, dtype=np.float32)
        dim = self.dim
        if dim is None:
            self._create(int(vectors.shape[1]))
        elif vectors.shape[1] != dim:
            raise ValueError(f"vectors of dimension {vectors.shape[1]}, the collection holds {dim}")
        stats = self.stats()
        avgdl = stats.avgdl or round(sum(map(len, tokens)) / len(tokens) * _AVGDL_SCALE) / _AVGDL_SCALE or 1.0
        df: Counter[int] = Counter()
        n_chunks, n_tokens = 0, 0
        for old in self._chunks(ids, ["length", "keywords"]):  # what the replaced chunks counted
            df.subtract(_term_ids(old))
            n_chunks -= 1
            n_tokens -= int(old["length"])
        rows = []
        for chunk, vector, toks in zip(chunks, vectors, tokens, strict=True):
            weights = _weights(Counter(map(term_id, toks)), len(toks), avgdl)
            df.update(weights.keys())
            weights = weights or {_NO_TOKENS: 1.0}
            n_chunks += 1
            n_tokens += len(toks)
            first, last = span(chunk.date) if chunk.date else ("", "")
            rows.append(
                {
                    "id": row_id(chunk.chunk_id),
                    "chunk_id": chunk.chunk_id,
                    "doc_id": chunk.doc_id,
                    "collection": chunk.collection,
                    "date_first": first,
                    "date_last": last,
                    "length": len(toks),
                    "dense": vector.tolist(),
                    "keywords": weights,
                }
            )
        for i in range(0, len(rows), BATCH):
            self.client.upsert(self.name, rows[i : i + BATCH])
        self._count(df, n_chunks, n_tokens, avgdl if not stats.avgdl else None)

    def delete_documents(self, doc_ids: Sequence[str]) -> int:
        """Remove every chunk of these documents; returns how many chunks were removed."""
        if not doc_ids or not self.exists():
            return 0
        gone = list(self._rows(where(doc_ids=doc_ids), ["length", "keywords"]))
        if not gone:
            return 0
        for i in range(0, len(gone), BATCH):
            self.client.delete(self.name, ids=[r["id"] for r in gone[i : i + BATCH]])
        df: Counter[int] = Counter()
        for r in gone:
            df.subtract(_term_ids(r))
        self._count(df, -len(gone), -sum(int(r["length"]) for r in gone), None)
        return len(gone)

    def refresh(self, tolerance: float = 0.1) -> TermStats:
        """Count the term statistics again from the stored chunks (after a writer died between writing
        chunks and counting them); when the average length has moved by more than ``tolerance`` from
        the one the weights use, rewrite every chunk's weights with the current one. Reads every chunk."""
        if not self.exists():
            return TermStats(0, 0, 0.0)
        old = self.stats()
        df: Counter[int] = Counter()
        n_chunks = n_tokens = 0
        for r in self._rows("", ["length", "keywords"]):
            df.update(_term_ids(r))
            n_chunks += 1
            n_tokens += int(r["length"])
        avgdl = old.avgdl or (n_tokens / n_chunks if n_chunks else 0.0)
        if n_chunks and old.avgdl and abs(n_tokens / n_chunks / old.avgdl - 1) > tolerance:
            avgdl = round(n_tokens / n_chunks * _AVGDL_SCALE) / _AVGDL_SCALE  # as it is stored
            self._reweight(old.avgdl, avgdl)
        stored = {int(r["id"]): int(r["n"]) for r in self._terms_rows()}
        gone = [t for t in stored if t >= 0 and t not in df]
        for i in range(0, len(gone), BATCH):
            self.client.delete(self.terms, ids=gone[i : i + BATCH])
        rows = [_term(t, n) for t, n in df.items() if stored.get(t) != n]
        rows += [_term(_CHUNKS, n_chunks), _term(_TOKENS, n_tokens), _term(_AVGDL, round(avgdl * _AVGDL_SCALE))]
        for i in range(0, len(rows), BATCH):
            self.client.upsert(self.terms, rows[i : i + BATCH])
        self._flush()
        return self.stats()

    def _reweight(self, old_avgdl: float, avgdl: float) -> None:
        """Rewrite the weights of every chunk for a new average length (the term frequencies are
        recovered from the stored weights: ``tf = w·K / (1 - w)``)."""
        batch = []
        fields = [*_FIELDS[1:], "dense", "keywords"]
        for r in self._rows("", fields):
            length = int(r["length"])
            k_old = K1 * (1 - B + B * length / old_avgdl)
            tf = Counter({t: max(1, round(w * k_old / (1 - w))) for t, w in r["keywords"].items() if t != _NO_TOKENS})
            weights = _weights(tf, length, avgdl) or {_NO_TOKENS: 1.0}
            batch.append({**{f: r[f] for f in ("id", "chunk_id", *fields)}, "keywords": weights})
            if len(batch) == BATCH:
                self.client.upsert(self.name, batch)
                batch = []
        if batch:
            self.client.upsert(self.name, batch)

    def _count(self, df: Counter[int], chunks: int, tokens: int, avgdl: float | None) -> None:
        """Add the changes to the term statistics."""
        changed = [t for t, n in df.items() if n]
        current = {int(r["id"]): int(r["n"]) for r in self._get(changed, ["n"], self.terms)} if changed else {}
        totals = {int(r["id"]): int(r["n"]) for r in self._get([_CHUNKS, _TOKENS], ["n"], self.terms)}
        rows, gone = [], []
        for t in changed:
            n = current.get(t, 0) + df[t]
            if n > 0:
                rows.append(_term(t, n))
            else:
                gone.append(t)
        rows.append(_term(_CHUNKS, totals.get(_CHUNKS, 0) + chunks))
        rows.append(_term(_TOKENS, totals.get(_TOKENS, 0) + tokens))
        if avgdl is not None:
            rows.append(_term(_AVGDL, round(avgdl * _AVGDL_SCALE)))
        for i in range(0, len(rows), BATCH):
            self.client.upsert(self.terms, rows[i : i + BATCH])
        for i in range(0, len(gone), BATCH):
            self.client.delete(self.terms, ids=gone[i : i + BATCH])
        self._flush()

    def _flush(self) -> None:
        if self.lite:
            self.client.flush(self.name)
            self.client.flush(self.terms)

    # ---------------------------------------------------------------------------------- reading

    def count(self) -> int:
        """How many chunks are stored."""
        if not self.exists():
            return 0
        res = self.client.query(self.name, filter="", output_fields=["count(*)"])
        return int(res[0]["count(*)"])

    def stats(self) -> TermStats:
        if not self.exists():
            return TermStats(0, 0, 0.0)
        got = {int(r["id"]): int(r["n"]) for r in self._get([_CHUNKS, _TOKENS, _AVGDL], ["n"], self.terms)}
        return TermStats(got.get(_CHUNKS, 0), got.get(_TOKENS, 0), got.get(_AVGDL, 0) / _AVGDL_SCALE)

    def revision(self) -> int | None:
        """`revision_key` of the index revision the chunks mirror (None: none, or a sync not finished)."""
        if not self.exists():
            return None
        got = list(self._get([_REVISION], ["n"], self.terms))
        return int(got[0]["n"]) if got else None

    def mirrors(self, manifest: dict[str, Any]) -> bool:
        """Whether the chunks are those of the index with this manifest (its last `sync` finished)."""
        return self.revision() == revision_key(manifest_revision(manifest))

    def _mark(self, revision: int | None) -> None:
        if revision is None:
            self.client.delete(self.terms, ids=[_REVISION])
        else:
            self.client.upsert(self.terms, [_term(_REVISION, revision)])
        self._flush()

    def idf(self, tokens: Sequence[str]) -> dict[str, float]:
        """Lucene-style IDF of the tokens found in the index (others are left out), as `IndexStore.idf`."""
        ids = {t: term_id(t) for t in tokens}
        df = {int(r["id"]): int(r["n"]) for r in self._get(sorted(set(ids.values())), ["n"], self.terms)}
        n = self.stats().chunks
        return {t: math.log(1 + (n - df[i] + 0.5) / (df[i] + 0.5)) for t, i in ids.items() if df.get(i, 0) > 0}

    def keyword_search(
        self,
        query: str | Sequence[str],
        n: int,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
        doc_ids: Sequence[str] | None = None,
        collections: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]:
        """The ``n`` best chunks by BM25, as ``(chunk_id, score)``; ``query`` is a question (normalized
        and tokenized here) or its tokens. Only chunks of ``collections`` (None: all) are searched."""
        expr = self._filter(n, date_from, date_to, doc_ids, collections)
        if expr is None:
            return []
        return self.keyword_hits(tokenize(normalize(query)) if isinstance(query, str) else query, n, expr)

    def dense_search(
        self,
        vector: np.ndarray,
        n: int,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
        doc_ids: Sequence[str] | None = None,
        collections: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]:
        """The ``n`` nearest chunks by inner product, as ``(chunk_id, score)``, with the filters of
        `keyword_search`."""
        expr = self._filter(n, date_from, date_to, doc_ids, collections)
        if expr is None:
            return []
        return self.dense_hits(vector, n, expr)

    def keyword_hits(self, tokens: Sequence[str], n: int, expr: str = "") -> list[tuple[str, float]]:
        """`keyword_search` of the tokens among the chunks that ``expr`` (a Milvus filter) passes."""
        if n <= 0 or not tokens or not self.exists():
            return []
        idf = self.idf(tokens)
        weights: dict[int, float] = {}
        for t in tokens:  # a token written twice in the question counts twice, as in bm25s
            if t in idf:
                weights[term_id(t)] = weights.get(term_id(t), 0.0) + idf[t]
        if not weights:
            return []
        return self._search("keywords", [{t: float(w) for t, w in weights.items()}], n, expr)

    def dense_hits(self, vector: np.ndarray, n: int, expr: str = "") -> list[tuple[str, float]]:
        """`dense_search` among the chunks that ``expr`` (a Milvus filter) passes."""
        if n <= 0 or not self.exists():
            return []
        return self._search("dense", [np.asarray(vector, dtype=np.float32).reshape(-1).tolist()], n, expr)

    def _filter(
        self,
        n: int,
        date_from: str | None,
        date_to: str | None,
        doc_ids: Sequence[str] | None,
        collections: Sequence[str] | None,
    ) -> str | None:
        """The filter expression of a search, or None when no chunk can pass it."""
        if n <= 0 or (collections is not None and not collections):
            return None
        return where(date_from, date_to, doc_ids, collections)

    def vectors(self, chunk_ids: Sequence[str]) -> np.ndarray:
        """The dense vectors of the chunks, in the order given. Raises KeyError for an unknown id."""
        got = {r["chunk_id"]: r["dense"] for r in self._chunks(list(dict.fromkeys(chunk_ids)), ["dense"])}
        missing = [c for c in chunk_ids if c not in got]
        if missing:
            raise KeyError(f"no chunk '{missing[0]}' in Milvus collection '{self.name}'")
        return np.asarray([got[c] for c in chunk_ids], dtype=np.float32).reshape(len(chunk_ids), -1)

    def _search(self, field: str, data: list[Any], n: int, expr: str) -> list[tuple[str, float]]:
        res = self.client.search(
            self.name,
            data,
            anns_field=field,
            filter=expr,
            limit=min(n, MAX_LIMIT),
            output_fields=["chunk_id"],
            search_params={"metric_type": "IP"},
        )
        return [(str(hit["chunk_id"]), float(hit["distance"])) for hit in res[0]]

    def _chunks(self, chunk_ids: Sequence[str], fields: list[str]) -> Iterator[dict[str, Any]]:
        """Stored chunks by chunk id."""
        wanted = set(chunk_ids)
        for row in self._get([row_id(c) for c in chunk_ids], ["chunk_id", *fields], self.name):
            if row["chunk_id"] not in wanted:
                raise RagError(f"chunk ids '{row['chunk_id']}' and another one of {sorted(wanted)[:3]} clash in Milvus")
            yield row

    def _get(self, ids: Sequence[int], fields: list[str], collection: str) -> Iterator[dict[str, Any]]:
        """Rows by integer key (`MilvusClient.get` would write string keys into its filter unescaped)."""
        for i in range(0, len(ids), BATCH):
            yield from self.client.get(collection, ids=list(ids[i : i + BATCH]), output_fields=fields)

    def _rows(self, expr: str, fields: list[str]) -> Iterator[dict[str, Any]]:
        """Every chunk matching ``expr``, in batches (a plain query returns at most 16,384 rows)."""
        it = self.client.query_iterator(
            self.name, batch_size=BATCH, filter=expr, output_fields=["id", "chunk_id", *fields]
        )
        try:
            while batch := it.next():
                yield from batch
        finally:
            it.close()

    def _terms_rows(self) -> Iterator[dict[str, Any]]:
        it = self.client.query_iterator(self.terms, batch_size=BATCH * 10, filter="", output_fields=["id", "n"])
        try:
            while batch := it.next():
                yield from batch
        finally:
            it.close()


def _weights(tf: Counter[int], length: int, avgdl: float) -> dict[int, float]:
    """A chunk's stored weight of each term: BM25's saturated, length-normalized term frequency."""
    k = K1 * (1 - B + B * length / avgdl)
    return {t: float(c / (c + k)) for t, c in tf.items()}


def row_id(chunk_id: str) -> int:
    """The primary key of a chunk: a signed 64-bit hash of its id. Two of a million chunks clash with
    a chance of 3 in 10**8; `MilvusStore.upsert` refuses a clash rather than replace the other chunk."""
    digest = hashlib.blake2b(chunk_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def _term_ids(row: dict[str, Any]) -> list[int]:
    """The terms of a stored chunk."""
    return [int(t) for t in row["keywords"] if t != _NO_TOKENS]


def _term(term: int, n: int) -> dict[str, Any]:
    return {"id": term, "n": n, "v": [0.0, 0.0]}


def _check_bytes(what: str, value: str, limit: int) -> None:
    if len(value.encode("utf-8", "surrogatepass")) > limit:
        raise ValueError(f"{what} '{value[:60]}…' is longer than Milvus allows ({limit} bytes)")


@contextlib.contextmanager
def failing(what: str) -> Iterator[None]:
    """Errors of pymilvus (a server gone, a refused request) as a `RagError` of one line saying ``what``
    failed; other errors (this code's) pass unchanged."""
    try:
        yield
    except Exception as exc:
        if not type(exc).__module__.startswith(("pymilvus", "grpc", "milvus_lite")):
            raise
        raise RagError(f"{what}: {_detail(exc)}") from exc


def _detail(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def revision_key(revision: str) -> int:
    """An index revision (`rag.store.manifest_revision`) as the signed 64-bit number Milvus keeps."""
    digest = hashlib.blake2b(revision.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


# ------------------------------------------------------------------------------------- an index's mirror

SYNC_BATCH = 2000  # chunks written to Milvus per request group (their vectors and tokens held at once)

_shared: dict[tuple[str, str], MilvusStore] = {}
_shared_lock = threading.Lock()


def connect(uri: str, token: str = "") -> MilvusStore:
    """The store at ``uri``, opened once per process (a Milvus Lite file can be opened by one process
    only, and every index and thread of this one shares it). Raises `SettingsError` or `RagError`."""
    key = (uri, token)
    with _shared_lock:
        store = _shared.get(key)
        if store is None:
            store = _shared[key] = MilvusStore.open(uri, token=token)
        return store


def disconnect(uri: str) -> None:
    """Close the connections `connect` opened to ``uri`` (a Milvus Lite file is then free for others)."""
    with _shared_lock:
        for key in [k for k in _shared if k[0] == uri]:
            _shared.pop(key).close()


@dataclass(frozen=True)
class SyncStats:
    """What `sync` wrote: chunks upserted and deleted, and whether everything was written again."""

    written: int
    deleted: int
    full: bool
    seconds: float


def sync(
    milvus: MilvusStore,
    store: IndexStore,
    previous: IndexStore | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SyncStats:
    """Make ``milvus`` hold exactly the live chunks of ``store``, with their vectors and tokens.

    When ``milvus`` mirrors ``previous`` (its last sync finished on that revision, with the same
    model, chunking and tokens), only the documents that changed since are deleted and written;
    otherwise (the first sync, another index, a sync that was interrupted) everything is written
    again. The revision is marked last, so that a sync cut short is never taken for a finished one
    (`MilvusStore.mirrors`). ``progress`` gets chunks written and chunks to write.
    """
    with failing(f"Milvus store '{milvus.name}' could not be updated"):
        return _sync(milvus, store, previous, progress)


def _sync(
    milvus: MilvusStore,
    store: IndexStore,
    previous: IndexStore | None,
    progress: Callable[[int, int], None] | None,
) -> SyncStats:
    t0 = time.perf_counter()
    if previous is not None and milvus.mirrors(previous.manifest) and _same_text(previous, store):
        milvus._mark(None)
        old, new = _keys(previous.manifest), _keys(store.manifest)
        changed = {i for i in old.keys() | new.keys() if old.get(i) != new.get(i)}
        deleted = milvus.delete_documents(sorted(changed & old.keys()))
        rows = [r for r, c in enumerate(store.chunks) if c.doc_id in changed]
        held = None
    else:
        milvus.drop()
        deleted, rows = 0, list(range(len(store.chunks)))
        held = Tokens()
        token_rows = store.read_tokens(held)
    for start in range(0, len(rows), SYNC_BATCH):
        part = rows[start : start + SYNC_BATCH]
        chunks = [store.chunks[r] for r in part]
        if held is None:
            tokens = [tokenize(index_text(c)) for c in chunks]
        else:
            tokens = [[held.words[t] for t in token_rows[r].tolist()] for r in part]
        milvus.upsert(chunks, store.vectors(part), tokens)
        if progress is not None:
            progress(start + len(part), len(rows))
    if store.chunks:
        milvus._mark(revision_key(manifest_revision(store.manifest)))
    return SyncStats(len(rows), deleted, held is not None, time.perf_counter() - t0)


def _keys(manifest: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """What each document of an index gives its chunks in Milvus: the hash of its text (title, date),
    and its collection; read from the manifest, where they are already computed."""
    collections = manifest.get("collections") or {}
    return {i: (h, collections.get(i, "")) for i, h in manifest["documents"].items()}


def _same_text(a: IndexStore, b: IndexStore) -> bool:
    """Whether an unchanged document has the same chunks, vectors and tokens in both indexes."""
    keys = ("model", "normalizer", "tokenizer", "chunking")
    return all(a.manifest.get(k) == b.manifest.get(k) for k in keys)


class MilvusEngine:
    """Both legs of a search in Milvus (a `rag.retrieve.Engine`), over the rows of ``store``, whose
    chunks it mirrors (`sync`). Filters are Milvus expressions; chunks Milvus returns that the index
    does not hold (a sync not finished) are left out."""

    def __init__(self, milvus: MilvusStore, store: IndexStore) -> None:
        self.milvus = milvus
        self.store = store
        self._rows = {c.chunk_id: i for i, c in enumerate(store.chunks)}

    def scope(self, filters: Filters) -> str | None:
        f = filters
        return self.milvus._filter(1, f.date_from, f.date_to, f.doc_ids, f.collections)

    def keyword(
        self, tokens: Sequence[str], n: int, scope: str, also: Sequence[int]
    ) -> tuple[dict[int, float], dict[int, float]]:
        with failing(self._failed):
            top = {r: s for r, s in self._found(self.milvus.keyword_hits(tokens, n, scope)).items() if s > 0}
            scores: dict[int, float] = {}
            if also:
                keys = ", ".join(str(row_id(self.store.chunks[r].chunk_id)) for r in also)
                scores = self._found(self.milvus.keyword_hits(tokens, len(also), f"id in [{keys}]"))
        return top, {r: scores.get(r, 0.0) for r in also}

    def dense(self, vector: np.ndarray, n: int, scope: str) -> dict[int, float]:
        with failing(self._failed):
            return self._found(self.milvus.dense_hits(vector, n, scope))

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        with failing(self._failed):
            return self.milvus.vectors([self.store.chunks[r].chunk_id for r in rows])

    @property
    def _failed(self) -> str:
        return f"the Milvus store '{self.milvus.name}' did not answer"

    def _found(self, hits: list[tuple[str, float]]) -> dict[int, float]:
        return {self._rows[c]: score for c, score in hits if c in self._rows}
