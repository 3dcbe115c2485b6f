import json

import pytest

from rag.cli import main


def test_index_then_ask_json(corpus, tmp_path, capsys, hash_model):
    index = str(tmp_path / "index")
    (corpus / "notes.xyz").write_text("?", encoding="utf-8")
    assert main(["index", str(corpus), "--index", index]) == 0
    out, err = capsys.readouterr()
    assert "4 documents" in out
    assert "1 skipped" in out
    assert "chunks/s" in out
    assert "notes.xyz: unsupported file type" in err

    assert main(["ask", "市政協主席是誰？", "--index", index, "--json"]) == 0
    out = capsys.readouterr().out
    obj = json.loads(out)  # exactly one JSON object
    assert set(obj) == {"answer", "found", "citations", "quotes", "marks", "answerer"}
    assert obj["found"] is True
    assert "薛登峰" in obj["answer"]
    assert obj["citations"][0]["n"] == 1

    assert main(["ask", "量子计算机的研发进展如何？", "--index", index, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["found"] is False


def test_second_index_run_embeds_nothing(corpus, tmp_path, capsys, hash_model):
    index = str(tmp_path / "index")
    main(["index", str(corpus), "--index", index])
    capsys.readouterr()
    assert main(["index", str(corpus), "--index", index]) == 0
    assert "4 unchanged" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["ask", "问题", "--index", "{tmp}/none"], "no index in"),
        (["ask", "   ", "--index", "{tmp}/none"], "question is empty"),
        (["index", "{tmp}/empty-folder", "--index", "{tmp}/i2"], "no readable documents"),
    ],
)
def test_errors_are_one_line_with_nonzero_exit(argv, message, tmp_path, capsys, hash_model):
    (tmp_path / "empty-folder").mkdir()
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) != 0
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("rag: error:")
    assert message in last


def test_bad_arguments_exit_non_zero(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["ask", "问题", "--k", "0"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--k" in err
    assert "--help" in err


def test_unreadable_index_is_reported(corpus, tmp_path, capsys, hash_model):
    index = tmp_path / "index"
    main(["index", str(corpus), "--index", str(index)])
    (index / "manifest.json").write_text("not json", encoding="utf-8")
    assert main(["ask", "问题", "--index", str(index)]) == 2
    assert "rag index" in capsys.readouterr().err


def test_unwritable_index_location_is_one_line(corpus, tmp_path, capsys, hash_model):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert main(["index", str(corpus), "--index", str(blocker / "index")]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("rag: error:")
    assert "file" in last


@pytest.mark.parametrize(
    "name, value",
    [("RAG_BACKEND", "foo"), ("RAG_CONCURRENCY", "abc"), ("RAG_MAX_FILE_MB", "-1"), ("RAG_LLM_TIMEOUT", "soon")],
)
def test_a_bad_environment_variable_is_one_line_naming_it(corpus, tmp_path, capsys, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    if name == "RAG_LLM_TIMEOUT":
        monkeypatch.setenv("RAG_LLM_BASE_URL", "http://127.0.0.1:9")
        monkeypatch.setenv("RAG_LLM_MODEL", "m")
    assert main(["index", str(corpus), "--index", str(tmp_path / "index")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith(f"rag: error: {name} must be")
    assert "环境变量" in err
    assert not (tmp_path / "index").exists()


@pytest.mark.slow  # imports gradio
def test_serving_an_index_of_other_files_serves_it_as_it_is(corpus, tmp_path, capsys, hash_model, monkeypatch):
    """`rag serve --index DIR` once replaced an index of 150 documents with one of corpus/."""
    import rag.web.app
    from rag import Assistant

    other = tmp_path / "other"
    other.mkdir()
    (other / "a.txt").write_text("区政协召开主席会议，研究年度协商计划。", encoding="utf-8")
    (other / "b.txt").write_text("市人大常委会召开第十次会议，审议物业管理条例。", encoding="utf-8")
    index = tmp_path / "index"
    assert main(["index", str(other), "--index", str(index)]) == 0
    served: list[Assistant] = []
    monkeypatch.setattr(rag.web.app, "create_app", lambda a, *rest: served.append(a) or _NoServer())
    monkeypatch.setenv("RAG_CORPUS_DIR", str(corpus))
    assert main(["serve", "--index", str(index)]) == 0
    assert sorted(served[-1].store.documents) == sorted(Assistant.load(index).store.documents)
    assert len(served[-1].store.documents) == 2
    assert "built from other files" in capsys.readouterr().err

    assert main(["serve", "--index", str(index), "--rebuild"]) == 0  # explicitly: now from corpus/
    assert len(served[-1].store.documents) == 4
    (corpus / "uploads").mkdir()
    (corpus / "uploads" / "c.txt").write_text("区政协召开常委会议。", encoding="utf-8")
    served[-1].add([corpus / "uploads" / "c.txt"])
    assert main(["serve", "--index", str(index)]) == 0  # an upload keeps it an index of corpus/
    assert len(served[-1].store.documents) == 5


class _NoServer:
    def queue(self, **_: object) -> "_NoServer":
        return self

    def launch(self, **_: object) -> None:
        return None


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--from", "2024-06-30", "--to", "2024-01-01"], "the date range is empty"),
        (["--k", "500"], "from 1 to 50"),
    ],
)
def test_a_query_that_cannot_match_says_why(corpus, tmp_path, capsys, hash_model, args, says):
    """An empty date range answered "not found" as if the records held nothing."""
    index = str(tmp_path / "index")
    assert main(["index", str(corpus), "--index", index]) == 0
    capsys.readouterr()
    assert main(["ask", "会议审议通过了什么？", "--index", index, *args]) == 2
    assert says in capsys.readouterr().err
    assert main(["meetings", "--index", index, "--from", "2024-06-30", "--to", "2024-01-01"]) == 2


@pytest.mark.parametrize(
    ("question", "options", "says"),
    [
        ("问" * 1001, {}, "1,001 characters"),
        ("", {}, "empty"),
        (None, {}, "empty"),
        ("会议审议通过了什么？", {"k": 0}, "from 1 to 50"),
        ("会议审议通过了什么？", {"k": -1}, "from 1 to 50"),
        ("会议审议通过了什么？", {"k": "5"}, "from 1 to 50"),
        ("会议审议通过了什么？", {"date_from": "2024/01/01"}, "YYYY-MM-DD"),
        ("会议审议通过了什么？", {"date_from": "2024-06-30", "date_to": "2024-01-01"}, "range is empty"),
    ],
)
def test_the_api_checks_every_query_as_the_cli_does(assistant, question, options, says):
    """`/ask` and scripts got "not found" for k=-1, silently 5 passages for k=0, a TypeError for None."""
    from rag import RagError

    with pytest.raises(RagError, match=says):
        assistant.ask(question, **options)
