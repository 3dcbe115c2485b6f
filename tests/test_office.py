"""The web app as an office tool, over all 2,428 meeting reports in two collections (hashing
embedder, so the index builds in a few minutes without the model): sign-in, per-collection access
in the page and the API, saved conversations, export, feedback and the admin view, the library.

Users: ``guo`` reads the State Council's executive meetings (collection 国务院), ``xin`` the other
news (collection 新闻), ``admin`` everything. Each asks about a fact found only in the other's
collection and must get "未在资料中找到".
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import httpx
import pytest

from .load import running_app

MEETINGS = Path(__file__).resolve().parents[2] / "shared" / "data" / "xinwenlianbo" / "meetings.jsonl"
CHROMIUM = Path("/usr/bin/chromium")
NOT_FOUND = "未在资料中找到"
PASSWORDS = {"guo": "guo-password-1", "xin": "xin-password-1", "admin": "admin-password-1"}

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not MEETINGS.exists(), reason="needs ../shared/data")]


def _records() -> list[dict]:
    return [json.loads(line) for line in MEETINGS.read_text(encoding="utf-8").splitlines()]


def _collection(record: dict) -> str:
    return "国务院" if "国务院常务会议" in record["title"] else "新闻"


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """The app over every report (each in its collection), with an accounts file of three users."""
    from rag.accounts import ADMIN, Accounts, ScryptParams

    root = tmp_path_factory.mktemp("office")
    records = _records()
    reports = "\n".join(json.dumps(r | {"collection": _collection(r)}, ensure_ascii=False) for r in records)
    accounts = Accounts.load(root / "accounts.toml", create=True, scrypt=ScryptParams(ln=10, r=8, p=1))
    accounts.set_group("国务院组", ["国务院"])
    accounts.set_group("新闻组", ["新闻"])
    accounts.add_user("admin", PASSWORDS["admin"], name="管理员", role=ADMIN)
    accounts.add_user("guo", PASSWORDS["guo"], name="郭处长", groups=["国务院组"])
    accounts.add_user("xin", PASSWORDS["xin"], name="辛科长", groups=["新闻组"])
    env = {"RAG_ACCOUNTS": str(root / "accounts.toml"), "RAG_OFFICE_DB": str(root / "office.sqlite")}
    with running_app(root, {"reports.jsonl": reports + "\n"}, hashed=True, **env) as url:
        yield url, records


def _token(url: str, user: str) -> str:
    r = httpx.post(f"{url}/rag/login", json={"user": user, "password": PASSWORDS[user]}, timeout=60)
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def _ask(url: str, token: str, question: str) -> dict:
    from gradio_client import Client

    client = Client(url, headers={"Authorization": f"Bearer {token}"}, verbose=False)
    try:
        return dict(client.predict(question, 5, api_name="/ask"))
    finally:
        client.close()


def _questions(records: list[dict]) -> dict[str, str]:
    """For each user, a question whose answer is only in the other user's collection."""
    state = next(r for r in records if _collection(r) == "国务院" and r["date"].startswith("2024-07"))
    y, m, d = (int(x) for x in state["date"].split("-"))
    return {
        "xin": f"{y}年{m}月{d}日国务院常务会议审议通过了什么？",  # the State Council's meeting
        "guo": "党的二十大代表一共选出了多少名？",  # 2296, in a news report of 2022-09-25
    }


# ------------------------------------------------------------------------------------------- API


def test_without_a_session_every_route_is_refused_with_a_structured_error(office):
    url, _ = office
    r = httpx.post(f"{url}/gradio_api/call/ask", json={"data": ["问题", 5]}, timeout=30)
    assert r.status_code == 401
    assert r.json() == {"error": {"code": "unauthenticated", "message": "请先登录（sign in first）"}}
    assert httpx.get(f"{url}/config", timeout=30).status_code == 401
    page = httpx.get(url, headers={"accept": "text/html"}, timeout=30)
    assert page.status_code == 303 and page.headers["location"].endswith("/rag/login")
    login = httpx.get(f"{url}/rag/login", timeout=30).text
    assert "用户名" in login and "密码" in login
    bad = httpx.post(f"{url}/rag/login", json={"user": "guo", "password": "wrong"}, timeout=60)
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "bad_credentials"
    forged = httpx.post(
        f"{url}/gradio_api/call/ask", json={"data": ["问题", 5]}, headers={"authorization": "Bearer x"}, timeout=30
    )
    assert forged.status_code == 401


def test_the_ask_api_returns_only_the_callers_collections(office):
    url, records = office
    collection_of = {r["id"]: _collection(r) for r in records}
    questions = _questions(records)
    for user, other in (("guo", "xin"), ("xin", "guo")):
        token = _token(url, user)
        mine = "国务院" if user == "guo" else "新闻"
        # the other's question: nothing of the other collection, and "not found"
        answer = _ask(url, token, questions[user])
        assert {collection_of.get(c["doc_id"], "") for c in answer["citations"]} <= {mine}, answer
        assert not answer["found"] and NOT_FOUND in answer["answer"], (user, answer)
        # their own question is answered from their own collection
        own = _ask(url, token, questions[other])
        assert own["found"], (user, own)
        assert {collection_of[c["doc_id"]] for c in own["citations"]} == {mine}
    admin = _ask(url, _token(url, "admin"), questions["guo"])
    assert admin["found"] and "2296" in admin["answer"]


# --------------------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"], headless=True)
        yield b
        b.close()


def _signed_in(browser, url: str, user: str):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#login", timeout=30_000)  # sent to the sign-in page
    page.fill("#user", user)
    page.fill("#password", PASSWORDS[user])
    page.click("#login")
    page.wait_for_selector("#question textarea", timeout=60_000)
    page.wait_for_selector("#who a", timeout=60_000)  # the page is filled with the user's own (sign-out link)
    return context, page


def _ask_in_page(page, question: str, expect: str, timeout: float = 60) -> str:
    before = page.locator("#chat .bot").count()
    page.fill("#question textarea", question)
    page.click("#send")
    deadline = time.time() + timeout
    while time.time() < deadline:
        bots = page.locator("#chat .bot")
        if bots.count() > before and expect in (text := bots.last.inner_text()):
            return text
        page.wait_for_timeout(200)
    raise AssertionError(f"no answer with {expect!r} to {question!r}: {page.locator('#chat').inner_text()[-500:]}")


@pytest.mark.browser
def test_two_users_a_conversation_its_export_and_feedback(office, browser):
    from docx import Document as Docx

    url, records = office
    questions = _questions(records)
    guo, page = _signed_in(browser, url, "guo")
    page.wait_for_selector("#who:has-text('郭处长')", timeout=30_000)  # filled when the page has loaded

    # the other collection's fact is not found; a question of their own is, with a follow-up
    _ask_in_page(page, questions["guo"], NOT_FOUND)
    state = next(r for r in records if _collection(r) == "国务院" and r["date"].startswith("2024-03"))
    y, m, d = (int(x) for x in state["date"].split("-"))
    _ask_in_page(page, f"{y}年{m}月{d}日国务院常务会议研究了什么？", "[1]")
    follow = _ask_in_page(page, "那次会议还部署了什么？", "[1]")
    assert "检索的问题" in follow  # the standalone question searched is shown
    page.wait_for_selector("#cards #cite-1")
    assert state["date"] in page.locator("#cite-1 .meta").inner_text()

    # reload: the conversation is shown again, and listed on the left; a new one, then back to it
    page.reload()
    page.wait_for_selector("#question textarea", timeout=60_000)
    page.wait_for_function("document.querySelectorAll('#chat .bot').length >= 3", timeout=30_000)
    assert "那次会议还部署了什么？" in page.locator("#chat").inner_text()
    page.click("#new-chat")
    page.wait_for_function("document.querySelectorAll('#chat .bot').length == 0", timeout=30_000)
    saved = page.locator("#conversations label")
    saved.first.wait_for(timeout=30_000)
    saved.first.click()
    page.wait_for_function("document.querySelectorAll('#chat .bot').length >= 3", timeout=30_000)

    # export to .docx and read it back
    page.locator(".label-wrap", has_text="导出").first.click()
    page.click("#export-docx")
    link = page.locator("#exported a").first
    link.wait_for(timeout=30_000)
    data = guo.request.get(link.get_attribute("href")).body()
    text = "\n".join(p.text for p in Docx(io.BytesIO(data)).paragraphs)
    assert "那次会议还部署了什么？" in text and "[1]" in text and state["title"][:10] in text

    # 👎 with a comment on the last answer
    page.locator("#chat button[aria-label='Dislike'], #chat [title='Dislike']").last.click()
    page.wait_for_selector("#feedback-text textarea", timeout=30_000)
    page.fill("#feedback-text textarea", "部署事项不全")
    page.click("#feedback-send")
    page.wait_for_selector("#feedback-note:has-text('感谢反馈')", timeout=30_000)

    # no admin tab, and the library lists only their collection
    assert not page.locator("#tab-admin-button").is_visible()
    page.click("#tab-library-button")
    mine = sum(_collection(r) == "国务院" for r in records)
    page.wait_for_selector(f"#lib-count:has-text('共 {mine} 篇文档')", timeout=30_000)
    guo.close()

    xin, page = _signed_in(browser, url, "xin")
    _ask_in_page(page, questions["xin"], NOT_FOUND)
    assert page.locator("#conversations label").count() == 1  # their own only
    xin.close()

    # the admin sees the 👎, and every document in the library
    admin, page = _signed_in(browser, url, "admin")
    page.click("#tab-admin-button")
    page.wait_for_selector("#admin-low-rated:has-text('部署事项不全')", timeout=30_000)
    page.click("#tab-library-button")
    page.wait_for_selector(f"#lib-count:has-text('共 {len(records) + 1} 篇文档')", timeout=30_000)

    # the admin adds a user on the page, who can then sign in and reads the news only
    page.click("#tab-admin-button")
    page.fill("#u-id input, #u-id textarea", "xu")
    page.fill("#u-groups input, #u-groups textarea", "新闻组")
    page.fill("#u-password input", "xu-password-1")
    page.click("#u-save")
    page.wait_for_selector("#admin-users:has-text('xu')", timeout=30_000)
    admin.close()
    PASSWORDS["xu"] = "xu-password-1"
    xu, page = _signed_in(browser, url, "xu")
    page.click("#tab-library-button")
    news = sum(_collection(r) == "新闻" for r in records)
    page.wait_for_selector(f"#lib-count:has-text('共 {news} 篇文档')", timeout=30_000)
    xu.close()
