"""Every date rule in one place: dates in documents and questions, keyword tokens, formatting.

Documents: a record's date field, a file name or the text gives the document's ISO date
(`parse_date`, `date_from_text`, `year_hint`). Questions: ``2024年7月19日``, ``2024年11月``,
``2023年`` and ``7月19日`` become `DateHint`s that retrieval boosts and the answerer checks.
Keyword index: a written date becomes whole tokens (`date_tokens`). Display: `format_cn`. Filters:
what staff type as a start or end date (``2024/1/1``, ``2024年1月``, ``2024``) → ISO bounds, or a
Chinese message (`date_bound`, `date_filter`, `DateInputError`).
Pure functions over normalized text; stdlib only.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

# A date as written in Chinese text, any of its parts optional: 2024年7月19日, 7月19日, 2024年, 19日.
# A number never starts inside another number (第2735号 is not 27 + 35日), and 号 is a day only
# after a month (7月19号): 第3号台风, 国发〔2024〕5号 are numbers (tokenize's NUMBERED).
_DAY = r"(\d{1,2})(?:日|(?<=月\d)号|(?<=月\d\d)号)"
_YMD = re.compile(rf"(?<!\d)(?:(\d{{4}})年)?(?:(\d{{1,2}})月)?(?:{_DAY})?")
# What makes a match of _YMD a date worth a token (a bare number is not).
_HAS_PART = re.compile(r"\d{4}年|\d{1,2}月|\d{1,2}日")
# A date that pins something down: a year (with month and day), or a month with its day.
DATE_PHRASE = re.compile(r"(?<!\d)(?:\d{4}年(?:\d{1,2}月(?:\d{1,2}[日号])?)?|\d{1,2}月\d{1,2}[日号])")
# Any date part, as a sentence that states a date has one.
MENTION = re.compile(r"(?<!\d)(?:\d{1,4}年|\d{1,2}月|\d{1,2}日)")

_FULL_DATE = re.compile(r"((?:19|20)\d{2})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*[日号]?")
_COMPACT_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")
_MONTH_DAY = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})[日号]")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


# ------------------------------------------------------------------------------------------ documents
#
# A document's date is ISO 8601 at the precision its record gives: ``2024-07-19``, or ``2018`` for a
# record that says only its year (a yearly report). `span` gives the days it covers.


def span(date: str) -> tuple[str, str]:
    """The first and last day of a date: ``2018`` → ``2018-01-01``, ``2018-12-31``; a day is itself."""
    if len(date) == 4:
        return f"{date}-01-01", f"{date}-12-31"
    return date[:10], date[:10]


def within(date: str | None, start: str, end: str) -> bool:
    """Whether a document dated ``date`` can fall between ``start`` and ``end`` (both included)."""
    if not date:
        return False
    first, last = span(date)
    return first <= end and last >= start


def _valid(y: int, m: int, d: int) -> str | None:
    try:
        return dt.date(y, m, d).isoformat()
    except ValueError:
        return None


def parse_date(value: Any) -> str | None:
    """A date written as ``2024-07-19``, ``2024/7/19``, ``2024年7月19日`` or ``20240719`` → ISO."""
    if value is None:
        return None
    s = unicodedata.normalize("NFKC", str(value))  # full-width digits and separators
    for pattern in (_FULL_DATE, _COMPACT_DATE):
        m = pattern.search(s)
        if m:
            return _valid(*(int(g) for g in m.groups()))
    return None


def date_from_text(text: str, year: int | None) -> str | None:
    """The first full date in the text, else the first ``7月14日`` when the year is known."""
    head = text[:1000]
    m = _FULL_DATE.search(head)
    if m and "年" in m.group(0):
        return _valid(*(int(g) for g in m.groups()))
    if year is not None:
        m = _MONTH_DAY.search(head)
        if m:
            return _valid(year, int(m.group(1)), int(m.group(2)))
    return None


def year_hint(*values: Any) -> int | None:
    """The first four-digit year (1900–2099) written in any of ``values``."""
    for v in values:
        if v is None:
            continue
        m = _YEAR.search(str(v))
        if m:
            return int(m.group(1))
    return None


# ------------------------------------------------------------------------------------------ questions


@dataclass(frozen=True)
class DateHint:
    """A date written in a question: any of year, month and day may be missing."""

    year: int | None
    month: int | None
    day: int | None

    def matches(self, iso: str | None) -> bool:
        """Whether a document dated ``iso`` fits; a day also admits the next day (reported the day after)."""
        if not iso:
            return False
        if len(iso) == 4:  # a document of a year: any hint of that year
            return self.year is not None and self.year == int(iso)
        d = dt.date.fromisoformat(iso)
        candidates = [d, d - dt.timedelta(days=1)] if self.day is not None else [d]
        return any(
            (self.year is None or c.year == self.year)
            and (self.month is None or c.month == self.month)
            and (self.day is None or c.day == self.day)
            for c in candidates
        )

    def written(self) -> str:
        """The hint as Chinese text: ``2024年7月``, ``7月19日``."""
        parts = ((self.year, "年"), (self.month, "月"), (self.day, "日"))
        return "".join(f"{v}{unit}" for v, unit in parts if v is not None)


def date_hints(question: str) -> list[DateHint]:
    """Dates in a normalized question: ``2024年7月19日``, ``2024年11月``, ``2023年``, ``7月19日``.

    A lone day (``19日``) or month (``7月``) says too little and is ignored.
    """
    hints = []
    for m in _YMD.finditer(question):
        y, mo, d = (int(g) if g else None for g in m.groups())
        if y is None and (mo is None or d is None):
            continue
        if (mo is not None and not 1 <= mo <= 12) or (d is not None and not 1 <= d <= 31):
            continue
        if y is not None and mo is None and d is not None:
            continue
        hints.append(DateHint(y, mo, d))
    return hints


def date_phrases(text: str) -> list[str]:
    """The dates written in ``text`` that pin a time down (``2024年7月19日``, ``7月19日``), as written."""
    return DATE_PHRASE.findall(text)


def without_dates(text: str) -> str:
    """``text`` with those dates blanked out."""
    return DATE_PHRASE.sub(" ", text)


# ------------------------------------------------------------------------------------ keyword tokens


def date_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the dates written in ``text``, each to be indexed as whole tokens."""
    return [m.span() for m in _YMD.finditer(text) if m.group(0) and _HAS_PART.search(m.group(0))]


def date_tokens(text: str) -> list[str]:
    """Canonical tokens of each date written in ``text`` (``2024年7月19日`` → 2024年, 7月, 19日, 7月19日):
    a report saying only ``19日`` still matches on the day."""
    out: list[str] = []
    for m in _YMD.finditer(text):
        if not m.group(0):
            continue
        y, mo, d = m.groups()
        if y:
            out.append(f"{y}年")
        if mo:
            out.append(f"{int(mo)}月")
        if d:
            out.append(f"{int(d)}日")
        if mo and d:
            out.append(f"{int(mo)}月{int(d)}日")
    return out


# ------------------------------------------------------------------------------------------ display


def format_cn(iso: str) -> str:
    """``2024-07-19`` → ``2024年7月19日``; ``2018`` → ``2018年``."""
    if len(iso) == 4:
        return f"{int(iso)}年"
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{y}年{m}月{d}日"


# ------------------------------------------------------------------------------------------ windows

_RELATIVE_YEAR = {"今年": 0, "本年": 0, "这一年": 0, "去年": -1, "上一年": -1, "前年": -2}
_TO = r"(?:至|到|—|–|－|-|~|～)"
_SEASON = r"[春夏秋冬](?:季|天)"
# months of a season, and of a run of months written 3—5月, 3月至5月
SEASONS = {"春": (3, 5), "夏": (6, 8), "秋": (9, 11), "冬": (12, 14)}  # winter runs into the next year


def _months(name: str) -> str:
    """A month, or a run of months (3—5月, 3月至5月), as groups ``name`` and ``name``2; not a day's month."""
    return rf"(?P<{name}>\d{{1,2}})(?:月?{_TO}(?P<{name}2>\d{{1,2}}))?月(?!\d{{1,2}}[日号])"


_WINDOW = re.compile(
    rf"(?P<year>\d{{4}})年(?:(?P<half>上半年|下半年)|第?(?P<quarter>[一二三四1-4])季度|(?P<season>{_SEASON})|{_months('month')})?"
    rf"|(?P<rel>今年|本年|这一年|去年|上一年|前年)(?:(?P<rhalf>上半年|下半年)|第?(?P<rquarter>[一二三四1-4])季度"
    rf"|(?P<rseason>{_SEASON})|{_months('rmonth')})?"
    r"|(?:近|最近|过去)(?P<n>\d{1,2}|[一二两三四五六七八九十]{1,2}|半)个?(?P<unit>月|年|周|天)"
    r"|(?P<thismonth>本月|这个月|上个月|上月)"
)


_CN_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}


def cn_number(text: str) -> int | None:
    """``十四`` → 14, ``一百二十六`` → 126, ``67`` → 67; None when it is not a number."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for c in text:
        if c in _CN_DIGIT:
            current = _CN_DIGIT[c]
        elif c in "十百":
            total += (current or 1) * (10 if c == "十" else 100)
            current = 0
        else:
            return None
    return total + current


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """A span of days a question is about, both ends included, with the words that said it."""

    start: str
    end: str
    text: str


_EVERY_YEAR = re.compile(rf"(?P<season>{_SEASON})|(?<![年\d])(?P<lo>\d{{1,2}})月?{_TO}(?P<hi>\d{{1,2}})月")


def months_every_year(question: str) -> tuple[tuple[int, ...], str]:
    """The months of a season or a run of months a question names without a year (春季召开的, 3—5月), with
    the words; ((), "") when it names none. Meant for questions whose `window` is None."""
    m = _EVERY_YEAR.search(question)
    if m is None:
        return (), ""
    lo, hi = SEASONS[m["season"][0]] if m["season"] else (int(m["lo"]), int(m["hi"]))
    if not (1 <= lo <= hi <= 14):
        return (), ""
    return tuple((x - 1) % 12 + 1 for x in range(lo, hi + 1)), m.group(0)


def window(question: str, today: dt.date) -> Window | None:
    """The time span a question names: ``2024年``, ``2024年上半年``, ``2024年第三季度``, ``2024年7月``,
    ``今年`` / ``去年`` / ``前年`` (with halves, quarters and months), ``近三个月``, ``本月`` / ``上个月``,
    ``2017年以来`` (to ``today``); relative ones counted from ``today``. None when it names none (a single day is not a window)."""
    m = _WINDOW.search(question)
    if m is None:
        return None
    g = m.groupdict()
    if g["year"] or g["rel"]:
        year = int(g["year"]) if g["year"] else today.year + _RELATIVE_YEAR[g["rel"]]
        half, month = g["half"] or g["rhalf"], g["month"] or g["rmonth"]
        last = g["month2"] or g["rmonth2"]
        if half:
            lo, hi = (1, 6) if half == "上半年" else (7, 12)
        elif quarter := g["quarter"] or g["rquarter"]:
            q = "一二三四".find(quarter) + 1 if not quarter.isdigit() else int(quarter)
            lo, hi = 3 * q - 2, 3 * q
        elif season := g["season"] or g["rseason"]:
            lo, hi = SEASONS[season[0]]
        elif month and 1 <= int(month) <= 12:
            lo = hi = int(month)
            hi = int(last) if last and int(month) <= int(last) <= 12 else hi  # 3—5月
        else:
            lo, hi = 1, 12
        if hi > 12:  # 2024年冬季: December to the next February
            return Window(dt.date(year, lo, 1).isoformat(), _month_end(year + 1, hi - 12).isoformat(), m.group(0))
        if question.startswith(("以来", "至今"), m.end()) and dt.date(year, lo, 1) <= today:  # 2017年以来: to today
            return Window(
                dt.date(year, lo, 1).isoformat(), today.isoformat(), m.group(0) + question[m.end() : m.end() + 2]
            )
        return Window(dt.date(year, lo, 1).isoformat(), _month_end(year, hi).isoformat(), m.group(0))
    if g["thismonth"]:
        first = today.replace(day=1)
        if g["thismonth"] in ("上个月", "上月"):
            first = (first - dt.timedelta(days=1)).replace(day=1)
        return Window(first.isoformat(), _month_end(first.year, first.month).isoformat(), m.group(0))
    if g["n"] == "半":  # 最近半年: six months; 近半个月: fifteen days
        g = {**g, **({"n": "6", "unit": "月"} if g["unit"] == "年" else {"n": "15", "unit": "天"})}
    n = max(1, cn_number(g["n"]) or 1)
    days = {"天": n, "周": 7 * n, "月": 31 * n, "年": 366 * n}[g["unit"]]
    if g["unit"] == "月":
        month0 = today.year * 12 + today.month - 1 - n
        y, mo = month0 // 12, month0 % 12 + 1
        start = dt.date(y, mo, min(today.day, _month_end(y, mo).day))
        return Window(start.isoformat(), today.isoformat(), m.group(0))
    return Window((today - dt.timedelta(days=days)).isoformat(), today.isoformat(), m.group(0))


# ------------------------------------------------------------------------------------------ filters
#
# What staff type in a date filter: a day, a month or a year, written with dashes, slashes, dots or
# 年月日, in half- or full-width digits. A start bound is the first day of what was written, an end
# bound its last day, so ``2024年1月`` to ``2024年1月`` is all of January. Anything else is refused
# with a message to show next to the field, never read as "no date" (which silently drops documents).

_INPUT_FORMS = "请写成 2024-01-01、2024年1月 或 2024"
_INPUT = re.compile(
    r"(?P<y>\d{4})(?:(?P<sep>[-/.])(?P<m>\d{1,2})(?:(?P=sep)(?P<d>\d{1,2}))?)?"  # 2024-01-01, 2024/1, 2024.1.1
    r"|(?P<cy>\d{4})年(?:(?P<cm>\d{1,2})月(?:(?P<cd>\d{1,2})[日号]?)?)?"  # 2024年1月1日, 2024年1月, 2024年
    r"|(?P<ky>\d{4})(?P<km>\d{2})(?P<kd>\d{2})"  # 20240101
)


class DateInputError(ValueError):
    """A date filter that is not a day, month or year as `date_bound` reads them; the message is one
    line in Chinese, to show next to the field."""


def _shown(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 20 else text[:20] + "…"


def date_range(text: str) -> tuple[str, str]:
    """The first and last day of a date typed in a filter, ISO: ``2024年1月`` → ``2024-01-01``,
    ``2024-01-31``; ``2024`` → the whole year; ``2024/1/1`` → that day. Full-width digits are read.

    Raises:
        DateInputError: the text is not a day, month or year (``2024/13/01``, ``明天``, ``24-1-1``).
    """
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    m = _INPUT.fullmatch(s)
    if m is None:
        raise DateInputError(f"无法识别的日期“{_shown(text)}”：{_INPUT_FORMS}")
    y = int(m["y"] or m["cy"] or m["ky"])  # every form has a year
    mo, d = (next((int(g) for g in m.group(*names) if g), None) for names in (("m", "cm", "km"), ("d", "cd", "kd")))
    if y < 1 or (mo is not None and not 1 <= mo <= 12):
        raise DateInputError(f"无法识别的日期“{_shown(text)}”：{_INPUT_FORMS}")
    if mo is None:
        return f"{y:04d}-01-01", f"{y:04d}-12-31"
    last = _month_end(y, mo) if y < 9999 or mo < 12 else dt.date(9999, 12, 31)
    if d is None:
        return f"{y:04d}-{mo:02d}-01", last.isoformat()
    if not 1 <= d <= last.day:
        raise DateInputError(f"日期“{_shown(text)}”不存在：{y}年{mo}月只有{last.day}天")
    day = dt.date(y, mo, d).isoformat()
    return day, day


def date_bound(text: str | None, *, end: bool = False) -> str | None:
    """A date filter's bound as an ISO day: the first day of what was typed for a start bound, the
    last for an ``end`` bound (``2024年1月`` → ``2024-01-01`` / ``2024-01-31``); None for an empty field.

    Raises:
        DateInputError: see `date_range`.
    """
    if text is None or not text.strip():
        return None
    first, last = date_range(text)
    return last if end else first


def date_filter(start: str | None, end: str | None) -> tuple[str | None, str | None]:
    """Both bounds of a date filter (`date_bound`), refused when the start comes after the end.

    Raises:
        DateInputError: a bound cannot be read, or the range is empty.
    """
    lo, hi = date_bound(start), date_bound(end, end=True)
    if lo is not None and hi is not None and lo > hi:
        raise DateInputError(f"起始日期“{_shown(start or '')}”晚于结束日期“{_shown(end or '')}”")
    return lo, hi
