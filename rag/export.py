"""Answers ready to reuse: an answer, or a whole conversation, as plain text, Markdown or ``.docx``,
each with its numbered sources (title, date, link or path, the quoted passage).

Plain text is what the chat's copy button puts on the clipboard: no HTML, no Markdown escapes. A
source is shown as its record's ``url`` when it has one (http or https only), else as its path
relative to the corpus folder it was read from (`source_label`): a server's absolute paths are
never shown. python-docx is imported when a ``.docx`` is written.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from .dates import format_cn
from .types import Answer, Citation, Document

Turn: TypeAlias = tuple[str, Answer]
"""A question and its answer; a conversation is a sequence of them."""
Roots: TypeAlias = str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None
"""The corpus folder, or the files and folders an index was read from (its manifest's ``sources``)."""

TITLE = "会议资料问答"
_URL = re.compile(r"https?://[^\s<>\"'`\\]+", re.IGNORECASE)
# characters XML 1.0 cannot hold (python-docx refuses them): C0 controls but tab and newlines, lone surrogates
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# ASCII punctuation that Markdown (CommonMark, GFM) may read as syntax anywhere, and what starts a list
# or a quote at the start of a line; each is escaped with a backslash
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$&])")
_MD_LINE_START = re.compile(r"^(\d{1,9})([.)])|^([-+])")


# ----------------------------------------------------------------------------------------- sources


def record_url(item: Document | Citation, document: Document | None = None) -> str | None:
    """The ``url`` field of a record (a JSONL line, a file's front matter), when it is an http(s) link."""
    meta = item.meta if isinstance(item, Document) else document.meta if document is not None else {}
    url = str(meta.get("url") or "").strip()
    return url if _URL.fullmatch(url) else None


def source_label(item: Document | Citation, corpus_dir: Roots = None, document: Document | None = None) -> str:
    """Where a document or a cited passage comes from, as shown to a user: the record's ``url`` when it
    has one, else its file's path relative to the corpus folder (``sub/纪要.txt``), a record of a
    ``.jsonl`` file adding its id (``meetings.jsonl#xwlb-1``); never an absolute path on the server.

    Args:
        item: a document, or a citation (whose record's ``url`` is in ``document``'s meta).
        corpus_dir: the corpus folder, or several (an index's ``sources``); a file among them stands
            for itself. A path under none of them shows its file name only.
        document: the citation's whole document, for its ``url``.
    """
    url = record_url(item, document)
    if url is not None:
        return url
    label = _relative(item.source, corpus_dir) if item.source else ""
    if item.doc_id != item.source:  # a record of a .jsonl file: its id, or its line number
        record = item.doc_id.removeprefix(f"{item.source}#") if item.source else item.doc_id
        label = f"{label}#{record}" if label else record
    return label


def _relative(source: str, corpus_dir: Roots) -> str:
    path = os.path.abspath(source)
    roots = [corpus_dir] if isinstance(corpus_dir, str | os.PathLike) else list(corpus_dir or [])
    best: str | None = None
    for root in roots:
        folder = os.path.abspath(root)
        if path == folder:  # a source file given by itself
            folder = os.path.dirname(folder)
        if os.path.commonpath([path, folder]) == folder and (best is None or len(folder) > len(best)):
            best = folder
    return os.path.relpath(path, best).replace(os.sep, "/") if best is not None else os.path.basename(path)


@dataclass(frozen=True)
class _Source:
    """A citation as every format shows it."""

    n: int
    title: str
    date: str
    where: str
    is_url: bool
    passage: str


def _sources(ans: Answer, corpus_dir: Roots, document: Callable[[str], Document | None] | None) -> list[_Source]:
    out = []
    for c in ans.citations:
        doc = document(c.doc_id) if document is not None else None
        quoted = [c.text[q.start : q.end] for q in ans.quotes if q.n == c.n]
        passage = "…".join(" ".join(s.split()) for s in quoted) if quoted else " ".join(c.text.split())
        out.append(
            _Source(
                n=c.n,
                title=" ".join((c.title or (doc.title if doc else "") or "无标题").split()),
                date=format_cn(c.date) if c.date else "日期不详",
                where=source_label(c, corpus_dir, doc),
                is_url=record_url(c, doc) is not None,
                passage=passage,
            )
        )
    return out


def _turns(answers: Answer | Sequence[Turn]) -> list[tuple[str | None, Answer]]:
    return [(None, answers)] if isinstance(answers, Answer) else [(q, a) for q, a in answers]


# ------------------------------------------------------------------------------------------- text


def to_text(
    answers: Answer | Sequence[Turn],
    corpus_dir: Roots = None,
    document: Callable[[str], Document | None] | None = None,
) -> str:
    """An answer, or a conversation of ``(question, answer)`` turns, as plain text with a numbered
    source list after each answer: what the chat's copy button puts on the clipboard.

    Args:
        answers: one answer, or the turns of a conversation.
        corpus_dir: the corpus folder(s), for the sources' paths (`source_label`).
        document: doc id → whole document (``Assistant.document``), for the records' ``url``.
    """
    blocks = []
    for question, ans in _turns(answers):
        lines = [f"问：{_one_line(question)}", ""] if question is not None else []
        lines.append(ans.text.strip())
        sources = _sources(ans, corpus_dir, document)
        if sources:
            lines += ["", "来源："]
            for s in sources:
                lines += [f"[{s.n}] {s.title}，{s.date}", f"    {s.where}", f"    “{s.passage}”"]
        blocks.append("\n".join(lines))
    return "\n\n\n".join(blocks) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------------------- Markdown


def md_escape(text: str) -> str:
    """Text shown as typed in Markdown: syntax characters escaped, lines joined."""
    escaped = _MD_SPECIAL.sub(r"\\\1", _one_line(text))
    return _MD_LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", escaped)


def to_markdown(
    answers: Answer | Sequence[Turn],
    corpus_dir: Roots = None,
    document: Callable[[str], Document | None] | None = None,
    title: str = TITLE,
) -> str:
    """An answer, or a conversation, as a Markdown document: each question a heading, each answer
    followed by its numbered sources (title, date, link or path, quoted passage). Arguments as `to_text`."""
    out = [f"# {md_escape(title)}", ""]
    for question, ans in _turns(answers):
        if question is not None:
            out += [f"## 问：{md_escape(question)}", ""]
        out += ["  \n".join(md_escape(line) for line in ans.text.strip().splitlines()), ""]
        sources = _sources(ans, corpus_dir, document)
        if sources:
            out += ["**来源**", ""]
            for s in sources:
                where = f"<{s.where}>" if s.is_url else md_escape(s.where)
                out += [f"{s.n}. **{md_escape(s.title)}** · {s.date} · {where}", f"   > {md_escape(s.passage)}"]
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# ------------------------------------------------------------------------------------------- .docx


def to_docx(
    answers: Answer | Sequence[Turn],
    corpus_dir: Roots = None,
    document: Callable[[str], Document | None] | None = None,
    title: str = TITLE,
) -> bytes:
    """An answer, or a conversation, as the bytes of a Word ``.docx``: the title, each question a
    heading, its answer, then its numbered sources (title and date, the link or path, the quoted
    passage). Arguments as `to_text`."""
    try:
        import docx
        from docx.shared import Pt
    except ImportError as exc:  # pragma: no cover - a main dependency
        raise ImportError("exporting .docx needs python-docx: pip install python-docx") from exc

    out = docx.Document()
    out.core_properties.title = _xml(title)
    _east_asian_font(out, "宋体")
    out.add_heading(_xml(title), 0)
    for question, ans in _turns(answers):
        if question is not None:
            out.add_heading(_xml(f"问：{_one_line(question)}"), 1)
        for line in ans.text.strip().splitlines() or [""]:
            out.add_paragraph(_xml(line))
        sources = _sources(ans, corpus_dir, document)
        if not sources:
            continue
        out.add_heading("来源", 2)
        for s in sources:
            head = out.add_paragraph()
            head.add_run(f"[{s.n}] ").bold = True
            head.add_run(_xml(s.title)).bold = True
            head.add_run(f"，{s.date}")
            where = out.add_paragraph()
            if s.is_url:
                _hyperlink(where, s.where)
            else:
                where.add_run(_xml(s.where))
            quote = out.add_paragraph(_xml(s.passage), style="Quote")
            quote.paragraph_format.space_after = Pt(10)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)


def _east_asian_font(doc: Any, name: str) -> None:
    """Chinese text in a font that has it, in Word and LibreOffice alike."""
    from docx.oxml.ns import qn

    rpr = doc.styles["Normal"].element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _hyperlink(paragraph: Any, url: str) -> None:
    """A clickable link (python-docx reads it back as ``paragraph.hyperlinks``)."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rid = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    for tag, value in (("w:color", "0563C1"), ("w:u", "single")):
        el = OxmlElement(tag)
        el.set(qn("w:val"), value)
        props.append(el)
    run.append(props)
    text = OxmlElement("w:t")
    text.text = url
    run.append(text)
    link.append(run)
    paragraph._p.append(link)
