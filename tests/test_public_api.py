import subprocess
import sys

import rag


def test_exported_members():
    exported = {name for name in dir(rag) if not name.startswith("_") and name[0].isupper()}
    assert exported == set(rag.__all__)
    for name in rag.__all__:
        assert getattr(rag, name).__module__.startswith("rag.")


def test_importing_rag_loads_no_model_ui_or_langchain():
    code = (
        "import sys, rag, rag.cli;"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'gradio', 'langchain_core', 'onnxruntime', 'faiss')"
        " if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_sources_may_be_a_generator(corpus, tmp_path, embedder):
    from rag import Assistant

    a = Assistant.build((p for p in [corpus]), tmp_path / "index", embedder=embedder)
    assert a.store.manifest["sources"] == [str(corpus)]
    extra = tmp_path / "extra.txt"
    extra.write_text("2025年3月4日，市政协召开协商会。", encoding="utf-8")
    a.add(p for p in [extra])
    assert a.store.manifest["sources"] == [str(corpus), str(extra)]
