"""ASGI middleware in front of Gradio's routes: the upload guard, and the queue's session trim.

Gradio stores every posted file in its temp folder before any code of ours runs, so `UploadGuard`
stands in front of its routes: with an admin password, no file (and no upload event) gets past it
without the password, and Gradio's temp files are capped in any case. `SessionTrim` drops what
Gradio's queue keeps for ever of each finished API call.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import re
import secrets
from typing import TYPE_CHECKING, Any

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    import gradio as gr

TRIM_EVERY = 1000  # posts between two trims of Gradio's queue (`SessionTrim`)
UNLOCK_PATH = "/rag/unlock"  # POST the admin password here: a cookie that lets this browser upload
UPLOAD_COOKIE = "rag_upload"
PASSWORD_HEADER = "x-admin-password"  # scripts: gradio_client.Client(url, headers={...: password})
# Gradio's routes that run an event named in the path, or in the JSON body's fn_index
_EVENT_PATH = re.compile(r"/gradio_api/(?:call/v2|call|run|api)/([^/]+)$|/gradio_api/queue/join$")
# the page's button: ask for the upload cookie, then let Python check the password for the page
UNLOCK_JS = f"""
async (pw) => {{
  const base = location.pathname.endsWith('/') ? location.pathname : location.pathname + '/';
  await fetch(base + '{UNLOCK_PATH[1:]}', {{method: 'POST', body: pw || '', credentials: 'same-origin'}});
  return pw;
}}
"""


class UploadGuard:
    """ASGI middleware in front of Gradio's routes, against files stored by callers who may not upload.

    Gradio writes each file posted to ``/gradio_api/upload`` (and any multipart form) into its temp
    folder, and an upload event given a URL downloads it there, before the app sees the password.
    With ``password`` set, a request that would do either is refused (401) unless it carries the
    password in the ``X-Admin-Password`` header or the cookie the page gets from `UNLOCK_PATH`. With
    accounts on, only an administrator's session may (403 for the others; `AccountGate` runs first).
    Always, multipart posts are refused (507) while the page's temp files and the posts under way
    hold ``room`` bytes or more; Gradio deletes its old temp files on the `TEMP_CLEANING` schedule.
    """

    def __init__(self, app: ASGIApp, *, blocks: gr.Blocks, password: str | None, room: int) -> None:
        self.app, self.blocks, self.password, self.room = app, blocks, password, room
        self.token = secrets.token_urlsafe(32)  # the cookie's value; a new one each start
        self.posting = 0  # bytes of multipart posts under way

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        path = scope["path"].rstrip("/")
        headers = Headers(scope=scope)
        multipart = headers.get("content-type", "").lower().startswith("multipart/")
        if self.password and path.endswith(UNLOCK_PATH):
            await self._unlock(scope, receive, send)
            return
        user = scope.get("state", {}).get("rag_user")  # signed in, when accounts are on (`AccountGate`)
        if (user is not None and not user.is_admin) or (user is None and self.password and not self._admin(headers)):
            refused = multipart
            event = _EVENT_PATH.search(path)
            if event and not refused:  # the event is named in the path, or by fn_index in the body
                body, read = await _read_body(receive)
                receive = _replaying(read, receive)
                refused = self._takes_files(event.group(1), body)
            if refused and user is not None:
                await _refuse(403, "只有管理员可以上传文档（uploads are for administrators）")(scope, receive, send)
                return
            if refused:
                why = "上传需要管理员密码（uploads need the admin password: X-Admin-Password）"
                await _refuse(401, why)(scope, receive, send)
                return
        if not multipart:
            await self.app(scope, receive, send)
            return
        length = headers.get("content-length", "")
        size = int(length) if length.isdigit() else 0
        if not size:
            await _refuse(411, "Content-Length required")(scope, receive, send)
            return
        if self._held() + self.posting + size > self.room:
            await _refuse(507, "上传暂存空间已满，请稍后再试（upload space full, try again later）")(
                scope, receive, send
            )
            return
        self.posting += size
        try:
            await self.app(scope, receive, send)
        finally:
            self.posting -= size

    def _admin(self, headers: Headers) -> bool:
        """Whether the request carries the admin password or the page's upload cookie."""
        assert self.password
        given = headers.get(PASSWORD_HEADER, "").encode()
        cookie = cookie_parser(headers.get("cookie", "")).get(UPLOAD_COOKIE, "").encode()
        return hmac.compare_digest(given, self.password.encode()) or hmac.compare_digest(cookie, self.token.encode())

    def _takes_files(self, api_name: str | None, body: bytes) -> bool:
        """Whether a call runs an event with a file input (the upload), named in the path or the body."""
        if api_name and any(fn.api_name == api_name and _has_files(fn) for fn in self.blocks.fns.values()):
            return True
        try:
            fn_index = json.loads(body).get("fn_index")
        except (ValueError, AttributeError):
            return False  # not an event call Gradio would run
        fn = self.blocks.fns.get(fn_index) if isinstance(fn_index, int) else None
        return fn is not None and _has_files(fn)

    def _held(self) -> int:
        """Bytes of the files Gradio keeps in its temp folder for this page (uploads, downloads)."""
        total = 0
        for files in list(self.blocks.temp_file_sets):
            for f in list(files):
                try:
                    total += os.lstat(f).st_size
                except OSError:
                    continue
        return total

    async def _unlock(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The page's password check: the upload cookie for the right password, 403 otherwise."""
        assert self.password
        body, _ = await _read_body(receive, limit=1024)
        if not hmac.compare_digest(body, self.password.encode()):
            await asyncio.sleep(0.5)  # slows guessing
            await _refuse(403, "密码不正确")(scope, receive, send)
            return
        response = Response(status_code=204)
        response.set_cookie(UPLOAD_COOKIE, self.token, httponly=True, samesite="strict", path="/")
        await response(scope, receive, send)


def _has_files(fn: Any) -> bool:
    import gradio as gr  # loaded by then: the page is served

    return any(isinstance(c, gr.File) for c in getattr(fn, "inputs", []))


def _refuse(status: int, why: str) -> Response:
    return PlainTextResponse(why, status_code=status)


async def _read_body(receive: Receive, limit: int | None = None) -> tuple[bytes, list[Message]]:
    """A request's body (up to ``limit`` bytes), and the messages read, to hand on unchanged."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body") or (limit is not None and sum(map(len, chunks)) > limit):
            break
    return b"".join(chunks), messages


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    """``receive`` that first gives back ``messages`` already read."""
    pending = list(messages)

    async def again() -> Message:
        return pending.pop(0) if pending else await receive()

    return again


class SessionTrim:
    """ASGI middleware that forgets the finished sessions Gradio's queue would keep for ever.

    Gradio's queue keeps, per session, the set of its events not yet delivered, and leaves the
    empty set behind when the last is delivered; every call of the API over HTTP is a new session,
    so that is about 350 bytes per call, for good. Every `TRIM_EVERY` posts the empty sets are
    dropped (Gradio drops them itself when a session's events are cancelled). This runs on the
    event loop between awaits, so no event of a session is added or delivered meanwhile.
    """

    def __init__(self, app: ASGIApp, *, blocks: gr.Blocks, every: int = TRIM_EVERY) -> None:
        self.app, self.blocks, self.every, self.posts = app, blocks, every, 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            self.posts += 1
            if self.posts % self.every == 0:
                held = getattr(getattr(self.blocks, "_queue", None), "pending_event_ids_session", None)
                if isinstance(held, dict):
                    for session in [s for s, ids in held.items() if not ids]:
                        del held[session]
        await self.app(scope, receive, send)
