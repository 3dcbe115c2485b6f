"""HTML and Markdown for the web chat: the answer with marker links, citation cards, examples.

Everything taken from documents is escaped: markup in a document is shown, never run, and
Markdown or LaTeX syntax in it is shown as typed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from rag import MARKER, Answer, Assistant, Citation, Document, Meeting
from rag.answer import source_prefix
from rag.chunking import heading_at
from rag.dates import format_cn
from rag.export import source_label

CONTEXT_CHARS = 6000  # of a document shown before and after a cited passage

CSS = """
.gradio-container {max-width: 1280px !important; width: 100%; margin: auto;}
#cards .cite {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px; margin: 0 0 10px 0;
  background: var(--background-fill-secondary);}
#cards .cite > summary {cursor: pointer; list-style: none;}
#cards .cite > summary::-webkit-details-marker {display: none;}
#cards .meta {font-size: 0.85em; color: var(--body-text-color-subdued); margin-bottom: 4px;}
#cards .num {display: inline-block; min-width: 1.8em; font-weight: 700; color: var(--color-accent);}
#cards .passage {white-space: pre-wrap; line-height: 1.6;}
#cards .doc {white-space: pre-wrap; line-height: 1.7; max-height: 420px; overflow-y: auto; margin-top: 8px;
  padding: 8px; border-top: 1px dashed var(--border-color-primary);}
#cards mark, #m-source mark {background: #ffe58f; color: inherit; padding: 0 1px;}
#cards mark.span, #m-source mark.span {background: #e6f4ff;}
#cards mark.span mark, #m-source mark.span mark {background: #ffe58f;}
#m-source .meta {font-size: 0.85em; color: var(--body-text-color-subdued); margin-bottom: 4px;}
#cards .hint {font-size: 0.8em; color: var(--body-text-color-subdued);}
.cite-link {text-decoration: none; font-weight: 600;}
"""

# A click on a marker [n] in the chat opens citation card n and scrolls it, and the cited passage in
# the whole document, into view.
CARDS_JS = """
document.addEventListener('click', (event) => {
  const back = event.target.closest('a.back-to-chat');
  if (back) {  // to the marker that opened the card, else the chat
    event.preventDefault();
    const marker = window.__ragMarker;
    const to = marker && marker.isConnected ? marker : document.getElementById('chat');
    if (to) to.scrollIntoView({behavior: 'smooth', block: 'center'});
    return;
  }
  const link = event.target.closest('a[href^="#cite-"]');
  if (!link) return;
  event.preventDefault();
  window.__ragMarker = link;
  const card = document.getElementById(link.getAttribute('href').slice(1));
  if (!card) return;
  card.open = true;
  card.scrollIntoView({behavior: 'smooth', block: 'start'});
});
document.addEventListener('toggle', (event) => {
  const card = event.target;
  if (!card.classList || !card.classList.contains('cite') || !card.open) return;
  const mark = card.querySelector('.doc mark.span');
  if (mark) setTimeout(() => mark.scrollIntoView({behavior: 'smooth', block: 'center'}), 50);
}, true);
"""

EMPTY_CARDS = '<div id="cards-empty" class="hint">引用的段落会显示在这里。</div>'


def md_text(text: str) -> str:
    """Document text for the chat's Markdown: HTML escaped and Markdown syntax neutralized, so that
    a document containing <script> or **x** shows exactly that."""
    escaped = html.escape(text, quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+\-!|~>$])", r"\\\1", escaped)


def answer_markdown(ans: Answer) -> str:
    """The answer with each [n] a link to citation card n, and the note, if any, below it."""
    if not ans.found:
        return md_text(ans.text)
    parts = MARKER.split(ans.text)  # text, n, text, n, ...
    by_n = {c.n: c for c in ans.citations}
    marked = {m.n: by_n[m.n].text[m.start : m.end] for m in ans.marks if m.n in by_n}
    out = [
        f'<a class="cite-link" href="#cite-{p}">[{p}]</a>' if i % 2 else _quoted(p, by_n.get(_next_n(parts, i)), marked)
        for i, p in enumerate(parts)
    ]
    if ans.note:
        out.append(f"\n\n<small>{md_text(ans.note)}</small>")
    return "".join(out)


def _next_n(parts: Sequence[str], i: int) -> int:
    """The marker number after text part ``i`` of a split answer (0 after the last)."""
    return int(parts[i + 1]) if i + 1 < len(parts) else 0


def _quoted(part: str, cited: Citation | None, marked: dict[int, str]) -> str:
    """A quoted sentence for the chat; the date and title that name its report, when the answer quotes
    several, are left as they are (the short answer is bolded in the sentence, not in them)."""
    if cited is None:
        return md_text(part)
    prefix = source_prefix(cited.title, cited.date)
    if not prefix or not part.startswith(prefix):
        return _bolded(part, marked.get(cited.n))
    return md_text(prefix) + _bolded(part[len(prefix) :], marked.get(cited.n))


def _bolded(part: str, short: str | None) -> str:
    """A quoted sentence for the chat, the short answer in it (the name, number, date asked for) bold."""
    if not short or short not in part:
        return md_text(part)
    before, after = part.split(short, 1)
    return f'{md_text(before)}<b class="short">{md_text(short)}</b>{md_text(after)}'


def highlight(text: str, spans: Sequence[tuple[int, int]], css: str = "") -> str:
    """``text`` escaped, with the given spans wrapped in <mark>."""
    out, pos = [], 0
    for s, e in sorted(spans):
        if s < pos:
            continue
        out += [html.escape(text[pos:s]), f"<mark{css}>", html.escape(text[s:e]), "</mark>"]
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _in_context(doc: Document, start: int, end: int, inner: str) -> str:
    """The document around a passage (``inner``, already rendered), cut to `CONTEXT_CHARS` on each side."""
    lo, hi = max(0, start - CONTEXT_CHARS), min(len(doc.text), end + CONTEXT_CHARS)
    return (
        ("…（前文从略）\n" if lo else "")
        + html.escape(doc.text[lo:start])
        + f'<mark class="span">{inner}</mark>'
        + html.escape(doc.text[end:hi])
        + ("\n…（后文从略）" if hi < len(doc.text) else "")
    )


def cards_html(a: Assistant, ans: Answer) -> str:
    """Citation cards: number, title, date, source, the section the passage is in (its heading path,
    when the document has headings) and the passage with the quoted sentences highlighted; opening a
    card shows the whole document with the passage marked."""
    if not ans.citations:
        return EMPTY_CARDS
    cards = []
    roots = a.store.manifest.get("sources") or []  # the corpus folders and files: paths are shown relative to them
    for c in ans.citations:
        spans = [(q.start, q.end) for q in ans.quotes if q.n == c.n]
        doc = a.document(c.doc_id)
        whole = _in_context(doc, c.start, c.end, highlight(c.text, spans)) if doc is not None else ""
        page = f"第{c.page}页" if c.page else ""
        meta = " · ".join(html.escape(x) for x in (c.date or "日期不详", source_label(c, roots, doc), page) if x)
        section = heading_at(doc.text, c.start, skip=doc.title) if doc is not None else ""
        if section:
            meta += f'<br><span class="section">{html.escape(section)}</span>'
        badge = "引用" if spans else "参考"
        cards.append(
            f'<details class="cite" id="cite-{c.n}"><summary>'
            f'<div><span class="num">[{c.n}]</span><b>{html.escape(c.title or c.doc_id)}</b> '
            f'<span class="hint">{badge}</span></div>'
            f'<div class="meta">{meta}</div><div class="passage">{highlight(c.text, spans)}</div>'
            f'<div class="hint">点击查看全文 · <a class="back-to-chat" href="#chat">回到对话</a></div>'
            f'</summary><div class="doc">{whole}</div></details>'
        )
    return "".join(cards)


def examples_for(documents: Sequence[Document], n: int = 4) -> list[str]:
    """Example questions made from the documents: the most recent ones by date."""
    recent = sorted(documents, key=lambda d: d.date or "", reverse=True)[:n]
    return [f"{format_cn(d.date)}{d.title}的主要内容是什么？" if d.date else f"{d.title}有哪些人出席？" for d in recent]


def doc_choices(documents: Sequence[Document]) -> list[tuple[str, str]]:
    """Every document for the filter, newest first, the undated after the dated."""
    recent = sorted(documents, key=lambda d: (d.date is not None, d.date or "", d.title), reverse=True)
    return [(f"{d.title}（{d.date}）" if d.date else d.title or d.doc_id, d.doc_id) for d in recent]


MEETING_COLUMNS = ("日期", "会议", "主持", "出席", "议定事项")


def meeting_row(m: Meeting) -> list[str]:
    """A row of the meetings table."""
    decided = "；".join(d.text for d in m.decisions[:4]) + ("…" if len(m.decisions) > 4 else "")
    presided = [p.name for p in m.people if p.role == "presided"]
    attended = [p.name for p in m.people if p.role == "attended" and p.name not in presided]
    name = m.name if len(m.name) >= 4 else m.kind
    return [m.date or "", name, "、".join(presided), "、".join(dict.fromkeys(attended)), decided]


def meeting_html(doc: Document, m: Meeting, roots: Sequence[str] = ()) -> str:
    """The report of a meeting, the passage that reports it marked and its facts highlighted."""
    s, e = m.lead
    spans = [(p.start - s, p.end - s) for p in m.people] + [(d.start - s, d.end - s) for d in m.decisions]
    if m.start >= 0:
        spans.append((m.start - s, m.end - s))
    inner = highlight(doc.text[s:e], [(a, b) for a, b in spans if 0 <= a < b <= e - s])
    meta = " · ".join(html.escape(x) for x in (m.date or "日期不详", doc.title, source_label(doc, roots)) if x)
    return (
        f'<div id="m-doc"><div class="meta">{meta}</div>'
        f'<div class="doc" style="white-space: pre-wrap">{_in_context(doc, s, e, inner)}</div></div>'
    )
