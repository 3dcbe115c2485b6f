"""Internal: export a sentence-transformers model to ONNX (fp32 and int8), run as a child process.

    python -m rag._export MODEL_FOLDER OUT_FOLDER

`rag.embed.OnnxEmbedder` runs this once per model, in a temporary working folder: onnxruntime's
tools may write temporary models into the working folder, and torch stays out of the caller's
process. The graph (mean pooling and L2 normalization inside) must reproduce sentence-transformers
on padded batches. The int8 graph has per-tensor weights: cosine to the model ≈ 0.99. (Per-channel
weights, cosine ≈ 0.996 with the export of an earlier transformers version, give ≈ 0.70 with the
current one, on onnxruntime 1.24 and 1.32 alike.) Everything is written to a temporary folder
beside ``OUT_FOLDER`` and renamed.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

SAMPLE = ["国务院常务会议审议通过条例草案。", "市政协主席薛登峰出席活动并讲话，强调要统筹协调。" * 3]
INPUTS = ["input_ids", "attention_mask", "token_type_ids"]
MIN_COSINE = 0.9999  # of the fp32 graph to sentence-transformers
MIN_COSINE_INT8 = 0.98  # of the int8 graph
VERSION = "2"  # of the export recipe: part of the cache folder's name, so that a new recipe re-exports


def _pooled(st: Any) -> Any:
    """The transformer of ``st`` with mean pooling and normalization, as one torch module."""
    import torch

    bert = st[0].auto_model.eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    return Pooled()


def _to_onnx(st: Any, enc: Any, path: Path) -> None:
    import torch

    args = tuple(enc[n] for n in INPUTS)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about shape-dependent Python code
        torch.onnx.export(
            _pooled(st),
            args,
            str(path),
            input_names=INPUTS,
            output_names=["embedding"],
            dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in INPUTS}, "embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )


def _check(st: Any, enc: Any, path: Path, min_cosine: float) -> None:
    """The exported graph must reproduce sentence-transformers on a padded batch."""
    from rag.embed import _run, _session

    reference = st.encode(SAMPLE, normalize_embeddings=True, convert_to_numpy=True)
    got = _run(_session(path, 1), {n: enc[n].numpy() for n in INPUTS})
    worst = float(np.min(np.sum(reference * got, axis=1)))
    if worst < min_cosine:
        raise SystemExit(f"the ONNX graph {path.name} does not match the model (cosine {worst:.5f})")


def _quantize(folder: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process

    quant_pre_process(str(folder / "model.onnx"), str(folder / "pre.onnx"), skip_symbolic_shape=True)
    quantize_dynamic(
        str(folder / "pre.onnx"), str(folder / "model-int8.onnx"), weight_type=QuantType.QInt8, per_channel=False
    )
    (folder / "pre.onnx").unlink()


def _install(tmp: Path, out: Path) -> None:
    """Rename the finished folder into place, unless another process finished the same export first."""
    if (out / "model-int8.onnx").is_file():
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


def export(folder: Path, out: Path) -> None:
    """Export the model in ``folder`` into ``out``: ``model.onnx``, ``model-int8.onnx``,
    ``tokenizer.json`` and ``max_length``."""
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(folder), device="cpu")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=out.parent))
    try:
        enc = st.tokenizer(SAMPLE, padding=True, return_tensors="pt")
        _to_onnx(st, enc, tmp / "model.onnx")
        _check(st, enc, tmp / "model.onnx", MIN_COSINE)
        _quantize(tmp)
        _check(st, enc, tmp / "model-int8.onnx", MIN_COSINE_INT8)
        shutil.copy(folder / "tokenizer.json", tmp / "tokenizer.json")
        (tmp / "max_length").write_text(str(min(int(st.max_seq_length or 512), 512)))
        _install(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python -m rag._export MODEL_FOLDER OUT_FOLDER")
    export(Path(sys.argv[1]), Path(sys.argv[2]))
