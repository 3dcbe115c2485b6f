"""Value objects passed between the stages of the pipeline.

All are frozen dataclasses; JSON output is derived from them in one place (`Answer.to_dict`).
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

MARKER = re.compile(r"\[(\d+)\]")
"""A citation marker ``[n]`` in an answer's text; group 1 is ``n``."""


@dataclass(frozen=True)
class Document:
    """A normalized source document.

    Attributes:
        doc_id: the record's ``id`` for JSONL, the file's path otherwise.
        text: the normalized text; chunk spans point into it.
        title: a human title ("" when none is known).
        date: ``YYYY-MM-DD``, ``YYYY`` for a record that gives only its year, or None.
        source: where the document came from (a file path).
        meta: other fields of the record (``url`` …), kept for display; for a paged file (PDF),
            ``page_starts``: the offset in ``text`` where each page starts (see `page_at`).
        collection: who may read it: the first folder under the folder that was indexed, or the
            ``collection`` field of a JSONL record; "" (the default collection) for files directly in it.
    """

    doc_id: str
    text: str
    title: str = ""
    date: str | None = None
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict, compare=False)
    collection: str = ""

    @functools.cached_property
    def content_hash(self) -> str:
        """Hash of what is embedded (title, date, text), used to skip unchanged documents; computed
        once per document (an update compares every document of the archive).

        The source path and the collection are left out: the same records read from another path,
        or moved to another collection, keep their vectors (the store records the collection apart).
        """
        h = hashlib.sha256()
        for part in (self.title, self.date or "", self.text):
            h.update(part.encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()[:32]

    def page_at(self, offset: int) -> int | None:
        """The page (from 1) holding ``text[offset]``, for a paged file; None otherwise."""
        starts = self.meta.get("page_starts")
        if not isinstance(starts, list) or not starts:
            return None
        return max(1, bisect.bisect_right(starts, offset))


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: ``text == document.text[start:end]``.

    ``heading`` is the path of section headings in force where the passage starts (``二、主要工作 >
    （三）民生``, "" when none): context for indexing and display, not part of ``text``.
    """

    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    title: str = ""
    date: str | None = None
    source: str = ""
    collection: str = ""
    heading: str = ""


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and the scores of each leg (None when absent)."""

    chunk: Chunk
    score: float
    bm25: float | None = None
    dense: float | None = None


@dataclass(frozen=True)
class Citation:
    """A numbered reference from an answer to the passage that supports it; ``page`` is the page
    of the file (from 1) of the first sentence the answer quotes from it, else of the passage's
    start, for paged files (PDF, scans); None for others."""

    n: int
    doc_id: str
    title: str
    date: str | None
    source: str
    text: str
    start: int
    end: int
    score: float
    page: int | None = None

    @classmethod
    def of(cls, n: int, hit: Hit) -> Citation:
        """Citation ``n`` for a retrieved passage."""
        c = hit.chunk
        return cls(n, c.doc_id, c.title, c.date, c.source, c.text, c.start, c.end, hit.score)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "doc_id": self.doc_id,
            "title": self.title,
            "date": self.date,
            "source": self.source,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
            "page": self.page,
        }


@dataclass(frozen=True)
class Quote:
    """A sentence quoted in an answer: ``citation.text[start:end]`` of citation ``n``."""

    n: int
    start: int
    end: int

    def to_dict(self) -> dict[str, int]:
        return {"n": self.n, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Answer:
    """A short answer whose ``[n]`` markers refer to ``citations``.

    ``quotes`` locate the sentences quoted verbatim inside their passages (for highlighting);
    ``marks`` the short answer inside them (the name, number or date asked for), when it is told;
    ``answerer`` says what wrote it (``extractive`` or ``llm``); ``note`` why the LLM's answer was
    not used or was changed, when that happened.
    """

    text: str
    found: bool
    citations: tuple[Citation, ...] = ()
    answerer: str = "extractive"
    note: str | None = None
    quotes: tuple[Quote, ...] = ()
    marks: tuple[Quote, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``rag ask --json``."""
        out: dict[str, Any] = {
            "answer": self.text,
            "found": self.found,
            "citations": [c.to_dict() for c in self.citations],
            "quotes": [q.to_dict() for q in self.quotes],
            "marks": [m.to_dict() for m in self.marks],
            "answerer": self.answerer,
        }
        if self.note:
            out["note"] = self.note
        return out
