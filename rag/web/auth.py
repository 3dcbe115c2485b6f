"""Who is asking: sign-in for an office with accounts, the single local user without them.

Without an accounts file the page runs as before: one local user (`LOCAL_USER`) who reads every
collection. With one (``RAG_ACCOUNTS``), `AccountGate` (ASGI middleware) stands in front of every
route of the app:

- ``GET /rag/login`` is the sign-in page (Chinese); ``POST /rag/login`` with the form (or JSON
  ``{"user", "password"}``) starts a session: an HttpOnly cookie for the browser, and for a JSON
  request also ``{"token", "expires_in"}`` for scripts, which send it as ``Authorization: Bearer``;
- ``/rag/logout`` ends the session;
- any other request without a valid session is sent to the sign-in page (a page) or refused with
  401 and ``{"error": {"code": "unauthenticated", "message": …}}`` (the API).

The user is looked up in the accounts file on every request (`Office.user`), so a user removed from
it, or moved to other groups, has that effect at once. Handlers pass ``user.collections`` to the
`Assistant`, which filters inside retrieval.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from rag.accounts import LOCAL_USER, Accounts, Sessions, User
from rag.errors import RagError
from rag.history import History

if TYPE_CHECKING:
    from rag import Settings

SESSION_COOKIE = "rag_session"
LOGIN_PATH = "/rag/login"
LOGOUT_PATH = "/rag/logout"
MAX_LOGIN_BODY = 4096  # bytes of a sign-in form or JSON
LOGIN_TRIES = (5, 600.0, 300.0)  # after 5 wrong passwords for a user within 10 minutes, wait 5 minutes
FAILURES_KEPT = 10_000  # user names with recent wrong passwords held before the old ones are dropped
OPEN_PATHS = ("/gradio_api/startup-events",)  # Gradio calls it itself as it starts; it returns nothing


class NotSignedIn(RagError):
    """A request without a valid session while accounts are on."""


@dataclass
class Office:
    """The office's accounts (None: the single local user), sessions and history."""

    accounts: Accounts | None
    sessions: Sessions | None
    history: History

    @classmethod
    def open(cls, settings: Settings) -> Office:
        """The office of ``settings``: its accounts file (``RAG_ACCOUNTS``) when given, and the
        office database (``RAG_OFFICE_DB``) for sessions, conversations and feedback."""
        db = Path(settings.office_path)
        db.parent.mkdir(parents=True, exist_ok=True)
        history = History(db, conversations=settings.save_conversations, log=settings.log_questions)
        if settings.accounts_file is None:
            return cls(None, None, history)
        accounts = Accounts.load(settings.accounts_file)
        return cls(accounts, Sessions(db, lifetime=settings.session_hours * 3600), history)

    @property
    def local(self) -> bool:
        """No accounts: one local user, as on a single person's machine."""
        return self.accounts is None

    def user_of_token(self, token: str | None) -> User | None:
        """The user of a session token, None when it is unknown, expired, or its user was removed."""
        if self.accounts is None or self.sessions is None or not token:
            return None
        user_id = self.sessions.user_of(token)
        if user_id is None:
            return None
        self.accounts.refresh()
        return self.accounts.user(user_id)

    def user(self, request: Any) -> User:
        """The user making ``request`` (a `gr.Request`, or anything with ``headers``).

        Raises:
            NotSignedIn: accounts are on and the request has no valid session.
        """
        if self.accounts is None:
            return LOCAL_USER
        headers = getattr(request, "headers", None) or {}
        user = self.user_of_token(token_of(dict(headers)))
        if user is None:
            raise NotSignedIn("请先登录（sign in first）")
        return user


def token_of(headers: Any) -> str | None:
    """The session token a request carries: ``Authorization: Bearer``, else the session cookie."""
    auth = str(headers.get("authorization") or "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return cookie_parser(str(headers.get("cookie") or "")).get(SESSION_COOKIE) or None


class AccountGate:
    """ASGI middleware: sign-in, sign-out, and no route of the app without a session (module docstring).

    The user of a request is put in ``scope["state"]["rag_user"]`` for the middleware after it.
    """

    def __init__(
        self, app: ASGIApp, *, office: Office, secure: bool = False, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.app, self.office, self.secure, self.clock = app, office, secure, clock
        self.failures: dict[str, list[float]] = {}  # user id → times of recent wrong passwords

    def _locked(self, user_id: str) -> bool:
        """Whether sign-in for ``user_id`` waits after too many wrong passwords (`LOGIN_TRIES`)."""
        tries, window, wait = LOGIN_TRIES
        now = self.clock()
        if len(self.failures) > FAILURES_KEPT:  # names tried at random: keep only the recent ones
            self.failures = {u: ts for u, ts in self.failures.items() if now - ts[-1] < window}
        recent = [t for t in self.failures.pop(user_id, []) if now - t < window]
        if recent:
            self.failures[user_id] = recent
        return len(recent) >= tries and now - recent[-1] < wait

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] not in ("http", "websocket")
            or self.office.local
            or scope.get("path", "").endswith(OPEN_PATHS)
        ):
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        headers = Headers(scope=scope)
        if scope["type"] == "http" and path.endswith(LOGIN_PATH):
            await (await self._login(scope, receive, headers))(scope, receive, send)
            return
        if scope["type"] == "http" and path.endswith(LOGOUT_PATH):
            await self._logout(headers)(scope, receive, send)
            return
        user = await run_in_threadpool(self.office.user_of_token, token_of(headers))
        if user is None:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 4401})
                return
            await _unauthenticated(scope, headers)(scope, receive, send)
            return
        scope.setdefault("state", {})["rag_user"] = user
        await self.app(scope, receive, send)

    async def _login(self, scope: Scope, receive: Receive, headers: Headers) -> Response:
        base = _base(scope)
        if scope["method"] != "POST":
            return HTMLResponse(login_page(base))
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > MAX_LOGIN_BODY:
                return JSONResponse(_error("too_large", "请求过大"), status_code=413)
            if not message.get("more_body"):
                break
        wants_json = headers.get("content-type", "").startswith("application/json")
        try:
            given = json.loads(body) if wants_json else {k: v[0] for k, v in parse_qs(body.decode()).items()}
            user_id, password = str(given.get("user") or ""), str(given.get("password") or "")
        except (ValueError, AttributeError, UnicodeDecodeError):
            user_id = password = ""
        accounts, sessions = self.office.accounts, self.office.sessions
        assert accounts is not None and sessions is not None
        if self._locked(user_id):
            why = "密码错误次数过多，请 5 分钟后再试"
            if wants_json:
                return JSONResponse(_error("too_many_tries", why), status_code=429)
            return HTMLResponse(login_page(base, why, user_id), status_code=429)
        user = await run_in_threadpool(accounts.authenticate, user_id, password) if user_id and password else None
        if user is None:
            self.failures.setdefault(user_id, []).append(self.clock())
            why = "用户名或密码不正确"
            if wants_json:
                return JSONResponse(_error("bad_credentials", why), status_code=401)
            return HTMLResponse(login_page(base, why, user_id), status_code=401)
        self.failures.pop(user_id, None)
        token = await run_in_threadpool(sessions.start, user)
        lifetime = int(sessions.lifetime)
        response: Response
        if wants_json:
            response = JSONResponse({"token": token, "expires_in": lifetime, "user": user.id})
        else:
            response = RedirectResponse(base + "/", status_code=303)
        response.set_cookie(
            SESSION_COOKIE, token, max_age=lifetime, httponly=True, samesite="lax", secure=self.secure, path="/"
        )
        return response

    def _logout(self, headers: Headers) -> Response:
        token = token_of(headers)
        if token and self.office.sessions is not None:
            self.office.sessions.end(token)
        response = RedirectResponse(LOGIN_PATH, status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


def _base(scope: Scope) -> str:
    return str(scope.get("root_path") or "").rstrip("/")


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _unauthenticated(scope: Scope, headers: Headers) -> Response:
    page = scope["method"] == "GET" and "text/html" in headers.get("accept", "")
    if page:
        return RedirectResponse(_base(scope) + LOGIN_PATH, status_code=303)
    return JSONResponse(_error("unauthenticated", "请先登录（sign in first）"), status_code=401)


LOGIN_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>登录 · 会议记录问答</title>
<style>body{{font-family:system-ui,"Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;background:#f6f7f9;
margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center;color:#222}}
form{{background:#fff;padding:2em 2.2em;border-radius:10px;box-shadow:0 2px 14px #0001;width:min(22em,88vw)}}
h1{{font-size:1.35em;margin:0 0 1em}}label{{display:block;margin:.9em 0 .3em;color:#444}}
input{{width:100%;box-sizing:border-box;padding:.6em;border:1px solid #ccc;border-radius:6px;font-size:1em}}
button{{margin-top:1.4em;width:100%;padding:.7em;border:0;border-radius:6px;background:#2563eb;color:#fff;
font-size:1em;cursor:pointer}}.error{{color:#b91c1c;margin:.8em 0 0}}</style></head>
<body><form method="post" action="{action}"><h1>会议记录问答</h1>
<label for="user">用户名</label><input id="user" name="user" autocomplete="username" value="{user}" required autofocus>
<label for="password">密码</label><input id="password" name="password" type="password" autocomplete="current-password" required>
{error}<button type="submit" id="login">登录</button></form></body></html>
"""


def login_page(base: str = "", error: str = "", user: str = "") -> str:
    """The sign-in page, with ``error`` (already Chinese) under the fields."""
    shown = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return LOGIN_PAGE.format(action=html.escape(base + LOGIN_PATH), user=html.escape(user), error=shown)
