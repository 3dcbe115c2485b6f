"""`rag users …` and `rag groups …`: the accounts file administered from the command line, and the
office settings (`RAG_ACCOUNTS`, `RAG_OFFICE_DB`, `RAG_SESSION_HOURS`, `RAG_LOG`, `RAG_CONVERSATIONS`)."""

from __future__ import annotations

import io
import json
import stat
import sys
import tomllib
from pathlib import Path

import pytest

import rag.accounts
from rag.accounts import Accounts, ScryptParams, Sessions
from rag.cli import main
from rag.config import Settings
from rag.errors import SettingsError

FAST = ScryptParams(ln=4, r=1, p=1)  # cheap hashes, for these tests only


@pytest.fixture(autouse=True)
def office(tmp_path, monkeypatch):
    """A working folder of its own, no office variables, and cheap password hashes."""
    monkeypatch.setattr(rag.accounts, "DEFAULT_SCRYPT", FAST)
    for name in ("RAG_ACCOUNTS", "RAG_OFFICE_DB", "RAG_INDEX_DIR", "RAG_SESSION_HOURS", "RAG_LOG", "RAG_CONVERSATIONS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def typed(monkeypatch, *answers: str) -> list[str]:
    """Passwords typed at getpass's prompts, in order; returns the prompts shown."""
    prompts: list[str] = []
    queue = list(answers)

    def getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        if not queue:
            raise EOFError
        return queue.pop(0)

    monkeypatch.setattr("getpass.getpass", getpass)
    return prompts


def stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("rag: error: ")
    return lines[0]


@pytest.fixture
def made(office, monkeypatch, capsys) -> Path:
    """An office made with the commands: group 政协办 (政协), group 全部 (*), admin, zhang in 政协办."""
    assert run(capsys, "groups", "set", "政协办", "--collection", "政协")[0] == 0
    assert run(capsys, "groups", "set", "全部", "--collection", "*")[0] == 0
    stdin(monkeypatch, "admin-secret\n")
    assert run(capsys, "users", "add", "admin", "--admin", "--name", "管理员", "--password-stdin")[0] == 0
    stdin(monkeypatch, "zhang-secret\n")
    assert run(capsys, "users", "add", "zhang", "--name", "张三", "--group", "政协办", "--password-stdin")[0] == 0
    return office / "accounts.toml"


def test_a_new_office_is_set_up_from_the_command_line(office, monkeypatch, capsys):
    path = office / "accounts.toml"
    code, _, err = run(capsys, "groups", "set", "政协办", "--collection", "政协")
    assert code == 0
    assert f"created accounts file {path.name}" in err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it will hold password hashes

    prompts = typed(monkeypatch, "admin-secret", "admin-secret")
    code, _, err = run(capsys, "users", "add", "admin", "--admin")
    assert code == 0, err
    assert len(prompts) == 2  # asked twice
    assert "created" not in err  # the file was there already

    prompts = typed(monkeypatch, "zhang-secret", "zhang-secret")
    assert run(capsys, "users", "add", "zhang", "--group", "政协办", "--name", "张三")[0] == 0

    accounts = Accounts.load(path)
    zhang = accounts.authenticate("zhang", "zhang-secret")
    assert zhang is not None
    assert (zhang.name, zhang.groups, zhang.collections, zhang.is_admin) == ("张三", ("政协办",), ("政协",), False)
    admin = accounts.authenticate("admin", "admin-secret")
    assert admin is not None and admin.is_admin
    assert accounts.authenticate("zhang", "admin-secret") is None


def test_the_first_user_must_be_an_admin_and_is_refused_before_the_password_is_asked(office, monkeypatch, capsys):
    run(capsys, "groups", "set", "政协办", "--collection", "政协")
    prompts = typed(monkeypatch, "zhang-secret", "zhang-secret")
    code, _, err = run(capsys, "users", "add", "zhang", "--group", "政协办")
    assert code == 2
    assert "--admin" in one_line_error(err)
    assert prompts == []
    assert Accounts.load(office / "accounts.toml").users == []


def test_users_list_text_and_json(made, capsys):
    code, out, _ = run(capsys, "users", "list")
    assert code == 0
    rows = [line.split("\t") for line in out.splitlines()]
    assert rows == [["admin", "管理员", "admin", "-", "*"], ["zhang", "张三", "user", "政协办", "政协"]]

    code, out, _ = run(capsys, "users", "list", "--json")
    assert code == 0
    users = json.loads(out)  # one JSON array
    assert [set(u) for u in users] == [{"id", "name", "role", "groups", "collections", "has_password"}] * 2
    assert users[0] == {
        "id": "admin",
        "name": "管理员",
        "role": "admin",
        "groups": [],
        "collections": ["*"],
        "has_password": True,
    }
    assert users[1]["collections"] == ["政协"]


def test_users_list_never_prints_password_hashes(made, capsys):
    hashes = [u["password_hash"] for u in tomllib.loads(made.read_text(encoding="utf-8"))["users"].values()]
    assert len(hashes) == 2
    for argv in (["users", "list"], ["users", "list", "--json"], ["groups", "list"], ["groups", "list", "--json"]):
        code, out, err = run(capsys, *argv)
        assert code == 0
        for text in (out, err):
            assert "scrypt" not in text
            assert not any(part in text for h in hashes for part in h.split("$")[2:])  # salt, key


def test_a_user_without_password_is_listed_as_unable_to_sign_in(made, capsys):
    with made.open("a", encoding="utf-8") as f:
        f.write('\n[users.li]\nname = "李四"\ngroups = ["全部"]\n')
    code, out, _ = run(capsys, "users", "list")
    assert code == 0
    li = next(line for line in out.splitlines() if line.startswith("li\t"))
    assert li.split("\t")[3:] == ["全部", "*", "(no password: cannot sign in)"]
    row = next(u for u in json.loads(run(capsys, "users", "list", "--json")[1]) if u["id"] == "li")
    assert row["has_password"] is False


def test_password_from_stdin_takes_one_line(office, monkeypatch, capsys):
    stdin(monkeypatch, "with spaces inside \r\nsecond line\n")
    assert run(capsys, "users", "add", "admin", "--admin", "--password-stdin")[0] == 0
    accounts = Accounts.load(office / "accounts.toml")
    assert accounts.authenticate("admin", "with spaces inside ") is not None  # only the line ending is dropped


@pytest.mark.parametrize(
    "answers, message",
    [
        (("admin-secret", "admin-secreT"), "differ"),
        (("short", "short"), "at least 8 characters"),
        ((), "no password given"),
    ],
)
def test_a_bad_password_changes_nothing(office, monkeypatch, capsys, answers, message):
    typed(monkeypatch, *answers)
    code, _, err = run(capsys, "users", "add", "admin", "--admin")
    assert code == 2
    assert message in one_line_error(err)
    assert not (office / "accounts.toml").exists()


def test_users_add_refuses_an_existing_user_or_an_unknown_group_before_asking(made, monkeypatch, capsys):
    prompts = typed(monkeypatch, "other-secret", "other-secret")
    code, _, err = run(capsys, "users", "add", "zhang")
    assert code == 2
    assert "already exists" in one_line_error(err)
    code, _, err = run(capsys, "users", "add", "li", "--group", "人大办")
    assert code == 2
    assert "rag groups set 人大办" in one_line_error(err)
    assert prompts == []


def test_passwd_changes_the_password_and_ends_only_that_users_sessions(made, monkeypatch, capsys):
    db = made.parent / "office.sqlite"  # next to ./index, the default index folder
    with Sessions(db) as sessions:
        zhang_token = sessions.start("zhang")
        admin_token = sessions.start("admin")
    typed(monkeypatch, "new-zhang-secret", "new-zhang-secret")
    code, _, err = run(capsys, "users", "passwd", "zhang")
    assert code == 0
    assert "ended 1 session of zhang" in err
    accounts = Accounts.load(made)
    assert accounts.authenticate("zhang", "new-zhang-secret") is not None
    assert accounts.authenticate("zhang", "zhang-secret") is None
    with Sessions(db) as sessions:
        assert sessions.user_of(zhang_token) is None
        assert sessions.user_of(admin_token) == "admin"


def test_sessions_are_found_through_rag_office_db_and_index(made, monkeypatch, capsys, tmp_path):
    elsewhere = tmp_path / "var" / "office.sqlite"
    elsewhere.parent.mkdir()
    with Sessions(elsewhere) as sessions:
        token = sessions.start("zhang")
    monkeypatch.setenv("RAG_OFFICE_DB", str(elsewhere))
    stdin(monkeypatch, "new-zhang-secret\n")
    assert run(capsys, "users", "passwd", "zhang", "--password-stdin")[0] == 0
    with Sessions(elsewhere) as sessions:
        assert sessions.user_of(token) is None

    monkeypatch.delenv("RAG_OFFICE_DB")
    beside = tmp_path / "data" / "office.sqlite"  # next to --index data/index
    beside.parent.mkdir()
    with Sessions(beside) as sessions:
        token = sessions.start("zhang")
    assert run(capsys, "users", "remove", "zhang", "--index", str(tmp_path / "data" / "index"))[0] == 0
    with Sessions(beside) as sessions:
        assert sessions.user_of(token) is None


def test_no_office_database_is_made_when_there_is_none(made, monkeypatch, capsys):
    stdin(monkeypatch, "new-zhang-secret\n")
    assert run(capsys, "users", "passwd", "zhang", "--password-stdin")[0] == 0
    assert run(capsys, "users", "remove", "zhang")[0] == 0
    assert not (made.parent / "office.sqlite").exists()


def test_passwd_of_an_unknown_user_is_refused_before_asking(made, monkeypatch, capsys):
    prompts = typed(monkeypatch, "new-secret!", "new-secret!")
    code, _, err = run(capsys, "users", "passwd", "nobody")
    assert code == 2
    assert "no user 'nobody'" in one_line_error(err)
    assert prompts == []


def test_users_set_changes_name_groups_and_role(made, capsys):
    before = tomllib.loads(made.read_text(encoding="utf-8"))["users"]["zhang"]["password_hash"]
    code, out, _ = run(capsys, "users", "set", "zhang", "--name", "张三丰", "--group", "政协办", "--group", "全部")
    assert code == 0
    assert out.strip() == "zhang (张三丰): user, groups 政协办, 全部, reads *"
    zhang = Accounts.load(made).user("zhang")
    assert zhang is not None
    assert (zhang.name, zhang.groups, zhang.collections) == ("张三丰", ("政协办", "全部"), None)

    assert run(capsys, "users", "set", "zhang", "--no-groups")[0] == 0
    zhang = Accounts.load(made).user("zhang")
    assert zhang is not None and (zhang.groups, zhang.collections) == ((), ())

    assert run(capsys, "users", "set", "zhang", "--role", "admin")[0] == 0
    accounts = Accounts.load(made)
    assert accounts.user("zhang").is_admin  # type: ignore[union-attr]
    assert tomllib.loads(made.read_text(encoding="utf-8"))["users"]["zhang"]["password_hash"] == before
    assert accounts.authenticate("zhang", "zhang-secret") is not None


@pytest.mark.parametrize(
    "argv, message",
    [
        (["users", "set", "zhang"], "nothing to change"),
        (["users", "set", "zhang", "--group", "人大办"], "no group '人大办'"),
        (["users", "set", "nobody", "--name", "谁"], "no user 'nobody'"),
        (["users", "remove", "nobody"], "no user 'nobody'"),
        (["groups", "remove", "人大办"], "no group '人大办'"),
    ],
)
def test_changes_that_cannot_be_made_are_one_line(made, capsys, argv, message):
    before = made.read_bytes()
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in one_line_error(err)
    assert made.read_bytes() == before


def test_the_last_admin_cannot_be_demoted_or_removed(made, capsys):
    before = made.read_bytes()
    for argv in (["users", "set", "admin", "--role", "user"], ["users", "remove", "admin"]):
        code, _, err = run(capsys, *argv)
        assert code == 2
        assert "at least one user must remain an admin" in one_line_error(err)
    assert made.read_bytes() == before

    assert run(capsys, "users", "set", "zhang", "--role", "admin")[0] == 0  # with a second admin, it can
    assert run(capsys, "users", "remove", "admin")[0] == 0
    assert [u.id for u in Accounts.load(made).users] == ["zhang"]


def test_users_remove(made, capsys):
    code, out, _ = run(capsys, "users", "remove", "zhang")
    assert code == 0
    assert out.strip() == "removed zhang"
    accounts = Accounts.load(made, scrypt=FAST)  # an unknown user is checked against a hash of this cost
    assert accounts.user("zhang") is None
    assert accounts.authenticate("zhang", "zhang-secret") is None


def test_groups_list_set_and_remove(made, capsys):
    code, out, _ = run(capsys, "groups", "list", "--json")
    assert code == 0
    assert json.loads(out) == [
        {"name": "全部", "collections": ["*"], "members": []},
        {"name": "政协办", "collections": ["政协"], "members": ["zhang"]},
    ]
    code, out, _ = run(capsys, "groups", "list")
    assert [line.split("\t") for line in out.splitlines()] == [["全部", "*", "-"], ["政协办", "政协", "zhang"]]

    assert run(capsys, "groups", "set", "政协办", "--collection", "政协", "--collection", "人大")[0] == 0
    assert Accounts.load(made).user("zhang").collections == ("人大", "政协")  # type: ignore[union-attr]

    code, _, err = run(capsys, "groups", "remove", "政协办")
    assert code == 2
    assert "still has members: zhang" in one_line_error(err)
    assert run(capsys, "groups", "remove", "全部")[0] == 0
    assert [g.name for g in Accounts.load(made).groups] == ["政协办"]


def test_an_empty_collection_name_is_a_usage_error(made, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["groups", "set", "空", "--collection", " "])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'*' means every collection" in err


def test_a_missing_accounts_file_is_one_line_and_not_made(office, capsys):
    for argv in (["users", "list"], ["groups", "list"], ["users", "remove", "zhang"], ["groups", "remove", "x"]):
        code, _, err = run(capsys, *argv)
        assert code == 2
        assert "rag users add" in one_line_error(err)
    assert list(office.iterdir()) == []


@pytest.mark.parametrize(
    "text, message",
    [
        ("[groups.政协办]\ncollections = ['政协']\n", "not valid TOML"),
        ('[users.zhang]\ngroups = ["nobody"]\nrole = "admin"\n', "not defined"),
        ('[users.zhang]\nrole = "admin"\npassword_hash = "plain-text"\n', "not a hash"),
    ],
)
def test_a_bad_accounts_file_is_one_line_with_exit_2(office, monkeypatch, capsys, text, message):
    path = office / "accounts.toml"
    path.write_text(text, encoding="utf-8")
    stdin(monkeypatch, "other-secret\n")
    for argv in (["users", "list"], ["users", "add", "li", "--admin", "--password-stdin"], ["groups", "list"]):
        code, _, err = run(capsys, *argv)
        assert code == 2
        line = one_line_error(err)
        assert message in line and "accounts.toml" in line
    assert path.read_text(encoding="utf-8") == text


def test_the_file_is_found_through_option_then_rag_accounts(office, monkeypatch, capsys):
    stdin(monkeypatch, "admin-secret\n")
    assert run(capsys, "users", "add", "admin", "--admin", "--password-stdin", "--accounts", "a.toml")[0] == 0
    monkeypatch.setenv("RAG_ACCOUNTS", str(office / "b.toml"))
    stdin(monkeypatch, "admin-secret\n")
    code, _, err = run(capsys, "users", "add", "boss", "--admin", "--password-stdin")
    assert code == 0
    assert "b.toml" in err
    assert [u.id for u in Accounts.load(office / "a.toml").users] == ["admin"]
    assert [u.id for u in Accounts.load(office / "b.toml").users] == ["boss"]
    assert not (office / "accounts.toml").exists()
    assert json.loads(run(capsys, "users", "list", "--json", "--accounts", "a.toml")[1])[0]["id"] == "admin"


# --------------------------------------------------------------------------------------- settings


def test_office_settings_defaults(tmp_path):
    s = Settings.from_env({})
    assert (s.accounts_file, s.office_db, s.session_hours, s.log_questions, s.save_conversations) == (
        None,
        None,
        12.0,
        True,
        True,
    )
    assert Settings.from_env({}, index_dir=str(tmp_path / "data" / "index")).office_path == (
        tmp_path / "data" / "office.sqlite"
    )


def test_office_settings_from_the_environment(tmp_path):
    env = {
        "RAG_ACCOUNTS": "/srv/office/accounts.toml",
        "RAG_OFFICE_DB": str(tmp_path / "o.sqlite"),
        "RAG_SESSION_HOURS": "0.5",
        "RAG_LOG": "off",
        "RAG_CONVERSATIONS": "FALSE",
    }
    s = Settings.from_env(env)
    assert s.accounts_file == "/srv/office/accounts.toml"
    assert s.office_path == tmp_path / "o.sqlite"
    assert s.session_hours == 0.5
    assert s.log_questions is False and s.save_conversations is False
    assert Settings.from_env({"RAG_LOG": "0", "RAG_CONVERSATIONS": "on"}).log_questions is False
    assert Settings.from_env({"RAG_CONVERSATIONS": "1"}).save_conversations is True


@pytest.mark.parametrize(
    "name, value",
    [
        ("RAG_SESSION_HOURS", "0"),
        ("RAG_SESSION_HOURS", "-3"),
        ("RAG_SESSION_HOURS", "nan"),
        ("RAG_SESSION_HOURS", "twelve"),
        ("RAG_LOG", "maybe"),
        ("RAG_CONVERSATIONS", "2"),
    ],
)
def test_bad_office_settings_name_the_variable(name, value):
    with pytest.raises(SettingsError) as exc:
        Settings.from_env({name: value})
    assert name in str(exc.value) and "\n" not in str(exc.value)


def test_a_bad_office_setting_stops_the_command(made, monkeypatch, capsys):
    monkeypatch.setenv("RAG_SESSION_HOURS", "0")
    code, _, err = run(capsys, "users", "list")
    assert code == 2
    assert "RAG_SESSION_HOURS" in one_line_error(err)
