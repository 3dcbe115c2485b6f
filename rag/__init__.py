"""Offline question answering over Chinese meeting records, with numbered citations.

from rag import Assistant
a = Assistant.build(["corpus/"], index_dir="index/")
ans = a.ask("出席活动的副市长是谁？")
"""

__version__ = "0.1.0"

from .api import Assistant
from .config import Settings
from .errors import IndexCorrupt, IndexMismatch, IndexNotFound, ModelNotFound, NoDocuments, RagError
from .types import Answer, Chunk, Citation, Document, Hit

__all__ = [
    "Answer",
    "Assistant",
    "Chunk",
    "Citation",
    "Document",
    "Hit",
    "IndexCorrupt",
    "IndexMismatch",
    "IndexNotFound",
    "ModelNotFound",
    "NoDocuments",
    "RagError",
    "Settings",
]
