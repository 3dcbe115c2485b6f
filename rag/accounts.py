"""Who may use an office's assistant and what they may read: users and groups, passwords, sessions.

The accounts live in one TOML file that an administrator can read and edit by hand::

    # the office's users and groups
    [groups."政协办"]                 # names other than ASCII letters, digits, _ and - are quoted
    collections = ["政协"]            # the collections (folders under corpus/) the group may read

    [groups."办公室"]
    collections = ["*"]               # "*": every collection

    [users.zhang]
    name = "张三"
    groups = ["政协办"]
    role = "user"                     # "user" or "admin"; an admin reads every collection
    password_hash = "scrypt$ln=15,r=8,p=1$…$…"   # from `hash_password`; none: cannot sign in

`Accounts.load` reads and checks it (a bad file is an `AccountsError` in one line);
`Accounts.authenticate` checks a password; `User.collections` is what retrieval's ``collections=``
takes. Changes (`Accounts.add_user`, `set_password`, `update_user`, `remove_user`, `set_group`,
`remove_group`) re-read the file under a lock, so that a change made meanwhile by another process
is kept, and write it back atomically (a temporary file beside it, then ``os.replace``), in the
layout above; the comment lines at its top are kept, other comments are not. The caller checks
that whoever asks for a change is an administrator (`User.is_admin`).

Passwords are hashed with scrypt (stdlib ``hashlib.scrypt``), a random salt per password, in the
self-describing form ``scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>`` (base64), and compared in
constant time. `Sessions` keeps signed-in sessions in SQLite (only a hash of each token is
stored) with an expiry. Stdlib only; nothing here knows about the web page.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import stat
import tempfile
import threading
import time
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import AccountsError, RagError

ADMIN = "admin"
USER = "user"
ROLES = (USER, ADMIN)
ALL = "*"  # in a group's collections: every collection
MIN_PASSWORD = 8  # characters
MAX_PASSWORD = 1024
DEFAULT_LIFETIME = 12 * 3600.0  # seconds a session lasts
_NAME_LIMIT = 64


# ---------------------------------------------------------------------------------------- passwords


@dataclass(frozen=True)
class ScryptParams:
    """The cost of a new password hash: ``N = 2**ln``, block size ``r``, parallelism ``p``. The
    default (N=2¹⁵, r=8: 32 MiB, a few tenths of a second) is above Django's; tests pass cheaper
    ones in (`hash_password`, `Accounts.load`). A stored hash carries its own parameters."""

    ln: int = 15
    r: int = 8
    p: int = 1

    def __post_init__(self) -> None:
        if not (1 <= self.ln <= 20 and 1 <= self.r <= 32 and 1 <= self.p <= 16) or 128 * self.r * 2**self.ln > 2**30:
            raise AccountsError(f"scrypt parameters out of range: ln={self.ln}, r={self.r}, p={self.p}")


DEFAULT_SCRYPT = ScryptParams()
_SALT_BYTES = 16
_KEY_BYTES = 32
_HASH = re.compile(r"scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,88})\$([A-Za-z0-9+/]{16,88})")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, params: ScryptParams, length: int) -> bytes:
    n = 2**params.ln
    return hashlib.scrypt(
        password.encode("utf-8", "surrogatepass"),
        salt=salt,
        n=n,
        r=params.r,
        p=params.p,
        maxmem=2 * 128 * params.r * (n + params.p) + 2**20,
        dklen=length,
    )


def hash_password(password: str, params: ScryptParams = DEFAULT_SCRYPT) -> str:
    """The scrypt hash of ``password`` with a new random salt, as ``scrypt$ln=…,r=…,p=…$salt$hash``:
    what a ``password_hash`` of the accounts file holds. Raises `AccountsError` for a password
    shorter than `MIN_PASSWORD` characters."""
    _check_password(password)
    salt = secrets.token_bytes(_SALT_BYTES)
    key = _scrypt(password, salt, params, _KEY_BYTES)
    return f"scrypt${_format_params(params)}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches the hash ``encoded`` (`hash_password`'s form), compared in
    constant time; False for a hash that is not in that form."""
    parsed = _parse_hash(encoded)
    if parsed is None:
        return False
    params, salt, key = parsed
    return hmac.compare_digest(_scrypt(password, salt, params, len(key)), key)


def _format_params(params: ScryptParams) -> str:
    return f"ln={params.ln},r={params.r},p={params.p}"


def _parse_hash(encoded: str) -> tuple[ScryptParams, bytes, bytes] | None:
    m = _HASH.fullmatch(encoded)
    if m is None:
        return None
    try:
        params = ScryptParams(int(m[1]), int(m[2]), int(m[3]))
        return params, _unb64(m[4]), _unb64(m[5])
    except (AccountsError, ValueError):
        return None


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AccountsError(f"a password needs at least {MIN_PASSWORD} characters (密码至少 {MIN_PASSWORD} 位)")
    if len(password) > MAX_PASSWORD:
        raise AccountsError(f"a password may have at most {MAX_PASSWORD} characters (密码过长)")


# ------------------------------------------------------------------------------------- users, groups


@dataclass(frozen=True)
class Group:
    """A group of users and the collections its members may read (``"*"``: all)."""

    name: str
    collections: tuple[str, ...] = ()


@dataclass(frozen=True)
class User:
    """A user as the rest of the program sees it (no password hash).

    Attributes:
        id: the login name, the key under ``[users]``.
        name: the name shown (the id when the file gives none).
        groups: the groups the user belongs to.
        role: ``user`` or ``admin``.
        collections: the collections the user may read, sorted, or None for every collection (an
            admin, or a member of a group listing ``"*"``): what retrieval's ``collections=`` takes.
    """

    id: str
    name: str = ""
    groups: tuple[str, ...] = ()
    role: str = USER
    collections: tuple[str, ...] | None = field(default=())

    def __post_init__(self) -> None:
        if self.role == ADMIN:
            object.__setattr__(self, "collections", None)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    def can_read(self, collection: str) -> bool:
        return self.collections is None or collection in self.collections


LOCAL_USER = User(id="local", name="本机用户", role=ADMIN)
"""The one user when there is no accounts file (a single person on their own machine)."""


@dataclass
class _State:
    """The parsed file: what a change edits before it is written."""

    header: str = ""
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → name, groups, role, password_hash

    def copy(self) -> _State:
        return _State(self.header, dict(self.groups), {k: dict(v) for k, v in self.users.items()})


_USER_KEYS = ("name", "groups", "role", "password_hash")


class Accounts:
    """An office's users and groups, read from a TOML file (module docstring). Thread-safe."""

    def __init__(self, path: str | os.PathLike[str], state: _State, *, scrypt: ScryptParams = DEFAULT_SCRYPT) -> None:
        self.path = Path(path)
        self._scrypt = scrypt
        self._lock = threading.RLock()
        self._stamp: tuple[int, int] | None = None
        self._set(state)
        self._dummy: str | None = None  # a hash to check unknown users against (made when first needed)

    # ------------------------------------------------------------------------------------ loading

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], *, create: bool = False, scrypt: ScryptParams = DEFAULT_SCRYPT
    ) -> Accounts:
        """Read the accounts file at ``path``. Raises `AccountsError`, one line, when it is missing
        (unless ``create``: then there are no users yet, and the first change writes the file) or
        cannot be used. ``scrypt`` is the cost of the hashes this object makes."""
        path = Path(path)
        if create and not path.exists():
            return cls(path, _State(), scrypt=scrypt)
        accounts = cls(path, _read(path), scrypt=scrypt)
        accounts._stamp = _stamp(path)
        return accounts

    def refresh(self) -> bool:
        """Read the file again if it changed on disk since it was read (an edit by hand, or a change
        made by another process); cheap when it did not. Returns whether it was read again."""
        with self._lock:
            stamp = _stamp(self.path)
            if stamp is None or stamp == self._stamp:
                return False
            self._set(_read(self.path))
            self._stamp = stamp
            return True

    def _set(self, state: _State) -> None:
        groups = {name: Group(name, cols) for name, cols in state.groups.items()}
        users: dict[str, User] = {}
        for uid, entry in state.users.items():
            names: tuple[str, ...] = tuple(entry["groups"])
            readable: set[str] = set()
            everything = False
            for g in names:
                everything |= ALL in groups[g].collections
                readable.update(c for c in groups[g].collections if c != ALL)
            users[uid] = User(
                id=uid,
                name=entry["name"] or uid,
                groups=names,
                role=entry["role"],
                collections=None if everything else tuple(sorted(readable)),
            )
        # readers take no lock: each name is replaced whole, the users last (authenticate reads them)
        self._state = state
        self._groups = groups
        self._users = users

    # ------------------------------------------------------------------------------------ reading

    @property
    def users(self) -> list[User]:
        """Every user, by id."""
        return [self._users[k] for k in sorted(self._users)]

    @property
    def groups(self) -> list[Group]:
        """Every group, by name."""
        return [self._groups[k] for k in sorted(self._groups)]

    def user(self, user_id: str) -> User | None:
        """The user with this login name, or None."""
        return self._users.get(user_id)

    def has_password(self, user_id: str) -> bool:
        return bool(self._state.users.get(user_id, {}).get("password_hash"))

    def authenticate(self, user_id: str, password: str) -> User | None:
        """The user when ``password`` is theirs; None for a wrong password, an unknown user or one
        without a password (each taking about as long, so that the answer tells nothing more)."""
        entry = self._state.users.get(user_id) if isinstance(user_id, str) else None
        encoded = entry["password_hash"] if entry else ""
        if not isinstance(password, str) or len(password) > MAX_PASSWORD:
            return None
        if not encoded:
            if self._dummy is None:
                self._dummy = hash_password("-" * MIN_PASSWORD, self._scrypt)
            verify_password(password, self._dummy)  # as long as a known user takes
            return None
        return self._users.get(user_id) if verify_password(password, encoded) else None

    # ------------------------------------------------------------------------------------ changing

    def add_user(
        self, user_id: str, password: str | None, *, name: str = "", groups: Sequence[str] = (), role: str = USER
    ) -> User:
        """Add a user (``password`` None: cannot sign in until one is set) and write the file."""
        _check_name(user_id, "a user name")
        encoded = hash_password(password, self._scrypt) if password is not None else ""

        def change(state: _State) -> None:
            if user_id in state.users:
                raise AccountsError(f"user '{user_id}' already exists (用户已存在)")
            state.users[user_id] = {"name": name, "groups": list(groups), "role": role, "password_hash": encoded}

        self._change(change)
        return self._users[user_id]

    def update_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        groups: Sequence[str] | None = None,
        role: str | None = None,
    ) -> User:
        """Change a user's shown name, groups or role (None: unchanged) and write the file."""

        def change(state: _State) -> None:
            entry = _existing(state, user_id)
            if name is not None:
                entry["name"] = name
            if groups is not None:
                entry["groups"] = list(groups)
            if role is not None:
                entry["role"] = role

        self._change(change)
        return self._users[user_id]

    def set_password(self, user_id: str, password: str) -> None:
        """Give a user a new password (hashed) and write the file. The caller should end the user's
        sessions (`Sessions.end_user`) when the password was changed because it leaked."""
        encoded = hash_password(password, self._scrypt)
        self._change(lambda state: _existing(state, user_id).__setitem__("password_hash", encoded))

    def remove_user(self, user_id: str) -> None:
        """Remove a user and write the file. Their sessions end with `Sessions.end_user`."""

        def change(state: _State) -> None:
            _existing(state, user_id)
            del state.users[user_id]

        self._change(change)

    def set_group(self, name: str, collections: Iterable[str]) -> Group:
        """Add a group, or change the collections it may read, and write the file."""
        _check_name(name, "a group name")
        cols = tuple(collections)
        self._change(lambda state: state.groups.__setitem__(name, cols))
        return self._groups[name]

    def remove_group(self, name: str) -> None:
        """Remove a group nobody belongs to any more, and write the file."""

        def change(state: _State) -> None:
            if name not in state.groups:
                raise AccountsError(f"no group '{name}' (没有这个组)")
            members = [uid for uid, entry in state.users.items() if name in entry["groups"]]
            if members:
                raise AccountsError(f"group '{name}' still has members: {', '.join(sorted(members))} (组内仍有用户)")
            del state.groups[name]

        self._change(change)

    def _change(self, edit: Callable[[_State], None]) -> None:
        """Apply ``edit`` to the file as it is on disk now, check the result as a load would, and
        write it atomically; the object is unchanged when any step fails."""
        with self._lock, _file_lock(self.path):
            state = _read(self.path) if self.path.exists() else self._state.copy()
            edit(state)
            if state.users and not any(u["role"] == ADMIN for u in state.users.values()):
                raise AccountsError("at least one user must remain an admin (至少保留一名管理员)")
            text = _dump(state)
            checked = _parse(text, self.path)  # what will be read back, checked before it is written
            _write_atomic(self.path, text)
            self._set(checked)
            self._stamp = _stamp(self.path)


def _existing(state: _State, user_id: str) -> dict[str, Any]:
    entry = state.users.get(user_id)
    if entry is None:
        raise AccountsError(f"no user '{user_id}' (没有这个用户)")
    return entry


def _check_name(name: object, what: str) -> None:
    if (
        not isinstance(name, str)
        or not name.strip()
        or name != name.strip()
        or len(name) > _NAME_LIMIT
        or any(unicodedata.category(ch)[0] in "CZ" and ch != " " for ch in name)
    ):
        raise AccountsError(f"{name!r} cannot be {what}: 1 to {_NAME_LIMIT} visible characters")


# ----------------------------------------------------------------------------------- the file itself


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _read(path: Path) -> _State:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise AccountsError(f"accounts file '{path}' is not a regular file")
        if info.st_size > 16 * 2**20:
            raise AccountsError(f"accounts file '{path}' is too large ({info.st_size:,} bytes) to be an accounts file")
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise AccountsError(
            f"no accounts file at '{path}': create it (see the README) or start without accounts"
        ) from None
    except UnicodeDecodeError:
        raise AccountsError(f"accounts file '{path}' is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise AccountsError(f"cannot read accounts file '{path}' ({exc.strerror or exc})") from None
    return _parse(text, path)


_NON_ASCII_HEADER = re.compile(r"^\s*\[[^\]\"']*[^\x00-\x7f]")


def _parse(text: str, path: Path) -> _State:
    """The state in ``text``, checked; every problem is an `AccountsError` naming the file."""
    where = f"accounts file '{path}'"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        hint = ""
        m = re.search(r"line (\d+)", str(exc))
        lines = text.splitlines()
        if m and 0 < int(m[1]) <= len(lines) and _NON_ASCII_HEADER.match(lines[int(m[1]) - 1]):
            hint = '; quote names that are not ASCII letters or digits, as [groups."政协办"]'
        raise AccountsError(f"{where} is not valid TOML ({exc}){hint}") from None
    except RecursionError:
        raise AccountsError(f"{where} is not valid TOML (nested too deeply)") from None

    def fail(problem: str) -> AccountsError:
        return AccountsError(f"{where}: {problem}")

    extra = sorted(set(data) - {"groups", "users"})
    if extra:
        raise fail(f"unknown section '{extra[0]}' (expected [groups.NAME] and [users.NAME] tables)")
    groups_in = data.get("groups", {})
    users_in = data.get("users", {})
    if not isinstance(groups_in, dict) or not isinstance(users_in, dict):
        raise fail("'groups' and 'users' must be tables, as [groups.NAME] and [users.NAME]")
    state = _State(header=_header(text))
    for name, entry in groups_in.items():
        _named(name, "a group name", fail)
        if not isinstance(entry, dict):
            raise fail(f"groups.{name} must be a table with 'collections'")
        unknown = sorted(set(entry) - {"collections"})
        if unknown:
            raise fail(f"groups.{name} has an unknown key '{unknown[0]}' (expected 'collections')")
        cols = entry.get("collections", [])
        if not isinstance(cols, list) or not all(isinstance(c, str) and c.strip() and "\0" not in c for c in cols):
            raise fail(f'groups.{name}.collections must be a list of collection names (or ["*"])')
        state.groups[name] = tuple(dict.fromkeys(cols))
    for uid, entry in users_in.items():
        _named(uid, "a user name", fail)
        if not isinstance(entry, dict):
            raise fail(f"users.{uid} must be a table (name, groups, role, password_hash)")
        unknown = sorted(set(entry) - set(_USER_KEYS))
        if unknown:
            raise fail(f"users.{uid} has an unknown key '{unknown[0]}' (expected {', '.join(_USER_KEYS)})")
        name = entry.get("name", "")
        if not isinstance(name, str) or len(name) > 200 or "\0" in name:
            raise fail(f"users.{uid}.name must be text")
        member_of = entry.get("groups", [])
        if not isinstance(member_of, list) or not all(isinstance(g, str) for g in member_of):
            raise fail(f"users.{uid}.groups must be a list of group names")
        for g in member_of:
            if g not in state.groups:
                raise fail(f"users.{uid} belongs to group '{g}', which is not defined (add [groups.\"{g}\"])")
        role = entry.get("role", USER)
        if role not in ROLES:
            raise fail(f"users.{uid}.role must be one of {', '.join(ROLES)}, not {role!r}")
        encoded = entry.get("password_hash", "")
        if not isinstance(encoded, str) or (encoded and _parse_hash(encoded) is None):
            raise fail(
                f"users.{uid}.password_hash is not a hash made by this program (set the password again with the admin tools)"
            )
        state.users[uid] = {
            "name": name,
            "groups": list(dict.fromkeys(member_of)),
            "role": role,
            "password_hash": encoded,
        }
    return state


def _named(name: str, what: str, fail: Callable[[str], AccountsError]) -> None:
    try:
        _check_name(name, what)
    except AccountsError as exc:
        raise fail(str(exc)) from None


def _header(text: str) -> str:
    """The comment lines (and blank lines) at the top of a file, kept when it is written again."""
    kept: list[str] = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            break
        kept.append(line.rstrip())
    while kept and not kept[-1]:
        kept.pop()
    return "\n".join(kept)


_DEFAULT_HEADER = """\
# Users and groups of the meeting-records assistant (会议记录助手的用户和用户组).
# A group lists the collections (folders under corpus/) its members may read; "*" means all.
# A user's role is "user" or "admin"; passwords are stored as scrypt hashes only."""
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_string(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_key(s: str) -> str:
    return s if _BARE_KEY.fullmatch(s) else _toml_string(s)


def _toml_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(_toml_string(i) for i in items) + "]"


def _dump(state: _State) -> str:
    """The file's text: the header, then groups and users sorted by name."""
    parts = [state.header or _DEFAULT_HEADER, ""]
    for name in sorted(state.groups):
        parts += [f"[groups.{_toml_key(name)}]", f"collections = {_toml_list(state.groups[name])}", ""]
    for uid in sorted(state.users):
        entry = state.users[uid]
        parts.append(f"[users.{_toml_key(uid)}]")
        if entry["name"]:
            parts.append(f"name = {_toml_string(entry['name'])}")
        parts.append(f"groups = {_toml_list(entry['groups'])}")
        parts.append(f"role = {_toml_string(entry['role'])}")
        if entry["password_hash"]:
            parts.append(f"password_hash = {_toml_string(entry['password_hash'])}")
        parts.append("")
    return "\n".join(parts)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Changes to one accounts file take turns, across processes (``flock`` on a file beside it)."""
    lock = path.parent / f".{path.name}.lock"
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise AccountsError(f"cannot change accounts file '{path}' ({exc.strerror or exc})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it and ``os.replace``: readers see
    the old file or the new one, never a part. A new file is readable by its owner only (it holds
    password hashes); an existing one keeps its permissions."""
    target = Path(os.path.realpath(path))
    tmp: str | None = None
    try:
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o600
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            os.fchmod(f.fileno(), mode)
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
        tmp = None
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        raise AccountsError(f"cannot write accounts file '{path}' ({exc.strerror or exc}); it is unchanged") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


# --------------------------------------------------------------------------------------- databases


class Database:
    """One SQLite file shared by the threads of a process: a connection per thread, WAL (readers do
    not wait for a writer), and writes in short ``BEGIN IMMEDIATE`` transactions that take turns
    (a lock within the process, SQLite's busy timeout across processes). Each user of the file
    (sessions, history) registers its tables and its schema version under its own name.

    Args:
        path: the file (made when missing).
        part: the name the schema version is kept under (``sessions``, ``history``).
        version: this code's schema version of ``part``; a file with a newer one is refused.
        schema: the ``CREATE … IF NOT EXISTS`` statements of ``part``.
        error: the `RagError` subclass that problems are raised as, one line.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, part: str, version: int, schema: str, error: type[RagError]
    ) -> None:
        self.path = Path(path)
        self._error = error
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        self._writer = threading.Lock()
        self._closed = False
        with self.write() as db:
            db.execute("CREATE TABLE IF NOT EXISTS schema (part TEXT PRIMARY KEY, version INTEGER NOT NULL)")
            row = db.execute("SELECT version FROM schema WHERE part = ?", (part,)).fetchone()
            if row is not None and row[0] > version:
                raise error(
                    f"'{self.path}' was made by a newer version ({part} format {row[0]}, this one reads "
                    f"{version}); upgrade the program"
                )
            for statement in schema.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute("INSERT OR REPLACE INTO schema VALUES (?, ?)", (part, version))

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        with self._guard:
            if self._closed:
                raise self._error(f"'{self.path}' is closed")
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self._connections.append(conn)
        self._local.conn = conn
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA journal_mode = WAL")  # where WAL is impossible SQLite keeps its journal: still correct
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection for reading (each statement sees a consistent state)."""
        try:
            yield self._connection()
        except sqlite3.Error as exc:
            raise self._problem(exc) from exc

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A connection inside a write transaction, committed when the block ends, rolled back when
        it raises. Keep the block short: other writers wait for it."""
        with self._writer:
            try:
                db = self._connection()
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._problem(exc) from exc
            try:
                yield db
                db.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise self._problem(exc) from exc
                raise

    def _problem(self, exc: sqlite3.Error) -> RagError:
        detail = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        if "not a database" in detail or "malformed" in detail:
            return self._error(f"'{self.path}' is damaged ({detail}); move it away and restart (a new one is made)")
        if "disk is full" in detail or "disk I/O" in detail:
            return self._error(f"cannot write '{self.path}' ({detail}); free some space and try again")
        return self._error(f"database '{self.path}': {detail}")

    def close(self) -> None:
        """Close every thread's connection; the object cannot be used afterwards."""
        with self._guard:
            self._closed = True
            for conn in self._connections:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._connections.clear()


# ---------------------------------------------------------------------------------------- sessions

_SESSIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    created REAL NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user);
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires)
"""


def _token_hash(token: str) -> str:
    # tokens are 256 random bits: a plain hash is enough, and a lookup by it leaks nothing useful
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Sessions:
    """Signed-in sessions kept in SQLite (a file such as ``<index>/office.sqlite``, shared with the
    history), so that they survive a restart and are shared by the server's threads and processes.
    Only the SHA-256 of each token is stored. A session lasts ``lifetime`` seconds from its start.

    `user_of` gives the user's id: look it up in `Accounts` on every request, so that a user removed
    from the file (or with other groups) has that effect at once.

    Args:
        path: the SQLite file.
        lifetime: seconds a session lasts (default 12 hours).
        clock: the time in seconds since the epoch (injected by tests).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        lifetime: float = DEFAULT_LIFETIME,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not lifetime > 0:
            raise AccountsError(f"a session lifetime must be a positive number of seconds, not {lifetime}")
        self.lifetime = float(lifetime)
        self._clock = clock
        self._db = Database(path, part="sessions", version=1, schema=_SESSIONS_SCHEMA, error=AccountsError)

    def start(self, user: User | str) -> str:
        """A new session of ``user``: the token to give the browser (e.g. in an HttpOnly cookie)."""
        user_id = user.id if isinstance(user, User) else user
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._db.write() as db:
            db.execute("DELETE FROM sessions WHERE expires <= ?", (now,))
            db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?)", (_token_hash(token), user_id, now, now + self.lifetime)
            )
        return token

    def user_of(self, token: str | None) -> str | None:
        """The id of the user whose session ``token`` is, or None when it is unknown, ended or expired."""
        if not isinstance(token, str) or not token or len(token) > 256:
            return None
        with self._db.read() as db:
            row = db.execute(
                "SELECT user FROM sessions WHERE token_hash = ? AND expires > ?", (_token_hash(token), self._clock())
            ).fetchone()
        return None if row is None else str(row[0])

    def end(self, token: str) -> None:
        """End a session (sign out); nothing happens for an unknown token."""
        if isinstance(token, str):
            with self._db.write() as db:
                db.execute("DELETE FROM sessions WHERE token_hash = ?", (_token_hash(token),))

    def end_user(self, user_id: str) -> int:
        """End every session of a user (removed, or a new password); returns how many there were."""
        with self._db.write() as db:
            return db.execute("DELETE FROM sessions WHERE user = ?", (user_id,)).rowcount

    def purge(self) -> int:
        """Remove expired sessions (`start` does it too); returns how many."""
        with self._db.write() as db:
            return db.execute("DELETE FROM sessions WHERE expires <= ?", (self._clock(),)).rowcount

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Sessions:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
