"""The real m3e-small model, over the shipped sample report (a few seconds)."""

import re

import pytest

from rag import Assistant

from .conftest import REPO

pytestmark = pytest.mark.model


@pytest.fixture(scope="module", autouse=True)
def cache(tmp_path_factory):
    """A fresh cache, so that the ONNX export runs (and is checked) in this test run."""
    with pytest.MonkeyPatch.context() as mp:
        folder = tmp_path_factory.mktemp("cache")
        mp.setenv("RAG_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("cwd")


@pytest.fixture(scope="module")
def sample(tmp_path_factory, cache, workdir):
    """The sample report indexed from an empty working folder (the first build exports the model)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(workdir)
        return Assistant.build([REPO / "corpus"], index_dir=tmp_path_factory.mktemp("m3e") / "index")


def test_exporting_the_model_leaves_the_working_folder_as_it_was(sample, cache, workdir):
    assert list((cache / "onnx").glob("m3e-small-*/model-int8.onnx")), "the build exported the model"
    assert list(workdir.iterdir()) == []


def test_model_is_read_from_the_wheel_and_vectors_are_normalized(sample):
    assert sample.store.manifest["model"] == {"name": "m3e-small", "dim": 512, "backend": "onnx-int8"}
    v = sample.embedder.embed_query("市政协主席")
    assert v.shape == (512,)
    assert abs(float(v @ v) - 1.0) < 1e-4


@pytest.mark.parametrize(
    "question, expected",
    [
        ("市政協主席是誰？", "薛登峰"),
        ("出席数字赋能协商活动的副市长是谁？", "赵炜"),
        ("几名委员进行了线上建言？", "2名委员"),
    ],
)
def test_sample_questions(sample, question, expected):
    ans = sample.ask(question)
    assert ans.found
    assert expected in ans.text
    first = ans.citations[0]
    assert "(xié)" not in first.text
    assert "政協" not in first.text
    for sentence, n in re.findall(r"(.+?)\[(\d+)\]", ans.text):
        assert sentence in ans.citations[int(n) - 1].text


def test_dense_leg_alone_meets_traditional_queries(sample):
    hits = sample.retriever.search("副市長趙煒出席了雙月協商活動", k=1, mode="dense")
    assert "副市长赵炜" in hits[0].chunk.text


def test_reload_uses_the_manifest_model(sample):
    again = Assistant.load(sample.store.path)
    assert again.embedder.name == "m3e-small"
    assert "薛登峰" in again.ask("市政协主席是谁？").text


def test_onnx_int8_is_cached_and_close_to_the_torch_model(sample, cache):
    from rag.embed import OnnxEmbedder, SentenceTransformerEmbedder

    assert list((cache / "onnx").glob("m3e-small-*/model-int8.onnx"))
    texts = [c.text for c in sample.store.chunks] + ["市政协主席是谁？"]
    fast = OnnxEmbedder().embed_documents(texts)
    plain = SentenceTransformerEmbedder().embed_documents(texts)
    cos = (fast * plain).sum(axis=1)
    assert cos.min() > 0.98
    assert abs(float(fast[0] @ fast[0]) - 1.0) < 1e-4
    fp32 = OnnxEmbedder(quantize=False).embed_documents(texts)
    assert (fp32 * plain).sum(axis=1).min() > 0.9999


def test_index_built_with_torch_is_queried_with_torch(tmp_path):
    Assistant.build([REPO / "corpus"], index_dir=tmp_path / "index", backend="torch")
    again = Assistant.load(tmp_path / "index")
    assert again.embedder.backend == "torch"
    assert "薛登峰" in again.ask("市政协主席是谁？").text


@pytest.mark.parametrize("question", ["亚麻属于哪个属？", "伏尔泰的朋友们是谁写的？", "尤金袋鼠的体重大约是多少？"])
def test_questions_about_what_the_records_do_not_hold_are_not_found(sample, question):
    """Out of the corpus: words shared by chance (属于, 朋友, 体重) do not make an answer."""
    hits = sample.search(question)
    assert sample.answerer.evidence(question, hits) is None or not sample.ask(question).found
    assert sample.ask(question).citations == ()


def test_the_author_comes_from_the_byline_and_passes_the_abstention_model(sample):
    ans = sample.ask("滕州市政协数字赋能装备制造业双月协商活动的报道是谁写的？")
    assert ans.text.startswith("署名：商铮")
