"""Questions about many meetings — lists, counts, first / latest, timelines — answered from meeting facts.

"2024年国务院常务会议审议通过了哪些条例？", "今年开了几次常务会议？", "最近一次全国人大常委会会议是哪天？",
"赵乐际2024年主持了哪几次常委会会议？" are recognized without a language model: what is asked (the
aggregate), the meeting kind (matched against the kinds the index learned), a time window (relative
to ``today``), a person, a verb and the kind of object. The answer is composed from the facts of
`rag.meetings`: a lead sentence with the scope, then one line per item with its date and a ``[n]``
marker; every item is cited, as many citations as the list needs. Counts say "in these records".
An event that recurs with no meeting kind of its own (赵乐际同列席代表座谈) is listed from the reports
whose titles and leads write the question's words (`reports`).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from .dates import Window, cn_number, date_hints, format_cn, months_every_year, window, within
from .meetings import (
    ASIDES,
    CONVEYED,
    GATHERINGS,
    NUMERALS,
    PASSED_VERBS,
    ROLE_VERBS,
    SCHEDULED,
    TITLE,
    Decision,
    Meeting,
    Person,
    lead_start,
    meeting_dates,
    mentions,
    normalize_kind,
    short_names,
    written_out,
)
from .normalize import normalize
from .tokenize import HOLDER_CLASSES, expand_aliases, is_token, jieba_words, person_spans
from .types import Answer, Citation, Document, Quote

# 决定召开…, 作出了召开…的决定, 建议了…的召开日期
_SCHEDULING = r"决定(?:召开|举行)|作出了?(?:召开|举行)|建议了?(?=[^，。？?]{0,16}?(?:召开|举行))"
_AGGREGATES = (
    ("latest", re.compile(r"最近一次|最后一次|最新一次|上一次|最近的一次|最近召开的")),
    ("first", re.compile(r"第一次|首次|最早|头一[回次]")),
    # 第几次 asks for one; 有几个民主党派召开了…: how many held one
    (
        "count",
        re.compile(
            r"(?<![第哪])几次|多少次|(?<!哪)几场|多少场|次数|(?<!哪)几份|多少份|(?<![第哪])几个(?=[^，。？?]{1,10}?(?:召开|举行|开))|(?<![第哪])几回|多少回"
        ),
    ),
    ("timeline", re.compile(r"时间线|历次|依次|按时间(?:先后|顺序)")),
    ("list", re.compile(r"哪些|哪几|都有什么|列出|都[\u4e00-\u9fff]{0,6}什么|分别")),
)
_VERBS = (("决定召开", re.compile(_SCHEDULING)), ("通过", re.compile(r"通过")), ("部署", re.compile(r"部署")), ("研究", re.compile(r"研究")),
          ("听取", re.compile(r"听取")), ("审议", re.compile(r"审议")), ("核准", re.compile(r"核准")),
          ("批准", re.compile(r"批准")))  # fmt: skip
_OBJECT = re.compile(
    r"(行政法规|条例|法律|法规|法|规划|纲要|意见|方案|报告|决定|决议|办法|规定|规则|准则|细则|计划|条约|公约|协定|议定书|项目|举措|文件)"
)


def _aggregate(q: str) -> str | None:
    """What a question asks of many meetings (count, list, first, latest, timeline), or None."""
    return next((name for name, pattern in _AGGREGATES if pattern.search(q)), None)


_NUMBERED = re.compile(
    rf"[{NUMERALS}]+届[^，。？?]{{0,12}}?(?:第[{NUMERALS}]+次|[一二三四五六七八九十]中全会|[一二三四五六七八九十]次)"
)
_SET_BY_ANOTHER = re.compile(r"建议|决定|提议|商定|计划")  # 主席会议建议十四届四次会议哪天开: the day another set
_WHEN_ASKED = re.compile(r"哪一?天|什么时候|何时|几月几[日号]|哪个日子|什么日子|日期是")
_TOPIC_ASKED = re.compile(r"议题|主题|围绕什么|题目|就什么|就哪些")
_TITLES_ASKED = re.compile(r"(?:讲话|演讲|报告|致辞)[^，。？?]{0,4}(?:题目|标题)")
# the forms of the party's rules besides 条例 (中国共产党党内法规制定条例: 党章、准则、条例、规定、办法、规则、细则)
_PARTY_RULES = ("准则", "规定", "办法", "规则", "细则")
# where the object's word ends the phrase (哪几个执法检查报告: 报告, not the 法 of 执法)
_OBJECT_END = r"(?=草案|修订|修正|[（(”\"和及与、，,。？?的等有是都呢吗]|分别|以及|$)"
_OBJECT_ALIASES = {"行政法规": "条例", "法律": "法", "法规": "条例"}
_JOINED_OBJECTS = re.compile(r"(?:和|及|与|、|以及)[\u4e00-\u9fff]{0,4}?" + _OBJECT.pattern)
_JOINED_RUN = re.compile(f"(?:{_JOINED_OBJECTS.pattern})*")


@dataclass(frozen=True)
class Intent:
    """What a many-meeting question asks: the aggregate and the filters it names."""

    aggregate: str  # count, list, first, latest, timeline; when: the day(s) of those in a window
    kind: str | None
    window: Window | None
    person: str | None
    verb: str | None
    object_kind: str | None
    asked_kind: str | None = None  # the meeting as the question names it, when no kind or several match
    term: int | None = None  # 十三届
    session: int | None = None  # 第二十次
    qualifier: str | None = None  # what the object is about: “十五五” in 哪些“十五五”规划
    topic: bool = False  # asks what each meeting was about: 分别围绕什么议题
    closing: bool = False  # asks the day it closed: 哪天闭幕
    opening: bool = False  # the day it opened: 哪天开幕 (with ``closing``: 哪天开幕、哪天闭幕)
    also_kinds: tuple[str, ...] = ()  # more kinds of object asked for with ``object_kind``: 条例和规定
    role: str | None = "presided"  # of the person: 李强主持的, 丁薛祥出席的 (attended), 讲话 (spoke); None: named
    mentioned: str | None = None  # words the reports must contain: 哪几次提到了“一国两制”
    family: frozenset[str] = frozenset()  # the kinds a phrase names together (对口支援工作会议), with ``kind``
    medium: str | None = None  # how they were held, whatever the kind: 视频会议、电视电话会议
    others: tuple[str, ...] = ()  # more people in the same role: 哪几次是李克强主持的、哪几次是李强主持的
    words: tuple[str, ...] = ()  # the question's other words (纪念、诞辰): what else it may be about
    during: tuple[str, int | None, int | None] | None = None  # 十四届全国人大二次会议期间: its kind, term, session
    during_text: str = ""  # as written
    excluded: tuple[str, ...] = ()  # words of what the question leaves out: 修订的和修改决定不算
    description: tuple[str, ...] = ()  # words that describe what the meetings did: 讨论确定…重点工作分工
    titles: bool = False  # asks the titles of the speeches or reports given: 讲话题目是什么
    phrases: tuple[str, ...] = ()  # description words written together: 重点工作分工
    who: str | None = None  # the role whose people the question asks for: 分别是谁主持的 (presided)
    in_person: bool = False  # 亲自到场, 到现场, 线下: not the meetings attended by video
    anniversary: str | None = None  # 诞辰100周年, 成立80周年: what the meetings' names must write
    who_only: bool = False  # only meetings that had someone in that role: 哪些领导同志作过报告
    besides: tuple[str, ...] = ()  # people the question sets aside: 除了丁薛祥，还有哪些…作过报告
    decided: str | None = None  # the kind of the meetings decided on: 决定召开中央全会 (中国共产党中央委员会全体会议)
    did: str | None = None  # 哪几次听取了…汇报: the meetings with a decision of this verb about the description
    about: bool = False  # asks what they discussed (围绕生态环境协商议政, 讨论了教育问题): its words are their subject
    after: tuple[str, int | None, int | None] | None = None  # 二十大以后: the meeting whose end the window starts at
    after_text: str = ""  # as written
    months: tuple[int, ...] = ()  # of every year: 春季 (3, 4, 5), with no year named
    months_text: str = ""  # as written

    @property
    def people(self) -> tuple[str, ...]:
        return (self.person, *self.others) if self.person else ()


@lru_cache(maxsize=8192)  # the index's kinds are the same for every question
def _canon(text: str) -> str:
    """Abbreviations written out (国常会 → 国务院常务会议, 三中全会 → 中央委员会第三次全体会议) and
    中国共产党 written 中共, for matching."""
    text = re.sub(
        r"([一二三四五六七八九])中全会", r"中央委员会第\1次全体会议", expand_aliases(written_out(short_names(text)))
    )
    text = ASIDES.sub("", text)  # 政府首脑（总理）理事会 and 政府首脑理事会 are one
    text = text.replace("党代会", "中国共产党全国代表大会")
    text = text.replace("中央全会", "中央委员会全体会议").replace("全国性", "全国")  # 全国性部长会议
    text = text.replace("委员会全会", "委员会全体会议")  # 二十届中央委员会历次全会
    text = re.sub(r"(全国政协|全国人大)全体会议", r"\1会议", text)  # 全国政协全体会议: its plenary session
    return text.replace("中国共产党", "中共").replace("中共中央", "中央")  # 中央政治局 is 中共中央政治局


def _match_kind(q: str, kinds: Mapping[str, int]) -> tuple[str | None, str | None, frozenset[str]]:
    """The index's kind that the question names (the most reported of the best matches), the meeting
    phrase the question wrote when no kind matches or it names several, and the family of kinds the
    phrase names (对口支援工作会议: 全国对口支援新疆工作会议, 对口支援西藏工作会议)."""
    cq = _canon(q)
    canon = {k: _canon(k) for k in kinds}
    # a series of documents named by its last words (政府工作报告 for 中华人民共和国国务院政府工作报告)
    if series := [k for k, c in canon.items() if _DOCUMENT_NOUN.search(c) and _tail_in(c, cq)]:
        return max(series, key=lambda k: kinds[k]), None, frozenset()
    if wild := _WILDCARD.search(q):  # 中央××工作会议: every kind written so, whatever stands for ××
        pattern = re.compile(re.escape(_canon(wild.group(1))) + ".{1,12}" + re.escape(_canon(wild.group(2))))
        family = [k for k, c in canon.items() if pattern.fullmatch(c)]
        best = max(family, key=lambda k: (kinds[k], len(k))) if family else None
        return best, wild.group(0), frozenset(family)
    if (cls := _class_named(q)) is not None:  # 纪念老同志诞辰座谈会: the kinds that name someone there
        pattern = re.compile(cls[0])
        if len(family := [k for k, c in canon.items() if pattern.search(c)]) >= 2:
            return max(family, key=lambda k: (kinds[k], len(k))), cls[1], frozenset(family)
    # written whole (国务院常务会议): a specific kind written whole is the question's subject
    whole = [k for k, c in canon.items() if c in cq]
    if specific := [k for k in whole if len(k) >= 5]:
        best = max(specific, key=lambda k: (len(k), kinds[k]))
        # a body of it, written before the verb (全国人大会议主席团开了几次会议: 全国人大会议主席团会议), or
        # its holder written apart (民革的中央全会: 民革中央委员会全体会议, not the 中共 plenum that 中央全会 names)
        b = canon[best]
        parts = [k for k, c in canon.items() if len(c) > len(b) and (
            (c.startswith(b) and _SUFFIX_NOUN.sub("", c) in cq) or (c.endswith(b) and c[: -len(b)] in cq)
        )]  # fmt: skip
        if parts:
            return max(parts, key=lambda k: (len(canon[k]), kinds[k])), None, frozenset()
        # 各民主党派中央全会: each of several holders, of the kinds that write one before it (民革…, 九三学社…)
        at = cq.find(b)
        holders = [k for k, c in canon.items() if len(c) > len(b) and c.endswith(b) and kinds[k] >= 2]
        clause = re.split(r"[，。？?！；]", cq[:at])[-1]
        if len(holders) >= 2 and "各" in clause:
            each = _EACH_END.split(clause[clause.index("各") :])[0]  # 各民主党派中央
            shared = next((n for n in range(min(len(each), len(b)), 0, -1) if each.endswith(b[:n])), 0)
            return max(holders, key=lambda k: kinds[k]), each + b[shared:], frozenset(holders)
        return best, None, frozenset()
    if members := _holders_named(q, canon):  # 各民主党派…全国代表大会: each member's
        return max(members[1], key=lambda k: (kinds[k], len(k))), members[0], frozenset(members[1])
    written = [_clean(m.name) for m in mentions(q)]
    written = [w for w in written if len(w) >= 3 and not _ASKING.search(w)]
    if not written and (held := _HOLDER.search(q)):  # 中央全面依法治国委员会2024年召开的会议
        written = [_QUESTION_WORDS.sub("", held.group(1)) + "会议"]
    if named := [w for w in written if w in kinds and len(w) >= 5]:
        return max(named, key=lambda w: kinds[w]), None, frozenset()
    # the phrase is part of the kinds' names (双周协商座谈会, 执法检查组全体会议, 对口支援工作会议)
    for w in written:  # the first one written is the question's subject
        if len(_SUFFIX_NOUN.sub("", w)) < 2:
            continue
        cw = _canon(w)
        # of the same meeting noun: 中央民族工作会议 is not 贯彻落实中央民族工作会议精神经验交流会
        family = [k for k, c in canon.items() if cw in c and c.endswith(_noun(cw))]
        family = family or [k for k, c in canon.items() if _within(cw, c)]
        # those of them whose holder the question names (全国人大常委会…常委会会议), when it names one
        family = [k for k in family if (h := _SUFFIX_NOUN.sub("", canon[k])) and _share(h, cq) >= 0.8] or family
        if len(family) > 1:  # the scope of the answer says the phrase: 全国性部长会议, not one of them
            return max(family, key=lambda k: (kinds[k], len(k))), w, frozenset(family)
        if family:
            return family[0], None, frozenset(family)
    # abbreviated (首规委全体会议, 中央国安委会议: the characters of a kind, in order)
    short = [
        k
        for w in written
        if not any(w in k for k in kinds) and w[0] not in "了的是在"
        for k in kinds
        if len(w) < len(k) and _abbreviates(_canon(w), canon[k])
    ]
    # or apart (专家（和企业家）座谈会, 中共中央政治局召开了几次会议): most of its character pairs
    apart = [
        k
        for k, c in canon.items()
        if len(c) >= 4
        and (_share(holder := _SUFFIX_NOUN.sub("", c) or c, cq) >= 0.8 or _organ_tail(holder, cq))
        and (_noun(c) in cq or _noun(c) == "会议")  # not 国务院全体会议 for 国务院开的视频会议
    ]
    # a kind that leaves out what the question's phrase names (全体会议 for 中央网信委全体会议) is
    # another meeting: the phrase is then a meeting the index does not know
    near = [k for k in [*whole, *short, *apart] if all(_covers(canon[k], w) for w in written)]
    if near:
        return max(near, key=lambda k: (len(k), kinds[k])), None, frozenset()
    # a kind written inside a longer phrase (新闻联播播发过中共中央委员会全体会议)
    inside = [k for w in written for k, c in canon.items() if len(k) >= 5 and c in _canon(w)]
    if inside:
        return max(inside, key=lambda k: (len(k), kinds[k])), None, frozenset()
    return None, (written[0] if written else None), frozenset()


# a class of people where a meeting's name has someone's name (纪念老同志诞辰100周年座谈会: 纪念…同志诞辰…)
_CLASS_WORD = re.compile(r"(?:老一辈|党和国家)?(?:领导)?(?:人物|老同志|同志|领导人|先生)")
_CLASS_BEFORE = re.compile(r"[\u4e00-\u9fff]{1,4}$")
_CLASS_AFTER = re.compile(rf"(?:的)?([\u4e00-\u9fff0-9]{{1,14}}?(?:座谈会|纪念会|大会|会议|{GATHERINGS}))")


_CLASS_NOUN = re.compile(r"[^，。？?]{0,16}?(代表大会|代表会议|大会|中央全会|全会|座谈会|会议)")


def _holders_named(q: str, canon: Mapping[str, str]) -> tuple[str, list[str]] | None:
    """The kinds of the members of a class of holders that the question names before a meeting noun
    (各民主党派开全国代表大会: 民革…, 民盟…, 九三学社…代表大会), with the phrase as written; None when none."""
    for cls, members in HOLDER_CLASSES.items():
        at = q.find(cls)
        if at < 0 or (noun := _CLASS_NOUN.match(q, at + len(cls))) is None:
            continue
        said = _canon(noun.group(0))
        end = "代表大会" if noun.group(1) == "代表大会" else _canon(noun.group(1))
        wanted = [w for w in ("周年", "代表", "成立", "创建") if w in said]
        family = [
            k for k, c in canon.items()
            if c.endswith(end) and any(m in c for m in members) and all(w in c for w in wanted if w != "成立" and w != "创建")
        ]  # fmt: skip
        if family:
            return q[at : noun.end()], family
    return None


def _class_named(q: str) -> tuple[str, str] | None:
    """A pattern of the kinds whose names have someone's name where the question has a class of people,
    and the phrase as written: 纪念老同志诞辰100周年座谈会 (纪念…诞辰周年座谈会), or with the meeting named first,
    举行座谈会纪念老一辈领导同志诞辰 (纪念…诞辰…座谈会); None when there is none."""
    for word in _CLASS_WORD.finditer(q):
        head = re.split(r"哪些|哪几次|哪几|出席过?|参加过?|主持过?|召开过?|举行过?|的|了|过", q[: word.start()])[-1]
        first = _NOUN_FIRST.search(head)  # 座谈会纪念…: the meeting written before the class
        before = _CLASS_BEFORE.search(head[first.end() :] if first else head)
        if before is None:
            continue
        lead = re.escape(_canon(before.group(0))) + ".{1,12}?"
        start = word.start() - len(before.group(0))
        after = _CLASS_AFTER.match(q, word.end())
        if after and not re.search(r"出席|参加|主持|召开|举行|讲话|会见", after.group(1)):
            rest = re.sub(r"\d+|的", "", after.group(1))
            return lead + re.escape(_canon(rest)) + "$", q[start : after.end()]
        if first and (tail := _CLASS_TAIL.match(q, word.end())):
            noun = re.escape(_canon(first.group(0)))
            return lead + re.escape(tail.group(0)) + f".{{0,6}}{noun}$", q[start : tail.end()] + first.group(0)
    return None


_NOUN_FIRST = re.compile(rf"(?:座谈会|纪念会|大会|会议|{GATHERINGS})(?=[\u4e00-\u9fff]{{1,4}}$)")
_CLASS_TAIL = re.compile(r"[\u4e00-\u9fff]{1,4}?(?=[，、。？?的]|$)")  # 诞辰 of …同志诞辰、


_EACH_END = re.compile(r"分别|召开|举行|开了|开过|一共|总共|都|的")  # where 各… (the holders) ends
_ORGAN = re.compile(r"(?:常委会|委员会|政协|人大|政府|政治局)$")
_LEVEL = re.compile(r"^(?:全国|中央|国家)")  # the level of a national body, often left out


def _organ_tail(holder: str, q: str) -> bool:
    """``q`` names the body ``holder`` is without its level (人大常委会 for 全国人大常委会; not 合作委员会
    for 中哈合作委员会): the organ and two characters before it at least."""
    level = _LEVEL.search(holder)
    organ = _ORGAN.search(holder)
    return level is not None and organ is not None and organ.start() - level.end() >= 2 and holder[level.end() :] in q


def names_kind(text: str, kind: str) -> bool:
    """Whether ``text`` names a meeting of ``kind`` (or the body that holds it), however written:
    short or formal (政协第十四届全国委员会常务委员会 is 全国政协常委会), with its term or not."""
    written = re.sub(rf"第?[{NUMERALS}]+届", "", _canon(short_names(text)).replace("常务委员会", "常委会"))
    canon = _canon(kind)
    core = _SUFFIX_NOUN.sub("", canon)
    if _DOCUMENT_NOUN.search(canon):  # a series of documents is named by its last words: 政府工作报告
        return _tail_in(canon, written)
    return canon in written or (len(core) >= 2 and core in written)


def _tail_in(kind: str, q: str) -> bool:
    """Whether ``q`` writes the last words of ``kind``: at least four characters, the noun included."""
    return any(kind[i:] in q for i in range(len(kind) - 4, -1, -1))


def _clean(name: str) -> str:
    """A meeting phrase of a question without the words around it (过双周协商座谈会, 全国政协一共常委会会议)."""
    name = re.sub(r"开会.*|召开会议.*", "会议", _QUESTION_WORDS.sub("", name))  # 中央政治局开会讨论… is its 会议
    return normalize_kind(name)[0]


def _noun(kind: str) -> str:
    """The meeting noun a kind ends with (全体会议, 座谈会, 会议), or the whole kind."""
    noun = _SUFFIX_NOUN.search(kind)
    return noun.group(0) if noun else kind


def _within(phrase: str, kind: str) -> bool:
    """``phrase`` is a part of ``kind`` written apart: its characters in order, with four fifths of its
    character pairs (对口支援工作会议 in 全国对口支援新疆工作会议), ending with the same noun."""
    noun = _SUFFIX_NOUN.search(phrase)
    if noun is None or not kind.endswith(noun.group(0)):
        return False
    rest = iter(kind)
    return all(c in rest for c in phrase) and _share(phrase, kind) >= 0.8


def _covers(kind: str, phrase: str) -> bool:
    """Whether ``kind`` holds what ``phrase`` names besides the meeting noun: more than three quarters of its
    character pairs, or its characters in order (an abbreviation: 首规委 for 首都规划建设委员会)."""
    head = _SUFFIX_NOUN.sub("", _canon(phrase))
    if len(head) < 2 or head in kind:
        return True
    rest = iter(kind)
    return _share(head, kind) > 0.75 or (head[0] == kind[0] and all(c in rest for c in head))


def _abbreviates(short: str, kind: str) -> bool:
    """``short`` is ``kind`` abbreviated: same first character, same meeting noun, the rest of its
    characters in order (首规委全体会议 → 首都规划建设委员会全体会议)."""
    noun = _SUFFIX_NOUN.search(short)
    if noun is None or noun.start() < 2 or not kind.endswith(noun.group(0)) or short[0] != kind[0]:
        return False
    rest = iter(kind[: len(kind) - len(noun.group(0))])
    return all(c in rest for c in short[: noun.start()])


_SUFFIX_NOUN = re.compile(rf"(?:全体会议|座谈会|会议|全会|集体学习|协商活动|{GATHERINGS})$")
# a name with a placeholder for any words (中央××工作会议, 全国XX会议)
_WILDCARD = re.compile(r"([\u4e00-\u9fff]{1,10}?)(?:×+|[xX]{2,}|\*{2,}|○{2,}|某某)([\u4e00-\u9fff]{0,8}?(?:会议|会))")
_HOLDER = re.compile(
    r"([\u4e00-\u9fff]{3,}(?:委员会|政协|人大|常委会|国务院|政治局|党组|政府|领导小组))[^，。？]{0,10}?(?:召开|举行|开)[了的过]*[^，。？]{0,4}会议?"
)
_ASKING = re.compile(r"哪|什么|几|谁")
_TERM_BEFORE_HOLDER = re.compile(
    r"(?<![\d一二三四五六七八九十])([一二三四五六七八九十]{1,3}|\d{1,2})届(?=全国|中共|中央|人大|政协|国务院)"
)
# what a question leaves out is not what it asks about: 不算常委会会议、集体学习
_LEAVING_OUT = re.compile(r"不算|不含|不包括|除去|除了|不计|除外")
_EXCLUDED = re.compile(r"(?:不算|不含|不包括|除去|除了|不计)[^，。？?！]*|[^，。？?！（(]{2,20}(?:不算|不计|除外)")
_NOT_WORDS = re.compile(r"资料|会议")  # of how a question asks, in what it leaves out
# where what is left out before 不算 starts: after the meeting it is part of (政治局会议中集体学习不算)
_WITHIN = re.compile(r".*会议?(?:中|里|当中)(?![心央国])")


def _left_out(q: str) -> tuple[str, tuple[str, ...]]:
    """``q`` without what it leaves out (不算…, …不算, 除了…), and the words of what it leaves out
    (修订的和修改决定不算: 修订, 修改, 决定)."""
    parts = []
    for m in _EXCLUDED.finditer(q):
        text = m.group(0)
        if (within := _WITHIN.match(text)) and _LEAVING_OUT.search(text, within.end()):
            text = text[within.end() :]  # 2024年中央政治局会议中 stays: it is what is asked about
        parts.append(text)
    asked = q
    for text in parts:
        asked = asked.replace(text, "", 1)
    words = tuple(
        w
        for text in parts
        for w in jieba_words(_LEAVING_OUT.sub(" ", text))
        if len(w) >= 2 and is_token(w) and not _NOT_WORDS.search(w)
    )
    return asked, words


_QUESTION_WORDS = re.compile(
    r"资料中|最近|最后|历次|各次|一共|总共|共(?=开|召开|举行)|\d{4}年[度底初]?|今年|去年|前年|以来|开了|开过|召开了|举行了|"
    r"[上下]半年|第?[一二三四]季度|"
    r"哪几次|哪几场|哪场|第一次|几次|多少次|哪些|几场|哪次|上一次|一次|首次|头一[回次]|第一回|几回|每次|每年|历年|最早的?|最新的?|"
    r"^[来过了的各底]+"
)


# the nouns of documents that come as a series, one a year (政府工作报告, 统计公报)
_DOCUMENT_NOUN = re.compile(r"(?:报告|公报|纲要|白皮书)$")
_TITLE_YEAR = re.compile(r"(?:19|20)\d{2}年?(?:度)?")
_SERIES_LEAST = 3


def document_series(documents: Mapping[str, Document]) -> list[Meeting]:
    """Documents of a series, as records to list, count and order like meetings: titles that are the
    same but for a year (`2019年中华人民共和国国务院政府工作报告`), name a document (`_DOCUMENT_NOUN`), and
    are shared by at least `_SERIES_LEAST` documents. The kind is the title without its year."""
    groups: dict[str, list[Document]] = {}
    for d in documents.values():
        if not d.title or not _TITLE_YEAR.search(d.title):
            continue
        stem = re.sub(r"[（(][^）)]*[）)]", "", _TITLE_YEAR.sub("", d.title)).strip()
        if len(stem) >= 4 and _DOCUMENT_NOUN.search(stem):
            groups.setdefault(stem, []).append(d)
    return [
        Meeting(d.doc_id, stem, d.title, d.date, lead=_sentence(d.text, 0, 0))
        for stem, docs in groups.items()
        if len(docs) >= _SERIES_LEAST
        for d in docs
    ]


# a meeting phrase holding a document (报告, 稿, 草案 …): a meeting described by what it discussed, not named
_DESCRIBED = re.compile(r"报告|稿|草案|纲要|《")
# meetings held by video or telephone: their kinds leave this out (one series however it is held), their
# names keep it; asked for by name, it is a filter of its own
_MEDIUM = re.compile(r"视频会议|电视电话会议")
# a meeting that documents are sent to (提请中央全会审议), not the one that sends them
_TARGET = re.compile(r"(?:提请|提交|报请)[^，。？?]{2,16}?(?:审议|审批|讨论|批准)")
_DECIDED_ON = re.compile(rf"(?:{_SCHEDULING})[^，。？?]{{0,16}}(?:会议|全会|大会)")
_ANNIVERSARY = re.compile(rf"([{NUMERALS}]+)周年")
_BARE_NOUNS = frozenset({"座谈会", "论坛", "峰会", "年会", "大会", "全会", "协商会", "集体学习"})
_IN_PERSON = re.compile(r"亲自(?:到场|到会|出席)|到现场|现场出席|线下|实地出席")
_BY_VIDEO = re.compile(r"以视频方式|通过视频|视频连线|线上|云上|视频会议|视频峰会")  # in the lead: not in person
_INSTRUCTED = r"[^，。；]{0,30}?重要(?:指示|批示)"  # 习近平近日就服务业发展作出重要指示: never given in person
_STUDIED = r"(?:会议|会上)[^。]{0,12}(?:传达|学习|贯彻)[^。]{0,6}"  # at the meeting: not a speech given there
_CONVEYED_WITHIN = 1000  # characters of a report where a speech studied at the meeting is said (会上传达了…)
_ROLE_WORDS = {
    "presided": "主持",
    "reported": "作报告",
    "spoke": "讲话",
    "attended": "出席",
    "conveyed": "重要讲话或指示精神",
}
_MENTIONED = re.compile(
    r"(?:提到|提及|谈到|讲到|写入|写进|出现)(?:了|过)?(?:[“\"]([^”\"]{1,20})[”\"]|([\u4e00-\u9fff]{2,12}?)(?:的|[？?，,]|$))"
)


def _named(q: str, people: AbstractSet[str]) -> list[str]:
    """The people a question names, in the order written; a longer name first (李克强 is not 李强)."""
    found: list[tuple[int, int, str]] = []
    for p in sorted(people, key=len, reverse=True):
        for at in re.finditer(re.escape(p), q):
            if not any(s < at.end() and at.start() < e for s, e, _ in found):
                found.append((at.start(), at.end(), p))
                break
    return list(dict.fromkeys(p for _, _, p in sorted(found)))


def _share(words: str, text: str) -> float:
    """The share of the character pairs of ``words`` found in ``text``."""
    pairs = [words[i : i + 2] for i in range(len(words) - 1)] or [words]
    return sum(p in text for p in pairs) / len(pairs)


def asked_window(question: str, today: dt.date) -> Window | None:
    """The time window of a question about several meetings (去年…座谈了几次, 2024年…哪些) or the day of one
    (去年的…是哪天开的), or None: the passages that answer it when the facts do not are those of that window."""
    q = normalize(question)
    if _aggregate(q) is None and not _WHEN_ASKED.search(q):  # 去年的中央经济工作会议是哪天开的: that year's too
        return None
    return window(q, today)


def parse(question: str, kinds: Mapping[str, int], people: AbstractSet[str], today: dt.date) -> Intent | None:
    """The intent of a many-meeting question, or None for any other question."""
    q = normalize(question)
    # 2025年中央经济工作会议是哪天开的: the day of the meeting of a kind held in a window, whichever it is
    # or of one numbered meeting (二十届五中全会是哪天闭幕的: only announced, not held in these records)
    aggregate = _aggregate(q) or (
        "when"
        if _WHEN_ASKED.search(q) and (window(q, today) or (_NUMBERED.search(q) and not _SET_BY_ANOTHER.search(q)))
        else None
    )
    if aggregate is None:
        return None
    asked_for, excluded = _left_out(q)
    during, bound = _during(asked_for, kinds)
    if during is not None:  # 十四届全国人大二次会议期间，大会主席团…: the rest names what met in those days
        asked_for = asked_for.replace(bound, " ")
        q = q.replace(bound, " ")
    after_meeting, after_text = _after(asked_for, kinds)
    if after_meeting is not None:  # 党的二十大以后，李克强又主持…: from the day after it closed
        asked_for = asked_for.replace(after_text, " ")
        q = q.replace(after_text, " ")
    media = _MEDIUM.findall(asked_for)
    medium: str | None = None
    kind: str | None
    asked: str | None
    if media and all(_clean(m.name) == "会议" for m in mentions(asked_for)):  # 国务院开的视频会议: no other name
        medium = "|".join(dict.fromkeys(m.removesuffix("会议") for m in media))
        kind, asked, family = None, "、".join(dict.fromkeys(media)), frozenset[str]()
    else:
        # not the meeting decided on (中央政治局哪几次会议决定召开中央全会), when another is named
        target = _TARGET.sub(" ", asked_for)
        kind, asked, family = _match_kind(_DECIDED_ON.sub(" ", target), kinds)
        if kind is None:
            kind, asked, family = _match_kind(target, kinds)
    if kind in _BARE_NOUNS:  # 王沪宁出席了哪些座谈会: every kind of that noun, not only those named just so
        family, asked = frozenset(k for k in kinds if k.endswith(kind)), kind
    if during is not None and kind in (None, during[0]) and (part := _part_of(during[0], asked_for, kinds)):
        kind, asked, family = part, None, frozenset()  # 大会主席团 of 全国人大会议: 全国人大会议主席团会议
    if kind is None and asked is not None and _DESCRIBED.search(asked):
        return None  # 就政府工作报告征求意见稿开的座谈会: named by what it discussed; the passages may tell
    names = _named(q, people)
    besides = tuple(n for n in names if re.search(_BESIDES + re.escape(n), q))
    names = [n for n in names if n not in besides]
    person = names[0] if names else None
    who, who_only = _asks_who(q)
    if asked is not None and person is not None and person in asked:
        return None  # 赵乐际同列席常委会会议的代表座谈: not the name of a meeting; the passages may tell
    if kind is None and asked is None and person is None:
        return None
    if aggregate == "when" and (kind is None or _OBJECT.search(q)):
        return None  # 2025年哪天审议通过了…条例: about what was done, which the passages tell
    # not 提请…审议, nor words in brackets: 哪天闭幕（公报通过）
    verb = next((name for name, pattern in _VERBS if pattern.search(_ASIDE_WORDS.sub(" ", _TARGET.sub(" ", q)))), None)
    if counted := _also_counted(q, kind, kinds):  # 中央全会（中央委员会和中央纪委的都算）: the kinds it says count
        family, asked = counted, "和".join(sorted(counted, key=lambda k: k != kind))
    obj = qualifier = None
    also: tuple[str, ...] = ()
    after_verb = r"(?:审议通过|原则通过|表决通过|通过|审议|部署|研究|听取|核准|批准)[了过]?(?:哪些|哪几[项部个]?)?"
    m = re.search(r"(?:哪些|哪几(?!次)[项部个]?)([^，。？?、]{0,12}?)" + _OBJECT.pattern + _OBJECT_END, q) or re.search(
        after_verb + r"([^，。？?、]{0,24}?)" + _OBJECT.pattern + _OBJECT_END, q
    )
    if m and who and _WHO.search(m.group(0)):
        m = None  # 哪些领导同志作过报告: the people are asked for, not the reports
    consulted = re.search(r"就(?:什么|哪些)[^，。？?]{0,6}(?:听取|征求)", q) is not None
    if m and m.group(2) == "意见" and consulted:
        m = None  # 就什么听取意见: what they were consulted on, not documents called 意见
    if m and (own := re.match(r"的([\u4e00-\u9fff]{0,6}?)" + _OBJECT.pattern + _OBJECT_END, q[m.end() :])):
        # 哪些法律的实施条例: what belongs to them is asked for, what it is (实施) its words
        written_to = m.end() + own.start(2)
        m = re.compile(
            re.escape(q[m.start() : m.start(1)]) + "(" + re.escape(q[m.start(1) : written_to]) + ")" + _OBJECT.pattern
        ).search(q, m.start())
    elif m and re.match(r"的[\u4e00-\u9fff]{2}", q[m.end() :]):
        return None  # 哪几部法律的执法检查: the laws are not what is asked for; the passages may tell
    if named := re.search(r"(?:叫|名为|名称为|称为)[“\"](" + _OBJECT.pattern[1:-1] + r")[”\"]", q):
        obj = named.group(1)  # 名称叫“规定”的: documents so named, whatever the question calls them
    elif m:
        obj = _OBJECT_ALIASES.get(m.group(2), m.group(2))
        # 哪些条例和规定: more kinds of object joined to it
        joined = _JOINED_RUN.match(q, m.end())  # matches, if only the empty run
        also = tuple(_OBJECT_ALIASES.get(k, k) for k in _JOINED_OBJECTS.findall(joined.group(0) if joined else ""))
        written = m.group(1) if m.group(1).strip('“”"') else ""  # 哪些“意见”: the object word in quotes
        if m.group(0).startswith("哪") and "的" in written.strip("的") and "“" not in written:
            written = written.rsplit("的", 1)[1]  # 哪些国家的引渡条约: whose they are is asked, 引渡 is what they are
        quoted = re.search(r"[“\"]([^”\"]+)[”\"]", written)  # words in quotes are the titles' own words
        qualifier = quoted.group(1) if quoted else re.sub(r"^(?:的|了)|的$", "", written) or None
        if qualifier and "“" not in written and len(qualifier) < 4:
            # 哪些行动方案: the titles end so; 哪些党内法规 (read as 条例): a description, not their words
            qualifier = qualifier + m.group(2) if m.group(2) == obj and not written.endswith("的") else None
        # 哪些议事规则、工作规则和办法: each kind joined has its own words; the kinds are what is asked (not so
        # 哪些行动方案和行动计划, whose words are the same)
        joined_words = re.findall(
            r"(?:和|及|与|、|以及)([\u4e00-\u9fff]{0,4}?)" + _OBJECT.pattern, joined.group(0) if joined else ""
        )
        prefix = qualifier[: -len(m.group(2))] if qualifier and qualifier.endswith(m.group(2)) else qualifier
        if also and any(words != prefix for words, _ in joined_words):
            also, qualifier = tuple(k for k in dict.fromkeys(also) if k != obj), None
    if obj == "条例" and re.search(r"党内法规(?![（(])", q):
        also = _PARTY_RULES  # 哪些党内法规: each form they take; 党内法规（条例）: only those
    if consulted:
        verb = None  # 分别就什么听取意见: the topics, not what was heard
    decided = None
    if verb == SCHEDULED:  # 委员长会议决定召开哪几次常委会会议: the meetings it decided to hold are the items
        obj, qualifier = "会议", None
        if on := _DECIDED_ON.search(q):
            decided = _match_kind(re.sub(_SCHEDULING, "", on.group(0)), kinds)[0]
            decided = decided if decided != kind else None  # the holder itself: a kind the index does not know
    days = [h for h in date_hints(q) if h.day is not None and h.month is not None]
    span = window(q, today)
    months, months_text = months_every_year(q) if span is None and not days else ((), "")
    if days:  # a named day: that meeting only
        year = days[0].year or (int(span.start[:4]) if span else today.year)
        iso = f"{year:04d}-{days[0].month:02d}-{days[0].day:02d}"
        span = Window(iso, iso, days[0].written())
    said = _MENTIONED.search(q)
    mentioned = next(g for g in said.groups() if g) if said else None
    if mentioned == person:
        mentioned = None  # 提到李强的: the person, looked for as a person
    if mentioned is None and person is None:
        mentioned = _unknown_person(q)  # 李克强总理…作政府工作报告, where no fact names him: the reports that do
    if (
        mentioned is None
        and aggregate in ("count", "first", "latest")
        and (title := re.search(r"《([^》]{2,30})》", q))
    ):
        mentioned = title.group(1)  # 讨论《政府工作报告》稿的会议有几次: the reports that name it
    if kind and obj and _DOCUMENT_NOUN.search(kind) and kind.endswith(obj):
        obj = qualifier = None  # 哪几年的政府工作报告: the documents of the series are asked for, not their objects
    if aggregate == "list" and not (
        obj or span or months or person or mentioned or who_only or re.search(r"都|各次|历次|哪几[次批回]|哪些会", q)
    ):
        return None  # 会议指出要加强哪些方面: a question about one meeting's content
    several = (
        span is not None or bool(months) or re.search(r"都|历次|各次", q) is not None
    )  # 2023年…国常会上，都听取了哪些
    at_one = aggregate == "list" and not several and re.search(r"(?<![大全年峰])会上", q)  # not 年会上: a series
    if _ONE_MEETING.search(q) or at_one:
        return None  # at one meeting
    if _AT_THE_MEETING.search(q) and aggregate == "list" and not re.search(r"哪些|哪几|都|历次|各次|列出", q):
        return None  # 2023年初…国常会上，“米袋子”和“菜篮子”分别要落实什么: 分别 of the things one meeting said
    if days and not obj:
        return None  # 12月27日的会议决定了哪些事: about that meeting's content
    term = session = None
    for mention in mentions(_TARGET.sub(" ", q)):  # not 提请四中全会审议: the session of another meeting
        _, t, s = normalize_kind(_QUESTION_WORDS.sub("", mention.name))  # 最近一次 is not session 1
        term, session = term or t, session or s
    written_term = _TERM_BEFORE_HOLDER.search(q)  # 十三届全国人大常委会…哪些法律, not 二十届中央巡视…
    if term is None and kind and written_term and q[written_term.end() : written_term.end() + 4] in _canon(kind):
        term = cn_number(written_term.group(1))
    if aggregate == "first" and session == 1:
        session = None  # 2025年第一次…座谈会: the first of them, not session 1
    if aggregate == "count" and session is not None:
        return None  # 第九次会议审议了几次: about one meeting
    did = None
    if obj is None and "哪几次" in q:
        # 哪几次全会…（公报通过）: the meetings are asked for, not what they passed; 哪几次听取了关于安全生产
        # 工作的汇报: those that heard about it
        # (not a verb of the clause that asks what: 分别部署什么工作)
        asked_about = _ASKS_WHAT.sub(" ", q)
        did = next((v for v, pattern in _VERBS if v in _HEARD_VERBS and pattern.search(asked_about)), None)
        verb = None
    titles = _TITLES_ASKED.search(q) is not None  # 讲话题目是什么: the titles of what was said, not a topic
    topic = obj is None and not titles and _TOPIC_ASKED.search(q) is not None
    closing = re.search(r"闭幕|闭会|结束", q) is not None
    opening = re.search(r"开幕", q) is not None or (closing and re.search(r"开始", q) is not None)
    role = None
    if person is not None and CONVEYED.match(q, q.find(person) + len(person)):
        role = "conveyed"  # 学习贯彻习近平总书记重要讲话精神: a speech given elsewhere, studied at the meetings
    elif person is not None and (after := re.search(re.escape(person) + r"[^，。？]{0,24}", q)):
        role = next((name for name, verbs in ROLE_VERBS if verbs.search(after.group(0))), None)
        if re.search(r"(?:出席|参加)(?:或|或者|和|、)主持|主持(?:或|或者|和|、)(?:出席|参加)", after.group(0)):
            role = "attended"  # 出席或主持的: either (who presided attended)
        if role is None and (later := re.search(r"[，,]([^，。？]{0,6}?)主持", q[after.end() :])):
            role = "presided" if not _ASKING.search(later.group(1)) else None  # 王沪宁当主席后，头一回主持…
    said_of = [*names, mentioned, qualifier, span.text if span else None]
    return Intent(
        aggregate, kind, span, person, verb, obj, asked_kind=asked, term=term, session=session, qualifier=qualifier,
        topic=topic, closing=closing, opening=opening, also_kinds=also, role=role, mentioned=mentioned, family=family, medium=medium, who=who,
        who_only=who_only, besides=besides, in_person=_IN_PERSON.search(q) is not None, decided=decided, did=did, about=_ABOUT_ASKED.search(q) is not None, months=months, months_text=months_text, after=after_meeting, after_text=after_text,
        anniversary=_anniversary(q),
        others=tuple(names[1:]) if role else (), words=_other_words(asked_for, said_of, kind),
        during=during, during_text=bound, excluded=excluded, titles=titles,
        description=(described := _description(_ASIDE_WORDS.sub(" ", _WHO_CLAUSE.sub(" ", asked_for) if who else asked_for), said_of, kind)),
        phrases=_phrases_of(described, asked_for),
    )  # fmt: skip


# asking who: 谁, 哪位, 哪些领导同志 (the set of people: only meetings that had someone so)
_WHO = re.compile(r"谁|哪一?位|(哪些|哪几位)[^，。？?]{0,6}?(?:领导|同志|人士|负责人)")
_WHO_WORD = r"谁|哪一?位|哪些|哪几位"
_BESIDES = r"除了?|除去"
_ASIDE_WORDS = re.compile(r"[（(][^）)]{1,20}[）)]")  # 督查（督查调研）: words in brackets, another way to say it
_BOTH = re.compile(r"[（(]([^）)]{2,20}?)的?(?:都算|均算|都包括|都计入|都计算在内|在内)[）)]")


def _also_counted(q: str, kind: str | None, kinds: Mapping[str, int]) -> frozenset[str]:
    """The kinds a bracket says count as well (中央全会（中央委员会和中央纪委的都算）: 中央纪委全体会议 with the
    party's plenum): each part the kind does not already name, with the kind's meeting noun; none when
    the question has no such bracket."""
    both = _BOTH.search(q)
    if both is None or kind is None:
        return frozenset()
    own = _canon(kind)
    noun = _noun(own)
    found = {kind}
    for part in re.split(r"以及|和|及|与|、", both.group(1)):
        written = _canon(part.strip())
        if len(written) >= 2 and written not in own:
            found |= {k for k in kinds if (c := _canon(k)).startswith(written) and c.endswith(noun)}
    return frozenset(found) if len(found) > 1 else frozenset()


_WHO_CLAUSE = re.compile(rf"[^，,。？?；;]*(?:{_WHO_WORD})[^，,。？?；;]*")  # described by the role asked


_TITLED_PERSON = re.compile(r"([\u4e00-\u9fff]{2,3})(?:总书记|总理|副总理|委员长|副委员长|主席|副主席|同志)")


def _unknown_person(q: str) -> str | None:
    """A name written before a title (李克强总理) that the tagger reads as a person, in a question about
    records whose facts name no one so: the reports must write it. None when there is none."""
    for m in _TITLED_PERSON.finditer(q):
        if any(q[a:b] == m.group(1) for a, b in person_spans(q)):
            return m.group(1)
    return None


def _asks_who(q: str) -> tuple[str | None, bool]:
    """The role whose people ``q`` asks for (分别是谁主持的: presided; 哪些领导同志作过报告: reported,
    only meetings that had one), from the role verb in the clause that asks who."""
    for clause in re.split(r"[，,。？?；;]", q):
        if (who := _WHO.search(clause)) and (role := next((r for r, v in ROLE_VERBS if v.search(clause)), None)):
            return role, who.group(1) is not None
    return None, False


def _phrases_of(words: Sequence[str], q: str) -> tuple[str, ...]:
    """Runs of two or more of ``words`` that ``q`` writes together, of four characters or more, longest first."""
    runs = {"".join(words[i:j]) for i in range(len(words)) for j in range(i + 2, len(words) + 1)}
    return tuple(sorted((r for r in runs if len(r) >= 4 and r in q), key=len, reverse=True))


# a meeting whose days bound the question's window: 十四届全国人大二次会议期间 (of a kind the index knows)
_DURING = re.compile(r"([^，。？?、]{3,30}?)(?:召开|举行)?期间[，,]?")
_TENURE = re.compile(r"(?:担任|任|当)[^，。？?]{0,10}(?:主席|总理|委员长|书记|部长|主任|省长|市长)$")


def _during(q: str, kinds: Mapping[str, int]) -> tuple[tuple[str, int | None, int | None] | None, str]:
    """The meeting a question's window is the days of (its kind, term and session), with the words that
    said it; (None, "") when it names none the index knows."""
    m = _DURING.search(q)
    # not 汪洋任全国政协主席期间: a person's years in office, not a meeting's days
    if m is None or _TENURE.search(m.group(1)):
        return None, ""
    # the meeting's name only, not the words before it (赵乐际在十四届全国人大二次会议期间主持…)
    named = mentions(m.group(1))
    phrase = named[-1].name if named else m.group(1)
    kind = _match_kind(phrase, kinds)[0]
    if kind is None:
        return None, ""
    _, term, session = normalize_kind(phrase)
    return (kind, term, session), q[q.index(phrase, m.start()) : m.end()].rstrip("，,")


_AFTER = re.compile(r"([^，。？?、]{2,30}?)(?:闭幕|结束|召开)?(?:以后|之后|以来)[，,]?")
_CONGRESS = re.compile(r"(?:党的|中共)?([一二三]?十[一二三四五六七八九]?)大(?![会学])")  # 二十大: the party's congress


def _after(q: str, kinds: Mapping[str, int]) -> tuple[tuple[str, int | None, int | None] | None, str]:
    """The meeting a question's window starts after (二十大以后, 二十届三中全会以来): its kind, term and
    session, with the words that said it; (None, "") when it names none the index knows."""
    m = _AFTER.search(q)
    if m is None:
        return None, ""
    phrase = _CONGRESS.sub(r"中国共产党第\1次全国代表大会", m.group(1))
    named = mentions(phrase)
    if not named:
        return None, ""
    name = named[-1].name
    kind = _match_kind(name, kinds)[0]
    if kind is None:
        return None, ""
    _, term, session = normalize_kind(name)
    if session is None:
        return None, ""  # 国常会以来: not one meeting
    return (kind, term, session), m.group(0).rstrip("，,")


def _part_of(kind: str, q: str, kinds: Mapping[str, int]) -> str | None:
    """The kind of a body of ``kind`` that ``q`` names (主席团 of 全国人大会议: 全国人大会议主席团会议)."""
    parts = [
        k for k in kinds if k != kind and k.startswith(kind) and (body := _SUFFIX_NOUN.sub("", k[len(kind) :])) in q
        and len(body) >= 2
    ]  # fmt: skip
    return max(parts, key=lambda k: kinds[k]) if parts else None


def _days_of(
    during: tuple[str, int | None, int | None], meetings: Sequence[Meeting], span: Window | None
) -> Window | None:
    """The days of the meeting ``during`` names, from the day before it opens (its preparatory meetings)
    to the day it closes: of one meeting, the latest of them in ``span`` (全国人大会议期间 asks about one
    session, not all of them); None when no record reports it."""
    kind, term, session = during
    held = [
        m for m in meetings
        if m.kind == kind and (term is None or m.term == term) and (session is None or m.session == session)
        and (span is None or within(m.date, span.start, span.end))
    ]  # fmt: skip
    if not held:
        return None
    group = _grouped(held)[-1]
    days = sorted(d for m in group for d in (_day(m.date), _day(m.end_date)) if d)
    if not days:
        return None
    return Window((days[0] - dt.timedelta(days=1)).isoformat(), days[-1].isoformat(), "")


_ONE_MEETING = re.compile(r"那次|这次|该次|本次")  # 那次会议…: about one meeting
_AT_THE_MEETING = re.compile(r"(?<![大全])会上|会议上")  # 国常会上, 常务会议上: what was said at one

# how a question asks for a day or an order, which the segmenter would join to the next word
_ASKED_WHEN = re.compile(r"哪一?[天年月日]|几月几[日号]|头一回|第一回")
# the words of how a question asks, not of what it asks about
_FRAME = re.compile(
    r"资料|报道|播发|分别|专门|什么|召开|举行|开会|会上|闭幕|开幕|为准|先后|时间|时候|以前|以后|以来|之后|期间|重点|方面|题目|内容|问题"
    r"|提到|提及|谈到|讲到|写入|写进|出现|会议|届|次"  # what the reports must say; meetings, terms, sessions
)


# a clause that asks what (各次讨论部署了什么, 分别是谁、哪天): its words are the answer's, not a filter
_ASKS_WHAT = re.compile(r"[^，,。？?；]*(?:什么|谁|哪(?![几些])|怎么|如何|多少|第几)[^，,。？?；]*")


def _description(q: str, said: Sequence[str | None], kind: str | None) -> tuple[str, ...]:
    """The words of ``q`` that describe what the meetings it asks about did, outside the clauses that
    ask what they did or how many: 确定、工作、分工 in 国常会每年都要讨论确定国务院年度重点工作分工，分别是哪几次会议."""
    q = _IN_PERSON.sub(" ", _ASKS_WHAT.sub(" ", q))  # 亲自出席: how, not what (亲自部署 is not it)
    return tuple(w for w in _other_words(q, said, kind) if not _NOT_CONTENT.search(w))


def _other_words(q: str, said: Sequence[str | None], kind: str | None) -> tuple[str, ...]:
    """The words of ``q`` besides its frame, the kind and what ``said`` holds (people, window, object):
    纪念、诞辰 in 中共中央举行座谈会纪念老一辈领导同志诞辰…哪几次."""
    for s in said:
        if s:
            q = q.replace(s, " ")
    q = _ASKED_WHEN.sub(" ", q)  # 哪天开的 is not 天开, 头一回国常会 not 回国
    canon = _canon(kind) if kind else ""

    def in_kind(word: str) -> bool:  # 常会 of 国常会, 国安 of 国安委: the kind's characters in order
        rest = iter(canon)
        return all(c in rest for c in _canon(word))

    return tuple(
        dict.fromkeys(
            w
            for w in jieba_words(q)
            if len(w) >= 2
            and re.fullmatch(r"[\u4e00-\u9fff]+", w)
            and is_token(w)
            and not _QUESTION_WORDS.fullmatch(w)
            and not _FRAME.search(w)
            and not _ASKING.search(w)
            and not _VERB_WORDS.fullmatch(w)  # 审议通过: what was done, which the decisions' verbs hold
            and not in_kind(w)
        )
    )


_VERB_WORDS = re.compile(r"(?:审议|通过|表决|原则|讨论|研究|部署|听取|核准|批准|决定)+")


# ---------------------------------------------------------------------------------------- answering


def _grouped(meetings: list[Meeting]) -> list[list[Meeting]]:
    """The reports of each meeting, first report first (of those written after it was held): the reports of one session (its opening and
    its closing) are one meeting, with the date of the first; so are reports of one kind whose days
    follow the meeting's within `_FOLLOW_UP` (a conference reported on its last day and again the
    next); a kind written with a purpose before it (传达学习…精神全国政协常委会会议) is that kind."""
    names = {m.kind for m in meetings}
    series = {k: min((s for s in names if len(s) >= 5 and k.endswith(s)), key=len, default=k) for k in names}
    groups: dict[tuple[object, ...], list[Meeting]] = {}
    last: dict[str, tuple[dt.date, tuple[object, ...]]] = {}  # per series: its latest meeting's last day, key
    numbered: dict[tuple[str, int], list[tuple[object, ...]]] = {}  # the groups of each session of a series
    for m in sorted(meetings, key=lambda m: m.date or ""):
        kind = series[m.kind]
        key: tuple[object, ...] = (kind, m.term, m.session) if m.session else (kind, m.date)
        day, end = _day(m.date), _day(m.end_date or m.date)
        while m.session and key in groups and _apart(groups[key][-1], day):  # 国务院第八次全体会议 of another term
            key = (*key, "again")
        if m.session and (same := _same_session(groups, numbered.get((kind, m.session), []), m, day)):
            key = same  # 第十届金砖国家议会论坛和中俄议会合作委员会第九次会议: that 第十届 is the forum's
        if m.session and key not in groups:
            numbered.setdefault((kind, m.session), []).append(key)
        earlier = last.pop(kind, None) if m.session else last.get(kind)  # a numbered session ends a run
        if not m.session and day and earlier and len(kind) >= 6 and day - earlier[0] <= _FOLLOW_UP:
            key = earlier[1]  # reported again after it (not for 座谈会 and the like: many differ)
        if not m.session and end:
            last[kind] = (max(end, earlier[0]) if earlier and earlier[1] == key else end, key)
        groups.setdefault(key, []).append(m)
    _join_announced(groups)
    for g in groups.values():
        g.sort(key=lambda m: m.indirect)  # a report of the meeting held gives its days, not an announcement
    if all(g[0].date for g in groups.values()):
        return sorted(groups.values(), key=lambda g: g[0].date or "")
    # some undated (reports that name their congress, not its day): numbered sessions are in order
    return sorted(groups.values(), key=lambda g: (g[0].term or 0, g[0].session or 0, g[0].date or ""))


# reports of a numbered session further apart than this are of sessions of two terms that share the number
_ANOTHER_TERM = dt.timedelta(days=180)


def _apart(before: Meeting, day: dt.date | None) -> bool:
    last = _day(before.end_date or before.date)
    return last is not None and day is not None and day - last > _ANOTHER_TERM


def _join_announced(groups: dict[tuple[object, ...], list[Meeting]]) -> None:
    """A meeting reported only before it was held or on a journey to it (将出席, 抵达…出席) joins the group of
    the same series held within `_NEAR` days after it (the summit itself), when there is one."""
    for key, group in list(groups.items()):
        if not all(m.indirect for m in group) or (first := _day(group[0].date)) is None:
            continue
        held = [
            other
            for k, other in groups.items()
            if k != key and k[0] == key[0] and not all(m.indirect for m in other)
            and (day := _day(other[0].date)) is not None and dt.timedelta(0) <= day - first <= _NEAR
        ]  # fmt: skip
        if held:
            held[0].extend(groups.pop(key))
            held[0].sort(key=lambda m: m.date or "")


_FOLLOW_UP = dt.timedelta(days=3)
_NEAR = dt.timedelta(days=10)


def _same_session(
    groups: Mapping[tuple[object, ...], list[Meeting]],
    keys: Sequence[tuple[object, ...]],
    m: Meeting,
    day: dt.date | None,
) -> tuple[object, ...] | None:
    """Of the groups of ``m``'s series and session (``keys``), the one held within `_NEAR` days when
    ``m`` or that group's report names the kind with something before it (whose term is not the kind's)."""
    for key in keys:
        first = groups[key][0]
        other = _day(first.date)
        compound = first.kind != key[0] or m.kind != key[0]
        if key[1] != m.term and compound and day and other and abs(day - other) <= _NEAR:
            return key
    return None


def _day(iso: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(iso) if iso else None
    except ValueError:
        return None


def _variants(kind: str, kinds: Sequence[str]) -> set[str]:
    """A kind and the kinds written with or without a short prefix (中共中央政治局集体学习, 中央政治局集体学习),
    with what they are about before it (就当前经济形势…党外人士座谈会), or a joined group (经济形势专家座谈会, 经济形势专家和企业家座谈会)."""
    return {
        k
        for k in kinds
        if k == kind
        or ((k.endswith(kind) or kind.endswith(k)) and abs(len(k) - len(kind)) <= 2)
        # 征求对经济工作的意见和建议中共中央党外人士座谈会; not 东盟与中日韩…: others joined to the holders
        or (len(kind) >= 5 and k.endswith(kind) and not re.search(r"[与和及、]$", k[: len(k) - len(kind)]))
        or _joined(kind, k)
        or _joined(k, kind)
    }


def _joined(short: str, long: str) -> bool:
    """``long`` is ``short`` with a group joined by 和/及/、 (专家 → 专家和企业家); not a party joined by 与
    (东盟与中日韩领导人会议 is not 东盟领导人会议)."""
    n = len(long) - len(short)
    return n >= 2 and any(
        long[:i] == short[:i] and long[i + n :] == short[i:] and long[i] in "和及、" for i in range(1, len(short))
    )


def select(
    intent: Intent, meetings: Sequence[Meeting], documents: Mapping[str, Document] | None = None
) -> list[list[Meeting]]:
    """The meetings the question is about, each with its reports, by date. A person in a role
    (李强主持的, 丁薛祥出席的) is looked for among the people of the facts; one named without a role
    (提到李强的), in the reports' text."""
    known = list({m.kind for m in meetings})
    kinds = {v for k in intent.family | {intent.kind} for v in _variants(k, known)} if intent.kind else set()
    of_kind = [m for m in meetings if intent.kind is None or m.kind in kinds]
    terms = _terms(of_kind, meetings) if intent.term is not None else {}
    span = intent.window
    if intent.during is not None:
        span = _days_of(intent.during, meetings, span)
        if span is None:
            return []  # a meeting no record reports: nothing was held in its days
    if intent.after is not None:
        held = _days_of(intent.after, meetings, None)
        if held is None:
            return []  # a meeting no record reports: no day to start after
        start = (dt.date.fromisoformat(held.end) + dt.timedelta(days=1)).isoformat()
        span = Window(max(start, span.start) if span else start, span.end if span else "9999-12-31", intent.after_text)
    out = [
        m
        for m in of_kind
        if (span is None or within(m.date, span.start, span.end))
        and (intent.term is None or (m.term or terms.get(id(m))) == intent.term)
        and (intent.session is None or m.session == intent.session)
        and (intent.mentioned is None or (documents is not None and intent.mentioned in documents[m.doc_id].text))
        and (intent.medium is None or re.search(intent.medium, m.name) is not None)
        and (intent.anniversary is None or _anniversary(m.name) in (None, intent.anniversary))
        and (not intent.months or (m.date is not None and len(m.date) >= 7 and int(m.date[5:7]) in intent.months))
    ]
    groups = _grouped(out)
    if intent.person is not None:  # a meeting whose reports name the person: with its other reports (the communique)
        groups = [g for g in groups if any(_with_person(intent, m, documents) for m in g)]
    if intent.in_person and documents is not None:  # 亲自到场: not those whose every report says by video
        groups = [g for g in groups if not all(_by_video(m, documents) for m in g)]
    if intent.who_only:  # 哪些领导同志作过报告: the meetings that had someone so (besides those set aside)
        groups = [g for g in groups if _in_role(intent, g)]
    return groups


def _by_video(m: Meeting, documents: Mapping[str, Document]) -> bool:
    """Whether the report's lead says the meeting was attended or held by video (以视频方式出席)."""
    text = documents[m.doc_id].text if m.doc_id in documents else ""
    return _BY_VIDEO.search(m.name) is not None or _BY_VIDEO.search(text[m.lead[0] : m.lead[1]]) is not None


def _anniversary(name: str) -> str | None:
    """The anniversary a meeting's name writes (诞辰一百周年, 100周年: "100"), or None."""
    years = _ANNIVERSARY.search(name)
    return str(cn_number(years.group(1))) if years else None


def _in_role(intent: Intent, group: Sequence[Meeting]) -> list[tuple[Meeting, Person]]:
    """The people of a meeting's reports in the role the question asks who had, each once, with the
    report that says it; not those the question sets aside."""
    found: dict[str, tuple[Meeting, Person]] = {}
    for m in group:
        for p in m.people:
            if p.role == intent.who and p.name not in intent.besides:
                found.setdefault(p.name, (m, p))
    return list(found.values())


# words that say who took part or how a question asks, not what a meeting did
_NOT_CONTENT = re.compile(
    r"专门|每年|每次|历年|一年|年度|主持|出席|讲话|参加|列席|新闻联播|围绕|议题|协商|议政|领导|同志|总书记|重要|会议|"
    r"通过|审议|讨论|研究|部署|听取|核准|批准"
)
_TELLING = 1 / 3  # a word written in the reports of at most this share of the meetings tells some apart
_HALF = 0.5  # of the best-described meeting's weight of telling words, what a meeting must have
_COMMON = 0.1  # a word in more than this share of all the reports tells nothing


_HEARD_VERBS = ("听取", "研究", "部署", "审议", "讨论")
_ABOUT_ASKED = re.compile(r"围绕|讨论了?|研究了?|协商议政|谈了|议了")
_GENERIC = frozenset({"工作", "汇报", "情况", "有关", "关于", "问题", "方面", "报告"})


def _did(intent: Intent, groups: list[list[Meeting]]) -> list[list[Meeting]]:
    """The meetings with a decision of the verb the question asks about whose words are the question's
    (哪几次听取了关于安全生产工作的汇报: 安全生产…情况汇报): its longest phrase or word written in one such
    decision; none when the question asks no verb or no decision writes any of them."""
    if intent.did is None:
        return []
    done = [(g, d.text) for g in groups for m in g for d in m.decisions if d.verb == intent.did]
    words = sorted({*intent.phrases, *intent.description} - _GENERIC, key=len, reverse=True)
    said = next((w for w in words if len(w) >= 2 and any(w in t for _, t in done)), None)
    if said is None:
        return []
    kept = {id(g) for g, t in done if said in t}
    return [g for g in groups if id(g) in kept]


def _about_words(intent: Intent, groups: list[list[Meeting]], documents: Mapping[str, Document]) -> list[list[Meeting]]:
    """The meetings whose titles, topic or decisions (not their whole reports) write a word describing them,
    when some do and others not; none otherwise."""
    words = [w for w in intent.description if len(w) >= 2 and w not in _GENERIC and not _OBJECT_WORDS.fullmatch(w)]
    # only of what the meetings discussed (哪几次讨论了…, 围绕…), not of who came or what they celebrated
    if not words or intent.object_kind is not None or (intent.did is None and not intent.about):
        return []

    def said(m: Meeting) -> tuple[str, ...]:
        title = documents[m.doc_id].title if m.doc_id in documents else ""
        return (title, m.topic.text if m.topic else "", *(d.text for d in m.decisions))

    kept = [g for g in groups if any(w in t for m in g for t in said(m) for w in words)]
    return kept if 0 < len(kept) < len(groups) else []


def _described(intent: Intent, groups: list[list[Meeting]], corpus_of: Callable[[], Corpus]) -> list[list[Meeting]]:
    """The meetings that did what the question describes (国常会…讨论确定国务院年度重点工作分工, 政治局会议
    听取中央纪委国家监委工作汇报): words of the description that the reports of a few of the meetings write
    (`_TELLING`) single them out, and the meetings whose reports write the most of them are kept. All of
    them when no word tells them apart, or when the question lists objects (the decisions filter those).
    A word weighs the more the fewer meetings write it (log N / n); a meeting is kept with half the
    weight of the best-described one (建议提案办理情况 for …办理全国人大代表建议和全国政协提案工作情况)."""
    if (intent.object_kind and (intent.object_kind != "文件" or intent.qualifier)) or not intent.description:
        return groups
    corpus = corpus_of()
    documents = corpus.documents
    texts = ["".join(documents[m.doc_id].text for m in g if m.doc_id in documents) for g in groups]
    written = {w: sum(w in t for t in texts) for w in intent.description}
    # 全国人大 in reports of the NPC: a word of the collection, not of these meetings
    common = int(max(_COMMON * len(documents), _TELLING * len(groups), _RARE_LEAST))
    telling = {
        w: n for w, n in written.items() if n <= _TELLING * len(groups) and corpus.texts_writing(w, common) <= common
    }
    if intent.kind is None and any(n == 0 and len(corpus.heads_writing(w, 1)) > 1 for w, n in telling.items()):
        return []  # 韩正…出席世界和平论坛开幕式: none of 韩正's meetings is that (the heads of other reports say it)
    weight = {w: math.log(len(groups) / n) for w, n in telling.items() if n > 0}
    if not weight:
        return groups
    # words written together in the question and in fewer reports than its rarest word tell more than
    # that word: they count as one more (工作分工 in 4 reports, 分工 in 8: 推进重点工作…责任分工 tells less)
    together = [
        p
        for p in intent.phrases
        if (k := sum(p in t for t in texts)) > 0 and k < min(n for w, n in written.items() if w in p)
    ]
    score = [sum(x for w, x in weight.items() if w in t) for t in texts]
    # one telling word alone is not enough where others write two (分工 alone, where 确定…工作分工)
    items = [sum(w in t for w in weight) + any(p in t for p in together) for t in texts]
    least = min(2, max(items))
    return [g for g, x, k in zip(groups, score, items, strict=True) if x >= _HALF * max(score) and k >= least]


# other reports that name the meeting and write a word of the question: enough to say it is about them
_ELSEWHERE = 2


def about_other_reports(
    intent: Intent, chosen: Sequence[Sequence[Meeting]], documents: Mapping[str, Document]
) -> str | None:
    """A word of the question that no report of the chosen meetings writes, while other reports naming
    the meeting do (纪念、诞辰 of 纪念…诞辰座谈会 for 座谈会; 通报 of 通报中央经济工作会议精神 for 中央经济工作会议):
    the question is about those other reports, which the facts do not answer; None when there is none."""
    own = {m.doc_id for group in chosen for m in group}
    texts = [documents[i].text for i in own if i in documents]
    words = [w for w in intent.words if not any(w in t for t in texts)]
    if not words:
        return None
    names = {m.kind for group in chosen for m in group}
    for word in words:
        elsewhere = 0
        for doc_id, doc in documents.items():
            if doc_id not in own and word in doc.text and any(n in doc.text for n in names):
                elsewhere += 1
                if elsewhere >= _ELSEWHERE:
                    return word
    return None


def _terms(meetings: Sequence[Meeting], everything: Sequence[Meeting]) -> dict[int, int]:
    """The term of numbered meetings whose reports do not write it (中共中央政治局第一次集体学习), from the
    others of their run: sessions of a kind numbered upwards by date, a new term where the numbering
    starts again; a run takes the one term its reports write, else the one term that meetings of the
    same holder (中央政治局, of 二十届中央政治局会议) write until the numbering starts again. Keyed by ``id``."""
    out: dict[int, int] = {}
    by_kind: dict[str, list[Meeting]] = {}
    for m in meetings:
        if m.session is not None and m.date is not None:
            by_kind.setdefault(_canon(m.kind), []).append(m)
    for kind, run_of_kind in by_kind.items():
        run_of_kind.sort(key=lambda m: (m.date or "", m.session or 0))
        runs: list[list[Meeting]] = [[]]
        for m in run_of_kind:
            if runs[-1] and _restarts(runs[-1][-1], m):
                runs.append([])
            runs[-1].append(m)
        holder = _SUFFIX_NOUN.sub("", kind)
        for i, run in enumerate(runs):
            written = {m.term for m in run if m.term is not None}
            if not written and holder:  # the holder's term from this numbering's start to the next's
                lo, hi = run[0].date or "", (runs[i + 1][0].date or "") if i + 1 < len(runs) else "9999"
                written = {
                    m.term
                    for m in everything
                    if m.term is not None
                    and lo <= (m.date or "") < hi
                    and _SUFFIX_NOUN.sub("", _canon(m.kind)) == holder
                }
            if len(written) == 1:
                term = written.pop()
                out.update((id(m), term) for m in run)
    return out


def _restarts(before: Meeting, m: Meeting) -> bool:
    """The numbering starts again at ``m``: a lower session, or the same one a month later (not a report
    of it the next day)."""
    if (m.session or 0) != (before.session or 0):
        return (m.session or 0) < (before.session or 0)
    a, b = _day(before.date), _day(m.date)
    return a is not None and b is not None and (b - a).days > 30


def _with_person(intent: Intent, m: Meeting, documents: Mapping[str, Document] | None) -> bool:
    if intent.role == "conveyed":  # the report's lead says the meeting studied the person's speech
        text = documents[m.doc_id].text[: max(m.lead[1], _CONVEYED_WITHIN)] if documents is not None else ""
        return any(
            re.search(_STUDIED + re.escape(p) + f"(?:{CONVEYED.pattern}|{_INSTRUCTED})", text) for p in intent.people
        )
    if intent.role is not None or documents is None:  # who presided attended too
        roles = ("attended", "presided") if intent.role == "attended" else (intent.role,)
        if any(p.name in intent.people and p.role in roles for p in m.people):
            return True
        # a title that says so (赵乐际对俄罗斯进行正式友好访问并出席中俄议会合作委员会第九次会议)
        title = documents[m.doc_id].title if documents is not None and intent.role == "attended" else ""
        return any(re.search(re.escape(p) + _ATTENDED_IN_TITLE, title) for p in intent.people)
    return intent.person is not None and intent.person in documents[m.doc_id].text


_ATTENDED_IN_TITLE = r"[^，。；]{0,30}?(?:出席|参加|列席)"


def presider_absent(intent: Intent, meetings: Sequence[Meeting]) -> bool:
    """The question's meetings are in the records, none of them presided by the question's person
    (丁薛祥主持的国务院常务会议): an answer the facts give, not one to look for in passages."""
    if intent.person is None or intent.role != "presided" or intent.kind is None or select(intent, meetings):
        return False
    return bool(select(replace(intent, person=None), meetings))


def _decisions(intent: Intent, m: Meeting) -> list[Decision]:
    wanted = [
        d
        for d in m.decisions
        if (
            intent.object_kind is None
            or d.kind in (intent.object_kind, *intent.also_kinds)
            or _ratifies(d, (intent.object_kind, *intent.also_kinds))  # 关于批准《…引渡条约》的决定: a 条约
            or (intent.object_kind == "文件" and d.text.startswith("《"))  # 哪些文件: any document by title
            or (intent.object_kind == "法" and _amends_law(d))
        )
        and (
            (intent.verb == "批准" and _ratifies(d))  # 批准了哪些条约: 表决通过…关于批准《…条约》的决定
            or (
                (intent.verb is None or intent.verb == "审议" or (intent.verb == "通过") == (d.verb in PASSED_VERBS))
                and (intent.verb in (None, "通过", "审议") or d.verb == intent.verb)
            )
        )
        and (intent.qualifier is None or _qualifies(_qualifier_for(intent, d), d.text))
        and not any(w in d.text for w in intent.excluded)
        and (intent.decided is None or d.verb != SCHEDULED or _decides(d, intent.decided))
    ]
    return list({d.text: d for d in wanted}.values())


def _decides(d: Decision, kind: str) -> bool:
    """Whether a decision to hold a meeting (决定召开) holds one of ``kind``: the first meeting it names."""
    named = mentions(d.text)  # the first: 召开…常委会第五次会议，为召开…十四届二次会议作准备 holds the 常委会
    return bool(named) and _canon(normalize_kind(named[0].name)[0]) == _canon(kind)


_UNSAID_SHARE = 0.02  # a word describing the objects asked for, in at most this share of the documents
# words of a question about objects that say what kind of object, not what the objects were for
_OBJECT_WORDS = re.compile(rf"{_OBJECT.pattern[1:-1]}|草案|修订|修正|名称|党内|规章|制度|文件|新|一下")


def _unsaid(
    intent: Intent, items: Iterable[tuple[list[Meeting], Meeting, Decision]], corpus_of: Callable[[], Corpus]
) -> str | None:
    """A word the question describes its objects with (新启动的执法检查…哪几部法律: 执法检查) that no paragraph
    stating them writes, while it is rare and the title of other reports (an event of its own): the objects
    are not those asked for. None when there is no such word."""
    words = [w for w in intent.description if not _OBJECT_WORDS.fullmatch(w) and len(w) >= 2]
    if not words or intent.object_kind is None:  # 都听取了哪些方面的工作汇报: what was heard, in any words
        return None
    corpus = corpus_of()
    documents = corpus.documents
    rare = int(max(_UNSAID_SHARE * len(documents), _RARE_LEAST))
    words = [w for w in words if corpus.texts_writing(w, rare) <= rare and len(corpus.heads_writing(w, 2)) >= 2]
    if not words:
        return None
    paragraphs = []
    for _, r, d in items:
        text = documents[r.doc_id].text if r.doc_id in documents else ""
        paragraphs.append(text[text.rfind("\n", 0, d.start) + 1 : (text.find("\n", d.end) + 1 or len(text) + 1) - 1])
    return next((w for w in words if not any(w in p for p in paragraphs)), None)


def _items(
    intent: Intent, chosen: Sequence[list[Meeting]]
) -> dict[tuple[int, str], tuple[list[Meeting], Meeting, Decision]]:
    """The decisions the question asks for, each once per meeting (the same report heard each year is
    each year's), with its meeting and the report saying it."""
    items: dict[tuple[int, str], tuple[list[Meeting], Meeting, Decision]] = {}
    for i, g in enumerate(chosen):
        for r in g:
            for d in _decisions(intent, r):
                items.setdefault((i, d.text), (g, r, d))
    return items


def _qualifies(words: str, text: str) -> bool:
    """Whether a decision's ``text`` is what the question's qualifier says: each of its words of two
    characters or more written in it (金融 of 关于金融工作情况, not a report on 就业 that shares the rest),
    else more than half its character pairs."""
    parts = [w for w in jieba_words(words) if len(w) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w)]
    return all(w in text for w in parts) if parts else _share(words, text) > 0.5


def _described_only(intent: Intent, meetings: Sequence[Meeting]) -> Intent:
    """``intent`` without its qualifier when no decision of its kind in all the records writes it: a
    description (哪些国际条约), not the titles' words (哪些“十五五”规划)."""
    if intent.qualifier is None or intent.object_kind in (None, "文件"):  # 哪些“若干政策措施”文件: any title
        return intent
    if any(_decisions(intent, m) for m in meetings):
        return intent
    # the qualifier's words that decisions of its kind write (中央巡视工作规划: 巡视, 工作 of 全国巡视工作规划)
    texts = [d.text for m in meetings for d in _decisions(replace(intent, qualifier=None), m)]
    words = [w for w in jieba_words(intent.qualifier) if len(w) >= 2 and not _OBJECT_WORDS.fullmatch(w)]
    kept = [w for w in words if any(w in t for t in texts)]
    return replace(intent, qualifier="".join(kept) if kept and len(kept) < len(words) else None)


def _qualifier_for(intent: Intent, d: Decision) -> str:
    """The question's qualifier for ``d``'s kind of object: 行动方案 reads 行动计划 for a 计划 (哪些行动方案和行动计划)."""
    q, kind = intent.qualifier or "", intent.object_kind or ""
    return q[: -len(kind)] + d.kind if kind and d.kind in intent.also_kinds and q.endswith(kind) else q


def _ratifies(d: Decision, kinds: Sequence[str | None] = ("",)) -> bool:
    """Whether ``d`` is a decision to ratify a document (of one of ``kinds``): 关于批准《…条约》的决定."""
    return d.kind == "决定" and any(re.search(rf"批准《[^》]*{re.escape(k)}》", d.text) for k in kinds if k is not None)


def _amends_law(d: Decision) -> bool:
    """关于修改…法的决定, 刑法修正案: decisions that change a law count as laws."""
    return (d.kind == "修正案" and "法修正案" in d.text) or (d.kind == "决定" and _AMENDS.search(d.text) is not None)


# 关于修改会计法的决定, 关于修改《中华人民共和国会计法》的决定, 关于修改部分法律的决定; not a treaty's protocol
_AMENDS = re.compile(r"修改(?:《[^》]*法》|[^，。《》〈〉]*法律?)的决定")


def _scope(intent: Intent) -> str:
    parts = [intent.window.text if intent.window else intent.months_text, intent.during_text, intent.after_text]
    if intent.person:
        parts.append(
            f"{'、'.join(intent.people)}{_ROLE_WORDS.get(intent.role or '', '')}的"
            if intent.role
            else f"提到{intent.person}的"
        )
    if intent.term:
        parts.append(f"第{intent.term}届")
    parts.append((intent.asked_kind if len(intent.family) > 1 else intent.kind) or intent.asked_kind or "会议")
    if intent.session:
        parts.append(f"（第{intent.session}次）")
    if intent.mentioned:
        parts.insert(0, f"提到“{intent.mentioned}”的")
    return "".join(parts)


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence of ``text`` around ``start:end`` (up to 。 or a line break on each side)."""
    lo = max(text.rfind("。", 0, start), text.rfind("\n", 0, start)) + 1
    stops = [i for i in (text.find("。", end), text.find("\n", end)) if i >= 0]
    hi = min(stops) + 1 if stops else len(text)
    return lo, min(hi, len(text))


def compose(
    intent: Intent,
    meetings: Sequence[Meeting],
    documents: Mapping[str, Document],
    corpus_of: Callable[[], Corpus] | None = None,
) -> Answer:
    """The answer to a many-meeting question from the facts: every item cited by the sentence that
    states it."""
    corpus_of = corpus_of or cache(lambda: Corpus(documents))  # built once, by the first step that needs it
    chosen = select(intent, meetings, documents) if intent.kind or intent.medium or not intent.asked_kind else []
    scope = _scope(intent)
    if not chosen:  # includes a meeting the index knows no kind of
        return Answer(text=f"资料中没有找到{scope}的记录。", found=False, answerer="facts")
    if word := about_other_reports(intent, chosen, documents):
        return Answer(text=f"资料中{scope}的报道没有写到“{word}”。", found=False, answerer="facts")
    described = _described(intent, chosen, corpus_of)
    # no word of the description tells them apart: those whose decisions of the verb asked write it
    if len(described) == len(chosen) > 1:  # or whose topic or decisions write a word of it (讨论了教育问题)
        described = _did(intent, chosen) or _about_words(intent, chosen, documents) or described
    chosen = described
    if not chosen:
        return Answer(text=f"资料中没有找到{scope}的记录。", found=False, answerer="facts")
    if intent.closing:
        chosen = [_until_closed(g, documents) for g in chosen]
    if intent.opening:
        chosen = [_from_opening(g, documents) for g in chosen]
    passages: dict[tuple[str, int, int], int] = {}
    quotes: list[Quote] = []

    def cite(m: Meeting, span: tuple[int, int] | None) -> str:
        """The marker of the sentence holding ``span`` (the report's lead sentence when None)."""
        text = documents[m.doc_id].text
        s, e = _sentence(text, *span) if span else (m.lead[0], _sentence(text, m.lead[0], m.lead[0])[1])
        n = passages.setdefault((m.doc_id, s, e), len(passages) + 1)
        if span is not None and s <= span[0] < span[1] <= e:
            quotes.append(Quote(n, span[0] - s, span[1] - s))
        return f"[{n}]"

    def name_span(m: Meeting) -> tuple[int, int] | None:
        """Where the report says what the question asks of it: the words it must mention, else the
        meeting's name."""
        if intent.mentioned and (at := documents[m.doc_id].text.find(intent.mentioned)) >= 0:
            return at, at + len(intent.mentioned)
        return (m.start, m.end) if m.start >= 0 else None

    lines: list[str] = []
    if intent.aggregate in ("first", "latest") or (intent.aggregate == "when" and len(chosen) == 1):
        group = chosen[-1] if intent.aggregate == "latest" else chosen[0]
        m = _closed_in(group) if intent.closing and not intent.opening else group[0]
        which = {"first": "第一次", "latest": "最近一次"}.get(intent.aggregate, "")
        when = _when(group, intent.closing, intent.opening)
        held = "" if intent.closing or _DOCUMENT_NOUN.search(m.kind) else "召开"  # a document is not held
        when = "" if when == _UNDATED else when + held + "的"
        marker = cite(m, name_span(m))
        lines.append(
            f"资料中{scope}{which}是{when}{_shown(m)}{marker}{_whose(intent, group, cite, marker)}。{_about(m, cite)}"
        )
    elif intent.object_kind or (intent.verb and intent.aggregate == "list"):
        intent = _described_only(intent, meetings)
        items = _items(intent, chosen)
        if not items and intent.verb == "通过" and (reviewed := _items(replace(intent, verb="审议"), chosen)):
            intent, items = replace(intent, verb="审议"), reviewed  # 政治局会议审议《…条例》: what its reports say
        objects = "和".join((intent.object_kind, *intent.also_kinds)) if intent.object_kind else "事项"
        objects = "党内法规" if intent.also_kinds == _PARTY_RULES else objects
        qualifier = intent.qualifier or ""
        what = f"{_verb_text(intent)}的{qualifier if qualifier.endswith(objects) else qualifier + objects}"
        if items and (unsaid := _unsaid(intent, items.values(), corpus_of)):
            return Answer(text=f"资料中{scope}{what}里，没有写到“{unsaid}”的记录。", found=False, answerer="facts")
        if not items:
            return Answer(text=f"资料中{scope}共{len(chosen)}次，未找到{what}的记录。", found=False, answerer="facts")
        lines.append(f"资料中{scope}{what}有{len(items)}项：")
        for i, (g, r, d) in enumerate(items.values(), 1):
            # the day of the report that says it (表决通过 at the closing), not the session's first
            when = _when(g if r.indirect else [r], intent.closing, intent.opening)
            lines.append(f"{i}. {d.text}（{when}）{cite(r, (d.start, d.end))}")
    else:
        counted = intent.aggregate == "count"
        untold = [g for g in chosen if not any(x.topic for x in g)] if intent.topic and not counted else []
        if len(untold) == len(chosen):
            untold = []  # no report names its topic: list the meetings with what they did
        lines.append(f"资料中{scope}共有{len(chosen)}次的报道：" if counted else f"资料中{scope}有：")
        for i, g in enumerate([g for g in chosen if g not in untold], 1):
            m = _closed_in(g) if intent.closing and not intent.opening else g[0]
            about = next((x for x in g if x.topic), None) or next((x for x in g if x.decisions), m)
            when = _when(g, intent.closing, intent.opening)
            when = "" if when == _UNDATED else f"{when} "  # reports that name no day: not one line in each
            said = (
                next(((r, t) for r in g if (t := _titled(intent, r, documents))), None)
                if intent.role in ("reported", "spoke") or intent.titles
                else None
            )  # in whichever report of the meeting says it (the day's report, not the announcement)
            told = (
                f"，{'报告' if intent.role == 'reported' else '讲话'}：{said[1][0]}{cite(said[0], said[1][1:])}"
                if said
                else ""
            )
            marker = cite(m, name_span(m))
            who = _whose(intent, g, cite, marker)
            lines.append(f"{i}. {when}{_shown(m)}{marker}{who}{told or _about(about, cite, line=True)}")
        if untold:
            named = "、".join(
                f"{_when(g, intent.closing, intent.opening)}的{_shown(g[0])}{cite(g[0], name_span(g[0]))}"
                for g in untold
            )
            lines.append(f"另有{len(untold)}次会议的报道没有写明议题：{named}。")
    citations = [
        Citation(n, d, documents[d].title, documents[d].date, documents[d].source, documents[d].text[s:e], s, e, 1.0)
        for (d, s, e), n in passages.items()
    ]
    return Answer(text="\n".join(lines), found=True, citations=tuple(citations), answerer="facts", quotes=tuple(quotes))


_UNDATED = "日期不详"


_CLOSED = re.compile(r"闭幕|闭会|胜利结束")


def _until_closed(group: list[Meeting], documents: Mapping[str, Document]) -> list[Meeting]:
    """The reports of a meeting up to the first whose lead says it closed (闭幕), not the pieces written
    after it (会后…, 学习…精神); all of them when none says so."""
    closed = [m.date for m in group if m.date and not m.indirect and _CLOSED.search(_lead(m, documents))]
    return [m for m in group if m.indirect or (m.date or "") <= min(closed)] if closed else group


def _from_opening(group: list[Meeting], documents: Mapping[str, Document]) -> list[Meeting]:
    """The reports of a meeting from the first whose lead says it opened (开幕), not the pieces before it
    (预备会议, 新闻发布会); all of them when none says so."""
    opened = [m.date for m in group if m.date and not m.indirect and _OPENED.search(_lead(m, documents))]
    return [m for m in group if m.indirect or (m.date or "") >= min(opened)] if opened else group


def _lead(m: Meeting, documents: Mapping[str, Document]) -> str:
    return documents[m.doc_id].text[m.lead[0] : m.lead[1]] if m.doc_id in documents else ""


_OPENED = re.compile(r"开幕")


def _closed_in(group: Sequence[Meeting]) -> Meeting:
    """The report of a meeting that gives the day it closed: one that writes its days (a communique: 于1月6日至
    8日举行), else its last report (the closing), of those written after it was held."""
    held = [m for m in group if not m.indirect] or list(group)
    ranged = [m for m in held if m.end_date]
    return max(ranged or held, key=lambda m: m.end_date or m.date or "")


def _when(group: Sequence[Meeting], closing: bool = False, opening: bool = False) -> str:
    """A meeting's days (2023年2月26日至28日), or the day it closed when that is asked (2023年2月28日闭幕),
    or both days it opened and closed (2024年2月26日开幕，27日闭幕)."""
    days = sorted({d for m in group for d in (m.date, m.end_date) if d})
    if not days:
        return _UNDATED
    if closing and opening:
        opened, last = group[0].date or days[0], _closed_in(group)
        closed = last.end_date or last.date or opened  # the communique's last day, not a later piece's
        return f"{format_cn(opened)}开幕，{_short_after(opened, closed)}闭幕" if closed > opened else format_cn(opened)
    if closing:
        last = _closed_in(group)
        return f"{format_cn(last.end_date or last.date or days[-1])}闭幕"
    start = group[0].date or days[0]
    # its days as a report that writes them gives (a communique: 1月8日至10日), not only the opening's day
    end = group[0].end_date or max(
        (m.end_date for m in group if m.end_date and m.date == start and not m.indirect), default=None
    )
    if not end or end == start:
        return format_cn(start)
    return f"{format_cn(start)}至{_short_after(start, end)}"


def _short_after(start: str, end: str) -> str:
    """``end`` written after ``start`` without what they share: 28日, 3月2日, 2025年1月2日."""
    tail = format_cn(end)
    if end[:4] == start[:4]:
        tail = tail.split("年", 1)[1]
        if end[5:7] == start[5:7]:
            tail = tail.split("月", 1)[1]
    return tail


def _about(m: Meeting, cite: Callable[[Meeting, tuple[int, int] | None], str], line: bool = False) -> str:
    """The topic of a meeting, else the first of its decisions, each cited."""
    if m.topic is not None:
        at = (m.topic.start, m.topic.end) if m.topic.start >= 0 else None  # from the title: its lead is cited
        said = f"议题：{m.topic.text}{cite(m, at)}"
    elif m.decisions:
        decisions = list({d.text: d for d in reversed(m.decisions)}.values())[::-1]  # each once, where first said
        said = "事项：" + "、".join(f"{d.text}{cite(m, (d.start, d.end))}" for d in decisions[:3])
        said += "等" if len(decisions) > 3 else ""
    else:
        return ""
    return f"，{said}" if line else f"{said}。"


def _whose(
    intent: Intent, group: Sequence[Meeting], cite: Callable[[Meeting, tuple[int, int] | None], str], marker: str
) -> str:
    """Which of the question's people the meeting had in their role (李克强主持), when it names several,
    or who had the role it asks about (主持：李强); cited unless the line's ``marker`` already cites the
    sentence."""
    if intent.who:
        had = _in_role(intent, group)
        said = "、".join(p.name + ("" if (c := cite(m, (p.start, p.end))) == marker else c) for m, p in had)
        return f"（{_ROLE_WORDS[intent.who]}：{said}）" if said else ""
    if len(intent.people) < 2:
        return ""
    found = {p.name: (m, p) for m in group for p in m.people if p.name in intent.people and p.role == intent.role}
    said = "、".join(name + ("" if (c := cite(m, (p.start, p.end))) == marker else c) for name, (m, p) in found.items())
    return f"（{said}{_ROLE_WORDS.get(intent.role or '', '')}）" if said else ""


def _titled(intent: Intent, m: Meeting, documents: Mapping[str, Document]) -> tuple[str, int, int] | None:
    """The 《title》 of what the question's person reported or said at the meeting, with its span, from
    the sentence that gives them that role (李希…作了题为《…》的工作报告)."""
    roles = ("spoke", "reported") if intent.titles else (intent.role,)
    for p in m.people:
        if p.name in intent.people and p.role in roles:
            text = documents[m.doc_id].text
            _, end = _sentence(text, p.start, p.end)
            if title := TITLE.search(text, p.end, end):
                return title.group(0), title.start(), title.end()
    return None


def _shown(m: Meeting) -> str:
    """The meeting's name as written, or its kind when the record calls it just 会议; a name that is
    only a number (第一次会议) with its holder (全国人大会议主席团第一次会议)."""
    if len(m.name) < 4:
        return m.kind
    if len(normalize_kind(m.name)[0]) < 4 and m.name.endswith(noun := _noun(m.kind)):
        return m.kind.removesuffix(noun) + m.name
    return m.name


def _verb_text(intent: Intent) -> str:
    return {"通过": "审议通过", None: "审议通过"}.get(intent.verb, intent.verb or "")


# ------------------------------------------------------------------------- reports of recurring events

# Events that recur without a meeting kind of their own (赵乐际同列席代表座谈, 启动…执法检查, 受中共中央委托向党外
# 人士通报…精神): the reports whose title or lead write every word of the question. A word must be rare
# enough to say what the question is about, and each report dated, so that passages of a reference
# work (undated) or common words (会议, 工作) never make a list.
_HEAD_CHARS = 200  # the title and this much of the text: where a report says what it reports
_KEPT = 4096  # counts of words kept per Corpus


class Corpus:
    """The documents a question may read, for counting quickly which of them write a word: the dated
    reports' heads (title and lead, without punctuation) joined in one string. Made once per index and
    set of collections; questions about many meetings look at every report."""

    def __init__(self, documents: Mapping[str, Document]) -> None:
        self.documents = documents
        self.dated = [d for d in documents.values() if d.date]
        self._heads = _Joined([_bare(f"{d.title}{d.text[:_HEAD_CHARS]}") for d in self.dated])
        self._written: dict[tuple[str, int], int] = {}

    def head(self, i: int) -> str:
        """The head of the dated report ``i``."""
        return self._heads.part(i)

    def heads_writing(self, word: str, limit: int | None = None) -> list[int]:
        """The dated reports (by index in ``dated``) whose heads write ``word``; stops past ``limit``."""
        return self._heads.having(word, limit)

    def texts_writing(self, word: str, limit: int) -> int:
        """How many of all the documents write ``word``, counted up to one past ``limit`` (kept: the
        same words come back in questions)."""
        key = (word, limit)
        if key not in self._written:
            if len(self._written) >= _KEPT:
                self._written.clear()  # a long-running server asks of ever new words
            n = 0
            for d in self.documents.values():
                n += word in d.text
                if n > limit:
                    break
            self._written[key] = n
        return self._written[key]


class _Joined:
    """Strings joined by a character none of them holds, with where each starts."""

    def __init__(self, parts: Sequence[str]) -> None:
        self.text = "\x00".join(parts)
        self.starts = list(itertools.accumulate((len(p) + 1 for p in parts[:-1]), initial=0))

    def part(self, i: int) -> str:
        end = self.starts[i + 1] - 1 if i + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[i] : end]

    def having(self, word: str, limit: int | None = None) -> list[int]:
        out: list[int] = []
        for m in re.finditer(re.escape(word), self.text):
            i = bisect.bisect_right(self.starts, m.start()) - 1
            if not out or out[-1] != i:
                out.append(i)
                if limit is not None and len(out) > limit:
                    break
        return out


_RARE = 0.02  # of the dated reports, at most this share writes the question's most specific word
_RARE_LEAST = 5  # or this many, in a small collection
# the bodies that hold meetings (a question about them may be about their events: 全国人大常委会启动…执法检查)
_BODY = re.compile(r"常委会|委员会|政协|人大|政府|政治局|国务院|党组|中共中央|党中央|民主党派")
_OCCURRENCES = re.compile(r"哪几次|哪几场|哪些次|历次|各次|每次|几次|几场|哪天|哪一天")
# the word after the asking word names what is listed, which the reports need not write: 哪几部法律的执法检查
_LISTED_NOUN = re.compile(rf"(?<=哪些|哪几|什么)[部项个份篇件位]?{_OBJECT.pattern}(?=的|[，。？?]|$)")


def reports(
    question: str,
    documents: Mapping[str, Document],
    people: AbstractSet[str],
    today: dt.date,
    corpus_of: Callable[[], Corpus] | None = None,
) -> Answer | None:
    """The reports of a recurring event a question asks about many times of (lists, counts, first /
    latest, timelines), found by the question's words in the reports' titles and leads: one line per
    event, dated by its lead, cited there. None when the question is not of these kinds, about one
    meeting, or its words are common or written in fewer reports than the answer needs."""
    q = expand_aliases(normalize(question))
    aggregate = _aggregate(q)
    span = window(q, today)
    if aggregate is None or _ONE_MEETING.search(q) or any(h.day is not None for h in date_hints(q)):
        return None
    if aggregate == "list" and span is None and not _OCCURRENCES.search(q):
        return None  # 会议指出要加强哪些方面: the content of one meeting
    asked_for = _LISTED_NOUN.sub(" ", _left_out(q)[0])
    names = _named(asked_for, people)
    if not (names or mentions(asked_for) or _BODY.search(asked_for)):
        return None  # 2024年发射了几次卫星: not about meetings, people in them or the bodies that hold them
    corpus = corpus_of() if corpus_of is not None else Corpus(documents)
    words = (*names, *_other_words(asked_for, [*names, span.text if span else None], None))
    what = [w for w in words if w not in names]  # who is there does not say what the event is
    rare = int(max(_RARE_LEAST, _RARE * len(corpus.dated)))
    writing = [corpus.heads_writing(w, rare) for w in what]
    if not writing or min(len(x) for x in writing) > rare:
        return None  # 赵乐际主持、中央政治局: words of too many reports to tell one event from another
    until = span.end if span and span.end < today.isoformat() else today.isoformat()  # not after today
    found = [
        corpus.dated[i]
        for i in min(writing, key=len)
        if all(w in corpus.head(i) for w in words)
        and within(corpus.dated[i].date, span.start if span else "0001-01-01", until)
    ]
    events = _events(found, words)
    if len(events) < 2:  # one report is not a recurring event
        return None
    return _listed(aggregate, events, words, asked_for, span)


def _phrases(words: Sequence[str], asked: str) -> tuple[str, ...]:
    """The words as the question wrote them together (政府、工作、报告 → 政府工作报告), to be shown."""
    out: list[str] = []
    for w in words:
        if out and out[-1] + w in asked:
            out[-1] += w
        else:
            out.append(w)
    return tuple(out)


def _bare(text: str) -> str:
    """``text`` without punctuation, as words are looked for in it: 政府工作报告（征求意见稿） writes 政府工作报告征求意见."""
    return re.sub(r"\W", "", text)


@dataclass(frozen=True)
class _Event:
    doc: Document
    date: str
    lead: tuple[int, int]  # the sentence that writes most of the question's words


def _events(found: Sequence[Document], words: Sequence[str]) -> list[_Event]:
    """One event per day and title (a report and its follow-up on the same day are one), by date."""
    events: list[_Event] = []
    for d in sorted(found, key=lambda d: (d.date or "", d.doc_id)):
        head = d.text[: _HEAD_CHARS * 2]
        at = lead_start(head)  # 央视网消息（新闻联播）： is not the report's words
        spans = [(max(m.start(), at), m.end()) for m in re.finditer(r"[^。！？\n]+[。！？]?", head) if m.end() > at]
        spans = spans or [(0, len(head))]  # a report of its title alone
        lead = max(spans, key=lambda s: sum(w in _bare(head[s[0] : s[1]]) for w in words))
        date = meeting_dates(head[lead[0] : lead[1]], d.date)[0] or d.date or ""
        if events and events[-1].date == date and _share(events[-1].doc.title, d.title) >= 0.5:
            continue
        events.append(_Event(d, date, lead))
    return sorted(events, key=lambda e: e.date)


def _listed(aggregate: str, events: Sequence[_Event], words: Sequence[str], asked: str, span: Window | None) -> Answer:
    """The events as an answer: the scope (the window and the words the reports were found by), then
    one line per event with its date and title, and the lead sentence when the title leaves out some
    of the words (会议听取了…副委员长…作的…执法检查…报告 under 十四届全国人大常委会第十八次会议举行第三次全体会议),
    cited there."""
    scope = f"资料中{span.text if span else ''}标题或导语写到“{'”“'.join(_phrases(words, asked))}”的报道"
    citations = [
        Citation(n, e.doc.doc_id, e.doc.title, e.doc.date, e.doc.source, e.doc.text[slice(*e.lead)], *e.lead, 1.0)
        for n, e in enumerate(events, 1)
    ]
    if aggregate in ("first", "latest"):
        n = 1 if aggregate == "first" else len(events)
        e = events[n - 1]
        which = "第一次" if aggregate == "first" else "最近一次"
        return Answer(
            text=f"{scope}，{which}是{format_cn(e.date)}的《{e.doc.title}》[1]。",
            found=True,
            citations=(replace(citations[n - 1], n=1),),
            answerer="facts",
        )
    lead = f"{scope}共有{len(events)}次：" if aggregate == "count" else f"{scope}有{len(events)}次："
    lines = [
        f"{n}. {format_cn(e.date)} {e.doc.title}"
        + ("" if all(w in _bare(e.doc.title) for w in words) else f"：{e.doc.text[slice(*e.lead)]}")
        + f"[{n}]"
        for n, e in enumerate(events, 1)
    ]
    return Answer(text="\n".join([lead, *lines]), found=True, citations=tuple(citations), answerer="facts")
