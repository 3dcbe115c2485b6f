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

STOPWORDS = frozenset(
    ["的", "了", "是", "在", "和", "与", "及", "以及", "或", "等", "对", "把", "被", "将", "为", "于", "由", "从", "向", "到", "以", "之", "其", "这", "那", "该", "此", "并", "而", "且", "也", "都", "还", "又", "就", "则", "即", "所", "个", "些", "着", "过", "有", "没有", "中", "上", "下", "里", "后", "前", "时", "一", "一个", "我", "你", "他", "她", "它", "我们", "你们", "他们", "们", "什么", "谁", "哪", "哪些", "哪个", "哪里", "哪位", "多少", "几", "几个", "几项", "如何", "怎么", "怎样", "为什么", "是否", "吗", "呢", "吧", "啊", "么", "请问", "请", "呀", "哦", "嗯", "关于", "有关", "方面", "情况", "问题", "内容", "主要", "哪天", "何时", "什么时候", "分别", "具体"]
)


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
