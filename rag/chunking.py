"""Sentence-aware chunking for Chinese text. Pure: no I/O, no models.

Sentences end at 。！？；… (and their ASCII forms) or a line break; an end mark inside quotes or
book-title marks does not end the sentence, so a quoted sentence stays whole. Chunks are runs of
whole sentences up to ``size`` characters, the next chunk starting with the last ``overlap``
characters' worth of sentences of the previous one. A sentence longer than ``size`` is cut.

Headings of official documents and Markdown (一、 （一） 1. （1） 第一章 ``#``) are found as lines; each
chunk carries the heading path in force where it starts (``二、主要工作 > （三）民生``), which
`index_text` (the keyword text) puts after the title: a passage deep in section 三 is about section
三's subject even when its sentences do not name it. The heading is context only, never part of
``Chunk.text``, and not embedded (`embed_text`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dates import format_cn
from .types import Chunk, Document

CHUNKER_VERSION = "3"
"""Recorded in the manifest: what the indexed texts hold (3: the heading path in `index_text`, the
keyword text, not in `embed_text`). An index of another version is embedded again by the next
build; one from before versions (title, date, passage) keeps its vectors (`embed_text` is the same)."""

_ENDS = set("。！？；!?;…")
_OPEN = set("“‘「『《（(")
_CLOSE = set("”’」』》）)")


_TABLE_ROW = re.compile(r"[^\n；。！？!?]{1,40}：[^\n。！？!?]*；[^\n。！？!?]*")
"""A table row as the loaders write it (`rag.tables.row_text`: ``姓名：张三；职务：主任``): one
sentence, though ``；`` ends sentences elsewhere, so that a quoted row keeps its cells together."""


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the sentences of ``text``, whitespace trimmed, empty ones dropped.
    A line that is a table row (`_TABLE_ROW`) is one sentence."""
    spans: list[tuple[int, int]] = []
    start, depth, i, n = 0, 0, 0, len(text)
    while i < n:
        at_line_start = i == 0 or text[i - 1] == "\n"
        if at_line_start and (row := _TABLE_ROW.match(text, i)) and (row.end() == n or text[row.end()] == "\n"):
            spans.append((i, row.end()))
            start = i = row.end()
            continue
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


# ------------------------------------------------------------------------------------------- headings

_CN = "一二三四五六七八九十百零〇两"
# where a heading may start: a line beginning with a section marker (checked further in `_heading`)
_MARKER = re.compile(
    rf"^(?:#{{1,6}}[ \t]|第[{_CN}\d]{{1,5}}[编章节条]|[{_CN}]{{1,3}}、|[（(][{_CN}]{{1,3}}[）)]|"
    r"\d{1,2}[.、](?!\d)|[（(]\d{1,2}[）)])",
    re.M,
)
# the kind of each marker, in the order they nest in official documents (GB/T 9704: 一、 > （一） >
# 1. > （1）; laws: 编 > 章 > 节 > 条); a Markdown heading's level is its number of #
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("编", re.compile(rf"第[{_CN}\d]{{1,5}}编")),
    ("章", re.compile(rf"第[{_CN}\d]{{1,5}}章")),
    ("节", re.compile(rf"第[{_CN}\d]{{1,5}}节")),
    ("条", re.compile(rf"第[{_CN}\d]{{1,5}}条")),
    ("一、", re.compile(rf"[{_CN}]{{1,3}}、")),
    ("（一）", re.compile(rf"[（(][{_CN}]{{1,3}}[）)]")),
    ("1.", re.compile(r"\d{1,2}[.、]")),
    ("（1）", re.compile(r"[（(]\d{1,2}[）)]")),
)
_PATTERN = dict(_KINDS)
_RANK = {kind: 10 + i for i, (kind, _) in enumerate(_KINDS)}  # Markdown # … ###### rank 1 … 6
_RUN_IN = ("章", "节", "一、", "（一）")  # kinds whose heading may open a paragraph: "（一）加强领导。要……"
MAX_HEADING = 40
"""Characters of a heading, at most: longer lines are paragraphs that happen to be numbered."""
MAX_PATH = 100
"""Characters of a heading path, at most (it is repeated in the indexed text of every chunk)."""
_NOT_A_HEADING_END = "，、；,;"  # list items: "（一）未经许可擅自经营的；"
_SENTENCE_END = re.compile(r"[。！？：:]")


@dataclass(frozen=True)
class Heading:
    """A heading line: where it starts in the text, its nesting rank (smaller is outer), its text."""

    start: int
    rank: int
    text: str


def _heading(line: str) -> tuple[int, str] | None:
    """The rank and text of a heading line, or None when the line is not one.

    A short line (at most `MAX_HEADING` characters) that starts with a marker is a heading, unless
    it ends like a list item (，；、). A longer line is a heading only for the outer kinds
    (`_RUN_IN`) when its first sentence, up to 。 or ：, is short: that sentence is the heading.
    A long 第N条 is an article whose label is its heading.
    """
    if line.startswith("#"):
        hashes = len(line) - len(line.lstrip("#"))
        text = line.strip("#").strip()
        return (hashes, text) if 0 < len(text) <= MAX_HEADING * 2 else None
    kind = next((k for k, pattern in _KINDS if pattern.match(line)), None)
    if kind is None:
        return None
    if len(line) > MAX_HEADING and kind == "条":  # an article: its label is its heading
        return _RANK[kind], line[: len(line) - len(_PATTERN[kind].sub("", line, count=1))]
    end = _SENTENCE_END.search(line)
    first = line[: end.start()].strip() if end is not None else line  # "（一）加强领导。要……": the first sentence
    if len(line) > MAX_HEADING and (kind not in _RUN_IN or len(first) > MAX_HEADING):
        return None  # a numbered paragraph, not a heading
    marker = _PATTERN[kind].match(first)
    if marker is None or marker.end() >= len(first) or first[-1] in _NOT_A_HEADING_END:
        return None
    return _RANK[kind], first


def find_headings(text: str) -> list[Heading]:
    """The heading lines of ``text``, in order (pure; linear in the text)."""
    out: list[Heading] = []
    for m in _MARKER.finditer(text):
        end = text.find("\n", m.start())
        found = _heading(text[m.start() : end if end >= 0 else len(text)].strip())
        if found is not None:
            out.append(Heading(m.start(), *found))
    return out


def heading_paths(text: str, starts: list[int], skip: str = "") -> list[str]:
    """For each position in ``starts`` (ascending), the heading path in force there: the headings
    before it, each one closing the deeper and equal-ranked ones before it (``一、 > （二）``). A
    heading starting right there is not in the path (the passage's text begins with it), but it
    still closes the ones before it.

    A heading equal to ``skip`` (the document's title, already in the indexed text) is left out; a
    path longer than `MAX_PATH` characters loses its middle levels, keeping the outermost and the
    innermost.
    """
    headings = find_headings(text)
    out: list[str] = []
    stack: list[Heading] = []
    i = 0
    for start in starts:
        while i < len(headings) and headings[i].start <= start:
            h = headings[i]
            while stack and stack[-1].rank >= h.rank:
                stack.pop()
            stack.append(h)
            i += 1
        # a heading where the passage starts closes the sections before it, and is in its text already
        names = [h.text for h in stack if h.text != skip and h.start < start]
        while len(names) > 2 and len(" > ".join(names)) > MAX_PATH:
            del names[1]
        out.append(" > ".join(names)[: MAX_PATH + MAX_HEADING])
    return out


def heading_at(text: str, start: int, skip: str = "") -> str:
    """The heading path in force at ``start`` (see `heading_paths`)."""
    return heading_paths(text, [start], skip)[0]


# --------------------------------------------------------------------------------------------- chunks


def chunk_at(doc: Document, chunk_id: str, start: int, end: int, heading: str = "") -> Chunk:
    """The chunk of ``doc`` spanning ``doc.text[start:end]``, with the document's metadata and the
    heading path given (`heading_paths`)."""
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
        heading=heading,
    )


def chunk_document(doc: Document, size: int = 400, overlap: int = 80) -> list[Chunk]:
    """The document's chunks, ids ``{doc_id}#{n}``, each ``text == doc.text[start:end]``, each with
    the heading path in force where it starts."""
    spans = chunk_spans(doc.text, size, overlap)
    paths = heading_paths(doc.text, [s for s, _ in spans], skip=doc.title)
    return [chunk_at(doc, f"{doc.doc_id}#{n}", s, e, h) for n, ((s, e), h) in enumerate(zip(spans, paths, strict=True))]


def _title_line(chunk: Chunk) -> str:
    return f"{chunk.title}（{format_cn(chunk.date)}）" if chunk.date else chunk.title


def index_text(chunk: Chunk) -> str:
    """What is keyword-indexed (and what the answerer weighs a passage by): title and date first, so
    that near-identical reports of different meetings stay apart, then the heading path, so that a
    passage carries its section's subject."""
    head = "\n".join(part for part in (_title_line(chunk), chunk.heading) if part)
    return f"{head}\n{chunk.text}" if head else chunk.text


def embed_text(chunk: Chunk) -> str:
    """What is embedded: title, date and passage, without the heading path. Measured
    (bench/bench_structure.py, BENCHMARKS.md): headings in the embedded text lowered dense-only
    recall on the government work reports (R@5 0.60 → 0.50 with m3e-small), their words diluting
    the passage's; in the keyword text they help."""
    head = _title_line(chunk)
    return f"{head}\n{chunk.text}" if head else chunk.text
