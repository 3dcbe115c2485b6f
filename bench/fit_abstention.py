"""Fit `rag.answer.Abstention`: when the retrieved passages do not hold a question's specific content.

Calibration questions, none of which any reported figure uses:

- answerable: CMRC2018 *trial* and DRCD *test* questions asked of indexes of their own paragraphs;
  the meeting development questions (`questions_meetings.jsonl`, answerable ones) asked of the
  meeting index;
- out of corpus: the same CMRC2018 trial and DRCD test questions asked of the meeting index; the
  meeting development questions asked of the CMRC2018 trial index; the unanswerable meeting dev
  questions.

For each, the `Evidence` of the top 5 passages (coverage of the question's terms, dense similarity);
a logistic regression (scikit-learn, each group weighted equally) gives the weights, and the
threshold is the lowest probability below which 2 % of one answerable group's questions fall. Prints the `Abstention(...)` to put in `rag/answer.py`.
Reported sets (CMRC2018 dev, DRCD dev, meeting held-out) are not read.

    python bench/fit_abstention.py      # after bench_meetings.py has built the meeting index
"""

from __future__ import annotations

import sys
from dataclasses import astuple, fields
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag import Assistant  # noqa: E402
from rag.answer import Evidence  # noqa: E402
from rag.evaluate import load_dataset  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
CACHE = ROOT / "bench" / ".cache"
FALSE_ABSTENTION = 0.02


def evidence(a: Assistant, questions: list[str]) -> list[Evidence | None]:
    return [a.answerer.evidence(q, a.search(q, 5)) for q in questions]


def main() -> None:
    trial = load_dataset(DATA / "cmrc2018" / "cmrc2018_trial.json")
    trial_index = Assistant.from_documents(list(trial.documents or ()), CACHE / "retrieval" / "cmrc-trial-int8")
    drcd = load_dataset(DATA / "drcd" / "DRCD_test.json")
    drcd_index = Assistant.from_documents(list(drcd.documents or ()), CACHE / "retrieval" / "drcd-test-int8")
    drcd_q = [q.question for q in drcd.questions if q.question.strip()]
    meetings = Assistant.load(CACHE / "meetings-index")
    dev = load_dataset(ROOT / "bench" / "questions_meetings.jsonl").questions
    cmrc_q = [q.question for q in trial.questions if q.question.strip()]  # one is empty
    groups = {  # name: (evidence, answerable)
        "CMRC trial, own index": (evidence(trial_index, cmrc_q), True),
        "DRCD test, own index": (evidence(drcd_index, drcd_q), True),
        "meeting dev, meeting index": (evidence(meetings, [q.question for q in dev if q.doc_id]), True),
        "CMRC trial, meeting index": (evidence(meetings, cmrc_q), False),
        "DRCD test, meeting index": (evidence(meetings, drcd_q), False),
        "meeting dev, CMRC trial index": (evidence(trial_index, [q.question for q in dev]), False),
        "meeting dev unanswerable": (evidence(meetings, [q.question for q in dev if not q.doc_id]), False),
    }
    from sklearn.linear_model import LogisticRegression

    x, y, w = [], [], []
    for found, answerable in groups.values():
        weighed = [e for e in found if e is not None]
        for e in weighed:
            x.append(astuple(e))
            y.append(int(answerable))
            w.append(1.0 / max(len(weighed), 1))
    model = LogisticRegression(C=10.0).fit(np.array(x), np.array(y), sample_weight=np.array(w) * len(w))
    coef = dict(zip([f.name for f in fields(Evidence)], model.coef_[0].tolist(), strict=True))
    bias = float(model.intercept_[0])

    def p(e: Evidence) -> float:
        z = bias + sum(coef[k] * v for k, v in zip(coef, astuple(e), strict=True))
        return 1.0 / (1.0 + np.exp(-z))

    # the model costs each answerable group at most FALSE_ABSTENTION of the questions it answered
    threshold = min(
        float(np.quantile([p(e) for e in found if e is not None], FALSE_ABSTENTION))
        for found, ok in groups.values()
        if ok
    )
    print(f"Abstention({meetings.store.model_name!r}, " + ", ".join(f"{k}={v:.3f}" for k, v in coef.items()) + f", bias={bias:.3f}, "
          f"threshold={threshold:.3f})")  # fmt: skip
    for name, (found, _answerable) in groups.items():
        answered = sum(e is not None and p(e) >= threshold for e in found)
        before = sum(e is not None for e in found)
        print(f"{name}: {len(found)} questions, answered {before} before, {answered} with the model", file=sys.stderr)


if __name__ == "__main__":
    main()
