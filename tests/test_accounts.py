"""Accounts: the TOML file of users and groups, password hashes, sessions with expiry."""

from __future__ import annotations

import os
import stat
import threading
import tomllib

import pytest

from rag.accounts import (
    DEFAULT_SCRYPT,
    LOCAL_USER,
    Accounts,
    ScryptParams,
    Sessions,
    User,
    hash_password,
    verify_password,
)
from rag.errors import AccountsError, RagError

FAST = ScryptParams(ln=4, r=1, p=1)  # cheap hashes for tests only; the default is DEFAULT_SCRYPT


def config(tmp_path, text=None):
    zhang = hash_password("zhang-secret", FAST)
    admin = hash_password("admin-secret", FAST)
    path = tmp_path / "accounts.toml"
    path.write_text(
        text
        or f"""# 本单位账号
# second comment line

[groups."政协办"]
collections = ["政协"]

[groups.guowuyuan]
collections = ["国务院", "政协"]

[groups."全部"]
collections = ["*"]

[users.zhang]
name = "张三"
groups = ["政协办"]
role = "user"
password_hash = "{zhang}"

[users.li]
name = "李四"
groups = ["政协办", "guowuyuan"]

[users.wang]
groups = ["全部"]

[users.admin]
name = "管理员"
role = "admin"
password_hash = "{admin}"
""",
        encoding="utf-8",
    )
    return path


# ------------------------------------------------------------------------------------- passwords


def test_hash_is_self_describing_salted_and_verifies():
    a, b = hash_password("correct horse", FAST), hash_password("correct horse", FAST)
    assert a.startswith("scrypt$ln=4,r=1,p=1$") and a != b  # a random salt each time
    assert verify_password("correct horse", a) and verify_password("correct horse", b)
    assert not verify_password("correct horsf", a)
    assert not verify_password("correct horse", "plain-text")
    assert not verify_password("correct horse", a.replace("ln=4", "ln=99"))


def test_default_cost_is_a_real_kdf():
    encoded = hash_password("x" * 8, DEFAULT_SCRYPT)
    assert encoded.startswith("scrypt$ln=15,r=8,p=1$")


def test_short_password_refused():
    with pytest.raises(AccountsError, match="at least 8"):
        hash_password("short", FAST)


# ------------------------------------------------------------------------------------- the file


def test_load_and_authenticate(tmp_path):
    accounts = Accounts.load(config(tmp_path), scrypt=FAST)
    user = accounts.authenticate("zhang", "zhang-secret")
    assert user == accounts.user("zhang")
    assert user is not None and user.name == "张三" and not user.is_admin
    assert user.collections == ("政协",)
    assert accounts.authenticate("zhang", "wrong-password") is None
    assert accounts.authenticate("nobody", "zhang-secret") is None
    assert accounts.authenticate("li", "anything-at-all") is None  # no password: cannot sign in


def test_collections_union_star_and_admin(tmp_path):
    accounts = Accounts.load(config(tmp_path), scrypt=FAST)
    assert accounts.user("li").collections == ("国务院", "政协")  # union of two groups, sorted
    assert accounts.user("wang").collections is None  # "*": every collection
    admin = accounts.user("admin")
    assert admin.is_admin and admin.collections is None and admin.can_read("任何")
    assert not accounts.user("zhang").can_read("国务院")
    assert accounts.user("li").name == "李四" and accounts.user("wang").name == "wang"
    assert [g.name for g in accounts.groups] == sorted(["政协办", "guowuyuan", "全部"])
    assert User("x", role="admin", collections=("a",)).collections is None
    assert LOCAL_USER.is_admin


BAD_FILES = [
    ("[users.zhang\nname = 1", "not valid TOML"),
    ('[groups.政协办]\ncollections = ["政协"]\n', '[groups."政协办"]'),  # unquoted non-ASCII name: a hint
    ("[users.zhang]\nname = 3\n", "users.zhang.name must be text"),
    ('[users.zhang]\ngroups = ["nope"]\n', "group 'nope', which is not defined"),
    ('[users.zhang]\nrole = "boss"\n', "role must be one of user, admin"),
    ('[users.zhang]\ngrops = ["a"]\n', "unknown key 'grops'"),
    ('[users.zhang]\npassword_hash = "hunter2"\n', "password_hash is not a hash"),
    ('[groups.a]\ncollections = "政协"\n', "groups.a.collections must be a list"),
    ("[settings]\nx = 1\n", "unknown section 'settings'"),
    ("users = 3\n", "must be tables"),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_bad_files_are_one_line_errors(tmp_path, text, message):
    path = tmp_path / "accounts.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AccountsError) as info:
        Accounts.load(path)
    assert message in str(info.value)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(AccountsError, match="no accounts file"):
        Accounts.load(tmp_path / "none.toml")
    (tmp_path / "latin1.toml").write_bytes('[users.a]\nname = "é"\n'.encode("latin-1"))
    with pytest.raises(AccountsError, match="not UTF-8"):
        Accounts.load(tmp_path / "latin1.toml")
    with pytest.raises(AccountsError, match="not a regular file"):
        Accounts.load(tmp_path)


def test_bad_file_error_carries_no_traceback(tmp_path):
    """An AccountsError is a RagError (the CLI prints it on one line) with no chained exception to show."""
    path = tmp_path / "accounts.toml"
    path.write_text("[users.zhang\n", encoding="utf-8")
    with pytest.raises(RagError) as info:
        Accounts.load(path)
    assert isinstance(info.value, AccountsError)
    assert info.value.__cause__ is None and info.value.__suppress_context__


# ------------------------------------------------------------------------------------- changes


def test_changes_are_written_back_readable_and_reloaded(tmp_path):
    path = config(tmp_path)
    os.chmod(path, 0o640)
    accounts = Accounts.load(path, scrypt=FAST)
    accounts.add_user("zhao", "zhao-secret", name="赵六", groups=["guowuyuan"])
    accounts.set_password("li", "li-new-secret")
    accounts.update_user("zhang", groups=["政协办", "guowuyuan"])
    accounts.remove_user("wang")
    accounts.set_group("新组", ["档案"])

    text = path.read_text(encoding="utf-8")
    assert text.startswith("# 本单位账号\n# second comment line\n")  # the header comments are kept
    assert '[groups."新组"]' in text and "[users.zhao]" in text and "wang" not in text
    assert "zhao-secret" not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # permissions kept
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []

    again = Accounts.load(path, scrypt=FAST)  # what was written loads, and means the same
    assert again.authenticate("zhao", "zhao-secret").collections == ("国务院", "政协")
    assert again.authenticate("li", "li-new-secret") is not None
    assert again.user("zhang").collections == ("国务院", "政协")
    assert again.user("wang") is None
    assert tomllib.loads(text)["users"]["zhao"]["name"] == "赵六"


def test_a_new_file_is_private(tmp_path):
    path = tmp_path / "new.toml"
    accounts = Accounts.load(path, create=True, scrypt=FAST)
    assert accounts.users == []
    accounts.add_user("boss", "boss-secret", role="admin")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Accounts.load(path, scrypt=FAST).authenticate("boss", "boss-secret").is_admin


def test_invalid_changes_leave_the_file_as_it_was(tmp_path):
    path = config(tmp_path)
    before = path.read_bytes()
    accounts = Accounts.load(path, scrypt=FAST)
    with pytest.raises(AccountsError, match="already exists"):
        accounts.add_user("zhang", "another-secret")
    with pytest.raises(AccountsError, match="not defined"):
        accounts.add_user("new", "new-secret", groups=["nope"])
    with pytest.raises(AccountsError, match="role must be"):
        accounts.update_user("zhang", role="root")
    with pytest.raises(AccountsError, match="admin"):
        accounts.remove_user("admin")  # the last admin
    with pytest.raises(AccountsError, match="still has members"):
        accounts.remove_group("政协办")
    with pytest.raises(AccountsError, match="no user"):
        accounts.set_password("ghost", "ghost-secret")
    with pytest.raises(AccountsError, match="cannot be a user name"):
        accounts.add_user("bad\nname", "new-secret")
    assert path.read_bytes() == before
    assert accounts.user("new") is None and accounts.user("zhang").role == "user"


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = config(tmp_path)
    before = path.read_bytes()
    accounts = Accounts.load(path, scrypt=FAST)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(AccountsError, match=r"No space left on device.*unchanged"):
        accounts.set_password("zhang", "zhang-new-secret")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".accounts.toml.lock", "accounts.toml"]
    assert accounts.authenticate("zhang", "zhang-secret") is not None


def test_changes_by_two_processes_are_both_kept(tmp_path):
    """Each change re-reads the file: a user added elsewhere (the CLI) is not lost by the web app's change."""
    path = config(tmp_path)
    web = Accounts.load(path, scrypt=FAST)
    cli = Accounts.load(path, scrypt=FAST)
    cli.add_user("from_cli", "cli-secret-1")
    web.add_user("from_web", "web-secret-1")
    final = Accounts.load(path, scrypt=FAST)
    assert final.user("from_cli") is not None and final.user("from_web") is not None
    assert web.user("from_cli") is not None  # the web app's object sees it too
    assert cli.refresh() and cli.user("from_web") is not None
    assert not cli.refresh()  # unchanged since


def test_concurrent_changes_from_threads(tmp_path):
    path = config(tmp_path)
    accounts = Accounts.load(path, scrypt=FAST)
    errors: list[BaseException] = []

    def add(i):
        try:
            accounts.add_user(f"u{i}", f"password-{i}", groups=["政协办"])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    final = Accounts.load(path, scrypt=FAST)
    assert all(final.authenticate(f"u{i}", f"password-{i}") for i in range(8))


# ------------------------------------------------------------------------------------- sessions


class Clock:
    def __init__(self, now=1_700_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


def test_sessions_expire_and_end(tmp_path):
    clock = Clock()
    with Sessions(tmp_path / "office.sqlite", lifetime=3600, clock=clock) as sessions:
        token = sessions.start(User("zhang"))
        other = sessions.start("li")
        assert len(token) >= 40 and token != other
        assert sessions.user_of(token) == "zhang" and sessions.user_of(other) == "li"
        assert sessions.user_of("made-up") is None and sessions.user_of("") is None and sessions.user_of(None) is None
        clock.now += 3599
        assert sessions.user_of(token) == "zhang"
        clock.now += 1
        assert sessions.user_of(token) is None  # expired
        assert sessions.purge() == 2
        fresh = sessions.start("zhang")
        sessions.end(fresh)
        assert sessions.user_of(fresh) is None


def test_sessions_survive_a_restart_and_store_no_token(tmp_path):
    db = tmp_path / "office.sqlite"
    clock = Clock()
    with Sessions(db, clock=clock) as sessions:
        token = sessions.start("zhang")
        sessions.start("zhang")
    assert token.encode() not in db.read_bytes()
    with Sessions(db, clock=clock) as sessions:
        assert sessions.user_of(token) == "zhang"
        clock.now += 12 * 3600
        assert sessions.user_of(token) is None  # the default lifetime is 12 hours
        clock.now -= 1
        assert sessions.end_user("zhang") == 2
        assert sessions.user_of(token) is None


def test_a_damaged_database_is_one_line(tmp_path):
    db = tmp_path / "office.sqlite"
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(AccountsError, match="damaged") as info:
        Sessions(db)
    assert "\n" not in str(info.value)
