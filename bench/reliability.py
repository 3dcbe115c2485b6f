"""Reliability figures for RELIABILITY.md: bad input, SIGKILLs during rebuilds, concurrent users.

Everything runs the real thing: `rag index` / `rag ask` processes with the shipped model (ONNX
int8), and `python app.py` asked through its Gradio API by many clients at once.

    python bench/reliability.py [--only bad,kill,load,slowmodel,docx,manifest,diskfull,rebuilds,memory]
                                [--kills 12] [--clients 20] [--seconds 60]
                                [--memory-clients 40] [--memory-seconds 300]

- bad:  a generated folder of broken, misnamed, huge and hostile files (tests/hostile.py) indexed by
        `rag index`; peak memory compared with indexing the readable files alone.
- kill: `rag index` rebuilding an index of news reports (../shared/data/xinwenlianbo/meetings.jsonl)
        is SIGKILLed at evenly spread moments of its run; after each kill `rag ask` must give the
        answers of the previous index, and the next build must succeed.
- load: N clients ask the /ask API for S seconds (each about its own meeting, so cross-talk shows),
        a document is uploaded half-way; one client alone is the baseline. Then hostile uploads.
- slowmodel: a scripted chat model that trickles its reply, against a 2 s timeout.
- docx: nested Word tables and .docx bombs, loaded as the web app loads an upload.
- manifest: `rag ask` and `rag index` on a real index whose manifest.json was edited.
- diskfull: `rag index` on a small tmpfs (needs root), filled to run out at spread points.
- rebuilds: an index loaded again and again while another process rebuilds it.
- memory: 40 clients for 5 minutes, server memory sampled, unauthenticated upload posts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from report import replace_section  # noqa: E402

from rag.store import manifest_revision, segment_names  # noqa: E402
from tests.hostile import make_bad_corpus  # noqa: E402
from tests.load import ClientAsker, load_setup, run_load, running_app  # noqa: E402

MEETINGS = ROOT.parent / "shared" / "data" / "xinwenlianbo" / "meetings.jsonl"
OUT = ROOT / "RELIABILITY.md"
# a child that runs the CLI and reports its own peak memory on its last stderr line
RSS_CLI = (
    "import resource, sys\nfrom rag.cli import main\nrc = main(sys.argv[1:])\n"
    "print('maxrss_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\nsys.exit(rc)"
)


def rag(*args: str, timeout: float = 1800) -> tuple[subprocess.CompletedProcess[str], float, int]:
    """Run `rag ARGS` in a child process: the result, seconds and peak RSS in MB."""
    t0 = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-c", RSS_CLI, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )
    seconds = time.perf_counter() - t0
    rss = 0
    lines = run.stderr.rstrip().splitlines()
    if lines and lines[-1].startswith("maxrss_kb "):
        rss = int(lines[-1].split()[1]) // 1024
        run = subprocess.CompletedProcess(run.args, run.returncode, run.stdout, "\n".join(lines[:-1]))
    return run, seconds, rss


# ---------------------------------------------------------------------------------------------- bad


def bench_bad(work: Path) -> str:
    folder = work / "bad input"
    expect = make_bad_corpus(folder, huge_mb=50)
    run, seconds, rss = rag("index", str(folder), "--index", str(work / "bad-index"))
    reported = {}
    for line in run.stderr.splitlines():
        if line.startswith("skipped "):
            where, reason = line[len("skipped ") :].split(": ", 1)
            reported[where] = reason
    readable = [n for n, ok in expect.items() if ok]
    unreadable = [n for n, ok in expect.items() if not ok]
    silent = [n for n in unreadable if str(folder / n) not in reported]
    wrongly_skipped = [n for n in readable if str(folder / n) in reported]
    crashes = int("Traceback" in run.stderr) + int(run.returncode not in (0,))

    good = work / "good only"
    good.mkdir()
    for n in readable:
        if (folder / n).is_file() and "\ufffd" not in n:
            shutil.copy(folder / n, good / n)
    _, good_seconds, good_rss = rag("index", str(good), "--index", str(work / "good-index"))

    sizes = sum((folder / n).lstat().st_size for n in expect if (folder / n).is_file())
    rows = [
        ("entries in the folder (files, links, FIFO, folders)", f"{len(expect)}"),
        ("readable files indexed", f"{len(readable) - len(wrongly_skipped)} of {len(readable)}"),
        ("unreadable entries reported with a reason", f"{len(unreadable) - len(silent)} of {len(unreadable)}"),
        ("bad records of records.jsonl reported", f"{sum('records.jsonl:' in w for w in reported)}"),
        ("`skipped` lines printed in all", f"{len(reported)}"),
        ("exit status", f"{run.returncode}"),
        ("crashes (traceback or non-zero exit)", f"{crashes}"),
        ("bytes in the folder", f"{sizes / 2**20:.0f} MB (one file of 51 MB)"),
        ("time, whole folder / readable files only", f"{seconds:.1f} s / {good_seconds:.1f} s"),
        ("peak memory (RSS), whole folder / readable files only", f"{rss} MB / {good_rss} MB"),
    ]
    table = "\n".join(f"| {a} | {b} |" for a, b in rows)
    reasons = "\n".join(f"| `{w[len(str(folder)) + 1 :]}` | {r} |" for w, r in sorted(reported.items()))
    problems = ""
    if silent or wrongly_skipped or crashes:
        problems = (
            f"\n**Problems:** not reported: {silent}; readable but skipped: {wrongly_skipped}; crashes: {crashes}\n"
        )
    return (
        "## Bad input\n\n"
        "`rag index` over the folder that `tests/hostile.py` generates: empty and blank files, random bytes "
        "named `.txt` (with and without NUL bytes), GBK, GB18030, UTF-16 with and without BOM, a file mixing "
        "UTF-8 and GBK lines, a 51 MB single-line file, 10,000 copies of one line, a ZIP named `.txt`, text "
        "named `.pdf`, a PNG named `.docx`, a truncated `.docx`, a ZIP bomb `.docx` (200 MB unpacked), a broken "
        "PDF, a password-encrypted PDF and one encrypted with an empty password (restrictions only), JSONL with "
        "invalid, non-object, content-less, lone-surrogate and binary lines, HTML with 500 scripts, an iframe "
        "and event handlers, an old `.doc`, an `.exe`, a FIFO, two symlinks pointing at each other, a dangling "
        "symlink, symlinked folders looping back up, a hidden file, and names with spaces, Chinese, `..` and "
        "bytes that are not UTF-8. Run with the shipped model (ONNX int8).\n\n"
        f"| | |\n|---|---|\n{table}\n{problems}\n"
        "<details><summary>Every skipped entry and its reason, as printed</summary>\n\n"
        f"| entry | reason |\n|---|---|\n{reasons}\n\n</details>\n"
    )


# --------------------------------------------------------------------------------------------- kill


def _records(n: int) -> list[dict]:
    rows = []
    with MEETINGS.open(encoding="utf-8") as f:
        for line in f:
            rows.append(json.loads(line))
            if len(rows) == n:
                break
    return rows


def _only_named_segments(index: Path) -> bool:
    """Whether the segment folders on disk are exactly those the manifest names."""
    named = segment_names(json.loads((index / "manifest.json").read_text()))
    return sorted(p.name for p in index.glob("gen-*")) == sorted(named)


def bench_kill(work: Path, kills: int) -> str:
    from rag import Assistant
    from rag.embed import make_embedder

    if not MEETINGS.exists():
        return "## SIGKILL during rebuilds\n\nNot run: ../shared/data/xinwenlianbo/meetings.jsonl is absent.\n"
    rows = _records(300)
    (work / "v1").mkdir()
    (work / "v2").mkdir()
    for folder, part in (("v1", rows[:150]), ("v2", rows[150:])):
        with (work / folder / "reports.jsonl").open("w", encoding="utf-8") as f:
            for r in part:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    base = work / "index-v1"
    run, build_seconds, _ = rag("index", str(work / "v1"), "--index", str(base))
    assert run.returncode == 0, run.stderr
    questions = [f"{r['title']}的主要内容是什么？" for r in rows[:150:30]]
    embedder = make_embedder("m3e-small", "onnx-int8")

    def answers(index: Path) -> list[str]:
        a = Assistant.load(index, embedder=embedder)
        return [a.ask(q).text for q in questions]

    before = answers(base)
    base_revision = manifest_revision(json.loads((base / "manifest.json").read_text()))
    cli_q = questions[0]
    cli_before = json.loads(rag("ask", cli_q, "--index", str(base), "--json")[0].stdout)["answer"]

    timings = []
    for attempt in range(2):  # the shorter of two uninterrupted rebuilds: kills spread over it
        full = work / f"index-full-{attempt}"
        shutil.copytree(base, full)
        run, seconds, _ = rag("index", str(work / "v1"), str(work / "v2"), "--index", str(full))
        assert run.returncode == 0, run.stderr
        timings.append(seconds)
    rebuild_seconds = min(timings)
    after = answers(full)  # what a completed rebuild answers
    cli_after = json.loads(rag("ask", cli_q, "--index", str(full), "--json")[0].stdout)["answer"]

    killed = survived = finished = rebuilt = new_live = 0
    moments = []
    for i in range(kills):
        index = work / f"index-kill-{i}"
        shutil.copytree(base, index)
        delay = rebuild_seconds * (i + 0.5) / kills
        proc = subprocess.Popen(
            [sys.executable, "-m", "rag.cli", "index", str(work / "v1"), str(work / "v2"), "--index", str(index)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            killed += 1
            moments.append(delay)
            # killed before the new manifest was in place: the old index; after: the new one, whole
            swapped = manifest_revision(json.loads((index / "manifest.json").read_text())) != base_revision
            run = rag("ask", cli_q, "--index", str(index), "--json")[0]
            expected = (cli_after, after) if swapped else (cli_before, before)
            ok = run.returncode == 0 and json.loads(run.stdout)["answer"] == expected[0]
            ok = ok and answers(index) == expected[1]
            survived += ok
            new_live += swapped
        else:
            finished += 1
        again = rag("index", str(work / "v1"), str(work / "v2"), "--index", str(index))[0]
        rebuilt += again.returncode == 0 and _only_named_segments(index)
        shutil.rmtree(index)
    rows_md = [
        ("index before the rebuild", f"150 news reports (`rag index`, ONNX int8), built in {build_seconds:.0f} s"),
        (
            "the rebuild",
            f"150 reports more: `rag index v1/ v2/`, {rebuild_seconds:.1f} s uninterrupted (shorter of two runs)",
        ),
        (
            "kills (SIGKILL), evenly spread over the rebuild",
            f"{killed} (at {', '.join(f'{m:.1f}' for m in moments)} s)",
        ),
        ("runs that ended before their kill", f"{finished}"),
        (
            "after a kill: `rag ask` and 5 questions answer as the index that the manifest names",
            f"{survived} of {killed}",
        ),
        ("… of which killed after the new manifest was in place (answer as the new index)", f"{new_live}"),
        ("next `rag index` succeeds and leaves only the segments its manifest names", f"{rebuilt} of {kills}"),
    ]
    table = "\n".join(f"| {a} | {b} |" for a, b in rows_md)
    return (
        "## SIGKILL during rebuilds\n\n"
        "A real `rag index` process, rebuilding a real index, killed with SIGKILL at evenly spread moments "
        "(model loading, reading, embedding, writing). The tests add seven exact points of the write "
        "(tests/test_crash.py: during embedding, after the chunk table, the vectors, the keywords, with the "
        "new segment in place, before and after the manifest replace), for an update (a segment of what changed) "
        "and, at four of them, for a merge (`rag index --merge`) and for an update that folds small segments "
        "into its own; a whole build written as several segments is killed after its first segment and "
        "before its manifest.\n\n"
        f"| | |\n|---|---|\n{table}\n"
    )


# --------------------------------------------------------------------------------------------- load


def _hostile_uploads(url: str, work: Path) -> list[tuple[str, str]]:
    """Upload bad files through the API; what the app said about each."""
    from gradio_client import Client, handle_file

    c = Client(url, verbose=False)
    cases = {
        "program.exe": b"MZ" + bytes(64),
        "picture.txt": b"\x89PNG\r\n\x1a\n" + bytes(64),
        "zip.docx": b"PK\x03\x04" + bytes(64),
        "empty.md": b"",
        "huge.txt": "会议".encode() * (4 * 2**20),  # 24 MB, over the 10 MB limit
    }
    out = []
    for name, data in cases.items():
        path = work / "uploads" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        try:
            status, _ = c.predict([handle_file(str(path))], "", api_name="/upload")
            out.append((name, str(status).replace("\n\n", " ")))
        except Exception as exc:  # refused before the handler (e.g. Gradio's max_file_size)
            out.append((name, f"refused by the server: {type(exc).__name__} {str(exc)[:120]}"))
    c.close()
    return out


def bench_load(work: Path, clients: int, seconds: float) -> str:
    probes, files, upload = load_setup(work)
    (work / "app").mkdir()
    with running_app(work / "app", files) as url:
        run_load(url, probes, clients=2, seconds=3)  # warm-up
        alone = run_load(url, probes, clients=1, seconds=min(20.0, seconds))
        loaded = run_load(url, probes, clients=clients, seconds=seconds, upload=upload)
        scripted = run_load(url, probes, clients=clients, seconds=min(30.0, seconds), asker=ClientAsker)
        hostile = _hostile_uploads(url, work)
    corpus = work / "app" / "corpus"
    outside = [p for p in corpus.rglob("*") if p.is_file() and p.parent != corpus and p.parent != corpus / "uploads"]
    from rag.store import IndexStore

    store = IndexStore.load(work / "app" / "index")

    def ms(x: float) -> str:
        return f"{1000 * x:.0f} ms"

    short = min(20.0, seconds)
    runs = [(alone, short), (loaded, seconds), (scripted, min(30.0, seconds))]

    def row(label: str, cell) -> str:
        return f"| {label} | " + " | ".join(cell(r, t) for r, t in runs) + " |"

    lines = [
        f"| | 1 client, HTTP (baseline) | {clients} clients, HTTP, + an upload | {clients} clients, gradio_client |",
        "|---|---|---|---|",
        row("seconds", lambda r, t: f"{t:.0f}"),
        row("requests served", lambda r, t: f"{r.served}"),
        row("requests failed", lambda r, t: f"{r.failed}"),
        row("answers naming another client's person (cross-talk)", lambda r, t: f"{r.crosstalk}"),
        row("answers without the asker's person", lambda r, t: f"{r.wrong}"),
        row("throughput", lambda r, t: f"{r.served / t:.1f} req/s"),
        row("latency p50", lambda r, t: ms(r.percentile(50))),
        row("latency p95", lambda r, t: ms(r.percentile(95))),
        row("latency p99", lambda r, t: ms(r.percentile(99))),
        row("latency max", lambda r, t: ms(max(r.latencies, default=float("nan")))),
    ]
    table = "\n".join(lines)
    hostile_md = "\n".join(f"| `{n}` | {s} |" for n, s in hostile)
    errors = "\n".join(f"- {e}" for e in (loaded.errors + scripted.errors)[:10])
    return (
        "## Concurrent users\n\n"
        f"`python app.py` over the sample report and 20 generated meeting reports, each naming the vice-chair "
        f"who attended. Each client asks the /ask API about its own meeting, again and again; an answer that "
        f"names another meeting's vice-chair would be cross-talk. HTTP clients use Gradio's REST calls "
        f"(`POST /gradio_api/call/ask`, then its event stream) with httpx; gradio_client clients are what a "
        f"Python script would use, and cost about 75 ms of client CPU per request. Half-way through the HTTP "
        f"run, a document is uploaded through the /upload API. The app answers up to 8 questions at once "
        f"(RAG_CONCURRENCY); the clients run on the same 2-core machine as the server.\n\n"
        f"{table}\n\n"
        f"Upload during the load: {loaded.upload!r} in {loaded.upload_seconds or float('nan'):.1f} s; "
        f"its question answered afterwards: {loaded.after_upload_found}. Index after the run: "
        f"{len(store.documents)} documents, loads and verifies.\n"
        + (f"\nErrors seen:\n{errors}\n" if errors else "")
        + "\n### Hostile uploads (through the same API)\n\n"
        f"| file | what the app said |\n|---|---|\n{hostile_md}\n\n"
        f"Files in the corpus folder outside `corpus/uploads/` after all uploads: {len(outside)}.\n"
    )


# a child that loads one file in a worker thread (as the web app loads an upload) and reports
NESTED_CHILD = """
import json, re, sys, threading, time
from rag.chunking import chunk_document
from rag.loaders import load
box = {}
def work():
    t0 = time.perf_counter()
    box["result"] = load([sys.argv[1]])
    box["seconds"] = time.perf_counter() - t0
worker = threading.Thread(target=work, daemon=True)
worker.start()
worker.join()
r = box["result"]
hwm = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) // 1024
print(json.dumps({"seconds": box["seconds"], "rss": hwm, "chunks": sum(len(chunk_document(d)) for d in r.documents),
                  "characters": sum(len(d.text) for d in r.documents), "skipped": [why for _, why in r.skipped]}))
"""


def bench_nested_docx(work: Path, timeout: float = 600) -> str:
    """Hostile .docx files, each loaded by a child in a worker thread: seconds, peak RSS (VmHWM of the
    child, not ru_maxrss, which keeps the parent's across the exec) and what came of it."""
    from tests.hostile import element_flood_docx, nested_tables_docx, text_bomb_docx

    cases = [
        (f"tables nested {d:,} deep", f"nested-{d}.docx", lambda d=d: nested_tables_docx(d))
        for d in (10_000, 30_000, 100_000)
    ]
    cases += [
        ("95 MB of empty paragraphs", "element-flood.docx", lambda: element_flood_docx(95)),
        ("20,000 paragraphs differing by their number", "text-bomb.docx", lambda: text_bomb_docx(20_000)),
    ]
    rows = []
    for label, name, make in cases:
        path = work / name
        path.write_bytes(make())
        size = f"{path.stat().st_size / 1024:.0f} KB"
        try:
            run = subprocess.run(
                [sys.executable, "-c", NESTED_CHILD, str(path)],
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=ROOT,
            )
        except subprocess.TimeoutExpired:
            rows.append(f"| {label} | {size} | over {timeout:.0f} s (killed) | | |")
            continue
        got = json.loads(run.stdout.strip().splitlines()[-1])
        outcome = (
            f"refused: {got['skipped'][0]}"
            if got["skipped"]
            else f"{got['characters']:,} characters, {got['chunks']:,} chunks"
        )
        rows.append(f"| {label} | {size} | {got['seconds']:.2f} s | {got['rss']} MB | {outcome} |")
    return (
        "## Nested tables and bombs in .docx files\n\n"
        "Each file loaded by a child process in a worker thread, as the web app loads an upload\n"
        "(`rag.loaders.load`, default limits: 10 MB a file). Before the streaming reader (measured\n"
        "2026-11-28 on the previous loader): tables nested 10,000 / 30,000 / 100,000 deep took 13.8 s /\n"
        "158.9 s / over 900 s (killed) and up to 1.8 GB; 95 MB of empty paragraphs 118.6 s and 5.5 GB;\n"
        "20,000 numbered paragraphs became 3,310 chunks.\n\n"
        "| file | size | time | peak RSS | result |\n|---|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )


def bench_slow_model(work: Path) -> str:
    """A chat model that sends its reply slowly, against a 2 s timeout: the answer must come at the
    deadline (the extractive one, with a note), however the reply trickles."""
    from rag import Assistant, LLMConfig
    from tests.llm_server import Reply, ScriptedLLM

    index = work / "index"
    run, _, _ = rag("index", str(ROOT / "corpus"), "--index", str(index))
    if run.returncode != 0:
        return f"## A slow chat model\n\n`rag index corpus/` failed: {run.stderr.strip()}\n"
    a = Assistant.load(index)
    question = "出席数字赋能协商活动的副市长是谁？"
    reply = "出席活动的副市长是赵炜[1]。" * 4
    cases = [
        ("a piece every 1.5 s (each read in time)", Reply(reply, pace=1.5), []),
        ("a byte every 0.1 s (no piece ever complete)", Reply(reply, drip=0.1), []),
        (
            "a follow-up whose rewrite takes 30 s, then a prompt answer",
            Reply(reply, delay=30),
            ["出席活动的有哪些人？"],
        ),
    ]
    rows = []
    with ScriptedLLM() as server:
        a.use_llm(LLMConfig(base_url=server.url, model="scripted", timeout=2.0))
        server.replies.append(Reply(reply))
        a.ask(question)  # LangChain's client imported and made before the clock starts
        for what, scripted, history in cases:
            server.replies.append(scripted)
            if history:
                server.replies.append(Reply(reply))
            t0 = time.perf_counter()
            ans = a.ask(question, history=history)
            seconds = time.perf_counter() - t0
            rows.append(f"| {what} | {seconds:.1f} s | {ans.answerer} | {ans.note or ''} |")
    return (
        "## A slow chat model\n\n"
        "A scripted OpenAI-compatible server answers through the real LangChain client; the model's\n"
        "timeout is 2 s. The timeout bounds the whole reply, so each answer comes at the deadline.\n\n"
        "| the model sends | answer after | answered by | note |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )


# ---------------------------------------------------------------------------------- edited manifests


def _one_line(run: subprocess.CompletedProcess[str]) -> tuple[bool, str]:
    """Whether a failed run said why in one `rag: error` line with no traceback, and that line."""
    errors = [line for line in run.stderr.splitlines() if line.startswith("rag: error")]
    return (len(errors) == 1 and "Traceback" not in run.stderr, (errors or run.stderr.splitlines() or [""])[-1])


def bench_manifest(work: Path) -> str:
    """Each manifest edit of tests/hostile.py (and an unknown backend), on a real index: `rag ask`
    must refuse in one line, `rag index` must rebuild over it, and the rebuilt index must answer."""
    from tests.hostile import MANIFEST_EDITS, _edited

    edits = {"backend onnx-int9": _edited(lambda m: m["model"].update(backend="onnx-int9")), **MANIFEST_EDITS}
    built = work / "built"
    run, _, _ = rag("index", str(ROOT / "corpus"), "--index", str(built))
    assert run.returncode == 0, run.stderr
    question = "出席数字赋能协商活动的副市长是谁？"
    expected = json.loads(rag("ask", question, "--index", str(built), "--json")[0].stdout)["answer"]
    original = (built / "manifest.json").read_text(encoding="utf-8")
    rows, tracebacks, refused, rebuilt = [], 0, 0, 0
    for name, edit in edits.items():
        index = work / "index"
        shutil.copytree(built, index)
        (index / "manifest.json").write_text(edit(original), encoding="utf-8")
        ask = rag("ask", question, "--index", str(index), "--json")[0]
        one, said = _one_line(ask)
        index_run = rag("index", str(ROOT / "corpus"), "--index", str(index))[0]
        again = rag("ask", question, "--index", str(index), "--json")[0]
        ok = index_run.returncode == 0 and again.returncode == 0 and json.loads(again.stdout)["answer"] == expected
        tracebacks += sum("Traceback" in r.stderr for r in (ask, index_run, again))
        refused += ask.returncode != 0 and one
        rebuilt += ok
        said = said.replace(str(index), "DIR").replace(str(ROOT / "corpus"), "corpus").replace("|", "\\|")
        rows.append(f"| {name} | {ask.returncode} | {said[:160]} | {'yes' if ok else 'NO'} |")
        shutil.rmtree(index)
    return (
        "## Edited manifests\n\n"
        "A real index of corpus/ (ONNX int8) with its `manifest.json` edited as a curious or careless "
        "admin might (the edits of tests/hostile.py, which the tests also run against the store), then "
        "`rag ask` on it, `rag index corpus/` over it, and `rag ask` again.\n\n"
        f"Edits: {len(edits)}; refused by `rag ask` in one line: {refused}; rebuilt by `rag index` and "
        f"answering as before: {rebuilt}; tracebacks in all {3 * len(edits)} runs: {tracebacks}.\n\n"
        "| edit | `rag ask` exit | what it said | `rag index` rebuilt it |\n|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n"
    )


# ---------------------------------------------------------------------------------------- full disk


def bench_disk_full(work: Path, fills: int = 8) -> str:
    """`rag index` updating a 150-report index with 150 news reports more on a small tmpfs, with the disk
    filled so that it runs out at spread points of what the update writes; then the old index must answer."""
    head = "## A full disk\n\n"
    if not MEETINGS.exists():
        return head + "Not run: ../shared/data/xinwenlianbo/meetings.jsonl is absent.\n"
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return head + "Not run: mounting a small tmpfs needs root and mount(8).\n"
    rows = _records(300)
    for folder, part in (("v1", rows[:150]), ("v2", rows[150:])):
        (work / folder).mkdir()
        with (work / folder / "reports.jsonl").open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in part)
    # what the rebuild writes: an update, a segment of the 150 new reports and a new manifest (measured
    # by making the same update outside the small disk)
    probe = work / "probe"
    assert rag("index", str(work / "v1"), "--index", str(probe))[0].returncode == 0
    first = sum(p.stat().st_size for p in probe.rglob("*") if p.is_file())
    assert rag("index", str(work / "v1"), str(work / "v2"), "--index", str(probe))[0].returncode == 0
    whole = sum(p.stat().st_size for p in probe.rglob("*") if p.is_file())
    needed = whole - first
    disk = work / "disk"
    disk.mkdir()
    size_mb = 3 * whole // 2**20 + 2
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(disk)], capture_output=True)
    if mount.returncode != 0:
        return head + f"Not run: cannot mount a tmpfs ({mount.stderr.decode().strip()}).\n"
    try:
        index = disk / "index"
        assert rag("index", str(work / "v1"), "--index", str(index))[0].returncode == 0
        question = f"{rows[0]['title']}的主要内容是什么？"
        before = rag("ask", question, "--index", str(index), "--json")[0].stdout
        manifest = (index / "manifest.json").read_text(encoding="utf-8")
        table, one_line, intact, tracebacks = [], 0, 0, 0
        for i in range(fills):
            left = i / (fills - 1)  # free space when the rebuild starts: 0 … all it needs
            st = os.statvfs(disk)
            filler = disk / "filler"
            filler.write_bytes(bytes(max(0, st.f_bavail * st.f_frsize - int(needed * left))))
            run, seconds, _ = rag("index", str(work / "v1"), str(work / "v2"), "--index", str(index))
            filler.unlink()
            one, said = _one_line(run)
            same = (index / "manifest.json").read_text(encoding="utf-8") == manifest
            answers = rag("ask", question, "--index", str(index), "--json")[0].stdout == before
            one_line += run.returncode != 0 and one
            intact += same and answers
            tracebacks += "Traceback" in run.stderr
            said = said.replace(str(index), "DIR")
            table.append(
                f"| {100 * left:.0f}% | {run.returncode} | {seconds:.1f} s | {said[:120]} | "
                f"{'yes' if same and answers else 'NO'} |"
            )
        final = rag("index", str(work / "v1"), str(work / "v2"), "--index", str(index))[0]
        generations = len(list(index.glob("gen-*")))
    finally:
        subprocess.run(["umount", str(disk)], check=True)
    return (
        head + f"A {size_mb} MB tmpfs holds an index of 150 news reports; `rag index` updates it with 150 more "
        f"(it writes {needed / 2**20:.1f} MB: a segment of the new reports and the manifest) after a file has "
        "filled the disk so that only a part of what the update needs is free. Real processes, ONNX int8.\n\n"
        f"Runs: {fills}; refused in one line: {one_line}; tracebacks: {tracebacks}; previous index intact "
        f"(same manifest, same answer to `rag ask`): {intact}. With the filler removed, the next rebuild "
        f"{'succeeds' if final.returncode == 0 else 'FAILS'} and leaves {generations} generation(s).\n\n"
        "| free at start (of what the rebuild needs) | exit | seconds | what it said | previous index intact |\n"
        "|---|---|---|---|---|\n" + "\n".join(table) + "\n"
    )


# ------------------------------------------------------------------------------ loads during rebuilds

REBUILDER = """
import sys
from rag.cli import main
for i in range(int(sys.argv[1])):
    print("exit", main(["index", sys.argv[2 + i % 2], "--index", sys.argv[4]]), file=sys.stderr, flush=True)
"""


def bench_rebuild_loads(work: Path, rebuilds: int = 12, readers: int = 2) -> str:
    """One process rebuilds an index again and again (alternating 100 and 150 reports) while reader
    threads load it as fast as they can: every load must give a whole index, old or new."""
    from rag.errors import RagError
    from rag.store import IndexStore

    head = "## Loads during rebuilds\n\n"
    if not MEETINGS.exists():
        return head + "Not run: ../shared/data/xinwenlianbo/meetings.jsonl is absent.\n"
    rows = _records(150)
    sizes = {"a": 100, "b": 150}
    for folder, n in sizes.items():
        (work / folder).mkdir()
        with (work / folder / "reports.jsonl").open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[:n])
    index = work / "index"
    assert rag("index", str(work / "a"), "--index", str(index))[0].returncode == 0
    import threading
    from collections import Counter

    loads, whole, errors = Counter(), Counter(), Counter()
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            try:
                store = IndexStore.load(index)
                n = len(store.documents)
                whole[n in sizes.values() and len(store.chunks) == store.dense.ntotal] += 1
            except RagError as exc:  # said in one line: counted apart from crashes
                errors[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
            except Exception as exc:
                errors[f"CRASH {type(exc).__name__}: {str(exc)[:80]}"] += 1
            loads["all"] += 1

    threads = [threading.Thread(target=reader) for _ in range(readers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    proc = subprocess.run(
        [sys.executable, "-c", REBUILDER, str(rebuilds), str(work / "b"), str(work / "a"), str(index)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    done.set()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    codes = [line.split()[1] for line in proc.stderr.splitlines() if line.startswith("exit ")]
    listed = "\n".join(f"- {e} × {n}" for e, n in errors.most_common(10))
    return (
        head + f"A `rag index` process rebuilds a real index {rebuilds} times, alternating 150 and 100 news "
        f"reports (ONNX int8), while {readers} threads of another process load it (`IndexStore.load`, which "
        "verifies sizes and checksums) as fast as they can.\n\n"
        f"| | |\n|---|---|\n| rebuilds | {codes.count('0')} of {rebuilds} succeeded, {seconds:.0f} s |\n"
        f"| loads | {loads['all']} |\n| loads that gave a whole index (100 or 150 reports, vectors = chunks) | "
        f"{whole[True]} |\n| loads that failed | {sum(errors.values())} |\n"
        + (f"\nFailures:\n{listed}\n" if listed else "")
    )


# ------------------------------------------------------------------------------------ memory under load


def bench_memory(work: Path, clients: int = 40, seconds: float = 300.0) -> str:
    """``clients`` HTTP clients for ``seconds`` against the app with an admin password, the server's
    memory sampled, while an attacker posts files to Gradio's upload route without the password."""
    import threading

    import httpx

    from tests.load import rss_mb

    probes, files, _ = load_setup(work)
    (work / "app").mkdir()
    samples: list[tuple[float, float]] = []
    refused: dict[int, int] = {}
    done = threading.Event()
    gradio_tmp = work / "gradio-tmp"
    with running_app(work / "app", files, RAG_ADMIN_PASSWORD="s3cret", GRADIO_TEMP_DIR=str(gradio_tmp)) as url:
        run_load(url, probes, clients=2, seconds=5)  # warm-up
        t0 = time.perf_counter()

        def sampler() -> None:
            while not done.is_set():
                samples.append((time.perf_counter() - t0, rss_mb(url)))
                done.wait(5)

        def attacker() -> None:
            with httpx.Client(timeout=30) as http:
                while not done.is_set():
                    files_ = {"files": ("x.txt", b"x" * 1_000_000, "text/plain")}
                    code = http.post(f"{url}/gradio_api/upload", files=files_).status_code
                    refused[code] = refused.get(code, 0) + 1
                    done.wait(1)

        side = [threading.Thread(target=sampler), threading.Thread(target=attacker)]
        for t in side:
            t.start()
        report = run_load(url, probes, clients=clients, seconds=seconds)
        done.set()
        for t in side:
            t.join()
        end_rss = rss_mb(url)
    stored = sum(p.stat().st_size for p in gradio_tmp.rglob("*") if p.is_file()) if gradio_tmp.exists() else 0
    start_rss = samples[0][1]
    peak = max(r for _, r in samples)
    half = samples[len(samples) // 2]  # growth over the second half of the run, per 10,000 requests
    rate = report.served / seconds
    per_10k = (end_rss - half[1]) / max(1.0, rate * (seconds - half[0])) * 10_000
    curve = ", ".join(f"{r:.0f}" for _, r in samples[:: max(1, len(samples) // 12)])
    errors = "\n".join(f"- {e}" for e in report.errors[:10])
    codes = ", ".join(f"{n} × {code}" for code, n in sorted(refused.items()))
    return (
        f"## Memory under a long load\n\n"
        f"`python app.py` with an admin password, over the sample report and 20 generated reports; "
        f"{clients} HTTP clients ask /ask for {seconds / 60:.0f} minutes (each about its own meeting) while "
        f"the server's resident memory is sampled every 5 s, and an attacker posts a 1 MB file to Gradio's "
        f"`/gradio_api/upload` route every second without the password.\n\n"
        f"| | |\n|---|---|\n| requests served | {report.served} ({report.served / seconds:.1f} req/s) |\n"
        f"| requests failed | {report.failed} |\n| cross-talk / answers without the asker's person | "
        f"{report.crosstalk} / {report.wrong} |\n"
        f"| latency p50 / p95 / p99 | {1000 * report.percentile(50):.0f} / {1000 * report.percentile(95):.0f} / "
        f"{1000 * report.percentile(99):.0f} ms |\n"
        f"| server memory: at the start / peak / at the end | {start_rss:.0f} / {peak:.0f} / {end_rss:.0f} MB |\n"
        f"| memory growth in the second half of the run | {per_10k:+.1f} MB per 10,000 requests |\n"
        f"| unauthenticated upload posts: HTTP status | {codes} |\n"
        f"| bytes those posts left in Gradio's temp folder | {stored} |\n\n"
        f"Memory over the run (MB, evenly spaced samples): {curve}.\n"
        + (f"\nErrors seen:\n{errors}\n" if errors else "")
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="bad,kill,load,slowmodel,docx,manifest,diskfull,rebuilds,memory")
    ap.add_argument("--memory-clients", type=int, default=40)
    ap.add_argument("--memory-seconds", type=float, default=300.0)
    ap.add_argument("--kills", type=int, default=12)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    out = Path(args.out)
    parts = set(args.only.split(","))
    machine = (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    sections: dict[str, tuple[str, Callable[[Path], str]]] = {
        "bad": ("## Bad input", bench_bad),
        "kill": ("## SIGKILL during rebuilds", lambda w: bench_kill(w, args.kills)),
        "load": ("## Concurrent users", lambda w: bench_load(w, args.clients, args.seconds)),
        "slowmodel": ("## A slow chat model", bench_slow_model),
        "docx": ("## Nested tables and bombs in .docx files", bench_nested_docx),
        "manifest": ("## Edited manifests", bench_manifest),
        "diskfull": ("## A full disk", bench_disk_full),
        "rebuilds": ("## Loads during rebuilds", bench_rebuild_loads),
        "memory": ("## Memory under a long load", lambda w: bench_memory(w, args.memory_clients, args.memory_seconds)),
    }
    unknown = parts - set(sections)
    if unknown:
        ap.error(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {', '.join(sections)}")
    with tempfile.TemporaryDirectory(prefix="rag-reliability-") as tmp:
        for part, (heading, run) in sections.items():
            if part not in parts:
                continue
            (Path(tmp) / part).mkdir()
            section = run(Path(tmp) / part).rstrip() + f"\n\n_Measured {time.strftime('%Y-%m-%d')}, {machine}._\n"
            replace_section(out, heading, section)
            print(section)
    if parts == set(sections):  # a whole run dates the file
        text = out.read_text(encoding="utf-8")
        stamp = f"_Last run: {time.strftime('%Y-%m-%d')}, {machine}, `python bench/reliability.py`._"
        lines = [stamp if line.startswith("_Last run:") else line for line in text.splitlines()]
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
