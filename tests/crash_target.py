"""`rag` in a child process that stops at a chosen point of a build, for the parent to SIGKILL.

    python -m tests.crash_target POINT index SOURCES --index DIR

At POINT it prints ``PAUSED POINT`` on stdout and sleeps. Points, in the order a build reaches them:
``embedding`` (a batch being embedded), ``tables`` (chunk table written), ``vectors`` (FAISS file
written), ``keywords`` (BM25 files written), ``generation`` (new generation folder in place, old
manifest still live), ``manifest`` (new manifest being replaced), ``cleanup`` (new manifest live,
old generation not yet removed). With ``CRASH_SEGMENT_CHUNKS`` set, a whole build writes segments of
that many chunks, and ``generation`` is the moment the first of them is in place; with
``CRASH_MAX_SEGMENTS`` set, an update past that many segments folds the small ones into its own.
"""

import os
import sys
import time

import bm25s
import faiss

import rag.api
import rag.store
from tests.conftest import HashEmbedder

POINT = sys.argv.pop(1)
if os.environ.get("CRASH_SEGMENT_CHUNKS"):  # a whole build written as several segments
    rag.store.SEGMENT_CHUNKS = int(os.environ["CRASH_SEGMENT_CHUNKS"])
if os.environ.get("CRASH_MAX_SEGMENTS"):  # an update that folds the small segments into its own
    rag.store.MAX_SEGMENTS = int(os.environ["CRASH_MAX_SEGMENTS"])


def pause(point: str) -> None:
    if point == POINT:
        print(f"PAUSED {point}", flush=True)
        time.sleep(3600)


class SlowEmbedder(HashEmbedder):
    def embed_documents(self, texts, progress=None):
        pause("embedding")
        return super().embed_documents(texts, progress)


def after(point, function):
    def wrapped(*args, **kwargs):
        out = function(*args, **kwargs)
        pause(point)
        return out

    return wrapped


rag.api.make_embedder = lambda name, backend, cache_dir=None: SlowEmbedder()
rag.store._write_tables = after("tables", rag.store._write_tables)
faiss.write_index = after("vectors", faiss.write_index)
bm25s.BM25.save = after("keywords", bm25s.BM25.save)
_replace = os.replace


def replace(src, dst):
    if os.path.basename(dst) == "manifest.json":
        pause("manifest")
        _replace(src, dst)
        pause("cleanup")
    else:
        _replace(src, dst)
        if os.path.basename(dst).startswith("gen-"):
            pause("generation")


rag.store.os.replace = replace

from rag.cli import main  # noqa: E402

sys.exit(main())
