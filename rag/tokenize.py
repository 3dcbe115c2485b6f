"""Keyword tokens for BM25: jieba in search mode, dates as whole tokens, stopwords dropped.

Documents and questions go through the same `tokenize` (after `normalize`), so that both sides
of the keyword index agree.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from importlib import resources

TOKENIZER_VERSION = "1"

# Dates become tokens a question can match whatever else surrounds them: "2024年7月19日" yields
# "2024年", "7月", "19日" and "7月19日", so a report saying only "19日" still matches on the day.
_DATE = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(?:(\d{1,2})[日号])?")
_DATE_HINT = re.compile(r"\d{4}年|\d{1,2}月|\d{1,2}[日号]")


def _load_stopwords() -> frozenset[str]:
    text = (resources.files("rag") / "data" / "stopwords.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


STOPWORDS = _load_stopwords()


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    with resources.as_file(resources.files("rag") / "data" / "userdict.txt") as path:
        tok.load_userdict(str(path))
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


def _is_token(word: str) -> bool:
    word = word.strip()
    return bool(word) and word not in STOPWORDS and any(c.isalnum() for c in word)


def tokenize(text: str) -> list[str]:
    """Tokens of normalized text for the keyword index and for keyword queries."""
    tokens: list[str] = []
    pos = 0
    spans = [m.span() for m in _DATE.finditer(text) if m.group(0) and _DATE_HINT.search(m.group(0))]
    for start, end in [*spans, (len(text), len(text))]:
        for word in _jieba().cut_for_search(text[pos:start]):
            if _is_token(word):
                tokens.append(word.lower())
        tokens.extend(date_tokens(text[start:end]))
        pos = end
    return tokens
