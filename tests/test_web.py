"""The web app's HTTP side, served in this process over the hashing embedder (no browser, no model):
who may store files on the server, what Gradio keeps per API call, and the errors /ask gives."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from .load import HttpAsker, rss_mb, running_app

pytestmark = pytest.mark.slow  # each test starts the app in a child process (about 5 s)

QUESTION = "出席数字赋能协商活动的副市长是谁？"


@contextlib.contextmanager
def serving(root: Path, **env: str) -> Iterator[str]:
    """``rag serve`` over the sample report with the hashing embedder, its Gradio temp files in
    ``root/gradio``; yields its URL."""
    with running_app(root, hashed=True, GRADIO_TEMP_DIR=str(root / "gradio"), **env) as url:
        yield url


def _stored(root: Path) -> list[Path]:
    """The files in the app's Gradio temp folder."""
    return [p for p in (root / "gradio").rglob("*") if p.is_file()]


def _post_file(url: str, name: str, data: bytes, **kw: object):
    import httpx

    return httpx.post(f"{url}/gradio_api/upload", files={"files": (name, data, "text/plain")}, timeout=30, **kw)


def _upload_fn(url: str) -> int:
    import httpx

    config = httpx.get(f"{url}/config", timeout=30).json()
    return next(int(d["id"]) for d in config["dependencies"] if d.get("api_name") == "upload")


def test_without_the_admin_password_no_file_reaches_the_server(tmp_path):
    """/gradio_api/upload stored any posted file in Gradio's temp folder (20 × 9 MB: 181 MB, never
    cleaned) before the app checked the password; the upload event could also make the server
    download a URL there. With RAG_ADMIN_PASSWORD set, both need the password now."""
    import httpx
    from gradio_client import Client, handle_file

    with serving(tmp_path, RAG_ADMIN_PASSWORD="s3cret") as url:
        r = _post_file(url, "note.txt", "会议纪要".encode() * 1000)
        assert r.status_code == 401, r.text
        assert _post_file(url, "note.txt", b"x", headers={"X-Admin-Password": "wrong"}).status_code == 401
        assert _stored(tmp_path) == []
        remote = {"path": "https://example.com/big.txt", "orig_name": "big.txt", "meta": {"_type": "gradio.FileData"}}
        r = httpx.post(f"{url}/gradio_api/call/upload", json={"data": [[remote], ""]}, timeout=30)
        assert r.status_code == 401, r.text
        join = {"data": [[remote], ""], "fn_index": _upload_fn(url), "session_hash": "abc", "trigger_id": None}
        assert httpx.post(f"{url}/gradio_api/queue/join", json=join, timeout=30).status_code == 401

        # the page: the password, once checked, is a cookie that lets the browser upload
        with httpx.Client(base_url=url, timeout=30) as browser:
            assert browser.post("/rag/unlock", content=b"wrong").status_code == 403
            assert _post_file(url, "note.txt", b"x", cookies=browser.cookies).status_code == 401
            assert browser.post("/rag/unlock", content=b"s3cret").status_code == 204
            r = browser.post("/gradio_api/upload", files={"files": ("note.txt", "会议纪要".encode(), "text/plain")})
            assert r.status_code == 200, r.text
        # a script: the password in a header
        note = tmp_path / "note.txt"
        note.write_text("2025年3月4日，区政协召开主席会议，研究年度协商计划。", encoding="utf-8")
        client = Client(url, verbose=False, headers={"X-Admin-Password": "s3cret"})
        status, _ = client.predict([handle_file(str(note))], "s3cret", api_name="/upload")
        assert "已加入 1 篇文档" in status
        # questions need no password
        assert Client(url, verbose=False).predict(QUESTION, 5, api_name="/ask")["found"]


def test_gradio_temp_files_are_capped_and_cleaned(tmp_path):
    """Without a password uploads are open, but Gradio's temp files are capped (about ten of the
    largest files allowed) and cleaned on a schedule."""
    with serving(tmp_path, RAG_MAX_FILE_MB="0.01") as url:  # files up to 10 KB
        assert _post_file(url, "big.txt", b"x" * 20_000).status_code == 413  # over the file limit
        codes = [_post_file(url, f"n{i}.txt", b"x" * 9000).status_code for i in range(15)]
        assert codes[0] == 200
        assert 507 in codes
        assert codes.count(200) <= 11
        assert sum(p.stat().st_size for p in _stored(tmp_path)) <= 11 * 10_240


def test_memory_stays_flat_under_api_calls(tmp_path):
    """Each /ask call over HTTP is a new Gradio session, and Gradio kept 10,000 of them (each a copy
    of the page's config, about 75 KB): 40 clients grew the app from 374 to 960 MB in 10k calls."""
    with serving(tmp_path) as url:
        asker = HttpAsker(url)
        for _ in range(200):  # warm: every buffer at its working size
            asker.ask(QUESTION)
        before = rss_mb(url)
        for _ in range(600):
            assert asker.ask(QUESTION)["found"]
        asker.close()
        assert rss_mb(url) - before < 12, f"{before:.0f} MB → {rss_mb(url):.0f} MB in 600 calls"


@pytest.mark.parametrize(
    ("question", "k", "says"),
    [
        ("问" * 1001, 5, "1,001 characters"),
        ("", 5, "empty"),
        (None, 5, "empty"),
        (QUESTION, 0, "from 1 to 50"),
        (QUESTION, -1, "from 1 to 50"),
        (QUESTION, 51, "from 1 to 50"),
        (QUESTION, "5", "from 1 to 50"),
    ],
)
def test_the_ask_api_checks_questions_as_the_cli_does(web, question, k, says):
    """/ask gave an opaque AppError for 1,001 characters, "not found" for k=-1, silently 5 passages
    for k=0 and a server TypeError for None; now the CLI's one-line reason, titled with its class."""
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    url = web
    with pytest.raises(AppError, match=says) as raised:
        Client(url, verbose=False).predict(question, k, api_name="/ask")
    assert raised.value.title == "RagError"


def test_the_ask_api_over_plain_http_says_why(web):
    import httpx

    url = web
    r = httpx.post(f"{url}/gradio_api/call/ask", json={"data": [QUESTION, -1]}, timeout=30)
    events = httpx.get(f"{url}/gradio_api/call/ask/{r.json()['event_id']}", timeout=30).text.splitlines()
    assert "event: error" in events
    data = json.loads(next(x for x in events if x.startswith("data: "))[len("data: ") :])
    assert "from 1 to 50" in data["error"] and data["title"] == "RagError"  # as the README says


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("web")) as url:
        yield url


MEETINGS = Path(__file__).resolve().parents[2] / "shared" / "data" / "xinwenlianbo" / "meetings.jsonl"


@pytest.mark.skipif(not MEETINGS.exists(), reason="needs ../shared/data")
def test_while_the_first_index_builds_the_address_shows_its_progress(tmp_path):
    """A browser at the app's address during the first build got "This site can't be reached"
    (167 s for the meeting reports); now a Chinese page with the build's progress, and API callers
    a 503 with the reason, until the chat is served."""
    import os
    import subprocess
    import sys
    import time

    import httpx

    from .load import REPO, _free_port

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = MEETINGS.read_text(encoding="utf-8").splitlines()[:600]
    (corpus / "reports.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    port = _free_port()
    env = {**os.environ, "RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(tmp_path / "index"),
           "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.run_cli", "serve"], cwd=REPO, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    seen, api = set(), set()
    try:
        deadline = time.time() + 600
        while time.time() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"{url}/config", timeout=5).status_code == 200:
                    break
                page = httpx.get(url, timeout=5).text
                seen.update(line for line in ("正在读取文档", "正在建立索引（") if line in page)
                r = httpx.post(f"{url}/gradio_api/call/ask", json={"data": ["问题", 5]}, timeout=5)
                api.add((r.status_code, r.json()["error"]["message"][:6]))
            except httpx.HTTPError:
                pass  # between the build page and the chat
            time.sleep(0.1)
        assert "正在建立索引（" in seen
        assert (503, "正在建立索引") in api
        asker = HttpAsker(url)
        assert asker.ask("新闻联播")["citations"]  # the chat, over the index just built
        asker.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
