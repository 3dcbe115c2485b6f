"""The Milvus store against Milvus Lite: writes, filters, replacement, deletion, and keyword scores."""

from __future__ import annotations

import importlib.util
import itertools
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from rag.chunking import chunk_document, embed_text, index_text
from rag.errors import SettingsError
from rag.milvus import MilvusStore, MilvusURI, parse_uri, quote, where
from rag.normalize import normalize
from rag.tokenize import tokenize
from rag.types import Chunk

from .conftest import DATA, HashEmbedder

MEETINGS = DATA / "xinwenlianbo" / "meetings.jsonl"
HAS_MILVUS = all(importlib.util.find_spec(m) is not None for m in ("pymilvus", "milvus_lite"))
needs_milvus = pytest.mark.skipif(not HAS_MILVUS, reason="pymilvus and milvus-lite are not installed")

# (doc_id, collection, date, text)
RECORDS = [
    ("gw-2024-07", "", "2024-07-19", "国务院常务会议研究部署防汛抗旱工作，要求压实各方责任，确保人民群众生命安全。"),
    ("gw-2023", "", "2023", "市政府全体会议审议年度财政预算报告，部署优化营商环境和稳就业工作。"),
    ("edu-2024-03", "教育局", "2024-03-02", "教育局党组会议研究“双减”工作，部署课后服务和校园安全检查。"),
    ("hr-secret", "人事处", "2024-07-20", "人事处会议研究干部任免事项，防汛抗旱工作表现突出的同志优先考虑。"),
    ('odd"id\\', "", None, "政协常委会议协商乡村振兴和防汛抗旱工作，听取专题调研报告。"),
]


def _chunks(records=RECORDS) -> list[Chunk]:
    return [
        Chunk(f"{doc}#0", doc, normalize(text), 0, len(text), title="会议", date=date, collection=coll)
        for doc, coll, date, text in records
    ]


def _write(store: MilvusStore, chunks: list[Chunk]) -> None:
    embedder = HashEmbedder()
    vectors = embedder.embed_documents([embed_text(c) for c in chunks])
    store.upsert(chunks, vectors, [tokenize(index_text(c)) for c in chunks])


_names = (f"t{i}" for i in itertools.count())


@pytest.fixture(scope="module")
def lite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("milvus") / "test.db"


@pytest.fixture(scope="module")
def client(lite: Path):
    """One Milvus Lite file for the module: starting it costs about a second."""
    store = MilvusStore.open(f"milvus:{lite}")
    yield store.client
    store.close()


@pytest.fixture
def store(client) -> MilvusStore:
    """An empty index (its own collections) in the shared file."""
    s = MilvusStore(client, next(_names))
    yield s
    s.drop()


@pytest.fixture
def filled(store: MilvusStore) -> MilvusStore:
    """The records, for a test that changes them."""
    _write(store, _chunks())
    return store


@pytest.fixture(scope="module")
def records(client) -> MilvusStore:
    """The records, for tests that only read."""
    s = MilvusStore(client, "records")
    _write(s, _chunks())
    yield s
    s.drop()


def _docs(hits: list[tuple[str, float]]) -> list[str]:
    return [chunk_id.rsplit("#", 1)[0] for chunk_id, _ in hits]


# ------------------------------------------------------------------------------------- addresses


def test_parse_uri_lite_and_server():
    assert parse_uri("milvus:index/rag.db") == MilvusURI("lite", "index/rag.db")
    assert parse_uri("milvus:///srv/rag.db") == MilvusURI("lite", "/srv/rag.db")
    assert parse_uri("milvus://10.0.0.5") == MilvusURI("server", "http://10.0.0.5:19530")
    assert parse_uri("milvus://milvus.office.lan:29530") == MilvusURI("server", "http://milvus.office.lan:29530")
    assert parse_uri("milvus://[::1]:19530") == MilvusURI("server", "http://[::1]:19530")
    assert parse_uri("milvus://10.0.0.5:19530/minutes_2024/") == MilvusURI(
        "server", "http://10.0.0.5:19530", "minutes_2024"
    )


@pytest.mark.parametrize(
    "uri, says",
    [
        ("http://localhost:19530", "not a Milvus address"),
        ("index/rag.db", "not a Milvus address"),
        ("milvus:", "names no file"),
        ("milvus:index/rag.sqlite", "must end in .db"),
        ("milvus://", "names no host"),
        ("milvus://host:port", "bad port"),
        ("milvus://host:19530/a-b", "letters, digits and _ only"),
        ("milvus://host:19530/a/b", "letters, digits and _ only"),
        ("milvus://user:secret@host:19530", "more than a host, a port and a name"),
        ("milvus://host:19530?db=x", "more than a host, a port and a name"),
    ],
)
def test_bad_uri_is_one_line(uri: str, says: str):
    with pytest.raises(SettingsError, match=says) as err:
        parse_uri(uri)
    assert "\n" not in str(err.value)
    assert "milvus:PATH.db" in str(err.value)


def test_open_refuses_a_bad_uri_before_connecting():
    with pytest.raises(SettingsError, match=r"must end in \.db"):
        MilvusStore.open("milvus:/tmp/rag.faiss")


def test_collection_name_is_checked():
    with pytest.raises(SettingsError, match="not valid"):
        MilvusStore(object(), "meetings-2024")


def test_filter_literals_are_escaped():
    assert quote('a"b\\c') == '"a\\"b\\\\c"'
    assert where() == ""
    assert where(doc_ids=[]) == ""
    assert where("2024-01-01", None, None, ["", "教育局"]) == (
        'collection in ["", "教育局"] and date_first != "" and date_last >= "2024-01-01"'
    )


# ------------------------------------------------------------------------------------- Milvus Lite


@needs_milvus
def test_round_trip_upsert_search_delete(filled: MilvusStore):
    assert filled.count() == len(RECORDS)
    chunks = _chunks()
    vector = HashEmbedder().embed_documents([embed_text(chunks[2])])[0]
    assert filled.dense_search(vector, 1)[0][0] == "edu-2024-03#0"
    assert _docs(filled.keyword_search("双减课后服务", 1)) == ["edu-2024-03"]
    assert np.allclose(filled.vectors(["edu-2024-03#0"])[0], vector, atol=1e-6)

    assert filled.delete_documents(["edu-2024-03", "never-indexed"]) == 1
    assert filled.count() == len(RECORDS) - 1
    assert filled.keyword_search("双减课后服务", 5) == []
    assert "edu-2024-03#0" not in dict(filled.dense_search(vector, 10))
    assert filled.idf(["双减"]) == {}  # its only chunk is gone, and so is its term
    assert filled.stats().chunks == len(RECORDS) - 1
    with pytest.raises(KeyError, match="edu-2024-03#0"):
        filled.vectors(["edu-2024-03#0"])


def _bm25s(chunks: list[Chunk], question: str) -> dict[str, float]:
    """Lucene BM25 (k1 1.2, b 0.75) of each chunk, as bm25s computes it over the same tokens."""
    import bm25s

    tokens = [tokenize(index_text(c)) for c in chunks]
    bm25 = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    vocab = {t: i for i, t in enumerate(sorted({t for ts in tokens for t in ts}))}
    bm25.index(([[vocab[t] for t in ts] for ts in tokens], vocab), show_progress=False)
    scores = bm25.get_scores([t for t in tokenize(normalize(question)) if t in vocab])
    return {c.chunk_id: float(s) for c, s in zip(chunks, scores, strict=True)}


@needs_milvus
def test_keyword_scores_are_bm25(records: MilvusStore):
    expected = _bm25s(_chunks(), "防汛抗旱工作怎么部署？")
    got = dict(records.keyword_search("防汛抗旱工作怎么部署？", 10))
    assert got  # every record but one speaks of 防汛抗旱 or 部署
    for chunk_id, score in expected.items():
        assert got.get(chunk_id, 0.0) == pytest.approx(score, rel=1e-5, abs=1e-6)


@needs_milvus
def test_refresh_rewrites_weights_when_lengths_move(store: MilvusStore):
    """The weights use the average length of the first write; once it has moved, `refresh` brings
    the scores back to BM25 over everything stored."""
    short = _chunks([("brief", "", "2024-01-05", "防汛会议。")])
    _write(store, short)
    _write(store, _chunks())
    assert store.stats().drift > 0.5
    question = "防汛抗旱工作怎么部署？"
    assert dict(store.keyword_search(question, 10)) != pytest.approx(_bm25s(short + _chunks(), question))
    assert store.refresh().drift < 1e-6
    got = dict(store.keyword_search(question, 10))
    for chunk_id, score in _bm25s(short + _chunks(), question).items():
        assert got.get(chunk_id, 0.0) == pytest.approx(score, rel=1e-5, abs=1e-6)


@needs_milvus
def test_filters(records: MilvusStore):
    q = "防汛抗旱"
    everyone = ["", "教育局", "人事处"]
    assert set(_docs(records.keyword_search(q, 10, collections=everyone))) == {
        "gw-2024-07",
        "hr-secret",
        'odd"id\\',
    }
    # a year-dated record covers its days; undated ones never fit a date range
    assert set(_docs(records.keyword_search("会议", 10, date_from="2023-06-01", date_to="2023-06-30"))) == {"gw-2023"}
    july = records.keyword_search(q, 10, date_from="2024-07-01", date_to="2024-07-31", collections=everyone)
    assert set(_docs(july)) == {"gw-2024-07", "hr-secret"}
    assert _docs(records.keyword_search(q, 10, doc_ids=['odd"id\\'])) == ['odd"id\\']
    assert records.keyword_search(q, 10, doc_ids=['odd"id\\'], date_from="2024-01-01") == []


@needs_milvus
def test_other_collections_never_come_back(records: MilvusStore):
    """The 人事处 record is the best match for its own words; a reader of the others never gets it."""
    secret = _chunks()[3]
    vector = HashEmbedder().embed_documents([embed_text(secret)])[0]
    assert _docs(records.keyword_search("干部任免", 1)) == ["hr-secret"]
    allowed = ["", "教育局"]
    assert "hr-secret" not in _docs(records.keyword_search("干部任免 防汛抗旱", 10, collections=allowed))
    assert "hr-secret" not in _docs(records.dense_search(vector, 10, collections=allowed))
    assert records.keyword_search("干部任免", 10, collections=[]) == []
    assert records.dense_search(vector, 10, collections=[]) == []
    assert _docs(records.dense_search(vector, 1, collections=["人事处"])) == ["hr-secret"]


@needs_milvus
def test_upsert_replaces_a_chunk(filled: MilvusStore):
    before = filled.stats()
    doc, coll, date, _ = RECORDS[1]
    _write(filled, _chunks([(doc, "财政局", date, "市政府全体会议听取审计整改情况汇报。")]))
    assert filled.count() == len(RECORDS)
    assert filled.stats().chunks == before.chunks
    assert filled.keyword_search("财政预算", 5) == []
    assert _docs(filled.keyword_search("审计整改", 5)) == ["gw-2023"]
    # it moved to another collection: readers of the old one no longer see it
    assert filled.keyword_search("审计整改", 5, collections=[coll]) == []
    assert _docs(filled.keyword_search("审计整改", 5, collections=["财政局"])) == ["gw-2023"]


@needs_milvus
def test_frequencies_follow_the_writes(filled: MilvusStore):
    n = len(RECORDS)
    stored = {t for ts in (tokenize(index_text(c)) for c in _chunks()) for t in ts}
    counts = Counter(t for c in _chunks() for t in set(tokenize(index_text(c))))
    idf = filled.idf(sorted(stored))
    assert idf["防汛"] == pytest.approx(math.log(1 + (n - counts["防汛"] + 0.5) / (counts["防汛"] + 0.5)))
    filled.delete_documents(["gw-2024-07"])
    assert filled.idf(["防汛"])["防汛"] == pytest.approx(
        math.log(1 + (n - 1 - (counts["防汛"] - 1) + 0.5) / (counts["防汛"] - 1 + 0.5))
    )
    assert filled.refresh() == filled.stats()  # the kept counts agree with a recount


@needs_milvus
def test_a_chunk_without_tokens(store: MilvusStore):
    empty = Chunk("blank#0", "blank", "。。。", 0, 3)
    store.upsert([empty], np.ones((1, 4), dtype=np.float32) / 2, [[]])
    assert store.count() == 1
    assert store.keyword_search("会议", 5) == []
    assert store.dense_search(np.ones(4, dtype=np.float32) / 2, 5)[0][0] == "blank#0"
    with pytest.raises(ValueError, match="dimension 3"):
        store.upsert([empty], np.ones((1, 3), dtype=np.float32), [[]])


@needs_milvus
@pytest.mark.slow
def test_a_file_open_in_another_process_is_named(lite: Path):
    import subprocess
    import sys

    code = f"from rag.milvus import MilvusStore; MilvusStore.open({f'milvus:{lite}'!r})"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    assert "one process at a time" in run.stderr.strip().splitlines()[-1]


@needs_milvus
@pytest.mark.slow
@pytest.mark.skipif(not MEETINGS.is_file(), reason="shared data not present")
def test_real_meetings_found_by_a_phrase(store: MilvusStore, tmp_path: Path):
    """About 300 chunks of real reports; a phrase from the middle of one finds it first."""
    from rag.loaders import load

    sample = tmp_path / "meetings.jsonl"
    with MEETINGS.open(encoding="utf-8") as f:
        sample.write_text("".join(itertools.islice(f, 130)), encoding="utf-8")
    docs = load(sample).documents
    chunks = [c for d in docs for c in chunk_document(d, 400, 80)][:300]
    _write(store, chunks)
    assert store.count() == len(chunks) == 300
    whole = [d for d in docs if d.doc_id != chunks[-1].doc_id and d.doc_id in {c.doc_id for c in chunks}]
    found = 0
    for doc in whole[5::10][:9]:
        middle = len(doc.text) // 2
        phrase = doc.text[middle : middle + 16]
        hits = store.keyword_search(phrase, 3)
        found += bool(hits) and _docs(hits)[0] == doc.doc_id
    assert found >= 8  # of 9 (a phrase may be common to two reports of the same news)
