"""The page a visitor sees while the index is first built: "正在建立索引（x/y）".

Building the index of a large corpus takes minutes before the chat can be served; without this, a
browser pointed at the app shows "This site can't be reached". `BuildPage` serves, on the app's own
address, a small Chinese page that reloads itself every two seconds and says how far the build is
(and a 503 with ``Retry-After`` to API callers), then steps aside for the chat. It is the standard
library's threaded HTTP server: nothing of the index or the corpus is exposed.
"""

from __future__ import annotations

import html
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>会议记录问答：正在建立索引</title>
<style>body{{font-family:system-ui,"Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;max-width:36em;
margin:15vh auto;padding:0 1em;color:#222}}progress{{width:100%;height:1.2em}}p{{color:#555}}</style>
</head><body><h1 id="status">{status}</h1>{bar}
<p>首次启动需要为全部文档建立索引，完成后本页会自动进入问答页面，无需手动刷新。</p></body></html>
"""


class BuildPage:
    """The build's progress, served at ``host:port`` until `close` (a context manager).

    ``plan(total)`` when the number of chunks to embed is known, ``advance(n)`` as they are done.
    """

    def __init__(self, host: str, port: int) -> None:
        self.done = 0
        self.total: int | None = None
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, bar = page.status()
                if self.path.startswith(("/gradio_api", "/config", "/info")):
                    body = json.dumps({"error": {"code": "building", "message": status}}, ensure_ascii=False)
                    self._send(503, "application/json", body)
                else:
                    self._send(200, "text/html", PAGE.format(status=html.escape(status), bar=bar))

            do_POST = do_GET

            def _send(self, code: int, kind: str, body: str) -> None:
                data = body.encode("utf-8")
                self.send_response(code)
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                if code == 503:
                    self.send_header("Retry-After", "2")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the build's own progress bar is the log

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="build-page", daemon=True)
        self.thread.start()

    def status(self) -> tuple[str, str]:
        """The line the page shows, and its progress bar (HTML)."""
        if self.total is None:
            return "正在读取文档…", "<progress></progress>"
        return (
            f"正在建立索引（{self.done}/{self.total}）",
            f'<progress value="{self.done}" max="{max(self.total, 1)}"></progress>',
        )

    def plan(self, total: int) -> None:
        self.total = total

    def advance(self, n: int) -> None:
        self.done += n

    def close(self) -> None:
        """Stop serving and free the address for the chat."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def __enter__(self) -> BuildPage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
