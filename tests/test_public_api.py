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
