"""The screenshots in docs/: each page of the web app, as an office sees it.

    python docs/screenshots.py      # about 3 minutes: builds an index of 300 meeting reports

Starts `python app.py` (the shipped model) over corpus/ and 300 meeting reports of 2024 in two
collections, with an accounts file of an administrator and one user, then signs in with headless
Chromium at 1366×768 and saves docs/login.png, chat.png, library.png, meetings.png and admin.png.
Needs ../shared/data and /usr/bin/chromium.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.load import running_app  # noqa: E402

MEETINGS = ROOT.parent / "shared" / "data" / "xinwenlianbo" / "meetings.jsonl"
OUT = ROOT / "docs"


def main() -> None:
    from playwright.sync_api import sync_playwright

    from rag.accounts import ADMIN, Accounts

    rows = [json.loads(line) for line in MEETINGS.read_text(encoding="utf-8").splitlines()]
    some = [r for r in rows if r["date"].startswith("2024")][:300]
    for r in some:
        r["collection"] = "国务院" if "国务院常务会议" in r["title"] else "新闻"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        accounts = Accounts.load(root / "accounts.toml", create=True)
        accounts.set_group("国务院组", ["国务院"])
        accounts.add_user("admin", "admin-password", name="管理员", role=ADMIN)
        accounts.add_user("guo", "guo-password", name="郭处长", groups=["国务院组"])
        reports = "\n".join(json.dumps(r, ensure_ascii=False) for r in some) + "\n"
        env = {"RAG_ACCOUNTS": str(root / "accounts.toml"), "RAG_OFFICE_DB": str(root / "office.sqlite")}
        with running_app(root, {"reports.jsonl": reports}, **env) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"], headless=True)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(url)
            page.wait_for_selector("#login")
            page.screenshot(path=OUT / "login.png")
            page.fill("#user", "admin")
            page.fill("#password", "admin-password")
            page.click("#login")
            page.wait_for_selector("#who:has-text('管理员')", timeout=60_000)
            state = next(r for r in some if r["collection"] == "国务院")
            y, m, d = (int(x) for x in state["date"].split("-"))
            page.fill("#question textarea", f"{y}年{m}月{d}日国务院常务会议研究了什么？")
            page.click("#send")
            page.wait_for_selector("#cards #cite-1", timeout=120_000)
            page.wait_for_timeout(1000)
            page.screenshot(path=OUT / "chat.png")
            for tab, name, ready in (
                ("#tab-library-button", "library", "#lib-table table"),
                ("#tab-meetings-button", "meetings", "#m-table table"),
                ("#tab-admin-button", "admin", "#admin-most-asked table"),
            ):
                page.click(tab)
                page.wait_for_selector(ready, timeout=60_000)
                page.wait_for_timeout(1000)
                page.screenshot(path=OUT / f"{name}.png")
            browser.close()
    print(f"saved {', '.join(f'docs/{n}.png' for n in ('login', 'chat', 'library', 'meetings', 'admin'))}")


if __name__ == "__main__":
    main()
