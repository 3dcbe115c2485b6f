"""History: saved conversations per user, feedback, the question log and its reports, CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import threading

import pytest

from rag.accounts import User
from rag.errors import AccessDenied, ConversationNotFound, HistoryError
from rag.history import History, Turn, normalize_question
from rag.types import Citation

ZHANG = User("zhang", "张三", groups=("政协办",), collections=("政协",))
LI = User("li", "李四", groups=("国务院办",), collections=("国务院",))
ADMIN = User("admin", "管理员", role="admin")

CITE = Citation(1, "d1", "国务院常务会议", "2024-07-19", "corpus/国务院/2024-07-19.md", "李强主持召开…", 0, 20, 0.91)


class Clock:
    def __init__(self, now=1_720_000_000.0):
        self.now = now

    def __call__(self):
        self.now += 1.0  # every event one second after the last: a stable order
        return self.now


@pytest.fixture
def history(tmp_path):
    with History(tmp_path / "office.sqlite", clock=Clock()) as h:
        yield h


def ask(history, user, conv, question, found=True, **kw):
    answer = kw.pop("answer", f"答：{question}" if found else "未找到相关记录。")
    return history.append(
        user, conv, question=question, answer=answer, citations=[CITE] if found else [], found=found, **kw
    )


# ------------------------------------------------------------------------------------ conversations


def test_conversation_round_trip(tmp_path):
    path = tmp_path / "office.sqlite"
    with History(path, clock=Clock()) as history:
        first = history.create(ZHANG)
        assert first.title == "" and first.turns == 0
        t1 = ask(history, ZHANG, first.id, "7月19日的国务院常务会议审议通过了什么？")
        t2 = ask(history, ZHANG, first.id, "那第二次呢", standalone="8月的国务院常务会议审议通过了什么？")
        second = history.create(ZHANG, "另一个话题")
    with History(path) as history:  # kept on disk
        listed = history.conversations(ZHANG)
        assert [c.id for c in listed] == [second.id, first.id]  # most recently updated first
        assert listed[1].title == "7月19日的国务院常务会议审议通过了什么？" and listed[1].turns == 2
        assert listed[0].title == "另一个话题"
        conv = history.load(ZHANG, first.id)
        assert conv.turns == (t1, t2)
        assert conv.turns[1].standalone == "8月的国务院常务会议审议通过了什么？"
        assert conv.turns[0].standalone is None
        assert conv.turns[0].citations[0]["title"] == "国务院常务会议" and conv.turns[0].citations[0]["n"] == 1
        assert conv.updated == t2.created > conv.created

        ask(history, ZHANG, second.id, "再问一个")
        history.rename(ZHANG, first.id, "  常务会议  ")
        assert [c.title for c in history.conversations(ZHANG)] == ["另一个话题", "常务会议"]
        history.delete(ZHANG, second.id)
        assert [c.id for c in history.conversations(ZHANG)] == [first.id]
        with pytest.raises(ConversationNotFound):
            history.load(ZHANG, second.id)


def test_long_first_question_gives_a_short_title(history):
    conv = history.create(ZHANG)
    ask(history, ZHANG, conv.id, "关于" * 40)
    title = history.conversations(ZHANG)[0].title
    assert len(title) == 30 and title.endswith("…")


def test_another_users_conversation_is_refused(history):
    mine = history.create(ZHANG)
    turn = ask(history, ZHANG, mine.id, "政协的协商活动在哪天？")
    assert history.conversations(LI) == []
    for attempt in (
        lambda: history.load(LI, mine.id),
        lambda: history.rename(LI, mine.id, "偷看"),
        lambda: history.delete(LI, mine.id),
        lambda: ask(history, LI, mine.id, "插一句"),
        lambda: history.rate(LI, turn.id, good=False),
        lambda: history.rate(LI, turn, good=False),
        lambda: history.load(ZHANG, "no-such-id"),
    ):
        with pytest.raises(ConversationNotFound, match="no such conversation"):
            attempt()
    conv = history.load(ZHANG, mine.id)  # untouched
    assert conv.title == "政协的协商活动在哪天？" and len(conv.turns) == 1
    assert history.ratings(ADMIN) == []


def test_history_takes_a_user_not_a_name(history):
    with pytest.raises(TypeError):
        history.conversations("zhang")


# ------------------------------------------------------------------------------------ feedback, reports


def test_feedback_and_reports(history):
    conv = history.create(ZHANG)
    good = ask(history, ZHANG, conv.id, "李强7月19日主持了什么会议？")
    bad = ask(history, ZHANG, conv.id, "消费者权益保护法实施条例何时施行？")
    missing = ask(history, LI, None, "2019年的政协会议有哪些？", found=False)
    ask(history, LI, None, "2019年的政协会议有哪些", found=False)  # the same question, without the mark
    ask(history, ZHANG, conv.id, "李强７月１９日主持了什么会议 ?")  # full-width digits, a space, ASCII "?"

    history.rate(ZHANG, good.id, good=True)
    history.rate(ZHANG, bad, good=True)
    history.rate(ZHANG, bad, good=False, comment="  日期不对  ")  # rating again replaces
    history.rate(LI, missing, good=False)

    low = history.low_rated(ADMIN)
    assert [(f.user, f.question, f.comment) for f in low] == [
        ("li", "2019年的政协会议有哪些？", ""),
        ("zhang", "消费者权益保护法实施条例何时施行？", "日期不对"),
    ]
    assert low[1].answer == "答：消费者权益保护法实施条例何时施行？"
    assert low[1].citations[0]["source"] == "corpus/国务院/2024-07-19.md"
    assert len(history.ratings(ADMIN)) == 3 and len(history.ratings(ADMIN, good=True)) == 1

    not_found = history.not_found(ADMIN)
    assert [q.question for q in not_found] == ["2019年的政协会议有哪些", "2019年的政协会议有哪些？"]
    assert {q.user for q in not_found} == {"li"}

    top = history.most_asked(ADMIN)
    assert [(a.count, a.question) for a in top[:2]] == [
        (2, "李强７月１９日主持了什么会议 ?"),  # the latest wording
        (2, "2019年的政协会议有哪些"),
    ]
    assert top[0].normalized == normalize_question("李强7月19日主持了什么会议？") == "李强7月19日主持了什么会议"
    assert normalize_question("ＲＡＧ  是什么？") == "rag是什么"
    assert [a.count for a in top] == [2, 2, 1]

    for report in (
        lambda: history.not_found(ZHANG),
        lambda: history.low_rated(LI),
        lambda: history.most_asked(ZHANG),
        lambda: history.csv_text(ZHANG, "feedback"),
        lambda: history.purge_log(ZHANG),
    ):
        with pytest.raises(AccessDenied):
            report()


def test_most_asked_counts_the_question_searched(history):
    conv = history.create(ZHANG)
    ask(history, ZHANG, conv.id, "它哪天开的？", standalone="滕州市政协协商活动哪天开的？")
    ask(history, LI, None, "滕州市政协协商活动哪天开的")
    [top] = history.most_asked(ADMIN)
    assert (top.count, top.question) == (2, "滕州市政协协商活动哪天开的")


def test_reports_since(history):
    ask(history, ZHANG, None, "很早以前的问题", found=False)
    cutoff = dt.datetime.now(dt.UTC).replace(year=2030)
    assert history.not_found(ADMIN, since=cutoff) == []
    assert len(history.not_found(ADMIN, since=cutoff.replace(year=2000))) == 1


def test_csv_export(history, tmp_path):
    conv = history.create(ZHANG)
    turn = ask(history, ZHANG, conv.id, '=HYPERLINK("http://x")，会议在哪天？', found=False)
    history.rate(ZHANG, turn, good=False, comment="没有找到，\n但文件里有")
    ask(history, LI, None, "国务院常务会议", answer='答，含逗号, 和"引号"')
    ask(history, LI, None, "国务院常务会议？")

    out = tmp_path / "not_found.csv"
    assert history.export_csv(ADMIN, "not_found", out) == 1
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads the Chinese right
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["asked", "user", "question", "searched"]
    assert rows[1][1:] == ["zhang", '\'=HYPERLINK("http://x")，会议在哪天？', ""]  # not run as a formula
    assert dt.datetime.fromisoformat(rows[1][0]).tzinfo is not None

    low = list(csv.reader(history.csv_text(ADMIN, "low_rated").splitlines(keepends=True)))
    assert low[0] == ["rated", "user", "rating", "comment", "question", "answer", "sources"]
    assert low[1][2:5] == ["👎", "没有找到，\n但文件里有", '\'=HYPERLINK("http://x")，会议在哪天？']

    top = list(csv.reader(history.csv_text(ADMIN, "most_asked").splitlines(keepends=True)))
    assert top[1][:2] == ["国务院常务会议？", "2"]

    rated = history.rate(LI, ask(history, LI, None, "问"), good=True)
    cells = list(csv.reader(history.csv_text(ADMIN, "feedback").splitlines(keepends=True)))
    assert len(cells) == 3 and cells[1][2] == "👍" and rated.good
    assert cells[1][6] == "[1] 国务院常务会议 2024-07-19 corpus/国务院/2024-07-19.md"  # sources, one a line

    with pytest.raises(HistoryError, match="no report"):
        history.csv_text(ADMIN, "everything")  # type: ignore[arg-type]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# ------------------------------------------------------------------------------------ switches


def test_log_off_stores_no_question_text(tmp_path):
    path = tmp_path / "office.sqlite"
    secret = "机密问题：某某项目的预算是多少"
    with History(path, log=False, conversations=False, clock=Clock()) as history:
        with pytest.raises(HistoryError, match="turned off"):
            history.create(ZHANG)
        turn = history.append(ZHANG, None, question=secret, answer="未找到。", found=False)
        assert isinstance(turn, Turn) and turn.question == secret  # the page still shows it
        feedback = history.rate(ZHANG, turn, good=False, comment="没答上")
        assert feedback.question is None and feedback.answer is None
        assert history.not_found(ADMIN) == [] and history.most_asked(ADMIN) == []
        assert [(f.good, f.comment, f.question) for f in history.low_rated(ADMIN)] == [(False, "没答上", None)]
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert secret.encode() not in stored and "预算".encode() not in stored


def test_conversations_on_log_off(tmp_path):
    """Private saved conversations: the owner keeps them, administrators' reports have no text."""
    with History(tmp_path / "office.sqlite", log=False, clock=Clock()) as history:
        conv = history.create(ZHANG)
        turn = ask(history, ZHANG, conv.id, "我的问题", found=False)
        history.rate(ZHANG, turn.id, good=False)
        assert history.load(ZHANG, conv.id).turns[0].question == "我的问题"
        assert history.not_found(ADMIN) == [] and history.low_rated(ADMIN)[0].question is None


def test_log_outlives_a_deleted_conversation_until_purged(history):
    conv = history.create(ZHANG)
    turn = ask(history, ZHANG, conv.id, "删除后还在吗", found=False)
    history.rate(ZHANG, turn, good=False, comment="差")
    history.delete(ZHANG, conv.id)
    assert [q.question for q in history.not_found(ADMIN)] == ["删除后还在吗"]
    assert history.purge_log(ADMIN) == 1
    assert history.not_found(ADMIN) == []
    [left] = history.low_rated(ADMIN)
    assert (left.comment, left.question, left.answer, left.citations) == ("差", None, None, ())


# ------------------------------------------------------------------------------------ concurrency


def test_concurrent_appends_from_threads(tmp_path):
    path = tmp_path / "office.sqlite"
    threads_n, per_thread = 8, 25
    errors: list[BaseException] = []
    with History(path) as history:
        conv = history.create(ZHANG)
        barrier = threading.Barrier(threads_n + 1)

        def writer(i):
            try:
                barrier.wait()
                for j in range(per_thread):
                    ask(history, ZHANG, conv.id, f"线程{i}的第{j}个问题")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        def reader():
            try:
                barrier.wait()
                seen = 0
                for _ in range(per_thread):
                    turns = history.load(ZHANG, conv.id).turns
                    assert len(turns) >= seen and len({t.id for t in turns}) == len(turns)
                    seen = len(turns)
                    assert history.conversations(ZHANG)[0].turns >= seen
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        workers = [threading.Thread(target=writer, args=(i,)) for i in range(threads_n)]
        workers.append(threading.Thread(target=reader))
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert errors == []
        turns = history.load(ZHANG, conv.id).turns
        assert len(turns) == threads_n * per_thread
        assert len({t.id for t in turns}) == len(turns)
        for i in range(threads_n):  # each thread's turns in the order it appended them
            mine = [t.question for t in turns if t.question.startswith(f"线程{i}的")]
            assert mine == [f"线程{i}的第{j}个问题" for j in range(per_thread)]
        assert sum(a.count for a in history.most_asked(ADMIN, limit=1000)) == threads_n * per_thread


def test_uploads_remember_who_added_a_document_and_when(history):
    admin = User("boss", role="admin")
    history.record_upload(admin, ["uploads/a.txt", "uploads/b.txt"])
    history._clock.now += 60
    history.record_upload(User("deputy", role="admin"), ["uploads/b.txt"])  # replaced later by another
    seen = history.uploads()
    assert {d: u for d, (u, _) in seen.items()} == {"uploads/a.txt": "boss", "uploads/b.txt": "deputy"}
    assert seen["uploads/b.txt"][1] - seen["uploads/a.txt"][1] >= dt.timedelta(seconds=60)
