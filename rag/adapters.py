"""LangChain adapter: the index as a ``BaseRetriever`` for LCEL chains."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import Assistant


def retriever(assistant: Assistant, k: int = 5, collections: Sequence[str] | None = None) -> Any:
    """A ``BaseRetriever`` whose Documents carry ``n``, ``doc_id``, ``title``, ``date``, ``source``,
    ``start``, ``end`` and ``score`` in their metadata, from ``collections`` only (None: all)."""
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever
    from pydantic import ConfigDict

    class RagRetriever(BaseRetriever):
        """Hybrid (BM25 + dense) retrieval over a `rag` index."""

        model_config = ConfigDict(arbitrary_types_allowed=True)
        assistant: Any
        k: int = 5
        collections: list[str] | None = None

        def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
            hits = self.assistant.search(query, self.k, collections=self.collections)
            return [
                Document(
                    page_content=h.chunk.text,
                    metadata={
                        "n": n,
                        "doc_id": h.chunk.doc_id,
                        "title": h.chunk.title,
                        "date": h.chunk.date,
                        "source": h.chunk.source,
                        "start": h.chunk.start,
                        "end": h.chunk.end,
                        "score": h.score,
                    },
                )
                for n, h in enumerate(hits, 1)
            ]

    return RagRetriever(assistant=assistant, k=k, collections=None if collections is None else list(collections))
