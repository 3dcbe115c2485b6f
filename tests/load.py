"""Many clients asking the web app's /ask API at once, with an upload in the middle.

`meeting_reports(n)` makes n small reports, each naming a different person at a different meeting;
`run_load` has each client ask about its own meeting over and over, and checks that every answer
names that client's person and no other (no cross-talk). Used by tests/test_load.py (briefly) and
bench/reliability.py (for a minute).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]

SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = ["建国", "海燕", "立新", "春梅", "志强", "秀英", "国华", "丽娟", "文斌", "晓东", "红霞", "明亮"]
TOPICS = [
    "老旧小区改造", "垃圾分类", "河湖长制", "乡村振兴", "托育服务", "养老服务", "职业教育", "数字政府",
    "营商环境", "文旅融合", "食品安全", "城市更新", "防汛抗旱", "社区治理", "中医药发展", "冷链物流",
    "新能源汽车", "种业振兴", "跨境电商", "非遗保护", "公共交通", "森林防火", "耕地保护", "人才引进",
]  # fmt: skip


_SERVERS: dict[str, subprocess.Popen[bytes]] = {}  # URL → the app.py process serving it


def rss_mb(url: str) -> float:
    """The resident memory, in MB, of the app serving ``url`` (started by `running_app`)."""
    status = Path(f"/proc/{_SERVERS[url].pid}/status").read_text()
    return int(next(x for x in status.splitlines() if x.startswith("VmRSS:")).split()[1]) / 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_app(
    root: Path, files: dict[str, str] | None = None, *, hashed: bool = False, **extra_env: str
) -> Iterator[str]:
    """``python app.py`` over a copy of corpus/ in ``root`` (plus ``files``: name → text), on a free
    port; yields its URL. Its output goes to ``root/app.log``. ``hashed``: ``rag serve`` with the
    hashing embedder of the tests instead (no model: starts in a few seconds)."""
    shutil.copytree(REPO / "corpus", root / "corpus")
    for name, text in (files or {}).items():
        (root / "corpus" / name).write_text(text, encoding="utf-8")
    port = _free_port()
    env = {
        **os.environ,
        "RAG_CORPUS_DIR": str(root / "corpus"),
        "RAG_INDEX_DIR": str(root / "index"),
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        **extra_env,
    }
    with (root / "app.log").open("w") as log:
        command = ["-m", "tests.run_cli", "serve"] if hashed else [str(REPO / "app.py")]
        proc = subprocess.Popen([sys.executable, *command], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 300
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"app.py exited: {(root / 'app.log').read_text()[-2000:]}")
                try:  # the chat (its configuration, or 401 with accounts), not the page shown while the index builds
                    if httpx.get(f"http://127.0.0.1:{port}/config", timeout=5).status_code in (200, 401):
                        break
                except httpx.HTTPError:
                    pass
                if time.time() > deadline:
                    raise RuntimeError("app.py did not start in time")
                time.sleep(0.5)
            url = f"http://127.0.0.1:{port}"
            _SERVERS[url] = proc
            yield url
        finally:
            _SERVERS.pop(f"http://127.0.0.1:{port}", None)
            proc.terminate()
            proc.wait(timeout=20)


@dataclass(frozen=True)
class Probe:
    question: str
    expected: str  # the person the answer must name
    text: str  # the report


def meeting_reports(n: int) -> list[Probe]:
    """``n`` reports (n ≤ 24), each about one topic, with one vice-chair who attended."""
    out = []
    for i in range(n):
        person = SURNAMES[i] + GIVEN[i % len(GIVEN)]
        topic = TOPICS[i]
        text = (
            f"2025年4月{i + 1}日，市政协召开“{topic}”专题协商会。市政协副主席{person}出席会议并讲话。"
            f"会上，委员们围绕{topic}提出了意见建议，有关部门负责人作了回应。"
        )
        out.append(Probe(f"“{topic}”专题协商会是哪位副主席出席的？", person, text))
    return out


def load_setup(work: Path, n: int = 20) -> tuple[list[Probe], dict[str, str], tuple[Path, str, str]]:
    """The probes, the files to put in the corpus, and (file, question, expected) of an upload."""
    probes = meeting_reports(n)
    files = {f"协商会-{i:02d}.txt": p.text for i, p in enumerate(probes)}
    new = work / "上传的协商会.txt"
    new.write_text(
        "2025年5月20日，市政协召开“海绵城市建设”专题协商会。市政协副主席欧阳明远出席会议。", encoding="utf-8"
    )
    return probes, files, (new, "海绵城市建设专题协商会哪位副主席出席？", "欧阳明远")


@dataclass
class LoadReport:
    served: int = 0
    failed: int = 0
    crosstalk: int = 0
    wrong: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    upload: str | None = None
    upload_seconds: float | None = None
    after_upload_found: bool | None = None

    def percentile(self, p: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] if xs else float("nan")


class HttpAsker:
    """Asks /ask over Gradio's plain HTTP API (POST /gradio_api/call/ask, then read its event
    stream): the lightest client, so that a load run measures the server rather than the client."""

    def __init__(self, url: str) -> None:
        import httpx

        self.url = url
        self.http = httpx.Client(timeout=120)

    def ask(self, question: str) -> dict:
        import json

        r = self.http.post(f"{self.url}/gradio_api/call/ask", json={"data": [question, 5]})
        r.raise_for_status()
        lines = self.http.get(f"{self.url}/gradio_api/call/ask/{r.json()['event_id']}").text.strip().splitlines()
        event = next(x for x in reversed(lines) if x.startswith("event: "))
        data = next(x for x in reversed(lines) if x.startswith("data: "))
        if event != "event: complete":
            raise RuntimeError(f"{event}: {data[:200]}")
        return dict(json.loads(data[len("data: ") :])[0])

    def close(self) -> None:
        self.http.close()


class ClientAsker:
    """Asks /ask with gradio_client, as a Python script would."""

    def __init__(self, url: str) -> None:
        from gradio_client import Client

        self.client = Client(url, verbose=False)

    def ask(self, question: str) -> dict:
        return dict(self.client.predict(question, 5, api_name="/ask"))

    def close(self) -> None:
        self.client.close()


def run_load(
    url: str,
    probes: list[Probe],
    clients: int = 20,
    seconds: float = 60.0,
    upload: tuple[Path, str, str] | None = None,
    asker: type[HttpAsker] | type[ClientAsker] = HttpAsker,
) -> LoadReport:
    """``clients`` threads, client i asking probe i mod len(probes) for ``seconds``. ``upload`` is
    (file, question, expected): the file is uploaded half-way, then the question must be answered."""
    from gradio_client import Client, handle_file

    report = LoadReport()
    lock = threading.Lock()
    people = {p.expected for p in probes}
    stop = 0.0

    def set_stop() -> None:  # when every client is connected and ready
        nonlocal stop
        stop = time.monotonic() + seconds

    start = threading.Barrier(clients + (1 if upload else 0), action=set_stop)

    def client(i: int) -> None:
        probe = probes[i % len(probes)]
        try:
            c = asker(url)
        except Exception as exc:  # counted, not raised: the run reports every failure
            with lock:
                report.failed += 1
                report.errors.append(f"connect: {type(exc).__name__}: {exc}")
            start.abort()
            return
        start.wait()
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                result = c.ask(probe.question)
            except Exception as exc:
                with lock:
                    report.failed += 1
                    report.errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                continue
            elapsed = time.perf_counter() - t0
            answer = str(result.get("answer", "")) + "".join(c["text"] for c in result.get("citations", [])[:1])
            others = {p for p in people - {probe.expected} if p in answer}
            with lock:
                report.served += 1
                report.latencies.append(elapsed)
                if others:
                    report.crosstalk += 1
                    report.errors.append(f"cross-talk: asked about {probe.expected}, got {sorted(others)}")
                elif probe.expected not in str(result.get("answer", "")):
                    report.wrong += 1
                    report.errors.append(f"wrong: {probe.question} → {str(result.get('answer'))[:80]}")
        c.close()

    def uploader(path: Path, question: str, expected: str) -> None:
        c = Client(url, verbose=False)
        start.wait()
        time.sleep(seconds / 2)
        t0 = time.perf_counter()
        status, _ = c.predict([handle_file(str(path))], "", api_name="/upload")
        report.upload_seconds = time.perf_counter() - t0
        report.upload = str(status)
        result = c.predict(question, 5, api_name="/ask")
        report.after_upload_found = bool(result["found"]) and expected in result["answer"]
        c.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    if upload:
        threads.append(threading.Thread(target=uploader, args=upload))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return report
