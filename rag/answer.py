"""Answers from retrieved passages. Without an LLM: the extractive answerer.

The extractive answerer scores the sentences of the retrieved passages against the question (IDF-
weighted coverage of its terms, the terms next to the question word counting double, plus what the
question asks for: a person, a number, a date), quotes the best ones verbatim with ``[n]`` markers
and returns the passages as citations. It answers "not found" instead of quoting unrelated text
when no passage covers enough of the question's key terms, when the question names a year that no
passage is from, or when it names a session or title (第二十次, 十三届, 《…》) that no retrieved
document contains.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from .chunking import index_text, split_sentences
from .dates import DATE_PHRASE, date_hints, format_cn
from .dates import MENTION as _DATE
from .normalize import normalize
from .tokenize import bigrams, is_token, jieba_words, person_spans, tokenize
from .types import Answer, Citation, Hit, Quote

NOT_FOUND = "未在资料中找到相关内容。"

_ASKS_PERSON = re.compile(r"谁|哪位|哪些人|什么人|姓名|名字")
_ASKS_NUMBER = re.compile(r"多少|几|多[高大长重远久宽深厚]|数量|比例|金额|规模|面积|人口|百分")
_ASKS_ORDINAL = re.compile(r"第几")
_ASKS_DATE = re.compile(r"什么时候|何时|哪天|哪一天|几月几日|日期|哪年|哪一年|什么时间|哪个时[候期间]|什么年代")
_ASKS_REASON = re.compile(r"为什么|为何|什么原因|原因是")
_ASKS_PLACE = re.compile(r"哪里|哪儿|何地|何处|什么地方|在哪|哪个(?:城市|地方|省|市|县|国家)|地点")
_ASKS_SEVERAL = re.compile(r"哪些|哪几|分别|历次|各次|都有|列出|比较|对比|变化")
_ASKS_AUTHOR = re.compile(r"谁写的|谁撰写|作者|哪位记者|记者是谁|谁报道的|是谁报道|通讯员是谁|署名")
# a byline: （张三报道）, (记者 张三 李四) at a report's end, or 记者张三 / 通讯员李四 in its first lines
_BYLINE = re.compile(
    r"[（(]([^（）()\n]{1,30}?)报道[）)]\s*$"  # （商铮报道） closing the report
    r"|[（(](?:记者|通讯员)[ 　]*([\u4e00-\u9fff、 　]{2,20}?)[）)]"  # （记者 张三 李四）
    r"|(?:记者|通讯员)[ 　]*([\u4e00-\u9fff]{2,4}?)(?=[ 　、]|报道|摄)"  # 记者王五 报道
)
# What opens a news report before its first sentence says anything: the outlet's dateline
# (央视网消息（新闻联播）：, 新华社北京7月19日电, 本报讯) and a reporter's credit. Not quoted.
_DATELINE = re.compile(
    r"\s*(?:[\u4e00-\u9fff]{1,8}消息(?:[（(][^（）()\n]{1,12}[）)])?[：:]"
    r"|(?:新华社|中新社|人民日报|本报)[\u4e00-\u9fff\d]{0,14}?(?:电|讯)(?:[（(][^（）()\n]{1,24}[）)])?[：:]?"
    r"|[（(](?:记者|通讯员)[^（）()\n]{1,24}[）)])\s*"
)
_ROLE = re.compile(
    r"主席|书记|总理|委员长|[省市县区部局厅院司处校会行社署]长|主任|常委|委员|教授|院士|专家|主持|讲话|发言|作了"
)
# a count or amount, not a date: 9件, 14位, 1758万亩, 二十条; not 26日, not 第一次
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?![\d.年月日号时])|(?<!第)[一二三四五六七八九十百千万亿两]+[个项名位条家所件万亿]")
# the whole of a number asked for: 6.5%左右, 1100万人以上, 三亿零四百七十五万吨, 12000元
_NUMBER_PHRASE = re.compile(
    r"(?:\d+(?:[.,]\d+)*|[一二三四五六七八九十百千万亿零两]{2,})(?:[%％]|[万亿千百]?[多余]?[个项名位条家所件人元吨亩公里米次倍斤]*)"
    r"(?:左右|以上|以下|多)?(?![\d年月日号])"
)
_ORDINAL = re.compile(r"第[一二三四五六七八九十百零〇两\d]+[次届讲期批轮名位]")
_REASON = re.compile(r"因为|由于|因此|所以|为了|原因|以致|导致")
# where something took place: 在北京举行, 在哈萨克斯坦阿斯塔纳举行, 于人民大会堂召开, 在福建莆田沿海登陆
_PLACE = re.compile(
    r"(?:在|于|赴|抵达)([\u4e00-\u9fff·]{1,16}?)(?=举行|召开|开幕|闭幕|举办|登陆|会见|会谈|考察|调研|成立|揭牌)"
)
# Words that single out one meeting or one text: "第二十次会议", "十二届五次", "十四届", "《……》".
# A document that lacks them is about another meeting, however similar. An ordinal keeps the
# character after it: 第二十次会议 is not 第二十次全国代表大会.
_NUM = "一二三四五六七八九十百零〇两\\d"
_IDENTIFIER = re.compile(
    rf"第[{_NUM}]+[次届讲期批轮][\u4e00-\u9fff]?|[{_NUM}]+届(?:全国人大|全国政协)?[{_NUM}]+次|[{_NUM}]+届|《[^》]{{2,40}}》"
)
# A local body named with its place: 深圳市委, 浙江省政协, 成都市人大常委会.
_LOCAL_BODY = re.compile(r"([\u4e00-\u9fff]{2,4}?)([省市县区州](?:委|政协|人大常委会|人大|政府|人民政府))")
_BRACKETS = str.maketrans({"[": "［", "]": "］"})
_WH = re.compile(r"谁|什么|哪|多少|几")
_NAMES_DOCUMENT = re.compile(r"的?[\u4e00-\u9fff]{0,8}?(?:报告|公报|决议|纪要|规划|计划|讲话|白皮书)")
_ASKING_WORD = re.compile(r"谁|什么|哪|多少|多久|为何|怎样|怎么|如何|何时|何地|何处|何人")


def identifiers(question: str) -> list[str]:
    """The identifying words of a normalized question: ordinals, sessions, quoted titles, local bodies."""
    found = [m.group(0) for m in _IDENTIFIER.finditer(question)]
    return found + [m.group(0) for m in _LOCAL_BODY.finditer(question) if not m.group(1).startswith("全国")]


def _has_identifier(identifier: str, title: str, text: str) -> bool:
    """Whether a document carries an identifier. A local body also counts when the report's title
    names the place and the text the body (滕州 in the title, 市政协 in the text)."""
    if identifier in text or identifier in title:
        return True
    m = _LOCAL_BODY.fullmatch(identifier)
    if m is None:
        return False
    # the match may have taken a word before the place (出席示范区政协): try the place's last 2-4 characters
    place, body = m.groups()
    for n in range(2, len(place) + 1):
        p = place[-n:]
        if p + body in text or p + body in title or (p in title and body in text):
            return True
    return False


@dataclass(frozen=True)
class SentenceWeights:
    """How the extractive answerer scores a sentence of a retrieved passage. Tuned on the meeting
    development set and CMRC2018 dev (BENCHMARKS.md); the held-out sets were not used.

    Attributes:
        context: IDF-weighted share of the question's terms found in the sentence together with its
            report's title, date and lead sentence (which name the meeting for every sentence).
        focus: share of the terms next to the question word (谁, 多少 …) found in the sentence itself.
        asked_kind: when the question asks for a person, number, date, ordinal or reason, and the
            sentence has one.
        identifier: the sentence names the session or title the question names (第二十次, 《…》).
        passage: the relevance of the sentence's passage to the whole question.
        retrieval: the passage's fused retrieval score.
        rank: subtracted per rank of the passage (the first passage wins ties).
        keep: a further sentence is quoted only if it scores at least this share of the best one.
    """

    context: float = 0.4
    focus: float = 0.6
    asked_kind: float = 0.15
    identifier: float = 0.15
    passage: float = 0.3
    retrieval: float = 0.1
    rank: float = 0.02
    keep: float = 0.85

    def score(self, f: Features) -> float:
        """A sentence's score from its `Features`."""
        return (
            self.context * f.context
            + self.focus * f.focus
            + self.asked_kind * f.asked_kind
            + self.identifier * f.identifier
            + self.passage * f.passage
            + self.retrieval * f.retrieval
            - self.rank * f.rank
        )


@dataclass(frozen=True)
class Features:
    """What `SentenceWeights` weighs in a sentence (see its attributes); ``rank`` is the passage's."""

    context: float
    focus: float
    asked_kind: float
    identifier: float
    passage: float
    retrieval: float
    rank: float


@dataclass(frozen=True)
class Evidence:
    """What the retrieved passages hold of a question.

    Attributes:
        coverage: IDF-weighted share of the question's terms in the best passage (with its title).
        dense: the best passage's cosine similarity to the question (0 when retrieval gave none).
    """

    coverage: float
    dense: float


@dataclass(frozen=True)
class Abstention:
    """Whether the passages answer the question: a logistic model over `Evidence`, fit by
    ``bench/fit_abstention.py`` on calibration questions that no reported figure uses (CMRC2018 trial
    and DRCD test questions asked of their own paragraphs and of the meeting reports; the meeting
    development questions asked of both); the threshold costs each answerable group at most 2 %.
    Words shared by chance (亚麻属于哪个属？ and a sentence with 属于) give coverage but not the
    similarity of a passage about the question's subject. It holds for the embedding model it was
    fit with (``model``); an index of another model answers whenever the coverage is enough. Further
    features (coverage of the question's rarest words, words no chunk holds) were measured and added
    nothing (BENCHMARKS.md)."""

    model: str  # the embedding model the similarities come from
    coverage: float = 0.0
    dense: float = 0.0
    bias: float = 0.0
    threshold: float = 0.0

    def probability(self, e: Evidence) -> float:
        """The model's probability that the passages answer the question."""
        return 1.0 / (1.0 + math.exp(-(self.bias + self.coverage * e.coverage + self.dense * e.dense)))

    def answers(self, e: Evidence) -> bool:
        return self.probability(e) >= self.threshold


ABSTENTION = Abstention("m3e-small", coverage=9.697, dense=40.974, bias=-36.995, threshold=0.129)  # fit_abstention.py


@dataclass(frozen=True)
class Sentence:
    """A sentence of a retrieved passage, as the answerer weighs it."""

    hit: int  # index into the hits
    start: int  # span within the chunk text
    text: str
    features: Features
    score: float


def _covered(term: str, text: str, loose: bool = False) -> float:
    """1 when ``term`` is in ``text``; for a long word, the share of its character pairs found, as
    jieba may cut the same phrase differently in a question and in a passage. ``loose`` also gives
    a little for single shared characters (颜色 / 银灰色, 身体 / 体呈)."""
    if term in text:
        return 1.0
    if len(term) >= 3 and (pairs := bigrams(term)):
        share = sum(p in text for p in pairs) / len(pairs)
        if share >= 0.5:
            return share
    if loose and len(term) >= 2:
        return 0.3 * sum(c in text for c in term) / len(term)
    return 0.0


# what a question asks for, and how a sentence shows that it has it
_ASKED = (
    (_ASKS_PERSON, _ROLE),
    (_ASKS_NUMBER, _NUMBER),
    (_ASKS_DATE, _DATE),
    (_ASKS_ORDINAL, _ORDINAL),
    (_ASKS_REASON, _REASON),
    (_ASKS_PLACE, _PLACE),
)


class ExtractiveAnswerer:
    """Builds a short answer from verbatim sentences of the passages.

    Args:
        idf: token → inverse document frequency, from the index.
        document_text: doc id → whole normalized text, to check identifiers beyond the passage.
        min_coverage: share of the question's key-term weight that the best passage (with its title
            and date) must contain; below it the answer is "not found".
        max_sentences: at most this many sentences are quoted.
        max_chars: the answer stops growing past this length.
        weights: how sentences are scored (`SentenceWeights`).
        abstention: when the passages do not hold the question's specific content (`Abstention`);
            None answers whenever the coverage is enough.
    """

    def __init__(
        self,
        idf: Callable[[str], float],
        *,
        document_text: Callable[[str], str] | None = None,
        min_coverage: float = 0.5,
        max_sentences: int = 3,
        max_chars: int = 260,
        weights: SentenceWeights | None = None,
        abstention: Abstention | None = None,
    ) -> None:
        self.idf = idf
        self.abstention = abstention
        self.document_text = document_text
        self.min_coverage = min_coverage
        self.max_sentences = max_sentences
        self.max_chars = max_chars
        self.sentence_weights = weights or SentenceWeights()

    def weights(self, question: str) -> dict[str, float]:
        """IDF weight of each distinct key term of a normalized question; not its question words
        (哪边, 多久, 什么样: rare in any text, so they would weigh most and no passage holds them).
        A term no chunk holds that jieba made by joining words of the question (电是, 稻来, 上住 from
        电是利用, 野生稻来的, 岛上住着) counts as those words (`_pieces`)."""
        unseen = self.idf("\x00")  # the weight of a token that no chunk holds (no token is a NUL)
        weights: dict[str, float] = {}
        for term in set(tokenize(question, with_bigrams=False)):
            if _ASKING_WORD.search(term):
                continue
            weight = self.idf(term)
            for piece in _pieces(term) if weight >= unseen else (term,):
                weights[piece] = weight if piece == term else self.idf(piece)
        return weights

    @staticmethod
    def coverage(weights: dict[str, float], text: str, loose: bool = False) -> float:
        """IDF-weighted share of the question's terms found in ``text``."""
        total = sum(weights.values())
        if not total:
            return 0.0
        text = text.lower()
        return sum(w * _covered(t, text, loose) for t, w in weights.items()) / total

    @staticmethod
    def _focus(question: str, weights: dict[str, float]) -> dict[str, float]:
        """The terms next to the question word: in 座谈会由谁主持 the sentence should say who
        presided, not repeat the description of the meeting. All terms when there is no question word."""
        near = "".join(question[max(0, m.start() - 6) : m.end() + 6] for m in _WH.finditer(question))
        focus = {t: w for t, w in weights.items() if t in near}
        return focus or weights

    def _body(self, hit: Hit) -> str:
        return self.document_text(hit.chunk.doc_id) if self.document_text else hit.chunk.text

    def _document(self, hit: Hit) -> str:
        return f"{_heading(hit)}\n{self._body(hit)}"

    def _lead(self, hit: Hit) -> str:
        body = self._body(hit)
        spans = split_sentences(body[:300])
        return body[spans[0][0] : spans[0][1]] if spans else ""

    @staticmethod
    def _dates_supported(question: str, hits: Sequence[Hit]) -> bool:
        """False when the question names a year and no passage is of, or mentions, that date."""
        hints = [h for h in date_hints(question) if h.year is not None]
        if not hints:
            return True
        return any(hint.matches(h.chunk.date) or hint.written() in index_text(h.chunk) for hint in hints for h in hits)

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        """The best sentences of ``hits`` with their markers, or the not-found answer."""
        weighed = self._weighed(question, hits)
        if weighed is None:
            return Answer(text=NOT_FOUND, found=False)
        q, weights, ids, cov = weighed
        if self.abstention is not None and not self.abstention.answers(self._evidence(hits, cov)):
            return Answer(text=NOT_FOUND, found=False)
        if _ASKS_AUTHOR.search(q) and (signed := self._byline(hits, cov)) is not None:
            return signed
        sentences = self._scored(q, weights, ids, hits, cov)
        if not sentences:
            return Answer(text=NOT_FOUND, found=False)
        # a question that names a year asks about that year's record: one document is quoted, unless
        # it asks for several things (2024年…审议通过了哪些条例)
        one = any(h.year is not None for h in date_hints(q)) and not _ASKS_SEVERAL.search(q)
        answer = self._compose(self._choose(sentences, hits if one else None), hits, cov)
        best = max(sentences, key=lambda x: x.score)
        quote = next((x for x in answer.quotes if answer.citations[x.n - 1].text[x.start : x.end] == best.text), None)
        span = _short_answer(q, self._focus(q, weights), best.text)
        if quote is None or span is None:
            return answer
        return replace(answer, marks=(Quote(quote.n, quote.start + span[0], quote.start + span[1]),))

    def evidence(self, question: str, hits: Sequence[Hit]) -> Evidence | None:
        """What the passages hold of the question (`Evidence`), or None when the answer is "not
        found" before it is weighed (no usable passage, too little coverage). For fitting `Abstention`."""
        weighed = self._weighed(question, hits)
        return self._evidence(hits, weighed[3]) if weighed is not None else None

    def _weighed(
        self, question: str, hits: Sequence[Hit]
    ) -> tuple[str, dict[str, float], list[str], dict[int, float]] | None:
        """The normalized question, its term weights and identifiers, and the usable passages with
        their coverage; None when no passage covers enough of the question."""
        q = normalize(question)
        weights = self.weights(q)
        ids = identifiers(q)
        cov = self._usable(q, weights, ids, hits)
        if not cov or max(cov.values()) < self.min_coverage:
            return None
        return q, weights, ids, cov

    @staticmethod
    def _evidence(hits: Sequence[Hit], cov: dict[int, float]) -> Evidence:
        return Evidence(
            coverage=max(cov.values()), dense=max((h.dense for h in hits if h.dense is not None), default=0.0)
        )

    def _usable(self, q: str, weights: dict[str, float], ids: list[str], hits: Sequence[Hit]) -> dict[int, float]:
        """The passages that can answer, with their coverage of the question's terms."""
        if not hits or not weights or not self._dates_supported(q, hits):
            return {}
        # only documents that contain every identifying word of the question can answer it
        usable = [
            i for i, h in enumerate(hits) if all(_has_identifier(x, h.chunk.title, self._document(h)) for x in ids)
        ]
        # a question that names a day (2024年1月5日, 1月5日) is about the meeting of that day: when
        # passages of that day are retrieved, the others do not answer it
        days = [h for h in date_hints(q) if h.day is not None]
        of_the_day = [i for i in usable if any(h.matches(hits[i].chunk.date) for h in days)]
        usable = of_the_day or usable
        # likewise a year (2018年政府工作报告…): the documents of that year, when any is retrieved, not
        # the later ones that look back on it
        years = [h for h in date_hints(q) if h.year is not None and h.day is None]
        # a year written before a document's name (1995年政府工作报告…1994年粮食产量) is the document's;
        # the other years are what it speaks of
        years = [h for h in years if _of_document(q, h.written())] or years
        of_the_year = [i for i in usable if any(h.matches(hits[i].chunk.date) for h in years)]
        usable = of_the_year or usable
        return {i: self.coverage(weights, index_text(hits[i].chunk)) for i in usable}

    def _scored(
        self, q: str, weights: dict[str, float], ids: list[str], hits: Sequence[Hit], cov: dict[int, float]
    ) -> list[Sentence]:
        """Every sentence of the usable passages (``cov``'s keys), scored once (`SentenceWeights`)."""
        w = self.sentence_weights
        focus = self._focus(q, weights)
        asked = [shows for asks, shows in _ASKED if asks.search(q)]
        sentences: list[Sentence] = []
        seen: set[str] = set()
        for h, passage_cov in cov.items():
            hit = hits[h]
            text = hit.chunk.text
            # the title, the date and the lead sentence of the report (who met when, about what) name
            # the meeting for every sentence, so a sentence is chosen for what it adds to them
            context = _heading(hit) + self._lead(hit)
            for s, e in _read_on(text, split_sentences(text)):
                if lead := _DATELINE.match(text, s, e):
                    s = lead.end()
                sent = text[s:e]
                if sent in seen or len(sent) < 4 or sent == hit.chunk.title:
                    continue
                seen.add(sent)
                f = Features(
                    context=self.coverage(weights, context + sent),
                    focus=self.coverage(focus, sent, loose=True),
                    asked_kind=sum(bool(shows.search(sent)) for shows in asked),
                    identifier=float(any(x in sent for x in ids)),
                    passage=passage_cov,
                    retrieval=hit.score,
                    rank=h,
                )
                sentences.append(Sentence(h, s, sent, f, w.score(f)))
        return sentences

    def _byline(self, hits: Sequence[Hit], cov: dict[int, float]) -> Answer | None:
        """Who wrote the best usable report, from its byline (at its end or in its first lines)."""
        for h in sorted(cov, key=lambda i: -cov[i]):
            hit = hits[h]
            text = self._body(hit)
            m = byline(text)
            if m is None:
                continue
            name, start, end = m
            s, e = text.rfind("\n", 0, start) + 1, text.find("\n", end)  # the byline's line
            e = e if e >= 0 else len(text)
            c = hit.chunk
            citation = Citation(1, c.doc_id, c.title, c.date, c.source, text[s:e], s, e, hit.score)
            return Answer(
                text=f"署名：{name}[1]", found=True, citations=(citation,), quotes=(Quote(1, start - s, end - s),)
            )
        return None

    def sentences(self, question: str, hits: Sequence[Hit]) -> list[Sentence]:
        """The sentences an answer is chosen from, with their features and scores (empty when the
        answer is "not found" before sentences are weighed). For fitting `SentenceWeights`."""
        weighed = self._weighed(question, hits)
        return self._scored(*weighed[:3], hits, weighed[3]) if weighed is not None else []

    def _choose(self, sentences: list[Sentence], one_of: Sequence[Hit] | None = None) -> list[Sentence]:
        """The best sentence, then others close to it in score while the answer stays short (from
        the best one's document only, given ``one_of``, the hits); in passage rank, then reading order."""
        ranked = sorted(sentences, key=lambda x: -x.score)
        chosen = [ranked[0]]
        length = len(ranked[0].text)
        if one_of is not None:
            ranked = [x for x in ranked if one_of[x.hit].chunk.doc_id == one_of[chosen[0].hit].chunk.doc_id]
        for cand in ranked[1:]:
            if len(chosen) >= self.max_sentences or length >= self.max_chars:
                break
            if cand.score < self.sentence_weights.keep * ranked[0].score or length + len(cand.text) > self.max_chars:
                continue
            chosen.append(cand)
            length += len(cand.text)
        return sorted(chosen, key=lambda x: (x.hit, x.start))

    def _compose(self, chosen: list[Sentence], hits: Sequence[Hit], cov: dict[int, float]) -> Answer:
        """The quoted sentences with their markers; the other relevant passages follow as further,
        unquoted citations."""
        numbers: dict[int, int] = {}
        for c in chosen:
            numbers.setdefault(c.hit, len(numbers) + 1)
        for h, passage_cov in cov.items():
            if passage_cov >= self.min_coverage / 2:
                numbers.setdefault(h, len(numbers) + 1)
        # brackets inside a quoted sentence are made full-width: only our markers read as [n]. When the
        # sentences come from several reports, each report's first one says which (its date and title):
        # two "李强7月31日…" of different years must not read alike.
        docs = [hits[c.hit].chunk for c in chosen]
        several = len({d.doc_id for d in docs}) > 1
        parts = []
        for i, (c, doc) in enumerate(zip(chosen, docs, strict=True)):
            if several and (i == 0 or doc.doc_id != docs[i - 1].doc_id):
                parts.append(source_prefix(doc.title, doc.date))
            parts.append(f"{c.text.translate(_BRACKETS)}[{numbers[c.hit]}]")
        text = "".join(parts)
        quotes = tuple(Quote(numbers[c.hit], c.start, c.start + len(c.text)) for c in chosen)
        citations = tuple(Citation.of(n, hits[h]) for h, n in sorted(numbers.items(), key=lambda kv: kv[1]))
        return Answer(text=text, found=True, citations=citations, quotes=quotes)


def _read_on(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentences, each one that ends with a colon read on into the next (主要预期目标是：\n国内
    生产总值增长7.5%；): alone it says nothing. The next one is also a sentence of its own."""
    return [
        (s, spans[i + 1][1]) if text[s:e].rstrip().endswith(("：", ":")) and i + 1 < len(spans) else (s, e)
        for i, (s, e) in enumerate(spans)
    ]


def _of_document(q: str, year: str) -> bool:
    """Whether ``year`` (1995年) is written before a document's name in ``q`` (1995年政府工作报告)."""
    at = q.find(year)
    return at >= 0 and _NAMES_DOCUMENT.match(q, at + len(year)) is not None


def _pieces(term: str) -> list[str]:
    """The words of ``term`` when jieba's guess of new words (HMM) joined a word to a stopword, else the
    term itself: 电是 → 电; a name such as 查莫洛人 (查, 莫, 洛, 人 without the guess) is kept."""
    parts = jieba_words(term)
    kept = [p for p in parts if is_token(p)]
    return kept if kept and len(kept) < len(parts) else [term]


def source_prefix(title: str, date: str | None) -> str:
    """What names a report before the sentences quoted from it, when an answer quotes several reports:
    ``2024年7月31日《国务院常务会议》：``; the date or the title alone when the other is unknown."""
    title = " ".join(title.split()).translate(_BRACKETS)
    if title and not (title.startswith("《") and title.endswith("》")):
        title = f"《{title}》"
    named = (format_cn(date) if date else "") + title
    return f"{named}：" if named else ""


def _short_answer(q: str, focus: dict[str, float], sentence: str) -> tuple[int, int] | None:
    """Where ``sentence`` says what the question asks for: the person, number, date, ordinal or place
    nearest to the words next to the question word, not one the question itself names."""
    if _ASKS_ORDINAL.search(q):
        found = [m.span() for m in _ORDINAL.finditer(sentence)]
    elif _ASKS_PERSON.search(q):
        found = person_spans(sentence)
    elif _ASKS_NUMBER.search(q):
        found = [m.span() for m in _NUMBER_PHRASE.finditer(sentence)]
    elif _ASKS_DATE.search(q):
        found = [m.span() for m in DATE_PHRASE.finditer(sentence)]
    elif _ASKS_PLACE.search(q):
        found = [m.span(1) for m in _PLACE.finditer(sentence)]
    else:
        return None
    found = [(s, e) for s, e in found if sentence[s:e] not in q]
    if not found:
        return None
    anchors = [i for t in focus if (i := sentence.find(t)) >= 0] or [0]
    return min(found, key=lambda span: min(abs(span[0] - a) for a in anchors))


def byline(text: str) -> tuple[str, int, int] | None:
    """The author named in a report's byline, with the span of the name: ``（商铮报道）`` at its end,
    ``（记者 张三）`` or ``记者张三 报道`` in its first 200 characters."""
    end = _BYLINE.search(text, max(0, len(text) - 60))
    m = end if end is not None and end.group(1) else _BYLINE.search(text[:200])
    if m is None:
        return None
    group = next(g for g in (1, 2, 3) if m.group(g))
    return m.group(group).strip(), m.start(group), m.end(group)


def _heading(hit: Hit) -> str:
    """The title and date line that `index_text` puts before the passage."""
    return index_text(hit.chunk)[: -len(hit.chunk.text) or None]
