"""Bad input: a folder of broken, misnamed, huge and hostile files is indexed by a real `rag index`
process; what is readable is answered, everything else is reported, nothing crashes."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from rag import Assistant
from rag.loaders import Unreadable, decode, load

from .conftest import REPO, HashEmbedder
from .hostile import GOOD, make_bad_corpus


def rag_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.run_cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> tuple[Path, dict[str, bool]]:
    folder = tmp_path_factory.mktemp("hostile") / "shared drive"
    return folder, make_bad_corpus(folder)


def test_rag_index_reads_what_is_readable_and_reports_the_rest(bad, tmp_path):
    folder, expect = bad
    index = tmp_path / "index"
    run = rag_cli("index", str(folder), "--index", str(index))
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    skipped = {}
    for line in run.stderr.splitlines():
        if line.startswith("skipped "):
            where, reason = line[len("skipped ") :].split(": ", 1)
            skipped[where] = reason
    for name, indexed in expect.items():
        where = str(folder / name)
        if indexed:
            assert where not in skipped, (name, skipped.get(where))
        else:
            assert skipped.get(where), f"{name} was neither indexed nor reported"
    a = Assistant.load(index, embedder=HashEmbedder())
    sources = {d.source for d in a.documents()}
    assert sources == {str(folder / name) for name, ok in expect.items() if ok}
    for name, fact in GOOD.items():
        hits = a.search(fact[:24], k=3)
        assert hits and hits[0].chunk.source == str(folder / name), name
    ans = a.ask("城市更新专题协商会哪位副市长出席？")
    assert ans.found and "林晓东" in ans.text and ans.citations[0].source.endswith("good.txt")
    repeated = next(d for d in a.documents() if d.source.endswith("repeated-lines.txt"))
    assert repeated.text == GOOD["repeated-lines.txt"]  # 10,000 copies of a line are one line
    html = next(d for d in a.documents() if d.source.endswith("scripts.html"))
    assert "忽略这段脚本" not in html.text and "alert" not in html.text


def test_a_huge_file_is_refused_before_it_is_read(bad):
    folder, _ = bad
    assert (folder / "huge-one-line.txt").stat().st_size > 50 * 2**20
    tracemalloc.start()
    try:
        result = load([folder])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 * 2**20, f"reading the folder allocated {peak / 2**20:.0f} MB at the peak"
    assert "over the limit of 10 MB" in dict(result.skipped)[str(folder / "huge-one-line.txt")]


def test_the_size_limit_can_be_raised_and_applies_to_jsonl_records(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("会议" * 300_000, encoding="utf-8")  # 1.7 MB
    records = tmp_path / "records.jsonl"
    records.write_text(
        '{"id": "small", "content": "会议审议通过了条例。"}\n' + '{"id": "big", "content": "' + "议" * 700_000 + '"}\n',
        encoding="utf-8",
    )
    small_limit = load([tmp_path], max_bytes=2**20)
    assert [d.doc_id for d in small_limit.documents] == ["small"]
    assert dict(small_limit.skipped).keys() == {str(big), f"{records}:2"}
    assert {d.doc_id for d in load([tmp_path], max_bytes=4 * 2**20).documents} == {"small", "big", str(big)}


def test_nothing_readable_exits_non_zero_and_lists_every_file(tmp_path):
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "a.pdf").write_bytes(b"hello")
    (folder / "b.exe").write_bytes(b"MZ")
    (folder / "c.txt").write_bytes(bytes(range(256)) * 10)
    (folder / "d.txt").write_bytes(b"")
    run = rag_cli("index", str(folder), "--index", str(tmp_path / "index"))
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert sum(line.startswith("skipped ") for line in lines) == 5
    assert lines[-1].startswith("rag: error: no readable documents") and "and 2 more" in lines[-1]
    assert not (tmp_path / "index" / "manifest.json").exists()


def test_bad_size_limits_are_one_line_errors(tmp_path):
    (tmp_path / "a.txt").write_text("会议。", encoding="utf-8")
    run = rag_cli("index", str(tmp_path), "--index", str(tmp_path / "i"), "--max-file-mb", "0")
    assert run.returncode == 2 and run.stderr.strip().splitlines()[-1].startswith("rag: error: the file size limit")


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("会议于三月召开。\r\nok\r\n".encode("utf-16-le"), "会议于三月召开。\r\nok\r\n"),
        ("会议于三月召开。\nok\n".encode("utf-16-be"), "会议于三月召开。\nok\n"),
        ("第一段是UTF-8。\n".encode() + "第二段是GBK。".encode("gbk"), "第一段是UTF-8。\n第二段是GBK。"),
        ("审议通过条例。".encode("gb18030"), "审议通过条例。"),
    ],
)
def test_decode_reads_text_without_a_bom_and_mixed_encodings(data, text):
    assert decode(data) == text


@pytest.mark.parametrize("data", [bytes(range(256)) * 40, bytes(range(1, 256)) * 40])
def test_decode_refuses_binary_data(data):
    with pytest.raises(Unreadable):
        decode(data)
