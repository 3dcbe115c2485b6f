"""The ASGI middleware of the web app (rag/web/guard.py), in this process over a stand-in app:
what reaches Gradio's routes, and what Gradio's queue keeps of finished calls."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import httpx
from starlette.responses import PlainTextResponse

from rag.web.guard import SessionTrim, UploadGuard


async def _ok(scope: Any, receive: Any, send: Any) -> None:
    await PlainTextResponse("ok")(scope, receive, send)


def _post(app: Any, path: str, **kw: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            return await client.post(path, **kw)

    return asyncio.run(go())


def test_the_queue_forgets_finished_api_sessions():
    """Gradio leaves an empty set behind for every finished session (a new one per HTTP call);
    sessions with events still pending are kept."""
    held: dict[str, set[str]] = {f"done{i}": set() for i in range(500)} | {"busy": {"event-1"}}
    blocks = SimpleNamespace(_queue=SimpleNamespace(pending_event_ids_session=held))
    app = SessionTrim(_ok, blocks=blocks, every=3)  # type: ignore[arg-type]
    assert _post(app, "/gradio_api/call/ask").text == "ok"
    assert _post(app, "/gradio_api/call/ask").text == "ok"
    assert len(held) == 501  # not yet: every third post
    assert _post(app, "/gradio_api/call/ask").text == "ok"
    assert held == {"busy": {"event-1"}}


def test_an_upload_with_a_bad_content_length_is_refused_not_crashed():
    blocks = SimpleNamespace(fns={})
    app = UploadGuard(_ok, blocks=blocks, password=None, room=10**6)  # type: ignore[arg-type]
    for length in ("abc", "-5", ""):
        answer = _post(
            app,
            "/gradio_api/upload",
            content=b"--x\r\n\r\n--x--\r\n",
            headers={"content-type": "multipart/form-data; boundary=x", "content-length": length},
        )
        assert answer.status_code == 411, (length, answer.status_code)


# ------------------------------------------------------------------------------------- sign-in gate


def _office(tmp_path):
    from rag.accounts import ADMIN, Accounts, ScryptParams, Sessions
    from rag.history import History
    from rag.web.auth import Office

    accounts = Accounts.load(tmp_path / "accounts.toml", create=True, scrypt=ScryptParams(ln=4, r=8, p=1))
    accounts.add_user("admin", "admin-password", role=ADMIN)
    db = tmp_path / "office.sqlite"
    return Office(accounts, Sessions(db), History(db))


def test_the_gate_signs_in_and_refuses_without_a_session(tmp_path):
    from rag.web.auth import AccountGate

    app = AccountGate(_ok, office=_office(tmp_path))
    refused = _post(app, "/gradio_api/call/ask", json={"data": ["问题", 5]})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthenticated"
    signed = _post(app, "/rag/login", json={"user": "admin", "password": "admin-password"})
    assert signed.status_code == 200 and "httponly" in signed.headers["set-cookie"].lower()
    token = signed.json()["token"]
    assert _post(app, "/gradio_api/call/ask", headers={"authorization": f"Bearer {token}"}).text == "ok"
    assert _post(app, "/gradio_api/upload", headers={"cookie": f"rag_session={token}"}).text == "ok"
    form = _post(app, "/rag/login", data={"user": "admin", "password": "nope"})
    assert form.status_code == 401 and "用户名或密码不正确" in form.text  # the page again, with the reason


def test_sign_in_waits_after_too_many_wrong_passwords(tmp_path):
    from rag.web.auth import LOGIN_TRIES, AccountGate

    now = [1000.0]
    app = AccountGate(_ok, office=_office(tmp_path), clock=lambda: now[0])
    tries, _, wait = LOGIN_TRIES
    for _ in range(tries):
        assert _post(app, "/rag/login", json={"user": "admin", "password": "wrong-one"}).status_code == 401
    right = {"user": "admin", "password": "admin-password"}
    locked = _post(app, "/rag/login", json=right)
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "too_many_tries"
    now[0] += wait + 1
    assert _post(app, "/rag/login", json=right).status_code == 200


def test_wrong_passwords_for_made_up_names_do_not_pile_up(tmp_path, monkeypatch):
    import rag.web.auth
    from rag.web.auth import LOGIN_TRIES, AccountGate

    monkeypatch.setattr(rag.web.auth, "FAILURES_KEPT", 10)
    now = [1000.0]
    app = AccountGate(_ok, office=_office(tmp_path), clock=lambda: now[0])
    for i in range(10):
        _post(app, "/rag/login", json={"user": f"name{i}", "password": "wrong-one"})
    now[0] += LOGIN_TRIES[1] + 1  # their window has passed
    for i in range(10, 15):
        _post(app, "/rag/login", json={"user": f"name{i}", "password": "wrong-one"})
    assert len(app.failures) <= 10
