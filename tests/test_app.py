"""The web chat in real headless Chromium (Debian's chromium, driven by Playwright).

Starts `python app.py` over a copy of corpus/ on a free port, then asks, reads the streamed answer
and its citation card, opens the source, uploads a document and asks about it, checks that markup
inside documents is shown as text and never runs, and calls the /ask API with gradio_client.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from .load import running_app

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"), reason="chromium not installed (apt-get install chromium)"
    ),
]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("app")
    with running_app(root) as url:
        yield url, root


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def fresh_page(browser, url: str, width: int = 1280, height: int = 900):
    """A page on ``url`` once loaded (the last conversation shown), in a new conversation: the one
    local user shares conversations, and a history arriving after a question would shift the answers."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    page.wait_for_selector("#question textarea", timeout=60_000)
    page.wait_for_selector("#who:has-text('单用户模式')", timeout=60_000)
    page.click("#new-chat")
    page.wait_for_function("document.querySelectorAll('#chat .bot').length == 0", timeout=30_000)
    return page


@pytest.fixture
def page(server, browser):
    url, _ = server
    page = fresh_page(browser, url)
    yield page
    page.close()


def open_uploads(page) -> None:
    """The upload panel, in the library tab."""
    page.click("#tab-library-button")
    page.locator(".label-wrap", has_text="上传文档").first.click()


def ask(page, question: str, expect: str, timeout: int = 60_000) -> list[int]:
    """Type a question, send it, wait until the answer holds ``expect`` and has stopped growing, and
    return the lengths of the answer seen on the way."""
    before = page.locator("#chat .bot").count()
    page.fill("#question textarea", question)
    page.click("#send")
    lengths: list[int] = []
    deadline = time.time() + timeout / 1000
    stable_since = time.time()
    while time.time() < deadline:
        bots = page.locator("#chat .bot")
        if bots.count() > before:
            text = bots.last.inner_text()
            if not lengths or len(text) != lengths[-1]:
                lengths.append(len(text))
                stable_since = time.time()
            elif expect in text and time.time() - stable_since > 0.8:
                return lengths
        time.sleep(0.01)
    raise AssertionError(f"no answer with {expect!r}: {page.locator('#chat').inner_text()[-300:]}")


def test_question_gets_an_answer_with_citation_cards_and_source(page, server):
    ask(page, "出席数字赋能协商活动的副市长是谁？", "赵炜")
    page.wait_for_selector("#cards #cite-1")
    card = page.locator("#cite-1")
    assert "滕州市政协" in card.inner_text()
    assert "赵炜" in card.locator("mark").first.inner_text()
    _, root = server
    page.locator("#cite-1 summary").evaluate("e => e.scrollIntoView()")  # the README's screenshot
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=os.environ.get("RAG_SCREENSHOT") or str(root / "screenshot.png"), full_page=True)
    # a click on the marker opens the card with the whole document, the passage marked and in view
    page.locator('#chat a[href="#cite-1"]').first.click()
    page.wait_for_function("document.querySelector('#cite-1').open === true")
    mark = page.locator("#cite-1 .doc mark.span")
    assert mark.count() == 1
    assert "赵炜" in mark.inner_text()
    page.wait_for_timeout(600)
    assert mark.is_visible()


def test_follow_up_question_uses_the_conversation(page):
    ask(page, "市政協主席是誰？", "薛登峰")
    ask(page, "那次活动有几位政协委员提出了意见建议？", "6位政协委员")


def test_upload_then_answer_from_it_and_markup_stays_text(page, tmp_path):
    report = tmp_path / "示范区政协常委会议纪要.txt"
    report.write_text(
        "2026年9月1日，示范区政协召开常委会议。出席会议的副主任是王晓明。"
        '会议记录原文：<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">由李明主持记录。\n',
        encoding="utf-8",
    )
    titled = tmp_path / "标题.md"  # markup in the title: shown in cards, the status line and the filter
    titled.write_text(
        '# <img src=x onerror="window.__xss = 3">园区协商会\n2026年9月2日，园区召开协商会，议定由周立新牵头。\n',
        encoding="utf-8",
    )
    open_uploads(page)
    page.set_input_files("#upload input[type=file]", [str(report), str(titled)])
    page.wait_for_timeout(500)
    page.click("#add")
    page.wait_for_function("document.querySelector('#upload-status').innerText.includes('已加入')", timeout=120_000)
    page.click("#tab-chat-button")
    assert "<img src=x" in page.locator("#upload-status").inner_text()
    ask(page, "出席示范区政协常委会议的副主任是谁？", "王晓明")
    ask(page, "示范区会议记录由谁主持记录？", "李明")
    ask(page, "园区协商会议定由谁牵头？", "周立新")
    page.locator("#cards .cite").first.click()  # open the card: the whole document
    page.click("text=筛选")
    page.click("#docs input")  # the document filter lists the titles
    page.wait_for_timeout(500)
    chat = page.locator("#chat").inner_text()
    assert "<script>" in chat  # shown literally
    assert "onerror" in chat
    assert "<img src=x" in page.locator("#cards").inner_text()
    assert page.evaluate("window.__xss") is None  # and nothing ran
    assert page.locator("#chat script, #cards script, #chat img[src=x], #cards img, img[src=x]").count() == 0


def test_other_file_types_are_refused(page, tmp_path):
    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ")
    open_uploads(page)
    page.set_input_files("#upload input[type=file]", str(bad))
    page.wait_for_timeout(500)
    page.click("#add")
    page.wait_for_function("document.querySelector('#upload-status').innerText.includes('不支持')", timeout=30_000)


def test_a_question_too_long_is_refused_in_chinese(page):
    ask(page, "请问" * 501, "问题太长")  # 1,002 characters


def test_the_library_shows_an_upload_and_deletes_it(page, tmp_path):
    note = tmp_path / "库内删除测试会.txt"
    note.write_text("2026年2月3日，市政协召开库内删除测试会，副主席韩冬青出席。", encoding="utf-8")
    open_uploads(page)
    page.set_input_files("#upload input[type=file]", str(note))
    page.wait_for_timeout(500)
    page.click("#add")
    page.wait_for_function("document.querySelector('#upload-status').innerText.includes('已加入')", timeout=120_000)
    page.fill("#lib-search textarea, #lib-search input", "库内删除测试会")
    page.wait_for_selector("#lib-count:has-text('共 1 篇文档')", timeout=30_000)
    page.wait_for_selector("#lib-table:has-text('上传于')", timeout=30_000)  # who added it, and when
    assert "uploads" in page.locator("#lib-table").inner_text()  # its collection
    page.locator("#lib-table >> text=库内删除测试会 >> visible=true").first.click()
    page.locator(".label-wrap", has_text="删除文档").first.click()
    page.wait_for_function("(document.querySelector('#lib-picked textarea, #lib-picked input') || {}).value")
    page.click("#lib-delete")
    page.wait_for_selector("#lib-status:has-text('已删除')", timeout=60_000)
    page.wait_for_selector("#lib-count:has-text('共 0 篇文档')", timeout=30_000)
    page.click("#tab-chat-button")
    ask(page, "库内删除测试会哪位副主席出席？", "未在资料中找到")


def test_ask_api_returns_the_cli_json(server):
    from gradio_client import Client

    url, _ = server
    result = Client(url, verbose=False).predict("出席数字赋能协商活动的副市长是谁？", 5, api_name="/ask")
    assert set(result) == {"answer", "found", "citations", "quotes", "marks", "answerer"}
    assert result["found"] is True
    assert "赵炜" in result["answer"]
    assert result["citations"][0]["n"] == 1
    assert set(result["citations"][0]) == {
        "n",
        "doc_id",
        "title",
        "date",
        "source",
        "text",
        "start",
        "end",
        "score",
        "page",
    }


def test_phone_width(browser, server):
    url, _ = server
    page = fresh_page(browser, url, 390, 844)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, "no horizontal scrolling at phone width"
    # a marker scrolls down to its card (below the chat here); the card's link brings the marker back
    ask(page, "出席数字赋能协商活动的副市长是谁？", "赵炜")
    marker = page.locator('#chat a[href="#cite-1"]').last
    marker.click()
    in_view = "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
    page.wait_for_function("document.querySelector('#cite-1').open === true")
    page.wait_for_timeout(800)
    assert not marker.evaluate(in_view)
    page.locator("#cite-1 a.back-to-chat").click()
    page.wait_for_timeout(800)
    assert marker.evaluate(in_view)
    page.close()


def test_chat_model_answers_stream_into_the_page(browser, tmp_path):
    from .llm_server import Reply, ScriptedLLM

    reply = "市政协主席是薛登峰，副市长赵炜出席了双月协商活动[1]。6位政协委员提出了意见建议[1]。"
    with ScriptedLLM() as llm, running_app(tmp_path, RAG_LLM_BASE_URL=llm.url, RAG_LLM_MODEL="scripted") as url:
        llm.replies.append(Reply(reply, pace=0.05))
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.wait_for_selector("#question textarea", timeout=60_000)
        lengths = ask(page, "出席数字赋能协商活动的副市长是谁？", "6位政协委员")
        assert len({n for n in lengths if n > 0}) >= 3, "tokens should appear as they arrive"
        page.wait_for_selector('#chat a[href="#cite-1"]', timeout=30_000)  # the checked answer replaces the stream
        assert "出席数字赋能协商活动的副市长是谁" in llm.requests[-1]["messages"][1]["content"]
        page.close()


def test_uploads_need_the_admin_password_when_set(browser, tmp_path):
    """The password comes first: until it is right the page offers no file picker, and the server
    takes no file (Gradio stored any posted file before the app saw the password)."""
    import httpx

    note = tmp_path / "note.txt"
    note.write_text("区政协召开主席会议，研究年度协商计划。", encoding="utf-8")
    (tmp_path / "app").mkdir()
    with running_app(tmp_path / "app", RAG_ADMIN_PASSWORD="s3cret") as url:
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("#question textarea", timeout=60_000)
        open_uploads(page)
        assert page.locator("#upload input[type=file]").count() == 0
        page.fill("#password input", "wrong")
        page.click("#unlock")
        page.wait_for_function("document.querySelector('#upload-status').innerText.includes('密码不正确')")
        assert page.locator("#upload input[type=file]").count() == 0
        assert "rag_upload" not in {c["name"] for c in page.context.cookies()}
        page.fill("#password input", "s3cret")
        page.click("#unlock")
        page.wait_for_function("document.querySelector('#upload-status').innerText.includes('密码正确')")
        page.set_input_files("#upload input[type=file]", str(note))
        page.wait_for_timeout(500)
        page.click("#add")
        page.wait_for_function("document.querySelector('#upload-status').innerText.includes('已加入')", timeout=60_000)
        page.click("#tab-chat-button")
        page.close()
        r = httpx.post(f"{url}/gradio_api/upload", files={"files": ("x.txt", b"x", "text/plain")}, timeout=30)
        assert r.status_code == 401


def test_formula_syntax_in_documents_and_answers_stays_text(page, tmp_path):
    """$$…$$ in a document, its title, a question or an answer is shown as typed, never by KaTeX."""
    report = tmp_path / "公式$$t^2$$纪要.md"
    report.write_text(
        "# 公式$$x^2$$专题会\n2026年9月3日，市政协召开公式专题会，记录写有 $$E=mc^2$$ 与 $a_1$ 及 \\(b^2\\)，由钱学森主持。\n",
        encoding="utf-8",
    )
    open_uploads(page)
    page.set_input_files("#upload input[type=file]", str(report))
    page.wait_for_timeout(500)
    page.click("#add")
    page.wait_for_function("document.querySelector('#upload-status').innerText.includes('已加入')", timeout=120_000)
    page.click("#tab-chat-button")
    ask(page, "公式专题会由谁主持？$$y^2$$", "钱学森")
    page.wait_for_selector("#cards #cite-1")
    page.locator("#cards .cite").first.click()
    page.wait_for_timeout(500)
    assert "$$E=mc^2$$" in page.locator("#chat").inner_text()
    assert "$$y^2$$" in page.locator("#chat").inner_text()
    assert "$$E=mc^2$$" in page.locator("#cards").inner_text()
    assert "$$x^2$$" in page.locator("#upload-status").inner_text()
    assert page.locator(".katex, .katex-display, math").count() == 0


MEETINGS = Path(__file__).resolve().parents[2] / "shared" / "data" / "xinwenlianbo" / "meetings.jsonl"


@pytest.mark.skipif(not MEETINGS.exists(), reason="needs ../shared/data")
def test_the_meetings_tab_lists_filters_and_opens_the_source(browser, tmp_path):
    """Over 300 real meeting reports of 2024: the table, the year and person pickers, the source; a
    follow-up in the chat; date filters typed as staff type them, and a bad one explained."""
    import json

    rows = [json.loads(line) for line in MEETINGS.read_text(encoding="utf-8").splitlines()]
    some = [r for r in rows if r["date"].startswith("2024")][:300]
    reports = "\n".join(json.dumps(r, ensure_ascii=False) for r in some)
    with running_app(tmp_path, {"reports.jsonl": reports}) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.wait_for_selector("#question textarea", timeout=60_000)
        page.click("#tab-meetings-button")
        page.wait_for_selector("#m-table table", timeout=30_000)
        page.wait_for_selector("#m-table:has-text('国务院常务会议')", timeout=30_000)  # filled when the page loads
        table = page.locator("#m-table")
        assert "国务院常务会议" in table.inner_text()
        page.click("#m-person input")
        page.locator("[role=option]", has_text="李强").first.click()
        deadline = time.time() + 60  # the table is replaced when the server has filtered it
        while "全国人大常委会" in (text := table.inner_text()) and time.time() < deadline:
            page.wait_for_timeout(250)
        assert "国务院常务会议" in text
        assert "全国人大常委会" not in text  # presided by 赵乐际, filtered out
        table.get_by_text("国务院常务会议").first.click()
        page.wait_for_selector("#m-source mark", timeout=30_000)
        assert "李强" in page.locator("#m-source").inner_text()

        # a follow-up in the chat stays with the meeting asked about first, among 300 reports
        state = next(r for r in some if r["title"].endswith("主持召开国务院常务会议"))
        y, m, d = (int(x) for x in state["date"].split("-"))
        page.click("#tab-chat-button")
        ask(page, f"{y}年{m}月{d}日国务院常务会议研究了什么？", "[1]")
        ask(page, "那次会议还部署了什么？", "[1]")
        page.wait_for_selector("#cards #cite-1")
        assert state["date"] in page.locator("#cite-1 .meta").inner_text()

        # dates as staff type them; a date that cannot be read says so, next to the question box
        page.locator(".label-wrap", has_text="筛选").first.click()
        page.fill("#date-from textarea, #date-from input", "2024/13/01")
        page.locator("#date-from textarea, #date-from input").first.press("Tab")
        page.wait_for_selector("#active-filters:has-text('日期筛选有误')", timeout=30_000)
        ask(page, "国务院常务会议研究了什么？", "日期筛选有误")
        page.fill("#date-from textarea, #date-from input", "2024年3月")
        page.fill("#date-to textarea, #date-to input", "2024年3月")
        page.locator("#date-to textarea, #date-to input").first.press("Tab")
        page.wait_for_selector("#active-filters:has-text('2024-03-01 至 2024-03-31')", timeout=30_000)
        ask(page, "国务院常务会议研究了什么？", "[1]")
        page.wait_for_selector("#cards #cite-1")
        for meta in page.locator("#cards .meta").all_inner_texts():
            assert "2024-03-" in meta, meta
        page.close()
