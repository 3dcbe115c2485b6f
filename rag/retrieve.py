"""Hybrid retrieval: BM25 (jieba) and dense (FAISS) candidates, fused, with date awareness.

Plain reciprocal-rank fusion gives the weak leg as much say as the strong one: on Chinese meeting
reports the keyword leg is far stronger (names, dates, bill titles), and RRF of the two lands
between them. `WeightedFusion`, the default, scales each leg's scores to [0, 1] over the candidates
of the query and combines them with weights, so the dense leg breaks ties and rescues paraphrases
without overruling exact keyword evidence. `RRF` is kept as a strategy for comparison. A date,
month or year written in the question boosts documents of that date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

import numpy as np

from .dates import date_hints
from .embed import Embedder
from .normalize import normalize
from .store import IndexStore
from .tokenize import tokenize
from .types import Hit

Mode = Literal["hybrid", "bm25", "dense"]
S = TypeVar("S")
PARTIAL_SORT_FROM = 100_000  # rows


@dataclass(frozen=True)
class Filters:
    """What a search may return, with the meaning of `IndexStore.rows_where`: chunks dated within
    ``date_from``…``date_to``, of ``doc_ids`` (None or empty: any), of ``collections`` (None: all;
    empty: none)."""

    date_from: str | None = None
    date_to: str | None = None
    doc_ids: Sequence[str] | None = None
    collections: Sequence[str] | None = None


class Engine(Protocol[S]):
    """Where the two legs of a search run, over the chunk rows of an `IndexStore` (``store.chunks``):
    the index's own segments (`LocalEngine`) or a search server (`rag.milvus.MilvusEngine`).

    ``scope`` turns the filters into what the legs take (``S``), or None when no chunk can pass.
    """

    def scope(self, filters: Filters) -> S | None: ...

    def keyword(
        self, tokens: Sequence[str], n: int, scope: S, also: Sequence[int]
    ) -> tuple[dict[int, float], dict[int, float]]:
        """The ``n`` best rows by BM25 with a score above 0, best first, and the scores of the rows
        ``also`` (0 where none of the tokens occurs)."""
        ...

    def dense(self, vector: np.ndarray, n: int, scope: S) -> dict[int, float]:
        """The ``n`` rows nearest to ``vector`` by inner product, best first."""
        ...

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        """The stored vectors of the rows."""
        ...


@dataclass(frozen=True)
class _Rows:
    """The rows passing the filters (None: all)."""

    rows: np.ndarray | None


class LocalEngine:
    """Both legs over the index's own segments: bm25s and FAISS, in this process."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store

    def scope(self, filters: Filters) -> _Rows | None:
        rows = self.store.rows_where(filters.date_from, filters.date_to, filters.doc_ids, filters.collections)
        return None if rows is not None and len(rows) == 0 else _Rows(rows)

    def keyword(
        self, tokens: Sequence[str], n: int, scope: _Rows, also: Sequence[int]
    ) -> tuple[dict[int, float], dict[int, float]]:
        scores = self.store.bm25_scores(tokens)  # rows outside the filter score 0
        if scope.rows is not None:
            allowed = np.zeros(len(self.store), dtype=bool)
            allowed[scope.rows] = True
            scores[~allowed] = 0.0
        top = {int(i): float(scores[i]) for i in _best(scores, n) if scores[i] > 0}
        return top, {int(i): float(scores[i]) for i in also}

    def dense(self, vector: np.ndarray, n: int, scope: _Rows) -> dict[int, float]:
        ids, sims = self.store.dense_search(vector, n, scope.rows)
        return {int(i): float(s) for i, s in zip(ids, sims, strict=True)}

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        return self.store.vectors(rows)


class Fusion(Protocol):
    """Combines the two legs' scores of the same candidates into one score per candidate."""

    def fuse(self, bm25: np.ndarray, dense: np.ndarray | None) -> np.ndarray: ...


@dataclass(frozen=True)
class WeightedFusion:
    """Each leg min-max scaled over the candidates (BM25 by its maximum), then ``(1 - w)·bm25 + w·dense``."""

    dense_weight: float = 0.3

    def fuse(self, bm25: np.ndarray, dense: np.ndarray | None) -> np.ndarray:
        b = bm25 / bm25.max() if bm25.max() > 0 else bm25
        if dense is None:  # no dense leg: it counts as 0 for every candidate
            return np.asarray((1 - self.dense_weight) * b)
        lo, hi = dense.min(), dense.max()
        d = (dense - lo) / (hi - lo) if hi > lo else np.ones_like(dense)
        return np.asarray((1 - self.dense_weight) * b + self.dense_weight * d)


@dataclass(frozen=True)
class RRF:
    """Reciprocal-rank fusion: ``Σ 1 / (k + rank)`` over the legs (a candidate absent from BM25 gets no
    BM25 term)."""

    k: int = 60

    def fuse(self, bm25: np.ndarray, dense: np.ndarray | None) -> np.ndarray:
        out = np.zeros(len(bm25))
        legs = [(bm25, bm25 > 0)] + ([(dense, np.ones(len(dense), dtype=bool))] if dense is not None else [])
        for scores, present in legs:
            ranks = np.empty(len(scores))
            ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
            out += np.where(present, 1.0 / (self.k + ranks), 0.0)
        return out


def _best(scores: np.ndarray, n: int) -> np.ndarray:
    """The rows of the ``n`` highest scores, best first. Past `PARTIAL_SORT_FROM` rows only the best
    are sorted (a full sort of a million scores takes about 70 ms); below, a full sort, as before."""
    if len(scores) <= max(PARTIAL_SORT_FROM, n):
        return np.argsort(-scores)[:n]
    best = np.argpartition(-scores, n)[:n]
    return best[np.argsort(-scores[best])]


class Retriever:
    """Hybrid search over an `IndexStore`.

    Args:
        store: the loaded index.
        embedder: encodes questions; must be the model the index was built with.
        engine: where the two legs run (default `LocalEngine`: the segments of ``store``).
        fusion: how the legs' scores are combined (default `WeightedFusion` with dense weight 0.3).
        date_boost: added to the fused score of chunks whose document date fits a date in the question.
        candidates: how many top chunks of each leg enter the fusion.
        per_doc: at most this many chunks of one document in the results.
    """

    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder,
        *,
        fusion: Fusion | None = None,
        date_boost: float = 0.3,
        candidates: int = 100,
        per_doc: int = 3,
        engine: Engine[Any] | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.engine: Engine[Any] = engine or LocalEngine(store)
        self.fusion = fusion or WeightedFusion()
        self.date_boost = date_boost
        self.candidates = candidates
        self.per_doc = per_doc

    def search(
        self,
        question: str,
        k: int = 5,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
        doc_ids: Sequence[str] | None = None,
        collections: Sequence[str] | None = None,
        mode: Mode = "hybrid",
    ) -> list[Hit]:
        """The ``k`` best chunks for ``question``; ``mode`` is ``hybrid``, ``bm25`` or ``dense``.
        Only chunks of ``collections`` (None: all) are scored, by either leg."""
        if k <= 0 or len(self.store) == 0:
            return []
        q = normalize(question)
        scope = self.engine.scope(Filters(date_from, date_to, doc_ids, collections))
        if scope is None:
            return []
        dense: dict[int, float] = {}
        qv = None
        if mode != "bm25":
            qv = self.embedder.embed_query(q)
            dense = self.engine.dense(qv, self.candidates, scope)
        bm25: dict[int, float] = {}
        if mode != "dense":
            bm25, also = self.engine.keyword(tokenize(q), self.candidates, scope, list(dense))
            missing = [i for i in bm25 if i not in dense]
            if qv is not None and missing:  # the keyword candidates' inner products too
                dense.update(zip(missing, (self.engine.vectors(missing) @ qv).tolist(), strict=True))
            cand = list(dict.fromkeys([*bm25, *dense]))
            bm25.update(also)
        else:
            cand = list(dense)
        if not cand:
            return []
        fused = self._fuse(q, cand, bm25, dense, mode)
        return self._top(cand, fused, bm25, dense, k)

    def _fuse(self, q: str, cand: list[int], bm25: dict[int, float], dense: dict[int, float], mode: Mode) -> np.ndarray:
        b = np.array([bm25.get(i, 0.0) for i in cand], dtype=np.float64)
        d = np.array([dense[i] for i in cand]) if dense else None
        if mode == "bm25":
            return WeightedFusion(dense_weight=0.0).fuse(b, None)
        if mode == "dense":
            return WeightedFusion(dense_weight=1.0).fuse(np.zeros_like(b), d)
        fused = self.fusion.fuse(b, d)
        hints = date_hints(q)
        if hints:
            fits = [any(h.matches(self.store.chunks[i].date) for h in hints) for i in cand]
            fused = fused + self.date_boost * np.array(fits, dtype=np.float64)
        return fused

    def _top(
        self, cand: list[int], fused: np.ndarray, bm25: dict[int, float], dense: dict[int, float], k: int
    ) -> list[Hit]:
        """The ``k`` best candidates, at most ``per_doc`` of one document."""
        hits: list[Hit] = []
        per_doc: dict[str, int] = {}
        for j in np.argsort(-fused, kind="stable"):
            i = cand[j]
            chunk = self.store.chunks[i]
            if per_doc.get(chunk.doc_id, 0) >= self.per_doc:
                continue
            per_doc[chunk.doc_id] = per_doc.get(chunk.doc_id, 0) + 1
            keyword = bm25.get(i, 0.0) or None
            hits.append(Hit(chunk=chunk, score=float(fused[j]), bm25=keyword, dense=dense.get(i)))
            if len(hits) == k:
                break
        return hits
