"""Hybrid retrieval: BM25 (jieba) and dense (FAISS) scores fused, with date awareness.

Plain reciprocal-rank fusion gives the weak leg as much say as the strong one: on Chinese meeting
reports the keyword leg is far stronger (names, dates, bill titles), and RRF of the two lands
between them. Here each leg's scores are scaled to [0, 1] over the candidates of the query and
combined with weights, so the dense leg breaks ties and rescues paraphrases without overruling
exact keyword evidence. A date, month or year written in the question boosts documents of that date.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .dates import date_hints
from .embed import Embedder
from .normalize import normalize
from .store import IndexStore
from .tokenize import tokenize
from .types import Hit


class Retriever:
    """Hybrid search over an `IndexStore`.

    Args:
        store: the loaded index.
        embedder: encodes questions; must be the model the index was built with.
        dense_weight: share of the dense leg in the fused score (the rest is BM25).
        date_boost: added to the fused score of chunks whose document date fits a date in the question.
        candidates: how many top chunks of each leg enter the fusion.
        per_doc: at most this many chunks of one document in the results.
    """

    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder,
        *,
        dense_weight: float = 0.3,
        date_boost: float = 0.3,
        candidates: int = 100,
        per_doc: int = 3,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.dense_weight = dense_weight
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
        mode: str = "hybrid",
    ) -> list[Hit]:
        """The ``k`` best chunks for ``question``; ``mode`` is ``hybrid``, ``bm25`` or ``dense``."""
        store = self.store
        if k <= 0 or len(store) == 0:
            return []
        q = normalize(question)
        rows = store.rows_where(date_from, date_to, doc_ids)
        allowed = None
        if rows is not None:
            allowed = np.zeros(len(store), dtype=bool)
            allowed[rows] = True
            if not allowed.any():
                return []

        bm25 = np.zeros(len(store), dtype=np.float32)
        if mode in ("hybrid", "bm25"):
            bm25 = store.bm25_scores(tokenize(q))
            if allowed is not None:
                bm25[~allowed] = 0.0
        n = self.candidates
        cand = [int(i) for i in np.argsort(-bm25)[:n] if bm25[i] > 0]

        dense: dict[int, float] = {}
        if mode in ("hybrid", "dense"):
            qv = self.embedder.embed_query(q)
            ids, sims = store.dense_search(qv, n, rows)
            dense = {int(i): float(s) for i, s in zip(ids, sims, strict=True)}
            missing = [i for i in cand if i not in dense]
            if missing:  # dense scores of keyword candidates outside the dense top n
                dense.update(zip(missing, (store.vectors(missing) @ qv).tolist(), strict=True))
            cand = list(dict.fromkeys([*cand, *dense]))
        if not cand:
            return []

        idx = np.asarray(cand)
        b = bm25[idx].astype(np.float64)
        b = b / b.max() if b.max() > 0 else b
        if dense:
            d = np.array([dense[i] for i in cand])
            lo, hi = d.min(), d.max()
            d = (d - lo) / (hi - lo) if hi > lo else np.ones_like(d)
        else:
            d = np.zeros(len(cand))
        w = {"hybrid": self.dense_weight, "bm25": 0.0, "dense": 1.0}[mode]
        fused = (1 - w) * b + w * d
        hints = date_hints(q)
        if hints and mode == "hybrid":
            fused += self.date_boost * np.array(
                [any(h.matches(store.chunks[i].date) for h in hints) for i in cand], dtype=np.float64
            )

        hits: list[Hit] = []
        per_doc: dict[str, int] = {}
        for j in np.argsort(-fused, kind="stable"):
            i = cand[j]
            chunk = store.chunks[i]
            if per_doc.get(chunk.doc_id, 0) >= self.per_doc:
                continue
            per_doc[chunk.doc_id] = per_doc.get(chunk.doc_id, 0) + 1
            hits.append(
                Hit(
                    chunk=chunk, score=float(fused[j]), bm25=float(bm25[i]) if bm25[i] > 0 else None, dense=dense.get(i)
                )
            )
            if len(hits) == k:
                break
        return hits
