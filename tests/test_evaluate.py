import json

import pytest

from rag.cli import main
from rag.evaluate import evaluate, load_dataset

SQUAD = {
    "version": "v1.0",
    "data": [
        {
            "id": "A1",
            "title": "國務院常務會議",
            "paragraphs": [
                {
                    "id": "P1",
                    "context": "國務院總理李強7月19日主持召開國務院常務會議，審議通過《消費者權益保護法實施條例（草案）》。",
                    "qas": [
                        {
                            "id": "q1",
                            "question": "國務院常務會議審議通過了什麼條例？",
                            "answers": [{"text": "消費者權益保護法實施條例", "answer_start": 0}],
                        }
                    ],
                }
            ],
        },
        {
            "id": "A2",
            "title": "全国政协",
            "paragraphs": [
                {
                    "id": "P2",
                    "context": "全国政协召开双周协商座谈会，围绕中医药传承创新发展协商议政，10位委员发言。",
                    "qas": [
                        {
                            "id": "q2",
                            "question": "双周协商座谈会上有多少位委员发言？",
                            "answers": [{"text": "10位", "answer_start": 0}],
                        }
                    ],
                }
            ],
        },
    ],
}


@pytest.fixture
def squad(tmp_path):
    path = tmp_path / "mini_squad.json"
    path.write_text(json.dumps(SQUAD, ensure_ascii=False), encoding="utf-8")
    return path


def test_squad_contexts_become_documents(squad):
    ds = load_dataset(squad)
    assert [d.doc_id for d in ds.documents] == ["P1", "P2"]
    assert ds.documents[0].title == "国务院常务会议"
    assert "审议通过" in ds.documents[0].text
    assert [q.doc_id for q in ds.questions] == ["P1", "P2"]


def test_eval_squad_json(squad, tmp_path, capsys, monkeypatch, hash_model):
    monkeypatch.setenv("RAG_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["eval", str(squad), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in (
        "recall@1",
        "recall@5",
        "recall@20",
        "mrr@10",
        "answer_hit",
        "citation_precision",
        "n_questions",
        "query_ms_p50",
        "query_ms_p95",
        "build_chunks_per_s",
    ):
        assert key in result
    assert result["n_questions"] == 2
    assert result["recall@1"] == 1.0
    assert result["answer_hit"] == 1.0
    assert result["citation_precision"] == 1.0
    assert result["build_chunks_per_s"] > 0
    assert (tmp_path / "cache" / "eval").is_dir()


def test_eval_jsonl_over_an_index(assistant, tmp_path):
    path = tmp_path / "qs.jsonl"
    rows = [
        {
            "question": "市政协主席是谁？",
            "answers": ["薛登峰"],
            "doc_id": next(d for d in assistant.store.documents if d.endswith("tengzhou.txt")),
        },
        {
            "question": "人大常委会第十次会议有多少名委员出席？",
            "answers": ["162名"],
            "doc_id": next(d for d in assistant.store.documents if "人大" in d),
        },
        {"question": "量子计算机的研发进展如何？", "answers": [], "doc_id": None},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    result = evaluate(assistant, load_dataset(path), k=5)
    assert result["n_answerable"] == 2
    assert result["n_unanswerable"] == 1
    assert result["recall@5"] == 1.0
    assert result["answer_hit"] == 1.0
    assert result["abstention_rate"] == 1.0
    assert result["false_abstention_rate"] == 0.0


def test_bad_dataset_is_one_line_error(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    assert main(["eval", str(bad)]) == 2
    assert "SQuAD" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        (
            "no-answers-text.json",
            '{"data": [{"paragraphs": [{"context": "x", "qas": [{"question": "q", "answers": [{}]}]}]}]}',
            "answers.0.text",
        ),
        ("numbers.json", '{"data": [1, 2]}', "data.0"),
        ("no-context.json", '{"data": [{"paragraphs": [{"qas": []}]}]}', "context"),
        (
            "int-answer.json",
            '{"data": [{"paragraphs": [{"context": "x", "qas": [{"question": "q", "answers": [{"text": 5}]}]}]}]}',
            "text",
        ),
        ("deep.json", "[" * 100_000, "not JSON"),
        ("types.jsonl", '{"question": 5, "answers": "x", "doc_id": 3}\n', "question"),
        ("list.jsonl", "[1]\n", "not a question record"),
        ("deep.jsonl", "[" * 100_000 + "\n", "not a question record"),
        ("empty.jsonl", "", "no questions"),
        ("many.jsonl", '{"question": "q", "kind": "list", "items": [{"text": null}]}\n', "items.0.text"),
    ],
)
def test_a_malformed_question_set_is_a_one_line_error(tmp_path, capsys, name, text, says):
    """They ended in KeyError, AttributeError, TypeError or RecursionError tracebacks."""
    bad = tmp_path / name
    bad.write_text(text, encoding="utf-8")
    assert main(["eval", str(bad), "--index", str(tmp_path / "index")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rag: error:") and len(err.splitlines()) == 1, err
    assert says in err
