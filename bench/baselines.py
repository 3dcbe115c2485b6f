"""Baselines shared by the benchmark scripts."""

from __future__ import annotations

from typing import Any


def rrf(assistant: Any, question: str, k: int | None = None, n: int = 100, c: int = 60) -> list[str]:
    """Plain reciprocal-rank fusion of the BM25 and dense rankings (the usual recipe): the document
    ids of the fused chunks, best first (``k`` of them, or all)."""
    r = assistant.retriever
    score: dict[str, float] = {}
    chunk_doc: dict[str, str] = {}
    for hits in (r.search(question, n, mode="bm25"), r.search(question, n, mode="dense")):
        for rank, h in enumerate(hits):
            score[h.chunk.chunk_id] = score.get(h.chunk.chunk_id, 0.0) + 1.0 / (c + rank + 1)
            chunk_doc[h.chunk.chunk_id] = h.chunk.doc_id
    ranked = sorted(score, key=lambda cid: -score[cid])
    return [chunk_doc[cid] for cid in ranked[:k]]
