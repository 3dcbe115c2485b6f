"""Fit `rag.answer.SentenceWeights` from data: which sentence of the passages holds the answer.

Calibration questions that no reported figure uses: CMRC2018 *trial* and DRCD *test*, each asked of an
index of its own paragraphs (the indexes `fit_abstention.py` uses). For every sentence the answerer
weighs (`ExtractiveAnswerer.sentences`: its `Features`), the label is whether it holds a gold answer.
A logistic regression (scikit-learn; questions weighted equally) scores each sentence by its
probability; `keep` (how close to the best a further quoted sentence must score) is the value that
answers most of the calibration questions. Prints the hand weights' (`SentenceWeights`) and the fitted
model's answer hit on the calibration questions, and the fitted weights. (The fitted model scored
lower, BENCHMARKS.md, so the answerer keeps the hand weights.)

    python bench/fit_sentences.py
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import astuple, fields, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag import Assistant  # noqa: E402
from rag.answer import Features, Sentence, SentenceWeights  # noqa: E402
from rag.evaluate import Question, answer_key, load_dataset  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
CACHE = ROOT / "bench" / ".cache"


def candidates(a: Assistant, questions: list[Question]) -> list[tuple[list[Sentence], list[str]]]:
    out = []
    for q in questions:
        out.append((a.answerer.sentences(q.question, a.search(q.question, 5)), [answer_key(g) for g in q.answers]))
    return out


Score = Callable[[Features], float]


def hit_rate(a: Assistant, data: list[tuple[list[Sentence], list[str]]], score: Score, keep: float) -> float:
    """Share of questions whose answer (the chosen sentences) holds a gold answer."""
    a.answerer.sentence_weights = SentenceWeights(keep=keep)
    hits = 0
    for sentences, gold in data:
        if not sentences:
            continue
        scored = [replace(s, score=score(s.features)) for s in sentences]
        text = answer_key("".join(s.text for s in a.answerer._choose(scored)))
        hits += any(g in text for g in gold)
    return hits / len(data)


def main() -> None:
    sets = []
    for path, index in (
        (DATA / "cmrc2018" / "cmrc2018_trial.json", "cmrc-trial-int8"),
        (DATA / "drcd" / "DRCD_test.json", "drcd-test-int8"),
    ):
        ds = load_dataset(path)
        a = Assistant.from_documents(list(ds.documents or ()), CACHE / "retrieval" / index)
        sets.append((a, candidates(a, [q for q in ds.questions if q.doc_id])))
    x, y, w = [], [], []
    for _, data in sets:
        for sentences, gold in data:
            for s in sentences:
                x.append(astuple(s.features))
                y.append(int(any(g in answer_key(s.text) for g in gold)))
                w.append(1.0 / len(sentences))
    from sklearn.linear_model import LogisticRegression

    names = [f.name for f in fields(Features)]
    model = LogisticRegression(C=10.0, max_iter=2000).fit(np.array(x), np.array(y), sample_weight=np.array(w))
    coef = dict(zip(names, model.coef_[0].tolist(), strict=True))
    bias = float(model.intercept_[0])

    def fitted(f: Features) -> float:  # the model's probability: positive, so `keep` is a share of the best
        return 1.0 / (1.0 + math.exp(-(bias + sum(coef[k] * v for k, v in zip(names, astuple(f), strict=True)))))

    hand = SentenceWeights()
    keep = max(
        (0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0), key=lambda k: sum(hit_rate(a, data, fitted, k) for a, data in sets)
    )
    for (a, data), name in zip(sets, ("CMRC2018 trial", "DRCD test"), strict=True):
        print(
            f"{name}: answer hit hand {hit_rate(a, data, hand.score, hand.keep):.3f}, "
            f"fitted {hit_rate(a, data, fitted, keep):.3f}",
            file=sys.stderr,
        )
    print(f"logistic weights {coef}, bias {bias:.3f}, keep {keep} (the score is the probability)")


if __name__ == "__main__":
    main()
