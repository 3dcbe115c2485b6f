import errno
import fcntl
import json
import os
from pathlib import Path

import pytest

from rag import Assistant, IndexCorrupt, IndexMismatch, IndexNotFound, RagError
from rag.store import FORMAT_VERSION, IndexStore

from .conftest import HashEmbedder
from .hostile import MANIFEST_EDITS


def test_round_trip_and_manifest(assistant, tmp_path):
    index = tmp_path / "index"
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == FORMAT_VERSION
    assert manifest["model"] == {"name": "hash-bigram-256", "dim": 256, "backend": "custom"}
    assert manifest["chunking"]["size"] == 400
    assert manifest["chunking"]["overlap"] == 80
    assert {"normalizer", "tokenizer", "documents", "generation"} <= set(manifest)
    assert len(manifest["documents"]) == 4
    gen = index / manifest["generation"]
    assert {p.name for p in gen.iterdir()} == {"dense.faiss", "bm25", "chunks.sqlite"}
    assert not list(gen.rglob("*.pkl"))
    assert not list(gen.rglob("*.pickle"))

    store = IndexStore.load(index)
    assert [c.chunk_id for c in store.chunks] == [c.chunk_id for c in assistant.store.chunks]
    for c in store.chunks:
        assert store.documents[c.doc_id].text[c.start : c.end] == c.text


def test_rebuild_reembeds_only_new_and_changed_documents(corpus, tmp_path):
    index = tmp_path / "index"
    Assistant.build([corpus], index_dir=index, embedder=HashEmbedder())
    (corpus / "人大常委会.txt").write_text("全国人大常委会第十一次会议闭幕，表决通过了矿产资源法。", encoding="utf-8")
    (corpus / "new.txt").write_text("市政协召开主席会议，研究年度协商计划。", encoding="utf-8")
    (corpus / "tengzhou.txt").unlink()
    again = HashEmbedder()
    a = Assistant.build([corpus], index_dir=index, embedder=again)
    stats = a.last_build
    assert stats.reused_documents == 2
    assert stats.removed_documents == 1
    assert stats.documents == 4
    embedded = "".join(again.embedded)
    assert "矿产资源法" in embedded
    assert "年度协商计划" in embedded
    assert "消费者权益保护法" not in embedded  # unchanged documents keep their vectors
    assert not any("tengzhou" in d for d in a.store.documents)
    assert a.ask("矿产资源法").found


def test_add_and_remove(assistant, tmp_path):
    extra = tmp_path / "extra.txt"
    extra.write_text("2025年1月8日，区政协召开常委会议，审议通过年度工作要点。", encoding="utf-8")
    assistant.add([extra])
    assert str(extra) in assistant.store.documents
    ans = assistant.ask("区政协常委会议审议通过了什么？")
    assert ans.found
    assert ans.citations[0].doc_id == str(extra)
    assert assistant.remove([str(extra), "no-such-id"]) == 1
    reloaded = Assistant.load(tmp_path / "index", embedder=HashEmbedder())
    assert str(extra) not in reloaded.store.documents
    assert len(reloaded.store.documents) == 4


class Exploding(HashEmbedder):
    def embed_documents(self, texts, progress=None):
        raise RuntimeError("killed mid-build")


def test_a_build_that_dies_leaves_the_previous_index(assistant, corpus, tmp_path):
    index = tmp_path / "index"
    before = (index / "manifest.json").read_text(encoding="utf-8")
    (corpus / "new.txt").write_text("新的会议纪要内容。", encoding="utf-8")
    with pytest.raises(RuntimeError):
        Assistant.build([corpus], index_dir=index, embedder=Exploding())
    assert (index / "manifest.json").read_text(encoding="utf-8") == before
    a = Assistant.load(index, embedder=HashEmbedder())
    assert len(a.store.documents) == 4
    assert a.ask("市政协主席是谁？").found
    assert len([p for p in index.iterdir() if p.name.startswith("gen-")]) == 1


def test_missing_index_says_how_to_build_it(tmp_path):
    with pytest.raises(IndexNotFound, match="rag index"):
        Assistant.load(tmp_path / "nowhere", embedder=HashEmbedder())


def test_other_model_or_format_is_refused_with_a_rebuild_hint(assistant, tmp_path):
    index = tmp_path / "index"

    class Other(HashEmbedder):
        name = "other-model"

    with pytest.raises(IndexMismatch, match=r"hash-bigram-256.*rag index"):
        Assistant.load(index, embedder=Other())
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    manifest["format"] = 999
    (index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexMismatch, match=r"format 999.*rag index"):
        Assistant.load(index, embedder=HashEmbedder())


def test_damaged_files_are_reported(assistant, tmp_path):
    index = tmp_path / "index"
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    (index / manifest["generation"] / "dense.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexCorrupt, match="rebuild"):
        Assistant.load(index, embedder=HashEmbedder())
    (index / "manifest.json").write_text("{", encoding="utf-8")
    with pytest.raises(IndexCorrupt):
        Assistant.load(index, embedder=HashEmbedder())


def test_large_indexes_use_hnsw_and_still_find_and_filter(corpus, tmp_path):
    import faiss

    from rag.loaders import load
    from rag.retrieve import Retriever

    docs = load([corpus]).documents
    store, _ = IndexStore.build(
        tmp_path / "hnsw", docs, HashEmbedder(), chunk_size=400, chunk_overlap=80, hnsw_threshold=1
    )
    assert isinstance(store.dense, faiss.IndexHNSW)
    assert store.manifest["dense"]["faiss"] == "IndexHNSWFlat"
    reloaded = IndexStore.load(tmp_path / "hnsw")
    assert reloaded.dense.hnsw.efSearch == store.manifest["dense"]["efSearch"]
    r = Retriever(reloaded, HashEmbedder())
    assert r.search("副市长赵炜", k=1, mode="dense")[0].chunk.doc_id.endswith("tengzhou.txt")
    hits = r.search("会议", k=5, date_from="2023-01-01", date_to="2023-12-31", mode="dense")
    assert hits
    assert {h.chunk.date for h in hits} == {"2023-03-02"}


def test_open_reuses_a_current_index_and_rebuilds_a_stale_one(corpus, tmp_path, monkeypatch):
    import rag.api

    monkeypatch.setattr(rag.api, "make_embedder", lambda name, backend, cache_dir=None: HashEmbedder())
    index = tmp_path / "index"
    first = Assistant.open([corpus], index)
    assert first.last_build is not None  # built: there was no index
    again = Assistant.open([corpus], index)
    assert again.last_build is None  # loaded as it was
    (corpus / "new.txt").write_text("区政协召开常委会议。", encoding="utf-8")
    third = Assistant.open([corpus], index)
    assert third.last_build is not None
    assert len(third.store.documents) == 5


def test_update_after_another_process_replaced_the_index(assistant, corpus, tmp_path):
    """A long-running app whose index folder was rebuilt by `rag index` can still add documents."""
    Assistant.build([corpus], index_dir=tmp_path / "index", embedder=HashEmbedder())  # deletes the old generation
    extra = tmp_path / "extra.txt"
    extra.write_text("区政协召开主席会议，研究年度协商计划。", encoding="utf-8")
    assistant.add([extra])
    assert assistant.ask("区政协主席会议研究了什么？").found


# ------------------------------------------------------------------ edited manifests (issue 13, defect 8)


def test_an_edited_manifest_is_refused_in_one_line_and_rag_index_rebuilds(assistant, corpus, tmp_path):
    index = tmp_path / "index"
    original = (index / "manifest.json").read_text(encoding="utf-8")
    for name, edit in MANIFEST_EDITS.items():
        (index / "manifest.json").write_text(edit(original), encoding="utf-8")
        with pytest.raises(IndexCorrupt) as caught:
            IndexStore.load(index)
        message = str(caught.value)
        assert len(message.splitlines()) == 1, name
        assert f"index file '{index}/" in message, name  # the manifest, or the folder it names as a file
        assert "rag index" in message, name
    for name in ("NUL in a files key", "100,000 ["):  # `rag index` crashed on these: now rebuilt, nothing reused
        (index / "manifest.json").write_text(MANIFEST_EDITS[name](original), encoding="utf-8")
        rebuilt = Assistant.build([corpus], index_dir=index, embedder=HashEmbedder())
        assert rebuilt.last_build is not None
        assert rebuilt.last_build.reused_documents == 0, name
        assert rebuilt.ask("市政协主席是谁？").found
        original = (index / "manifest.json").read_text(encoding="utf-8")


# ------------------------------------------------------------- a load racing a rebuild (issue 13, defect 7)


def test_a_load_racing_rebuilds_reads_the_newest_generation(assistant, corpus, tmp_path, monkeypatch):
    """A rebuild replaces (and deletes) the generation a load is reading, just as the load opens one
    of its files, twice in a row: the load retries on each new generation, no raw OSError."""
    from pathlib import Path

    from rag.loaders import load

    index = tmp_path / "index"
    docs = load([corpus]).documents
    real_open = Path.open
    seen: list[str] = []
    building = False

    def racing_open(self, *args, **kwargs):
        nonlocal building
        gen = next((p.name for p in self.parents if p.name.startswith("gen-")), None)
        if gen is not None and gen not in seen and len(seen) < 2 and not building:
            seen.append(gen)
            building = True
            try:
                IndexStore.build(index, docs, HashEmbedder(), chunk_size=400, chunk_overlap=80)
            finally:
                building = False
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", racing_open)
    store = IndexStore.load(index)
    monkeypatch.undo()
    assert len(seen) == 2
    assert store.manifest["generation"] not in seen
    assert store.manifest["generation"] == json.loads((index / "manifest.json").read_text())["generation"]
    assert len(store.chunks) == len(assistant.store.chunks)


# ----------------------------------------------------------------------- disk full (issue 13, defect 9)


def _full_after(function, error):
    """``function`` does its writing, then fails as it does when the disk fills up."""

    def wrapped(*args, **kwargs):
        function(*args, **kwargs)
        raise error

    return wrapped


def _fsync_full(fsync):
    """``os.fsync`` that finds the disk full for files being written (the manifest: the generation's
    files are fsynced read-only)."""

    def wrapped(fd):
        if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE != os.O_RDONLY:
            raise OSError(errno.ENOSPC, "No space left on device")
        return fsync(fd)

    return wrapped


FAISS_FULL = (
    "Error in void faiss::write_index(const Index*, IOWriter*, int) at index_write.cpp:499: Error: "
    "'ret == (size * 4)' failed: write error in dense.faiss: 65491 != 256000 (No space left on device)"
)


@pytest.mark.parametrize("stage", ["chunk table", "vectors", "keywords", "manifest"])
def test_disk_full_during_a_build_is_one_line_and_keeps_the_previous_index(stage, assistant, corpus, monkeypatch):
    import sqlite3

    import bm25s
    import faiss

    import rag.store

    index = assistant.store.path
    before = (index / "manifest.json").read_text(encoding="utf-8")
    entries = sorted(p.name for p in index.iterdir())
    if stage == "chunk table":
        error = sqlite3.OperationalError("database or disk is full")
        monkeypatch.setattr(rag.store, "_write_tables", _full_after(rag.store._write_tables, error))
    elif stage == "vectors":
        monkeypatch.setattr(faiss, "write_index", _full_after(faiss.write_index, RuntimeError(FAISS_FULL)))
    elif stage == "keywords":  # numpy's short write
        monkeypatch.setattr(bm25s.BM25, "save", _full_after(bm25s.BM25.save, OSError("73500 requested and 16 written")))
    else:
        monkeypatch.setattr(os, "fsync", _fsync_full(os.fsync))
    (corpus / "new.txt").write_text("区政协召开常委会议，审议通过年度工作要点。", encoding="utf-8")
    with pytest.raises(RagError) as caught:
        Assistant.build([corpus], index_dir=index, embedder=HashEmbedder())
    monkeypatch.undo()
    assert str(caught.value) == (
        f"disk full while writing the index in '{index}'; the previous index is intact: free some space and try again"
    )
    assert (index / "manifest.json").read_text(encoding="utf-8") == before
    assert sorted(p.name for p in index.iterdir()) == entries  # the half-written generation is gone
    assert Assistant.load(index, embedder=HashEmbedder()).ask("市政协主席是谁？").found


def test_sources_with_names_that_are_not_utf8_go_into_the_manifest(corpus, tmp_path):
    from rag.loaders import load

    odd = str(corpus) + "/\udcff"  # how Python shows a byte of a name that is not UTF-8
    IndexStore.build(
        tmp_path / "index", load([corpus]).documents, HashEmbedder(), chunk_size=400, chunk_overlap=80, sources=[odd]
    )
    assert IndexStore.load(tmp_path / "index").manifest["sources"] == [odd]
    assert "人大常委会" in (tmp_path / "index" / "manifest.json").read_text(encoding="utf-8")  # readable otherwise


# ---------------------------------------------------------------------------- reading the sources again


def test_refresh_reads_the_sources_again_and_keeps_uploads_in_their_collection(assistant, corpus):
    """The library's "重新读取文件夹": new and changed files in, deleted ones out, vectors of the
    others kept; a file uploaded into corpus/uploads/ stays in the collection `uploads`."""
    (corpus / "uploads").mkdir()
    upload = corpus / "uploads" / "上传的纪要.txt"
    upload.write_text("2025年5月6日，市政协召开上传纪要专题会，副主席钱立新出席。", encoding="utf-8")
    assistant.add([upload], collection="uploads")
    names = sorted(corpus.iterdir())
    gone, changed = names[0], names[1]
    gone.unlink()
    changed.write_text("2025年5月7日，区政府召开改写后的专题会，副区长孙一鸣出席。", encoding="utf-8")
    (corpus / "新增.txt").write_text("2025年5月8日，县人大常委会召开新增专题会。", encoding="utf-8")
    loaded = assistant.refresh()
    docs = {Path(d.doc_id).name: d for d in assistant.documents()}
    assert gone.name not in docs and "新增.txt" in docs
    assert "孙一鸣" in docs[changed.name].text
    assert docs["上传的纪要.txt"].collection == "uploads"
    assert len(loaded.documents) == len(docs)
    assert (
        assistant.last_build is not None
        and assistant.last_build.reused_documents >= 1
        and assistant.last_build.removed_documents == 1
    )
    assert assistant.ask("新增专题会是哪个单位召开的？").found


def test_build_tokens_are_ids_into_one_vocabulary_and_read_back_as_written():
    from rag.store import Tokens

    tokens = Tokens()
    tokens.add(["国务院", "常务会议", "国务院"])
    tokens.add([])
    tokens.add(["常务会议", "审议"])
    assert [r.tolist() for r in tokens.rows] == [[0, 1, 0], [], [1, 2]]
    assert [tokens.text(i) for i in range(len(tokens))] == ["国务院\t常务会议\t国务院", "", "常务会议\t审议"]
