"""Per-collection access: documents belong to collections (the first folder under the folder
indexed, or a JSONL record's ``collection``), and a caller restricted to some collections never
gets another collection's text, title or id from any method of the API."""

import json
import sqlite3
from pathlib import Path

import pytest

from rag import Assistant
from rag.errors import IndexMismatch, RagError
from rag.loaders import load
from rag.store import FORMAT_VERSION, _digests

from .conftest import DATA, HashEmbedder

A, B = "甲处", "乙处"

# collection A: one 国务院常务会议 of 2024 and a 政协 activity; collection B: two 国务院常务会议 of
# 2024, a 全国人大常委会 session and a 防汛 meeting whose facts are told nowhere else
REPORTS = {
    A: {
        "2024-07-19.md": (
            "国务院常务会议",
            "2024-07-19",
            "国务院总理李强7月19日主持召开国务院常务会议，审议通过《中华人民共和国消费者权益保护法实施条例（草案）》。"
            "会议指出，要加快发展银发经济。",
        ),
        "2024-07-14.md": (
            "数字赋能协商活动",
            "2024-07-14",
            "7月14日，市政协开展“数字赋能装备制造业”双月协商活动。市政协主席薛登峰出席活动。6位政协委员提出了意见建议。",
        ),
    },
    B: {
        "2024-08-02.md": (
            "国务院常务会议",
            "2024-08-02",
            "国务院总理李强8月2日主持召开国务院常务会议，审议通过《网络数据安全管理条例（草案）》。"
            "会议指出，要做好防汛抗旱救灾工作。",
        ),
        "2024-09-13.md": (
            "国务院常务会议",
            "2024-09-13",
            "国务院总理李强9月13日主持召开国务院常务会议，审议通过《珊瑚礁生态保护条例（草案）》。"
            "会议指出，要完善生育支持政策。",
        ),
        "2024-06-25.md": (
            "人大常委会闭幕",
            "2024-06-25",
            "十四届全国人大常委会第十次会议6月25日在北京闭幕。会议表决通过了农村集体经济组织法，共有162名委员出席会议。",
        ),
        "2024-08-23.md": (
            "张家港防汛工作会议",
            "2024-08-23",
            "8月23日，张家港市召开防汛工作会议。副市长王建国出席会议并讲话，要求各镇排查水库隐患。",
        ),
    },
}
# what must never reach a caller who may read collection A only
B_MARKS = (
    "乙处",
    "防汛救灾常务会议",
    "育儿补贴常务会议",
    "人大常委会闭幕",
    "张家港",
    "王建国",
    "网络数据安全",
    "珊瑚礁",
)


def _write(folder: Path) -> None:
    for collection, files in REPORTS.items():
        (folder / collection).mkdir(parents=True, exist_ok=True)
        for name, (title, date, text) in files.items():
            (folder / collection / name).write_text(f"---\ntitle: {title}\ndate: {date}\n---\n{text}\n", "utf-8")
    (folder / "通知.txt").write_text("机关食堂通知\n本周五机关食堂暂停供应晚餐，请各处室提前安排。\n", "utf-8")


@pytest.fixture
def offices(tmp_path: Path, embedder: HashEmbedder) -> Assistant:
    _write(tmp_path / "corpus")
    return Assistant.build([tmp_path / "corpus"], tmp_path / "index", embedder=embedder)


def _leaks(value: object) -> list[str]:
    """The marks of collection B found in ``value`` (written out as JSON)."""
    text = json.dumps(value, ensure_ascii=False, default=lambda o: getattr(o, "__dict__", str(o)))
    return [m for m in B_MARKS if m in text]


def test_the_collection_is_the_first_folder_or_the_record_field(tmp_path):
    corpus = tmp_path / "corpus"
    _write(corpus)
    (corpus / A / "深层" / "更深").mkdir(parents=True)
    (corpus / A / "深层" / "更深" / "附件.txt").write_text("附件一份，供参阅。", "utf-8")
    records = [
        {"id": "r1", "title": "默认记录", "content": "一条没有写明集合的记录。"},
        {"id": "r2", "title": "另一处", "content": "一条写明了集合的记录。", "collection": "丙处"},
    ]
    (corpus / A / "records.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
    (corpus / "bad.jsonl").write_text(json.dumps({"id": "r3", "content": "正文", "collection": 3}), "utf-8")
    loaded = load([corpus])
    of = {Path(d.doc_id).name if "/" in d.doc_id else d.doc_id: d.collection for d in loaded.documents}
    assert of["2024-07-19.md"] == A and of["2024-08-02.md"] == B
    assert of["附件.txt"] == A  # the first folder only
    assert of["通知.txt"] == ""  # directly in the folder indexed: the default collection
    assert of["r1"] == A and of["r2"] == "丙处"  # the record's field wins
    assert "collection" not in next(d for d in loaded.documents if d.doc_id == "r2").meta
    assert any("bad.jsonl" in where and "collection" in why for where, why in loaded.skipped)
    # a folder given itself has no collection; a file given itself neither; an upload may name one
    assert {d.collection for d in load([corpus / B]).documents} == {""}
    assert {d.collection for d in load([corpus / B / "2024-08-02.md"], collection=A).documents} == {A}


def test_collections_are_listed_and_stored(offices, tmp_path):
    assert offices.collections() == {"": 1, A: 2, B: 4}
    again = Assistant.load(tmp_path / "index", embedder=HashEmbedder())  # read back from disk
    assert again.collections() == {"": 1, A: 2, B: 4}
    assert {c.collection for c in again.store.chunks} == {"", A, B}
    assert again.store.manifest["format"] == FORMAT_VERSION


def test_a_question_only_the_other_collection_answers_is_not_found(offices):
    question = "防汛工作会议上讲话的副市长是谁？"
    everyone = offices.ask(question)
    assert everyone.found and "王建国" in everyone.text
    assert offices.ask(question, collections=[B]).found
    restricted = offices.ask(question, collections=[A])
    assert not restricted.found
    assert _leaks(restricted.to_dict()) == []
    assert _leaks([h.chunk for h in offices.search(question, k=20, collections=[A])]) == []
    assert offices.ask(question, collections=[]).found is False  # no collection: nothing to read
    assert offices.search(question, collections=[]) == []


def test_nothing_of_the_other_collection_reaches_a_restricted_caller(offices):
    only_a = [A]
    questions = [
        "防汛工作会议上讲话的副市长是谁？",
        "国务院常务会议审议通过了什么条例？",
        "2024年开了几次常务会议？",
        "2024年国务院常务会议审议通过了哪些条例？",
        "最近一次国务院常务会议是哪天？",
        "2024年全国人大常委会开了几次会议？",
        "李强主持了哪几次国务院常务会议？",
        "市政协主席是谁？",
    ]
    for q in questions:
        assert _leaks(offices.ask(q, collections=only_a).to_dict()) == [], q
        assert _leaks([h.chunk for h in offices.search(q, k=20, collections=only_a)]) == [], q
        parts = list(offices.stream(q, collections=only_a))
        assert _leaks([p if isinstance(p, str) else p.to_dict() for p in parts]) == [], q
        # a follow-up is read in the context of the caller's own questions, and searched the same way
        follow = offices.ask("那次会议还审议了什么？", history=[q], collections=only_a)
        assert _leaks(follow.to_dict()) == [], q
    assert _leaks([m.to_dict() for m in offices.meetings(collections=only_a)]) == []
    assert _leaks(offices.meeting_kinds(collections=only_a)) == []
    assert _leaks([vars(d) for d in offices.documents(collections=only_a)]) == []
    b_ids = [d.doc_id for d in offices.documents(collections=[B])]
    assert len(b_ids) == 4
    assert all(offices.document(i, collections=only_a) is None for i in b_ids)
    assert all(offices.document(i, collections=[B]) is not None for i in b_ids)
    assert offices.document(b_ids[0]) is not None  # None: every collection


def test_questions_about_many_meetings_count_the_callers_meetings(offices):
    q = "2024年开了几次常务会议？"
    everyone = offices.ask(q)
    assert everyone.found and "3次" in everyone.text
    a = offices.ask(q, collections=[A])
    assert a.found and "1次" in a.text
    assert {c.doc_id for c in a.citations} <= {d.doc_id for d in offices.documents(collections=[A])}
    b = offices.ask(q, collections=[B])
    assert b.found and "2次" in b.text
    assert {c.doc_id for c in b.citations} <= {d.doc_id for d in offices.documents(collections=[B])}
    # a kind of meeting that only the other collection reports is not there for this caller
    assert not offices.ask("2024年全国人大常委会开了几次会议？", collections=[A]).found
    assert [m.date for m in offices.meetings("常务会议", collections=[A])] == ["2024-07-19"]
    assert [m.date for m in offices.meetings("常务会议", collections=[A, B])] == [
        "2024-07-19",
        "2024-08-02",
        "2024-09-13",
    ]
    assert sum(offices.meeting_kinds(collections=[B]).values()) > sum(offices.meeting_kinds(collections=[A]).values())


@pytest.mark.slow  # LangChain's client and four model round trips: seconds
def test_a_chat_model_is_sent_only_the_callers_passages(offices):
    from rag.config import LLMConfig

    from .llm_server import Reply, ScriptedLLM

    with ScriptedLLM() as server:
        offices.use_llm(LLMConfig(base_url=server.url, model="scripted", timeout=5.0))
        for q in ("防汛工作会议上讲话的副市长是谁？", "2024年开了几次常务会议？", "国务院常务会议审议通过了什么条例？"):
            server.replies.append(Reply(echo=True, pace=0.0))  # what it was sent comes back as its reply
            ans = offices.ask(q, collections=[A])
            assert _leaks(ans.to_dict()) == [], q
        server.replies += [
            Reply(echo=True, pace=0.0),
            Reply(echo=True, pace=0.0),
        ]  # the follow-up's rewrite, then its answer
        server.replies += [Reply(echo=True, pace=0.0), Reply(echo=True, pace=0.0)]  # the rewrite, then the answer
        follow = offices.ask(
            "那次会议还审议了什么？", history=["8月2日国务院常务会议审议通过了什么？"], collections=[A]
        )
        assert _leaks(follow.to_dict()) == []
        assert server.requests and _leaks(server.requests) == []


@pytest.mark.slow  # imports LangChain (seconds)
def test_the_langchain_retriever_keeps_to_the_collections(offices):
    docs = offices.as_retriever(k=10, collections=[A]).invoke("国务院常务会议 防汛工作会议")
    assert docs and _leaks([d.metadata for d in docs] + [d.page_content for d in docs]) == []


def test_filters_combine_with_collections(offices):
    hits = offices.search("国务院常务会议", k=10, date_from="2024-08-01", collections=[A, B])
    assert hits and all(h.chunk.collection == B and h.chunk.date >= "2024-08-01" for h in hits)
    assert offices.search("国务院常务会议", k=10, date_from="2024-08-01", collections=[A]) == []
    assert offices.search("机关食堂", collections=[""])[0].chunk.collection == ""
    assert offices.search("机关食堂", collections=["没有这个"]) == []


@pytest.mark.parametrize("bad", ["甲处", b"x", 3, [3]])
def test_collections_must_be_a_list_of_names(offices, bad):
    with pytest.raises(RagError, match="list of collection names"):
        offices.search("会议", collections=bad)
    with pytest.raises(RagError, match="list of collection names"):
        offices.documents(collections=bad)


def test_a_record_moved_to_another_collection_keeps_its_vectors(tmp_path, embedder, hash_model):
    corpus = tmp_path / "corpus"
    (corpus / A).mkdir(parents=True)
    record = {
        "id": "m1",
        "title": "防汛工作会议",
        "date": "2024-08-23",
        "content": "副市长王建国出席防汛工作会议并讲话。",
    }
    (corpus / A / "r.jsonl").write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    first = Assistant.build([corpus], tmp_path / "index", embedder=embedder)
    assert first.collections() == {A: 1}
    (corpus / B).mkdir()
    (corpus / A / "r.jsonl").rename(corpus / B / "r.jsonl")  # the same record, now in B
    opened = Assistant.open([corpus], tmp_path / "index")  # notices the move although no text changed
    assert opened.last_build is not None and opened.last_build.embedded_chunks == 0
    assert opened.collections() == {B: 1}
    assert opened.search("王建国", collections=[A]) == []
    assert opened.search("王建国", collections=[B])[0].chunk.doc_id == "m1"
    # the field wins over the folder, and a change of it alone is a change too
    (corpus / B / "r.jsonl").write_text(json.dumps({**record, "collection": "丙处"}, ensure_ascii=False), "utf-8")
    third = Assistant.build([corpus], tmp_path / "index", embedder=embedder)
    assert third.last_build is not None and third.last_build.embedded_chunks == 0
    assert third.collections() == {"丙处": 1}


def test_an_index_of_the_previous_format_is_refused_then_rebuilt_reusing_its_vectors(offices, tmp_path, embedder):
    index = tmp_path / "index"
    manifest = json.loads((index / "manifest.json").read_text("utf-8"))
    gen = index / manifest["generation"]
    with sqlite3.connect(gen / "chunks.sqlite") as db:  # as format 1 wrote it: no collections
        db.execute("ALTER TABLE documents DROP COLUMN collection")
    db.close()
    manifest.update(format=1, files=_digests(gen))
    manifest.pop("collections")
    (index / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    with pytest.raises(IndexMismatch, match=r"format 1, this version reads \d+; rebuild it with `rag index"):
        Assistant.load(index, embedder=HashEmbedder())
    embedder.embedded.clear()
    rebuilt = Assistant.build([tmp_path / "corpus"], index, embedder=embedder)
    assert embedder.embedded == []  # the old vectors were reused
    assert rebuilt.collections() == {"": 1, A: 2, B: 4}
    assert not rebuilt.ask("防汛工作会议上讲话的副市长是谁？", collections=[A]).found


def test_the_cli_lists_and_restricts_collections(tmp_path, capsys, hash_model):
    from rag.cli import main

    _write(tmp_path / "corpus")
    index = str(tmp_path / "index")
    assert main(["index", str(tmp_path / "corpus"), "--index", index]) == 0
    capsys.readouterr()
    assert main(["collections", "--index", index]) == 0
    assert capsys.readouterr().out.splitlines() == ["(default)\t1", f"{B}\t4", f"{A}\t2"]  # by name: 乙 before 甲
    assert main(["collections", "--index", index, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"": 1, A: 2, B: 4}

    q = "防汛工作会议上讲话的副市长是谁？"
    assert main(["ask", q, "--index", index, "--json", "--collection", B]) == 0
    assert json.loads(capsys.readouterr().out)["found"] is True
    assert main(["ask", q, "--index", index, "--json", "--collection", A, "--collection", ""]) == 0
    out = capsys.readouterr().out
    assert json.loads(out)["found"] is False and _leaks(out) == []
    assert main(["search", "国务院常务会议", "--index", index, "--json", "--collection", A]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits and {h["collection"] for h in hits} == {A}
    assert main(["meetings", "--index", index, "--json", "--collection", A]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) and _leaks(out) == []


# ------------------------------------------------------------------------------ the real reports

MEETINGS = DATA / "xinwenlianbo" / "meetings.jsonl"


@pytest.mark.slow
@pytest.mark.skipif(not MEETINGS.is_file(), reason="shared data not present")
def test_the_real_reports_split_into_collections_never_leak(tmp_path):
    """The reports of 2024, those of 国务院常务会议 in one collection (by a JSONL field), the rest in
    another: questions of the other collection's caller never cite a State Council report."""
    with MEETINGS.open(encoding="utf-8") as f:
        rows = [r for r in map(json.loads, f) if str(r.get("date", "")).startswith("2024")]
    for r in rows:
        r["collection"] = "国务院" if "国务院常务会议" in r["title"] else "其他"
    state = {r["id"] for r in rows if r["collection"] == "国务院"}
    assert len(state) >= 20 and len(rows) - len(state) >= 100
    (tmp_path / "reports.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    a = Assistant.build([tmp_path / "reports.jsonl"], tmp_path / "index", embedder=HashEmbedder())
    assert a.collections() == {"其他": len(rows) - len(state), "国务院": len(state)}
    count = "2024年开了几次国务院常务会议？"
    permitted = a.ask(count, collections=["国务院"])
    assert permitted.found and {c.doc_id for c in permitted.citations} <= state
    day = next(r for r in rows if r["id"] in state)
    y, m, d = (int(x) for x in day["date"].split("-"))
    asked = f"{y}年{m}月{d}日国务院常务会议研究了哪些事项？"
    assert a.ask(asked).citations[0].doc_id in state
    titles = {r["title"] for r in rows if r["id"] in state} - {r["title"] for r in rows if r["id"] not in state}
    for q in (count, asked, "2024年国务院常务会议审议通过了哪些条例？", "最近一次国务院常务会议是哪天？"):
        ans = a.ask(q, collections=["其他"])
        assert not {c.doc_id for c in ans.citations} & state, q
        assert not any(t in ans.text for t in titles), q
        assert not {h.chunk.doc_id for h in a.search(q, k=50, collections=["其他"])} & state, q
    assert not {m.doc_id for m in a.meetings(collections=["其他"])} & state
    assert not {d.doc_id for d in a.documents(collections=["其他"])} & state
    assert all(a.document(i, collections=["其他"]) is None for i in state)
