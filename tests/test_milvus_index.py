"""An index whose searches run in Milvus (Milvus Lite here): the same answers as the embedded store,
updates and removals mirrored, a sync cut short never trusted, and the store recorded in the index."""

from __future__ import annotations

import dataclasses
import itertools
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from rag import milvus
from rag.api import Assistant
from rag.errors import RagError, SettingsError
from rag.loaders import load
from rag.retrieve import LocalEngine
from rag.types import Document

from .conftest import DATA, HashEmbedder
from .test_milvus import needs_milvus

MEETINGS = DATA / "xinwenlianbo" / "meetings.jsonl"
needs_data = pytest.mark.skipif(not MEETINGS.is_file(), reason="shared data not present")
REPORTS = 400  # meeting reports: 866 chunks


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> list[Document]:
    """The first reports of the meeting set, every third one in the collection 办公厅."""
    src = tmp_path_factory.mktemp("reports") / "meetings.jsonl"
    with MEETINGS.open(encoding="utf-8") as f:
        src.write_text("".join(itertools.islice(f, REPORTS)), encoding="utf-8")
    docs = load(src).documents
    return [dataclasses.replace(d, collection="办公厅") if i % 3 == 0 else d for i, d in enumerate(docs)]


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[str]:
    uri = f"milvus:{tmp_path / 'store.db'}"
    yield uri
    milvus.disconnect(uri)


@pytest.fixture(scope="module")
def pair(reports: list[Document], tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Assistant, Assistant]]:
    """The same reports indexed twice: searched in Milvus Lite, and in the index's own files."""
    root = tmp_path_factory.mktemp("pair")
    uri = f"milvus:{root / 'store.db'}"
    on_milvus = Assistant.from_documents(reports, root / "milvus", embedder=HashEmbedder(), store=uri)
    local = Assistant.from_documents(reports, root / "local", embedder=HashEmbedder())
    yield on_milvus, local
    milvus.disconnect(uri)


def _questions(docs: list[Document]) -> list[str]:
    """Titles, and phrases from the middle of reports: written by the records, not by the system."""
    phrases = [d.text[len(d.text) // 2 : len(d.text) // 2 + 14] for d in docs[5::23]]
    return [d.title for d in docs[::19]] + phrases + ["国务院常务会议部署防汛抗旱", "全国人大常委会审议法律草案"]


def _ranked(a: Assistant, question: str, **filters: object) -> tuple[list[str], np.ndarray]:
    hits = a.search(question, 8, **filters)  # type: ignore[arg-type]
    return [h.chunk.chunk_id for h in hits], np.array([h.score for h in hits])


@needs_milvus
@needs_data
@pytest.mark.slow  # a Milvus Lite process, and hundreds of reports written into it
def test_milvus_ranks_as_the_embedded_store(pair: tuple[Assistant, Assistant], reports: list[Document]):
    on_milvus, local = pair
    assert isinstance(on_milvus.retriever.engine, milvus.MilvusEngine)
    assert isinstance(local.retriever.engine, LocalEngine)
    dates = sorted(d.date for d in reports if d.date)
    middle = dates[len(dates) // 2]
    filters: list[dict[str, object]] = [
        {},
        {"date_from": middle},
        {"date_to": middle, "collections": ["办公厅"]},
        {"collections": [""]},
        {"doc_ids": [reports[7].doc_id, reports[40].doc_id]},
    ]
    questions = _questions(reports)
    assert len(questions) > 30
    for question in questions:
        for f in filters:
            ids, scores = _ranked(on_milvus, question, **f)
            expected_ids, expected_scores = _ranked(local, question, **f)
            assert ids == expected_ids, (question, f)
            assert np.allclose(scores, expected_scores, atol=1e-4)  # float32 sums in another order
    for question in questions[:8]:
        assert on_milvus.ask(question).text == local.ask(question).text


@needs_milvus
@needs_data
@pytest.mark.slow  # a Milvus Lite process, and hundreds of reports written into it
def test_no_chunk_of_another_collection_comes_back(pair: tuple[Assistant, Assistant], reports: list[Document]):
    on_milvus, _ = pair
    hidden = next(d for d in reports if d.collection == "办公厅")
    hits = on_milvus.search(hidden.title, 20, collections=[""])
    assert hits and all(h.chunk.collection == "" for h in hits)
    assert on_milvus.search(hidden.title, 5, collections=["办公厅"])[0].chunk.doc_id == hidden.doc_id


@needs_milvus
@needs_data
@pytest.mark.slow  # a Milvus Lite process, and hundreds of reports written into it
def test_updates_and_removals_reach_milvus(reports: list[Document], tmp_path: Path, lite: str):
    first, later = reports[:300], reports[300:]
    a = Assistant.from_documents(first, tmp_path / "index", embedder=HashEmbedder(), store=lite)
    store = milvus.connect(lite)
    written: list[int] = []
    real_upsert = store.upsert
    store.upsert = lambda chunks, *rest: (written.append(len(chunks)), real_upsert(chunks, *rest))[1]  # type: ignore[method-assign]
    a._rebuild(lambda docs: [*docs, *later])
    assert sum(written) == sum(1 for c in a.store.chunks if c.doc_id in {d.doc_id for d in later})  # only the new
    assert isinstance(a.retriever.engine, milvus.MilvusEngine)
    assert store.count() == len(a.store.chunks)
    new = later[10]
    assert a.search(new.title, 1)[0].chunk.doc_id == new.doc_id

    gone = first[3]
    assert a.remove([gone.doc_id]) == 1
    assert store.count() == len(a.store.chunks)
    assert gone.doc_id not in {h.chunk.doc_id for h in a.search(gone.title, 20)}
    moved = next(d for d in first if d.collection == "办公厅")
    a._rebuild(
        lambda docs: [dataclasses.replace(d, collection="人事处") if d.doc_id == moved.doc_id else d for d in docs]
    )
    assert a.search(moved.title, 1, collections=["人事处"])[0].chunk.doc_id == moved.doc_id
    assert moved.doc_id not in {h.chunk.doc_id for h in a.search(moved.title, 20, collections=["办公厅", ""])}
    assert store.mirrors(a.store.manifest)
    assert store.refresh().chunks == len(a.store.chunks)  # the kept term counts agree with a recount


@needs_milvus
@needs_data
@pytest.mark.slow  # a Milvus Lite process, and hundreds of reports written into it
def test_a_sync_cut_short_is_not_trusted(reports: list[Document], tmp_path: Path, lite: str):
    """Milvus fails halfway through an update: the index on disk is the new one and answers from its own
    files; the next build writes Milvus again from the start."""
    from pymilvus.exceptions import MilvusException

    index = tmp_path / "index"
    a = Assistant.from_documents(reports[:200], index, embedder=HashEmbedder(), store=lite)
    store = milvus.connect(lite)
    calls = itertools.count()
    real_upsert = store.upsert

    def failing_upsert(*args: object) -> None:
        if next(calls) == 1:
            raise MilvusException(message="node not ready")
        real_upsert(*args)  # type: ignore[arg-type]

    store.upsert = failing_upsert  # type: ignore[method-assign]
    milvus.SYNC_BATCH, batch = 100, milvus.SYNC_BATCH
    try:
        with pytest.raises(RagError, match=r"was written, but the Milvus store was not updated.*node not ready") as err:
            a._rebuild(lambda docs: [*docs, *reports[200:]])
    finally:
        milvus.SYNC_BATCH = batch
        store.upsert = real_upsert  # type: ignore[method-assign]
    assert "\n" not in str(err.value)
    assert len(a.store.documents) == len(reports)
    assert isinstance(a.retriever.engine, LocalEngine)
    assert isinstance(Assistant.load(index, embedder=HashEmbedder()).retriever.engine, LocalEngine)

    again = Assistant.from_documents(reports, index, embedder=HashEmbedder())  # the store as recorded
    assert isinstance(again.retriever.engine, milvus.MilvusEngine)
    assert store.count() == len(again.store.chunks)
    question = reports[250].title
    assert again.search(question, 1)[0].chunk.doc_id == reports[250].doc_id


def test_a_bad_store_address_is_refused_before_any_work(tmp_path: Path):
    doc = Document("d1", "国务院常务会议部署防汛工作。", title="会议")
    with pytest.raises(SettingsError, match=r"must end in \.db"):
        Assistant.from_documents([doc], tmp_path / "index", embedder=HashEmbedder(), store="milvus:store.sqlite")
    assert not (tmp_path / "index").exists()


def _rag(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(
        [sys.executable, "-m", "tests.run_cli", *args],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return run


@needs_milvus
@needs_data
@pytest.mark.slow
def test_the_index_records_its_store(tmp_path: Path):
    """`rag index --store` once; `rag ask` and later `rag index` runs need no flag; `--store local` ends it."""
    src = tmp_path / "meetings.jsonl"
    with MEETINGS.open(encoding="utf-8") as f:
        src.write_text("".join(itertools.islice(f, 60)), encoding="utf-8")
    index, db = tmp_path / "index", tmp_path / "store.db"
    built = _rag("index", str(src), "--index", str(index), "--store", f"milvus:{db}", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert f"searches run in milvus:{db}" in built.stdout
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["store"] == f"milvus:{db}"

    title = load(src).documents[30].title
    asked = _rag("search", title, "--index", str(index), "--json", cwd=tmp_path)
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)[0]["title"] == title

    with src.open("a", encoding="utf-8") as f:
        f.write(
            json.dumps({"id": "new-1", "title": "新增会议", "text": "市政府常务会议研究部署冬季供暖保障工作。"}) + "\n"
        )
    again = _rag("index", str(src), "--index", str(index), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "searches run in milvus:" in again.stdout
    found = _rag("search", "冬季供暖保障", "--index", str(index), "--json", cwd=tmp_path)
    assert json.loads(found.stdout)[0]["doc_id"] == "new-1"

    local = _rag("index", str(src), "--index", str(index), "--store", "local", cwd=tmp_path)
    assert local.returncode == 0, local.stderr
    assert "store" not in json.loads((index / "manifest.json").read_text(encoding="utf-8"))
