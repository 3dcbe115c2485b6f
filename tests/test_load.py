"""The web app under many users and hostile clients: 20 clients ask through the Gradio API while a
document is uploaded, every answer must be about the asker's own question and the index must stay
whole; uploads through the API cannot reach outside corpus/uploads/ or pull in server files.
(bench/reliability.py runs the load for a minute and reports latency.)"""

from __future__ import annotations

import json

import pytest

from rag.store import IndexStore

from .load import load_setup, run_load, running_app

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("load")
    probes, files, upload = load_setup(root)
    (root / "app").mkdir()
    with running_app(root / "app", files) as url:
        yield url, root / "app", probes, upload


def test_twenty_clients_and_an_upload_without_errors_or_cross_talk(app):
    url, root, probes, upload = app
    report = run_load(url, probes, clients=20, seconds=12, upload=upload)
    assert report.failed == 0, report.errors[:5]
    assert report.crosstalk == 0, report.errors[:5]
    assert report.wrong == 0, report.errors[:5]
    assert report.served >= 40
    assert report.upload is not None
    assert "已加入 1 篇文档" in report.upload
    assert report.after_upload_found
    store = IndexStore.load(root / "index")
    assert len(store.documents) == 20 + 1 + 1  # the sample report, the 20, the upload


def _call_upload(url: str, file_data: dict) -> tuple[str, object]:
    """Call the /upload API over plain HTTP with a FileData of our making: the last event and its data."""
    import httpx

    r = httpx.post(f"{url}/gradio_api/call/upload", json={"data": [[file_data], ""]}, timeout=30)
    r.raise_for_status()
    with httpx.stream("GET", f"{url}/gradio_api/call/upload/{r.json()['event_id']}", timeout=60) as events:
        lines = "".join(events.iter_text()).strip().splitlines()
    event = next(x for x in reversed(lines) if x.startswith("event: "))[len("event: ") :]
    data = next(x for x in reversed(lines) if x.startswith("data: "))[len("data: ") :]
    return event, json.loads(data)


def test_uploads_stay_in_the_uploads_folder_and_cannot_name_server_files(app):
    import httpx

    url, root, _, _ = app
    corpus = root / "corpus"
    before = set(IndexStore.load(root / "index").documents)
    # a path on the server instead of an uploaded file: refused by Gradio, nothing indexed
    secret = corpus.parent / "secret.txt"
    secret.write_text("2025年1月1日，内部会议决定了机密事项。", encoding="utf-8")
    event, _ = _call_upload(url, {"path": str(secret), "orig_name": "secret.txt", "meta": {"_type": "gradio.FileData"}})
    assert event == "error"
    # a multipart upload named ../../escaped.txt: only its last part is kept, it lands in uploads/
    text = "2025年6月9日，区政协召开“口袋公园建设”专题协商会。区政协副主席司马春生出席会议。"
    r = httpx.post(
        f"{url}/gradio_api/upload", files={"files": ("../../escaped.txt", text.encode(), "text/plain")}, timeout=30
    )
    server_path = r.json()[0]
    event, data = _call_upload(
        url, {"path": server_path, "orig_name": "../../escaped.txt", "meta": {"_type": "gradio.FileData"}}
    )
    assert event == "complete"
    assert "已加入 1 篇文档" in data[0]
    after = set(IndexStore.load(root / "index").documents)
    assert after - before == {str((corpus / "uploads" / "escaped.txt").resolve())}
    assert not (corpus.parent / "escaped.txt").exists()
    assert not (corpus.parent.parent / "escaped.txt").exists()
    assert not any("secret" in d for d in after)
    outside = [p for p in corpus.rglob("*") if p.is_file() and p.parent not in (corpus, corpus / "uploads")]
    assert outside == []
