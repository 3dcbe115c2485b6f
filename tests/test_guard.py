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
