"""Answers from retrieved passages. Without an LLM: the extractive answerer.

The extractive answerer scores the sentences of the retrieved passages against the question (IDF-
weighted keyword coverage, plus what the question asks for: a person, a number, a date), quotes the
best ones verbatim with ``[n]`` markers, and returns the passages as citations. When the passages do
not cover the question's key terms it says so instead of quoting unrelated text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .chunking import index_text, split_sentences
from .normalize import normalize
from .retrieve import date_hints
from .tokenize import bigrams, tokenize
from .types import Answer, Citation, Hit

NOT_FOUND = "未在资料中找到相关内容。"

_ASKS_PERSON = re.compile(r"谁|哪位|哪些人|什么人|姓名|名字")
_ASKS_NUMBER = re.compile(r"多少|几[个项名位次条届天年月人家所]?|数量|比例|金额|规模|增长了?|百分")
_ASKS_DATE = re.compile(r"什么时候|何时|哪天|哪一天|几月几日|日期|哪年|哪一年")
_ROLE = re.compile(r"主席|书记|市长|省长|总理|委员长|部长|主任|秘书长|局长|院长|厅长|县长|区长|常委|同志|代表|委员")
_NUMBER = re.compile(r"\d|[一二三四五六七八九十百千万亿两]+[个项名位次条届家所万亿%]")
_DATE = re.compile(r"\d{1,4}年|\d{1,2}月|\d{1,2}日")


@dataclass(frozen=True)
class _Sentence:
    hit: int  # index into the hits
    start: int  # span within the chunk text
    end: int
    text: str
    score: float


class ExtractiveAnswerer:
    """Builds a short answer from verbatim sentences of the passages.

    Args:
        idf: token → inverse document frequency, from the index.
        min_coverage: share of the question's key-term weight that the best passage (with its title
            and date) must contain; below it the answer is "not found".
        max_sentences: at most this many sentences are quoted.
        max_chars: the answer stops growing past this length.
    """

    def __init__(
        self, idf: Callable[[str], float], *, min_coverage: float = 0.55, max_sentences: int = 3, max_chars: int = 260
    ) -> None:
        self.idf = idf
        self.min_coverage = min_coverage
        self.max_sentences = max_sentences
        self.max_chars = max_chars

    def _weights(self, question: str) -> dict[str, float]:
        return {t: self.idf(t) for t in set(tokenize(question, with_bigrams=False))}

    @staticmethod
    def _coverage(weights: dict[str, float], text: str) -> float:
        """IDF-weighted share of the question's terms found in ``text``.

        Terms are matched as substrings, and a long word also counts in part by its character pairs:
        jieba may cut the same phrase differently in the question and in the passage.
        """
        total = sum(weights.values())
        if not total:
            return 0.0
        text = text.lower()
        found = 0.0
        for term, w in weights.items():
            if term in text:
                found += w
            elif len(term) >= 3 and (pairs := bigrams(term)):
                share = sum(p in text for p in pairs) / len(pairs)
                found += w * share if share >= 0.5 else 0.0
        return found / total

    def relevance(self, question: str, hits: Sequence[Hit]) -> float:
        """Best share of the question's key-term weight found in one passage (title and date included)."""
        weights = self._weights(normalize(question))
        return max((self._coverage(weights, index_text(h.chunk)) for h in hits), default=0.0)

    @staticmethod
    def _dates_supported(question: str, hits: Sequence[Hit]) -> bool:
        """False when the question names a year and no passage is of, or mentions, that date."""
        hints = [h for h in date_hints(question) if h.year is not None]
        if not hints:
            return True
        for hint in hints:
            written = f"{hint.year}年{f'{hint.month}月' if hint.month else ''}{f'{hint.day}日' if hint.day else ''}"
            if any(hint.matches(h.chunk.date) or written in index_text(h.chunk) for h in hits):
                return True
        return False

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        q = normalize(question)
        weights = self._weights(q)
        if not hits or not weights:
            return Answer(text=NOT_FOUND, found=False)
        passage_cov = [self._coverage(weights, index_text(h.chunk)) for h in hits]
        if max(passage_cov) < self.min_coverage or not self._dates_supported(q, hits):
            return Answer(text=NOT_FOUND, found=False)

        asks_person, asks_number, asks_date = (bool(p.search(q)) for p in (_ASKS_PERSON, _ASKS_NUMBER, _ASKS_DATE))
        sentences: list[_Sentence] = []
        seen: set[str] = set()
        for h, hit in enumerate(hits):
            text = hit.chunk.text
            # the title and date identify the meeting for every sentence of the passage, so that a
            # sentence is chosen for what it adds to them (e.g. who attended, what was passed)
            context = index_text(hit.chunk)[: -len(text)]
            for s, e in split_sentences(text):
                sent = text[s:e]
                if sent in seen or len(sent) < 4 or sent == hit.chunk.title:
                    continue
                seen.add(sent)
                score = 0.7 * self._coverage(weights, context + sent) + 0.3 * self._coverage(weights, sent)
                if asks_person and _ROLE.search(sent):
                    score += 0.15
                if asks_number and _NUMBER.search(sent):
                    score += 0.15
                if asks_date and _DATE.search(sent):
                    score += 0.15
                # the passage's own relevance and rank carry over to its sentences
                score += 0.35 * passage_cov[h] + 0.1 * hit.score - 0.02 * h
                sentences.append(_Sentence(h, s, e, sent, score))
        if not sentences:
            return Answer(text=NOT_FOUND, found=False)

        ranked = sorted(sentences, key=lambda x: -x.score)
        best = ranked[0].score
        chosen = [ranked[0]]
        length = len(ranked[0].text)
        for cand in ranked[1:]:
            if len(chosen) >= self.max_sentences or length >= self.max_chars:
                break
            if cand.score < 0.8 * best or length + len(cand.text) > self.max_chars:
                continue
            chosen.append(cand)
            length += len(cand.text)
        # read in document order: by passage rank, then position in the passage
        chosen.sort(key=lambda x: (x.hit, x.start))

        numbers: dict[int, int] = {}
        for c in chosen:
            numbers.setdefault(c.hit, len(numbers) + 1)
        # the remaining retrieved passages follow as further, unquoted sources
        for h in range(len(hits)):
            if passage_cov[h] >= self.min_coverage / 2:
                numbers.setdefault(h, len(numbers) + 1)
        text = "".join(f"{c.text}[{numbers[c.hit]}]" for c in chosen)
        citations = tuple(
            Citation(
                n=n,
                doc_id=hits[h].chunk.doc_id,
                title=hits[h].chunk.title,
                date=hits[h].chunk.date,
                source=hits[h].chunk.source,
                text=hits[h].chunk.text,
                start=hits[h].chunk.start,
                end=hits[h].chunk.end,
                score=hits[h].score,
            )
            for h, n in sorted(numbers.items(), key=lambda kv: kv[1])
        )
        return Answer(text=text, found=True, citations=citations)
