"""Answers that can be trusted: silence out of the corpus, answers in it, one year's report for a year.

- **Out of the corpus**: the first 300 CMRC2018 dev questions asked of the meeting-report index, and
  the meeting questions (development and held-out, single facts) asked of the CMRC2018 dev index:
  the share answered "not found" (`found: false`).
- **In the corpus**: CMRC2018 dev, DRCD dev and the meeting questions on their own indexes: answer
  hit (a gold answer inside the answer) and false abstention.
- **Long reports by year**: `questions_gwr_years*.jsonl` over `government_work_reports.jsonl`
  (written by reading the reports; records carry `year`): the right year's report cited first, the
  figure in the answer, and no quoted sentence from another report.

Each with and without the abstention model (`rag.answer.ABSTENTION`, fit on other questions by
`fit_abstention.py`), the same retrieval; "without" is the answerer as it was before this work, and
the LangChain recipe (the passages themselves, never silent) abstains on nothing. Writes BENCHMARKS.md.

    python bench/bench_trust.py       # after bench_meetings.py and bench_retrieval.py built their indexes
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from report import replace_section  # noqa: E402

from rag import Answer, Assistant  # noqa: E402
from rag.evaluate import Question, answer_key, load_dataset  # noqa: E402
from rag.normalize import normalize  # noqa: E402
from rag.types import MARKER  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
CACHE = ROOT / "bench" / ".cache"


def answers(a: Assistant, questions: list[str]) -> list[tuple[Answer, Answer]]:
    """Each question answered with the abstention model and without it, from the same passages."""
    model = a.answerer.abstention
    out = []
    for q in questions:
        hits = a.search(q, 5)
        a.answerer.abstention = model
        with_model = a.answerer.answer(q, hits)
        a.answerer.abstention = None
        out.append((with_model, a.answerer.answer(q, hits)))
    a.answerer.abstention = model
    return out


def silent(pairs: list[tuple[Answer, Answer]]) -> tuple[float, float]:
    return tuple(sum(not p[i].found for p in pairs) / len(pairs) for i in (0, 1))  # type: ignore[return-value]


def scored(pairs: list[tuple[Answer, Answer]], qs: list[Question]) -> dict[str, tuple[float, float]]:
    def hit(ans: Answer, q: Question) -> bool:
        return ans.found and any(answer_key(g) in answer_key(ans.text) for g in q.answers)

    n = len(qs)
    return {
        "answer hit": tuple(sum(hit(p[i], q) for p, q in zip(pairs, qs, strict=True)) / n for i in (0, 1)),  # type: ignore[dict-item]
        "false abstention": tuple(sum(not p[i].found for p in pairs) / n for i in (0, 1)),  # type: ignore[dict-item]
    }


def by_year(a: Assistant, path: Path) -> dict[str, float]:
    """Right report cited first, figure held, no sentence of another report; and what retrieval alone
    puts first (the plain recipe's first passage)."""
    qs = [q for q in load_dataset(path).questions if q.doc_id]
    first = held = alone = retrieved_first = 0
    for q in qs:
        gold = normalize(q.doc_id or "")
        ans = a.ask(q.question)
        hits = a.search(q.question, 5)
        retrieved_first += bool(hits) and normalize(hits[0].chunk.title) == gold
        titles = {c.n: normalize(c.title) for c in ans.citations}
        quoted = {titles.get(int(n)) for n in MARKER.findall(ans.text)}
        first += ans.found and bool(ans.citations) and titles[ans.citations[0].n] == gold
        held += ans.found and any(answer_key(g) in answer_key(ans.text) for g in q.answers)
        alone += ans.found and quoted == {gold}
    n = len(qs)
    return {
        "right report cited first": first / n,
        "figure in the answer": held / n,
        "quotes only that report": alone / n,
        "retrieval's first passage from the right report": retrieved_first / n,
        "n": n,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = ap.parse_args()
    meetings = Assistant.load(CACHE / "meetings-index")
    cmrc_ds = load_dataset(DATA / "cmrc2018" / "cmrc2018_dev.json")
    drcd_ds = load_dataset(DATA / "drcd" / "DRCD_dev.json")
    cmrc = Assistant.from_documents(list(cmrc_ds.documents or ()), CACHE / "retrieval" / "cmrc-int8")
    drcd = Assistant.from_documents(list(drcd_ds.documents or ()), CACHE / "retrieval" / "drcd-int8")
    meet_qs = [
        q
        for f in ("questions_meetings.jsonl", "questions_meetings_heldout.jsonl")
        for q in load_dataset(ROOT / "bench" / f).questions
    ]
    t0 = time.perf_counter()
    ooc: dict[str, tuple[float, float]] = {}
    cmrc_q = [q.question for q in cmrc_ds.questions][:300]
    ooc[f"CMRC2018 dev questions ({len(cmrc_q)}) on the meeting reports"] = silent(answers(meetings, cmrc_q))
    ooc[f"meeting questions ({len(meet_qs)}) on CMRC2018 dev"] = silent(answers(cmrc, [q.question for q in meet_qs]))
    print(ooc, file=sys.stderr)
    inside: dict[str, dict[str, tuple[float, float]]] = {}
    for name, a, qs in (
        ("CMRC2018 dev", cmrc, [q for q in cmrc_ds.questions if q.doc_id]),
        ("DRCD dev", drcd, [q for q in drcd_ds.questions if q.doc_id]),
        ("meetings dev + held-out", meetings, [q for q in meet_qs if q.doc_id]),
    ):
        inside[f"{name} ({len(qs)})"] = scored(answers(a, [q.question for q in qs]), qs)
        print(name, inside[f"{name} ({len(qs)})"], file=sys.stderr)
    gwr = Assistant.build([DATA / "gov_work_reports" / "government_work_reports.jsonl"], index_dir=CACHE / "gwr-index")
    years = {
        half: by_year(gwr, ROOT / "bench" / f)
        for half, f in (("dev", "questions_gwr_years.jsonl"), ("held-out", "questions_gwr_years_heldout.jsonl"))
    }
    print(years, file=sys.stderr)

    def pct(x: float) -> str:
        return f"{100 * x:.1f} %"

    section: list[Any] = [
        "## Answers that can be trusted",
        "",
        f"Command: `python bench/bench_trust.py` — run {time.strftime('%Y-%m-%d')} ({time.perf_counter() - t0:.0f} s). "
        "Extractive answers (no chat model), top 5 passages; *with* is this project, *without* the same "
        "answerer without the abstention model (as before it). The LangChain recipe answers every question "
        "with its passages, so it abstains on none.",
        "",
        '| out of the corpus: answered "not found" | with | without |',
        "|---|---|---|",
        *(f"| {k} | {pct(v[0])} | {pct(v[1])} |" for k, v in ooc.items()),
        "",
        "| in the corpus | answer hit with | without | false abstention with | without |",
        "|---|---|---|---|---|",
        *(
            f"| {k} | {v['answer hit'][0]:.3f} | {v['answer hit'][1]:.3f} | {pct(v['false abstention'][0])} | "
            f"{pct(v['false abstention'][1])} |"
            for k, v in inside.items()
        ),
        "",
        "Long reports by year (`questions_gwr_years*.jsonl`, written by reading the reports, without the "
        "system; records carry `year`, most no `date`):",
        "",
        "| | " + " | ".join(f"{h} ({int(r['n'])})" for h, r in years.items()) + " |",
        "|---|" + "---|" * len(years),
        *(
            f"| {k} | " + " | ".join(f"{r[k]:.2f}" for r in years.values()) + " |"
            for k in next(iter(years.values()))
            if k != "n"
        ),
        "",
    ]
    replace_section(Path(args.out), "## Answers that can be trusted", "\n".join(section) + "\n")


if __name__ == "__main__":
    main()
