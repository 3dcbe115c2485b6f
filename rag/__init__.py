"""Offline question answering over Chinese meeting records, with numbered citations.

    from rag import Assistant
    a = Assistant.build(["corpus/"], index_dir="index/")
    ans = a.ask("出席活动的副市长是谁？")

The names in ``__all__`` are the public API. The submodules are internal: their names may change
between versions (the command line, ``rag.web`` for the web app, and the index format are kept
stable as documented in the README).
"""

from .api import Assistant
from .config import LLMConfig, Settings, __version__
from .embed import Embedder
from .errors import (
    IndexCorrupt,
    IndexMismatch,
    IndexNotFound,
    ModelNotFound,
    NoDocuments,
    RagError,
    SettingsError,
)
from .loaders import SUPPORTED as SUPPORTED_SUFFIXES
from .loaders import LoadResult
from .loaders import load as load_documents
from .meetings import Decision, Meeting, Person
from .store import BuildStats
from .types import MARKER, Answer, Chunk, Citation, Document, Hit, Quote

__all__ = [
    "MARKER",
    "SUPPORTED_SUFFIXES",
    "Answer",
    "Assistant",
    "BuildStats",
    "Chunk",
    "Citation",
    "Decision",
    "Document",
    "Embedder",
    "Hit",
    "IndexCorrupt",
    "IndexMismatch",
    "IndexNotFound",
    "LLMConfig",
    "LoadResult",
    "Meeting",
    "ModelNotFound",
    "NoDocuments",
    "Person",
    "Quote",
    "RagError",
    "Settings",
    "SettingsError",
    "__version__",
    "load_documents",
]
