"""Bad input: a folder of broken, misnamed, huge and hostile files is indexed by a real `rag index`
process; what is readable is answered, everything else is reported, nothing crashes."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from rag import Assistant
from rag.loaders import Unreadable, decode, load

from .conftest import REPO, HashEmbedder, rag_cli
from .hostile import GOOD, make_bad_corpus


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> tuple[Path, dict[str, bool]]:
    folder = tmp_path_factory.mktemp("hostile") / "shared drive"
    return folder, make_bad_corpus(folder)


@pytest.mark.slow
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
        assert hits, name
        assert hits[0].chunk.source == str(folder / name), name
    ans = a.ask("城市更新专题协商会哪位副市长出席？")
    assert ans.found
    assert "林晓东" in ans.text
    assert ans.citations[0].source.endswith("good.txt")
    repeated = next(d for d in a.documents() if d.source.endswith("repeated-lines.txt"))
    assert repeated.text == GOOD["repeated-lines.txt"]  # 10,000 copies of a line are one line
    html = next(d for d in a.documents() if d.source.endswith("scripts.html"))
    assert "忽略这段脚本" not in html.text
    assert "alert" not in html.text


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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
    assert lines[-1].startswith("rag: error: no readable documents")
    assert "and 2 more" in lines[-1]
    assert not (tmp_path / "index" / "manifest.json").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [["--max-file-mb", "0"], ["--max-file-mb", "nan"], ["--max-file-mb", "inf"], ["--chunk-overlap", "-5"],
     ["--chunk-overlap", "400"], ["--chunk-size", "100", "--chunk-overlap", "500"]],
)  # fmt: skip
def test_bad_limits_are_one_line_errors(tmp_path, args):
    (tmp_path / "a.txt").write_text("会议。", encoding="utf-8")
    run = rag_cli("index", str(tmp_path), "--index", str(tmp_path / "i"), *args)
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert len(lines) == 1
    assert "error:" in lines[0]
    assert args[-2] in lines[0]


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


# ---- found by a second team, with their own folder of bad files


def test_deep_or_huge_json_costs_one_record_not_the_build(tmp_path, embedder):
    lines = [
        '{"id": "deep", "content": "2025年3月1日召开会议。", "x": ' + "[" * 900 + "]" * 900 + "}",
        '{"id": "bigint", "content": "会议", "n": ' + "9" * 5000 + "}",
        json.dumps({"id": "after", "content": "2025年3月2日，区政协召开协商会，审议了年度计划。"}, ensure_ascii=False),
        json.dumps({"id": "empty-content", "content": "", "text": "2025年3月3日召开座谈会。"}, ensure_ascii=False),
        json.dumps({"id": "number", "content": 12}),
        json.dumps({"id": "after", "content": "同一编号的后一条记录。"}, ensure_ascii=False),
    ]
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "records.jsonl").write_text("\n".join(lines), encoding="utf-8")
    a = Assistant.build([tmp_path / "docs"], tmp_path / "index", embedder=embedder)
    docs = {d.doc_id: d for d in a.documents()}
    assert set(docs) == {"deep", "after", "empty-content"}
    assert docs["deep"].meta == {}
    assert docs["after"].text == "同一编号的后一条记录。"
    assert docs["empty-content"].text == "2025年3月3日召开座谈会。"
    reasons = dict(a.last_load.skipped)
    assert "invalid JSON" in reasons[f"{tmp_path / 'docs' / 'records.jsonl'}:2"]
    assert "not text" in reasons[f"{tmp_path / 'docs' / 'records.jsonl'}:5"]
    assert any("replaced by a later record" in r for r in reasons.values())


@pytest.mark.parametrize(
    "front",
    [
        "self: &a {x: *a}",
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b]",
        "date: 2024-02-30\ntitle: 会议",
        "title: [[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]",
    ],
)
def test_hostile_front_matter_leaves_the_document(tmp_path, front):
    p = tmp_path / "纪要.md"
    p.write_text(f"---\n{front}\n---\n2025年3月4日，市政协召开协商会。", encoding="utf-8")
    result = load([p])
    assert len(result.documents) == 1
    assert "市政协召开协商会" in result.documents[0].text


def test_names_that_are_not_utf8_stay_distinct_and_printable(tmp_path):
    import os

    for raw in (b"a\xff.txt", b"a\xfe.txt", b"line\nbreak.txt", b"\x1b]0;title\x07.txt"):
        (tmp_path / os.fsdecode(raw)).write_text("2025年3月5日，市政协召开协商会。" + raw.hex(), encoding="utf-8")
    result = load([tmp_path])
    ids = [d.doc_id for d in result.documents]
    assert len(set(ids)) == 4
    assert all(id_.isprintable() for id_ in ids)


def test_a_path_too_long_is_reported_and_the_rest_read(tmp_path):
    deep = tmp_path
    for _ in range(20):
        deep = deep / ("长" * 80)  # 240 bytes a level: past PATH_MAX
        try:
            deep.mkdir()
        except OSError:
            break
    (tmp_path / "good.txt").write_text("2025年3月6日，市政协召开协商会。", encoding="utf-8")
    result = load([tmp_path])
    assert [Path(d.doc_id).name for d in result.documents] == ["good.txt"]


def test_symlinks_in_a_folder_are_not_followed(tmp_path):
    import os

    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("机密：口令是 12345。", encoding="utf-8")
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "inside.txt").write_text("2025年3月7日，市政协召开协商会。", encoding="utf-8")
    os.symlink(tmp_path / "outside" / "secret.txt", folder / "secret.txt")
    os.symlink(folder / "inside.txt", folder / "alias.txt")
    result = load([folder])
    assert [Path(d.doc_id).name for d in result.documents] == ["inside.txt"]
    reasons = dict(result.skipped)
    assert reasons[str(folder / "secret.txt")] == reasons[str(folder / "alias.txt")] == "symbolic link, not followed"
    assert [d.text for d in load([folder / "alias.txt"]).documents]  # a link given by name is read


def test_encodings_seen_on_office_drives(tmp_path):
    cases = {
        "short-gbk.txt": "审议通过".encode("gbk"),
        "gbk-cut.txt": "会议审议通过了河道保护条例，部署了汛期工作。".encode("gbk") + b"\xb5",
        "utf32.txt": "会议审议通过条例。".encode("utf-32"),
        "ctrl.txt": "会议\x1b[2J审议\x07通过条例。".encode(),
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "records.jsonl").write_text('{"id": "ps", "content": "会议审议通过条例。"}\r\n', encoding="utf-16")
    texts = {Path(d.source).name: d.text for d in load([tmp_path]).documents}
    assert texts == {
        "short-gbk.txt": "审议通过",
        "gbk-cut.txt": "会议审议通过了河道保护条例，部署了汛期工作。",
        "utf32.txt": "会议审议通过条例。",
        "ctrl.txt": "会议[2J审议通过条例。",
        "records.jsonl": "会议审议通过条例。",
    }


def test_damaged_docx_and_pdf_parts_around_good_text(tmp_path):
    import io
    import zipfile

    from .hostile import _docx_bytes, _pdf

    src = zipfile.ZipFile(io.BytesIO(_docx_bytes("2025年3月8日，市政协召开协商会。")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            z.writestr(item, b"<broken" if item.filename == "word/styles.xml" else src.read(item))
    (tmp_path / "styles.docx").write_bytes(out.getvalue())
    _pdf(tmp_path / "wrapped.pdf", "市长孙立平主持会议并讲话" * 5)
    (tmp_path / "encrypted.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    result = load([tmp_path])
    texts = {Path(d.source).name: d.text for d in result.documents}
    assert "市政协召开协商会" in texts["styles.docx"]
    assert "\n" not in texts["wrapped.pdf"]  # the layout's line breaks inside sentences are gone
    assert "password-protected" in dict(result.skipped)[str(tmp_path / "encrypted.docx")]


def test_text_limit_applies_to_what_a_docx_unpacks_to(tmp_path):
    from .hostile import _docx_bytes

    (tmp_path / "big.docx").write_bytes(_docx_bytes("会议审议通过了条例。" * 60_000))  # 600k characters
    assert (tmp_path / "big.docx").stat().st_size < 2**20
    result = load([tmp_path], max_bytes=2**20 // 2)
    assert "over the limit" in dict(result.skipped)[str(tmp_path / "big.docx")]


@pytest.mark.slow
def test_output_cut_short_by_the_reader_is_quiet(tmp_path):
    (tmp_path / "a.txt").write_text("2025年3月9日，市政协召开协商会。" * 50, encoding="utf-8")
    assert rag_cli("index", str(tmp_path), "--index", str(tmp_path / "i")).returncode == 0
    run = subprocess.run(
        f"{sys.executable} -m tests.run_cli ask 协商会 --index {tmp_path / 'i'} | head -c 1",
        shell=True,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "error" not in run.stderr
    assert "Traceback" not in run.stderr


def test_text_that_unfolds_many_times_when_normalized_is_refused(tmp_path):
    (tmp_path / "ligatures.txt").write_text("会议纪要\n" + "\ufdfa" * 20_000, encoding="utf-8")  # 1 → 18 characters
    result = load([tmp_path])
    assert not result.documents
    assert "when normalized" in result.skipped[0][1]


# ---- issue 13, defect 3: nested tables, floods and bombs in .docx files; limits in every thread


def _in_a_worker_thread(work, seconds: float = 20.0):
    """What ``work()`` returns, run in a thread other than the main one (as the web app's uploads
    are); fails when it is still running after ``seconds``."""
    import threading

    box = {}
    worker = threading.Thread(target=lambda: box.update(value=work()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds:g} s"
    return box["value"]


def test_tables_nested_30000_deep_cost_their_file_only_in_a_worker_thread(tmp_path):
    from .hostile import nested_tables_docx

    (tmp_path / "nested.docx").write_bytes(nested_tables_docx(30_000))  # 8 KB
    (tmp_path / "good.txt").write_text("2025年3月11日，市政协召开协商会。", encoding="utf-8")
    result = _in_a_worker_thread(lambda: load([tmp_path]))
    assert [Path(d.doc_id).name for d in result.documents] == ["good.txt"]
    assert "nested over 256 levels" in dict(result.skipped)[str(tmp_path / "nested.docx")]


@pytest.mark.parametrize("thread", ["main", "worker"])  # the command line reads in the main one, uploads not
def test_a_parser_that_never_ends_costs_its_file_only(tmp_path, monkeypatch, thread):
    import rag.loaders

    def loops(data, path, limit):
        while True:
            pass

    monkeypatch.setitem(rag.loaders._READERS, ".html", loops)
    (tmp_path / "a-crafted.html").write_text("<p>会议</p>", encoding="utf-8")
    (tmp_path / "b-good.txt").write_text("2025年3月12日，市政协召开协商会。", encoding="utf-8")
    read = lambda: load([tmp_path], file_seconds=0.1)  # noqa: E731
    result = read() if thread == "main" else _in_a_worker_thread(read)
    assert [Path(d.doc_id).name for d in result.documents] == ["b-good.txt"]
    assert dict(result.skipped)[str(tmp_path / "a-crafted.html")] == "reading took over 0.1 s, given up"


@pytest.mark.slow
def test_time_limits_that_end_in_a_race_leave_nothing_pending():
    import sys
    import time

    from rag.loaders import _time_limit, _TookTooLong

    def loop(n: int) -> None:
        for _ in range(n):
            pass

    t0 = time.perf_counter()
    loop(200_000)
    per_ms = int(200_000 / ((time.perf_counter() - t0) * 1000))  # this machine's loop steps in 1 ms

    def many() -> int:  # work from none to about twice the limit: many limits end as the work does
        given_up = 0
        for i in range(500):
            try:
                with _time_limit(0.001):
                    loop(i * 7919 % 1000 * per_ms // 500)
            except _TookTooLong:
                given_up += 1
            sum(range(300))  # a limit fired late but not cleared would be raised here, outside the try
        return given_up

    # Python code is interrupted between bytecodes, once the watchdog gets the GIL: within the switch
    # interval (5 ms by default, longer than the work); a shorter one makes the race frequent
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0001)
    try:
        assert 0 < many() < 500
        assert 0 < _in_a_worker_thread(many) < 500
    finally:
        sys.setswitchinterval(interval)


@pytest.mark.slow
def test_a_small_docx_that_unpacks_to_a_million_characters_is_refused(tmp_path):
    from .hostile import text_bomb_docx

    (tmp_path / "bomb.docx").write_bytes(text_bomb_docx(20_000))  # 62 KB: 3,000 chunks if read
    result = load([tmp_path])
    assert not result.documents
    assert "per byte of the file" in dict(result.skipped)[str(tmp_path / "bomb.docx")]


@pytest.mark.slow
def test_a_docx_of_millions_of_empty_elements_is_refused_in_bounded_memory(tmp_path):
    from .hostile import element_flood_docx

    (tmp_path / "flood.docx").write_bytes(element_flood_docx(95))  # 150 KB
    code = (  # VmHWM: this process's peak RSS (ru_maxrss would include pytest's, kept across the exec)
        "import re, sys\nfrom rag.loaders import load\nr = load([sys.argv[1]])\nprint(r.skipped[0][1])\n"
        "print(int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) // 1024)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "flood.docx")], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    reason, rss_mb = run.stdout.splitlines()
    assert "over the limit" in reason
    assert int(rss_mb) < 300, f"peak RSS {rss_mb} MB"
