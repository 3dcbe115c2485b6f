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
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel, ValidationError

from .api import Assistant
from .config import Settings
from .dates import format_cn
from .errors import RagError
from .normalize import normalize
from .types import MARKER, Answer, Document

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


# The schemas of the data sets, checked on load (pydantic: a wrong type is an error, not coerced).


class _SquadAnswer(BaseModel):
    text: str


class _SquadQuestion(BaseModel):
    question: str
    answers: list[_SquadAnswer] = []


class _SquadParagraph(BaseModel):
    context: str
    qas: list[_SquadQuestion]
    id: str | int | None = None


class _SquadArticle(BaseModel):
    paragraphs: list[_SquadParagraph]
    title: str = ""
    id: str | int | None = None


class _Squad(BaseModel):
    data: list[_SquadArticle]


class _QuestionRow(BaseModel):
    question: str
    answers: list[str] | None = None
    doc_id: str | None = None


class _ManyItemRow(BaseModel):
    text: str | int
    date: str | None = None
    doc_id: str | None = None


class _ManyRow(BaseModel):
    question: str
    kind: str
    items: list[_ManyItemRow] | None = None
    count: int | None = None
    unanswerable: bool = False
    today: str | None = None


def _problem(exc: ValidationError) -> str:
    """The first thing wrong, on one line: ``data.0.paragraphs.0.qas.0.answers: Field required``."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}" if where else f"{first['msg']}{more}"


M = TypeVar("M", bound=BaseModel)


def _rows(path: Path, model: type[M], expected: str) -> list[M]:
    """The records of a JSONL file, each checked against ``model``; a bad one is a one-line error."""
    rows = []
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(model.model_validate_json(line))
            except ValidationError as exc:
                raise RagError(f"{path}:{lineno}: not {expected} ({_problem(exc)})") from exc
    if not rows:
        raise RagError(f"{path}: no questions in it")
    return rows


def _squad(path: Path, data: object) -> Dataset:
    try:
        squad = _Squad.model_validate(data)
    except ValidationError as exc:
        raise RagError(f"'{path}' is not in SQuAD format ({_problem(exc)})") from exc
    documents, questions = [], []
    for article in squad.data:
        for n, para in enumerate(article.paragraphs):
            doc_id = str(para.id or f"{article.id if article.id is not None else article.title}-{n}")
            documents.append(
                Document(doc_id=doc_id, text=normalize(para.context), title=normalize(article.title), source=str(path))
            )
            for qa in para.qas:
                answers = tuple(dict.fromkeys(a.text for a in qa.answers if a.text.strip()))
                questions.append(Question(qa.question, answers, doc_id))
    if not questions:
        raise RagError(f"'{path}': no questions in it")
    return Dataset(path.stem, tuple(questions), tuple(documents))


def _jsonl(path: Path) -> Dataset:
    rows = _rows(path, _QuestionRow, 'a question record: {"question", "answers": [...], "doc_id"}')
    return Dataset(path.stem, tuple(Question(r.question, tuple(r.answers or ()), r.doc_id) for r in rows))


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
        except (json.JSONDecodeError, RecursionError) as exc:
            raise RagError(f"'{p}' is not JSON ({exc}); give a SQuAD .json file or a .jsonl question set") from exc
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


# ------------------------------------------------------------------------------- many-meeting sets


@dataclass(frozen=True)
class ManyItem:
    text: str
    date: str | None
    doc_id: str | None


@dataclass(frozen=True)
class ManyQuestion:
    """A question about many meetings (``kind``: list, count, first, latest, timeline) with its gold
    items, count, and the day relative time counts from."""

    question: str
    kind: str
    items: tuple[ManyItem, ...]
    count: int | None
    unanswerable: bool
    today: str | None


def is_many(path: str | os.PathLike[str]) -> bool:
    """Whether a ``.jsonl`` question set asks about many meetings (its rows have ``kind`` and ``items``)."""
    p = Path(path)
    if p.suffix.lower() != ".jsonl" or not p.is_file():
        return False
    with p.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                try:
                    row = json.loads(line)
                except (json.JSONDecodeError, RecursionError):
                    return False
                return isinstance(row, dict) and "kind" in row and "items" in row
    return False


def load_many(path: str | os.PathLike[str]) -> list[ManyQuestion]:
    """A many-meeting question set (``bench/questions_many_meetings.md`` describes the schema)."""
    return [
        ManyQuestion(
            r.question,
            r.kind,
            tuple(ManyItem(str(i.text), i.date, i.doc_id) for i in r.items or ()),
            r.count,
            r.unanswerable,
            r.today,
        )
        for r in _rows(Path(path), _ManyRow, "a many-meeting question")
    ]


_LINE = re.compile(r"^\s*\d+[.、]\s*", re.M)
_COUNT = re.compile(r"共有?(\d+)")


def _answer_lines(answer: Answer) -> list[str]:
    """The items of an answer: its numbered lines, or else its sentences."""
    numbered = [line for line in answer.text.splitlines() if _LINE.match(line)]
    if numbered:
        return numbered
    return [s for s in re.split(r"(?<=[。！？])", answer.text) if s.strip()]


def _item_in(item: ManyItem, text: str, cited: set[str]) -> bool:
    """A gold item is in ``text`` when its words are, or when its report is cited there on its day
    (written, or within days written: 1月9日至11日)."""
    key = answer_key(item.text)
    if key and key in answer_key(text):
        return True
    if not item.doc_id or normalize(item.doc_id) not in cited:
        return False
    if item.date:
        return _names_day(text, item.date)
    return True  # an undated record: the record itself, cited


_RANGE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日至(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日")


def _names_day(text: str, iso: str) -> bool:
    """Whether ``text`` writes the day ``iso`` (2023-01-10): itself, or a range that holds it
    (2023年1月9日至11日)."""
    if format_cn(iso) in text or iso in text:
        return True
    for m in _RANGE.finditer(text):
        y, mo, d, y2, mo2, d2 = m.groups()
        start = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
        end = f"{int(y2 or y):04d}-{int(mo2 or mo):02d}-{int(d2):02d}"
        if start <= iso <= end:
            return True
    return False


def score_many(q: ManyQuestion, answer: Answer) -> dict[str, float]:
    """The measures one question contributes to: ``abstention`` (unanswerable: found is False),
    ``false_abstention`` (answerable), ``first_latest`` (the gold day in the first line, or days that hold it; for an
    undated record, its citation there), ``count_exact`` (the number after 共), ``list_recall`` and ``list_precision`` (gold items found
    in the answer; numbered lines, or sentences, that hold a gold item) for lists, timelines and counts."""
    if q.unanswerable:
        return {"abstention": float(not answer.found)}
    out = {"false_abstention": float(not answer.found)}
    by_n = {c.n: (c.doc_id, c.title) for c in answer.citations}

    def cited(text: str) -> set[str]:
        """The records cited in ``text``, by id and by title (gold of records without an id names the title)."""
        return {normalize(key) for n in MARKER.findall(text) if int(n) in by_n for key in by_n[int(n)]}

    if q.kind in ("first", "latest"):
        gold = q.items[0] if q.items else None
        first_line = answer.text.split("\n")[0]
        right = gold is not None and (
            _names_day(first_line, gold.date) if gold.date else normalize(gold.doc_id or "") in cited(first_line)
        )  # an undated record: the first line cites it
        out["first_latest"] = float(answer.found and right)
        return out

    lines = _answer_lines(answer) if answer.found else []
    if q.items:
        out["list_recall"] = sum(_item_in(i, answer.text, cited(answer.text)) for i in q.items) / len(q.items)
        if lines:
            out["list_precision"] = sum(any(_item_in(i, x, cited(x)) for i in q.items) for x in lines) / len(lines)
    if q.kind == "count":
        m = _COUNT.search(answer.text)
        out["count_exact"] = float(m is not None and int(m.group(1)) == q.count)
    return out


def evaluate_many(
    assistant: Assistant, questions: Sequence[ManyQuestion], answer: Callable[[str], Answer] | None = None
) -> dict[str, Any]:
    """Score many-meeting questions; ``answer`` (default: ``assistant.ask``) lets a baseline be scored
    the same way. Each question is asked with its own ``today``."""
    from dataclasses import replace

    base = assistant.settings
    sums: dict[str, list[float]] = {}
    latencies = []
    try:
        for q in questions:
            assistant.settings = replace(base, today=q.today or base.today)
            t0 = time.perf_counter()
            ans = (answer or assistant.ask)(q.question)
            latencies.append((time.perf_counter() - t0) * 1000)
            for key, value in score_many(q, ans).items():
                sums.setdefault(key, []).append(value)
    finally:
        assistant.settings = base
    result: dict[str, Any] = {k: sum(v) / len(v) for k, v in sorted(sums.items())}
    result |= {f"n_{k}": len(v) for k, v in sorted(sums.items())}
    result["n"] = len(questions)
    result["query_ms_p50"] = statistics.median(latencies) if latencies else 0.0
    result["query_ms_p95"] = _percentile(latencies, 95)
    return result
