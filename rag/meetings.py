"""Meeting facts: the meeting a record reports, its kind, date, presider and decisions, with spans.

Extracted once per document at index time and stored with the index, so that questions about many
meetings ("2024年国务院常务会议审议通过了哪些条例？", "最近一次…是哪天？") are answered from facts, not
from the five best passages. Nothing here lists meetings: a meeting is a phrase ending in a meeting
noun (会议, 座谈会, 全会, 集体学习, 协商活动 …) that the record says was held (召开, 举行, 闭幕, 主持 …);
its kind is that phrase without sessions, terms and dates (``十四届全国人大常委会第十次会议`` →
``全国人大常委会会议``, term 14, session 10), taken from the title when the title reports it.
Every fact keeps its character span in the normalized document, to be cited and highlighted.
Pure functions over `Document`s; the queries over the facts are in `rag.many`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .dates import cn_number, date_from_text
from .tokenize import person_spans
from .types import Document

EXTRACTOR_VERSION = "96"

NUMERALS = "一二三四五六七八九十百零〇两\\d"  # of terms and sessions: 十四届, 第10次
# Meetings named by what they are for, not by 会议: generic vocabulary of the records too.
GATHERINGS = "务虚会|推进会|调度会|动员会|部署会|汇报会|协调会|研讨会|交流会|报告会|民主生活会|峰会|年会|论坛"
# Meeting nouns, longest first. Generic vocabulary of Chinese meeting records, not meeting names.
_SUFFIX = re.compile(
    r"(?:常务会议|全体会议|主席会议|委员长会议|专题会议|工作会议|座谈会|协商会|集体学习|协商活动|代表大会|全会|大会|会议"
    rf"|{GATHERINGS})"
    r"(?![堂厅场室]|成员|精神)"  # 人民大会堂 is a place, 主席会议成员务虚会 another meeting, 会议精神 not one
)
# What may stand inside a meeting's name: Chinese characters, numerals, quotes.
_NAME_CHAR = re.compile(rf"[\u4e00-\u9fff{NUMERALS[:-2]}0-9“”]")
# Words that end a name when walking back from its meeting noun.
_BOUNDARY = re.compile(
    r"(?:召开|举行|举办|主持|出席|参加|进行|祝贺|直播|会见|就|在|于|并|暨|(?<!党)的|将|以|对|为|是|时|(?<=[\d一二三四五六七八九十])日|了|上午|下午|晚)$"
)
_YEARLY = re.compile(r"(?:\d{1,4}(?:周年|年))?年会|大会")  # after a forum's name: its yearly meeting
# Words that begin with a boundary character but belong to the name (青年就业创业工作会议, 对口支援).
_NOT_BOUNDARY = ("就业", "对口", "对外")
# a word or two in brackets inside a name, after a name character: 政府首脑（总理）理事会, 党组（扩大）会议
ASIDES = re.compile(r"（[\u4e00-\u9fff]{1,4}）")
_ASIDE = re.compile(rf"(?<=[\u4e00-\u9fff]){ASIDES.pattern}$")
# A name held by a verb (召开…会议, 在…会议上) may hold words that elsewhere end one (以, 为, 对): from the verb,
# over name characters only, to where the walk back stopped at such a word
_ANCHOR = re.compile(r"(?:召开|举行|在)([\u4e00-\u9fff]{1,28})$")
_SOFT_BOUNDARY = "以为对就将于是"
# 在…集体学习时发表的讲话, 在…会议上的讲话: in a report's text, a speech given there before, not the meeting
# reported; a record titled 在…代表大会上的报告 is that speech, of that meeting
_SPOKEN_AT = re.compile(r"(?:时|上)[\u4e00-\u9fff]{0,6}的")
_SPEECH_TITLE = re.compile(r"(?:时|上)的[\u4e00-\u9fff]{0,6}(?:报告|讲话|致辞|发言)")
_PUBLISHED = re.compile(r"播发|发表|刊发|出版|刊登|评价")
# a title about how others received a meeting (国际人士高度关注…四中全会), not a report of it
_REACTION = re.compile(r"关注|热议|聚焦|点赞|解读|反响|评价|盛赞")
_HELD_BEFORE = re.compile(r"(?:主持召开|召开了?|举行了?|主持|出席|进行了?|在)$")
_HELD_AFTER = re.compile(
    r"^[，,]?于?(?:\d{4}年)?(?:\d{1,2}月)?(?:\d{1,2}日)?(?:至(?:\d{1,2}月)?\d{1,2}日)?(?:上午|下午|晚)?"
    r"(?:在[\u4e00-\u9fff]{1,8}?)?(?:召开|举行|闭幕|开幕|时|表决|审议通过)"
)
_TERM = re.compile(rf"(?:第)?([{NUMERALS}]+)届")
_SESSION = re.compile(rf"第([{NUMERALS}]+)次")
_BARE_SESSION = re.compile(rf"([{NUMERALS}]+)次(?=会议|全会|全体会议)")
_ORG_END = re.compile(
    r"(?:政协|人大|常委会|国务院|政治局|中央|委员会|政府|党组|部|院|总局|办公厅|中共中央|领导小组|中心组|主席团)$"
)
_CONGRESS = re.compile(r"(党的|[（(])([一二三四五六七八九十]{1,3})大(?=[）)]|[^\u4e00-\u9fff]|$|开幕|闭幕|召开|举行)")
_HOLDER_START = re.compile(r"中共中央|中共|全国|国务院|中央")
_DATE_NEAR = re.compile(r"(?:(\d{1,2})月)?(\d{1,2})日(?:至(?:(\d{1,2})月)?(\d{1,2})日)?")
# where a news report starts after its headlines: 央视网消息（新闻联播）：, 新华社北京7月19日电
_LEAD_PREFIX = re.compile(r"(?:消息|电)[（(][^）)]{0,12}[）)][:：]|消息[:：]|\d{1,2}日电")

# Decisions: a verb, then what it applies to (titles in 《》, or the clause).
_VERB = re.compile(r"审议通过|原则通过|表决通过|审议并原则通过|通过|审议|讨论|研究|部署|听取|决定核准|决定批准")
TITLE = re.compile(r"《[^《》]{2,80}》")  # a document named by its 《title》
_OBJECT_KIND = re.compile(
    r"(条例|法律|法典|法|规划|纲要|意见|方案|报告|决定|决议|办法|规定|计划|细则|准则|规则|条约|协定|公约|议案|修正案)(?:（[^）]*）)?(?:草案|修订草案|修正草案)?(?:）)?》?$"
)
# what a clause without a title is about: 决定核准…核电项目, 研究…有关举措
_CLAUSE_KIND = re.compile(r"(项目|举措|措施|政策|工作|行动|安排)$")
_ROLE_WORDS = r"(?:总书记|总理|副总理|委员长|副委员长|主席|副主席|书记|副书记|秘书长|市长|副市长|省长|主任|部长|同志)"
_PRESIDED = re.compile(r"主持")
_PRESIDED_IT = re.compile(r"主持(?:会议|座谈会|大会|全会|纪念会|报告会)(?![\u4e00-\u9fff])")  # not 主持召开…
_TRAILING_TIME = re.compile(r"(?:(?:\d{1,2}月)?\d{1,2}日)?(?:上午|下午|晚上?)?(?:在[\u4e00-\u9fff]{1,6})?$")
_JOINTLY = re.compile(r"(?:(?:同|与)[^，。；]{1,16}?|[，,]并)共同(?=主持)")  # presided together with another
_TITLED_NAME = re.compile(rf"{_ROLE_WORDS}([\u4e00-\u9fff]{{2,3}})$")


@dataclass(frozen=True)
class Person:
    """A person named with a role in a meeting: ``presided``, ``attended`` (出席、参加、列席、到会), ``spoke``
    (讲话、发言、致辞、致贺词) or ``reported`` (作…报告、作说明); one record per role."""

    name: str
    role: str
    start: int
    end: int


@dataclass(frozen=True)
class Decision:
    """What a meeting did with something: ``verb`` (审议通过, 部署 …), ``text`` as written (a 《title》
    or a clause), ``kind`` of the object (条例, 法, 规划 … or ""), and its span."""

    verb: str
    text: str
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Meeting:
    """The meeting a document reports.

    ``kind`` is the normalized name (no term, session or date); ``name`` as written, at ``start:end``
    of the document's text (-1 when it is only in the title); ``date`` / ``end_date`` the meeting's
    own days (ISO); ``lead`` the span of the sentence that reports it.
    """

    doc_id: str
    kind: str
    name: str
    date: str | None
    end_date: str | None = None
    term: int | None = None
    session: int | None = None
    start: int = -1
    end: int = -1
    lead: tuple[int, int] = (0, 0)
    people: tuple[Person, ...] = ()
    decisions: tuple[Decision, ...] = field(default=())
    topic: Decision | None = None  # what it discussed: 围绕“…”协商议政, 就…进行集体学习, 以“…”为议题
    # reported before it was held or as a stop of a journey (将于…出席, 抵达…出席, 对…进行访问…出席):
    # the days written are the announcement's or the journey's, not the meeting's own
    indirect: bool = False
    # other numbered meetings the report says were held (会前，王沪宁主持召开第三十三次主席会议), each with its
    # own facts; not in the index's table of one meeting per document, but read with it
    also: tuple[Meeting, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "kind": self.kind,
            "name": self.name,
            "date": self.date,
            "end_date": self.end_date,
            "term": self.term,
            "session": self.session,
            "start": self.start,
            "end": self.end,
            "lead": list(self.lead),
            "people": [vars(p) for p in self.people],
            "decisions": [vars(d) for d in self.decisions],
            "topic": vars(self.topic) if self.topic else None,
            "indirect": self.indirect,
            "also": [m.to_dict() for m in self.also],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Meeting:
        return cls(
            doc_id=d["doc_id"],
            kind=d["kind"],
            name=d["name"],
            date=d["date"],
            end_date=d["end_date"],
            term=d["term"],
            session=d["session"],
            start=d["start"],
            end=d["end"],
            lead=(int(d["lead"][0]), int(d["lead"][1])),
            people=tuple(Person(**p) for p in d["people"]),
            decisions=tuple(Decision(**x) for x in d["decisions"]),
            topic=Decision(**d["topic"]) if d.get("topic") else None,
            indirect=bool(d.get("indirect")),
            also=tuple(cls.from_dict(x) for x in d.get("also") or ()),
        )


# ------------------------------------------------------------------------------------------ mentions


@dataclass(frozen=True)
class Mention:
    """A meeting named in a text: its name as written, its span, and whether the text says it was held."""

    name: str
    start: int
    end: int
    held: bool


def mentions(text: str, title: bool = False) -> list[Mention]:
    """Meeting names in ``text``: each meeting noun with the name characters before it, up to a
    boundary word; ``held`` when a holding verb stands just before or after, not where a speech was
    given (在…会议上的讲话), unless ``text`` is a title that is that speech."""
    out: list[Mention] = []
    pos = 0
    quoted = [t.span() for t in TITLE.finditer(text)]  # 《在…集体学习时的讲话》 names a speech, not a meeting held
    for m in _SUFFIX.finditer(text):
        if m.start() < pos or any(lo < m.start() < hi for lo, hi in quoted):
            continue
        i = m.start()
        while i > pos:
            if (aside := _ASIDE.search(text, max(pos, i - 8), i)) and i - len(aside.group(0)) > pos:
                i -= len(aside.group(0))  # 政府首脑（总理）理事会, 党组（扩大）会议: a word aside within the name
                continue
            if not _NAME_CHAR.match(text[i - 1]):
                break
            if _BOUNDARY.search(text[max(0, i - 2) : i]) and text[i - 1 : i + 1] not in _NOT_BOUNDARY:
                break
            i -= 1
        i = _anchored(text, max(pos, i - 30), i)
        held_before = False
        if (
            out
            and i == pos == out[-1].end
            and out[-1].name.endswith(("论坛", "峰会"))
            and _YEARLY.fullmatch(text[pos : m.end()])
        ):
            held_before = out[-1].held  # 两岸企业家峰会10周年年会, 博鳌亚洲论坛2024年年会: a forum's yearly meeting
            i = out.pop().start
        name = text[i : m.end()]
        before, after = text[max(0, i - 6) : i], text[m.end() : m.end() + 40]
        held = bool(_HELD_BEFORE.search(before) or _HELD_AFTER.match(after))
        held = held_before or (held and (not _SPOKEN_AT.match(after) or (title and _the_speech(text, i, after))))
        out.append(Mention(name, i, m.end(), held))
        pos = m.end()
    return out


def _the_speech(title: str, start: int, after: str) -> bool:
    """A title that is the speech given at the meeting it names (陈独秀在…代表大会上的报告), not news of
    it (…上的重要讲话引发热烈反响, 新华社播发…上的工作报告)."""
    return _SPEECH_TITLE.fullmatch(after.rstrip(" ）)")) is not None and not _PUBLISHED.search(title[:start])


def _anchored(text: str, lo: int, i: int) -> int:
    """Where a name that the walk back ended at ``i`` starts when a verb holds it (召开推动…消费品以旧换新
    工作视频会议): right after the verb, across a word that elsewhere ends a name (以)."""
    if i == 0 or text[i - 1] not in _SOFT_BOUNDARY:
        return i
    anchor = _ANCHOR.search(text, lo, i)
    return anchor.start(1) if anchor and not re.search(r"[的在会]", anchor.group(1)) else i


def written_out(text: str) -> str:
    """Numbered party congresses written out: ``(十二大)``, ``党的二十大开幕`` → 中国共产党第十二次全国代表大会."""
    return _CONGRESS.sub(lambda m: f"{m.group(1).replace('党的', '')}中国共产党第{m.group(2)}次全国代表大会", text)


def _subject(text: str, start: int) -> str:
    """The organization that holds a meeting, written before its verb (``二十届中共中央政治局10月25日召开会议``)."""
    head = re.sub(r"(?:主持召开|召开|举行|进行)$", "", text[max(0, start - 30) : start])
    head = re.sub(
        r"[，,]?于?(?:\d{4}年)?(?:\d{1,2}月)?\d{1,2}日(?:上午|下午|晚)?(?:在[\u4e00-\u9fff]{1,4})?$", "", head
    )
    run = re.search(r"[\u4e00-\u9fff]+$", head)
    if run is None or not _ORG_END.search(run.group(0)):
        return ""
    # a title's purpose written before the holder (征求对经济工作的意见和建议中共中央召开…) is not its name
    holders = list(_HOLDER_START.finditer(run.group(0)))
    if holders and re.search(r"[的和对就于与及]", run.group(0)[: holders[-1].start()].replace("党的", "")):
        return run.group(0)[holders[-1].start() :]
    return run.group(0)


_PLENUM = re.compile(r"([一二三四五六七八九十])中全会$")
# the parties' formal names, as their short ones: 台湾民主自治同盟 is 台盟
_PARTIES = (
    ("中国国民党革命委员会", "民革"),
    ("中国民主同盟", "民盟"),
    ("中国民主建国会", "民建"),
    ("中国民主促进会", "民进"),
    ("中国农工民主党", "农工党"),
    ("中国致公党", "致公党"),
    ("台湾民主自治同盟", "台盟"),
)
# The formal names of the national bodies, as their short ones: 政协第十四届全国委员会 is 全国政协十四届
_FORMAL = (
    (re.compile(rf"(?:中国人民政治协商会议|政协)第?([{NUMERALS}]+)届全国委员会"), r"全国政协\1届"),
    (re.compile(rf"第?([{NUMERALS}]+)届全国人民代表大会常务委员会"), r"\1届全国人大常委会"),
    (re.compile(r"全国人民代表大会常务委员会"), "全国人大常委会"),
    (re.compile(r"全国人民代表大会(?=第|会议|[一二三四五六七八九十]+次会议)"), "全国人大"),  # 全国人民代表大会会议
    (re.compile(r"(?:中国共产党|中共)?(第?[一二三四五六七八九十]+届)?中央纪律检查委员会"), r"\1中央纪委"),
    *((re.compile(formal), short) for formal, short in _PARTIES),
    (re.compile(r"中央纪委([一二三四五六七八九十]+次)?全会"), r"中央纪委\1全体会议"),
    (
        re.compile(r"(?:党的|中共)(?=[一二三四五六七八九十]+届[一二三四五六七八九十]中全会)"),
        "中国共产党",
    ),  # 党的二十届三中全会
)


def short_names(text: str) -> str:
    """``text`` with the national bodies' formal names written short (政协第十四届全国委员会常务委员会 →
    全国政协十四届常务委员会, 全国人民代表大会常务委员会 → 全国人大常委会)."""
    for formal, short in _FORMAL:
        text = formal.sub(short, text)
    return text


def normalize_kind(name: str) -> tuple[str, int | None, int | None]:
    """A meeting's kind, term (届) and session (次) from its written name."""
    name = _PLENUM.sub(r"中央委员会第\1次全体会议", short_names(name))  # 民革十四届三中全会: 民革's plenum
    term = session = None
    if terms := list(_TERM.finditer(name)):  # the holder's, nearest the session: 传达学习中共二十届…精神全国政协十四届…
        term = cn_number(terms[-1].group(1))
    if s := (_SESSION.search(name) or _BARE_SESSION.search(name)):
        session = cn_number(s.group(1))
    kind = _TERM.sub("", name)
    kind = _SESSION.sub("", kind)
    kind = _BARE_SESSION.sub("", kind)
    # 2025年度 / 2024年上半年宏观经济形势分析座谈会: one kind, whatever period it reviews
    kind = re.sub(r"\d{4}年(?:度|[上下]半年|第?[一二三四]季度)?|\d+(?:周年(?=年会))?|“[^”]*”", "", kind)
    kind = re.sub(r"(?:电视电话|视频)(?=会议$|峰会$)", "", kind)  # one meeting, however it is connected
    # 党组（扩大）会议 is a 党组会议 (政府首脑（总理）理事会, written either way); a forum's yearly meeting is the forum
    kind = re.sub(r"(?<=论坛|峰会)(?:年会|大会)$", "", ASIDES.sub("", kind))
    kind = re.sub(r"^首次(?=.{4})", "", kind)  # 召开了首次…领导人非正式会议: that series
    return kind, term, session


# --------------------------------------------------------------------------------------------- dates


def _resolve(year: int, month: int, day: int, reported: dt.date, ahead: bool = False) -> str | None:
    """A day written without its year, resolved against the report's date: not after it, or not
    before it when the report announces the meeting (``ahead``: 将于11月10日至11日…主持)."""
    for y in (year, year + 1) if ahead else (year, year - 1):
        try:
            d = dt.date(y, month, day)
        except ValueError:
            continue
        if (d >= reported - dt.timedelta(days=1)) if ahead else (d <= reported + dt.timedelta(days=1)):
            return d.isoformat()
    return None


_AHEAD = re.compile(r"将于|将在|定于|拟于")  # a meeting announced, to be held after the report
_ANNOUNCED = re.compile(r"将(?:于|在|赴|出席|参加|举行|举办|召开|主持)")
# a meeting announced, attended on a journey (乘包机抵达…，出席…峰会; 赴美国…，同时出席…; 对…进行访问), or
# the setting of a meeting with its guests (会见出席…论坛的外方代表)
_INDIRECT = re.compile(rf"{_ANNOUNCED.pattern}|{_AHEAD.pattern}|即将|抵达|启程|前往|离京|离开|赴|访问|会见")


def _next(r: dt.date, ahead: bool) -> int:
    """The month of a day written without one that is not in the report's month: the next month for a
    meeting announced, the previous one otherwise."""
    return r.month % 12 + 1 if ahead else (r.month - 2) % 12 + 1


def meeting_dates(sentence: str, reported: str | None) -> tuple[str | None, str | None]:
    """The first date (or range) written in the sentence that reports the meeting; the report's own
    date when none is written."""
    if not reported:
        return None, None
    if len(reported) == 4:  # a record of a year: a day written with its month is of that year
        day = date_from_text(sentence, int(reported))
        return (day if day and day.startswith(reported) else reported), None
    r = dt.date.fromisoformat(reported)
    m = _DATE_NEAR.search(sentence)
    if m is None:
        return reported, None
    # 将于7月2日至6日…, or 7月2日至6日，国家主席习近平将出席…: days to come
    # (a date fronted with its comma; not 13日在广岛举行集会，抗议即将举行的…峰会, whose 将 is the summit's)
    after = _ANNOUNCED.search(sentence, m.end(), m.end() + 30) if sentence[m.end() : m.end() + 1] in "，," else None
    ahead = bool(
        _AHEAD.search(sentence, 0, m.start()) or (after and sentence[after.start() - 1 : after.start()] != "即")
    )
    on = int(m.group(2))
    month = int(m.group(1)) if m.group(1) else (r.month if (on <= r.day) != ahead or on == r.day else _next(r, ahead))
    start = _resolve(r.year, month, on, r, ahead)
    end = None
    if m.group(4):
        end = _resolve(r.year, int(m.group(3)) if m.group(3) else month, int(m.group(4)), r, ahead)
        if start and end and end < start:  # 6日至8日 in a report of the 6th: the days to come
            end = _resolve(r.year, int(m.group(3)) if m.group(3) else month, int(m.group(4)), r, True)
    return start or reported, end


# --------------------------------------------------------------------------------------------- facts


def _presider(text: str, lo: int, hi: int) -> Person | None:
    """Who presided, from ``text[lo:hi]``: ``国务院总理李强3月14日主持召开``, ``栗战书委员长主持``,
    ``中共中央总书记习近平主持会议``: the name just before 主持, after its title or before it."""
    from .tokenize import names

    for m in _PRESIDED.finditer(text, lo, hi):
        sentence_lo = max(lo, text.rfind("。", lo, m.start()) + 1)
        if joint := _JOINTLY.search(text, max(sentence_lo, m.start() - 24), m.end()):
            # 丁薛祥…同颜金勇副总理共同主持, 丁薛祥…会见…黄循财，并共同主持: the sentence's subject presided
            subject = person_spans(text[sentence_lo : joint.start()])
            if subject:
                a, b = subject[0]
                return Person(text[sentence_lo + a : sentence_lo + b], "presided", sentence_lo + a, sentence_lo + b)
        w_lo = max(sentence_lo, m.start() - 16)
        window = _TRAILING_TIME.sub("", re.sub(r"(?:共同|分别|联合)$", "", text[w_lo : m.start()]))
        bare = re.sub(rf"{_ROLE_WORDS}$", "", window)
        titled = _TITLED_NAME.search(window)
        candidates = [titled.group(1)] if titled else []
        if bare != window and (run := re.search(r"(?:^|[^\u4e00-\u9fff])([\u4e00-\u9fff]{2,4})$", bare)):
            candidates.append(run.group(1))  # 。栗战书委员长主持: the name stands alone before its title
        candidates += [n for n in names(bare[-6:]) if 2 <= len(n) <= 4][-1:]
        for name in candidates:
            at = text.rfind(name, w_lo, m.start())
            if at >= 0:
                return Person(name, "presided", at, at + len(name))
    return None


_REPORTED = r"(?<![工合协操动写创制])作[^，。；？]{0,30}?(?:报告|说明|汇报)|通报(?!批评)"  # 李强通报…经济工作有关情况
_SPOKE = rf"讲话|发言|致辞|致词|致贺词|演讲|{_REPORTED}"
# the words after a person's name that give the role; who reported spoke, and who spoke attended
ROLE_VERBS = (
    ("presided", re.compile(r"主持")),
    ("reported", re.compile(_REPORTED)),
    ("spoke", re.compile(_SPOKE)),
    ("attended", re.compile(rf"出席|参加|列席|到会|{_SPOKE}")),  # 到会祝贺
)


def _people(text: str, lo: int, hi: int, known: tuple[Person, ...]) -> tuple[Person, ...]:
    """Who attended, spoke or reported, in the sentences of ``text[lo:hi]`` that say so: each name
    that LAC tags as a person, with the verbs of the words after it up to the next name or comma;
    names in a row (王沪宁、蔡奇出席) share the verbs after the last of them."""
    out: list[Person] = []
    for sentence in re.finditer(r"[^。！？\n]+", text[lo:hi]):
        sent, at = sentence.group(0), lo + sentence.start()
        if not ROLE_VERBS[-1][1].search(sent):
            continue
        spans = person_spans(sent)
        for i, (a, b) in enumerate(spans):
            last = i
            while last + 1 < len(spans) and re.fullmatch(r"[、和及]?", sent[spans[last][1] : spans[last + 1][0]]):
                last += 1  # a row of names shares what follows it
            stop = spans[last + 1][0] if last + 1 < len(spans) else len(sent)
            said = _SAME_SUBJECT.match(sent, spans[last][1], stop)  # …出席开幕式，并发表主旨演讲: the same person
            after = said.group(0) if said else ""
            if CONVEYED.match(after):
                continue  # 传达学习习近平总书记重要讲话精神: a speech given elsewhere, conveyed here
            for role, verbs in ROLE_VERBS[1:]:  # who presided: `_presider`
                if verbs.search(after) and not any(p.name == sent[a:b] and p.role == role for p in (*known, *out)):
                    out.append(Person(sent[a:b], role, at + a, at + b))
    return tuple(out)


# a speech or instruction given elsewhere, conveyed or studied: 习近平总书记在…座谈会上的重要讲话, 关于…的重要指示
CONVEYED = re.compile(
    r"(?:同志)?(?:总书记|主席|总理)?(?:的|关于[^，。；]{0,30}的|在[^，。；]{0,40}?(?:上|期间|时)(?:关于[^，。；]{0,30})?的)?"
    r"重要(?:讲话|指示|批示|论述|文章)"
)
_SAME_SUBJECT = re.compile(r"[^，；]*(?:[，；](?:并|还|同时)[^，；]*)*")
_NOT_A_NAME = re.compile(r"[会议团委]|亲自|新区")  # characters of bodies and meetings, words a tagger took for names
# a report or speech given under its title, anywhere in a report: 李希代表…常务委员会作题为《…》的工作报告,
# or 审议通过了李希同志代表中央纪委常委会所作的《…》工作报告
_TITLED_ADDRESS = re.compile(
    r"(?:作|发表)(?:了)?(?:题为《[^》]{1,160}》的|的《[^》]{1,160}》)[\u4e00-\u9fff]{0,8}?(报告|讲话|演讲|致辞)"
)


def _titled_speakers(text: str, known: tuple[Person, ...]) -> tuple[Person, ...]:
    """Who gave a report or a speech named by its 《title》, wherever the report says so (often last):
    the last person named before 作 in that sentence."""
    out: list[Person] = []
    for m in _TITLED_ADDRESS.finditer(text):
        lo = max(text.rfind("。", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
        # the last person named before 作 / 发表, not one whose words are read out (宣读习近平的贺信，并发表…)
        spans = [(a, b) for a, b in person_spans(text[lo : m.start()]) if text[lo + b : lo + b + 1] != "的"]
        if not spans:
            continue
        a, b = lo + spans[-1][0], lo + spans[-1][1]
        said = Person(text[a:b], "reported" if m.group(1) == "报告" else "spoke", a, b)
        if not any(p.name == said.name and p.role == said.role for p in (*known, *out)):
            out.append(said)
    return tuple(out)


_ANAPHOR = re.compile(r"这|该|上述|此|其")
_COUNTED = re.compile(r"[一二两三四五六七八九十\d]+[个项份]")  # 两个审查结果报告: named elsewhere
_BARE_TITLE = re.compile(r"《(?:条例|法律|法|规划|纲要|意见|方案|决定|办法|规定|细则|准则|规则|报告|计划)》")


def _decisions(text: str, lo: int, hi: int) -> list[Decision]:
    """What was decided in ``text[lo:hi]``: each verb with the titles, or the items, that follow it."""
    out: list[Decision] = []
    for clause in re.finditer(r"[^；。]+", text[lo:hi]):
        c_lo = lo + clause.start()
        body = clause.group(0)
        verbs = list(_VERB.finditer(body))
        if not verbs:
            continue
        for t in TITLE.finditer(body):  # each title goes with the last verb before it, in its part
            if _BARE_TITLE.fullmatch(t.group(0)):
                continue  # 《条例》: the one named before it, written short
            if re.search(r"关于提请(?:审议|批准)?$|关于批准《[^》]*》和$", body[: t.start()]):
                # 听取了…关于提请审议《…条约》的议案的说明: what the 议案 asks; 关于批准《A》和《B》的决定: one 决定
                continue
            part_lo = body.rfind("，", 0, t.start()) + 1
            # 审议通过《A》，《B》; 通过了关于批准《A》的决定，关于批准《B》的决定: one verb, a run of the same
            if body.startswith("《", part_lo) or (
                body.startswith("关于", part_lo) and body[:part_lo].endswith(("》，", "的决定，", "的议案，"))
            ):
                part_lo = 0
            before = [v for v in verbs if part_lo <= v.start() and v.end() <= t.start()]
            if before:
                out.append(_titled(body, before[-1], t, c_lo))
        passed: str | None = None  # 通过了学位法，关税法，关于修改…的决定: the items go on past a comma
        for part in re.finditer(r"[^，]+", body):  # 研究…举措，决定核准…项目，讨论《…》
            p_lo, words = part.start(), part.group(0)
            v = _VERB.search(words)
            if v is None and passed and not TITLE.search(words):
                out += _passed(passed, words, c_lo + p_lo)  # the objects of the part (…分组办法及召集人名单: 办法)
                continue
            passed = None
            if v is None or TITLE.search(words):
                continue
            verb = _verb_name(v.group(0))
            if verb not in PASSED_VERBS and re.sub(r"^会议|还|并|同时", "", words[: v.start()].strip()):
                continue  # 研究…举措 opens its clause; 加强研究 inside one is not a decision
            at = p_lo + v.end()
            rest = body[at : part.end()]
            items = re.sub(r"^(?:[和并及]?(?:审议|讨论|研究|批准))?了?", "", rest)  # 听取和审议…报告: what was heard
            offset = c_lo + at + (len(rest) - len(items))
            if verb in PASSED_VERBS:  # 表决通过了农村集体经济组织法、…: each law an item
                out += _passed(verb, items, offset)
                passed = verb
            elif verb not in ("审议", "通过") and 4 <= len(items) <= 50:  # 决定核准…核电项目: the clause
                out.append(_decision(verb, items, offset))
            elif verb == "审议" and 8 <= len(items) <= 80 and items.endswith("报告"):
                out.append(_decision(verb, items, offset))  # 审议了国务院关于…国有资产管理情况的综合报告
    return sorted(out, key=lambda d: d.start)


PASSED_VERBS = ("表决通过", "审议通过", "通过", "原则通过", "审议并原则通过")  # verbs that pass something


def _passed(verb: str, items: str, offset: int) -> list[Decision]:
    """Each thing passed in ``items`` (at ``offset``): 农村集体经济组织法、新修订的突发事件应对法; a decision
    on several laws is one (关于修改农业技术推广法、未成年人保护法的决定)."""
    return [
        _decision(verb, word, offset + w_at)
        for piece in re.finditer(r"关于[^，。；]*?的决定|[^、]+", items)
        for word, w_at in _split_and(piece.group(0), piece.start())
        if _OBJECT_KIND.search(word) and len(word) <= 40 and not _NOT_A_LAW.search(word)
    ]


_NOT_A_LAW = re.compile(r"[立执普守违依]法$")  # 工作要点和立法、监督…工作计划: 立法 is making laws


def _verb_name(written: str) -> str:
    """决定核准 → 核准."""
    return written.removeprefix("决定")


def _split_and(words: str, at: int) -> list[tuple[str, int]]:
    """``A和B`` as two items when both name an object (反间谍法和对外关系法), else one: 宪法和法律委员会
    is a committee, and 宪法和法律委员会提出的…报告 one report."""
    halves = words.split("和")
    if (
        len(halves) > 1
        and all(_OBJECT_KIND.search(h) and "的" not in h for h in halves[1:])
        and _OBJECT_KIND.search(halves[0])
    ):
        out, pos = [], at
        for h in halves:
            out.append((h, pos))
            pos += len(h) + 1
        return out
    return [(words, at)]


def _titled(body: str, verb: re.Match[str], title: re.Match[str], offset: int) -> Decision:
    """The item a 《title》 names: the title itself, or the decision it stands in
    (关于批准《…条约》的决定, 关于军队战时调整适用《…刑事诉讼法》部分规定的决定)."""
    tail = re.match(r"[^、，《》]{0,30}?的(?:决定|决议)(?:（草案）)?", body[title.end() :])
    if tail is None:
        return _decision(_verb_name(verb.group(0)), title.group(0), offset + title.start())
    head = max(verb.end(), body.rfind("、", 0, title.start()) + 1, body.rfind("，", 0, title.start()) + 1)
    head += body.startswith("了", head)
    return _decision(_verb_name(verb.group(0)), body[head : title.end() + tail.end()], offset + head)


# 会议审议通过…。审议通过《…》，提请…。 and a sitting's lines: 听取了…的报告。 — each sentence that opens with its verb
_DECISION_VERBS = r"(?:审议通过|原则通过|表决通过|审议|通过|决定核准|决定批准|听取)了?"
_LATER_DECISION = re.compile(
    rf"(?:^|\n)(?:(?:委员长|主席|常委会)?会议(?:经表决，?)?(?:还|同时)?(?:(?:讨论|研究)并)?{_DECISION_VERBS}"
    rf"|(?:听取|审议|表决通过|审议通过)了)[^。\n]*[。\n]"
    rf"(?:(?:还|并|会议)?{_DECISION_VERBS}[^。\n]*[。\n])*"
)
# a meeting it decided to hold: 会议决定，十四届全国人大常委会第二次会议4月24日至26日在北京举行
# 决定今年7月在北京召开…全体会议，主要议程是…: the meeting, up to its agenda
_SCHEDULED = re.compile(
    r"(?:决定|同意)[，,]?([^。；\n]{0,40}?(?:召开|举行)[^。；\n]{0,50}?)(?=[。；\n]|[，,](?:主要)?议程)"
)
_NOT_SCHEDULED = re.compile(r"提交|提请|建议|草案")  # 提交…举行的全体会议: a meeting it sends something to


# 建议全国政协十四届二次会议于2024年3月4日在北京召开: a day proposed for a meeting, as decided
_PROPOSED = re.compile(r"建议[，,]?([^。；，\n]{4,40}?于[^。；\n]{2,24}?(?:召开|举行))")


def _scheduled(text: str, lo: int, hi: int) -> list[Decision]:
    """The meetings ``text[lo:hi]`` says were decided (or proposed, with their day) to be held, each a
    decision (决定召开) of kind 会议."""
    decided = [m for m in _SCHEDULED.finditer(text, lo, hi) if not _NOT_SCHEDULED.search(m.group(0))]
    return [
        Decision(SCHEDULED, m.group(1), "会议", m.start(1), m.end(1))
        for m in sorted([*decided, *_PROPOSED.finditer(text, lo, hi)], key=lambda m: m.start())
        if any(len(x.name) >= 4 or x.held for x in mentions(m.group(1)))
    ]


SCHEDULED = "决定召开"
_TOPIC = re.compile(
    r"围绕“([^”]{2,60})”|以“([^”]{2,60})”为(?:议题|主题)|就([^，。“”]{2,40}?)进行第[一二三四五六七八九十百\d]+次集体学习"
    r"|围绕(?!中心、)([^，。；“”]{4,60}?)(?:协商议政|建言资政|协商建言|议政建言|进行协商)"  # not 围绕中心、服务大局
    r"|就([^，。；“”]{4,50}?)(?:听取|征求)(?:[^，。；]{0,40}?)意见"  # 就当前经济形势和下半年经济工作听取意见建议
    # 围绕锲而不舍落实中央八项规定精神，推进…，结合…进行自我检视: what was examined, discussed or studied
    r"|围绕(?!中心、)([^，。；“”]{4,40})，[^。]{0,60}?(?:进行|开展)(?:了)?(?:自我检视|研讨|交流|讨论|学习)"
)


def _topic(text: str, lo: int, hi: int, title: str = "") -> Decision | None:
    """What a meeting discussed, when the report names it: 围绕“…”, 以“…”为议题, 就…进行集体学习, 围绕…协商议政;
    else when its title does (全国政协召开双周协商座谈会围绕“…”协商议政), with no span in the text (-1)."""
    m = _TOPIC.search(text, lo, hi)
    if m is not None:
        g = next(i for i in (1, 2, 3, 4, 5, 6) if m.group(i))
        return Decision("议题", m.group(g), "", m.start(g), m.end(g))
    if m := _TOPIC.search(title):
        return Decision("议题", next(g for g in m.groups() if g), "", -1, -1)
    return None


def _decision(verb: str, text: str, start: int) -> Decision:
    k = _OBJECT_KIND.search(text.rstrip("》")) or _CLAUSE_KIND.search(text)
    kind = k.group(1) if k else ""
    kind = "法" if kind in ("法律", "法典") else kind  # 生态环境法典 is a law
    return Decision(verb, text, kind, start, start + len(text))


def lead_start(text: str) -> int:
    """Where the report's own words start: after a dateline (央视网消息（新闻联播）：, 新华社北京…电)."""
    m = _LEAD_PREFIX.search(text[:300])
    return m.end() if m else 0


def _looks_back(before: str, reported: str | None) -> bool:
    """Whether the words before a meeting's name in its lead write a year two or more before the report's."""
    years = [int(y) for y in re.findall(r"(\d{4})年", before)]
    return bool(reported and years and max(years) <= int(reported[:4]) - 2)


def extract(doc: Document) -> Meeting | None:
    """The meeting ``doc`` reports, or None when it reports none (a commentary, a visit)."""
    text = doc.text
    lead_lo = lead_start(text)
    sentences = [m.span() for m in re.finditer(r"[^。！？\n]+[。！？]?", text[:1500]) if m.end() > lead_lo]
    title = written_out(doc.title)
    # held, or ending the title (…第一次全体会议公报: the meeting's communique)
    title_mentions = [m for m in mentions(title, title=True) if m.held or title[m.end :].strip(" ）)") in ("", "公报")]
    chosen: Mention | None = None
    lead = sentences[0] if sentences else (0, 0)
    for s, e in sentences[:3]:
        held = [m for m in mentions(text[s:e]) if m.held]
        if held:
            chosen, lead = Mention(held[0].name, s + held[0].start, s + held[0].end, True), (s, e)
            break
    if chosen is not None and not _DATE_NEAR.search(text[lead[0] : lead[1]]):
        # a headline repeated above the lead (one line per part): the lead says it again, with its day
        for s, e in sentences[sentences.index(lead) + 1 :][:4]:
            if chosen.name in text[s:e] and _DATE_NEAR.search(text[s:e]):
                at = text.index(chosen.name, s)
                chosen, lead = Mention(chosen.name, at, at + len(chosen.name), True), (s, e)
                break
    if title_mentions and chosen is not None and title_mentions[0].name not in text[lead[0] : lead[1]]:
        # the lead names a meeting in passing (出席论坛) after a sentence that names the title's, with its days
        for s, e in sentences[: sentences.index(lead)]:
            if (at := text.find(title_mentions[0].name, s, e)) >= 0:
                chosen, lead = Mention(title_mentions[0].name, at, at + len(title_mentions[0].name), True), (s, e)
                break
    # a title that tells of a meeting to come (宣布将在深圳举办第三十三次…): the report is of the one held
    # or that proposes or decides the day of one (全国政协主席会议建议明年3月4日召开全国政协十四届二次会议)
    announced = bool(
        title_mentions
        and (
            _ANNOUNCED.search(title[: title_mentions[0].start])
            or re.search(r"(?:建议|决定)[^，。]{0,12}(?:召开|举行)$", title[: title_mentions[0].start])
        )
    )
    if announced and chosen is not None and len(chosen.name) >= 5 and chosen.name not in title:
        title_mentions = []
    if title_mentions:
        name, subject = title_mentions[0].name, _subject(title, title_mentions[0].start)
    elif chosen is not None:
        name, subject = chosen.name, _subject(text, chosen.start)
    else:
        return None
    if _REACTION.search(name):  # 国际社会高度关注…四中全会 in the lead as well: how it was received
        return None
    if chosen is not None and _looks_back(text[lead[0] : chosen.start], doc.date):
        return None  # 1978年12月，党的十一届三中全会召开: a meeting of years before, recalled
    kind, term, session = normalize_kind(name)
    if subject and not kind.startswith(normalize_kind(subject)[0]):
        kind = normalize_kind(subject)[0] + kind
    if subject and term is None:  # 十四届全国人大二次会议主席团举行第一次会议: the holder's term
        term = normalize_kind(subject)[1]
    if chosen is not None:  # the text usually writes the session that the title leaves out
        _, t2, s2 = normalize_kind(chosen.name)
        term, session = term or t2, session or s2
    if len(kind) < 3:  # a bare 会议 with no holder named is not a kind
        return None
    if term is None and len(kind) >= 6:  # 二十届中共中央政治局10月25日下午就…进行第一次集体学习
        written = re.search(rf"([{NUMERALS}]+)届{re.escape(kind[:4])}", text[lead[0] : lead[1]])
        term = cn_number(written.group(1)) if written else None
    date, end_date = meeting_dates(text[lead[0] : lead[1]], doc.date)
    said_before = text[lead[0] : chosen.start if chosen is not None and chosen.start >= 0 else lead[1]]
    if re.search(r"(?:日前|近日)召开的$", said_before) and not _DATE_NEAR.search(said_before):
        date, end_date = doc.date, None  # 日前召开的…主席会议，…建议…明年3月4日召开: its day is not written
    indirect = (
        _INDIRECT.search(said_before) is not None
        or bool(title_mentions and _INDIRECT.search(title[: title_mentions[0].start]))
        or bool(date and doc.date and len(doc.date) == 10 and date > doc.date)
    )
    window_hi = lead[1]
    for s, e in sentences[1:4]:  # the decisions often follow in the next sentences (会议表决通过了…)
        if s >= lead[1] and text[s:e].startswith(("会议", "常委会会议", "会上", "大会")):
            window_hi = e
    following = [e for s, e in sentences if s >= lead[1]][:1]  # 栗战书委员长主持会议。 comes next
    window_hi = max([window_hi, *following])
    presider = _presider(text, lead[0], window_hi)
    later = [e for s, e in sentences if s >= lead[1]][:3]  # who attended is often said a few sentences on
    if presider is None:  # …习近平发表重要讲话。…赵乐际主持座谈会: this meeting's, a few sentences on
        next_three = [(s, e) for s, e in sentences if s >= window_hi][:3]
        said = next(((s, e) for s, e in next_three if _PRESIDED_IT.search(text, s, e)), None)
        presider = _presider(text, *said) if said else None
    people: tuple[Person, ...] = (presider,) if presider else ()
    people += _people(text, lead[0], max([window_hi, *later]), people)
    people += _titled_speakers(text, people)
    people = tuple(p for p in people if not _NOT_A_NAME.search(p.name))  # 团会议, 黄卫常委: a tagger's slip
    decisions = list(_decisions(text, lead[0], window_hi))
    for m in _LATER_DECISION.finditer(text, window_hi):  # 会议审议通过了《…》 further down the report
        decisions += _decisions(text, m.start(), m.end())
    decisions = sorted([*decisions, *_scheduled(text, lead[0], min(len(text), 1500))], key=lambda d: d.start)
    # 批准这两个报告, 听取审议7个工作报告: named before or after, one by one
    decisions = [d for d in decisions if not _ANAPHOR.match(d.text) and not _COUNTED.match(d.text)]
    topic = _topic(text, 0, min(len(text), 1500), title)
    start, end = (chosen.start, chosen.end) if chosen else (-1, -1)
    also = _also_held(doc, lead[1], kind, term)
    return Meeting(
        doc.doc_id,
        kind,
        name,
        date,
        end_date,
        term,
        session,
        start,
        end,
        (lead[0], window_hi),
        people,
        tuple(decisions),
        topic,
        indirect,
        also,
    )


# numbered meetings held besides the one reported: 主持召开第52次、第53次委员长会议; not announced (决定, 将)
_ALSO_NUMBERED = re.compile(rf"((?:第[{NUMERALS}]+次、)*)第([{NUMERALS}]+)次")
_HOLDER_WORD = re.compile(r"政协|人大|常委会|国务院|政治局|中央|委员会|政府|党组|领导小组")
_SUFFIX_NOUN_END = re.compile(r"(?:全体会议|常务会议|会议|全会|座谈会)$")


def _also_held(doc: Document, after: int, kind: str, term: int | None) -> tuple[Meeting, ...]:
    """Other numbered meetings that ``doc`` says were held after its lead (``after``): 会前，王沪宁主持召开
    政协第十四届全国委员会第三十三次主席会议; 赵乐际委员长分别主持召开第52次、第53次委员长会议. One
    without a holder takes the holder of the report's meeting (全国人大常委会 of 全国人大常委会会议)."""
    text, out = doc.text, []
    for sentence in re.finditer(r"[^。！？\n]+", text[:3000]):
        lo = sentence.start()
        if lo < after or not _PRESIDED.search(sentence.group(0)):
            continue
        said = sentence.group(0)
        for held in mentions(said):
            name = held.name
            other, t, session = normalize_kind(name)
            # 主持召开第52次、第53次委员长会议: the verb before the first of a row of numbers
            run = _ALSO_NUMBERED.search(said, max(0, held.start - 20), held.end)
            run_at = run.start() if run and run.end() > held.start else held.start
            if session is None or other == kind or len(other) < 4:
                continue
            if not (held.held or _HELD_BEFORE.search(said[max(0, run_at - 6) : run_at])):
                continue
            if re.search(r"决定|将|拟|表示|指出|强调|说", said[:run_at]):
                continue  # 会议决定，…第二次会议…举行: one to come; 他表示，上周我们主持召开了…: recalled
            if not _HOLDER_WORD.search(other):  # 委员长会议: the holder of the report's meeting, if a body
                body = _SUFFIX_NOUN_END.sub("", kind)
                if not _ORG_END.search(body):
                    continue  # 中央农村工作会议…第一次全体会议: a sitting of the conference, not a meeting of its own
                other = body + other
            earlier = [cn_number(n) for n in re.findall(rf"第([{NUMERALS}]+)次、", run.group(1))] if run else []
            date, end_date = meeting_dates(said, doc.date)
            presider = _presider(text, lo, sentence.end())
            a, b = lo + held.start, lo + held.end
            for number in [*earlier, session]:
                own = name if number == session else re.sub(rf"第[{NUMERALS}]+次", f"第{number}次", name, count=1)
                out.append(Meeting(doc.doc_id, other, own, date, end_date, t or term, number, a, b, sentence.span(),
                                   (presider,) if presider else ()))  # fmt: skip
    return tuple(out)


def extract_all(documents: Iterable[Document]) -> list[Meeting]:
    """The meetings of all documents, in document order."""
    return [m for d in documents if (m := extract(d)) is not None]


def kinds(meetings: Sequence[Meeting]) -> dict[str, int]:
    """Each kind with the number of documents reporting it, most frequent first."""
    counts: dict[str, int] = {}
    for m in meetings:
        counts[m.kind] = counts.get(m.kind, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))
