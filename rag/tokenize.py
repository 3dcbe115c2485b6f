"""Keyword tokens for BM25: jieba in search mode, dates as whole tokens, stopwords dropped.

Documents and questions go through the same `tokenize` (after `normalize`), so that both sides
of the keyword index agree.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from importlib import resources

TOKENIZER_VERSION = "4"

# Dates become tokens a question can match whatever else surrounds them: "2024年7月19日" yields
# "2024年", "7月", "19日" and "7月19日", so a report saying only "19日" still matches on the day.
_DATE = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(?:(\d{1,2})[日号])?")
_DATE_HINT = re.compile(r"\d{4}年|\d{1,2}月|\d{1,2}[日号]")


def _data_lines(name: str) -> list[str]:
    text = (resources.files("rag") / "data" / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _load_stopwords() -> frozenset[str]:
    return frozenset(_data_lines("stopwords.txt"))


def _load_aliases() -> dict[str, str]:
    return dict(line.split("\t", 1) for line in _data_lines("aliases.txt"))


ALIASES = _load_aliases()
_ALIAS = re.compile("|".join(sorted(map(re.escape, ALIASES), key=len, reverse=True)))


STOPWORDS = _load_stopwords()


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    with (resources.files("rag") / "data" / "userdict.txt").open("rb") as f:
        tok.load_userdict(f)
    return tok


def date_tokens(text: str) -> list[str]:
    """Canonical tokens of each date written in ``text`` ("2024年7月19日" → 2024年, 7月, 19日, 7月19日)."""
    out: list[str] = []
    for m in _DATE.finditer(text):
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


_QUESTION_WORD = re.compile(r"几[个名位次项条天年月人家所届种批]?|多少[个名位次项条人家所]?|哪[一个些位里年天]*")


def _is_token(word: str) -> bool:
    word = word.strip()
    return (
        bool(word) and word not in STOPWORDS and not _QUESTION_WORD.fullmatch(word) and any(c.isalnum() for c in word)
    )


def names(text: str) -> list[str]:
    """Person and place names in ``text`` (jieba's ``nr`` / ``ns`` tags), two characters or more."""
    import jieba.posseg

    _jieba()  # quiet logging
    return [w.word for w in jieba.posseg.cut(text) if w.flag in ("nr", "ns") and len(w.word) >= 2]


_HAN_RUN = re.compile(r"[\u3400-\u9fff]{2,}")
# A bigram across a particle or question word ("过了", "了什") carries no meaning.
_GLUE = frozenset(
    "的了吗呢吧啊么谁哪几什是在和与及或等对把被将为于由从向到以之其这那该此并而且也都还又就则即所个些着过"
)


def bigrams(text: str) -> list[str]:
    """Overlapping pairs of Chinese characters, e.g. 常委会议 → 常委, 委会, 会议."""
    return [
        run[i : i + 2]
        for run in _HAN_RUN.findall(text)
        for i in range(len(run) - 1)
        if run[i] not in _GLUE and run[i + 1] not in _GLUE
    ]


def tokenize(text: str, with_bigrams: bool = True) -> list[str]:
    """Tokens of normalized text for the keyword index and for keyword queries.

    jieba words (search mode), plus character bigrams: jieba can cut the same phrase differently
    in a question and in a report (政协常委会/议 vs 政协/常委/会议); the bigrams still match.
    """
    tokens: list[str] = []
    pos = 0
    spans = [m.span() for m in _DATE.finditer(text) if m.group(0) and _DATE_HINT.search(m.group(0))]
    for start, end in [*spans, (len(text), len(text))]:
        piece = _ALIAS.sub(lambda m: ALIASES[m.group(0)], text[pos:start])
        for word in _jieba().cut_for_search(piece):
            if _is_token(word):
                tokens.append(word.lower())
        if with_bigrams:
            tokens.extend(bigrams(piece))
        tokens.extend(date_tokens(text[start:end]))
        pos = end
    return tokens
