"""Baselines shared by the benchmark scripts."""

from __future__ import annotations

from typing import Any

from rag.retrieve import RRF, Retriever


def rrf(assistant: Any, question: str, k: int | None = None, n: int = 100, c: int = 60) -> list[str]:
    """Plain reciprocal-rank fusion of the BM25 and dense rankings (the usual recipe, no date boost):
    the document ids of the fused chunks, best first (``k`` of them, or ``n``)."""
    r = Retriever(assistant.store, assistant.embedder, fusion=RRF(c), date_boost=0.0, candidates=n)
    return [h.chunk.doc_id for h in r.search(question, k or n)]
