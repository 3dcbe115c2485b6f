"""Sentence-aware chunking for Chinese text. Pure: no I/O, no models.

Sentences end at 。！？；… (and their ASCII forms) or a line break; an end mark inside quotes or
book-title marks does not end the sentence, so a quoted sentence stays whole. Chunks are runs of
whole sentences up to ``size`` characters, the next chunk starting with the last ``overlap``
characters' worth of sentences of the previous one. A sentence longer than ``size`` is cut.
"""

from __future__ import annotations

from .dates import format_cn
from .types import Chunk, Document

_ENDS = set("。！？；!?;…")
_OPEN = set("“‘「『《（(")
_CLOSE = set("”’」』》）)")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the sentences of ``text``, whitespace trimmed, empty ones dropped."""
    spans: list[tuple[int, int]] = []
    start, depth, i, n = 0, 0, 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            spans.append((start, i))
            start, depth = i + 1, 0
        elif c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth = max(0, depth - 1)
            # "……。”" closes a quoted sentence: end here when the quote ended on an end mark
            if depth == 0 and i > 0 and text[i - 1] in _ENDS and c in "”’」』":
                spans.append((start, i + 1))
                start = i + 1
        elif c in _ENDS and depth == 0:
            j = i + 1
            while j < n and (text[j] in _ENDS or text[j] in "”’」』"):
                j += 1
            spans.append((start, j))
            start = i = j
            continue
        i += 1
    spans.append((start, n))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def _cut(span: tuple[int, int], size: int) -> list[tuple[int, int]]:
    s, e = span
    return [(i, min(i + size, e)) for i in range(s, e, size)]


def chunk_spans(text: str, size: int = 400, overlap: int = 80) -> list[tuple[int, int]]:
    """Chunk spans over ``text``: whole sentences, at most ``size`` characters each (unless cut)."""
    if size <= 0 or overlap < 0 or overlap >= size:
        raise ValueError("chunk size must be positive and overlap smaller than size")
    sentences = [piece for span in split_sentences(text) for piece in _cut(span, size)]
    chunks: list[tuple[int, int]] = []
    i = 0
    while i < len(sentences):
        j = i
        while j + 1 < len(sentences) and sentences[j + 1][1] - sentences[i][0] <= size:
            j += 1
        chunks.append((sentences[i][0], sentences[j][1]))
        if j + 1 >= len(sentences):
            break
        # step back over whole sentences that fit in the overlap, always moving forward
        k = j + 1
        while k - 1 > i and sentences[j][1] - sentences[k - 1][0] <= overlap:
            k -= 1
        i = k
    return chunks


def chunk_at(doc: Document, chunk_id: str, start: int, end: int) -> Chunk:
    """The chunk of ``doc`` spanning ``doc.text[start:end]``, with the document's metadata."""
    return Chunk(
        chunk_id=chunk_id,
        doc_id=doc.doc_id,
        text=doc.text[start:end],
        start=start,
        end=end,
        title=doc.title,
        date=doc.date,
        source=doc.source,
        collection=doc.collection,
    )


def chunk_document(doc: Document, size: int = 400, overlap: int = 80) -> list[Chunk]:
    """The document's chunks, ids ``{doc_id}#{n}``, each ``text == doc.text[start:end]``."""
    return [chunk_at(doc, f"{doc.doc_id}#{n}", s, e) for n, (s, e) in enumerate(chunk_spans(doc.text, size, overlap))]


def index_text(chunk: Chunk) -> str:
    """What is embedded and keyword-indexed: title and date first, so that near-identical reports of
    different meetings stay apart."""
    head = chunk.title
    if chunk.date:
        head = f"{head}（{format_cn(chunk.date)}）"
    return f"{head}\n{chunk.text}" if head else chunk.text
