"""Behaviour on the real meeting reports in ../shared/data (skipped where that folder is absent).

The 98 reports of 国务院常务会议 in meetings.jsonl read almost alike; what tells them apart in a
question is the date. Uses the hashing embedder, so the keyword leg and the date handling do the work.
"""

import json

import pytest

from rag import Assistant

from .conftest import DATA, HashEmbedder

MEETINGS = DATA / "xinwenlianbo" / "meetings.jsonl"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not MEETINGS.is_file(), reason="shared data not present")]


@pytest.fixture(scope="module")
def state_council(tmp_path_factory):
    folder = tmp_path_factory.mktemp("real")
    with MEETINGS.open(encoding="utf-8") as f:
        rows = [r for r in map(json.loads, f) if "国务院常务会议" in r["title"]]
    (folder / "state_council.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8"
    )
    a = Assistant.build([folder / "state_council.jsonl"], index_dir=folder / "index", embedder=HashEmbedder())
    return a, rows


def test_all_reports_load_with_record_ids_and_dates(state_council):
    a, rows = state_council
    assert len(a.store.documents) == len({r["id"] for r in rows}) >= 90
    assert all(d.date and d.title for d in a.documents())


def test_the_date_in_the_question_picks_that_meeting(state_council):
    a, rows = state_council
    sample = rows[::7]
    right = 0
    for r in sample:
        y, m, d = (int(x) for x in r["date"].split("-"))
        ans = a.ask(f"{y}年{m}月{d}日国务院常务会议研究了哪些事项？")
        right += ans.found and ans.citations[0].doc_id == r["id"]
    assert right >= len(sample) - 1


def test_a_month_narrows_to_that_month(state_council):
    a, rows = state_council
    for r in rows[::15]:
        y, m, _ = (int(x) for x in r["date"].split("-"))
        hits = a.search(f"{y}年{m}月国务院常务会议", k=3)
        assert hits[0].chunk.date.startswith(f"{y}-{m:02d}")
