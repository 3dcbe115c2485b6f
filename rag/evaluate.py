"""Evaluation of retrieval and answers on question sets: `rag eval`.

Two kinds of data sets:

- SQuAD format (CMRC2018, DRCD): every context is one document, each question's gold document is
  its context. The index over the contexts is built by `evaluate` (and reused while unchanged).
- JSONL question sets over an existing index: one ``{"question", "answers": [...], "doc_id"}`` per
  line, ``doc_id: null`` for questions the corpus cannot answer.

Metrics are at document level: a hit is a retrieved passage of the gold document.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .api import Assistant
from .config import Settings
from .errors import RagError
from .normalize import normalize
from .types import MARKER, Document

_PUNCT_OR_SPACE = re.compile(r"[\s\W_]+")


def answer_key(text: str) -> str:
    """Text compared for an answer hit: normalized, markers, punctuation and spaces removed (as the
    CMRC 2018 evaluation does), so that 卡基达（Kaji Dha) matches 卡基达（Kaji Dha）."""
    return _PUNCT_OR_SPACE.sub("", MARKER.sub("", normalize(text))).lower()


@dataclass(frozen=True)
class Question:
    question: str
    answers: tuple[str, ...]
    doc_id: str | None


@dataclass(frozen=True)
class Dataset:
    """Questions, and the documents to index when the set brings its own (SQuAD format)."""

    name: str
    questions: tuple[Question, ...]
    documents: tuple[Document, ...] | None = None
    fingerprint: str = ""


def _squad(path: Path, data: dict[str, Any]) -> Dataset:
    documents, questions = [], []
    for article in data["data"]:
        for n, para in enumerate(article["paragraphs"]):
            doc_id = str(para.get("id") or f"{article.get('id', article.get('title', ''))}-{n}")
            documents.append(
                Document(
                    doc_id=doc_id,
                    text=normalize(para["context"]),
                    title=normalize(article.get("title", "")),
                    source=str(path),
                )
            )
            for qa in para["qas"]:
                answers = tuple(dict.fromkeys(a["text"] for a in qa["answers"] if a["text"].strip()))
                questions.append(Question(qa["question"], answers, doc_id))
    return Dataset(path.stem, tuple(questions), tuple(documents))


def _jsonl(path: Path) -> Dataset:
    questions = []
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                questions.append(Question(row["question"], tuple(row.get("answers") or ()), row.get("doc_id")))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise RagError(
                    f"{path}:{lineno}: not a question record ({exc}); expected "
                    '{"question", "answers": [...], "doc_id"}'
                ) from exc
    return Dataset(path.stem, tuple(questions))


def load_dataset(path: str | os.PathLike[str]) -> Dataset:
    """A SQuAD-format ``.json`` file or a ``.jsonl`` question set."""
    p = Path(path)
    if not p.is_file():
        raise RagError(f"no data set at '{p}'")
    raw = p.read_bytes()
    fingerprint = hashlib.sha256(raw).hexdigest()[:12]
    if p.suffix.lower() == ".jsonl":
        ds = _jsonl(p)
    else:
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise RagError(f"'{p}' is not JSON ({exc}); give a SQuAD .json file or a .jsonl question set") from exc
        if not (isinstance(data, dict) and isinstance(data.get("data"), list)):
            raise RagError(f"'{p}' is not in SQuAD format (no 'data' list)")
        ds = _squad(p, data)
    return Dataset(ds.name, ds.questions, ds.documents, fingerprint)


def default_index_dir(dataset: Dataset, model: str) -> Path:
    """Where the index over a SQuAD set's contexts is cached: ``$RAG_CACHE_DIR/eval/…``."""
    cache = Settings.from_env().cache_dir
    safe_model = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(model).name)
    return cache / "eval" / f"{dataset.name}-{dataset.fingerprint}-{safe_model}"


def _percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0


def evaluate(
    assistant: Assistant, dataset: Dataset, k: int = 5, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Score ``assistant`` on ``dataset``; returns the metrics as a flat dict."""
    depth = max(20, k)
    hits_at = {1: 0, 5: 0, 20: 0}
    rr = 0.0
    answer_hit = cited = cited_good = 0
    abstained_unanswerable = abstained_answerable = 0
    n_answerable = n_unanswerable = 0
    latencies: list[float] = []
    a = assistant
    a.search("预热", k=1)  # load the model before timing
    for q in dataset.questions:
        t0 = time.perf_counter()
        hits = a.search(q.question, depth)
        ans = a.answerer.answer(q.question, hits[:k])
        latencies.append((time.perf_counter() - t0) * 1000)
        if q.doc_id is None:
            n_unanswerable += 1
            abstained_unanswerable += not ans.found
        else:
            n_answerable += 1
            ranked = list(dict.fromkeys(h.chunk.doc_id for h in hits))
            for cut in hits_at:
                hits_at[cut] += q.doc_id in ranked[:cut]
            rr += next((1.0 / (i + 1) for i, d in enumerate(ranked[:10]) if d == q.doc_id), 0.0)
            gold = [answer_key(g) for g in q.answers]
            abstained_answerable += not ans.found
            answer_hit += ans.found and any(g in answer_key(ans.text) for g in gold)
            quoted = {int(n) for n in MARKER.findall(ans.text)}
            for c in ans.citations:
                if c.n in quoted:
                    cited += 1
                    cited_good += any(g in answer_key(c.text) for g in gold)
        if progress:
            progress(1)
    n = max(n_answerable, 1)
    build = a.store.manifest.get("build") or {}
    speed = build.get("embedded_chunks", 0) / build["embed_seconds"] if build.get("embed_seconds") else None
    return {
        "dataset": dataset.name,
        "n_questions": len(dataset.questions),
        "n_answerable": n_answerable,
        "n_unanswerable": n_unanswerable,
        "k": k,
        "recall@1": hits_at[1] / n,
        "recall@5": hits_at[5] / n,
        "recall@20": hits_at[20] / n,
        "mrr@10": rr / n,
        "answer_hit": answer_hit / n,
        "citation_precision": cited_good / cited if cited else 0.0,
        "abstention_rate": abstained_unanswerable / n_unanswerable if n_unanswerable else None,
        "false_abstention_rate": abstained_answerable / n,
        "query_ms_p50": statistics.median(latencies) if latencies else 0.0,
        "query_ms_p95": _percentile(latencies, 95),
        "build_chunks_per_s": speed,
        "index": str(a.store.path),
        "model": a.store.model_name,
    }
