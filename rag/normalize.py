"""Text clean-up shared by documents and questions.

One path for both, so that a question typed in Traditional characters meets Simplified passages and
the other way round: pinyin annotations removed, Traditional → Simplified (OpenCC), NFKC,
punctuation next to Chinese made full-width, whitespace tidied. Pure functions.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

NORMALIZER_VERSION = "1"

# A pinyin syllable: optional initial + final, tone marks removed before matching.
_SYLLABLE = re.compile(
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ei|ao|ou|an|en|er|ia|ie|in|iu|ua|uo|ui|un|"
    r"ue|ve|vn|a|o|e|i|u|v)"
)
# "(xié)" or "（xié）" right after a Chinese character, one or two syllables.
_LETTER = r"a-zA-ZüÜ\u00c0-\u024f\u0300-\u036f"
_PINYIN = re.compile(rf"(?<=[\u3400-\u9fff])[(（]([{_LETTER}]{{1,7}}(?: [{_LETTER}]{{1,7}})?)[)）]")
# zero-width and soft-hyphen characters; control characters other than line breaks and tabs (a
# terminal escape in a document must not reach a terminal); lone surrogates and U+FFFD (from broken
# JSON escapes, file names or decoding)
_ZERO_WIDTH = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffd]")
_CJK = r"\u3400-\u9fff\u3000-\u303f\uff00-\uffef“”‘’"
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_PUNCT_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])[,;:?!()]|[,;:?!()](?=[{_CJK}])")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_SPACE_BETWEEN_CJK = re.compile(r"(?<=[\u3400-\u9fff，。；：？！、）”]) (?=[\u3400-\u9fff“（])")


def _is_pinyin(word: str) -> bool:
    bare = "".join(c for c in unicodedata.normalize("NFD", word.lower()) if not unicodedata.combining(c))
    bare = bare.replace("ü", "v")
    if len(bare) < 2 and bare == word.lower():  # "(a)" without a tone mark is more likely a list label
        return False
    return all(_SYLLABLE.fullmatch(s) for s in bare.split(" "))


def strip_pinyin(text: str) -> str:
    """Remove pinyin readings put after characters: ``市政協(xié)開展`` → ``市政協開展``."""
    return _PINYIN.sub(lambda m: "" if _is_pinyin(m.group(1)) else m.group(0), text)


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → Simplified characters (OpenCC ``t2s``); Simplified text passes unchanged."""
    return str(_t2s().convert(text))


def normalize(text: str) -> str:
    """Normalize a document or a question. Idempotent: ``normalize(normalize(t)) == normalize(t)``."""
    text = _ZERO_WIDTH.sub("", text)
    text = strip_pinyin(text)
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text)
    text = _PUNCT_NEAR_CJK.sub(lambda m: _HALF_TO_FULL[m.group(0)], text)
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _SPACES.sub(" ", line).strip()
        line = _SPACE_BETWEEN_CJK.sub("", line)
        if line:
            lines.append(line)
    return "\n".join(lines)
