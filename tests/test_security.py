"""Security: where uploads may land, what they must contain, no code run from input."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rag.web.render import CONTEXT_CHARS, cards_html
from rag.web.uploads import UploadRefused, check_upload, save_upload, upload_target

from .conftest import REPO


@pytest.mark.parametrize(
    "name",
    ["../../x.txt", "../x.txt", "/etc/passwd", "a/b.txt", "a\\b.txt", "C:x.txt", "..", ".", "", ".bashrc",
     " x.txt", "x\n.txt", "x\u202e.txt", "x" * 300 + ".txt"],
)  # fmt: skip
def test_upload_names_with_a_path_or_hidden_are_refused(name, tmp_path):
    with pytest.raises(UploadRefused):
        upload_target(name, tmp_path / "uploads")


@pytest.mark.parametrize("name", ["会议纪要.txt", "2024 年 报告.docx", "a..b.md", "x-1_(2).pdf"])
def test_plain_upload_names_land_directly_in_uploads(name, tmp_path):
    uploads = tmp_path / "uploads"
    target = upload_target(name, uploads)
    assert target.parent == uploads.resolve()
    assert target.name == name


def test_uploads_are_checked_by_size_type_and_content(tmp_path):
    uploads = tmp_path / "uploads"
    good = tmp_path / "纪要.txt"
    good.write_text("2025年3月4日，市政协召开协商会。", encoding="utf-8")
    assert check_upload(good, uploads, 2**20) == (uploads / "纪要.txt").resolve()
    cases = {
        "tool.exe": (b"MZ" + bytes(10), "不支持"),
        "picture.txt": (b"\x89PNG\r\n\x1a\n" + bytes(10), "PNG"),
        "fake.pdf": ("这不是PDF".encode(), "PDF"),
        "fake.docx": (b"PK\x03\x04" + bytes(30), "docx"),
        "empty.md": (b"", "empty"),
        "big.txt": ("会议".encode() * 200_000, "文件过大"),
    }
    for name, (data, why) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(UploadRefused, match=why):
            check_upload(path, uploads, 2**20)
    assert not uploads.exists()  # nothing refused was saved


def test_save_upload_is_atomic_and_replaces(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("第一版", encoding="utf-8")
    target = tmp_path / "uploads" / "a.txt"
    save_upload(src, target)
    src.write_text("第二版", encoding="utf-8")
    save_upload(src, target)
    assert target.read_text(encoding="utf-8") == "第二版"
    assert [p.name for p in target.parent.iterdir()] == ["a.txt"]


FORBIDDEN_BUILTINS = {"eval", "exec", "compile", "__import__", "breakpoint"}
FORBIDDEN_OS = {"system", "popen", "execv", "execve", "execvp", "execl", "spawnv", "spawnl", "posix_spawn", "fork"}
FORBIDDEN_MODULES = {"pickle", "cPickle", "dill", "marshal", "shelve", "subprocess", "joblib"}
# the one child process: the model export, a fixed command without a shell (`python -m rag._export`)
ALLOWED = {("embed.py", "subprocess")}


def _sources() -> list[Path]:
    return [*sorted((REPO / "rag").rglob("*.py")), REPO / "app.py"]


def test_no_pickle_eval_or_shell_in_the_code_that_handles_input():
    found = []
    for file in _sources():
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
                found += [
                    f"{file.name}: import {n}"
                    for n in names
                    if n and n.split(".")[0] in FORBIDDEN_MODULES and (file.name, n) not in ALLOWED
                ]
            elif isinstance(node, ast.Call):
                f = node.func
                if isinstance(f, ast.Name) and f.id in FORBIDDEN_BUILTINS:
                    found.append(f"{file.name}:{node.lineno}: {f.id}()")
                on_os = isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "os"
                if on_os and (f.attr in FORBIDDEN_OS or f.attr.startswith(("exec", "spawn"))):
                    found.append(f"{file.name}:{node.lineno}: os.{f.attr}()")
                if any(k.arg == "allow_pickle" and getattr(k.value, "value", None) is True for k in node.keywords):
                    found.append(f"{file.name}:{node.lineno}: allow_pickle=True")
                if any(k.arg == "shell" and getattr(k.value, "value", None) is True for k in node.keywords):
                    found.append(f"{file.name}:{node.lineno}: shell=True")
    assert found == []


def test_the_keyword_index_is_loaded_without_pickle(assistant):
    import numpy as np

    gen = assistant.store.path / assistant.store.manifest["generation"] / "bm25"
    for npy in gen.glob("*.npy"):
        np.load(npy, allow_pickle=False)  # raises if an array needed pickle


@pytest.mark.slow
def test_a_very_long_document_gives_small_citation_cards(tmp_path, embedder):
    from rag import Assistant

    (tmp_path / "docs").mkdir()
    filler = "".join(f"第{i}项议程按计划推进，各部门按职责分工落实。" for i in range(20_000))  # ~500k characters
    (tmp_path / "docs" / "长文.txt").write_text(
        filler[:250_000] + "会议决定由副市长周海平牵头成立工作专班。" + filler[250_000:], encoding="utf-8"
    )
    a = Assistant.build([tmp_path / "docs"], tmp_path / "index", embedder=embedder)
    ans = a.ask("会议决定由谁牵头成立工作专班？")
    assert ans.found
    assert "周海平" in ans.text
    cards = cards_html(a, ans)
    assert "周海平" in cards
    assert "前文从略" in cards
    assert "后文从略" in cards
    assert len(cards) < len(ans.citations) * (2 * CONTEXT_CHARS + 3000)  # not 500,000 a card


def test_an_upload_cannot_take_the_id_of_a_document_from_another_file(tmp_path):
    uploads = tmp_path / "uploads"
    notes = tmp_path / "notes.jsonl"
    notes.write_text('{"id": "/srv/corpus/official.txt", "content": "伪造的会议纪要。"}\n', encoding="utf-8")
    with pytest.raises(UploadRefused, match="重复"):
        check_upload(notes, uploads, 2**20, {"/srv/corpus/official.txt": "/srv/corpus/official.txt"})
    # the same file uploaded again replaces its own records
    own = {"/srv/corpus/official.txt": str((uploads / "notes.jsonl").resolve())}
    assert check_upload(notes, uploads, 2**20, own) == (uploads / "notes.jsonl").resolve()


def test_the_meetings_view_shows_no_server_path(tmp_path):
    """The source of a meeting's report is shown as in the citation cards: a path relative to the
    corpus folder, never where the server keeps it."""
    from rag.meetings import extract
    from rag.types import Document
    from rag.web.render import meeting_html

    source = str(tmp_path / "corpus" / "政协" / "纪要.txt")
    text = "2025年3月4日，市政协召开城市更新专题协商会，副市长林晓东出席并讲话。"
    doc = Document(source, text, title="城市更新专题协商会", date="2025-03-04", source=source)
    m = extract(doc)
    assert m is not None
    shown = meeting_html(doc, m, [str(tmp_path / "corpus")])
    assert "政协/纪要.txt" in shown and str(tmp_path) not in shown
