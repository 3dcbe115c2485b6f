"""会议记录问答 — the web chat over the index (Gradio). UI only: everything else is `rag`'s public API.

    python app.py            # http://127.0.0.1:7860 (GRADIO_SERVER_PORT), index in RAG_INDEX_DIR or ./index

The index is built from corpus/ first when it is missing or does not match corpus/. Uploaded files
are checked (plain name, size limit RAG_MAX_FILE_MB, type by content) and saved under corpus/uploads/,
then added to the index. With RAG_ADMIN_PASSWORD set, uploading needs it. RAG_CONCURRENCY (default 8)
questions are answered at once; uploads one at a time.
"""

from __future__ import annotations

import hmac
import html
import os
import queue
import re
import shutil
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import gradio as gr

from rag import Answer, Assistant, RagError, Settings
from rag.loaders import SUPPORTED, load

ROOT = Path(__file__).resolve().parent
CORPUS = Path(os.environ.get("RAG_CORPUS_DIR") or ROOT / "corpus")
UPLOADS = CORPUS / "uploads"
# questions answered at the same time (each takes a few ms of CPU; streaming the answer takes longer)
CONCURRENCY = int(os.environ.get("RAG_CONCURRENCY") or 8)
_MARKER = re.compile(r"\[(\d+)\]")
CONTEXT_CHARS = 6000  # of a document shown before and after a cited passage

CSS = """
.gradio-container {max-width: 1280px !important; margin: auto;}
#cards .cite {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px; margin: 0 0 10px 0;
  background: var(--background-fill-secondary);}
#cards .cite > summary {cursor: pointer; list-style: none;}
#cards .cite > summary::-webkit-details-marker {display: none;}
#cards .meta {font-size: 0.85em; color: var(--body-text-color-subdued); margin-bottom: 4px;}
#cards .num {display: inline-block; min-width: 1.8em; font-weight: 700; color: var(--color-accent);}
#cards .passage {white-space: pre-wrap; line-height: 1.6;}
#cards .doc {white-space: pre-wrap; line-height: 1.7; max-height: 420px; overflow-y: auto; margin-top: 8px;
  padding: 8px; border-top: 1px dashed var(--border-color-primary);}
#cards mark {background: #ffe58f; color: inherit; padding: 0 1px;}
#cards mark.span {background: #e6f4ff;}
#cards mark.span mark {background: #ffe58f;}
#cards .hint {font-size: 0.8em; color: var(--body-text-color-subdued);}
.cite-link {text-decoration: none; font-weight: 600;}
"""

# A click on a marker [n] in the chat opens citation card n and scrolls it, and the cited passage in
# the whole document, into view.
CARDS_JS = """
document.addEventListener('click', (event) => {
  const link = event.target.closest('a[href^="#cite-"]');
  if (!link) return;
  event.preventDefault();
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


# ------------------------------------------------------------------------------------------ rendering


def _md_text(text: str) -> str:
    """Document text for the chat's Markdown: HTML escaped and Markdown syntax neutralized, so that
    a document containing <script> or **x** shows exactly that."""
    escaped = html.escape(text, quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+\-!|~>])", r"\\\1", escaped)


def answer_markdown(ans: Answer) -> str:
    """The answer with each [n] a link to citation card n."""
    if not ans.found:
        return _md_text(ans.text)
    parts = _MARKER.split(ans.text)  # text, n, text, n, ...
    out = []
    for i, part in enumerate(parts):
        out.append(f'<a class="cite-link" href="#cite-{part}">[{part}]</a>' if i % 2 else _md_text(part))
    return "".join(out)


def _highlight(text: str, spans: list[tuple[int, int]], css: str = "") -> str:
    """``text`` escaped, with the given spans wrapped in <mark>."""
    out, pos = [], 0
    for s, e in sorted(spans):
        if s < pos:
            continue
        out += [html.escape(text[pos:s]), f"<mark{css}>", html.escape(text[s:e]), "</mark>"]
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out)


def cards_html(a: Assistant, ans: Answer) -> str:
    """Citation cards: number, title, date, source and the passage with the quoted sentences
    highlighted; opening a card shows the whole document with the passage marked."""
    if not ans.citations:
        return '<div id="cards-empty" class="hint">引用的段落会显示在这里。</div>'
    quoted: dict[int, list[str]] = {}
    for sentence, n in re.findall(r"(.+?)\[(\d+)\]", ans.text):
        quoted.setdefault(int(n), []).append(sentence)
    cards = []
    for c in ans.citations:
        spans = [(i, i + len(s)) for s in quoted.get(c.n, []) if (i := c.text.find(s)) >= 0]
        doc = a.document(c.doc_id)
        whole = ""
        if doc is not None:
            inner = _highlight(c.text, spans)
            # the document around the passage; a very long one is cut, so that a card stays small
            lo, hi = max(0, c.start - CONTEXT_CHARS), min(len(doc.text), c.end + CONTEXT_CHARS)
            whole = (
                ("…（前文从略）\n" if lo else "")
                + html.escape(doc.text[lo : c.start])
                + f'<mark class="span">{inner}</mark>'
                + html.escape(doc.text[c.end : hi])
                + ("\n…（后文从略）" if hi < len(doc.text) else "")
            )
        meta = " · ".join(html.escape(x) for x in (c.date or "日期不详", c.source) if x)
        badge = "引用" if spans else "参考"
        cards.append(
            f'<details class="cite" id="cite-{c.n}"><summary>'
            f'<div><span class="num">[{c.n}]</span><b>{html.escape(c.title or c.doc_id)}</b> '
            f'<span class="hint">{badge}</span></div>'
            f'<div class="meta">{meta}</div><div class="passage">{_highlight(c.text, spans)}</div>'
            f'<div class="hint">点击查看全文</div></summary><div class="doc">{whole}</div></details>'
        )
    return "".join(cards)


def examples_for(a: Assistant, n: int = 4) -> list[str]:
    """Example questions made from the loaded documents: the most recent ones by date."""
    docs = sorted(a.documents(), key=lambda d: d.date or "", reverse=True)[:n]
    out = []
    for d in docs:
        if d.date:
            y, m, day = (int(x) for x in d.date.split("-"))
            out.append(f"{y}年{m}月{day}日{d.title}的主要内容是什么？")
        else:
            out.append(f"{d.title}有哪些人出席？")
    return out


# -------------------------------------------------------------------------------------------- uploads


class UploadRefused(ValueError):
    """An uploaded file is not accepted; the message says why (shown to the user)."""


def upload_target(name: str, uploads: Path) -> Path:
    """Where an uploaded file called ``name`` is saved: directly inside ``uploads``. Names with a
    folder part (``../../x``, ``a/b``, ``C:\\x``), absolute names, hidden or empty names and names
    with control characters are refused, not cleaned up."""
    if not name or name in (".", "..") or name != name.strip() or len(name.encode()) > 200:
        raise UploadRefused("文件名无效")
    if "/" in name or "\\" in name or os.path.isabs(name) or re.match(r"^[A-Za-z]:", name):
        raise UploadRefused("文件名不能包含路径")
    if name.startswith(".") or any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in name):
        raise UploadRefused("文件名无效")
    target = (uploads / unicodedata.normalize("NFC", name)).resolve()
    if target.parent != uploads.resolve():
        raise UploadRefused("文件名不能包含路径")
    return target


def check_upload(src: Path, uploads: Path, max_bytes: int, existing: dict[str, str] | None = None) -> Path:
    """The target of an upload after checking its name, size, type and content: it must be a file
    the loaders read into at least one document, none of which may take the id of a document from
    another file (``existing``: id → source). Raises `UploadRefused`."""
    target = upload_target(src.name, uploads)
    if src.suffix.lower() not in SUPPORTED:
        raise UploadRefused(f"不支持的文件类型，支持 {' '.join(sorted(SUPPORTED))}")
    size = src.stat().st_size
    if size > max_bytes:
        raise UploadRefused(f"文件过大（{size / 2**20:.1f} MB，上限 {max_bytes / 2**20:.0f} MB）")
    loaded = load([src], max_bytes=max_bytes)
    if not loaded.documents:
        reason = loaded.skipped[0][1] if loaded.skipped else "no text"
        raise UploadRefused(f"内容无法读取（{reason}）")
    taken = [d.doc_id for d in loaded.documents if (existing or {}).get(d.doc_id, str(target)) != str(target)]
    if taken:
        raise UploadRefused(f"记录编号与已收录的其他文档重复（{'、'.join(taken[:3])}），不能替换它们")
    return target


def save_upload(src: Path, target: Path) -> Path:
    """Copy an accepted upload into place atomically (a reader never sees half a file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out, src.open("rb") as f:
            shutil.copyfileobj(f, out)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


# ------------------------------------------------------------------------------------------------ app


def build_app(a: Assistant) -> gr.Blocks:
    password = os.environ.get("RAG_ADMIN_PASSWORD")

    def doc_choices(limit: int = 1000) -> list[tuple[str, str]]:
        """Documents for the filter, newest first (the newest ``limit`` of a large index)."""
        docs = sorted(a.documents(), key=lambda d: d.date or "", reverse=True)[:limit]
        return [(f"{d.title}（{d.date}）" if d.date else d.title, d.doc_id) for d in docs]

    def respond(question, history, date_from, date_to, doc_ids, k) -> Iterator[tuple]:
        question = (question or "").strip()
        history = list(history or [])
        if not question:
            yield history, gr.skip(), ""
            return
        previous = [m["content"] for m in history if m.get("role") == "user" and isinstance(m.get("content"), str)]
        history.append({"role": "user", "content": question})
        history.append({"role": "assistant", "content": ""})
        # the question runs in a thread so that a chat model's tokens can be shown as they arrive
        tokens: queue.Queue[str | None] = queue.Queue()
        result: dict = {}

        def work() -> None:
            try:
                result["answer"] = a.ask(
                    question,
                    k=int(k),
                    date_from=(date_from or "").strip() or None,
                    date_to=(date_to or "").strip() or None,
                    doc_ids=doc_ids or None,
                    history=previous,
                    on_token=tokens.put,
                )
            except RagError as exc:
                result["error"] = exc
            finally:
                tokens.put(None)

        threading.Thread(target=work, daemon=True).start()
        streamed = ""
        while (token := tokens.get()) is not None:
            streamed += token
            history[-1] = {"role": "assistant", "content": _md_text(streamed)}
            yield history, gr.skip(), ""
        if "error" in result:
            history[-1] = {"role": "assistant", "content": _md_text(f"出错了：{result['error']}")}
            yield history, gr.skip(), ""
            return
        ans = result["answer"]
        cards = cards_html(a, ans)
        full = answer_markdown(ans)
        if ans.note:
            full += f"\n\n<small>{_md_text(ans.note)}</small>"
        if streamed:  # a chat model wrote it: show the checked answer at once
            history[-1] = {"role": "assistant", "content": full}
            yield history, cards, ""
            return
        # the answer appears progressively, marker links whole
        pieces = re.split(r'(<a class="cite-link"[^>]*>\[\d+\]</a>)', full)
        shown = ""
        for piece in pieces:
            step = len(piece) if piece.startswith("<a ") else 12
            for i in range(0, len(piece), step):
                shown += piece[i : i + step]
                history[-1] = {"role": "assistant", "content": shown}
                yield history, gr.skip(), ""
                time.sleep(0.015)
        yield history, cards, ""

    def upload(files, pw, progress=gr.Progress()):  # noqa: B008  (Gradio injects it)
        if password and not hmac.compare_digest((pw or "").encode(), password.encode()):
            return "上传需要管理员密码：密码不正确。", gr.skip()
        if not files:
            return "请选择要上传的文件。", gr.skip()
        accepted, lines = [], []
        existing = {d.doc_id: d.source for d in a.documents()}
        for f in files:
            src = Path(f if isinstance(f, str) else f.name)
            try:
                target = check_upload(src, UPLOADS, a.settings.max_file_bytes, existing)
            except UploadRefused as exc:
                lines.append(f"未接收 {src.name}：{exc}")
                continue
            if target.exists():
                lines.append(f"{target.name} 已存在，已用新上传的文件替换")
            accepted.append((src, target))
        saved = [save_upload(src, target) for src, target in accepted]
        if saved:
            total = {"n": 0, "done": 0}

            def on_plan(n: int) -> None:
                total["n"] = n
                progress(0, desc=f"正在为 {n} 个段落建立索引")

            def step(n: int) -> None:
                total["done"] += n
                progress(total["done"] / max(total["n"], 1), desc="正在建立索引")

            loaded = a.add(saved, on_plan=on_plan, progress=step)
            lines.insert(0, f"已加入 {len(loaded.documents)} 篇文档：" + "、".join(d.title for d in loaded.documents))
            lines += [f"未能读取 {Path(w).name}：{r}" for w, r in loaded.skipped]
        return "\n\n".join(_md_text(x) for x in lines), gr.update(choices=doc_choices())

    def api_ask(question: str, k: int = 5) -> dict:
        """Answer a question with citations: the same object as `rag ask --json`."""
        return a.ask(question, k=int(k)).to_dict()

    with gr.Blocks(title="会议记录问答") as demo:
        gr.Markdown("## 会议记录问答\n根据已收录的会议记录回答问题，每句回答都标注出处 [n]，点击可查看原文。")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                chat = gr.Chatbot(
                    label="对话",
                    height=460,
                    elem_id="chat",
                    buttons=["copy"],
                    feedback_options=None,
                    placeholder="请输入问题，例如会议的日期、出席人员、审议事项……",
                )
                with gr.Row():
                    box = gr.Textbox(
                        show_label=False,
                        placeholder="输入问题，按回车发送",
                        scale=5,
                        elem_id="question",
                        autofocus=True,
                    )
                    send = gr.Button("发送", variant="primary", scale=1, min_width=80, elem_id="send")
                gr.Examples(examples_for(a), inputs=box, label="示例问题")
                clear = gr.Button("清空对话", size="sm")
            with gr.Column(scale=2, min_width=300):
                gr.Markdown("#### 引用与原文")
                cards = gr.HTML(cards_html(a, Answer(text="", found=False)), elem_id="cards")
        with gr.Accordion("筛选", open=False):
            with gr.Row():
                date_from = gr.Textbox(label="起始日期", placeholder="YYYY-MM-DD", elem_id="date-from")
                date_to = gr.Textbox(label="截止日期", placeholder="YYYY-MM-DD", elem_id="date-to")
                k = gr.Slider(1, 10, value=5, step=1, label="引用段落数")
            docs = gr.Dropdown(choices=doc_choices(), multiselect=True, label="只在这些文档中查找", elem_id="docs")
        with gr.Accordion("上传文档", open=False):
            files = gr.File(
                file_count="multiple",
                label=f"支持 {' '.join(sorted(SUPPORTED))}",
                elem_id="upload",
            )
            pw = gr.Textbox(label="管理员密码", type="password", visible=bool(password), elem_id="password")
            add = gr.Button("加入索引", elem_id="add")
            status = gr.Markdown(elem_id="upload-status")

        inputs = [box, chat, date_from, date_to, docs, k]
        box.submit(respond, inputs, [chat, cards, box], api_visibility="private")
        send.click(respond, inputs, [chat, cards, box], api_visibility="private")
        clear.click(
            lambda: ([], cards_html(a, Answer(text="", found=False))), None, [chat, cards], api_visibility="private"
        )
        add.click(upload, [files, pw], [status, docs], api_name="upload", concurrency_limit=1)
        gr.api(api_ask, api_name="ask")
    return demo


def main() -> None:
    from tqdm import tqdm

    bar: tqdm | None = None

    def on_plan(n: int) -> None:
        nonlocal bar
        print(f"building the index in {index_dir} from {CORPUS} …", file=sys.stderr)
        bar = tqdm(total=n, unit="chunk", desc="embedding", file=sys.stderr)

    try:
        index_dir = Settings().index_dir
        a = Assistant.open([CORPUS], index_dir, on_plan=on_plan, progress=lambda n: bar.update(n) if bar else None)
    except RagError as exc:
        sys.exit(f"app: error: {exc}")
    finally:
        if bar is not None:
            bar.close()
    for where, reason in a.last_load.skipped if a.last_load else []:
        print(f"skipped {where}: {reason}", file=sys.stderr)
    a.search("预热", k=1)  # load the model before the first visitor
    demo = build_app(a)
    demo.queue(default_concurrency_limit=CONCURRENCY).launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        css=CSS,
        head=f"<script>{CARDS_JS}</script>",
        footer_links=["api"],
        max_file_size=a.settings.max_file_bytes,
    )


if __name__ == "__main__":
    main()
