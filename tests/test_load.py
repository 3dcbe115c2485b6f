"""Concurrent users of the web app: 20 clients ask through the Gradio API while a document is
uploaded; every answer must be about the asker's own question, and the index must stay whole.
(bench/reliability.py runs the same for a minute and reports latency.)"""

from __future__ import annotations

import pytest

from rag.store import IndexStore

from .load import load_setup, run_load, running_app

pytestmark = pytest.mark.model


def test_twenty_clients_and_an_upload_without_errors_or_cross_talk(tmp_path):
    probes, files, upload = load_setup(tmp_path)
    (tmp_path / "app").mkdir()
    with running_app(tmp_path / "app", files) as url:
        report = run_load(url, probes, clients=20, seconds=12, upload=upload)
    assert report.failed == 0 and report.crosstalk == 0 and report.wrong == 0, report.errors[:5]
    assert report.served >= 40
    assert report.upload is not None and "已加入 1 篇文档" in report.upload
    assert report.after_upload_found
    store = IndexStore.load(tmp_path / "app" / "index")
    assert len(store.documents) == 20 + 1 + 1  # the sample report, the 20, the upload
