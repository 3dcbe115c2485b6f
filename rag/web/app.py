"""The Gradio page: chat with citation cards, filters, uploads, and the /ask and /upload API routes.

Questions are answered by `Assistant.stream`: a chat model's reply shows as it arrives, then the
checked answer replaces it; an extractive answer shows at once. Errors are shown in Chinese in
the chat, never as a traceback; /ask gives the command line's one-line reason. Uploads pass
`UploadGuard` (`guard.py`) first.
"""

from __future__ import annotations

import hmac
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from rag import SUPPORTED_SUFFIXES, Answer, Assistant, Meeting, RagError, Settings
from rag.dates import DateInputError, date_filter

from .guard import UNLOCK_JS, SessionTrim, UploadGuard
from .progress import BuildPage
from .render import (
    CARDS_JS,
    CSS,
    EMPTY_CARDS,
    MEETING_COLUMNS,
    answer_markdown,
    cards_html,
    doc_choices,
    examples_for,
    md_text,
    meeting_html,
    meeting_row,
)
from .uploads import UploadRefused, check_upload, save_upload

log = logging.getLogger("rag.web")

SESSIONS = 100  # Gradio sessions kept in memory: each /ask call over HTTP is a new one (see `serve`)
TEMP_CLEANING = (600, 3600)  # every 10 minutes, delete Gradio temp files older than an hour
TEMP_ROOM = 10  # Gradio's temp files may hold this many of the largest files allowed, then 507


def _text_of(content: Any) -> str:
    """The text of a chat message's content: a string, or (Gradio 6) a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or "")
    if isinstance(content, list | tuple):
        return "".join(_text_of(part) for part in content)
    return ""


def _error_text(exc: Exception) -> str:
    if isinstance(exc, DateInputError):
        return f"日期筛选有误：{exc}"
    if isinstance(exc, RagError):
        return f"出错了：{exc}"
    log.exception("question failed")
    return f"出错了：服务器内部错误（{type(exc).__name__}），请稍后再试或联系管理员。"


def create_app(a: Assistant, uploads: Path, settings: Settings | None = None) -> gr.Blocks:
    """The page over ``a``; accepted uploads are saved under ``uploads`` and added to the index."""
    settings = settings or a.settings
    password = settings.admin_password
    collection = uploads.name  # as the folder under corpus/ makes it when the index is rebuilt

    def respond(
        question: str, history: list[dict[str, Any]] | None, date_from: str, date_to: str, doc_ids: list[str], k: float
    ) -> Iterator[tuple[Any, Any, str]]:
        question = (question or "").strip()
        history = list(history or [])
        if not question:
            yield history, gr.skip(), ""
            return
        previous = [_text_of(m.get("content")) for m in history if m.get("role") == "user"]
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": ""}]
        streamed = ""
        try:
            first, last = date_filter(date_from, date_to)
            for part in a.stream(
                question,
                k=int(k),
                date_from=first,
                date_to=last,
                doc_ids=doc_ids or None,
                history=[p for p in previous if p],
            ):
                if isinstance(part, Answer):
                    history[-1] = {"role": "assistant", "content": answer_markdown(part)}
                    yield history, cards_html(a, part), ""
                else:
                    streamed += part
                    history[-1] = {"role": "assistant", "content": md_text(streamed)}
                    yield history, gr.skip(), ""
        except Exception as exc:  # shown to the user in Chinese; unexpected ones are logged
            history[-1] = {"role": "assistant", "content": md_text(_error_text(exc))}
            yield history, gr.skip(), ""

    def upload(files: list[Any] | None, pw: str, progress: gr.Progress = gr.Progress()) -> tuple[str, Any]:  # noqa: B008
        if password and not hmac.compare_digest((pw or "").encode(), password.encode()):
            return "上传需要管理员密码：密码不正确。", gr.skip()
        if not files:
            return "请选择要上传的文件。", gr.skip()
        accepted, lines = [], []
        existing = {d.doc_id: d.source for d in a.documents()}
        for f in files:
            src = Path(f if isinstance(f, str) else f.name)
            try:
                target = check_upload(src, uploads, settings.max_file_bytes, existing)
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

            try:
                loaded = a.add(saved, collection=collection, on_plan=on_plan, progress=step)
            except RagError as exc:
                return md_text(f"建立索引失败：{exc}"), gr.skip()
            lines.insert(0, f"已加入 {len(loaded.documents)} 篇文档：" + "、".join(d.title for d in loaded.documents))
            lines += [f"未能读取 {Path(w).name}：{r}" for w, r in loaded.skipped]
        return "\n\n".join(md_text(x) for x in lines), gr.update(choices=doc_choices(a.documents()))

    def active_filters(date_from: str, date_to: str, doc_ids: list[str] | None) -> str:
        """The filters in force, shown next to the question box (or why a date cannot be used)."""
        try:
            first, last = date_filter(date_from, date_to)
        except DateInputError as exc:
            return md_text(f"⚠️ 日期筛选有误：{exc}")
        parts = []
        if first or last:
            parts.append(f"{first or '最早'} 至 {last or '最新'}")
        if doc_ids:
            parts.append(f"限 {len(doc_ids)} 篇文档")
        return md_text("当前筛选：" + "；".join(parts)) if parts else ""

    def api_ask(question: str, k: int = 5) -> dict[str, Any]:
        """Answer a question with citations: the same object as `rag ask --json`. A question the
        command line refuses is refused with its one-line reason (titled with the error's class)."""
        try:
            return a.ask(question, k=k).to_dict()
        except RagError as exc:
            raise gr.Error(str(exc), title=type(exc).__name__, print_exception=False) from exc
        except Exception as exc:
            log.exception("/ask failed")
            raise gr.Error(f"internal error ({type(exc).__name__}); see the server's log", title="Error") from exc

    def unlock(pw: str) -> tuple[Any, Any, str]:
        """The upload controls, shown once the admin password is right (`UNLOCK_JS` got the cookie)."""
        ok = bool(password) and hmac.compare_digest((pw or "").encode(), (password or "").encode())
        if not ok:
            return gr.update(visible=False), gr.update(visible=False), "密码不正确。"
        return gr.update(visible=True), gr.update(visible=True), "密码正确：请选择文件，然后点“加入索引”。"

    listed = a.meetings()
    years = sorted({m.date[:4] for m in listed if m.date}, reverse=True)
    meeting_kinds = [k for k, n in a.meeting_kinds().items() if n >= 2][:80]
    people = sorted({p.name for m in listed for p in m.people if p.role == "presided"})

    def chosen(year: str | None, kind: str | None, person: str | None) -> list[Meeting]:
        def given(v: str | None) -> str | None:
            return None if v in (None, "", "全部") else v

        y, kd, p = given(year), given(kind), given(person)
        return a.meetings(
            kd, date_from=f"{y}-01-01" if y else None, date_to=f"{y}-12-31" if y else None, person=p, role="presided"
        )[::-1]  # newest first

    def meeting_rows(year: str | None, kind: str | None, person: str | None) -> list[list[str]]:
        return [meeting_row(m) for m in chosen(year, kind, person)][:2000]

    def show_meeting(year: str, kind: str, person: str, evt: gr.SelectData) -> str:
        rows = chosen(year, kind, person)
        row = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        if not isinstance(row, int) or not 0 <= row < len(rows):
            return ""
        m = rows[row]
        doc = a.document(m.doc_id)
        return meeting_html(doc, m) if doc is not None else ""

    with gr.Blocks(title="会议记录问答", delete_cache=TEMP_CLEANING) as demo:
        gr.Markdown("## 会议记录问答\n根据已收录的会议记录回答问题，每句回答都标注出处 [n]，点击可查看原文。")
        with gr.Tab("问答", elem_id="tab-chat"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=320):
                    chat = gr.Chatbot(
                        label="对话",
                        height=460,
                        elem_id="chat",
                        buttons=["copy"],
                        feedback_options=None,
                        latex_delimiters=[],  # document text is text: no formula rendering
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
                    active = gr.Markdown("", elem_id="active-filters", latex_delimiters=[])
                    gr.Examples(examples_for(a.documents()), inputs=box, label="示例问题")
                    clear = gr.Button("清空对话", size="sm")
                with gr.Column(scale=2, min_width=300):
                    gr.Markdown("#### 引用与原文")
                    cards = gr.HTML(EMPTY_CARDS, elem_id="cards")
            with gr.Accordion("筛选", open=False):
                with gr.Row():
                    date_from = gr.Textbox(
                        label="起始日期", placeholder="如 2024-01-01、2024年1月、2024", elem_id="date-from"
                    )
                    date_to = gr.Textbox(label="截止日期", placeholder="如 2024/6/30、2024年6月", elem_id="date-to")
                    k = gr.Slider(1, 10, value=5, step=1, label="引用段落数")
                # custom values: Gradio checks a choice against the session's copy of the choices,
                # and a session (with the choices an upload added) may be dropped (`SESSIONS`)
                docs = gr.Dropdown(
                    choices=doc_choices(a.documents()),
                    multiselect=True,
                    allow_custom_value=True,
                    label="只在这些文档中查找",
                    elem_id="docs",
                )
            with gr.Accordion("上传文档", open=False):
                with gr.Row(visible=bool(password)):  # the password first: files reach the server only with it
                    pw = gr.Textbox(label="管理员密码", type="password", elem_id="password", scale=3)
                    check = gr.Button("验证密码", elem_id="unlock", scale=1, min_width=80)
                files = gr.File(
                    file_count="multiple",
                    label=f"支持 {' '.join(sorted(SUPPORTED_SUFFIXES))}",
                    elem_id="upload",
                    visible=not password,
                )
                add = gr.Button("加入索引", elem_id="add", visible=not password)
                status = gr.Markdown(elem_id="upload-status", latex_delimiters=[])
        with gr.Tab("会议一览", elem_id="tab-meetings"):
            gr.Markdown("资料中报道的会议，按日期排列。点击一行查看原文，会议名称、主持人和议定事项已标出。")
            with gr.Row():
                m_year = gr.Dropdown(choices=["全部", *years], value="全部", label="年份", elem_id="m-year")
                m_kind = gr.Dropdown(choices=["全部", *meeting_kinds], value="全部", label="会议", elem_id="m-kind")
                m_person = gr.Dropdown(choices=["全部", *people], value="全部", label="主持人", elem_id="m-person")
            m_table = gr.Dataframe(
                headers=list(MEETING_COLUMNS), value=meeting_rows(None, None, None), interactive=False,
                wrap=True, latex_delimiters=[], elem_id="m-table",
            )  # fmt: skip
            m_source = gr.HTML(elem_id="m-source")

        for f in (date_from, date_to, docs):
            f.change(active_filters, [date_from, date_to, docs], active, api_visibility="private")
        inputs = [box, chat, date_from, date_to, docs, k]
        box.submit(respond, inputs, [chat, cards, box], api_visibility="private")
        send.click(respond, inputs, [chat, cards, box], api_visibility="private")
        clear.click(lambda: ([], EMPTY_CARDS), None, [chat, cards], api_visibility="private")
        add.click(upload, [files, pw], [status, docs], api_name="upload", concurrency_limit=1)
        gr.on([check.click, pw.submit], unlock, pw, [files, add, status], js=UNLOCK_JS, api_visibility="private")
        filters = [m_year, m_kind, m_person]
        for f in filters:
            f.change(lambda y, k_, p: meeting_rows(y, k_, p), filters, m_table, api_visibility="private")
        m_table.select(show_meeting, filters, m_source, api_visibility="private")
        gr.api(api_ask, api_name="ask")  # type: ignore[attr-defined]
    return demo  # type: ignore[no-any-return]


def main(corpus: Path | None = None, settings: Settings | None = None, rebuild: bool = False) -> None:
    """Open (building it first when needed) the index of ``corpus`` and serve the page.

    ``corpus`` defaults to ``RAG_CORPUS_DIR``, else ``corpus/`` in the working folder. An index
    built from other files is served as it is, unless ``rebuild`` (``rag serve --rebuild``).
    """
    from tqdm import tqdm

    try:
        settings = settings or Settings.from_env()
    except RagError as exc:
        sys.exit(f"app: error: {exc}")
    corpus = Path(settings.corpus_dir) if settings.corpus_dir else (corpus or Path("corpus"))
    bar: tqdm[Any] | None = None
    try:  # visitors see the build's progress, not "This site can't be reached"
        page = BuildPage(settings.host, settings.port)
    except OSError as exc:
        sys.exit(f"app: error: cannot serve on {settings.host}:{settings.port}: {exc.strerror or exc}")

    def on_plan(n: int) -> None:
        nonlocal bar
        print(f"building the index in {settings.index_dir} from {corpus} …", file=sys.stderr)
        bar = tqdm(total=n, unit="chunk", desc="embedding", file=sys.stderr)
        page.plan(n)

    def progress(n: int) -> None:
        page.advance(n)
        if bar is not None:
            bar.update(n)

    with page:  # until the chat is ready to be served
        try:
            a = Assistant.open([corpus], settings.index_dir, on_plan=on_plan, progress=progress, replace=rebuild)
        except RagError as exc:
            sys.exit(f"app: error: {exc}")
        finally:
            if bar is not None:
                bar.close()
        if a.last_load is None:
            print(
                f"serving the index in {settings.index_dir} as it is: it was built from other files than "
                f"{corpus} (`rag serve --rebuild` rebuilds it from {corpus})",
                file=sys.stderr,
            )
        for where, reason in a.last_load.skipped if a.last_load else []:
            print(f"skipped {where}: {reason}", file=sys.stderr)
        a.search("预热", k=1)  # load the model before the first visitor
        demo = create_app(a, corpus / "uploads", settings)
    serve(demo, settings)


def serve(demo: gr.Blocks, settings: Settings, **launch: Any) -> None:
    """Serve the page made by `create_app` with ``settings``; ``launch``: more `gr.Blocks.launch` arguments.

    Each call of the API over HTTP is a new Gradio session, with a copy of the page's configuration
    (about 75 KB here, more with a large index); Gradio keeps 10,000 sessions by default, which
    under load grew the app by hundreds of MB and slowed it. The page keeps nothing in sessions
    that it needs back (no gr.State), so `SESSIONS` are kept; `SessionTrim` drops what the queue
    keeps of each.
    """
    guard = Middleware(
        UploadGuard, blocks=demo, password=settings.admin_password, room=TEMP_ROOM * settings.max_file_bytes
    )
    demo.queue(default_concurrency_limit=settings.concurrency).launch(
        server_name=settings.host,
        server_port=settings.port,
        css=CSS,
        head=f"<script>{CARDS_JS}</script>",
        footer_links=["api"],
        max_file_size=settings.max_file_bytes,
        state_session_capacity=SESSIONS,
        app_kwargs={"middleware": [guard, Middleware(SessionTrim, blocks=demo)]},
        **launch,
    )
