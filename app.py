"""会议记录问答 — the web chat over corpus/ (the design's entry point; the page is `rag.web`).

python app.py      # http://127.0.0.1:7860; settings in the README (RAG_INDEX_DIR, RAG_CORPUS_DIR …)
"""

from pathlib import Path

from rag.web import main

if __name__ == "__main__":
    main(corpus=Path(__file__).resolve().parent / "corpus")
