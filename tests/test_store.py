import json

import pytest

from rag import Assistant, IndexCorrupt, IndexMismatch, IndexNotFound
from rag.store import FORMAT_VERSION, IndexStore

from .conftest import HashEmbedder


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
