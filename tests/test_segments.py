"""Updates that write what changed: an added document is a new segment, a removed one is listed as
deleted, and answers are those of the merged index; too many segments are merged."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import rag.store
from rag import Assistant, Document
from rag.loaders import load
from rag.store import MAX_SEGMENTS, IndexStore

from .conftest import DATA, HashEmbedder

MEETINGS = DATA / "xinwenlianbo" / "meetings.jsonl"
pytestmark = pytest.mark.skipif(not MEETINGS.exists(), reason="needs ../shared/data")
QUESTIONS = ["国务院常务会议审议通过了哪些条例？", "全国政协双周协商座谈会围绕什么协商议政？", "赵乐际主持委员长会议"]


@pytest.fixture(scope="module")
def reports() -> list[Document]:
    return load([MEETINGS]).documents[:300]


def folders(index: Path) -> list[str]:
    return sorted(p.name for p in index.iterdir() if p.name.startswith("gen-"))


def build(docs, index: Path, embedder=None, merge=False) -> Assistant:
    return Assistant.from_documents(docs, index, embedder=embedder or HashEmbedder(), merge=merge)


def test_an_added_document_is_a_segment_and_answers_are_those_of_the_merged_index(reports, tmp_path):
    index = tmp_path / "index"
    first = build(reports[:299], index)
    base = folders(index)
    embedder = HashEmbedder()
    updated = build(reports, index, embedder)
    assert embedder.embedded and all(reports[299].title in t for t in embedder.embedded)  # only the new one
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["generation"] == base[0] and len(manifest["segments"]) == 1  # the first segment is kept
    assert len(folders(index)) == 2
    assert len(updated.store.chunks) == len(first.store.chunks) + sum(
        1 for c in updated.store.chunks if c.doc_id == reports[299].doc_id
    )
    reloaded = IndexStore.load(index)  # what the update holds in memory is what it wrote
    assert [c.chunk_id for c in reloaded.chunks] == [c.chunk_id for c in updated.store.chunks]
    assert reloaded.documents.keys() == updated.store.documents.keys()
    merged = build(reports, tmp_path / "merged", merge=True)
    for q in [*QUESTIONS, reports[299].title]:
        got = [(h.chunk.chunk_id, round(h.score, 3)) for h in updated.search(q, k=5)]
        want = [(h.chunk.chunk_id, round(h.score, 3)) for h in merged.search(q, k=5)]
        assert [c for c, _ in got] == [c for c, _ in want], q
    # BM25 over segments uses the IDF of the whole index
    tokens = ["国务院", "常务会议", "条例"]
    assert np.allclose(updated.store.bm25_scores(tokens), merged.store.bm25_scores(tokens), rtol=0.05, atol=1e-3)


def test_removing_writes_only_the_manifest_and_the_document_is_never_found(reports, tmp_path):
    index = tmp_path / "index"
    build(reports[:100], index)
    before = folders(index)
    gone = reports[10]
    a = build([d for d in reports[:100] if d is not gone], index)
    assert folders(index) == before  # no new segment
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["deleted"] == {before[0]: [gone.doc_id]}
    assert gone.doc_id not in a.store.documents
    assert all(c.doc_id != gone.doc_id for c in a.store.chunks)
    hits = a.search(gone.title, k=20)
    assert hits and all(h.chunk.doc_id != gone.doc_id for h in hits)
    ids, _ = a.store.dense_search(HashEmbedder().embed_query(gone.text[:200]), 20)
    assert len(ids) == 20 and all(a.store.chunks[i].doc_id != gone.doc_id for i in ids)
    assert gone.doc_id not in {m.doc_id for m in a.store.meetings}
    # filters and vectors address the rows that are left
    day = reports[11].date
    within = a.search(reports[11].title, k=5, date_from=day, date_to=day)
    assert within and all(h.chunk.date == day for h in within)
    rows = np.arange(len(a.store.chunks))
    assert a.store.vectors(rows).shape == (len(a.store.chunks), 256)


def test_a_changed_document_replaces_its_old_version_and_a_moved_one_keeps_its_vectors(reports, tmp_path):
    index = tmp_path / "index"
    docs = reports[:50]
    build(docs, index)
    changed = Document(
        doc_id=docs[5].doc_id, title=docs[5].title, date=docs[5].date, text=docs[5].text + "\n补充：会议另行通知。"
    )
    moved = Document(
        doc_id=docs[6].doc_id, title=docs[6].title, date=docs[6].date, text=docs[6].text, collection="其他"
    )
    embedder = HashEmbedder()
    a = build([*docs[:5], changed, moved, *docs[7:]], index, embedder)
    assert len(embedder.embedded) == sum(1 for c in a.store.chunks if c.doc_id == changed.doc_id)
    assert a.store.documents[changed.doc_id].text.endswith("会议另行通知。")
    assert sum(c.doc_id == changed.doc_id and "另行通知" in c.text for c in a.store.chunks) == 1
    assert {c.collection for c in a.store.chunks if c.doc_id == moved.doc_id} == {"其他"}
    reloaded = IndexStore.load(index)
    assert [c.chunk_id for c in reloaded.chunks] == [c.chunk_id for c in a.store.chunks]


def test_too_many_segments_are_merged_into_one(reports, tmp_path):
    index = tmp_path / "index"
    n = 40
    build(reports[:n], index)
    for i in range(MAX_SEGMENTS - 1):
        build(reports[: n + i + 1], index)
    assert len(folders(index)) == MAX_SEGMENTS
    a = build(reports[: n + MAX_SEGMENTS], index)  # one more would be too many: all in one
    assert len(folders(index)) == 1
    assert "segments" not in json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    assert len(a.store.documents) == n + MAX_SEGMENTS


def test_rag_index_merge_writes_one_segment(reports, tmp_path, hash_model):
    from rag.cli import main

    source = tmp_path / "reports.jsonl"
    lines = [json.dumps({"id": d.doc_id, "date": d.date, "title": d.title, "content": d.text}, ensure_ascii=False)
             for d in reports[:30]]  # fmt: skip
    source.write_text("\n".join(lines[:29]), encoding="utf-8")
    index = tmp_path / "index"
    assert main(["index", str(source), "--index", str(index)]) == 0
    source.write_text("\n".join(lines), encoding="utf-8")
    assert main(["index", str(source), "--index", str(index)]) == 0
    assert len(folders(index)) == 2
    assert main(["index", str(source), "--index", str(index), "--merge"]) == 0
    assert len(folders(index)) == 1


def test_a_large_build_is_written_in_bounded_segments_that_answer_as_one(reports, tmp_path, monkeypatch):
    """A whole build above `SEGMENT_CHUNKS` holds one group of documents at a time: several segments,
    the same chunks in the same order, the same dense results, and one bar total for the embedding."""
    docs = reports[:120]
    one = build(docs, tmp_path / "one")
    monkeypatch.setattr(rag.store, "SEGMENT_CHUNKS", 80)
    totals, steps = [], []
    split = Assistant.from_documents(
        docs, tmp_path / "split", embedder=HashEmbedder(), on_plan=totals.append, progress=steps.append
    )
    manifest = json.loads((tmp_path / "split" / "manifest.json").read_text(encoding="utf-8"))
    sizes = [len(g.chunks) for g in split.store.segments]
    assert len(sizes) == len(folders(tmp_path / "split")) == 1 + len(manifest["segments"]) >= 3
    assert max(sizes) <= 80 + 40  # a group is cut before the document that would pass the limit
    assert totals == [len(one.store.chunks)] and sum(steps) == len(one.store.chunks)
    assert manifest["counts"]["chunks"] == len(one.store.chunks)
    assert [c.chunk_id for c in split.store.chunks] == [c.chunk_id for c in one.store.chunks]
    assert len(split.store.meetings) == len(one.store.meetings)
    query = HashEmbedder().embed_query(QUESTIONS[0])
    got, want = split.store.dense_search(query, 10), one.store.dense_search(query, 10)
    assert got[0].tolist() == want[0].tolist() and np.allclose(got[1], want[1])
    for q in QUESTIONS:
        assert split.search(q, k=1)[0].chunk.doc_id == one.search(q, k=1)[0].chunk.doc_id, q
    reloaded = IndexStore.load(tmp_path / "split")
    assert [c.chunk_id for c in reloaded.chunks] == [c.chunk_id for c in one.store.chunks]


def test_past_max_segments_an_update_folds_the_small_segments_and_keeps_the_large(reports, tmp_path, monkeypatch):
    """Updates after a build of several segments do not rewrite the archive: when they are too many,
    the segments updates wrote go into the next one, and those of the build stay as they are."""
    monkeypatch.setattr(rag.store, "SEGMENT_CHUNKS", 120)
    index = tmp_path / "index"
    n = 100
    first = build(reports[:n], index)
    base = folders(index)
    large = {g.name for g in first.store.segments if len(g.chunks) >= 60}
    assert len(base) >= 2 and large
    for i in range(MAX_SEGMENTS - len(base)):
        build(reports[: n + i + 1], index)
    assert len(folders(index)) == MAX_SEGMENTS
    embedder = HashEmbedder()
    a = build(reports[: n + MAX_SEGMENTS - len(base) + 1], index, embedder)
    # the large segments of the build stay as they were; the others and the added document are one
    assert [g.name for g in a.store.segments[:-1]] == [g.name for g in first.store.segments if g.name in large]
    assert set(folders(index)) == large | {a.store.segments[-1].name}
    added = reports[n + MAX_SEGMENTS - len(base)]
    assert embedder.embedded and all(added.title in t for t in embedder.embedded)  # only the new one embedded
    reloaded = IndexStore.load(index)
    assert [c.chunk_id for c in reloaded.chunks] == [c.chunk_id for c in a.store.chunks]
    assert set(reloaded.documents) == {d.doc_id for d in reports[: n + MAX_SEGMENTS - len(base) + 1]}
    assert a.search(added.title, k=1)[0].chunk.doc_id == added.doc_id
