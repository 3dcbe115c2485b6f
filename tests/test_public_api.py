import subprocess
import sys

import rag


def test_exported_members():
    """Every public class, constant and function of the package is listed in ``__all__`` (as httpx's
    test_exported_members); submodules are internal."""
    import types

    public = {n for n in dir(rag) if not n.startswith("_") and not isinstance(getattr(rag, n), types.ModuleType)}
    assert public == set(rag.__all__) - {"__version__"}
    for name in public:
        value = getattr(rag, name)
        if isinstance(value, type | types.FunctionType):
            assert value.__module__.startswith("rag."), name


def test_no_import_cycles_between_modules():
    """Imports flow one way: the graph of the package's module-level imports has no cycle."""
    import ast
    import graphlib
    from pathlib import Path

    root = Path(rag.__file__).parent
    files = {".".join(("rag", *f.relative_to(root).with_suffix("").parts)).removesuffix(".__init__"): f
             for f in root.rglob("*.py")}  # fmt: skip
    graph: dict[str, set[str]] = {}
    for module, file in files.items():
        package = module if file.name == "__init__.py" else module.rsplit(".", 1)[0]
        deps: set[str] = set()
        for node in ast.parse(file.read_text(encoding="utf-8")).body:  # module level only: lazy imports are fine
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                if node.module:
                    deps.add(f"{base}.{node.module}")
                else:  # from . import x: the submodule x, or the package itself
                    deps |= {f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "rag":
                deps.add(node.module)
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name.split(".")[0] == "rag"}
        graph[module] = deps
    order = graphlib.TopologicalSorter({m: {d for d in ds if d in files} for m, ds in graph.items()})
    list(order.static_order())  # raises CycleError on a cycle


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
