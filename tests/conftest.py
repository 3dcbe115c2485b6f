"""Shared fixtures: a tiny real embedder and a small inline corpus of meeting reports."""

from __future__ import annotations

import hashlib
import itertools
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
REPO = Path(__file__).resolve().parents[1]


class HashEmbedder:
    """Character-bigram hashing into 256 dimensions: a real, deterministic embedder that needs no
    model files, so that most tests run in milliseconds. Counts what it embeds."""

    name = "hash-bigram-256"
    backend = "custom"

    def __init__(self) -> None:
        self.embedded: list[str] = []

    @property
    def dim(self) -> int:
        return 256

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for a, b in itertools.pairwise(text):
            h = int.from_bytes(hashlib.blake2b((a + b).encode(), digest_size=4).digest(), "little")
            v[h % self.dim] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else v

    def embed_documents(self, texts: Sequence[str], progress=None) -> np.ndarray:
        self.embedded.extend(texts)
        out = np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)
        if progress:
            progress(len(texts))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self._vec(text)


REPORTS = {
    # Traditional characters with pinyin after some of them, as some sites publish
    "tengzhou.txt": (
        "7月14日,市政協(xié)開展“數(shù)字賦能裝備製造業”雙月協商活動。市政協主席薛登峰,市委常委、"
        "副市長(zhǎng)趙煒出席活動。\n6位政協委員提出了意見建議。2名委員通過智慧政協平臺進行了線上建言。\n"
    ),
    "2024-07-19-常务会议.md": (
        "---\ntitle: 国务院常务会议\ndate: 2024-07-19\n---\n"
        "国务院总理李强7月19日主持召开国务院常务会议，审议通过《中华人民共和国消费者权益保护法实施条例（草案）》。"
        "会议指出，要加快发展银发经济。\n会议还研究了其他事项。\n"
    ),
    "2023-03-02-常务会议.md": (
        "---\ntitle: 国务院常务会议\ndate: 2023-03-02\n---\n"
        "国务院常务会议3月2日召开，会议审议通过《专利法实施细则修正草案》。会议指出，要稳定粮食生产。\n"
    ),
    "人大常委会.txt": (
        "全国人大常委会第十次会议\n十四届全国人大常委会第十次会议6月25日在北京闭幕。会议表决通过了农村集体经济组织法，"
        "共有162名委员出席会议。\n"
    ),
}


def rag_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``rag ARGS`` in a child process (`tests.run_cli`: the hashing embedder, no model files)."""
    return subprocess.run(
        [sys.executable, "-m", "tests.run_cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in REPORTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def assistant(corpus: Path, tmp_path: Path, embedder: HashEmbedder):
    from rag import Assistant

    return Assistant.build([corpus], index_dir=tmp_path / "index", embedder=embedder)


@pytest.fixture
def hash_model(monkeypatch):
    """The CLI builds its own embedder; point it at the tiny hashing one."""
    import rag.api

    monkeypatch.setattr(rag.api, "make_embedder", lambda name, backend, cache_dir=None: HashEmbedder())
