"""Follow-up questions made standalone without an LLM.

"那次会议还审议了什么？" after "2024年7月19日国务院常务会议审议通过了什么？" carries over the earlier
question's dates, identifiers (第二十次会议, 《…》), meeting name and, for 他/她, the names in it, so
that retrieval finds the same meeting: "2024年7月19日 国务院常务会议 那次会议还审议了什么？".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .answer import identifiers
from .dates import date_hints, date_phrases, without_dates
from .normalize import normalize
from .tokenize import names

# words that point back at something said before
_ANAPHORA = re.compile(
    r"那次|这次|此次|该次|上述|上次|那场|这场|那个|这个|该会|本次|同一次|那天|当天|它|其中|他们|她们|还|另外|此外"
)
_MEETING = re.compile(
    r"[\u4e00-\u9fff]{2,14}?(?:会议|座谈会|常委会|集体学习|全会|协商活动|协商会|论坛|峰会|发布会|工作会|活动)"
)


def is_follow_up(question: str) -> bool:
    return bool(_ANAPHORA.search(normalize(question)))


def standalone(question: str, previous: Sequence[str]) -> str:
    """``question`` with what it refers back to from the last of ``previous`` put in front; the
    question itself when it is not a follow-up or there is nothing before it."""
    if not previous or not is_follow_up(question):
        return question
    q, prev = normalize(question), normalize(previous[-1])
    carried: list[str] = []
    if not date_hints(q):
        carried += date_phrases(prev)
    carried += [x for x in identifiers(prev) if x not in q]
    if re.search(r"他|她|其|此人|该同志", q):  # a person referred back to
        carried += [n for n in names(prev) if n not in q]
    own = _MEETING.search(q)
    if own is None or _ANAPHORA.match(own.group(0)):  # no meeting of its own, or only "那次会议"
        meeting = _MEETING.search(without_dates(prev))
        if meeting:
            carried.append(meeting.group(0))
    return f"{' '.join(carried)} {question}".strip() if carried else question
