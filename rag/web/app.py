"""The Gradio page: chat with citation cards, filters, uploads, and the /ask and /upload API routes.

Questions are answered by `Assistant.stream`: a chat model's reply shows as it arrives, then the
checked answer replaces it; an extractive answer shows at once. Errors are shown in Chinese in
the chat, never as a traceback; /ask gives the command line's one-line reason. Uploads pass
`UploadGuard` (`guard.py`) first.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from rag import SUPPORTED_SUFFIXES, Answer, Assistant, Citation, Document, Meeting, Quote, RagError, Settings
from rag.accounts import User
from rag.api import MAX_QUESTION
from rag.dates import DateInputError, date_filter
from rag.export import source_label, to_docx, to_markdown, to_text
from rag.history import Turn

from .auth import AccountGate, Office
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
LIBRARY_COLUMNS = ("标题", "日期", "文档集", "来源", "段落数", "加入", "编号")


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


def _answer_of(turn: Turn) -> Answer:
    """A saved turn's answer, as `answer_markdown` and the exports take it."""
    citations = tuple(
        Citation(
            int(c["n"]), str(c["doc_id"]), str(c.get("title") or ""), c.get("date"), str(c.get("source") or ""),
            str(c.get("text") or ""), int(c.get("start") or 0), int(c.get("end") or 0), float(c.get("score") or 0),
            int(c["page"]) if isinstance(c.get("page"), int) else None,
        )
        for c in turn.citations
    )  # fmt: skip
    quotes = tuple(Quote(int(c["n"]), s, e) for c in turn.citations for s, e in c.get("quotes", ()))
    marks = tuple(Quote(int(c["n"]), s, e) for c in turn.citations for s, e in c.get("marks", ()))
    return Answer(turn.answer, turn.found, citations, quotes=quotes, marks=marks)


def _stored_citations(ans: Answer) -> list[dict[str, Any]]:
    """The citations of an answer as saved: each with its quoted and marked spans."""
    return [
        c.to_dict()
        | {
            "quotes": [[q.start, q.end] for q in ans.quotes if q.n == c.n],
            "marks": [[m.start, m.end] for m in ans.marks if m.n == c.n],
        }
        for c in ans.citations
    ]


def _build_progress(progress: gr.Progress) -> tuple[Callable[[int], None], Callable[[int], None]]:
    """The ``on_plan`` and ``progress`` callbacks of a build that show its progress on the page."""
    total = {"n": 0, "done": 0}

    def on_plan(n: int) -> None:
        total["n"] = n
        progress(0, desc=f"正在为 {n} 个段落建立索引")

    def step(n: int) -> None:
        total["done"] += n
        progress(total["done"] / max(total["n"], 1), desc="正在建立索引")

    return on_plan, step


def _chat_message(ans: Answer, question: str, searched: str) -> dict[str, str]:
    """The chat's message for an answer, saying which question was searched when a follow-up was
    completed from the conversation."""
    said = answer_markdown(ans)
    if searched != question:
        said = f"<small>检索的问题：{md_text(searched)}</small>\n\n{said}"
    return {"role": "assistant", "content": said}


def create_app(
    a: Assistant, uploads: Path, settings: Settings | None = None, office: Office | None = None
) -> gr.Blocks:
    """The page over ``a``; accepted uploads are saved under ``uploads`` and added to the index.
    ``office``: accounts, sessions and history (default: those of ``settings``, `Office.open`)."""
    settings = settings or a.settings
    office = office or Office.open(settings)
    history_store = office.history
    password = settings.admin_password
    collection = uploads.name  # as the folder under corpus/ makes it when the index is rebuilt
    roots = a.store.manifest.get("sources") or []  # paths are shown relative to the corpus folders

    def readable(user: User) -> list[str] | None:
        return None if user.collections is None else list(user.collections)

    def documents(user: User) -> list[Document]:
        return a.documents(collections=readable(user))

    def conversation_choices(user: User) -> list[tuple[str, str]]:
        if not settings.save_conversations:
            return []
        return [
            (f"{c.title or '未命名对话'}（{c.updated:%m-%d %H:%M}）", c.id) for c in history_store.conversations(user)
        ]

    def respond(
        question: str,
        chat_history: list[dict[str, Any]] | None,
        conv_id: str,
        turn_ids: str,
        date_from: str,
        date_to: str,
        doc_ids: list[str],
        k: float,
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        question = (question or "").strip()
        chat_history = list(chat_history or [])
        if not question:
            yield chat_history, gr.skip(), "", gr.skip(), gr.skip(), gr.skip()
            return
        previous = [_text_of(m.get("content")) for m in chat_history if m.get("role") == "user"]
        chat_history += [{"role": "user", "content": question}, {"role": "assistant", "content": ""}]
        streamed = ""
        try:
            if len(question) > MAX_QUESTION:
                raise RagError(f"问题太长：共 {len(question):,} 个字，最多 {MAX_QUESTION:,} 个字，请缩短后再问。")
            user = office.user(request)
            first, last = date_filter(date_from, date_to)
            searched = a.standalone(question, [p for p in previous if p])
            for part in a.stream(
                searched, k=int(k), date_from=first, date_to=last, doc_ids=doc_ids or None,
                collections=readable(user),
            ):  # fmt: skip
                if isinstance(part, Answer):
                    chat_history[-1] = _chat_message(part, question, searched)
                    conv_id, turn_ids = _saved(user, conv_id, turn_ids, question, searched, part)
                    yield (
                        chat_history, cards_html(a, part), "", conv_id, turn_ids,
                        gr.update(choices=conversation_choices(user), value=conv_id or None),
                    )  # fmt: skip
                else:
                    streamed += part
                    chat_history[-1] = {"role": "assistant", "content": md_text(streamed)}
                    yield chat_history, gr.skip(), "", gr.skip(), gr.skip(), gr.skip()
        except Exception as exc:  # shown to the user in Chinese; unexpected ones are logged
            chat_history[-1] = {"role": "assistant", "content": md_text(_error_text(exc))}
            yield chat_history, gr.skip(), "", gr.skip(), gr.skip(), gr.skip()

    def _saved(user: User, conv_id: str, turn_ids: str, question: str, searched: str, ans: Answer) -> tuple[str, str]:
        """Record the turn (in the user's conversation when they are saved, in the log when it is
        on); the conversation's id and the turns' ids, for feedback."""
        ids = json.loads(turn_ids or "[]")
        try:
            if settings.save_conversations and not conv_id:
                conv_id = history_store.create(user, title=question[:40]).id
            turn = history_store.append(
                user, conv_id or None, question=question, answer=ans.text,
                citations=_stored_citations(ans), found=ans.found, standalone=searched,
            )  # fmt: skip
            ids.append(turn.id)
        except RagError:  # the answer is shown even when it cannot be saved
            log.exception("saving the answer failed")
            ids.append("")
        return conv_id, json.dumps(ids)

    def open_conversation(conv_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        if not conv_id:
            return [], EMPTY_CARDS, "", "[]", ""
        user = office.user(request)
        conv = history_store.load(user, conv_id)
        messages: list[dict[str, str]] = []
        for turn in conv.turns:
            messages.append({"role": "user", "content": turn.question})
            messages.append(_chat_message(_answer_of(turn), turn.question, turn.standalone or turn.question))
        cards = cards_html(a, _answer_of(conv.turns[-1])) if conv.turns else EMPTY_CARDS
        return messages, cards, conv.id, json.dumps([t.id for t in conv.turns]), conv.title

    def new_conversation() -> tuple[Any, ...]:
        return [], EMPTY_CARDS, "", "[]", gr.update(value=None), ""

    def rename_conversation(conv_id: str, title: str, request: gr.Request) -> Any:
        user = office.user(request)
        if conv_id and (title or "").strip():
            history_store.rename(user, conv_id, title.strip()[:80])
        return gr.update(choices=conversation_choices(user), value=conv_id or None)

    def delete_conversation(conv_id: str, request: gr.Request) -> tuple[Any, ...]:
        user = office.user(request)
        if conv_id:
            history_store.delete(user, conv_id)
        return (gr.update(choices=conversation_choices(user), value=None), *new_conversation()[:5])

    def example(i: int | None, request: gr.Request) -> Any:
        return examples_for(documents(office.user(request)))[i] if i is not None else gr.skip()

    def export(conv_id: str, request: gr.Request, kind: str = "md") -> Any:
        user = office.user(request)
        if not conv_id:
            raise gr.Error("请先提问或打开一个已保存的对话，再导出。", print_exception=False)
        conv = history_store.load(user, conv_id)
        turns = [(t.question, _answer_of(t)) for t in conv.turns]
        folder = Path(tempfile.mkdtemp(prefix="rag-export-"))
        name = re.sub(r'[\\/:*?"<>|\s]+', "_", conv.title or "对话")[:40] or "对话"
        document = partial(a.document, collections=readable(user))
        if kind == "docx":
            target = folder / f"{name}.docx"
            target.write_bytes(to_docx(turns, roots, document, title=conv.title or "会议记录问答"))
        else:
            target = folder / f"{name}.md"
            target.write_text(to_markdown(turns, roots, document, title=conv.title or "会议记录问答"), encoding="utf-8")
        return gr.update(value=str(target), visible=True)

    def export_markdown(conv_id: str, request: gr.Request) -> Any:
        return export(conv_id, request, "md")

    def export_word(conv_id: str, request: gr.Request) -> Any:
        return export(conv_id, request, "docx")

    def copy_text(conv_id: str, request: gr.Request) -> str:
        """The last answer of the conversation as plain text with its numbered sources."""
        user = office.user(request)
        if not conv_id:
            return ""
        conv = history_store.load(user, conv_id)
        if not conv.turns:
            return ""
        last = conv.turns[-1]
        return to_text([(last.question, _answer_of(last))], roots, partial(a.document, collections=readable(user)))

    def feedback(turn_ids: str, data: gr.LikeData, request: gr.Request) -> tuple[Any, str]:
        user = office.user(request)
        index = data.index if isinstance(data.index, int) else data.index[0]
        ids = json.loads(turn_ids or "[]")
        turn = ids[index // 2] if 0 <= index // 2 < len(ids) else ""
        if not turn or data.liked is None:
            return gr.update(visible=False), ""
        good = data.liked is True or data.liked == "Like"
        history_store.rate(user, turn, good)
        return gr.update(visible=not good), turn

    def comment(turn: str, text: str, request: gr.Request) -> tuple[Any, str, str]:
        user = office.user(request)
        if turn and (text or "").strip():
            history_store.rate(user, turn, False, text.strip()[:2000])
            return gr.update(visible=False), "", "感谢反馈，已记录。"
        return gr.update(visible=True), text, ""

    def upload(
        files: list[Any] | None,
        pw: str,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[str, Any]:
        user = office.user(request)
        if not office.local and not user.is_admin:
            return "只有管理员可以上传文档。", gr.skip()
        if office.local and password and not hmac.compare_digest((pw or "").encode(), password.encode()):
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
            on_plan, step = _build_progress(progress)
            try:
                loaded = a.add(saved, collection=collection, on_plan=on_plan, progress=step)
            except RagError as exc:
                return md_text(f"建立索引失败：{exc}"), gr.skip()
            history_store.record_upload(user, [d.doc_id for d in loaded.documents])
            lines.insert(0, f"已加入 {len(loaded.documents)} 篇文档：" + "、".join(d.title for d in loaded.documents))
            lines += [f"未能读取 {Path(w).name}：{r}" for w, r in loaded.skipped]
        return "\n\n".join(md_text(x) for x in lines), gr.update(choices=doc_choices(documents(user)))

    def api_ask(question: str, k: int = 5, request: gr.Request = None) -> dict[str, Any]:  # type: ignore[assignment]
        """Answer a question with citations: the same object as `rag ask --json`. A question the
        command line refuses is refused with its one-line reason (titled with the error's class).
        With accounts on, only the caller's collections are read (``Authorization: Bearer``)."""
        try:
            user = office.user(request)
            return a.ask(question, k=k, collections=readable(user)).to_dict()
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

    # ------------------------------------------------------------------------------ meetings tab

    def chosen(year: str | None, kind: str | None, person: str | None, user: User) -> list[Meeting]:
        def given(v: str | None) -> str | None:
            return None if v in (None, "", "全部") else v

        y, kd, p = given(year), given(kind), given(person)
        return a.meetings(
            kd, date_from=f"{y}-01-01" if y else None, date_to=f"{y}-12-31" if y else None, person=p,
            role="presided", collections=readable(user),
        )[::-1]  # fmt: skip  # newest first

    def meeting_rows(year: str | None, kind: str | None, person: str | None, request: gr.Request) -> list[list[str]]:
        return [meeting_row(m) for m in chosen(year, kind, person, office.user(request))][:2000]

    def show_meeting(year: str, kind: str, person: str, evt: gr.SelectData, request: gr.Request) -> str:
        user = office.user(request)
        rows = chosen(year, kind, person, user)
        row = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        if not isinstance(row, int) or not 0 <= row < len(rows):
            return ""
        m = rows[row]
        doc = a.document(m.doc_id, collections=readable(user))
        return meeting_html(doc, m, roots) if doc is not None else ""

    # ------------------------------------------------------------------------------- library tab

    def library_rows(query: str, user: User) -> list[list[Any]]:
        counts = Counter(c.doc_id for c in a.store.chunks)
        added = history_store.uploads()
        words = (query or "").split()
        rows = []
        for d in sorted(documents(user), key=lambda d: (d.date is not None, d.date or "", d.title), reverse=True):
            where = source_label(d, roots)
            by, when = added.get(d.doc_id, ("", None))
            how = f"{by} 上传于 {when.astimezone():%Y-%m-%d %H:%M}" if when else "文档文件夹"
            row = [
                d.title or d.doc_id,
                d.date or "",
                d.collection or "（默认）",
                where,
                counts[d.doc_id],
                how,
                d.doc_id,
            ]
            if all(w in f"{row[0]} {row[1]} {row[2]} {row[3]}" for w in words):
                rows.append(row)
        return rows

    def library(query: str, request: gr.Request) -> tuple[Any, str]:
        rows = library_rows(query, office.user(request))
        return rows, f"共 {len(rows)} 篇文档" + (f"（筛选：{md_text(query)}）" if (query or "").strip() else "")

    def pick_document(query: str, evt: gr.SelectData, request: gr.Request) -> str:
        rows = library_rows(query, office.user(request))
        row = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        return str(rows[row][-1]) if isinstance(row, int) and 0 <= row < len(rows) else ""

    def delete_document(doc_id: str, pw: str, query: str, request: gr.Request) -> tuple[Any, ...]:
        """Remove an uploaded document from the index and the uploads folder (administrators)."""
        user = office.user(request)
        if office.local and password and not hmac.compare_digest((pw or "").encode(), password.encode()):
            return "删除文档需要管理员密码：密码不正确。", gr.skip(), gr.skip()
        if not office.local and not user.is_admin:
            return "只有管理员可以删除文档。", gr.skip(), gr.skip()
        doc = a.document(doc_id) if doc_id else None
        if doc is None:
            return "请先在表格中点选要删除的文档。", gr.skip(), gr.skip()
        source = Path(doc.source)
        if not source.resolve().is_relative_to(uploads.resolve()):
            why = (
                f"“{doc.title}”来自 {source_label(doc, roots)}，不是网页上传的文档：请在文档文件夹中删除该文件，"
                "再点“重新读取文件夹”。"
            )
            return md_text(why), gr.skip(), gr.skip()
        a.remove([doc_id])
        source.unlink(missing_ok=True)
        rows, count = library(query, request)
        return md_text(f"已删除“{doc.title}”。"), rows, count

    def reread(pw: str, query: str, request: gr.Request, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        """Read the document folders again (files added, changed or deleted there), administrators."""
        user = office.user(request)
        if office.local and password and not hmac.compare_digest((pw or "").encode(), password.encode()):
            return "重新读取需要管理员密码：密码不正确。", gr.skip(), gr.skip()
        if not office.local and not user.is_admin:
            return "只有管理员可以重新读取文件夹。", gr.skip(), gr.skip()
        before = {d.doc_id: d.content_hash for d in a.documents()}
        on_plan, step = _build_progress(progress)
        try:
            loaded = a.refresh(on_plan=on_plan, progress=step)
        except RagError as exc:
            return md_text(f"重新读取失败：{exc}"), gr.skip(), gr.skip()
        after = {d.doc_id: d.content_hash for d in loaded.documents}
        new = sum(d not in before for d in after)
        changed = sum(d in before and before[d] != h for d, h in after.items())
        gone = sum(d not in after for d in before)
        said = f"已重新读取：共 {len(after)} 篇文档，新增 {new} 篇，更新 {changed} 篇，移除 {gone} 篇。"
        said += "".join(f"\n\n未能读取 {Path(w).name}：{r}" for w, r in loaded.skipped[:20])
        rows, count = library(query, request)
        return md_text(said), rows, count

    # --------------------------------------------------------------------------------- admin tab

    def admin_view(request: gr.Request) -> tuple[Any, ...]:
        user = office.user(request)
        if not user.is_admin:
            raise gr.Error("只有管理员可以查看。", print_exception=False)
        not_found = [
            [f"{q.asked:%Y-%m-%d %H:%M}", q.user, q.question, q.standalone or ""]
            for q in history_store.not_found(user, limit=200)
        ]
        low = [
            [f"{f.created:%Y-%m-%d %H:%M}", f.user, f.question or "", (f.answer or "")[:200], f.comment]
            for f in history_store.low_rated(user, limit=200)
        ]
        top = [[q.count, q.question, f"{q.last:%Y-%m-%d}"] for q in history_store.most_asked(user, limit=50)]
        return not_found, low, top, user_rows()

    def admin_csv(report: str, request: gr.Request) -> Any:
        user = office.user(request)
        if not user.is_admin:
            raise gr.Error("只有管理员可以导出。", print_exception=False)
        target = Path(tempfile.mkdtemp(prefix="rag-report-")) / f"{report}.csv"
        target.write_text(history_store.csv_text(user, report), encoding="utf-8-sig")  # type: ignore[arg-type]
        return gr.update(value=str(target), visible=True)

    def user_rows() -> list[list[str]]:
        accounts = office.accounts
        if accounts is None:
            return []
        return [
            [u.id, u.name, "管理员" if u.is_admin else "用户", "、".join(u.groups),
             "全部" if u.collections is None else "、".join(u.collections) or "（无）"]
            for u in accounts.users
        ]  # fmt: skip

    def _admin_accounts(request: gr.Request) -> Any:
        user = office.user(request)
        if office.accounts is None or not user.is_admin:
            raise gr.Error("只有管理员可以管理用户。", print_exception=False)
        return office.accounts

    def save_user(uid: str, name: str, groups: str, role: str, pw: str, request: gr.Request) -> tuple[Any, str]:
        accounts = _admin_accounts(request)
        uid, wanted = (uid or "").strip(), [g for g in re.split(r"[,，、\s]+", groups or "") if g]
        try:
            if accounts.user(uid) is None:
                accounts.add_user(uid, pw or None, name=(name or "").strip(), groups=wanted, role=role)
                said = f"已添加用户 {uid}" + ("" if pw else "（尚未设置密码，不能登录）")
            else:
                accounts.update_user(uid, name=(name or "").strip(), groups=wanted, role=role)
                if pw:
                    accounts.set_password(uid, pw)
                    if office.sessions is not None:
                        office.sessions.end_user(uid)
                said = f"已更新用户 {uid}" + ("，密码已更改" if pw else "")
        except RagError as exc:
            return gr.skip(), md_text(f"未保存：{exc}")
        return user_rows(), md_text(said)

    def remove_user(uid: str, request: gr.Request) -> tuple[Any, str]:
        accounts = _admin_accounts(request)
        try:
            accounts.remove_user((uid or "").strip())
        except RagError as exc:
            return gr.skip(), md_text(f"未删除：{exc}")
        if office.sessions is not None:
            office.sessions.end_user(uid.strip())
        return user_rows(), md_text(f"已删除用户 {uid.strip()}")

    def save_group(name: str, collections: str, request: gr.Request) -> tuple[Any, str]:
        accounts = _admin_accounts(request)
        wanted = [c for c in re.split(r"[,，、\s]+", collections or "") if c]
        try:
            accounts.set_group((name or "").strip(), wanted)
        except RagError as exc:
            return gr.skip(), md_text(f"未保存：{exc}")
        return user_rows(), md_text(f"用户组 {name.strip()} 可读：{'、'.join(wanted) or '（无）'}")

    # --------------------------------------------------------------------------------- page load

    def on_load(request: gr.Request) -> tuple[Any, ...]:
        user = office.user(request)
        docs_ = documents(user)
        listed = a.meetings(collections=readable(user))
        years = sorted({m.date[:4] for m in listed if m.date}, reverse=True)
        kinds = [k_ for k_, n in a.meeting_kinds(collections=readable(user)).items() if n >= 2][:80]
        people = sorted({p.name for m in listed for p in m.people if p.role == "presided"})
        dates = sorted(d.date for d in docs_ if d.date)
        stats = f"已收录 {len(docs_)} 篇文档" + (f"，日期 {dates[0]} 至 {dates[-1]}" if dates else "")
        built = a.store.manifest.get("built_at")
        stats += f"，索引更新于 {str(built)[:16].replace('T', ' ')}" if built else ""
        if office.local:
            badge = "单用户模式（未配置账号，所有文档可见）"
        else:
            badge = f"{md_text(user.name or user.id)}（{'管理员' if user.is_admin else '、'.join(user.groups) or '用户'}） · <a href='rag/logout'>退出</a>"
        admin = user.is_admin and not office.local
        may_upload = office.local or user.is_admin
        rows, count = library("", request)
        listed_conversations = conversation_choices(user)
        latest = listed_conversations[0][1] if listed_conversations else ""
        return (
            badge,
            gr.update(choices=listed_conversations, value=latest or None),
            md_text(stats),
            gr.update(samples=[[q] for q in examples_for(docs_)]),
            gr.update(choices=doc_choices(docs_)),
            gr.update(choices=["全部", *years], value="全部"),
            gr.update(choices=["全部", *kinds], value="全部"),
            gr.update(choices=["全部", *people], value="全部"),
            [meeting_row(m) for m in listed[::-1]][:2000],
            rows,
            count,
            gr.update(visible=admin),
            gr.update(visible=may_upload),
            *open_conversation(latest, request),  # a reload shows the conversation the user was in
        )

    # ------------------------------------------------------------------------------------ layout

    with gr.Blocks(title="会议记录问答", delete_cache=TEMP_CLEANING, fill_width=True) as demo:
        with gr.Row(equal_height=False):
            gr.Markdown(
                "## 会议记录问答\n根据已收录的会议记录回答问题，每句回答都标注出处 [n]，点击可查看原文。", scale=4
            )
            who = gr.Markdown("", elem_id="who", latex_delimiters=[], scale=1, min_width=200)
        stats = gr.Markdown("", elem_id="stats", latex_delimiters=[])
        conv_id = gr.Textbox(visible="hidden", elem_id="conv-id")
        turn_ids = gr.Textbox(value="[]", visible="hidden", elem_id="turn-ids")
        with gr.Tab("问答", elem_id="tab-chat"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=1, min_width=200, elem_id="conversation-panel"):
                    new_chat = gr.Button("＋ 新对话", elem_id="new-chat", size="sm")
                    conversations = gr.Radio(
                        choices=[], label="已保存的对话", elem_id="conversations", visible=settings.save_conversations
                    )
                    with gr.Accordion("重命名 · 删除 · 导出", open=False, visible=settings.save_conversations):
                        conv_title = gr.Textbox(label="对话名称", elem_id="conv-title", max_lines=1)
                        rename = gr.Button("重命名", size="sm", elem_id="rename")
                        remove = gr.Button("删除此对话", size="sm", variant="stop", elem_id="delete-conversation")
                        export_md = gr.Button("导出 Markdown", size="sm", elem_id="export-md")
                        export_docx = gr.Button("导出 Word", size="sm", elem_id="export-docx")
                        exported = gr.File(label="导出的文件", elem_id="exported", interactive=False, visible=False)
                with gr.Column(scale=3, min_width=320):
                    chat = gr.Chatbot(
                        label="对话",
                        height=460,
                        elem_id="chat",
                        buttons=[],
                        feedback_options=("Like", "Dislike"),
                        latex_delimiters=[],  # document text is text: no formula rendering
                        placeholder="请输入问题，例如会议的日期、出席人员、审议事项……",
                    )
                    with gr.Row(visible=False, elem_id="feedback-row") as feedback_row:
                        feedback_turn = gr.Textbox(visible="hidden")
                        feedback_text = gr.Textbox(
                            label="哪里不对？（可选，提交后管理员可见）", elem_id="feedback-text", scale=4
                        )
                        feedback_send = gr.Button("提交意见", elem_id="feedback-send", scale=1, min_width=80)
                    feedback_note = gr.Markdown("", elem_id="feedback-note")
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
                    examples = gr.Dataset(
                        components=[box], samples=[], type="index", label="示例问题", elem_id="examples"
                    )
                    with gr.Row():
                        clear = gr.Button("清空对话", size="sm")
                        copy = gr.Button("复制最后的回答（纯文本）", size="sm", elem_id="copy-answer")
                    copied = gr.Textbox(visible="hidden", elem_id="copied")
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
                    choices=[], multiselect=True, allow_custom_value=True, label="只在这些文档中查找", elem_id="docs"
                )
        with gr.Tab("文档库", elem_id="tab-library"):
            with gr.Row():
                lib_query = gr.Textbox(
                    label="查找文档（标题、日期、文档集、来源中的词，空格分隔）", elem_id="lib-search", scale=4
                )
                lib_count = gr.Markdown("", elem_id="lib-count")
            lib_table = gr.Dataframe(
                headers=list(LIBRARY_COLUMNS), interactive=False, wrap=True, latex_delimiters=[],
                elem_id="lib-table", max_height=520, column_widths=["34%", "9%", "7%", "22%", "6%", "14%", "8%"],
            )  # fmt: skip
            with gr.Column(visible=False) as library_admin:
                with gr.Accordion("删除文档 · 重新读取文件夹", open=False):
                    lib_pw = gr.Textbox(
                        label="管理员密码", type="password", visible=bool(password) and office.local,
                        elem_id="lib-password",
                    )  # fmt: skip
                    picked = gr.Textbox(label="所选文档（在表格中点选）", elem_id="lib-picked", interactive=False)
                    with gr.Row():
                        drop = gr.Button("删除所选文档", variant="stop", size="sm", elem_id="lib-delete")
                        reread_button = gr.Button("重新读取文件夹（文件有增删改时）", size="sm", elem_id="lib-reread")
                    lib_status = gr.Markdown("", elem_id="lib-status")
                with gr.Accordion("上传文档", open=False):
                    with gr.Row(
                        visible=bool(password) and office.local
                    ):  # the password first: files reach the server only with it
                        pw = gr.Textbox(label="管理员密码", type="password", elem_id="password", scale=3)
                        check = gr.Button("验证密码", elem_id="unlock", scale=1, min_width=80)
                    files = gr.File(
                        file_count="multiple",
                        label=f"支持 {' '.join(sorted(SUPPORTED_SUFFIXES))}",
                        elem_id="upload",
                        visible=not (password and office.local),
                    )
                    add = gr.Button("加入索引", elem_id="add", visible=not (password and office.local))
                    status = gr.Markdown(elem_id="upload-status", latex_delimiters=[])
        with gr.Tab("会议一览", elem_id="tab-meetings"):
            gr.Markdown("资料中报道的会议，按日期排列。点击一行查看原文，会议名称、主持人和议定事项已标出。")
            with gr.Row():
                m_year = gr.Dropdown(choices=["全部"], value="全部", label="年份", elem_id="m-year")
                m_kind = gr.Dropdown(choices=["全部"], value="全部", label="会议", elem_id="m-kind")
                m_person = gr.Dropdown(choices=["全部"], value="全部", label="主持人", elem_id="m-person")
            m_table = gr.Dataframe(
                headers=list(MEETING_COLUMNS), interactive=False, wrap=True, latex_delimiters=[], elem_id="m-table",
            )  # fmt: skip
            m_source = gr.HTML(elem_id="m-source")
        with gr.Tab("管理", elem_id="tab-admin", visible=False) as admin_tab:
            refresh = gr.Button("刷新", size="sm", elem_id="admin-refresh")
            gr.Markdown("#### 回答“未找到”的问题")
            nf_table = gr.Dataframe(
                headers=["时间", "用户", "问题", "检索的问题"], interactive=False, wrap=True, elem_id="admin-not-found"
            )
            gr.Markdown("#### 被点“踩”的回答")
            low_table = gr.Dataframe(
                headers=["时间", "用户", "问题", "回答", "意见"],
                interactive=False,
                wrap=True,
                elem_id="admin-low-rated",
            )
            gr.Markdown("#### 最常问的问题")
            top_table = gr.Dataframe(
                headers=["次数", "问题", "最近一次"], interactive=False, wrap=True, elem_id="admin-most-asked"
            )
            with gr.Row():
                report = gr.Dropdown(
                    choices=[("未找到的问题", "not_found"), ("被点“踩”的回答", "low_rated"), ("最常问的问题", "most_asked"),
                             ("全部反馈", "feedback")],
                    value="not_found", label="导出 CSV", elem_id="admin-report",
                )  # fmt: skip
                report_go = gr.Button("导出", size="sm", elem_id="admin-export")
            report_file = gr.File(label="CSV", interactive=False, visible=False, elem_id="admin-csv")
            gr.Markdown("#### 用户与用户组")
            users_table = gr.Dataframe(
                headers=["用户名", "姓名", "角色", "用户组", "可读文档集"], interactive=False, elem_id="admin-users"
            )
            with gr.Row():
                u_id = gr.Textbox(label="用户名", elem_id="u-id")
                u_name = gr.Textbox(label="姓名", elem_id="u-name")
                u_groups = gr.Textbox(label="用户组（逗号分隔）", elem_id="u-groups")
                u_role = gr.Dropdown(
                    [("用户", "user"), ("管理员", "admin")], value="user", label="角色", elem_id="u-role"
                )
                u_pw = gr.Textbox(label="新密码（不改则留空，至少 8 位）", type="password", elem_id="u-password")
            with gr.Row():
                u_save = gr.Button("保存用户", size="sm", elem_id="u-save")
                u_remove = gr.Button("删除用户", size="sm", variant="stop", elem_id="u-remove")
            with gr.Row():
                g_name = gr.Textbox(label="用户组", elem_id="g-name")
                g_cols = gr.Textbox(label="可读的文档集（逗号分隔，* 为全部）", elem_id="g-collections")
                g_save = gr.Button("保存用户组", size="sm", elem_id="g-save")
            accounts_note = gr.Markdown("", elem_id="accounts-note")

        # ------------------------------------------------------------------------------- events
        private: dict[str, Any] = {"api_visibility": "private"}
        demo.load(
            on_load, None,
            [who, conversations, stats, examples, docs, m_year, m_kind, m_person, m_table, lib_table, lib_count,
             admin_tab, library_admin, chat, cards, conv_id, turn_ids, conv_title],
            **private,
        )  # fmt: skip
        for f in (date_from, date_to, docs):
            f.change(active_filters, [date_from, date_to, docs], active, **private)
        inputs = [box, chat, conv_id, turn_ids, date_from, date_to, docs, k]
        outputs = [chat, cards, box, conv_id, turn_ids, conversations]
        box.submit(respond, inputs, outputs, **private)
        send.click(respond, inputs, outputs, **private)
        examples.click(example, examples, box, **private)
        fresh = [chat, cards, conv_id, turn_ids, conversations, conv_title]
        clear.click(new_conversation, None, fresh, **private)
        new_chat.click(new_conversation, None, fresh, **private)
        conversations.input(open_conversation, conversations, [chat, cards, conv_id, turn_ids, conv_title], **private)
        rename.click(rename_conversation, [conv_id, conv_title], conversations, **private)
        remove.click(
            delete_conversation, conv_id, [conversations, chat, cards, conv_id, turn_ids, conv_title], **private
        )
        export_md.click(export_markdown, conv_id, exported, **private)
        export_docx.click(export_word, conv_id, exported, **private)
        copy.click(copy_text, conv_id, copied, **private).then(
            None, copied, None, js="(t) => { if (t) navigator.clipboard.writeText(t); }"
        )
        chat.like(feedback, turn_ids, [feedback_row, feedback_turn], **private)
        feedback_send.click(
            comment, [feedback_turn, feedback_text], [feedback_row, feedback_text, feedback_note], **private
        )
        lib_query.change(library, lib_query, [lib_table, lib_count], **private)
        lib_table.select(pick_document, lib_query, picked, **private)
        drop.click(delete_document, [picked, lib_pw, lib_query], [lib_status, lib_table, lib_count], **private)
        reread_button.click(
            reread, [lib_pw, lib_query], [lib_status, lib_table, lib_count], concurrency_limit=1, **private
        )
        add.click(upload, [files, pw], [status, docs], api_name="upload", concurrency_limit=1)
        gr.on([check.click, pw.submit], unlock, pw, [files, add, status], js=UNLOCK_JS, **private)
        filters = [m_year, m_kind, m_person]
        for f in filters:
            f.change(meeting_rows, filters, m_table, **private)
        m_table.select(show_meeting, filters, m_source, **private)
        gr.on(
            [refresh.click, admin_tab.select],
            admin_view,
            None,
            [nf_table, low_table, top_table, users_table],
            **private,
        )
        u_save.click(save_user, [u_id, u_name, u_groups, u_role, u_pw], [users_table, accounts_note], **private)
        u_remove.click(remove_user, u_id, [users_table, accounts_note], **private)
        g_save.click(save_group, [g_name, g_cols], [users_table, accounts_note], **private)
        report_go.click(admin_csv, report, report_file, **private)
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
    try:
        office = Office.open(settings)
    except RagError as exc:
        sys.exit(f"app: error: {exc}")
    if office.local:
        print("no accounts file (RAG_ACCOUNTS): one local user, who reads every document", file=sys.stderr)
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
        demo = create_app(a, corpus / "uploads", settings, office)
    serve(demo, settings, office)


def serve(demo: gr.Blocks, settings: Settings, office: Office | None = None, **launch: Any) -> None:
    """Serve the page made by `create_app` with ``settings`` (and its ``office``: with accounts, no
    route without a session, `AccountGate`); ``launch``: more `gr.Blocks.launch` arguments.

    Each call of the API over HTTP is a new Gradio session, with a copy of the page's configuration
    (about 75 KB here, more with a large index); Gradio keeps 10,000 sessions by default, which
    under load grew the app by hundreds of MB and slowed it. The page keeps nothing in sessions
    that it needs back (no gr.State), so `SESSIONS` are kept; `SessionTrim` drops what the queue
    keeps of each.
    """
    gate = [] if office is None or office.local else [Middleware(AccountGate, office=office)]
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
        app_kwargs={"middleware": [*gate, guard, Middleware(SessionTrim, blocks=demo)]},
        **launch,
    )
