"""Answers ready to reuse: sentences quoted from several reports say which report each is from."""

import re

from rag.answer import ExtractiveAnswerer, source_prefix
from rag.types import Chunk, Hit
from rag.web.render import answer_markdown

from .test_answer import reports_index

TITLE_2024 = "李强主持召开国务院常务会议"
TITLE_2026 = "国务院常务会议"
SENT_2024 = "国务院总理李强7月31日主持召开国务院常务会议，部署推进城市更新工作。"
SENT_2026 = "国务院总理李强7月31日主持召开国务院常务会议，部署推进城市更新工作试点。"


def _hit(doc_id, date, title, text, score=1.0):
    return Hit(Chunk(f"{doc_id}@0", doc_id, text, 0, len(text), title, date, "test"), score)


def _two_years():
    return [
        _hit("a", "2024-07-31", TITLE_2024, "央视网消息（新闻联播）：" + SENT_2024),
        _hit("b", "2026-07-31", TITLE_2026, SENT_2026, 0.9),
    ]


def _sentences(ans):
    """(prefix, sentence, n) of each quoted sentence: the prefix is the one its citation gives, or ""."""
    by_n = {c.n: c for c in ans.citations}
    out = []
    for part, n in re.findall(r"(.+?)\[(\d+)\]", ans.text):
        c = by_n[int(n)]
        prefix = source_prefix(c.title, c.date)
        has = bool(prefix) and part.startswith(prefix)
        out.append((prefix if has else "", part[len(prefix) :] if has else part, int(n)))
    return out


def test_sentences_of_two_reports_are_prefixed_by_their_date_and_title():
    ans = ExtractiveAnswerer(lambda t: 1.0).answer("李强7月31日主持召开的国务院常务会议部署了什么？", _two_years())
    assert ans.found
    assert ans.text == (f"2024年7月31日《{TITLE_2024}》：{SENT_2024}[1]2026年7月31日《{TITLE_2026}》：{SENT_2026}[2]")
    assert "央视网消息" not in ans.text  # the dateline is still dropped


def test_markers_quotes_and_marks_stay_consistent_with_the_prefixes():
    ans = ExtractiveAnswerer(lambda t: 1.0).answer("国务院常务会议哪天部署推进城市更新工作？", _two_years())
    by_n = {c.n: c for c in ans.citations}
    sentences = _sentences(ans)
    assert [p for p, _, _ in sentences] == [
        "2024年7月31日《李强主持召开国务院常务会议》：",
        "2026年7月31日《国务院常务会议》：",
    ]
    # each quote is the sentence its marker follows, verbatim in its passage
    assert [(by_n[q.n].text[q.start : q.end], q.n) for q in ans.quotes] == [(s, n) for _, s, n in sentences]
    (mark,) = ans.marks
    assert by_n[mark.n].text[mark.start : mark.end] == "7月31日"
    # the chat bolds the short answer in the quoted sentence, not the same date in the prefix
    html = answer_markdown(ans)
    assert '2024年7月31日《李强主持召开国务院常务会议》：国务院总理李强<b class="short">7月31日</b>主持' in html
    assert html.count("<b ") == 1


def test_an_answer_from_one_report_has_no_prefix():
    hits = [_hit("a", "2024-07-31", TITLE_2024, SENT_2024 + "会议要求，抓好安全生产。")]
    ans = ExtractiveAnswerer(lambda t: 1.0).answer("国务院常务会议部署了什么工作？", hits)
    assert ans.found
    assert not ans.text.startswith("2024年")
    assert all(prefix == "" for prefix, _, _ in _sentences(ans))


def test_sentences_of_one_report_share_one_prefix(tmp_path, embedder):
    a = reports_index(tmp_path, embedder, {
        "2024-07-31": (TITLE_2024, SENT_2024 + "\n会议指出，城市更新工作要稳步推进，试点先行。"),
        "2026-07-31": (TITLE_2026, SENT_2026),
    })  # fmt: skip
    ans = a.ask("李强7月31日主持召开的国务院常务会议部署了哪些城市更新工作？")
    assert ans.found
    runs = [prefix for prefix, _, _ in _sentences(ans)]
    quoted = {c.date for c in ans.citations if f"[{c.n}]" in ans.text}
    assert quoted == {"2024-07-31", "2026-07-31"}
    assert "" in runs  # the report's second sentence follows its first without repeating the prefix
    assert sorted(p for p in runs if p) == [
        "2024年7月31日《李强主持召开国务院常务会议》：",
        "2026年7月31日《国务院常务会议》：",
    ]
    for prev, cur in zip(_sentences(ans), _sentences(ans)[1:], strict=False):
        assert bool(cur[0]) == (cur[2] != prev[2])  # a prefix exactly where the report changes


def test_source_prefix_of_what_a_report_gives():
    assert source_prefix("国务院常务会议", "2024-07-31") == "2024年7月31日《国务院常务会议》："
    assert source_prefix("2018年政府工作报告", "2018") == "2018年《2018年政府工作报告》："
    assert source_prefix("《求是》杂志文章", None) == "《《求是》杂志文章》："
    assert source_prefix("《政府工作报告》", None) == "《政府工作报告》："
    assert source_prefix("", "2024-07-31") == "2024年7月31日："
    assert source_prefix("", None) == ""
    assert "[" not in source_prefix("会议[1]纪要", None)  # only the answer's markers read as [n]
