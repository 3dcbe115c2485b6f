"""Crash safety: a real `rag index` process is SIGKILLed at each stage of a rebuild, then `rag ask`
runs on the same index; damaged index files give a one-line error naming the file."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, REPORTS, rag_cli

pytestmark = pytest.mark.slow  # real processes, killed and restarted
POINTS = ["embedding", "tables", "vectors", "keywords", "generation", "manifest", "cleanup"]
OLD_Q = "十四届全国人大常委会第十次会议表决通过了什么法？"
NEW_DOC = "2025年5月6日，市政协召开城市防涝专题协商会，副市长周海平出席会议并讲话。"
NEW_Q = "城市防涝专题协商会哪位副市长出席？"


def ask(index: Path, question: str) -> dict:
    run = rag_cli("ask", question, "--index", str(index), "--json")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path, dict]:
    """An index of the small corpus in old/, its answer to OLD_Q; new/ holds one document more."""
    root = tmp_path_factory.mktemp("crash")
    old, new = root / "old", root / "new"
    old.mkdir()
    new.mkdir()
    for name, text in REPORTS.items():
        (old / name).write_text(text, encoding="utf-8")
    (new / "防涝协商会.txt").write_text(NEW_DOC, encoding="utf-8")
    index = root / "index"
    run = rag_cli("index", str(old), "--index", str(index))
    assert run.returncode == 0, run.stderr
    return index, root, ask(index, OLD_Q)


def kill_at(point: str, *args: str, env: dict[str, str] | None = None) -> None:
    env = {**os.environ, **(env or {})}
    with subprocess.Popen(
        [sys.executable, "-m", "tests.crash_target", point, *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.strip() == f"PAUSED {point}", f"the build ended without reaching {point}: {line!r}"
            os.kill(proc.pid, signal.SIGKILL)
            assert proc.wait(timeout=30) == -signal.SIGKILL
        finally:
            proc.kill()


MERGES = ("keywords", "generation", "manifest", "cleanup")


@pytest.mark.parametrize(
    ("point", "merge"),
    [*((p, "") for p in POINTS), *((p, "merge") for p in MERGES), *((p, "fold") for p in MERGES)],
    ids=[*(f"update-{p}" for p in POINTS), *(f"merge-{p}" for p in MERGES), *(f"fold-{p}" for p in MERGES)],
)
def test_sigkill_during_a_rebuild_leaves_an_index_that_answers(point, merge, built, tmp_path):
    """An update writes a segment of the new document; a merge writes everything as one segment; an
    update past `MAX_SEGMENTS` (here 1) folds the small segments, here all, into its own."""
    original, root, before = built
    index = tmp_path / "index"
    shutil.copytree(original, index)
    sources = [str(root / "old"), str(root / "new")]
    env = {"CRASH_MAX_SEGMENTS": "1"} if merge == "fold" else None
    kill_at(point, "index", *sources, "--index", str(index), *(["--merge"] if merge == "merge" else []), env=env)

    after = ask(index, OLD_Q)
    assert after["answer"] == before["answer"]
    assert after["citations"] == before["citations"]
    added = ask(index, NEW_Q)
    # the new manifest is the moment of truth: before it the old index, from it on the new one
    assert added["found"] is (point == "cleanup")
    assert ("周海平" in added["answer"]) is (point == "cleanup")

    run = rag_cli("index", *sources, "--index", str(index))
    assert run.returncode == 0, run.stderr
    assert "周海平" in ask(index, NEW_Q)["answer"]
    assert ask(index, OLD_Q)["answer"] == before["answer"]
    # nothing is left of the killed build: only the segments the manifest names
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    named = [manifest["generation"], *(s["name"] for s in manifest.get("segments", []))]
    leftovers = sorted(p.name for p in index.iterdir() if p.name not in ("manifest.json", ".lock"))
    assert leftovers == sorted(named), leftovers
    assert len(named) == (1 if merge and point == "cleanup" else 2)


@pytest.mark.parametrize("point", ["generation", "manifest"])
def test_sigkill_during_a_build_of_several_segments_leaves_the_previous_index(point, built, tmp_path):
    """A whole build written as several segments is live only with its manifest: killed after its
    first segment is in place, the previous index answers, and the next build removes what it left."""
    original, root, before = built
    index = tmp_path / "index"
    shutil.copytree(original, index)
    sources = [str(root / "old"), str(root / "new")]
    kill_at(point, "index", *sources, "--index", str(index), "--merge", env={"CRASH_SEGMENT_CHUNKS": "1"})
    assert len(list(index.glob("gen-*"))) >= 2  # the old segment and at least one of the killed build
    after = ask(index, OLD_Q)
    assert (after["answer"], after["citations"]) == (before["answer"], before["citations"])
    assert not ask(index, NEW_Q)["found"]
    run = rag_cli("index", *sources, "--index", str(index))
    assert run.returncode == 0, run.stderr
    assert "周海平" in ask(index, NEW_Q)["answer"]
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    named = [manifest["generation"], *(s["name"] for s in manifest.get("segments", []))]
    assert sorted(p.name for p in index.iterdir() if p.name not in ("manifest.json", ".lock")) == sorted(named)


def damage(index: Path, name: str) -> Path:
    gen = next(index.glob("gen-*"))
    target = index / name if name == "manifest.json" else gen / name
    if name == "dense.faiss":
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])  # truncated
    elif name == "chunks.sqlite":
        data = bytearray(target.read_bytes())
        data[-300:-200] = bytes(b ^ 0x55 for b in data[-300:-200])  # damaged in place, same size
        target.write_bytes(bytes(data))
    elif name == "bm25/vocab.index.json":
        target.unlink()
    elif name == "manifest.json":
        target.write_text('{"format": 1, "generation": ', encoding="utf-8")
    return target


@pytest.mark.parametrize("name", ["dense.faiss", "chunks.sqlite", "bm25/vocab.index.json", "manifest.json"])
def test_a_damaged_index_file_is_named_with_the_command_that_rebuilds(name, built, tmp_path):
    original, _, _ = built
    index = tmp_path / "index"
    shutil.copytree(original, index)
    target = damage(index, name)
    run = rag_cli("ask", OLD_Q, "--index", str(index))
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert f"'{target}'" in lines[0]
    assert "rag index" in lines[0]
    assert f"--index {index}" in lines[0]
    if name != "manifest.json":  # the manifest names the sources it was built from
        assert str(original.parent / "old") in lines[0]


def test_a_second_build_waits_for_the_first(built, tmp_path):
    from rag.store import build_lock

    original, root, _ = built
    index = tmp_path / "index"
    shutil.copytree(original, index)
    with build_lock(index):  # a build in progress (this process holds the lock)
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.run_cli", "index", str(root / "old"), "--index", str(index)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            proc.wait(timeout=8)
            pytest.fail("the second build did not wait")
        except subprocess.TimeoutExpired:
            pass
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "another build of the index" in err
    assert "waiting" in err


def _set_sources(m: dict) -> None:
    m["sources"] = [1]


def _nul_in_a_files_key(m: dict) -> None:
    m["files"]["chunks\0.sqlite"] = m["files"].pop("chunks.sqlite")


@pytest.mark.parametrize("edit", ["sources [1]", "NUL in a files key", "100,000 ["])
def test_rag_ask_on_an_edited_manifest_says_so_and_rag_index_rebuilds(edit, built, tmp_path):
    original, root, before = built
    index = tmp_path / "index"
    shutil.copytree(original, index)
    manifest = index / "manifest.json"
    if edit == "100,000 [":
        manifest.write_text("[" * 100_000, encoding="utf-8")
    else:
        m = json.loads(manifest.read_text(encoding="utf-8"))
        (_set_sources if edit == "sources [1]" else _nul_in_a_files_key)(m)
        manifest.write_text(json.dumps(m), encoding="utf-8")
    run = rag_cli("ask", OLD_Q, "--index", str(index))
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert f"'{manifest}'" in lines[0]
    assert "rag index" in lines[0]
    assert f"--index {index}" in lines[0]
    run = rag_cli("index", str(root / "old"), "--index", str(index))
    assert run.returncode == 0, run.stderr
    assert "(0 unchanged" in run.stdout  # the old index is not trusted: everything embedded again
    assert ask(index, OLD_Q)["answer"] == before["answer"]


# ------------------------------------------------------------------------------------- a full disk


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs (needs root and mount; skipped otherwise), unmounted afterwards."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    disk = tmp_path / "disk"
    disk.mkdir()
    run = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True, text=True)
    if run.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {run.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def _free(folder: Path) -> int:
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize


def test_disk_full_during_a_rebuild_is_one_line_and_keeps_the_previous_index(
    small_disk, corpus, tmp_path, capsys, hash_model
):
    from rag.cli import main

    more = tmp_path / "more"
    more.mkdir()
    for i in range(40):
        text = "".join(
            f"{2000 + i}年{1 + j % 12}月，第{i}次协商会审议第{j}号议题，副主席王{j}出席。" for j in range(30)
        )
        (more / f"report-{i}.txt").write_text(text, encoding="utf-8")
    assert main(["index", str(corpus), str(more), "--index", str(tmp_path / "whole")]) == 0
    needed = sum(p.stat().st_size for p in (tmp_path / "whole").rglob("*") if p.is_file())
    index = small_disk / "index"
    assert main(["index", str(corpus), "--index", str(index)]) == 0
    capsys.readouterr()
    assert main(["ask", OLD_Q, "--index", str(index), "--json"]) == 0
    answer = capsys.readouterr().out
    entries = sorted(p.name for p in index.iterdir())
    manifest = (index / "manifest.json").read_text(encoding="utf-8")
    assert needed < _free(small_disk)
    message = (
        f"rag: error: disk full while writing the index in '{index}'; the previous index is intact: "
        "free some space and try again"
    )
    for left in (0.0, 0.5, 0.85, 0.95, 1.0):  # full in the chunk table, the vectors, the keywords, …
        filler = small_disk / "filler"
        filler.write_bytes(bytes(max(0, _free(small_disk) - int(needed * left))))
        assert main(["index", str(corpus), str(more), "--index", str(index)]) == 2
        errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("rag: error")]
        assert errors == [message], left
        assert sorted(p.name for p in index.iterdir()) == entries, left
        assert (index / "manifest.json").read_text(encoding="utf-8") == manifest
        assert main(["ask", OLD_Q, "--index", str(index), "--json"]) == 0
        assert capsys.readouterr().out == answer
        filler.unlink()
    assert main(["index", str(corpus), str(more), "--index", str(index)]) == 0  # space again: it builds
