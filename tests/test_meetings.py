"""Meeting facts (rag.meetings) and questions about many meetings (rag.many)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import pytest

from rag import Assistant, Document
from rag.dates import cn_number, window
from rag.many import parse
from rag.meetings import Meeting, extract, extract_all, kinds, mentions, normalize_kind

from .conftest import DATA

TODAY = dt.date(2024, 12, 31)


def report(doc_id: str, date: str, title: str, text: str) -> Document:
    return Document(doc_id=doc_id, title=title, date=date, text=text, source="test")


STATE = [
    report(
        "s1",
        "2024-07-20",
        "李强主持召开国务院常务会议",
        "央视网消息（新闻联播）：国务院总理李强7月19日主持召开国务院常务会议，研究支持设备更新的政策措施，"
        "审议通过《退役军人安置条例（草案）》。\n会议指出，要抓好政策落实。",
    ),
    report(
        "s2",
        "2024-03-02",
        "李强主持召开国务院常务会议",
        "央视网消息（新闻联播）：国务院总理李强1日主持召开国务院常务会议，审议通过《推动设备更新行动方案》"
        "和《节约用水条例（草案）》。\n会议强调，要扎实推进。",
    ),
    report(
        "s3",
        "2023-11-04",
        "李强主持召开国务院常务会议",
        "央视网消息（新闻联播）：国务院总理李强11月3日主持召开国务院常务会议，部署冬季安全生产工作。",
    ),
]
NPC = report(
    "n1",
    "2024-06-28",
    "十四届全国人大常委会第十次会议在京闭幕",
    "央视网消息（新闻联播）：十四届全国人大常委会第十次会议28日在京闭幕。赵乐际委员长主持会议。\n"
    "会议表决通过了农村集体经济组织法、新修订的突发事件应对法。",
)
POLITBURO = report(
    "p1",
    "2024-12-09",
    "中共中央政治局召开会议",
    "央视网消息（新闻联播）：中共中央政治局12月9日召开会议，分析研究2025年经济工作；"
    "审议《中国共产党纪律处分条例》。中共中央总书记习近平主持会议。",
)
COMMENTARY = report(
    "c1",
    "2024-12-14",
    "中央经济工作会议精神在各地引起热烈反响",
    "央视网消息（新闻联播）：中央经济工作会议精神在全国各地引起热烈反响，大家表示要真抓实干。",
)
VISIT = report("v1", "2024-05-01", "外国领导人参观人民大会堂", "央视网消息（新闻联播）：外国领导人参观了人民大会堂。")


def span(doc: Document, start: int, end: int) -> str:
    return doc.text[start:end]


def test_a_state_council_meeting_with_its_day_presider_and_decision():
    m = extract(STATE[0])
    assert m is not None
    assert m.kind == "国务院常务会议"
    assert m.date == "2024-07-19"  # the meeting's own day, the day before the report
    assert [(p.name, p.role) for p in m.people] == [("李强", "presided")]
    assert span(STATE[0], m.people[0].start, m.people[0].end) == "李强"
    assert [(d.verb, d.text, d.kind) for d in m.decisions] == [
        ("研究", "支持设备更新的政策措施", "措施"),
        ("审议通过", "《退役军人安置条例（草案）》", "条例"),
    ]
    assert span(STATE[0], m.decisions[1].start, m.decisions[1].end) == "《退役军人安置条例（草案）》"


def test_a_day_without_its_month_is_resolved_against_the_report_date():
    m = extract(STATE[1])  # 1日, reported 2024-03-02
    assert m is not None
    assert m.date == "2024-03-01"
    assert [d.kind for d in m.decisions] == ["方案", "条例"]


def test_session_term_and_laws_of_a_standing_committee_session():
    m = extract(NPC)
    assert m is not None
    assert (m.kind, m.term, m.session) == ("全国人大常委会会议", 14, 10)
    assert m.date == "2024-06-28"
    assert [p.name for p in m.people] == ["赵乐际"]
    assert [d.text for d in m.decisions] == ["农村集体经济组织法", "新修订的突发事件应对法"]
    assert all(span(NPC, d.start, d.end) == d.text for d in m.decisions)


def test_a_bare_meeting_takes_the_body_that_holds_it():
    m = extract(POLITBURO)
    assert m is not None
    assert m.kind == "中共中央政治局会议"
    assert [p.name for p in m.people] == ["习近平"]
    assert [d.text for d in m.decisions] == ["《中国共产党纪律处分条例》"]


CLOSING = report(
    "n2",
    "2023-12-29",
    "十四届全国人大常委会第七次会议在京闭幕",
    "央视网消息（新闻联播）：十四届全国人大常委会第七次会议29日下午在北京人民大会堂闭幕。赵乐际委员长主持闭幕会。"
    "会议经表决，通过了粮食安全保障法、新修订的公司法；"
    "会议表决通过了全国人大常委会关于批准《甲国和乙国引渡条约》的决定、"
    "关于军队战时调整适用《中华人民共和国刑事诉讼法》部分规定的决定。"
    "会议表决通过了全国人大民族委员会、宪法和法律委员会分别提出的议案审议结果的报告。",
)
PLENUM = report(
    "p2",
    "2024-07-18",
    "中国共产党第二十届中央委员会第三次全体会议公报",
    "央视网消息（新闻联播）：中国共产党第二十届中央委员会第三次全体会议公报\n"
    "（2024年7月18日中国共产党第二十届中央委员会第三次全体会议通过）\n"
    "中国共产党第二十届中央委员会第三次全体会议，于2024年7月15日至18日在北京举行。",
)
APPROVED = report(
    "s4",
    "2024-08-20",
    "李强主持召开国务院常务会议",
    "央视网消息（新闻联播）：国务院总理李强8月19日主持召开国务院常务会议，审议通过《城市公共交通条例（草案）》，"
    "研究促进中小企业发展的政策措施，决定核准江苏一期工程等五个核电项目。\n会议指出，要扎实推进。"
    "\n会议决定核准辽宁二期工程核电项目。",
)


def test_laws_are_told_from_decisions_that_name_them_and_from_committees():
    m = extract(CLOSING)
    assert m is not None
    assert [(d.text, d.kind) for d in m.decisions] == [
        ("粮食安全保障法", "法"),
        ("新修订的公司法", "法"),
        ("全国人大常委会关于批准《甲国和乙国引渡条约》的决定", "决定"),
        ("关于军队战时调整适用《中华人民共和国刑事诉讼法》部分规定的决定", "决定"),
        ("宪法和法律委员会分别提出的议案审议结果的报告", "报告"),
    ]  # 宪法和法律委员会 is a committee, not 宪法
    assert all(span(CLOSING, d.start, d.end) == d.text for d in m.decisions)


def test_a_plenum_held_over_several_days_with_a_long_place():
    m = extract(PLENUM)
    assert m is not None
    assert (m.kind, m.term, m.session) == ("中国共产党中央委员会全体会议", 20, 3)
    assert (m.date, m.end_date) == ("2024-07-15", "2024-07-18")
    assert extract(CLOSING) is not None  # 29日下午在北京人民大会堂闭幕: a place of seven characters


def test_decisions_written_as_clauses_take_their_verb_and_object():
    m = extract(APPROVED)
    assert m is not None
    clauses = [(d.verb, d.text, d.kind) for d in m.decisions if not d.text.startswith("《")]
    assert clauses == [
        ("研究", "促进中小企业发展的政策措施", "措施"),
        ("核准", "江苏一期工程等五个核电项目", "项目"),
        ("核准", "辽宁二期工程核电项目", "项目"),  # further down the report
    ]
    assert all(span(APPROVED, d.start, d.end) == d.text for d in m.decisions)


def test_answers_name_approved_projects_closing_days_and_meetings_without_topics():
    from rag.many import compose

    docs = {d.doc_id: d for d in [*STATE, APPROVED, PLENUM, CLOSING]}
    meetings = extract_all(docs.values())
    known = kinds(meetings)
    approved = parse("国务院常务会议哪几次决定核准核电项目？", known, set(), TODAY)
    assert approved is not None
    assert (approved.verb, approved.object_kind) == ("核准", "项目")
    lines = compose(approved, meetings, docs).text.splitlines()
    assert lines[1:] == [
        "1. 江苏一期工程等五个核电项目（2024年8月19日）[1]",
        "2. 辽宁二期工程核电项目（2024年8月19日）[2]",
    ]
    closed = parse("二十届中共中央委员会历次全体会议分别在哪天闭幕？", known, set(), TODAY)
    assert closed is not None
    assert closed.closing
    assert "2024年7月18日闭幕" in compose(closed, meetings, docs).text
    held = parse("2024年召开了哪几次中共中央全会？", known, set(), TODAY)
    assert held is not None
    assert "2024年7月15日至18日" in compose(held, meetings, docs).text
    topics = parse("2024年国务院常务会议分别围绕什么议题？", known, set(), TODAY)
    assert topics is not None
    assert topics.topic
    text = compose(topics, meetings, docs).text  # no report names a topic: the meetings with what they did
    assert "1. 2024年3月1日" in text
    assert "没有写明议题" not in text


def test_a_kind_joined_with_another_group_is_the_same_series():
    from rag.many import _variants

    written = ["经济形势专家座谈会", "经济形势专家和企业家座谈会", "企业家座谈会", "文艺工作座谈会"]
    assert _variants("经济形势专家和企业家座谈会", written) == {"经济形势专家座谈会", "经济形势专家和企业家座谈会"}
    assert _variants("经济形势专家座谈会", written) == {"经济形势专家座谈会", "经济形势专家和企业家座谈会"}


def test_commentaries_and_places_are_not_meetings():
    assert extract(COMMENTARY) is None
    assert extract(VISIT) is None


def test_chinese_numerals():
    assert cn_number("十四") == 14
    assert cn_number("一百二十六") == 126
    assert cn_number("二十") == 20
    assert cn_number("67") == 67
    assert cn_number("届") is None


def test_windows_named_in_questions():
    assert window("2024年上半年开了几次", TODAY) == window("2024年上半年", TODAY)
    assert (window("2024年上半年", TODAY).start, window("2024年上半年", TODAY).end) == ("2024-01-01", "2024-06-30")
    assert (window("去年", TODAY).start, window("去年", TODAY).end) == ("2023-01-01", "2023-12-31")
    assert window("2023年第三季度", TODAY).end == "2023-09-30"
    assert window("近三个月", TODAY).start == "2024-09-30"
    assert window("上个月", TODAY).start == "2024-11-01"
    assert window("哪天召开", TODAY) is None
    # a run of months and a season (winter into the next year); a day is not a run of months
    for asked in ("2024年3—5月", "2024年3月至5月", "2024年春季"):
        assert (window(asked, TODAY).start, window(asked, TODAY).end) == ("2024-03-01", "2024-05-31")
    assert (window("去年冬天", TODAY).start, window("去年冬天", TODAY).end) == ("2023-12-01", "2024-02-29")
    assert window("2024年3月5日", TODAY).text == "2024年"
    assert (window("最近半年", TODAY).start, window("近半个月", TODAY).start) == ("2024-06-30", "2024-12-16")
    # with no year: those months of every year
    from rag.dates import months_every_year

    assert months_every_year("李强在春季（3—5月）召开的座谈会") == ((3, 4, 5), "春季")
    assert months_every_year("冬季开的会") == ((12, 1, 2), "冬季")
    spring = parse("春季召开的国务院常务会议有哪些？", KINDS, set(), TODAY)
    assert spring is not None and spring.months == (3, 4, 5) and spring.window is None


KINDS = kinds(extract_all([*STATE, NPC, POLITBURO]))


def test_questions_about_many_meetings_are_recognized():
    intent = parse("2024年国务院常务会议审议通过了哪些条例？", KINDS, {"李强"}, TODAY)
    assert intent is not None
    assert (intent.aggregate, intent.kind, intent.object_kind, intent.verb) == (
        "list",
        "国务院常务会议",
        "条例",
        "通过",
    )
    assert intent.window is not None
    assert (intent.window.start, intent.window.end) == ("2024-01-01", "2024-12-31")
    written_apart = parse("今年中共中央政治局召开了几次会议？", KINDS, set(), TODAY)
    assert written_apart is not None
    assert (written_apart.aggregate, written_apart.kind) == ("count", "中共中央政治局会议")
    abbreviated = parse("2024年开了几次国常会？", KINDS, set(), TODAY)
    assert abbreviated is not None
    assert abbreviated.kind == "国务院常务会议"
    latest = parse("最近一次常务会议是哪天？", KINDS, set(), TODAY)
    assert latest is not None
    assert (latest.aggregate, latest.kind) == ("latest", "国务院常务会议")


def test_questions_about_one_meeting_go_the_usual_way():
    assert parse("出席活动的副市长是谁？", KINDS, set(), TODAY) is None
    assert parse("国务院常务会议指出要加强哪些方面的工作？", KINDS, set(), TODAY) is None
    # 分别 of the things one meeting said, not of meetings, though the question names a time
    assert parse("2023年初国务院常务会议上，“米袋子”和“菜篮子”分别要落实什么负责制？", KINDS, set(), TODAY) is None
    day = parse("2024年7月19日国务院常务会议审议通过了哪些条例？", KINDS, set(), TODAY)
    assert day is not None
    assert day.window is not None
    assert (day.window.start, day.window.end) == ("2024-07-19", "2024-07-19")


@pytest.fixture
def archive(tmp_path, embedder) -> Assistant:
    lines = [json.dumps({"id": d.doc_id, "date": d.date, "title": d.title, "content": d.text}, ensure_ascii=False)
             for d in [*STATE, NPC, POLITBURO, COMMENTARY, VISIT]]  # fmt: skip
    (tmp_path / "reports.jsonl").write_text("\n".join(lines), encoding="utf-8")
    a = Assistant.build([tmp_path / "reports.jsonl"], tmp_path / "index", embedder=embedder)
    a.settings = a.settings.with_(today="2024-12-31")
    return a


def test_a_list_cites_every_item_in_date_order(archive):
    ans = archive.ask("2024年国务院常务会议审议通过了哪些条例？")
    assert ans.found
    assert ans.answerer == "facts"
    lines = ans.text.splitlines()
    assert "共" not in lines[0] or "2" in lines[0]
    assert lines[1].startswith("1. 《节约用水条例（草案）》（2024年3月1日）")
    assert lines[2].startswith("2. 《退役军人安置条例（草案）》（2024年7月19日）")
    assert [c.doc_id for c in ans.citations] == ["s2", "s1"]
    by_n = {c.n: c for c in ans.citations}
    quoted = [by_n[q.n].text[q.start : q.end] for q in ans.quotes]
    assert quoted == ["《节约用水条例（草案）》", "《退役军人安置条例（草案）》"]


def test_counts_say_they_are_of_these_records(archive):
    ans = archive.ask("2024年开了几次国务院常务会议？")
    assert ans.text.startswith("资料中2024年国务院常务会议共有2次")
    assert len(ans.citations) == 2
    again = archive.ask("今年开了几次国务院常务会议？")  # today is 2024-12-31
    assert again.text.startswith("资料中今年国务院常务会议共有2次")


def test_latest_and_first(archive):
    assert "2024年7月19日" in archive.ask("最近一次国务院常务会议是哪天召开的？").text.splitlines()[0]
    assert "2023年11月3日" in archive.ask("第一次国务院常务会议是哪天召开的？").text.splitlines()[0]


def test_a_window_without_meetings_is_not_found(archive):
    ans = archive.ask("2019年国务院常务会议审议通过了哪些条例？")
    assert not ans.found
    assert ans.citations == ()


def test_a_count_of_a_known_kind_with_none_in_a_window_that_has_records_is_not_found(archive):
    # 2023 has a record (a 国务院常务会议), none of a 政治局会议: no passage holds a count of them
    ans = archive.ask("2023年中共中央政治局开了几次会议？")
    assert not ans.found and ans.answerer == "facts" and "2023年" in ans.text
    assert archive.ask("2024年中共中央政治局开了几次会议？").text.startswith("资料中2024年中共中央政治局会议共有1次")


def test_meetings_are_stored_with_the_index_and_browsable(archive):
    again = Assistant.load(archive.store.path, embedder=archive.embedder)
    assert [m.doc_id for m in again.meetings()] == [m.doc_id for m in archive.meetings()]
    assert [m.doc_id for m in again.meetings("常务会议", date_from="2024-01-01")] == ["s2", "s1"]
    assert [m.doc_id for m in again.meetings(person="赵乐际")] == ["n1"]
    assert again.store.manifest["meetings"]


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "xinwenlianbo" / "meetings.jsonl").exists(), reason="needs ../shared/data")
def test_extraction_on_the_meeting_reports():
    from rag.loaders import load

    docs = {d.doc_id: d for d in load([DATA / "xinwenlianbo" / "meetings.jsonl"]).documents}
    meetings = extract_all(docs.values())
    state = [m for m in meetings if m.kind == "国务院常务会议"]
    assert len(state) == 98  # the data's README: 国务院常务会议 ×98
    assert all(m.people and m.people[0].role == "presided" for m in state)
    for m in meetings:
        doc = docs[m.doc_id]
        assert all(doc.text[p.start : p.end] == p.name for p in m.people)
        assert all(doc.text[d.start : d.end] == d.text for d in m.decisions)
        if m.date and doc.date and dt.date.fromisoformat(m.date) > dt.date.fromisoformat(doc.date) + dt.timedelta(1):
            # a report may announce a meeting of the next day (明天开幕), or a later one that it says is to come
            # (将于…, or 7月2日至6日，国家主席习近平将出席…)
            ahead = r"将于|将在|定于|拟于|[，,][^，。]{0,20}(?<!即)将(?:出席|参加|举行|举办|召开|主持)"
            assert re.search(ahead, doc.text[slice(*m.lead)]), (m.doc_id, m.date)


def test_rag_meetings_and_eval_on_a_many_meeting_set(archive, tmp_path, capsys, hash_model):
    from rag.cli import main

    index = str(archive.store.path)
    assert main(["meetings", "--index", index, "--kind", "常务会议", "--from", "2024-01-01", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [m["doc_id"] for m in listed] == ["s2", "s1"]
    assert listed[0]["decisions"][1]["text"] == "《节约用水条例（草案）》"
    questions = tmp_path / "many.jsonl"
    rows = [
        {"question": "2024年国务院常务会议审议通过了哪些条例？", "kind": "list", "today": None, "count": None,
         "items": [{"text": "《节约用水条例（草案）》", "date": "2024-03-01", "doc_id": "s2"},
                   {"text": "《退役军人安置条例（草案）》", "date": "2024-07-19", "doc_id": "s1"}]},
        {"question": "今年开了几次国务院常务会议？", "kind": "count", "today": "2024-12-31", "count": 2,
         "items": [{"text": "国务院常务会议", "date": "2024-03-01", "doc_id": "s2"},
                   {"text": "国务院常务会议", "date": "2024-07-19", "doc_id": "s1"}]},
        {"question": "2019年国务院常务会议审议通过了哪些条例？", "kind": "list", "today": None, "count": None,
         "items": [], "unanswerable": True},
    ]  # fmt: skip
    questions.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    assert main(["eval", str(questions), "--index", index, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["list_recall"] == 1.0
    assert result["list_precision"] == 1.0
    assert result["count_exact"] == 1.0
    assert result["abstention"] == 1.0


@pytest.mark.slow  # LangChain's OpenAI client takes seconds to import
def test_a_chat_model_writes_from_the_composed_list_and_is_checked(archive):
    from rag import LLMConfig

    from .llm_server import Reply, ScriptedLLM

    with ScriptedLLM() as llm:
        archive.use_llm(LLMConfig(base_url=llm.url, model="scripted", timeout=5.0))
        llm.replies.append(Reply("2024年审议通过了《节约用水条例（草案）》[1]和《退役军人安置条例（草案）》[2]。"))
        ans = archive.ask("2024年国务院常务会议审议通过了哪些条例？")
        assert ans.answerer == "llm"
        assert [c.doc_id for c in ans.citations] == ["s2", "s1"]
        prompt = llm.requests[-1]["messages"][1]["content"]
        assert "《节约用水条例（草案）》" in prompt
        assert "《退役军人安置条例（草案）》" in prompt
        llm.replies.append(Reply("2024年审议通过了《不存在的条例》[1]。"))
        checked = archive.ask("2024年国务院常务会议审议通过了哪些条例？")
        assert checked.answerer == "facts"  # nothing the model wrote was supported: the composed list
        assert checked.note
        assert "《节约用水条例（草案）》" in checked.text


def test_kinds_written_short_or_with_time_words_are_matched():
    from rag.many import _match_kind

    known = {"首都规划建设委员会全体会议": 7, "全体会议": 6, "全国人大常委会会议": 66, "全国人大常委会党组会议": 9}
    assert _match_kind("首规委最近一次全体会议是哪天？", known)[0] == "首都规划建设委员会全体会议"
    assert _match_kind("今年以来人大常委会会议表决通过了哪些法律？", known)[0] == "全国人大常委会会议"
    assert _match_kind("2024年全国人大常委会举行了几次常委会会议？", known)[0] == "全国人大常委会会议"
    latest = parse("首规委最近一次全体会议是哪天？", known, set(), TODAY)
    assert latest is not None
    assert latest.session is None  # 最近一次 is not session 1


def test_a_presider_who_never_presided_that_kind_is_not_found_and_an_attendee_is_looked_up(archive):
    from rag.many import presider_absent

    meetings = archive.meetings()
    absent = parse("赵乐际主持的国务院常务会议审议通过了哪些条例？", archive._live.kinds, {"李强", "赵乐际"}, TODAY)
    assert absent is not None
    assert presider_absent(absent, meetings)
    ans = archive.ask("赵乐际主持的国务院常务会议审议通过了哪些条例？")
    assert not ans.found
    assert ans.citations == ()  # not a passage that only shares words
    named = parse("提到李强的国务院常务会议有哪几次？", archive._live.kinds, {"李强"}, TODAY)
    assert named is not None
    assert named.role is None


def test_a_passage_answer_that_names_the_kind_but_not_the_person_asked_about_is_not_found(archive, monkeypatch):
    from rag.types import Answer

    class Quoting:  # the passages' answer: the meetings, with someone else
        def answer(self, question, hits):
            return Answer(text="李强主持召开国务院常务会议，部署冬季安全生产工作。[1]", found=True)

    monkeypatch.setattr(archive, "_live", dataclasses.replace(archive._live, answerer=Quoting()))
    ans = archive.ask("赵乐际出席过哪几次国务院常务会议？")  # an attendee of none of them
    assert not ans.found and ans.citations == ()
    assert archive.ask("提到部署冬季安全生产工作的国务院常务会议有哪几次？").found  # no person: as before
    # nor one that never writes what the question asks for: 2024's 国常会 passed no “十五五” 规划 (nor quotes one)
    ans = archive.ask("2024年国务院常务会议审议通过了哪些“十五五”规划？")
    assert not ans.found and ans.citations == ()


def test_names_periods_and_connections_do_not_split_a_series():
    video = report(
        "e1",
        "2024-05-14",
        "副总理出席全国高校毕业生等青年就业创业工作视频会议",
        "央视网消息（新闻联播）：全国高校毕业生等青年就业创业工作视频会议5月14日在京举行。副总理出席会议并讲话。",
    )
    phone = report(
        "e2",
        "2023-05-11",
        "副总理出席全国高校毕业生等青年就业创业工作电视电话会议",
        "央视网消息（新闻联播）：全国高校毕业生等青年就业创业工作电视电话会议5月11日在京举行。",
    )
    half = report(
        "e3",
        "2024-07-22",
        "全国政协召开2024年上半年宏观经济形势分析座谈会",
        "央视网消息（新闻联播）：全国政协22日在京召开2024年上半年宏观经济形势分析座谈会。",
    )
    year = report(
        "e4",
        "2025-01-19",
        "全国政协召开2024年度宏观经济形势分析座谈会",
        "央视网消息（新闻联播）：全国政协19日在京召开2024年度宏观经济形势分析座谈会。",
    )
    found = [extract(d) for d in (video, phone, half, year)]
    assert [m.kind if m else None for m in found] == [
        "全国高校毕业生等青年就业创业工作会议",  # 就业 is not the boundary word 就
        "全国高校毕业生等青年就业创业工作会议",  # by telephone or by video: one series
        "全国政协宏观经济形势分析座谈会",  # whatever period it reviews
        "全国政协宏观经济形势分析座谈会",
    ]


def test_a_headline_repeated_above_the_lead_and_a_purpose_before_the_holder():
    doc = report(
        "h1",
        "2025-07-30",
        "就当前经济形势和下半年经济工作中共中央召开党外人士座谈会",
        "央视网消息（新闻联播）：就当前经济形势和下半年经济工作\n中共中央召开党外人士座谈会\n"
        "总书记主持并发表重要讲话\n7月23日，中共中央在中南海召开党外人士座谈会，听取意见和建议。",
    )
    m = extract(doc)
    assert m is not None
    assert m.kind == "中共中央党外人士座谈会"  # not 就当前经济形势…中共中央党外人士座谈会
    assert m.date == "2025-07-23"  # the lead's day, not the broadcast's
    assert doc.text[m.start : m.end] == "党外人士座谈会"


CONGRESSES = [
    report(f"c{n}", None, f"报告{title}（{short}大）", f"同志们：{body}")  # type: ignore[arg-type]
    for n, title, short, body in [
        (12, "甲", "十二", "全面建设小康社会的目标。"),
        (13, "乙", "十三", "按照“一国两制”的构想。"),
        (9, "丙", "九", "我们的任务。"),
        (14, "丁", "十四", "坚持“一国两制”，实现小康。"),
    ]
]


def test_numbered_congresses_undated_are_ordered_by_session_and_filtered_by_what_they_mention():
    from rag.many import compose

    meetings = extract_all(CONGRESSES)
    assert [(m.kind, m.session) for m in meetings] == [
        ("中国共产党全国代表大会", 12),
        ("中国共产党全国代表大会", 13),
        ("中国共产党全国代表大会", 9),
        ("中国共产党全国代表大会", 14),
    ]
    docs = {d.doc_id: d for d in CONGRESSES}
    known = kinds(meetings)
    which = parse("哪几次党代会报告提到了“一国两制”？", known, set(), TODAY)
    assert which is not None
    assert which.mentioned == "一国两制"
    ans = compose(which, meetings, docs)
    assert ans.text.splitlines()[1:] == ["1. 中国共产党第十三次全国代表大会[1]", "2. 中国共产党第十四次全国代表大会[2]"]
    assert [c.text for c in ans.citations] == ["同志们：按照“一国两制”的构想。", "同志们：坚持“一国两制”，实现小康。"]
    first = parse("最早提到小康的是哪一次党代会的报告？", known, set(), TODAY)
    assert first is not None
    assert compose(first, meetings, docs).text.startswith(
        "资料中提到“小康”的中国共产党全国代表大会第一次是中国共产党第十二次"
    )
    latest = parse("最近一次党代会报告是在第几次全国代表大会上作的？", known, set(), TODAY)
    assert latest is not None  # 大会上 is where the report was made, not a question about one meeting
    assert "第十四次" in compose(latest, meetings, docs).text


def test_documents_asked_for_by_title_words():
    known = {"中共中央政治局会议": 40, "国务院常务会议": 98}
    any_title = parse("中央政治局会议审议过哪些文件？", known, set(), TODAY)
    assert any_title is not None
    assert (any_title.object_kind, any_title.qualifier) == ("文件", None)
    quoted = parse("中央政治局会议审议过哪些促进区域发展的“若干政策措施”文件？", known, set(), TODAY)
    assert quoted is not None
    assert quoted.qualifier == "若干政策措施"  # the quoted words, not the description around them
    compound = parse("2024年国常会审议通过了哪些行动方案？", known, set(), TODAY)
    assert compound is not None
    assert compound.qualifier == "行动方案"


def test_undated_gold_items_are_matched_by_the_cited_record():
    from rag.evaluate import ManyItem, ManyQuestion, score_many
    from rag.types import Answer, Citation

    cite = Citation(1, "cpc.jsonl#8", "新局面（十二大）", None, "cpc.jsonl", "小康", 0, 2, 1.0)
    answer = Answer(text="资料中…第一次是中国共产党第十二次全国代表大会[1]。", found=True, citations=(cite,))
    gold = ManyQuestion("最早提到小康的？", "first", (ManyItem("十二大", None, "新局面 (十二大)"),), None, False, None)
    assert score_many(gold, answer)["first_latest"] == 1.0  # by title, normalized
    other = ManyQuestion("最早提到小康的？", "first", (ManyItem("十三大", None, "前进 (十三大)"),), None, False, None)
    assert score_many(other, answer)["first_latest"] == 0.0


def test_a_gold_day_within_the_days_an_answer_gives_is_found():
    from rag.evaluate import _names_day

    assert _names_day("1. 2023年1月9日至11日 二十届中央纪委二次全会[1]", "2023-01-10")
    assert _names_day("2024年12月30日至2025年1月2日 某会议", "2025-01-01")
    assert _names_day("2024年6月28日至7月2日 某会议", "2024-07-01")
    assert not _names_day("1. 2023年1月9日至11日 二十届中央纪委二次全会[1]", "2023-01-12")
    assert not _names_day("2023年1月9日 会议", "2023-01-10")


def test_people_who_attended_spoke_or_reported_are_facts_with_their_spans():
    doc = report(
        "r1",
        "2024-11-26",
        "某党派十五届三中全会在京召开",
        "央视网消息（新闻联播）：某党派第十五届中央委员会第三次全体会议11月26日在北京召开。"
        "中央主席武维华代表中央常务委员会作工作报告，常务副主席邵鸿主持开幕会。"
        "全国政协副主席王东峰、秦博勇出席会议并讲话。",
    )
    m = extract(doc)
    assert m is not None
    roles = {(p.name, p.role) for p in m.people}
    assert {("邵鸿", "presided"), ("武维华", "reported"), ("武维华", "attended")} <= roles
    assert {("王东峰", "attended"), ("秦博勇", "attended"), ("王东峰", "spoke"), ("秦博勇", "spoke")} <= roles
    assert not any(p.name == "邵鸿" and p.role == "spoke" for p in m.people)
    assert all(doc.text[p.start : p.end] == p.name for p in m.people)


def test_a_question_about_who_attended_selects_by_that_role():
    from rag.many import compose

    held = [
        report(
            f"t{i}",
            date,
            "青年就业工作会议举行",
            f"央视网消息（新闻联播）：青年就业工作会议{date[5:7].lstrip('0')}月{date[8:].lstrip('0')}日在京举行。"
            f"国务院副总理{who}出席会议并讲话。国务院总理李强作出批示。",
        )
        for i, (date, who) in enumerate([("2023-05-11", "丁薛祥"), ("2024-05-14", "丁薛祥"), ("2025-04-02", "张国清")])
    ]
    meetings = extract_all(held)
    docs = {d.doc_id: d for d in held}
    known = kinds(meetings)
    people = {p.name for m in meetings for p in m.people}
    attended = parse("丁薛祥出席的青年就业工作会议一共有几次？", known, people, TODAY)
    assert attended is not None
    assert attended.role == "attended"
    assert compose(attended, meetings, docs).text.startswith("资料中丁薛祥出席的青年就业工作会议共有2次")
    named = parse("提到李强的青年就业工作会议有几次？", known, people | {"李强"}, TODAY)
    assert named is not None
    assert (named.role, named.mentioned) == (None, None)  # named in the text, in any role or none: all three
    assert "共有3次" in compose(named, meetings, docs).text


def test_meetings_of_a_record_dated_by_its_year_pass_filters_of_that_year(tmp_path, embedder):
    row = {
        "id": "y",
        "year": 2018,
        "title": "国务院常务会议",
        "content": "国务院总理主持召开国务院常务会议，部署防汛工作。",
    }
    (tmp_path / "r.jsonl").write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
    a = Assistant.build([tmp_path / "r.jsonl"], tmp_path / "index", embedder=embedder)
    assert [m.date for m in a.meetings()] == ["2018"]
    assert a.meetings(date_from="2018-03-01", date_to="2018-06-30")
    assert not a.meetings(date_from="2019-01-01")


def test_a_kind_that_leaves_out_what_the_question_names_is_another_meeting():
    known = {"全体会议": 6, "国务院全体会议": 13, "工作座谈会": 1, "全国宣传部长会议": 4, "全国组织部长会议": 3}
    # 全体会议 and 工作座谈会 are in the index; 中央网信委 and 民族 are not: no answer from those
    network = parse("中央网信委历次全体会议分别是哪天开的？", known, set(), TODAY)
    assert network is not None and network.kind is None and network.asked_kind == "中央网信委全体会议"
    ethnic = parse("最近一次中央民族工作会议是哪天召开的？", known, set(), TODAY)
    assert ethnic is not None and ethnic.kind is None
    # 国务院开的…会议, with no name of its kind, is not 国务院全体会议
    video = parse("2024年国务院开的会议，李强在哪几次上讲了话？", known, {"李强"}, TODAY)
    assert video is None or video.kind != "国务院全体会议"
    # a part of a session (联组会议 of the 常委会会议): a quarter of the phrase's pairs left out is another meeting
    joint = parse(
        "十四届全国人大常委会联组会议开展专题询问，都是针对哪些报告？", {"全国人大常委会会议": 40}, set(), TODAY
    )
    assert joint is None or joint.kind != "全国人大常委会会议"


def test_a_phrase_common_to_several_kinds_names_them_all():
    known = {"全国对口支援新疆工作会议": 2, "对口支援西藏工作会议": 1, "全国宣传部长会议": 4, "全国组织部长会议": 3,
             "全国人大常委会会议": 68, "全国政协常委会会议": 44}  # fmt: skip
    aid = parse("王沪宁出席过哪几次对口支援工作会议？", known, {"王沪宁"}, TODAY)
    assert aid is not None and aid.family == {"全国对口支援新疆工作会议", "对口支援西藏工作会议"}
    ministers = parse("蔡奇出席的全国性部长会议有几次？", known, {"蔡奇"}, TODAY)
    assert ministers is not None and ministers.family == {"全国宣传部长会议", "全国组织部长会议"}
    assert ministers.asked_kind == "全国性部长会议"  # what the answer's scope says
    # the holder the question names picks among them
    npc = parse("2024年十四届全国人大常委会举行了几次常委会会议？", known, set(), TODAY)
    assert npc is not None and npc.kind == "全国人大常委会会议" and npc.family == {"全国人大常委会会议"}


def test_a_meeting_reported_again_in_the_days_after_it_is_counted_once(archive):
    from rag.many import compose, select
    from rag.meetings import Meeting

    texts = {f"d{i}": report(f"d{i}", "2022-12-25", "中央农村工作会议", "中央农村工作会议召开。") for i in range(4)}
    meetings = [
        Meeting("d0", "中央农村工作会议", "中央农村工作会议", "2022-12-23", "2022-12-24"),
        Meeting("d1", "中央农村工作会议", "中央农村工作会议", "2022-12-25"),  # reported again the next day
        Meeting("d2", "中央农村工作会议", "中央农村工作会议", "2023-12-19", "2023-12-20"),
        Meeting("d3", "传达学习中央农村工作会议精神中央农村工作会议", "中央农村工作会议", "2024-12-17"),
    ]
    intent = parse("中央农村工作会议一共开了几次？", {"中央农村工作会议": 3}, set(), TODAY)
    assert intent is not None
    assert [[m.doc_id for m in g] for g in select(intent, meetings, texts)] == [["d0", "d1"], ["d2"], ["d3"]]
    assert "共有3次" in compose(intent, meetings, texts).text


def test_what_the_question_asks_of_the_meetings_is_read_from_its_words():
    known = {"中共中央政治局会议": 40, "全国人大常委会会议": 68, "国务院常务会议": 100}
    named = parse("政治局会议审议过的党内法规里，名称叫“规定”的有哪些？", known, set(), TODAY)
    assert named is not None and named.object_kind == "规定"
    # the laws qualify what is asked for (执法检查), which the facts do not hold
    assert parse("今年上半年全国人大常委会启动了哪几部法律的执法检查？", known, set(), TODAY) is None
    # 会上 with a year and 都: at each of that year's meetings
    heard = parse("2023年李强主持的国常会上，都听取了哪些方面的工作汇报？", known, {"李强"}, TODAY)
    assert heard is not None and heard.verb == "听取" and heard.kind == "国务院常务会议"
    assert parse("国务院常务会议上听取了哪些汇报？", known, set(), TODAY) is None  # one meeting


def test_the_term_of_a_meeting_is_its_holders_not_that_of_a_plenum_it_studies():
    from rag.meetings import normalize_kind

    name = "传达学习贯彻中共二十届四中全会精神全国政协十四届常委会第十四次会议"
    assert normalize_kind(name)[1:] == (14, 14)
    timeline = parse(
        "新闻联播报道的中央政治局常委会会议，按时间先后分别研究了什么？",
        {"中共中央政治局常务委员会会议": 6},
        set(),
        TODAY,
    )
    assert timeline is not None and timeline.aggregate == "timeline"


def test_quarters_first_times_exclusions_and_holders_are_read():
    known = {"国务院常务会议": 100, "中央政治局集体学习": 40, "中共中央政治局会议": 40, "全国人大常委会会议": 68,
             "全国人大常委会党组会议": 3, "中央农村工作会议": 5}  # fmt: skip
    quarter = parse("今年一季度国常会开了几次？", known, set(), dt.date(2025, 4, 10))
    assert quarter is not None and quarter.window is not None
    assert (quarter.window.start, quarter.window.end) == ("2025-01-01", "2025-03-31")
    first = parse("今年头一回国常会是哪天开的？", known, set(), TODAY)
    assert first is not None and first.aggregate == "first"
    # what the question leaves out is not its subject
    politburo = parse("2024年中央政治局共开了多少次会议？不算常委会会议、集体学习和民主生活会。", known, set(), TODAY)
    assert politburo is not None and politburo.kind == "中共中央政治局会议"
    group = parse("全国人大常委会党组2024年一共开过几次会？", known, set(), TODAY)
    assert group is not None and group.kind == "全国人大常委会党组会议"
    # a leading group is not the conference that shares its field
    leading = parse("中央农村工作领导小组最近一次开会是哪天？", known, set(), TODAY)
    assert leading is None or leading.kind != "中央农村工作会议"
    opinions = parse("2023年国务院常务会议审议通过了哪些“意见”？", known, set(), TODAY)
    assert opinions is not None and opinions.object_kind == "意见" and opinions.qualifier is None


def test_more_meeting_nouns_a_written_term_and_a_series_of_the_same_noun():
    from rag.meetings import mentions

    assert any(m.name.endswith("主席会议成员务虚会") for m in mentions("全国政协举行2025年度主席会议成员务虚会"))
    known = {"全国人大常委会会议": 68, "中共中央政治局会议": 40, "贯彻落实中央民族工作会议精神经验交流会": 1}
    npc = parse("二十大闭幕以后，十三届全国人大常委会又表决通过了哪些法律？", known, set(), TODAY)
    assert npc is not None and npc.term == 13
    inspections = parse("中共中央政治局哪几次会议审议了二十届中央巡视情况的综合报告？", known, set(), TODAY)
    assert inspections is not None and inspections.term is None  # the term is the inspections'
    ethnic = parse("最近一次中央民族工作会议是哪天召开的？", known, set(), TODAY)
    assert ethnic is not None and ethnic.kind is None  # an exchange meeting about it is another meeting


def test_formal_names_of_the_national_bodies_and_a_role_after_a_comma():
    from rag.meetings import normalize_kind

    assert normalize_kind("政协第十四届全国委员会第一次主席会议") == ("全国政协主席会议", 14, 1)
    assert normalize_kind("第十四届全国人民代表大会常务委员会第三次会议") == ("全国人大常委会会议", 14, 3)
    # the discipline commission's plenum, formal or short: one series
    assert normalize_kind("中国共产党第二十届中央纪律检查委员会第二次全体会议") == ("中央纪委全体会议", 20, 2)
    assert normalize_kind("二十届中央纪委三次全会") == ("中央纪委全体会议", 20, 3)
    assert normalize_kind("十九届中央纪委第七次全体会议") == ("中央纪委全体会议", 19, 7)
    # a party's formal name and its short one: one series (台盟第十一次全盟代表大会)
    assert normalize_kind("台湾民主自治同盟第十一次全盟代表大会") == normalize_kind("台盟第十一次全盟代表大会")
    first = parse("王沪宁当全国政协主席后，头一回主持主席会议是哪天？", {"全国政协主席会议": 30}, {"王沪宁"}, TODAY)
    assert first is not None and first.role == "presided" and first.aggregate == "first"


def test_a_numbered_session_no_report_holds_is_not_found(archive):
    # the facts hold the 第十次 session only; the passages would quote it for the 第二十四次
    absent = archive.ask("十四届全国人大常委会第二十四次会议表决通过了哪些法律？")
    assert not absent.found and absent.answerer == "facts"
    assert archive.ask("十四届全国人大常委会第十次会议表决通过了哪些法律？").found


def test_what_a_person_reported_is_shown_by_its_title():
    from rag.many import compose
    from rag.meetings import Meeting, Person

    text = "中央纪委全会1月8日在北京开幕。李希代表中央纪委常委会作了题为《深入推进全面从严治党》的工作报告。"
    doc = report("d1", "2024-01-08", "二十届中央纪委三次全会开幕", text)
    at = text.index("李希")
    plenum = Meeting("d1", "中央纪委全会", "二十届中央纪委三次全会", "2024-01-08", term=20, session=3,
                     people=(Person("李希", "reported", at, at + 2),))  # fmt: skip
    intent = parse("李希在历次中央纪委全会上作的工作报告题目分别是什么？", {"中央纪委全会": 3}, {"李希"}, TODAY)
    assert intent is not None and intent.role == "reported"
    answer = compose(intent, [plenum], {"d1": doc})
    assert "报告：《深入推进全面从严治党》" in answer.text


def test_the_window_of_a_question_about_several_meetings_limits_its_passages():
    from rag.many import asked_window

    span = asked_window("去年赵乐际同列席常委会会议的全国人大代表座谈了几次？", dt.date(2024, 3, 1))
    assert span is not None and (span.start, span.end) == ("2023-01-01", "2023-12-31")
    assert asked_window("2018年政府工作报告提出国内生产总值增长多少？", TODAY) is None  # one fact, not several


def test_a_window_does_not_hide_undated_documents(tmp_path, embedder):
    (tmp_path / "notes.txt").write_text("2018年，该市建成了三座图书馆和两座博物馆。", encoding="utf-8")
    a = Assistant.build([tmp_path / "notes.txt"], tmp_path / "index", embedder=embedder)
    answer = a.ask("2018年该市建成了哪些图书馆和博物馆？")  # no document is dated: the passages are all read
    assert answer.found and "三座图书馆" in answer.text


def test_ranges_speeches_and_holders_written_in_the_lead():
    conference = extract(
        report(
            "w1",
            "2025-01-04",
            "全国宣传部长会议在京召开",
            "央视网消息（新闻联播）：全国宣传部长会议3日至4日在京召开。某某出席会议。",
        )
    )
    assert conference is not None and (conference.date, conference.end_date) == ("2025-01-03", "2025-01-04")
    # a meeting named in a 《title》, or where a speech was once given, is not the meeting reported
    article = extract(
        report("w2", "2023-01-16", "《求是》杂志发表文章《在二十届中央政治局第一次集体学习时的讲话》",
               "央视网消息（新闻联播）：《求是》杂志发表文章《在二十届中央政治局第一次集体学习时的讲话》。")
    )  # fmt: skip
    assert article is None
    forum = extract(
        report("w3", "2025-05-26", "文化论坛在深圳开幕",
               "央视网消息（新闻联播）：嘉宾认为，总书记在二十届中共中央政治局第十七次集体学习时发表的重要讲话意义重大。")
    )  # fmt: skip
    assert forum is not None and forum.kind == "文化论坛"  # the forum the title reports, not the study named inside
    speech = extract(report("w7", "1969", "在中国共产党第九次全国代表大会上的报告", "同志们：这次大会……"))
    assert speech is not None and speech.kind == "中国共产党全国代表大会"  # the record is that speech
    echo = report(
        "w8", "2025-02-19", "努力开创新局面——习近平总书记在民营企业座谈会上的重要讲话引发热烈反响", "讲话引发热烈反响。"
    )
    assert extract(echo) is None  # news of the speech, days later
    # a name held by its verb runs across words that elsewhere end one (以旧换新)
    video = extract(
        report("w4", "2024-03-28", "李强在国务院推动设备更新和消费品以旧换新工作视频会议上强调 扎实推动",
               "央视网消息（新闻联播）：3月28日，国务院召开推动设备更新和消费品以旧换新工作视频会议。")
    )  # fmt: skip
    assert video is not None and video.kind == "国务院推动设备更新和消费品以旧换新工作会议"
    # the term written before the holder in the lead; a presidium holds meetings of its own
    study = extract(
        report("w5", "2022-10-26", "习近平在中共中央政治局第一次集体学习时强调",
               "央视网消息（新闻联播）：二十届中共中央政治局10月25日下午就学习贯彻会议精神进行第一次集体学习。")
    )  # fmt: skip
    assert study is not None and (study.term, study.session, study.date) == (20, 1, "2022-10-25")
    presidium = extract(
        report("w6", "2024-03-04", "十四届全国人大二次会议主席团举行第一次会议",
               "央视网消息（新闻联播）：十四届全国人大二次会议主席团4日上午举行第一次会议。")
    )  # fmt: skip
    assert presidium is not None and presidium.kind.endswith("主席团会议") and presidium.term == 14


def test_wildcards_media_and_several_people_in_one_question():
    known = {"中央经济工作会议": 4, "中央城市工作会议": 1, "全国科技工作会议": 2, "国务院全体会议": 13,
             "全国安全生产会议": 2}  # fmt: skip
    wild = parse("2025年党中央开了哪些“中央××工作会议”？", known, set(), TODAY)
    assert wild is not None and wild.family == {"中央经济工作会议", "中央城市工作会议"}
    media = parse("2024年国务院开的视频会议、电视电话会议，李强在哪几次上讲了话？", known, {"李强"}, TODAY)
    assert media is not None and media.medium == "视频|电视电话" and media.kind is None
    named = parse("全国安全生产电视电话会议开了几次？", known, set(), TODAY)
    assert named is not None and named.kind == "全国安全生产会议" and named.medium is None
    two = parse("2023年的国务院全体会议，哪几次是李克强主持的、哪几次是李强主持的？", known, {"李强", "李克强"}, TODAY)
    assert two is not None and two.people == ("李克强", "李强") and two.role == "presided"
    # 工作报告 is not 作…报告: the person did not report
    draft = parse("李强就政府工作报告征求意见稿开过哪几场座谈会？", {**known, "工作座谈会": 3}, {"李强"}, TODAY)
    assert draft is None  # described by what it discussed, not named: not 工作座谈会; the passages may tell


def test_a_term_the_reports_leave_out_is_read_from_the_numbering_and_the_holder():
    from rag.many import select
    from rag.meetings import Meeting

    kind = "中共中央政治局集体学习"
    meetings = [
        Meeting("a", kind, "第一次集体学习", "2022-10-25", session=1),
        Meeting("b", kind, "第二次集体学习", "2023-01-31", session=2),
        Meeting("c", "中共中央政治局会议", "会议", "2022-12-06", term=20),  # the holder's term, written
        Meeting("d", kind, "第一次集体学习", "2017-10-27", session=1),  # an earlier numbering
        Meeting("e", "中共中央政治局会议", "会议", "2017-12-08", term=19),
    ]
    known = {kind: 4, "中共中央政治局会议": 2}
    first = parse("二十届中央政治局第一次集体学习是哪天？", known, set(), TODAY)
    assert first is not None and first.term == 20
    assert [[m.doc_id for m in g] for g in select(first, meetings)] == [["a"], ["b"]]
    earlier = parse("十九届中央政治局第一次集体学习是哪天？", known, set(), TODAY)
    assert earlier is not None and [[m.doc_id for m in g] for g in select(earlier, meetings)] == [["d"]]
    unknown = parse("十八届中央政治局第一次集体学习是哪天？", known, set(), TODAY)
    assert unknown is not None and select(unknown, meetings) == []


@pytest.mark.slow  # reads the 2,427 reports to keep those that name the conference
@pytest.mark.skipif(not (DATA / "xinwenlianbo" / "meetings.jsonl").exists(), reason="needs ../shared/data")
def test_a_question_about_other_reports_that_name_a_meeting_is_not_answered_by_its_list():
    from rag.loaders import load
    from rag.many import about_other_reports, compose, select

    # the real reports that name the conference: its own, and those of what followed it (通报, 学习, 贯彻)
    docs = {
        d.doc_id: d for d in load([DATA / "xinwenlianbo" / "meetings.jsonl"]).documents if "中央经济工作会议" in d.text
    }
    meetings = extract_all(docs.values())
    known, people = kinds(meetings), {p.name for m in meetings for p in m.people}
    plain = parse("历次中央经济工作会议分别是哪天开的？", known, people, TODAY)
    assert plain is not None and plain.kind == "中央经济工作会议"
    assert about_other_reports(plain, select(plain, meetings, docs), docs) is None
    assert compose(plain, meetings, docs).found
    # the conference's own reports never write 通报/党外人士; other reports naming it do: not its list
    other = parse("每年中央经济工作会议之后，都有哪几次向党外人士通报会议精神？", known, people, TODAY)
    assert other is not None and other.kind == "中央经济工作会议"
    assert about_other_reports(other, select(other, meetings, docs), docs) in ("党外人士", "通报")
    answer = compose(other, meetings, docs)
    assert not answer.found and "没有写到" in answer.text


def test_topics_written_without_quotes_or_only_in_the_title():
    from rag.many import compose

    said = report(
        "b1",
        "2024-06-17",
        "全国政协召开双周协商座谈会围绕促进中医药传承创新发展协商议政",
        "央视网消息（新闻联播）：十四届全国政协第二十次双周协商座谈会17日在京召开，全国政协主席王沪宁主持会议。"
        "他表示，围绕促进中医药传承创新发展协商议政，要深入学习领会有关论述。",
    )
    titled = report(
        "b2",
        "2024-03-29",
        "全国政协召开双周协商座谈会围绕“推进法治化营商环境建设”协商议政",
        "央视网消息（新闻联播）：十四届全国政协第十六次双周协商座谈会29日在京召开，全国政协主席王沪宁主持会议。"
        "他表示，要打造市场化、法治化、国际化一流营商环境。",
    )
    docs = {d.doc_id: d for d in (said, titled)}
    meetings = extract_all(docs.values())
    by_doc = {m.doc_id: m for m in meetings}
    body = by_doc["b1"].topic
    assert body is not None and body.text == "促进中医药传承创新发展"
    assert said.text[body.start : body.end] == body.text
    head = by_doc["b2"].topic
    assert head is not None and head.text == "推进法治化营商环境建设" and head.start == -1  # the title's: no span
    asked = parse("这一年全国政协的双周协商座谈会都谈了什么题目？", kinds(meetings), set(), TODAY)
    assert asked is not None and asked.topic and asked.window is not None and asked.window.start == "2024-01-01"
    answer = compose(asked, meetings, docs)
    assert "议题：推进法治化营商环境建设[1]" in answer.text  # cited by the lead of its report
    assert "议题：促进中医药传承创新发展[3]" in answer.text  # the sentence that says it
    assert answer.citations[0].text.startswith("央视网消息") and "没有写明议题" not in answer.text


@pytest.mark.skipif(not (DATA / "gov_work_reports").exists(), reason="needs ../shared/data")
def test_a_series_of_yearly_reports_is_listed_counted_and_ordered_like_meetings():
    from rag.loaders import load
    from rag.many import compose, document_series

    docs = {d.doc_id: d for d in load([DATA / "gov_work_reports" / "government_work_reports.jsonl"]).documents}
    series = document_series(docs)
    assert {m.kind for m in series} == {"中华人民共和国国务院政府工作报告"}  # not the yearly resolutions on them
    known = kinds(series)
    listed = parse("哪几年的政府工作报告提到了“雾霾”？", known, set(), TODAY)
    assert listed is not None and listed.kind == "中华人民共和国国务院政府工作报告" and listed.object_kind is None
    answer = compose(listed, series, docs)
    years = [line.split()[1][:4] for line in answer.text.splitlines()[1:]]
    assert years and years == sorted(years)
    # every report listed says it, each line cites the sentence that does, and none left out says it
    assert all("雾霾" in c.text for c in answer.citations)
    assert len(answer.citations) == sum(
        "雾霾" in d.text for d in docs.values() if d.doc_id in {m.doc_id for m in series}
    )
    counted = parse("有几份政府工作报告提到了“商品经济”？", known, set(), TODAY)
    assert counted is not None and counted.aggregate == "count"
    first = parse("政府工作报告中第一次出现“人工智能”是在哪一年？", known, set(), TODAY)
    assert first is not None
    text = compose(first, series, docs).text
    assert "2017年" in text and "召开" not in text  # a report is not held
    since = parse("2017年以来历年政府工作报告有哪些？", known, set(), dt.date(2025, 6, 1))
    assert since is not None and since.window is not None
    assert (since.window.start, since.window.end) == ("2017-01-01", "2025-06-01")


@pytest.mark.skipif(not (DATA / "xinwenlianbo" / "meetings.jsonl").exists(), reason="needs ../shared/data")
def test_leaders_who_came_to_congratulate_attended_and_who_gave_the_address_spoke():
    """`…等党和国家领导人到会祝贺，蔡奇代表党中央致词`: the row of names attended, the one who gave the
    address spoke; a question about who came (到会祝贺) selects by attendance, not by a mention."""
    from rag.loaders import load

    docs = [d for d in load([DATA / "xinwenlianbo" / "meetings.jsonl"]).documents if d.doc_id == "xwlb-20231009-00"]
    m = extract(docs[0])
    assert m is not None
    roles = {(p.name, p.role) for p in m.people}
    assert {("习近平", "attended"), ("李希", "attended"), ("蔡奇", "spoke")} <= roles
    q = parse("2023年有哪些全国代表大会是习近平等领导人到会祝贺的？", kinds([m]), {p.name for p in m.people}, TODAY)
    assert q is not None and q.role == "attended"


def test_how_a_question_asks_for_a_day_is_not_a_word_it_asks_about():
    from rag.many import _other_words

    assert _other_words("今年头一回国常会是哪天开的？", [], "国务院常务会议") == ()  # not 回国, not 天开
    assert "诞辰" in _other_words("纪念诞辰的座谈会是哪一天开的？", [], "座谈会")


@pytest.mark.slow  # reads the 2,427 reports
@pytest.mark.skipif(not (DATA / "xinwenlianbo" / "meetings.jsonl").exists(), reason="needs ../shared/data")
def test_reports_of_a_recurring_event_that_no_meeting_kind_names():
    from rag.loaders import load
    from rag.many import reports

    docs = {d.doc_id: d for d in load([DATA / "xinwenlianbo" / "meetings.jsonl"]).documents}
    people = {p.name for m in extract_all(docs.values()) for p in m.people}
    # 赵乐际 meets the deputies who sat in on each session: five reports of 2023, titled alike
    count = reports("去年赵乐际同列席常委会会议的全国人大代表座谈了几次？", docs, people, dt.date(2024, 5, 1))
    assert count is not None and count.found
    assert count.text.splitlines()[0].endswith("共有5次：")
    assert all(c.date and c.date.startswith("2023") and "列席代表座谈" in c.title for c in count.citations)
    assert [c.n for c in count.citations] == [1, 2, 3, 4, 5]
    assert all(f"[{c.n}]" in count.text.splitlines()[c.n] for c in count.citations)  # one line each, cited
    # the laws after 哪几部 are what is listed, not words the reports must write
    laws = reports("今年上半年全国人大常委会启动了哪几部法律的执法检查？", docs, people, dt.date(2026, 11, 29))
    assert laws is not None
    assert [c.date for c in laws.citations] == sorted(c.date or "" for c in laws.citations)
    assert len(laws.citations) >= 4 and all("启动" in c.title and "执法检查" in c.title for c in laws.citations)
    # a title that leaves the words out: the line shows the lead sentence that writes them
    later = dt.date(2026, 11, 29)  # nothing after today is listed
    heard = reports("2025年人大常委会会议听取了哪几个执法检查报告？分别是哪位副委员长作的报告？", docs, people, later)
    assert heard is not None and "副委员长郑建邦作的常委会执法检查组关于检查工会法实施情况的报告" in heard.text
    # common words, one meeting's content, a named day: not a recurring event
    assert reports("2024年中央政治局开了几次会议？", docs, people, TODAY) is None
    assert reports("会议指出要加强哪些方面？", docs, people, TODAY) is None
    assert reports("2024年12月9日中央政治局会议审议了哪些文件？", docs, people, TODAY) is None


def test_a_recurring_event_is_listed_from_its_reports_not_from_the_meetings_of_its_people(tmp_path, embedder):
    talks = [
        report(
            f"t{i}",
            date,
            "赵乐际同全国人大常委会会议列席代表座谈",
            f"央视网消息（新闻联播）：全国人大常委会委员长赵乐际{int(date[-2:])}日同列席十四届全国人大常委会"
            f"第{i}次会议的全国人大代表座谈交流。",
        )
        for i, date in enumerate(("2023-04-25", "2023-06-28", "2023-08-31"), 2)
    ]
    lines = [json.dumps({"id": d.doc_id, "date": d.date, "title": d.title, "content": d.text}, ensure_ascii=False)
             for d in [*talks, *STATE, NPC, POLITBURO]]  # fmt: skip
    (tmp_path / "reports.jsonl").write_text("\n".join(lines), encoding="utf-8")
    a = Assistant.build([tmp_path / "reports.jsonl"], tmp_path / "index", embedder=embedder)
    a.settings = a.settings.with_(today="2024-12-31")
    latest = a.ask("最近一次赵乐际同列席代表座谈是哪天？")
    assert latest.found and "2023年8月31日" in latest.text and "第十次会议" not in latest.text  # not the NPC session
    assert [c.doc_id for c in latest.citations] == ["t4"]
    count = a.ask("2023年赵乐际同列席常委会会议的代表座谈了几次？")
    assert count.text.splitlines()[0].endswith("共有3次：") and len(count.citations) == 3
    # a meeting the question names that no record reports is still not found (no list of reports instead)
    assert not a.ask("中央农村工作领导小组最近一次开会是哪天？").found


def test_a_window_that_is_the_days_of_a_meeting_and_a_body_of_that_meeting():
    from rag.many import compose, select
    from rag.meetings import Meeting

    session = "全国人大会议"
    presidium = "全国人大会议主席团会议"
    meetings = [
        Meeting("a", session, "十四届全国人大二次会议", "2024-03-05", "2024-03-11", term=14, session=2),
        Meeting("b", presidium, "第一次会议", "2024-03-04", term=14, session=1),  # the day before it opens
        Meeting("c", presidium, "第二次会议", "2024-03-08", term=14, session=2),
        Meeting("d", presidium, "第一次会议", "2025-03-04", term=14, session=1),  # the next session's
        Meeting("e", session, "十四届全国人大三次会议", "2025-03-05", "2025-03-11", term=14, session=3),
    ]
    docs = {
        m.doc_id: report(m.doc_id, m.date or "", m.name, f"十四届全国人大二次会议主席团举行{m.name}。")
        for m in meetings
    }
    known = {session: 2, presidium: 3}
    during = parse("十四届全国人大二次会议期间，大会主席团一共开了几次会？", known, set(), TODAY)
    assert during is not None and during.kind == presidium and during.during == (session, 14, 2)
    assert [[m.doc_id for m in g] for g in select(during, meetings)] == [["b"], ["c"]]
    answer = compose(during, meetings, docs)
    assert answer.text.splitlines()[0] == "资料中十四届全国人大二次会议期间全国人大会议主席团会议共有2次的报道："
    assert "全国人大会议主席团第一次会议[1]" in answer.text  # a name that is only a number, with its holder
    # the body written before the verb is the kind, not the session it belongs to
    year = parse("2025年全国人大会议主席团开了几次会议？", known, set(), TODAY)
    assert year is not None and year.kind == presidium
    assert [[m.doc_id for m in g] for g in select(year, meetings)] == [["d"]]
    unknown = parse("十三届全国人大五次会议期间，大会主席团一共开了几次会？", known, set(), TODAY)
    assert unknown is not None and select(unknown, meetings) == []  # no record reports that session


def test_the_plenums_of_other_parties_are_kinds_of_their_own():
    plenum = report(
        "m1",
        "2024-12-11",
        "民革十四届三中全会在京召开",
        "央视网消息（新闻联播）：民革十四届三中全会11日在京召开。会议听取和审议民革中央常务委员会工作报告。",
    )
    cpc = report(
        "c1",
        "2024-07-18",
        "中国共产党第二十届中央委员会第三次全体会议公报",
        "中国共产党第二十届中央委员会第三次全体会议，于2024年7月15日至18日在北京举行。",
    )
    reaction = report(
        "r1",
        "2024-07-20",
        "国际社会高度关注中国共产党二十届三中全会",
        "央视网消息（新闻联播）：国际社会高度关注中国共产党二十届三中全会，认为全会释放了积极信号。",
    )
    m = extract(plenum)
    assert m is not None and (m.kind, m.term, m.session) == ("民革中央委员会全体会议", 14, 3)
    assert [d.text for d in m.decisions] == ["民革中央常务委员会工作报告"]  # heard and reviewed: not 和审议…
    assert extract(reaction) is None  # how a meeting was received is not a report of it
    known = kinds(extract_all([plenum, cpc, reaction]))
    theirs = parse("民革的中央全会，资料里一共有几次？", known, set(), TODAY)
    assert theirs is not None and theirs.kind == "民革中央委员会全体会议"
    ours = parse("2024年中央全会开了几次？", known, set(), TODAY)
    assert ours is not None and ours.kind == "中国共产党中央委员会全体会议"  # 中央全会 alone is the 中共's
    # 各…: each of the holders that the kinds write before it, not the 中共 plenum
    parties = {"中国共产党中央委员会全体会议": 5, "民革中央委员会全体会议": 4, "九三学社中央委员会全体会议": 4}
    each = parse("2024年各民主党派中央分别召开了哪些中央全会？", parties, set(), TODAY)
    assert each is not None and each.family == {"民革中央委员会全体会议", "九三学社中央委员会全体会议"}
    assert each.asked_kind == "各民主党派中央委员会全体会议"


def test_laws_passed_after_commas_and_what_the_question_leaves_out():
    from rag.many import compose

    closing = report(
        "l1",
        "2024-04-26",
        "十四届全国人大常委会第九次会议在京闭幕",
        "央视网消息（新闻联播）：十四届全国人大常委会第九次会议26日上午在北京人民大会堂闭幕。赵乐际委员长主持闭幕会。"
        "会议经表决，通过了学位法，关税法，关于修改农业技术推广法、未成年人保护法、生物安全法的决定。",
    )
    later = report(
        "l2",
        "2024-06-28",
        "十四届全国人大常委会第十次会议在京闭幕",
        "央视网消息（新闻联播）：十四届全国人大常委会第十次会议28日在京闭幕。赵乐际委员长主持会议。"
        "会议表决通过了农村集体经济组织法、新修订的突发事件应对法。",
    )
    m = extract(closing)
    assert m is not None
    assert [d.text for d in m.decisions] == [
        "学位法",
        "关税法",
        "关于修改农业技术推广法、未成年人保护法、生物安全法的决定",
    ]
    assert all(closing.text[d.start : d.end] == d.text for d in m.decisions)
    meetings, docs = extract_all([closing, later]), {"l1": closing, "l2": later}
    # 人大常委会 is the 全国人大常委会 of these records; revisions and amending decisions are left out
    asked = parse("2024年人大常委会新制定了哪些法律？修订的和修改决定不算。", kinds(meetings), set(), TODAY)
    assert asked is not None and asked.kind == "全国人大常委会会议" and asked.object_kind == "法"
    lines = compose(asked, meetings, docs).text.splitlines()
    assert [line.split("（")[0] for line in lines[1:]] == ["1. 学位法", "2. 关税法", "3. 农村集体经济组织法"]
    every = parse("2024年人大常委会通过了哪些法律？", kinds(meetings), set(), TODAY)
    assert every is not None and len(compose(every, meetings, docs).text.splitlines()) == 1 + 5


def test_meetings_a_meeting_decided_to_hold():
    from rag.many import compose

    chairs = [
        report(
            f"w{i}",
            date,
            f"赵乐际主持召开十四届全国人大常委会第{n}次委员长会议",
            f"央视网消息（新闻联播）：十四届全国人大常委会第{n}次委员长会议{int(date[-2:])}日下午在北京人民大会堂举行。"
            f"赵乐际委员长主持会议。会议决定，十四届全国人大常委会第{session}次会议{held}在北京举行。",
        )
        for i, (date, n, session, held) in enumerate(
            [("2023-04-14", "二", "二", "4月24日至26日"), ("2023-06-16", "五", "三", "6月26日至28日")]
        )
    ]
    heard = report(
        "w9",
        "2023-04-25",
        "赵乐际主持召开十四届全国人大常委会第三次委员长会议",
        "央视网消息（新闻联播）：十四届全国人大常委会第三次委员长会议25日在北京人民大会堂举行。赵乐际委员长主持会议。"
        "会议听取了关于反间谍法修订草案修改意见的汇报。会议决定将草案提请常委会会议表决。",
    )
    meetings = extract_all([*chairs, heard])
    first = next(m for m in meetings if m.doc_id == "w0")
    assert [(d.verb, d.text, d.kind) for d in first.decisions] == [
        ("决定召开", "十四届全国人大常委会第二次会议4月24日至26日在北京举行", "会议")
    ]
    asked = parse("2023年的委员长会议先后决定召开哪几次人大常委会会议？", kinds(meetings), set(), TODAY)
    assert asked is not None and (asked.verb, asked.object_kind) == ("决定召开", "会议")
    answer = compose(asked, meetings, {d.doc_id: d for d in [*chairs, heard]})
    lines = answer.text.splitlines()
    assert len(lines) == 3 and "第二次会议4月24日至26日在北京举行（2023年4月14日）[1]" in lines[1]
    assert "第三次会议6月26日至28日" in lines[2]  # the meeting that only heard a report is not listed


def facts_of(reports_: list[Document]) -> tuple[dict[str, Document], list]:
    """The reports by id, and their meeting facts."""
    return {d.doc_id: d for d in reports_}, extract_all(reports_)


def state_council(prefix: str, agenda: list[tuple[str, str]]) -> list[Document]:
    """Reports of 国务院常务会议 on the given days, each doing what is given."""
    return [
        report(f"{prefix}{i}", date, "李强主持召开国务院常务会议",
               f"央视网消息（新闻联播）：国务院总理李强{int(date[-2:])}日主持召开国务院常务会议，{what}。")
        for i, (date, what) in enumerate(agenda)
    ]  # fmt: skip


def test_the_meetings_that_did_what_the_question_describes():
    from rag.many import compose

    agenda = [
        ("2024-02-23", "听取2023年国务院部门办理全国人大代表建议和全国政协提案工作情况汇报，研究促进消费政策措施"),
        ("2024-03-22", "研究推动外贸稳规模优结构政策措施，部署全国人大代表关心的就业工作"),
        ("2024-04-12", "研究加快发展新质生产力举措"),
        ("2024-05-17", "研究稳定农业生产的政策措施"),
        ("2024-06-21", "部署防汛抗旱工作"),
        ("2025-02-21", "听取全国两会建议提案办理情况汇报，部署春季农业生产"),
        ("2025-03-14", "研究提振消费专项行动"),
        ("2025-04-18", "研究稳就业稳经济推动高质量发展的政策举措"),
    ]
    reports_ = state_council("g", agenda)
    docs, meetings = facts_of(reports_)
    asked = parse(
        "国常会专门听取国务院部门办理全国人大代表建议和全国政协提案工作情况的汇报，资料里一共有几次？",
        kinds(meetings),
        set(),
        TODAY,
    )
    assert asked is not None and asked.aggregate == "count"
    answer = compose(asked, meetings, docs)
    assert answer.text.splitlines()[0].endswith("共有2次的报道：")  # not all 8 国常会
    assert [c.doc_id for c in answer.citations] == ["g0", "g5"]  # 建议提案办理情况 written another way too
    # asked what they did, not which did it: every meeting of 2024
    every = parse("2024年的国常会，分别是哪天开的、关心哪些人大代表建议？", kinds(meetings), set(), TODAY)
    assert every is not None and not every.description
    assert compose(every, meetings, docs).text.count("\n") == 5


def test_description_words_written_together_weigh_more_than_apart():
    from rag.many import compose

    agenda = [
        ("2024-03-12", "讨论《国务院2024年重点工作分工方案》，研究粮食产能提升"),
        ("2024-04-26", "研究重点领域工作，部署安全生产"),
        ("2024-06-21", "研究推进重点工作的举措，明确责任分工"),
        ("2024-09-20", "部署防汛抗旱工作"),
        ("2025-03-12", "讨论《国务院2025年重点工作分工方案》"),
        ("2025-05-16", "研究稳就业政策"),
        ("2025-07-18", "研究提振消费举措"),
        ("2025-09-19", "研究外贸政策"),
        ("2025-11-21", "研究冬季供暖"),
    ]
    reports_ = state_council("w", agenda)
    docs, meetings = facts_of(reports_)
    q = "李强主持的国常会每年都要讨论确定国务院年度重点工作分工，资料里分别是哪几次会议？"
    asked = parse(q, kinds(meetings), {"李强"}, TODAY)
    assert asked is not None and "工作分工" in asked.phrases
    # 工作 and 分工 apart in one report (推进重点工作…责任分工), together in two
    assert [c.doc_id for c in compose(asked, meetings, docs).citations] == ["w0", "w4"]


def test_a_democratic_life_meeting_and_the_first_one_of_a_year():
    life = report(
        "d1",
        "2024-12-27",
        "中共中央政治局召开民主生活会 习近平主持会议并发表重要讲话",
        "央视网消息（新闻联播）：中共中央政治局于12月26日至27日召开民主生活会，习近平主持会议并发表重要讲话。",
    )
    meeting = report(
        "d2",
        "2024-12-09",
        "中共中央政治局召开会议",
        "央视网消息（新闻联播）：中共中央政治局12月9日召开会议，分析研究2025年经济工作。习近平主持会议。",
    )
    m = extract(life)
    assert m is not None and m.kind == "中共中央政治局民主生活会" and m.date == "2024-12-26"
    known = kinds(extract_all([life, meeting]))
    first = parse("资料中最早一次中央政治局民主生活会是哪天开的？", known, set(), TODAY)
    assert first is not None and first.kind == "中共中央政治局民主生活会"  # not the 政治局会议
    study = parse("今年中央政治局头一回集体学习是哪天？", {"中共中央政治局集体学习": 6}, set(), TODAY)
    assert study is not None and (study.aggregate, study.kind) == ("first", "中共中央政治局集体学习")


def test_presided_together_and_attended_as_the_title_says():
    from rag.many import compose

    joint = report(
        "j1",
        "2023-11-20",
        "丁薛祥同俄罗斯第一副总理曼图罗夫共同主持中俄投资合作委员会第十次会议",
        "央视网消息（新闻联播）：中共中央政治局常委、国务院副总理丁薛祥20日在北京同俄罗斯第一副总理曼图罗夫"
        "共同主持中俄投资合作委员会第十次会议。",
    )
    m = extract(joint)
    assert m is not None and [(p.name, p.role) for p in m.people[:1]] == [("丁薛祥", "presided")]  # not 共同
    visits = [
        report(
            f"v{i}",
            date,
            f"赵乐际对俄罗斯进行正式友好访问并出席中俄议会合作委员会第{n}次会议",
            f"央视网消息（新闻联播）：中俄议会合作委员会第{n}次会议{int(date[-2:])}日在莫斯科举行。",
        )
        for i, (date, n) in enumerate([("2024-07-10", "九"), ("2026-05-28", "十一")])
    ]
    meetings = extract_all(visits)
    assert all(not m.people for m in meetings)  # the lead names no one
    asked = parse("赵乐际出席的中俄议会合作委员会会议，资料里一共有几次？", kinds(meetings), {"赵乐际"}, TODAY)
    assert asked is not None and asked.role == "attended"
    answer = compose(asked, meetings, {d.doc_id: d for d in visits})
    assert answer.found and answer.text.splitlines()[0].endswith("共有2次的报道：")


def test_an_announced_meeting_is_dated_ahead_and_a_compound_name_is_the_same_session():
    from rag.many import compose
    from rag.meetings import meeting_dates

    # 将于: the days after the report, not those of the year before
    assert meeting_dates("丁薛祥将于11月10日至11日访问新加坡，并主持会议", "2024-11-08") == ("2024-11-10", "2024-11-11")
    assert meeting_dates("会议将于5日上午开幕", "2024-03-01") == ("2024-03-05", None)
    assert meeting_dates("国务院总理李强28日主持召开国务院常务会议", "2024-03-01") == ("2024-02-28", None)
    forum = report(
        "f1",
        "2024-07-05",
        "赵乐际将出席第十届金砖国家议会论坛和中俄议会合作委员会第九次会议",
        "央视网消息（新闻联播）：全国人大常委会委员长赵乐际将于7月9日至13日出席在俄罗斯举行的"
        "第十届金砖国家议会论坛和中俄议会合作委员会第九次会议。",
    )
    held = report(
        "f2",
        "2024-07-10",
        "赵乐际出席中俄议会合作委员会第九次会议",
        "央视网消息（新闻联播）：中俄议会合作委员会第九次会议10日在莫斯科举行，赵乐际出席会议。",
    )
    meetings = extract_all([forum, held])
    assert {m.date for m in meetings} == {"2024-07-09", "2024-07-10"}
    asked = parse("赵乐际出席的中俄议会合作委员会会议一共有几次？", kinds(meetings), {"赵乐际"}, TODAY)
    assert asked is not None
    assert compose(asked, meetings, {"f1": forum, "f2": held}).text.splitlines()[0].endswith("共有1次的报道：")


def test_a_body_without_its_level_but_not_without_its_name():
    from rag.many import _organ_tail

    assert _organ_tail("全国人大常委会", "2024年人大常委会通过了哪些法律")
    assert not _organ_tail("中哈合作委员会", "中俄政府间合作委员会的会议")  # 中哈 is its name, not a level


def test_the_description_of_what_meetings_did_and_what_a_question_asks_for():
    from rag.many import _description

    described = _description(
        "李强主持的国常会每年都要讨论确定国务院年度重点工作分工，资料里分别是哪几次会议？", [], None
    )
    assert {"确定", "分工"} <= set(described)
    assert _description("2017年以来历年政府工作报告提出的城镇新增就业预期目标分别是多少？", [], None) == ()
    assert _description("2024年国常会分别研究部署了什么工作？", [], None) == ()


def test_a_passage_answer_that_never_names_the_kind_asked_about_is_not_an_answer(archive):
    # 2023 has a record (a 国务院常务会议), no 政治局会议: a passage about the other meeting is no answer
    ans = archive.ask("2023年中共中央政治局会议都部署了哪些冬季安全生产工作？")
    assert not ans.found and "中共中央政治局会议" in ans.text


def test_names_kind_however_the_report_writes_it():
    from rag.many import names_kind

    assert names_kind("政协第十四届全国委员会常务委员会第十三次会议25日上午在京开幕", "全国政协常委会会议")
    assert names_kind("中央深改委第五次会议审议通过了…", "中央全面深化改革委员会会议")
    assert names_kind("第十三届全国人民代表大会第三次会议关于政府工作报告的决议", "中华人民共和国国务院政府工作报告")
    assert not names_kind(
        "会议审议通过政协第十四届全国委员会第三次会议关于常务委员会工作报告的决议", "中央全面深化改革委员会会议"
    )


def test_who_reported_under_a_title_at_the_end_of_a_long_report():
    from rag.many import compose

    filler = "全会认为，过去一年纪检监察工作取得新的成效。" * 40  # the report is long; who reported is said last
    plenum = report(
        "k1",
        "2025-01-06",
        "二十届中央纪委四次全会在京开幕",
        "央视网消息（新闻联播）：中国共产党第二十届中央纪律检查委员会第四次全体会议6日在北京开幕。"
        + filler
        + "6日下午李希代表中央纪律检查委员会常务委员会作题为《深入推进党风廉政建设和反腐败斗争》的工作报告。",
    )
    m = extract(plenum)
    assert m is not None and ("李希", "reported") in {(p.name, p.role) for p in m.people}
    asked = parse("二十届中央纪委历次全会上，李希作的工作报告题目分别是什么？", kinds([m]), {"李希"}, TODAY)
    assert asked is not None and asked.role == "reported"
    assert "报告：《深入推进党风廉政建设和反腐败斗争》" in compose(asked, [m], {"k1": plenum}).text


def test_a_person_s_meetings_are_not_the_answer_when_none_of_them_is_the_event_asked_about():
    from rag.many import compose

    expos = [
        report(
            f"w{n}",
            f"{2017 + n}-11-05",
            f"第{n}届中国国际进口博览会开幕",
            f"央视网消息（新闻联播）：第{n}届中国国际进口博览会5日在上海开幕，国务院总理李强出席开幕式并发表主旨演讲。",
        )
        for n in (6, 7)
    ]  # reported as such in other reports
    docs = {d.doc_id: d for d in [NPC, *expos]}
    meetings = extract_all(docs.values())
    asked = parse("赵乐际出席过几次进口博览会开幕式？", kinds(meetings), {"赵乐际", "李强"}, TODAY)
    assert asked is not None and asked.kind is None and asked.person == "赵乐际"
    answer = compose(asked, meetings, docs)
    assert not answer.found  # not the NPC session he presided
    every = parse("2024年赵乐际主持了几次会议？", kinds(meetings), {"赵乐际"}, TODAY)
    assert every is not None and compose(every, meetings, docs).found


def test_summits_forums_and_annual_conferences_are_meetings():
    forum = report(
        "w2",
        "2024-07-03",
        "第十二届世界和平论坛开幕 韩正出席并致辞",
        "央视网消息（新闻联播）：第十二届世界和平论坛3日在清华大学开幕，国家副主席韩正出席开幕式并致辞。",
    )
    m = extract(forum)
    assert m is not None and (m.kind, m.term, m.date) == ("世界和平论坛", 12, "2024-07-03")
    assert ("韩正", "attended") in {(p.name, p.role) for p in m.people}


def test_what_is_left_out_in_brackets_leaves_the_meeting_asked_about():
    known = {"中共全国政协党组会议": 5, "全国政协党组理论学习中心组集体学习": 3}
    asked = parse(
        "王沪宁主持召开的中共全国政协党组会议（党组理论学习中心组集体学习不算），一共有几次？", known, {"王沪宁"}, TODAY
    )
    assert asked is not None and asked.kind == "中共全国政协党组会议" and "集体学习" in asked.excluded


def test_the_titles_of_the_speeches_given_at_each_meeting():
    from rag.many import compose

    said = [
        report(
            f"a{i}",
            date,
            f"习近平出席亚太经合组织第{n}次领导人非正式会议并发表重要讲话",
            f"央视网消息（新闻联播）：亚太经合组织第{n}次领导人非正式会议{int(date[-2:])}日举行。"
            f"国家主席习近平出席会议并发表题为《{title}》的重要讲话。",
        )
        for i, (date, n, title) in enumerate(
            [("2023-11-17", "三十", "坚守初心 团结合作"), ("2024-11-16", "三十一", "共担时代责任 共促亚太发展")]
        )
    ]
    meetings = extract_all(said)
    asked = parse(
        "习近平出席的历次亚太经合组织领导人非正式会议，讲话题目分别是什么？", kinds(meetings), {"习近平"}, TODAY
    )
    assert asked is not None and asked.titles and not asked.topic
    lines = compose(asked, meetings, {d.doc_id: d for d in said}).text.splitlines()
    assert "讲话：《坚守初心 团结合作》" in lines[1] and "讲话：《共担时代责任 共促亚太发展》" in lines[2]


def test_what_a_review_found_stays_mended():
    from rag.many import _amends_law, _left_out, reports, select
    from rag.meetings import Decision, Meeting

    # what is left out: after a comma it stops; the meeting it is part of stays; 不包括 gives no words
    assert _left_out("2024年中央政治局会议中集体学习不算的话有几次？") == (
        "2024年中央政治局会议中的话有几次？",
        ("集体学习",),
    )
    assert _left_out("不包括修改决定，2024年通过了哪些法律？") == ("，2024年通过了哪些法律？", ("修改", "决定"))
    # an amending decision names its law in 《》 or amends several
    assert _amends_law(Decision("通过", "关于修改《中华人民共和国会计法》的决定", "决定", 0, 1))
    assert _amends_law(Decision("通过", "关于修改部分法律的决定", "决定", 0, 1))
    # …期间 with no session named: the latest session, and the person before it stays
    session, presidium = "全国人大会议", "全国人大会议主席团会议"
    meetings = [
        Meeting("a", session, "十四届全国人大二次会议", "2024-03-05", "2024-03-11", term=14, session=2),
        Meeting("b", presidium, "第一次会议", "2024-03-04", term=14, session=1),
        Meeting("e", session, "十四届全国人大三次会议", "2025-03-05", "2025-03-11", term=14, session=3),
        Meeting("d", presidium, "第一次会议", "2025-03-04", term=14, session=1),
    ]
    known = {session: 2, presidium: 2}
    latest = parse("全国人大会议期间，大会主席团一共开了几次会？", known, set(), TODAY)
    assert latest is not None and [[m.doc_id for m in g] for g in select(latest, meetings)] == [["d"]]
    person = parse("赵乐际在十四届全国人大二次会议期间主持了几次主席团会议？", known, {"赵乐际"}, TODAY)
    assert person is not None and person.person == "赵乐际" and person.during == (session, 14, 2)
    # events that are not meetings, people in them or bodies that hold them are not listed from reports
    launches = {
        f"s{i}": report(f"s{i}", date, "我国成功发射卫星", f"今天，我国在西昌卫星发射中心成功发射一颗卫星（{date}）。")
        for i, date in enumerate(("2024-01-09", "2024-03-20", "2024-06-25"))
    }
    assert reports("2024年一共发射了几次卫星？", launches, set(), dt.date(2025, 6, 1)) is None


def test_announced_and_arrival_reports_do_not_date_a_meeting_and_asides_stay_in_names():
    from rag.many import _grouped

    announced = report(
        "f1",
        "2026-06-20",
        "总理将出席第九届海滨经济论坛",
        "央视网消息（新闻联播）：国务院总理王一将于6月23日至24日出席在青岛举行的第九届海滨经济论坛。"
        "其间，王一总理将出席开幕式并致辞，会见出席论坛的外方嘉宾。",
    )
    held = report(
        "f2",
        "2026-06-24",
        "王一出席2026年海滨经济论坛开幕式并致辞",
        "央视网消息（新闻联播）：6月24日上午，国务院总理王一在青岛出席2026年海滨经济论坛开幕式并致辞。",
    )
    arrived = report(
        "f3",
        "2025-10-15",
        "王一抵达伊斯兰堡",
        "央视网消息（新闻联播）：当地时间10月14日晚，国务院总理王一乘包机抵达伊斯兰堡，"
        "出席上海合作组织成员国政府首脑（总理）理事会第二十三次会议。",
    )
    council = report(
        "f4",
        "2025-10-17",
        "王一出席上海合作组织成员国政府首脑（总理）理事会第二十三次会议",
        "央视网消息（新闻联播）：当地时间16日，国务院总理王一在伊斯兰堡出席上海合作组织成员国政府首脑（总理）理事会第二十三次会议。",
    )
    enlarged = report(
        "f5",
        "2024-09-21",
        "全国政协党组召开（扩大）会议",
        "央视网消息（新闻联播）：中共全国政协党组20日召开（扩大）会议，传达学习有关精神。",
    )
    forum = extract(announced)
    assert forum is not None and forum.name == "第九届海滨经济论坛" and forum.indirect
    assert (forum.date, forum.end_date) == ("2026-06-23", "2026-06-24")  # the sentence that names it, not 出席论坛
    journey = report(
        "f6",
        "2024-07-14",
        "赵一结束对俄罗斯的正式友好访问",
        "央视网消息（新闻联播）：全国人大常委会委员长赵一于7月9日至13日对俄罗斯进行正式友好访问，"
        "在莫斯科与俄方共同主持中俄议会合作委员会第九次会议。",
    )
    session = report(
        "f7",
        "2024-07-11",
        "赵一出席中俄议会合作委员会第九次会议",
        "央视网消息（新闻联播）：当地时间7月10日，赵一在莫斯科出席中俄议会合作委员会第九次会议并讲话。",
    )
    ms = [m for d in (announced, held, arrived, council, enlarged, journey, session) if (m := extract(d)) is not None]
    by_id = {m.doc_id: m for m in ms}
    assert by_id["f3"].indirect and not by_id["f4"].indirect and not by_id["f2"].indirect
    assert by_id["f4"].name == "上海合作组织成员国政府首脑（总理）理事会第二十三次会议"
    assert by_id["f3"].kind == by_id["f4"].kind == "上海合作组织成员国政府首脑理事会会议"
    assert by_id["f5"].kind == "全国政协党组会议"  # （扩大） is not another kind
    # a meeting's days are those of a report written after it was held
    firsts = {g[0].doc_id: g[0].date for g in _grouped(ms)}
    assert firsts["f4"] == "2025-10-16" and "f3" not in firsts
    assert firsts["f2"] == "2026-06-24" and "f1" not in firsts
    assert firsts["f7"] == "2024-07-10" and "f6" not in firsts  # not the days of the journey
    # a title that announces a meeting to come, over a report of the one held (宣布将在…举办下一次)
    handover = report(
        "f8",
        "2025-11-01",
        "主席宣布中方将在深圳举办第三十三次海湾合作论坛",
        "央视网消息（新闻联播）：当地时间11月1日上午，国家主席王二出席第三十二次海湾合作论坛东道主交接环节，"
        "宣布中方将于明年11月在深圳举办第三十三次海湾合作论坛。",
    )
    held_32 = extract(handover)
    assert held_32 is not None and (held_32.session, held_32.date) == (32, "2025-11-01")
    assert [m.name for m in mentions("30年前，各方召开了首次海湾合作论坛。")] == ["首次海湾合作论坛"]  # not 了首次…
    assert normalize_kind("首次海湾合作论坛")[0] == "海湾合作论坛"
    assert normalize_kind("中美经贸磋商机制首次会议")[0] == "中美经贸磋商机制首次会议"  # a name of its own
    # meeting the guests of a forum is not the forum held: its day is the forum's report's
    guests = report("f10", "2026-03-25", "王一会见出席海湾合作论坛2026年年会的外方代表",
                    "央视网消息（新闻联播）：国务院总理王一25日在青岛会见出席海湾合作论坛2026年年会的外方代表。")  # fmt: skip
    opening = report("f11", "2026-03-26", "王一出席海湾合作论坛2026年年会开幕式",
                     "央视网消息（新闻联播）：国务院总理王一26日上午在青岛出席海湾合作论坛2026年年会开幕式并发表主旨演讲。")  # fmt: skip
    met, opened = extract(guests), extract(opening)
    assert met is not None and met.indirect and not met.name.startswith("会见")
    assert opened is not None and [g[0].date for g in _grouped([met, opened])] == ["2026-03-26"]
    # the kinds of questions write the aside or leave it out
    parsed = parse("王一出席过几次上海合作组织成员国政府首脑理事会会议？", kinds(ms), {"王一"}, dt.date(2026, 7, 1))
    assert parsed is not None and parsed.kind == "上海合作组织成员国政府首脑理事会会议"


def test_who_had_a_role_is_shown_and_people_set_aside_are_left_out():
    from rag.many import compose

    sessions = [
        ("2024-06-04", "第七次", "丁一"),
        ("2024-07-23", "第八次", "蔡二"),
        ("2024-09-10", "第九次", None),
        ("2024-10-09", "第十次", "李三"),
    ]
    reports_ = [
        report(
            f"p{i}",
            date,
            f"全国政协十四届常委会{n}会议开幕",
            f"央视网消息（新闻联播）：全国政协十四届常委会{n}会议{int(date[-2:])}日上午在京开幕，王沪宁主持。"
            + (f"中共中央政治局委员{who}应邀出席会议并作报告。" if who else "会议听取了有关工作报告。"),
        )
        for i, (date, n, who) in enumerate(sessions)
    ]
    docs, meetings = facts_of(reports_)
    people = {p.name for m in meetings for p in m.people}
    q = "十四届全国政协常委会会议上，除了丁一，还有哪些领导同志应邀作过报告？"
    asked = parse(q, kinds(meetings), people, TODAY)
    assert asked is not None and (asked.who, asked.who_only, asked.besides) == ("reported", True, ("丁一",))
    assert asked.object_kind is None and asked.person is None  # the people are asked for, not reports
    lines = compose(asked, meetings, docs).text.splitlines()
    assert len(lines) == 3 and "（作报告：蔡二" in lines[1] and "（作报告：李三" in lines[2]  # not 丁一's, not 9th
    # 分别是谁主持的: every meeting, each with who presided
    every = parse("2024年全国政协常委会会议分别是谁主持的？", kinds(meetings), people, TODAY)
    assert every is not None and (every.who, every.who_only) == ("presided", False)
    shown = compose(every, meetings, docs).text.splitlines()
    assert len(shown) == 5 and all("（主持：王沪宁）" in x for x in shown[1:])


def test_a_class_of_people_stands_for_the_name_in_a_meetings_name():
    from rag.many import _class_named

    honoured = [("2023-05-10", "霍英东先生"), ("2024-11-01", "叶选平同志"), ("2025-08-05", "任建新同志")]
    reports_ = [
        report(f"c{i}", date, f"纪念{who}诞辰100周年座谈会在京举行",
               f"央视网消息（新闻联播）：纪念{who}诞辰100周年座谈会{int(date[-2:])}日在京举行。王沪宁出席座谈会。")
        for i, (date, who) in enumerate(honoured)
    ]  # fmt: skip
    reports_.append(
        report(
            "c9", "2025-06-01", "某工作座谈会在京召开", "央视网消息（新闻联播）：某工作座谈会1日在京召开。王沪宁出席。"
        )
    )
    meetings = extract_all(reports_)
    assert _class_named("王沪宁出席过哪些纪念人物诞辰100周年的座谈会？") == (
        "纪念.{1,12}?诞辰周年座谈会$", "纪念人物诞辰100周年的座谈会"
    )  # fmt: skip
    assert _class_named("中共中央举行座谈会纪念老一辈领导同志诞辰、习近平发表讲话的有哪几次？") == (
        "纪念.{1,12}?诞辰.{0,6}座谈会$",
        "纪念老一辈领导同志诞辰座谈会",
    )  # the meeting named before the class
    assert _class_named("习近平同志出席的座谈会有哪些？") is None  # a name, not a class: 同志 after it
    asked = parse("王沪宁出席过哪些纪念人物诞辰100周年的座谈会？", kinds(meetings), {"王沪宁"}, dt.date(2026, 1, 1))
    assert asked is not None and len(asked.family) == 3
    from rag.many import select

    assert [g[0].doc_id for g in select(asked, meetings)] == ["c0", "c1", "c2"]
    # 出席或主持: either role
    either = parse("王沪宁出席或主持的纪念老同志诞辰100周年座谈会一共有几次？", kinds(meetings), {"王沪宁"}, TODAY)
    assert either is not None and either.role == "attended"


def test_a_draft_discussed_and_passed_in_principle_further_down_is_a_decision():
    doc = report(
        "d1",
        "2025-07-31",
        "李强主持召开国务院常务会议",
        "央视网消息（新闻联播）：国务院总理李强7月31日主持召开国务院常务会议，研究经济形势。\n"
        "会议强调，要巩固拓展经济回升向好势头。要锚定全年目标。要激发内生动力。要统筹发展和安全。\n"
        "会议讨论并原则通过《中华人民共和国耕地保护法（草案）》，决定将草案提请全国人大常委会审议。",
    )
    m = extract(doc)
    assert m is not None
    passed = ("原则通过", "《中华人民共和国耕地保护法（草案）》", "法")
    assert passed in [(d.verb, d.text, d.kind) for d in m.decisions]


def test_a_forums_yearly_meeting_is_the_forum_and_in_person_leaves_out_video():
    from rag.many import select

    assert [m.name for m in mentions("2023海湾企业家峰会10周年年会开幕式14日在南京举行。")] == [
        "2023海湾企业家峰会10周年年会"
    ]
    assert normalize_kind("2023海湾企业家峰会10周年年会")[0] == "海湾企业家峰会"
    assert normalize_kind("海湾亚洲论坛2024年年会")[0] == "海湾亚洲论坛"
    summits = [
        report("v1", "2023-07-04", "王一以视频方式出席海湾合作组织成员国元首理事会第二十三次会议",
               "央视网消息（新闻联播）：国家主席王一4日在北京以视频方式出席海湾合作组织成员国元首理事会第二十三次会议。"),
        report("v2", "2024-07-04", "王一出席海湾合作组织成员国元首理事会第二十四次会议",
               "央视网消息（新闻联播）：当地时间7月4日，国家主席王一在阿斯塔纳出席海湾合作组织成员国元首理事会第二十四次会议。"),
    ]  # fmt: skip
    docs, meetings = facts_of(summits)
    q = "王一头一回亲自到场出席海湾合作组织成员国元首理事会会议是哪天？"
    asked = parse(q, kinds(meetings), {"王一"}, dt.date(2025, 1, 1))
    assert asked is not None and asked.in_person and asked.others == ()
    assert [g[0].doc_id for g in select(asked, meetings, docs)] == ["v2"]
    every = parse("王一出席过几次海湾合作组织成员国元首理事会会议？", kinds(meetings), {"王一"}, dt.date(2025, 1, 1))
    assert every is not None and len(select(every, meetings, docs)) == 2


def test_a_keynote_after_a_comma_with_bing_is_the_same_persons():
    doc = report(
        "k1",
        "2024-03-24",
        "王一出席海湾发展论坛2024年年会开幕式并发表主旨演讲",
        "央视网消息（新闻联播）：国务院总理王一24日在京出席海湾发展论坛2024年年会开幕式，并发表主旨演讲。\n"
        "王一表示，要坚定信心。",
    )
    m = extract(doc)
    assert m is not None and {(p.name, p.role) for p in m.people} >= {("王一", "attended"), ("王一", "spoke")}


def test_what_a_consultation_heard_views_on_and_the_days_a_session_opened_and_closed():
    from rag.many import compose

    consulted = [
        report("q1", "2025-07-30", "中共中央召开党外人士座谈会",
               "央视网消息（新闻联播）：中共中央7月23日在中南海召开党外人士座谈会，就当前经济形势和下半年经济工作听取各民主党派中央、"
               "全国工商联负责人和无党派人士代表的意见和建议。"),
        report("q2", "2025-12-08", "中共中央召开党外人士座谈会",
               "央视网消息（新闻联播）：中共中央12月3日在中南海召开党外人士座谈会，就今年经济形势和明年经济工作听取意见建议。"),
    ]  # fmt: skip
    docs, meetings = facts_of(consulted)
    assert [m.topic.text for m in meetings if m.topic] == ["当前经济形势和下半年经济工作", "今年经济形势和明年经济工作"]
    asked = parse("2025年中共中央开了几次党外人士座谈会？分别是哪天、就什么听取意见？", kinds(meetings), set(), TODAY)
    assert asked is not None and asked.object_kind is None and asked.topic  # not documents called 意见
    assert "当前经济形势和下半年经济工作" in compose(asked, meetings, docs).text
    sessions = [
        report("o1", "2024-02-26", "十四届全国人大常委会第八次会议在京举行",
               "央视网消息（新闻联播）：十四届全国人大常委会第八次会议26日在北京开幕。赵乐际委员长主持。"),
        report("o2", "2024-02-27", "十四届全国人大常委会第八次会议在京闭幕",
               "央视网消息（新闻联播）：十四届全国人大常委会第八次会议27日在北京闭幕。赵乐际委员长主持。"),
    ]  # fmt: skip
    docs, meetings = facts_of(sessions)
    both = parse("2024年人大常委会各次会议分别是哪天开幕、哪天闭幕的？", kinds(meetings), set(), TODAY)
    assert both is not None and both.closing and both.opening
    assert "2024年2月26日开幕，27日闭幕" in compose(both, meetings, docs).text
    closed = parse("2024年人大常委会各次会议分别是哪天闭幕的？", kinds(meetings), set(), TODAY)
    assert closed is not None and "2024年2月27日闭幕" in compose(closed, meetings, docs).text


def test_several_kinds_of_object_and_treaties_ratified_by_a_decision():
    from rag.many import compose

    politburo = report(
        "r1", "2024-05-27", "中共中央政治局召开会议",
        "央视网消息（新闻联播）：中共中央政治局5月27日召开会议，审议《防范化解金融风险问责规定（试行）》"
        "和《中国共产党巡视工作条例》。中共中央总书记习近平主持会议。",
    )  # fmt: skip
    npc = report(
        "r2", "2024-12-25", "十四届全国人大常委会第十三次会议在京闭幕",
        "央视网消息（新闻联播）：十四届全国人大常委会第十三次会议25日在京闭幕。赵乐际委员长主持。\n"
        "会议表决通过了全国人大常委会关于批准《中华人民共和国和津巴布韦共和国引渡条约》的决定、"
        "关于批准《中华人民共和国和毛里求斯共和国关于刑事司法协助的条约》的决定。",
    )  # fmt: skip
    docs, meetings = facts_of([politburo, npc])
    both = parse("2024年中央政治局开会审议了哪些条例和规定？", kinds(meetings), set(), TODAY)
    assert both is not None and (both.object_kind, both.also_kinds) == ("条例", ("规定",))
    listed = compose(both, meetings, docs).text
    assert "规定（试行）》" in listed and "巡视工作条例》" in listed
    plans = parse("2024年国务院常务会议审议通过了哪些行动方案和行动计划？", {"国务院常务会议": 9}, set(), TODAY)
    assert plans is not None and (plans.object_kind, plans.qualifier, plans.also_kinds) == (
        "方案",
        "行动方案",
        ("计划",),
    )
    from rag.many import _decisions
    from rag.meetings import Decision, Meeting

    council = Meeting("x", "国务院常务会议", "国务院常务会议", "2024-08-25", decisions=(
        Decision("审议通过", "《医药工业高质量发展行动计划（2023—2025年）》", "计划", 0, 1),
        Decision("审议通过", "《全国农业普查方案》", "方案", 2, 3),
        Decision("审议通过", "《空气质量持续改善行动计划》", "计划", 4, 5),
    ))  # fmt: skip
    assert [d.text[1:5] for d in _decisions(plans, council)] == ["医药工业", "空气质量"]  # 行动…, not 普查方案
    treaties = parse("2024年人大常委会批准了跟哪些国家的引渡条约？", kinds(meetings), set(), TODAY)
    assert treaties is not None and treaties.qualifier == "引渡条约"  # whose they are is what is asked
    lines = compose(treaties, meetings, docs).text.splitlines()
    assert len(lines) == 2 and "津巴布韦共和国引渡条约" in lines[1]  # not the 司法协助 treaty


def test_numbered_meetings_held_besides_the_one_reported_are_facts_too():
    standing = report(
        "h1", "2025-03-09", "全国政协十四届常委会第十一次会议举行 王沪宁主持",
        "央视网消息（新闻联播）：全国政协十四届常委会第十一次会议9日在京举行，王沪宁主持会议。\n"
        "会前，王沪宁主持召开政协第十四届全国委员会第三十三次主席会议，听取有关情况的综合汇报。",
    )  # fmt: skip
    npc = report(
        "h2", "2025-10-24", "十四届全国人大常委会第十八次会议在京举行 赵乐际主持",
        "央视网消息（新闻联播）：十四届全国人大常委会第十八次会议24日在北京举行。赵乐际委员长主持。\n"
        "会议决定，十四届全国人大常委会第十九次会议12月下旬在北京举行。\n"
        "24日下午，赵乐际委员长分别主持召开第52次、第53次委员长会议，审议有关决定草案。",
    )  # fmt: skip
    conference = report(
        "h3", "2024-12-18", "中央农村工作会议在京召开",
        "央视网消息（新闻联播）：中央农村工作会议17日至18日在北京召开。\n国务院秘书长吴政隆主持第一次全体会议。",
    )  # fmt: skip
    recalled = report(
        "h4", "2025-03-27", "丁一会见外宾",
        "央视网消息（新闻联播）：国务院副总理丁一27日在京会见外宾。\n丁一表示，上周我们主持召开了中哈合作委员会第十二次会议。",
    )  # fmt: skip
    also = {
        d.doc_id: [(x.kind, x.term, x.session, x.date, [p.name for p in x.people]) for x in m.also]
        for d in (standing, npc, conference, recalled)
        if (m := extract(d)) is not None
    }
    assert also["h1"] == [("全国政协主席会议", 14, 33, "2025-03-09", ["王沪宁"])]
    assert also["h2"] == [  # not the 第十九次会议 it decided to hold; the holder is the report's body
        ("全国人大常委会委员长会议", 14, 52, "2025-10-24", ["赵乐际"]),
        ("全国人大常委会委员长会议", 14, 53, "2025-10-24", ["赵乐际"]),
    ]
    assert also.get("h3", []) == [] and also.get("h4", []) == []  # a sitting of a conference; a meeting recalled
    # they are counted with the others, once each
    titled = report("h5", "2025-10-17", "赵乐际主持召开十四届全国人大常委会第五十二次委员长会议",
                    "央视网消息（新闻联播）：十四届全国人大常委会第五十二次委员长会议17日在京举行。赵乐际委员长主持。")  # fmt: skip
    a_docs, meetings = facts_of([npc, titled])
    flat = [x for m in meetings for x in (m, *m.also)]
    count = parse("2025年赵乐际主持了几次委员长会议？", kinds(flat), {"赵乐际"}, dt.date(2025, 12, 31))
    from rag.many import compose

    assert count is not None and "共有2次" in compose(count, flat, a_docs).text


def test_meetings_held_besides_are_browsed_once_each(tmp_path, embedder):
    npc = report(
        "b1", "2025-10-24", "十四届全国人大常委会第十八次会议在京举行",
        "央视网消息（新闻联播）：十四届全国人大常委会第十八次会议24日在北京举行。赵乐际委员长主持。\n"
        "24日下午，赵乐际委员长分别主持召开第52次、第53次委员长会议，审议有关决定草案。",
    )  # fmt: skip
    line = {"id": npc.doc_id, "date": npc.date, "title": npc.title, "content": npc.text}
    (tmp_path / "r.jsonl").write_text(json.dumps(line, ensure_ascii=False), encoding="utf-8")
    a = Assistant.build([tmp_path / "r.jsonl"], tmp_path / "index", embedder=embedder)
    found = a.meetings()
    assert [(m.kind, m.session) for m in found] == [
        ("全国人大常委会会议", 18), ("全国人大常委会委员长会议", 52), ("全国人大常委会委员长会议", 53)
    ]  # fmt: skip
    assert all(m.also == () for m in found)  # not again inside the report's own
    assert [m.session for m in a.meetings("委员长会议", person="赵乐际")] == [52, 53]


def test_the_meeting_documents_are_sent_to_is_not_the_subject_and_documents_are_described():
    from rag.many import compose

    reports_ = [
        report("t1", "2024-06-27", "中共中央政治局召开会议",
               "央视网消息（新闻联播）：中共中央政治局6月27日召开会议，讨论《关于进一步全面深化改革的决定》稿，"
               "决定根据这次会议讨论的意见进行修改后将文件稿提请二十届三中全会审议。中共中央总书记习近平主持会议。"),
        report("t2", "2024-05-27", "中共中央政治局召开会议",
               "央视网消息（新闻联播）：中共中央政治局5月27日召开会议，审议《新时代推动中部地区加快崛起的若干政策措施》。"
               "中共中央总书记习近平主持会议。"),
        report("t3", "2024-07-18", "中国共产党第二十届中央委员会第三次全体会议公报",
               "央视网消息（新闻联播）：中国共产党第二十届中央委员会第三次全体会议，于2024年7月15日至18日在北京举行。"),
        *[report(f"t{4 + i}", f"2024-{m:02d}-28", "中共中央政治局召开会议",
                 f"央视网消息（新闻联播）：中共中央政治局{m}月28日召开会议，审议《{what}》。中共中央总书记习近平主持会议。")
          for i, (m, what) in enumerate([(1, "关于加强基层治理的意见"), (2, "巡视工作条例"), (3, "关于教育强国的规划"),
                                         (4, "关于区域发展的若干措施")])],
    ]  # fmt: skip
    docs, meetings = facts_of(reports_)
    q = "中央政治局开会讨论准备提请中央全会审议的文件稿，资料里有哪几次？分别是什么文件？"
    asked = parse(q, kinds(meetings), set(), TODAY)
    assert asked is not None and asked.kind == "中共中央政治局会议"  # not the plenum the drafts go to
    sent = parse(
        "人大常委会决定把法律草案提请全国人民代表大会审议的，资料里有哪几批？", {"全国人大常委会会议": 40}, set(), TODAY
    )
    assert sent is not None and sent.verb is None  # 提请…审议 is what the plenum is to do, not the meetings asked about
    lines = compose(asked, meetings, docs).text.splitlines()
    assert len(lines) == 2 and "全面深化改革的决定》" in lines[1]  # the meeting that says so, not every document


def test_the_day_a_meeting_closed_is_the_one_its_communique_writes_and_cited_there():
    from rag.many import compose

    plenum = [
        report("p1", "2025-01-06", "二十届中央纪委四次全会在京开幕",
               "央视网消息（新闻联播）：二十届中央纪委四次全会6日在北京开幕。"),
        report("p2", "2025-01-08", "中国共产党第二十届中央纪律检查委员会第四次全体会议公报",
               "央视网消息（新闻联播）：\n中国共产党第二十届中央纪律检查委员会第四次全体会议公报\n"
               "中国共产党第二十届中央纪律检查委员会第四次全体会议，于2025年1月6日至8日在北京举行。"),
        report("p3", "2025-01-11", "二十届中央纪委四次全会精神在各地引起反响",
               "央视网消息（新闻联播）：二十届中央纪委四次全会11日在北京举行分组讨论。"),
    ]  # fmt: skip
    docs, meetings = facts_of(plenum)
    assert {m.kind for m in meetings} == {"中央纪委全体会议"}  # the communique's title names it
    asked = parse("新闻联播播发过哪几次二十届中央纪委全体会议公报？各次全会在哪天闭幕？", kinds(meetings), set(), TODAY)
    assert asked is not None and asked.closing and not asked.opening
    answer = compose(asked, meetings, docs)
    assert "2025年1月8日闭幕" in answer.text  # the communique's last day, not a later report's
    assert [c.doc_id for c in answer.citations][:1] == ["p2"]


def test_which_meetings_did_something_and_words_in_brackets_are_another_way_to_say_it():
    from rag.many import compose

    agenda = [
        ("2023-09-20", "听取推动经济持续回升向好督查调研情况汇报"),
        ("2023-12-01", "听取推动高质量发展综合督查情况汇报"),
        ("2024-02-02", "研究优化营商环境有关工作"),
        ("2024-03-01", "研究设备更新有关工作"),
        ("2024-04-12", "研究新质生产力有关举措"),
        ("2024-05-17", "研究稳定农业生产的政策措施"),
        ("2024-06-21", "部署防汛抗旱工作"),
    ]
    docs, meetings = facts_of(state_council("u", agenda))
    q = "国务院常务会议哪几次听取了督查（督查调研）情况的汇报？分别督查的是什么？"
    asked = parse(q, kinds(meetings), set(), TODAY)
    assert asked is not None and "调研" not in asked.description  # 哪几次: the meetings, whatever the window
    assert [c.doc_id for c in compose(asked, meetings, docs).citations] == ["u0", "u1"]


def test_an_anniversary_asked_is_one_the_meetings_name_writes():
    from rag.many import select

    honoured = [("2024-11-01", "叶选平同志", 100), ("2025-06-13", "陈云同志", 120), ("2025-08-05", "任建新同志", 100)]
    reports_ = [
        report(f"a{i}", date, f"纪念{who}诞辰{n}周年座谈会在京举行",
               f"央视网消息（新闻联播）：纪念{who}诞辰{n}周年座谈会{int(date[-2:])}日在京举行。王沪宁出席座谈会。")
        for i, (date, who, n) in enumerate(honoured)
    ]  # fmt: skip
    docs, meetings = facts_of(reports_)
    asked = parse("王沪宁出席过哪些纪念人物诞辰100周年的座谈会？", kinds(meetings), {"王沪宁"}, dt.date(2026, 1, 1))
    assert asked is not None and asked.anniversary == "100"
    assert [g[0].doc_id for g in select(asked, meetings, docs)] == ["a0", "a2"]  # not the 120th


def test_a_speech_conveyed_at_a_meeting_is_not_given_there():
    from rag.many import select

    conveyed = report(
        "w1", "2025-05-09", "李强主持召开国务院常务会议",
        "央视网消息（新闻联播）：国务院总理李强5月9日主持召开国务院常务会议，学习贯彻习近平总书记在部分省区市座谈会上的重要讲话精神。",
    )  # fmt: skip
    instructed = report(
        "w2", "2026-04-08", "李强出席全国服务业大会并讲话",
        "央视网消息（新闻联播）：习近平近日就服务业发展作出重要指示。全国服务业大会4月7日至8日在京召开。会上传达了习近平重要指示。"
        "李强出席会议并讲话。",
    )  # fmt: skip
    spoken = report(
        "w3", "2024-12-12", "中央经济工作会议在北京举行",
        "央视网消息（新闻联播）：中央经济工作会议12月11日至12日在北京举行。习近平出席会议并发表重要讲话。",
    )  # fmt: skip
    docs, meetings = facts_of([conveyed, instructed, spoken])
    roles = {m.doc_id: {(p.name, p.role) for p in m.people} for m in meetings}
    assert ("习近平", "spoke") not in roles["w1"] and ("习近平", "spoke") in roles["w3"]
    assert ("李强", "spoke") in roles["w2"]
    q = "2025年的国常会里，哪几次是专门学习贯彻习近平总书记重要讲话精神的？"
    asked = parse(q, kinds(meetings), {"习近平", "李强"}, dt.date(2025, 12, 31))
    assert asked is not None and asked.role == "conveyed"
    assert [g[0].doc_id for g in select(asked, meetings, docs)] == ["w1"]


def test_at_a_forums_yearly_meeting_is_a_series_not_one_meeting():
    known = {"博鳌亚洲论坛": 8, "国务院常务会议": 90}
    latest = parse("韩正最近一次在博鳌亚洲论坛年会上发表主旨演讲是哪天？", known, {"韩正"}, TODAY)
    assert latest is not None and latest.aggregate == "latest" and latest.role == "spoke"
    # 会上 with 分别 and no window is still one meeting's content
    one = parse("李克强主持的国常会上，“米袋子”和“菜篮子”分别要落实什么负责制？", known, {"李克强"}, TODAY)
    assert one is None


def test_a_class_of_holders_names_each_members_meetings():
    congresses = [
        ("2022-12-07", "中国农工民主党第十七次全国代表大会", "李强"),
        ("2022-12-08", "中国国民党革命委员会第十四次全国代表大会", "蔡奇"),
        ("2022-12-19", "九三学社第十二次全国代表大会", "王沪宁"),
        ("2022-12-11", "中国工商业联合会第十三次全国代表大会", "李强"),
    ]
    reports_ = [
        report(f"m{i}", date, f"{name}在京开幕", f"央视网消息（新闻联播）：{name}{int(date[-2:])}日在京开幕。{who}代表中共中央致贺词。")
        for i, (date, name, who) in enumerate(congresses)
    ]  # fmt: skip
    reports_.append(report("m9", "2022-10-16", "中国共产党第二十次全国代表大会开幕",
                           "央视网消息（新闻联播）：中国共产党第二十次全国代表大会16日在京开幕。"))  # fmt: skip
    docs, meetings = facts_of(reports_)
    from rag.many import compose

    asked = parse("2022年底各民主党派开全国代表大会，分别是哪天开幕的？", kinds(meetings), set(), TODAY)
    assert asked is not None and len(asked.family) == 3  # the parties' congresses: not 工商联's, not the 中共's
    cited = {c.doc_id for c in compose(asked, meetings, docs).citations}
    assert cited == {"m0", "m1", "m2"}


def test_what_a_review_of_the_third_round_found_stays_mended():
    from rag.many import _anniversary, compose, select

    # each number of a row named by its own number
    npc = report(
        "r1", "2025-10-24", "十四届全国人大常委会第十八次会议在京举行",
        "央视网消息（新闻联播）：十四届全国人大常委会第十八次会议24日在北京举行。赵乐际委员长主持。\n"
        "24日下午，赵乐际委员长分别主持召开第52次、第53次委员长会议，审议有关决定草案。",
    )  # fmt: skip
    m = extract(npc)
    assert m is not None and [x.name for x in m.also] == ["第52次委员长会议", "第53次委员长会议"]
    # a meeting name followed by 大会 (会议大会发言) is not a forum's yearly meeting
    assert (
        next(x.name for x in mentions("全国政协十四届常委会第三次会议大会发言。")) == "全国政协十四届常委会第三次会议"
    )
    # anniversaries in Chinese numerals
    assert _anniversary("纪念邓小平同志诞辰一百二十周年座谈会") == "120" and _anniversary("座谈会") is None
    asked = parse(
        "2024年纪念老同志诞辰一百周年的座谈会有哪些？",
        {"纪念甲同志诞辰周年座谈会": 1, "纪念乙同志诞辰周年座谈会": 1},
        set(),
        TODAY,
    )
    assert asked is not None and asked.anniversary == "100"
    # 亲自 says how, not what: not a description word (亲自部署 in a report is no answer)
    in_person = parse("李强亲自出席了哪些峰会？", {"二十国集团领导人峰会": 3}, {"李强"}, TODAY)
    assert in_person is not None and in_person.in_person and "亲自" not in in_person.description
    # 分别就什么听取意见: the topics, whatever was heard
    consulted = parse("2023年中共中央党外人士座谈会分别就什么听取意见？", {"中共中央党外人士座谈会": 5}, set(), TODAY)
    assert consulted is not None and consulted.verb is None and consulted.topic
    # the session of the meeting documents are sent to is not the question's
    drafts = parse("2025年中央政治局会议讨论了哪些提请四中全会审议的文件？", {"中共中央政治局会议": 40}, set(), TODAY)
    assert drafts is not None and drafts.session is None
    # opening and closing: the communique's last day, not a later piece's
    plenum = [
        report("c1", "2025-01-06", "二十届中央纪委四次全会在京开幕", "央视网消息（新闻联播）：二十届中央纪委四次全会6日在北京开幕。"),
        report("c2", "2025-01-08", "中国共产党第二十届中央纪律检查委员会第四次全体会议公报",
               "央视网消息（新闻联播）：中国共产党第二十届中央纪律检查委员会第四次全体会议，于2025年1月6日至8日在北京举行。"),
        report("c3", "2025-01-11", "二十届中央纪委四次全会精神引发热烈反响",
               "央视网消息（新闻联播）：二十届中央纪委四次全会11日在各地引发热烈反响，干部群众表示要贯彻落实。"),
    ]  # fmt: skip
    docs, meetings = facts_of(plenum)
    both = parse("二十届中央纪委历次全会分别是哪天开幕、哪天闭幕的？", kinds(meetings), set(), TODAY)
    assert both is not None and "2025年1月6日开幕，8日闭幕" in compose(both, meetings, docs).text
    assert select(both, meetings, docs)


def test_a_meeting_reported_only_ahead_joins_the_one_held_days_after():
    from rag.many import _grouped

    ahead = Meeting("g1", "海合会峰会", "东盟-中国-海合会峰会", "2025-05-24", "2025-05-26", indirect=True)
    held = Meeting("g2", "海合会峰会", "东盟-中国-海合会峰会", "2025-05-27")
    later = Meeting("g3", "海合会峰会", "东盟-中国-海合会峰会", "2025-07-20", indirect=True)
    groups = _grouped([ahead, held, later])
    assert [[m.doc_id for m in g] for g in groups] == [["g2", "g1"], ["g3"]]  # dated by the summit; a later one apart


def test_a_meeting_of_others_joined_to_the_holders_is_another_meeting():
    from rag.many import _variants

    assert [m.name for m in mentions("第九次中日韩领导人会议27日在首尔举行。")] == [
        "第九次中日韩领导人会议"
    ]  # 日 of 中日韩
    assert [m.name for m in mentions("李强19日主持召开国务院常务会议。")] == ["国务院常务会议"]  # 19日 still ends it
    known = ["中日韩领导人会议", "东盟与中日韩领导人会议", "征求意见中共中央党外人士座谈会", "中共中央党外人士座谈会"]
    assert _variants("中日韩领导人会议", known) == {"中日韩领导人会议"}  # 东盟与中日韩: ASEAN's, another meeting
    assert "征求意见中共中央党外人士座谈会" in _variants(
        "中共中央党外人士座谈会", known
    )  # a purpose before it: the same


def test_a_bare_meeting_noun_names_every_kind_of_it():
    known = {"座谈会": 1, "双周协商座谈会": 20, "党外人士座谈会": 8, "国务院常务会议": 90}
    asked = parse("2024年王沪宁出席了哪些座谈会？", known, {"王沪宁"}, TODAY)
    assert asked is not None and asked.kind == "座谈会"
    assert asked.family == {"座谈会", "双周协商座谈会", "党外人士座谈会"}  # not only the kind named just 座谈会


def test_sessions_of_two_terms_a_reporter_named_before_the_title_and_days_to_come_after_them():
    from rag.many import _grouped, compose, select
    from rag.meetings import meeting_dates

    # 国务院第八次全体会议 of two terms (2023 and 2025) are two meetings, and a presider's first is his own
    council = [
        report("a1", "2023-02-03", "李克强主持召开国务院全体会议",
               "央视网消息（新闻联播）：国务院总理李克强3日主持召开国务院第八次全体会议，讨论政府工作报告。"),
        report("a2", "2025-03-14", "李强主持召开国务院第八次全体会议",
               "央视网消息（新闻联播）：国务院总理李强3月14日主持召开国务院第八次全体会议，部署重点工作。"),
    ]  # fmt: skip
    docs, meetings = facts_of(council)
    assert [[m.doc_id for m in g] for g in _grouped(list(meetings))] == [["a1"], ["a2"]]
    first = parse("李强主持的第一次国务院全体会议是哪天召开的？", kinds(meetings), {"李强", "李克强"}, TODAY)
    assert first is not None and "2025年3月14日" in compose(first, meetings, docs).text
    # 审议通过了李希同志代表…所作的《…》工作报告: who reported, under its title; the meeting's days are the
    # communique's, though only the opening's report names nobody
    plenum = [
        report("p1", "2024-01-08", "二十届中央纪委三次全会开幕", "央视网消息（新闻联播）：二十届中央纪委三次全会8日在北京开幕。"),
        report("p2", "2024-01-10", "中国共产党第二十届中央纪律检查委员会第三次全体会议公报",
               "央视网消息（新闻联播）：中国共产党第二十届中央纪律检查委员会第三次全体会议，于2024年1月8日至10日在北京举行。"
               "全会审议通过了李希同志代表中央纪委常委会所作的《纵深推进新征程纪检监察工作高质量发展》工作报告。"),
    ]  # fmt: skip
    docs, meetings = facts_of(plenum)
    assert ("李希", "reported") in {(p.name, p.role) for m in meetings for p in m.people}
    asked = parse("李希在中央纪委全会上作的工作报告题目是什么？分别是哪天？", kinds(meetings), {"李希"}, TODAY)
    assert asked is not None and [len(g) for g in select(asked, meetings, docs)] == [2]  # both reports of it
    assert "2024年1月8日至10日" in compose(asked, meetings, docs).text
    # 7月2日至6日，国家主席习近平将出席…: days to come, of the report's year
    assert meeting_dates("7月2日至6日，国家主席习近平将出席在阿斯塔纳举行的峰会。", "2024-06-30") == (
        "2024-07-02",
        "2024-07-06",
    )
    # but a day of something held, before a summit to come: 13日在广岛举行集会，抗议即将举行的…峰会
    assert meeting_dates("约200名民众13日在广岛举行集会，抗议即将举行的七国集团峰会。", "2023-05-14")[0] == "2023-05-13"


def test_the_day_of_a_kind_of_meeting_in_a_year_and_the_day_a_session_closed():
    from rag.many import compose
    from rag.meetings import _topic

    work = [
        report("w1", "2025-12-11", "中央经济工作会议在北京举行",
               "央视网消息（新闻联播）：中央经济工作会议12月10日至11日在北京举行。习近平出席会议并发表重要讲话。"),
        report("w2", "2024-12-12", "中央经济工作会议在北京举行",
               "央视网消息（新闻联播）：中央经济工作会议12月11日至12日在北京举行。习近平出席会议并发表重要讲话。"),
    ]  # fmt: skip
    docs, meetings = facts_of(work)
    when = parse("2025年中央经济工作会议是哪天开的？", kinds(meetings), set(), TODAY)
    assert when is not None and when.aggregate == "when"
    assert "2025年12月10日至11日" in compose(when, meetings, docs).text
    assert parse("中央经济工作会议是哪天开的？", kinds(meetings), set(), TODAY) is None  # no window: one meeting
    from rag.many import asked_window

    # when the facts hold none then, the passages are those of that year, not a piece of another
    last_year = asked_window("去年的中央经济工作会议是哪天开的？", dt.date(2025, 12, 31))
    assert last_year is not None and (last_year.start, last_year.end) == ("2024-01-01", "2024-12-31")
    assert parse("2025年哪天审议通过了条例？", kinds(meetings), set(), TODAY) is None  # what was done
    # the day it closed is the closing's report, not a piece written days after the session
    npc = [
        report("n1", "2023-03-05", "十四届全国人大一次会议在京开幕", "央视网消息（新闻联播）：十四届全国人大一次会议5日在京开幕。"),
        report("n2", "2023-03-13", "十四届全国人大一次会议在京闭幕", "央视网消息（新闻联播）：十四届全国人大一次会议13日在京闭幕。"),
        report("n3", "2023-03-17", "认真学习十四届全国人大一次会议精神",
               "央视网消息（新闻联播）：17日，各地认真学习贯彻十四届全国人大一次会议精神。"),
    ]  # fmt: skip
    docs, meetings = facts_of(npc)
    closed = parse("2023年十四届全国人大一次会议是哪天闭幕的？", kinds(meetings), set(), TODAY)
    assert closed is not None and "2023年3月13日闭幕" in compose(closed, meetings, docs).text
    # a title's topic with 、 in it; not the set phrase 围绕中心、服务大局
    topic = _topic("", 0, 0, "全国政协召开双周协商座谈会 围绕加强知识产权保护、助推新质生产力发展协商议政")
    assert topic is not None and topic.text == "加强知识产权保护、助推新质生产力发展"
    assert _topic("常委会围绕中心、服务大局、集智聚力、建言资政。", 0, 30) is None


def test_party_rules_are_each_form_they_take_unless_the_question_says_which():
    politburo = [
        report("p1", "2024-01-31", "中共中央政治局召开会议",
               "央视网消息（新闻联播）：中共中央政治局1月31日召开会议，审议《中国共产党巡视工作条例》。"),
        report("p2", "2024-07-30", "中共中央政治局召开会议",
               "央视网消息（新闻联播）：中共中央政治局7月30日召开会议，审议《整治形式主义为基层减负若干规定》。"),
    ]  # fmt: skip
    from rag.many import compose

    docs, meetings = facts_of(politburo)
    rules = parse("2024年中共中央政治局会议审议了哪些党内法规？", kinds(meetings), set(), TODAY)
    assert rules is not None
    text = compose(rules, meetings, docs).text
    assert "党内法规有2项" in text and "若干规定" in text
    only = parse("2024年中共中央政治局会议审议了哪些党内法规（条例）？", kinds(meetings), set(), TODAY)
    assert only is not None and "若干规定" not in compose(only, meetings, docs).text


def test_who_presided_said_a_few_sentences_after_the_lead():
    honoured = report(
        "q1", "2024-12-16", "中共中央举行纪念乔石同志诞辰100周年座谈会 习近平发表重要讲话",
        "央视网消息（新闻联播）：中共中央16日上午在人民大会堂举行座谈会，纪念乔石同志诞辰100周年。"
        "中共中央总书记习近平发表重要讲话强调，要牢记初心使命。我们要高举伟大旗帜。\n"
        "中共中央政治局常委赵乐际主持座谈会，中共中央政治局常委蔡奇、李希出席座谈会。",
    )  # fmt: skip
    m = extract(honoured)
    assert m is not None and ("赵乐际", "presided") in {(p.name, p.role) for p in m.people}
    # a title that ends right before the name: 秘书长王东峰, not 东峰
    other = report(
        "q2", "2023-05-10", "纪念霍英东先生诞辰100周年座谈会在京举行",
        "央视网消息（新闻联播）：纪念霍英东先生诞辰100周年座谈会10日在京举行。王沪宁出席座谈会并讲话。"
        "他表示，要团结奋斗。\n全国政协副主席兼秘书长王东峰主持座谈会。",
    )  # fmt: skip
    m = extract(other)
    assert m is not None and ("王东峰", "presided") in {(p.name, p.role) for p in m.people}
    # 主持召开 a few sentences on is another meeting's
    aside = report(
        "q3", "2024-03-01", "某工作会议在京召开",
        "央视网消息（新闻联播）：某工作会议1日在京召开。丁一出席会议并讲话。他强调，要抓落实。\n会后，丁二主持召开座谈会。",
    )  # fmt: skip
    m = extract(aside)
    assert m is not None and "presided" not in {p.role for p in m.people}


def test_kinds_a_bracket_counts_tenure_and_the_meetings_decided_on():
    from rag.many import compose
    from rag.meetings import normalize_kind

    assert (
        normalize_kind("党的二十届三中全会")[0]
        == normalize_kind("中共二十届四中全会")[0]
        == "中国共产党中央委员会全体会议"
    )
    plenums = [
        report("k1", "2022-10-12", "中国共产党第十九届中央委员会第七次全体会议公报",
               "央视网消息（新闻联播）：中国共产党第十九届中央委员会第七次全体会议，于2022年10月9日至12日在北京举行。"),
        report("k2", "2022-10-07", "中国共产党第十九届中央纪律检查委员会第七次全体会议公报",
               "央视网消息（新闻联播）：中国共产党第十九届中央纪律检查委员会第七次全体会议，于2022年10月7日在北京举行。"),
        report("k3", "2022-10-23", "民革十四届七中全会在京举行", "央视网消息（新闻联播）：民革十四届七中全会23日在京举行。"),
    ]  # fmt: skip
    docs, meetings = facts_of(plenums)
    both = parse("2022年四季度播发过哪几份党的中央全会公报（中央委员会和中央纪委的都算）？各次全会在哪天闭幕（公报通过）？",
                 kinds(meetings), set(), TODAY)  # fmt: skip
    assert both is not None and both.verb is None  # 通过 in brackets says which day, not what was passed
    text = compose(both, meetings, docs).text
    assert "2022年10月12日闭幕" in text and "2022年10月7日闭幕" in text and "民革" not in text
    # 任…主席期间: a person's years in office, not the days of a meeting
    tenure = parse("汪洋任全国政协主席期间，最后一次全国政协常委会会议是哪天？", {"全国政协常委会会议": 9, "全国政协主席会议": 9},
                   {"汪洋"}, TODAY)  # fmt: skip
    assert (
        tenure is not None and tenure.during is None and tenure.kind == "全国政协常委会会议" and tenure.person == "汪洋"
    )
    # the plenums the Politburo decided to hold (up to 主要议程), not another body's plenum it also set
    politburo = [
        report("d1", "2024-04-30", "中共中央政治局召开会议",
               "央视网消息（新闻联播）：中共中央政治局4月30日召开会议，决定今年7月在北京召开中国共产党第二十届中央委员会"
               "第三次全体会议，主要议程是，中共中央政治局向中央委员会报告工作。"),
        report("d2", "2025-12-25", "中共中央政治局召开会议",
               "央视网消息（新闻联播）：中共中央政治局12月25日召开会议，会议同意，明年1月12日至14日召开二十届中央纪律检查委员会"
               "第五次全体会议。"),
    ]  # fmt: skip
    docs, meetings = facts_of(politburo)
    decided = parse(
        "中共中央政治局哪几次会议决定召开中央全会？",
        {**kinds(meetings), "中国共产党中央委员会全体会议": 3},
        set(),
        TODAY,
    )
    assert decided is not None and decided.kind == "中共中央政治局会议"
    text = compose(decided, meetings, docs).text
    assert "第三次全体会议" in text and "纪律检查" not in text


def test_how_many_holders_held_one_is_a_count():
    from rag.many import _aggregate

    assert _aggregate("今年一共有几个民主党派召开了全国代表大会？") == "count"
    assert _aggregate("会议审议了几个条例？") is None  # not how many held a meeting
    assert _aggregate("哪几个民主党派开了大会？") == "list"


def test_a_qualifier_must_share_more_than_half_of_its_words():
    from rag.many import compose

    politburo = [
        report("z1", "2024-01-31", "中共中央政治局召开会议",
               "央视网消息（新闻联播）：中共中央政治局1月31日召开会议，审议《中央政治局常委会听取和研究全国人大常委会党组工作"
               "汇报和中央书记处工作报告的综合情况报告》。"),
        report("z2", "2024-03-29", "中共中央政治局召开会议",
               "央视网消息（新闻联播）：中共中央政治局3月29日召开会议，审议《关于二十届中央第二轮巡视情况的综合报告》。"),
    ]  # fmt: skip
    docs, meetings = facts_of(politburo)
    asked = parse("中共中央政治局哪几次会议审议了中央巡视情况的综合报告？", kinds(meetings), set(), TODAY)
    assert asked is not None
    text = compose(asked, meetings, docs).text
    assert "第二轮巡视" in text and "综合情况报告" not in text  # 中央…情况…综合: half its pairs, not about 巡视


def test_the_day_of_a_numbered_meeting_only_announced_is_not_found_and_the_day_one_opened():
    from rag.many import compose, select

    reports_ = [
        report("o1", "2026-07-30", "中共中央政治局召开会议",
               "央视网消息（新闻联播）：中共中央政治局7月30日召开会议，决定今年10月在北京召开中国共产党第二十届中央委员会"
               "第五次全体会议，主要议程是，中共中央政治局向中央委员会报告工作。"),
        report("o2", "2025-10-23", "中国共产党第二十届中央委员会第四次全体会议公报",
               "央视网消息（新闻联播）：中国共产党第二十届中央委员会第四次全体会议，于2025年10月20日至23日在北京举行。"),
        report("o3", "2024-03-04", "十四届全国人大二次会议举行新闻发布会",
               "央视网消息（新闻联播）：十四届全国人大二次会议4日举行新闻发布会。"),
        report("o4", "2024-03-05", "十四届全国人大二次会议在京开幕", "央视网消息（新闻联播）：十四届全国人大二次会议5日在京开幕。"),
    ]  # fmt: skip
    docs, meetings = facts_of(reports_)
    known = kinds(meetings)
    fifth = parse("二十届五中全会是哪天闭幕的？", known, set(), TODAY)
    assert fifth is not None and fifth.aggregate == "when" and fifth.session == 5
    assert not select(fifth, meetings, docs)  # only decided on: the api says not found
    fourth = parse("二十届四中全会是哪天闭幕的？", known, set(), TODAY)
    assert fourth is not None and "2025年10月23日闭幕" in compose(fourth, meetings, docs).text
    opened = parse("十四届全国人大二次会议是什么时候开幕的？", known, set(), TODAY)
    assert opened is not None and "2024年3月5日" in compose(opened, meetings, docs).text  # not the press conference
    assert parse("全国政协主席会议建议十四届四次会议哪天开？", known, set(), TODAY) is None  # the day another set
    # 中央委员会…全会 is its 全体会议; 开过哪些会议 asks for the meetings
    plenums = parse("新闻联播报道的二十届中央委员会历次全会分别是哪天闭幕的？", known, set(), TODAY)
    assert plenums is not None and plenums.kind == "中国共产党中央委员会全体会议"
    never = parse("中央外事工作委员会开过哪些会议？", known, set(), TODAY)
    assert never is not None and never.kind is None and not compose(never, meetings, docs).found


def test_a_title_that_is_only_the_kind_of_object_is_the_one_named_before():
    council = state_council("b", [("2026-03-13", "审议通过《全国农业普查条例（修订草案）》（以下简称《条例》）")])
    m = extract(council[0])
    assert m is not None and [d.text for d in m.decisions] == ["《全国农业普查条例（修订草案）》"]


def test_reviewed_for_adopted_the_object_that_ends_the_phrase_and_no_other_bodys_passage(archive):
    from rag.many import compose

    politburo = [
        report("r1", "2023-08-31", "中共中央政治局召开会议",
               "央视网消息（新闻联播）：中共中央政治局8月31日召开会议，审议《干部教育培训工作条例》。"),
    ]  # fmt: skip
    docs, meetings = facts_of(politburo)
    asked = parse("2023年中共中央政治局会议审议通过了哪些条例？", kinds(meetings), set(), TODAY)
    assert asked is not None and asked.verb == "通过" and "审议通过" not in asked.words
    text = compose(asked, meetings, docs).text
    assert "审议的条例有1项" in text and "干部教育培训工作条例" in text  # its reports say 审议: so does the answer
    checks = parse("2025年人大常委会会议听取了哪几个执法检查报告？", {"全国人大常委会会议": 6}, set(), TODAY)
    assert checks is not None and (checks.object_kind, checks.qualifier) == ("报告", "执法检查")  # not 法 of 执法
    # the Standing Committee's sessions are there and passed no 条例: not the 国常会's passage that has one
    ans = archive.ask("2024年全国人大常委会审议通过了哪些条例？")
    assert not ans.found and ans.citations == ()


def test_a_meeting_of_years_before_recalled_in_a_lead_is_not_one_reported():
    recalled = report(
        "h1", "2026-06-21", "【伟大征程】党的十一届三中全会开启改革开放和社会主义现代化建设新时期",
        "央视网消息（新闻联播）：1978年12月，党的十一届三中全会召开，实现党和国家工作中心的战略转移。",
    )  # fmt: skip
    assert extract(recalled) is None
    held = report(
        "h2",
        "2026-01-12",
        "二十届中央纪委五次全会在京开幕",
        "央视网消息（新闻联播）：2026年1月12日，二十届中央纪委五次全会在京开幕。",
    )
    assert extract(held) is not None  # this year's: reported


def test_a_sittings_lines_a_run_of_ratifications_and_what_the_qualifier_says():
    from rag.many import compose

    sitting = report(
        "t1", "2023-10-21", "十四届全国人大常委会第六次会议举行第二次全体会议",
        "央视网消息（新闻联播）：十四届全国人大常委会第六次会议21日上午在京举行第二次全体会议。赵乐际委员长出席。\n"
        "会议听取了全国人大常委会副委员长丁仲礼作的常委会执法检查组关于检查湿地保护法实施情况的报告。\n"
        "听取了中国人民银行行长潘功胜受国务院委托作的关于金融工作情况的报告。\n"
        "听取了人力资源和社会保障部副部长俞家栋受国务院委托作的关于就业工作情况的报告。\n"
        "听取了外交部副部长受国务院委托作的关于提请审议《中华人民共和国和毛里求斯共和国引渡条约》的议案的说明。",
    )  # fmt: skip
    closing = report(
        "t2", "2026-04-30", "十四届全国人大常委会第二十二次会议在京闭幕",
        "央视网消息（新闻联播）：十四届全国人大常委会第二十二次会议30日上午在北京人民大会堂闭幕。赵乐际委员长主持闭幕会。\n"
        "会议表决通过了全国人大常委会关于批准《中华人民共和国和阿塞拜疆共和国关于刑事司法协助的条约》的决定，"
        "关于批准《中华人民共和国和哈萨克斯坦共和国永久睦邻友好合作条约》的决定。",
    )  # fmt: skip
    m = extract(sitting)
    assert m is not None
    heard = [d.text for d in m.decisions]
    assert any("金融工作情况" in t for t in heard) and any(
        "就业工作情况" in t for t in heard
    )  # lines that open with 听取了
    assert not any(t.startswith("《") for t in heard)  # the treaty a 议案 asks to approve is not decided here
    docs, meetings = facts_of([sitting, closing])
    finance = parse("全国人大常委会哪几次会议听取了国务院关于金融工作情况的报告？", kinds(meetings), set(), TODAY)
    assert finance is not None
    text = compose(finance, meetings, docs).text
    assert "金融工作情况" in text and "就业" not in text  # 金融 is what the qualifier says
    treaties = parse("今年全国人大常委会会议批准了哪些国际条约？", kinds(meetings), set(), dt.date(2026, 8, 1))
    assert treaties is not None
    text = compose(treaties, meetings, docs).text
    assert "阿塞拜疆" in text and "永久睦邻友好合作条约" in text  # 国际 describes them; no title writes it
    assert normalize_kind("第十四届全国人民代表大会第四次会议")[0] == "全国人大会议"
    decided = parse("全国人大常委会哪几次会议作出了召开全国人民代表大会会议的决定？", {"全国人大常委会会议": 9, "全国人大会议": 5,
                    "全国人民代表大会": 1}, set(), TODAY)  # fmt: skip
    assert decided is not None and decided.verb == "决定召开" and decided.decided == "全国人大会议"


def test_the_plenary_passes_codes_and_the_same_report_heard_each_year_is_each_years():
    from rag.many import compose

    plenary = report(
        "c1", "2026-03-12", "十四届全国人大四次会议在京闭幕",
        "央视网消息（新闻联播）：第十四届全国人民代表大会第四次会议在圆满完成各项议程后，12日下午在北京人民大会堂闭幕。"
        "大会批准政府工作报告等。大会通过生态环境法典、民族团结进步促进法。\n会议批准这两个报告。",
    )  # fmt: skip
    m = extract(plenary)
    assert m is not None and m.kind == "全国人大会议"
    assert {(d.text, d.kind) for d in m.decisions} >= {("生态环境法典", "法"), ("民族团结进步促进法", "法")}
    assert not any(d.text.startswith("这") for d in m.decisions)  # 这两个报告: named before
    heard = [
        report(f"f{i}", date, "全国人大常委会举行全体会议",
               f"央视网消息（新闻联播）：十四届全国人大常委会第{n}次会议{int(date[-2:])}日举行第二次全体会议。\n"
               "听取了中国人民银行行长潘功胜受国务院委托作的关于金融工作情况的报告。")
        for i, (date, n) in enumerate([("2023-10-21", "六"), ("2024-11-05", "十二")])
    ]  # fmt: skip
    docs, meetings = facts_of(heard)
    asked = parse("全国人大常委会哪几次会议听取了关于金融工作情况的报告？", kinds(meetings), set(), TODAY)
    assert asked is not None and "报告有2项" in compose(asked, meetings, docs).text


def test_a_person_no_fact_names_is_looked_for_in_the_reports():
    from rag.many import _unknown_person

    asked = parse("资料中李克强总理最后一次作政府工作报告是在哪次全国人大会议上？", {"政府工作报告": 52}, set(), TODAY)
    assert asked is not None and asked.person is None and asked.mentioned == "李克强"
    assert _unknown_person("资料中国务院总理最后一次作政府工作报告是哪天？") is None  # a title, no name
    known = parse("资料中李强总理最后一次主持国务院常务会议是哪天？", {"国务院常务会议": 9}, {"李强"}, TODAY)
    assert known is not None and known.person == "李强" and known.mentioned is None  # the facts' person, as before


def test_a_run_of_things_passed_goes_on_past_a_part_with_none_and_an_objects_owner():
    chairs = report(
        "w1", "2023-04-14", "赵乐际主持召开十四届全国人大常委会第二次委员长会议",
        "央视网消息（新闻联播）：十四届全国人大常委会第二次委员长会议14日在北京人民大会堂举行。赵乐际委员长主持会议。\n"
        "委员长会议审议通过了全国人大常委会2023年度工作要点和立法、监督、代表工作计划，第十四届全国人大常委会分组会议"
        "分组办法及召集人名单，修订后的委员长会议议事规则、常委会人事任免办法。",
    )  # fmt: skip
    m = extract(chairs)
    assert m is not None
    passed = {(d.text, d.kind) for d in m.decisions}
    assert ("修订后的委员长会议议事规则", "规则") in passed and ("常委会人事任免办法", "办法") in passed
    assert not any(kind == "法" for _, kind in passed)  # 立法 of 工作要点和立法: making laws, not a law
    rules = parse("2023年委员长会议审议通过了哪些议事规则、工作规则和办法？", kinds([m]), set(), TODAY)
    assert rules is not None and (rules.object_kind, rules.also_kinds, rules.qualifier) == ("规则", ("办法",), None)
    decrees = parse("国务院常务会议审议通过过哪些法律的实施条例？", {"国务院常务会议": 9}, set(), TODAY)
    assert decrees is not None and (decrees.object_kind, decrees.qualifier) == ("条例", "实施条例")


def test_what_a_meeting_examined_a_party_joined_by_yu_and_asked_in_other_words():
    from rag.many import _aggregate, _variants
    from rag.meetings import _topic

    lead = "中共中央政治局于12月25日至26日召开民主生活会，围绕锲而不舍落实中央八项规定精神，推进作风建设常态化长效化，结合思想和工作实际进行自我检视。"
    topic = _topic(lead, 0, len(lead))
    assert topic is not None and topic.text == "锲而不舍落实中央八项规定精神"
    assert "东盟领导人会议" not in _variants("东盟与中日韩领导人会议", ["东盟领导人会议", "东盟与中日韩领导人会议"])
    assert "经济形势专家座谈会" in _variants(
        "经济形势专家和企业家座谈会", ["经济形势专家座谈会"]
    )  # a group joined by 和
    assert _aggregate("党外人士座谈会资料里一共有几回？") == "count"
    latest = parse(
        "中央政治局上一次开民主生活会是什么时候？",
        {"中共中央政治局民主生活会": 2, "中共中央政治局会议": 40},
        set(),
        TODAY,
    )
    assert latest is not None and latest.aggregate == "latest" and latest.kind == "中共中央政治局民主生活会"


def test_a_window_that_starts_after_a_meeting_closed():
    from rag.many import compose

    reports_ = [
        report("a1", "2022-10-22", "中国共产党第二十次全国代表大会在京闭幕",
               "央视网消息（新闻联播）：中国共产党第二十次全国代表大会22日在京闭幕。"),
        *state_council("a", [("2022-10-12", "部署稳经济"), ("2022-10-26", "部署稳就业"), ("2022-11-22", "部署保民生")]),
    ]  # fmt: skip
    docs, meetings = facts_of(reports_)
    after = parse("党的二十大以后，李强主持开了几次国务院常务会议？", kinds(meetings), {"李强"}, TODAY)
    assert after is not None and after.after is not None and after.after[2] == 20 and after.person == "李强"
    text = compose(after, meetings, docs).text
    assert "共有2次" in text and "2022年10月12日" not in text  # from the day after it closed
    assert parse("2017年以来国务院常务会议开了几次？", kinds(meetings), set(), TODAY).after is None  # a year: a window


def test_who_briefed_a_meeting_reported_to_it():
    briefed = report(
        "b1", "2024-07-30", "中共中央召开党外人士座谈会",
        "央视网消息（新闻联播）：中共中央7月26日在中南海召开党外人士座谈会。中共中央总书记习近平主持座谈会并发表重要讲话。\n"
        "李强受中共中央委托通报了上半年经济工作有关情况。",
    )  # fmt: skip
    m = extract(briefed)
    assert m is not None and ("李强", "reported") in {(p.name, p.role) for p in m.people}
    asked = parse("李强受中共中央委托在党外人士座谈会上通报经济工作情况，一共有几回？", kinds([m]), {"李强"}, TODAY)
    assert asked is not None and asked.role == "reported"


def test_a_day_proposed_for_a_plenary_session_is_a_meeting_decided_on():
    from rag.many import compose

    proposed = report(
        "p1", "2023-12-29", "全国政协主席会议建议明年3月4日召开全国政协十四届二次会议",
        "央视网消息（新闻联播）：日前召开的政协第十四届全国委员会第十二次主席会议，审议通过了关于召开政协第十四届全国委员会"
        "第二次会议的决定（草案），建议全国政协十四届二次会议于2024年3月4日在北京召开。"
        "会议还建议2024年3月1日至2日召开全国政协十四届常委会第五次会议，为召开全国政协十四届二次会议作准备。",
    )  # fmt: skip
    m = extract(proposed)
    assert m is not None and m.kind == "全国政协主席会议" and m.date == "2023-12-29"  # not the session it proposes
    assert any(d.verb == "决定召开" and d.text.startswith("全国政协十四届二次会议") for d in m.decisions)
    docs, meetings = facts_of([proposed])
    asked = parse(
        "全国政协主席会议哪几次建议了全国政协全体会议的召开日期？", {**kinds(meetings), "全国政协会议": 5}, set(), TODAY
    )
    assert asked is not None and asked.decided == "全国政协会议"
    text = compose(asked, meetings, docs).text
    assert "2024年3月4日在北京召开" in text and "常委会第五次会议" not in text  # the 常委会 it prepares is another


def test_objects_the_question_describes_otherwise_are_not_listed(archive):
    from rag.many import compose

    closing = report(
        "e1", "2024-06-28", "十四届全国人大常委会第十次会议在京闭幕",
        "央视网消息（新闻联播）：十四届全国人大常委会第十次会议28日在京闭幕。赵乐际委员长主持。\n会议表决通过了农村集体经济组织法。\n"
        "会议听取了常委会执法检查组关于检查农业法实施情况的报告。",
    )  # fmt: skip
    launches = [
        report(f"e{i}", date, f"全国人大常委会{law}执法检查启动", f"央视网消息（新闻联播）：全国人大常委会{law}执法检查{int(date[-2:])}日启动。")
        for i, (date, law) in enumerate([("2024-04-15", "农业法"), ("2024-05-07", "非物质文化遗产法")], 2)
    ]  # fmt: skip
    docs, meetings = facts_of([closing, *launches])
    asked = parse("2024年全国人大常委会新启动的执法检查，都查的是哪几部法律？", kinds(meetings), set(), TODAY)
    assert asked is not None and asked.object_kind == "法"
    ans = compose(asked, meetings, docs)
    assert not ans.found and "没有写到" in ans.text  # the laws passed are not what those checks examined
    passed = parse("2024年全国人大常委会表决通过了哪些法律？", kinds(meetings), set(), TODAY)
    assert passed is not None and "农村集体经济组织法" in compose(passed, meetings, docs).text


def test_which_meetings_heard_about_something_that_every_meeting_names():
    from rag.many import compose

    council = state_council(
        "s",
        [
            ("2024-12-16", "听取安全生产治本攻坚三年行动进展情况汇报，强调要抓好安全生产"),
            ("2024-11-08", "部署促进外贸稳定增长的若干政策措施，要求抓好安全生产"),
            ("2024-10-18", "部署深入推进全国统一大市场建设，强调统筹发展和安全生产"),
        ],
    )
    docs, meetings = facts_of(council)
    asked = parse("国务院常务会议哪几次听取了关于安全生产工作的汇报？", kinds(meetings), set(), TODAY)
    assert asked is not None and asked.did == "听取" and asked.verb is None
    lines = [x for x in compose(asked, meetings, docs).text.splitlines() if x[:1].isdigit()]
    assert len(lines) == 1 and "2024年12月16日" in lines[0]  # every report writes 安全生产; one heard about it


def test_which_meetings_discussed_a_subject_every_report_mentions():
    from rag.many import compose

    talks = [
        report(f"t{i}", date, f"全国政协召开双周协商座谈会 围绕{topic}协商议政",
               f"央视网消息（新闻联播）：全国政协{int(date[5:7])}月{int(date[-2:])}日召开双周协商座谈会，围绕{topic}协商议政。"
               "王沪宁主持。委员们表示，要重视教育、科技和人才工作。")
        for i, (date, topic) in enumerate([("2023-09-22", "中小学教育教研体系建设"), ("2024-01-29", "推动金融高质量发展"),
                                           ("2024-03-29", "推进法治化营商环境建设")])
    ]  # fmt: skip
    docs, meetings = facts_of(talks)
    asked = parse("全国政协双周协商座谈会哪几次讨论了教育问题？", kinds(meetings), set(), TODAY)
    assert asked is not None and asked.about
    lines = [x for x in compose(asked, meetings, docs).text.splitlines() if x[:1].isdigit()]
    assert len(lines) == 1 and "教研" in lines[0]  # every report says 教育; one discussed it
    # the verb of the clause that asks what is no filter: 分别部署什么工作
    what = parse("2024年李强在哪几次国务院常务会议上讲了话？分别部署什么工作？", {"国务院常务会议": 9}, {"李强"}, TODAY)
    assert what is not None and what.did is None
