"""What an office keeps of its questions: each user's saved conversations, feedback on answers, and
the question log that administrators read (questions answered "not found", low-rated answers, the
most-asked questions), with CSV export of each.

Everything lives in one SQLite file given by the caller (such as ``<index>/office.sqlite``, which
`rag.accounts.Sessions` may share). Every method takes the `User` it acts for: a conversation is read,
renamed or deleted only by its owner (another user's is `ConversationNotFound`, as a missing one),
and the reports only by an admin (`AccessDenied`).

Two switches, both on by default, decide what is kept (`History(conversations=…, log=…)`; the
settings may map them to environment variables such as ``RAG_CONVERSATIONS=off`` / ``RAG_LOG=off``):

- ``conversations``: saved conversations, which their owner sees, renames and deletes. Off: `create`
  and `append` refuse (`HistoryError`); the page keeps the chat in the browser only.
- ``log``: the question log (user, question, the question searched, answer, citations, whether
  something was found) and the question, answer and citations copied into each feedback. Off: no
  question text is written for administrators; feedback keeps only the rating and the comment, and
  the reports built from text are empty. Turning it off does not remove what was logged before:
  `purge_log` does. The log is the office's, not the user's: deleting a conversation leaves it.

So, for "keep nothing about questions", turn both off; for private saved chats that administrators
cannot read, turn only ``log`` off.

Concurrency: `rag.accounts.Database` (WAL, a connection per thread, short write transactions that take
turns), so the web server's threads can append, list and rate at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sqlite3
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from .accounts import Database, User
from .errors import AccessDenied, ConversationNotFound, HistoryError
from .types import Citation

TITLE_LENGTH = 30  # characters of the first question that name a new conversation
MAX_TEXT = 100_000  # characters kept of a question, an answer or a comment
Report = Literal["not_found", "low_rated", "most_asked", "feedback"]
REPORTS: tuple[Report, ...] = ("not_found", "low_rated", "most_asked", "feedback")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS uploads (
    doc_id TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    added REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    title TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_user ON conversations (user, updated);
CREATE TABLE IF NOT EXISTS turns (
    id TEXT PRIMARY KEY,
    conversation TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    question TEXT NOT NULL,
    standalone TEXT,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    found INTEGER NOT NULL,
    created REAL NOT NULL,
    UNIQUE (conversation, position)
);
CREATE TABLE IF NOT EXISTS log (
    id INTEGER PRIMARY KEY,
    turn TEXT NOT NULL,
    user TEXT NOT NULL,
    question TEXT NOT NULL,
    standalone TEXT,
    normalized TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    found INTEGER NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS log_found ON log (found, created);
CREATE INDEX IF NOT EXISTS log_normalized ON log (normalized);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    turn TEXT NOT NULL,
    user TEXT NOT NULL,
    good INTEGER NOT NULL,
    comment TEXT NOT NULL,
    question TEXT,
    answer TEXT,
    citations TEXT,
    created REAL NOT NULL,
    UNIQUE (user, turn)
);
CREATE INDEX IF NOT EXISTS feedback_good ON feedback (good, created)
"""


# ------------------------------------------------------------------------------------- value objects


@dataclass(frozen=True)
class Turn:
    """One question and its answer. ``id`` is what feedback refers to; ``standalone`` is the question
    as searched when it was rewritten from a follow-up (None when it was searched as asked)."""

    id: str
    question: str
    answer: str
    citations: tuple[dict[str, Any], ...]
    found: bool
    standalone: str | None
    created: dt.datetime


@dataclass(frozen=True)
class ConversationInfo:
    """A conversation as listed in the sidebar."""

    id: str
    title: str
    created: dt.datetime
    updated: dt.datetime
    turns: int


@dataclass(frozen=True)
class Conversation:
    """A conversation with its turns, oldest first."""

    id: str
    title: str
    created: dt.datetime
    updated: dt.datetime
    turns: tuple[Turn, ...]


@dataclass(frozen=True)
class LoggedQuestion:
    """A question of the log (an administrator's view)."""

    user: str
    question: str
    standalone: str | None
    answer: str
    citations: tuple[dict[str, Any], ...]
    found: bool
    asked: dt.datetime


@dataclass(frozen=True)
class Feedback:
    """A 👍 (``good``) or 👎 with the comment; question, answer and citations as they were, when the
    log was on (None otherwise)."""

    turn: str
    user: str
    good: bool
    comment: str
    question: str | None
    answer: str | None
    citations: tuple[dict[str, Any], ...]
    created: dt.datetime


@dataclass(frozen=True)
class AskedCount:
    """How often a question was asked: ``question`` is its most recent wording (as searched),
    ``normalized`` what the count groups by (`normalize_question`)."""

    normalized: str
    question: str
    count: int
    last: dt.datetime


def normalize_question(text: str) -> str:
    """The form of a question that counts as the same question: NFKC (full-width letters and digits
    as half-width), case folded, without punctuation, spaces or control characters."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZC")


# ------------------------------------------------------------------------------------------ history


class History:
    """Conversations, feedback and the question log in one SQLite file (module docstring).

    Args:
        path: the SQLite file (made when missing).
        conversations: keep saved conversations.
        log: keep the question log and the text of feedback.
        clock: the time in seconds since the epoch (injected by tests).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        conversations: bool = True,
        log: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.keeps_conversations = conversations
        self.keeps_log = log
        self._clock = clock
        self._db = Database(self.path, part="history", version=2, schema=_SCHEMA, error=HistoryError)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------ conversations

    def create(self, user: User, title: str = "") -> ConversationInfo:
        """A new, empty conversation of ``user``; ``title`` "" takes the first question's start."""
        self._need_conversations()
        now = self._clock()
        cid = uuid.uuid4().hex
        title = _title(title)
        with self._db.write() as db:
            db.execute("INSERT INTO conversations VALUES (?, ?, ?, ?, ?)", (cid, _uid(user), title, now, now))
        return ConversationInfo(cid, title, _time(now), _time(now), 0)

    def append(
        self,
        user: User,
        conversation_id: str | None,
        *,
        question: str,
        answer: str,
        citations: Iterable[Citation | Mapping[str, Any]] = (),
        found: bool = True,
        standalone: str | None = None,
    ) -> Turn:
        """Record a question and its answer: as the next turn of the user's conversation (when
        ``conversation_id`` is given; `ConversationNotFound` when it is not theirs), and in the
        question log when the log is on. ``conversation_id`` None records it in the log only (a
        page without saved conversations). Returns the `Turn`, whose ``id`` feedback refers to."""
        if conversation_id is not None:
            self._need_conversations()
        now = self._clock()
        cites = tuple(_citation(c) for c in citations)
        standalone = standalone if standalone and standalone != question else None
        turn = Turn(
            id=uuid.uuid4().hex,
            question=_clip(question),
            answer=_clip(answer),
            citations=cites,
            found=bool(found),
            standalone=_clip(standalone) if standalone else None,
            created=_time(now),
        )
        cites_json = json.dumps(cites, ensure_ascii=False)
        if conversation_id is None and not self.keeps_log:
            return turn
        with self._db.write() as db:
            if conversation_id is not None:
                row = db.execute(
                    "SELECT title, (SELECT COUNT(*) FROM turns WHERE conversation = c.id) "
                    "FROM conversations c WHERE id = ? AND user = ?",
                    (conversation_id, _uid(user)),
                ).fetchone()
                if row is None:
                    raise _not_found()
                db.execute(
                    "INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        turn.id,
                        conversation_id,
                        row[1],
                        turn.question,
                        turn.standalone,
                        turn.answer,
                        cites_json,
                        int(turn.found),
                        now,
                    ),
                )
                title = row[0] or _title(turn.question)
                db.execute(
                    "UPDATE conversations SET updated = ?, title = ? WHERE id = ?", (now, title, conversation_id)
                )
            if self.keeps_log:
                db.execute(
                    "INSERT INTO log (turn, user, question, standalone, normalized, answer, citations, found, created)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        turn.id,
                        _uid(user),
                        turn.question,
                        turn.standalone,
                        normalize_question(turn.standalone or turn.question),
                        turn.answer,
                        cites_json,
                        int(turn.found),
                        now,
                    ),
                )
        return turn

    def conversations(self, user: User) -> list[ConversationInfo]:
        """The user's conversations, the most recently updated first."""
        with self._db.read() as db:
            rows = db.execute(
                "SELECT id, title, created, updated, (SELECT COUNT(*) FROM turns WHERE conversation = c.id) "
                "FROM conversations c WHERE user = ? ORDER BY updated DESC, created DESC, id",
                (_uid(user),),
            ).fetchall()
        return [ConversationInfo(r[0], r[1], _time(r[2]), _time(r[3]), r[4]) for r in rows]

    def load(self, user: User, conversation_id: str) -> Conversation:
        """One of the user's conversations with its turns; `ConversationNotFound` otherwise."""
        with self._db.read() as db:
            # one statement: a consistent view even while another thread appends
            rows = db.execute(
                "SELECT c.title, c.created, c.updated, t.id, t.question, t.answer, t.citations, t.found, "
                "t.standalone, t.created FROM conversations c LEFT JOIN turns t ON t.conversation = c.id "
                "WHERE c.id = ? AND c.user = ? ORDER BY t.position",
                (conversation_id, _uid(user)),
            ).fetchall()
        if not rows:
            raise _not_found()
        title, created, updated = rows[0][:3]
        turns = tuple(
            Turn(r[3], r[4], r[5], tuple(json.loads(r[6])), bool(r[7]), r[8], _time(r[9]))
            for r in rows
            if r[3] is not None
        )
        return Conversation(conversation_id, title, _time(created), _time(updated), turns)

    def rename(self, user: User, conversation_id: str, title: str) -> None:
        """Give one of the user's conversations a new title."""
        title = _title(title)
        if not title:
            raise HistoryError("a conversation needs a title (标题不能为空)")
        with self._db.write() as db:
            done = db.execute(
                "UPDATE conversations SET title = ? WHERE id = ? AND user = ?", (title, conversation_id, _uid(user))
            ).rowcount
            if not done:
                raise _not_found()

    def delete(self, user: User, conversation_id: str) -> None:
        """Delete one of the user's conversations and its turns (the log, if on, keeps its questions)."""
        with self._db.write() as db:
            done = db.execute(
                "DELETE FROM conversations WHERE id = ? AND user = ?", (conversation_id, _uid(user))
            ).rowcount
            if not done:
                raise _not_found()

    # ----------------------------------------------------------------------------------- feedback

    def rate(self, user: User, turn: Turn | str, good: bool, comment: str = "") -> Feedback:
        """Record the user's 👍 (``good``) or 👎 on an answer, with an optional comment; rating the same
        answer again replaces the earlier rating. ``turn`` is the `Turn` that `append` returned, or
        the id of a turn of one of the user's saved conversations (`ConversationNotFound` otherwise)."""
        now = self._clock()
        comment = _clip(comment.strip()) if isinstance(comment, str) else ""
        with self._db.write() as db:
            if isinstance(turn, str):
                turn = self._saved_turn(db, user, turn)
            else:
                owner = db.execute(
                    "SELECT c.user FROM turns t JOIN conversations c ON c.id = t.conversation WHERE t.id = ?",
                    (turn.id,),
                ).fetchone()
                if owner is not None and owner[0] != _uid(user):
                    raise _not_found()
            text = self.keeps_log
            cites_json = json.dumps(turn.citations, ensure_ascii=False) if text else None
            db.execute(
                "INSERT INTO feedback (turn, user, good, comment, question, answer, citations, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user, turn) DO UPDATE SET good = excluded.good, "
                "comment = excluded.comment, question = excluded.question, answer = excluded.answer, "
                "citations = excluded.citations, created = excluded.created",
                (
                    turn.id,
                    _uid(user),
                    int(bool(good)),
                    comment,
                    turn.standalone or turn.question if text else None,
                    turn.answer if text else None,
                    cites_json,
                    now,
                ),
            )
        return Feedback(
            turn=turn.id,
            user=_uid(user),
            good=bool(good),
            comment=comment,
            question=(turn.standalone or turn.question) if text else None,
            answer=turn.answer if text else None,
            citations=turn.citations if text else (),
            created=_time(now),
        )

    @staticmethod
    def _saved_turn(db: sqlite3.Connection, user: User, turn_id: str) -> Turn:
        row = db.execute(
            "SELECT t.id, t.question, t.answer, t.citations, t.found, t.standalone, t.created FROM turns t "
            "JOIN conversations c ON c.id = t.conversation WHERE t.id = ? AND c.user = ?",
            (turn_id, _uid(user)),
        ).fetchone()
        if row is None:
            raise _not_found()
        return Turn(row[0], row[1], row[2], tuple(json.loads(row[3])), bool(row[4]), row[5], _time(row[6]))

    # ------------------------------------------------------------------------------------ reports

    def not_found(self, admin: User, *, limit: int = 500, since: dt.datetime | None = None) -> list[LoggedQuestion]:
        """Questions answered "not found", newest first (an admin's report; empty with the log off)."""
        _need_admin(admin)
        with self._db.read() as db:
            rows = db.execute(
                "SELECT user, question, standalone, answer, citations, found, created FROM log "
                "WHERE found = 0 AND created >= ? ORDER BY created DESC, id DESC LIMIT ?",
                (_since(since), limit),
            ).fetchall()
        return [LoggedQuestion(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), bool(r[5]), _time(r[6])) for r in rows]

    def ratings(
        self, admin: User, *, good: bool | None = None, limit: int = 500, since: dt.datetime | None = None
    ) -> list[Feedback]:
        """Feedback, newest first: all of it, or only 👍 (``good=True``) or 👎 (``good=False``)."""
        _need_admin(admin)
        where = "" if good is None else f"AND good = {int(good)}"
        with self._db.read() as db:
            rows = db.execute(
                "SELECT turn, user, good, comment, question, answer, citations, created FROM feedback "
                f"WHERE created >= ? {where} ORDER BY created DESC, id DESC LIMIT ?",
                (_since(since), limit),
            ).fetchall()
        return [
            Feedback(r[0], r[1], bool(r[2]), r[3], r[4], r[5], tuple(json.loads(r[6])) if r[6] else (), _time(r[7]))
            for r in rows
        ]

    def low_rated(self, admin: User, *, limit: int = 500, since: dt.datetime | None = None) -> list[Feedback]:
        """Answers rated 👎, newest first, with their comments."""
        return self.ratings(admin, good=False, limit=limit, since=since)

    def most_asked(self, admin: User, *, limit: int = 50, since: dt.datetime | None = None) -> list[AskedCount]:
        """The most-asked questions (as searched, `normalize_question`d), most often first."""
        _need_admin(admin)
        with self._db.read() as db:
            rows = db.execute(
                "SELECT normalized, COUNT(*) AS n, MAX(created) AS last, "
                "(SELECT COALESCE(l2.standalone, l2.question) FROM log l2 WHERE l2.normalized = l.normalized "
                " ORDER BY l2.created DESC, l2.id DESC LIMIT 1) "
                "FROM log l WHERE created >= ? AND normalized != '' GROUP BY normalized "
                "ORDER BY n DESC, last DESC LIMIT ?",
                (_since(since), limit),
            ).fetchall()
        return [AskedCount(r[0], r[3], r[1], _time(r[2])) for r in rows]

    def export_csv(
        self,
        admin: User,
        report: Report,
        target: str | os.PathLike[str] | IO[str],
        *,
        limit: int = 100_000,
        since: dt.datetime | None = None,
    ) -> int:
        """Write a report as CSV: to a file path (UTF-8 with a BOM, so that Excel reads the Chinese;
        written beside and moved in place) or to an open text stream. Returns the number of rows.
        Cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) get a
        leading ``'``."""
        header, rows = self._report_rows(admin, report, limit, since)
        if isinstance(target, str | os.PathLike):
            path = Path(target)
            tmp: str | None = None
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
                with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as f:
                    _write_csv(f, header, rows)
                os.replace(tmp, path)
                tmp = None
            except OSError as exc:
                raise HistoryError(f"cannot write '{path}' ({exc.strerror or exc})") from None
            finally:
                if tmp is not None:
                    Path(tmp).unlink(missing_ok=True)
        else:
            _write_csv(target, header, rows)
        return len(rows)

    def csv_text(self, admin: User, report: Report, *, limit: int = 100_000, since: dt.datetime | None = None) -> str:
        """A report as CSV text (no BOM), e.g. for a download built in memory."""
        out = io.StringIO()
        self.export_csv(admin, report, out, limit=limit, since=since)
        return out.getvalue()

    def _report_rows(
        self, admin: User, report: Report, limit: int, since: dt.datetime | None
    ) -> tuple[list[str], list[list[str]]]:
        if report == "not_found":
            return ["asked", "user", "question", "searched"], [
                [_local(q.asked), q.user, q.question, q.standalone or ""]
                for q in self.not_found(admin, limit=limit, since=since)
            ]
        if report in ("low_rated", "feedback"):
            found = self.ratings(admin, good=False if report == "low_rated" else None, limit=limit, since=since)
            return ["rated", "user", "rating", "comment", "question", "answer", "sources"], [
                [
                    _local(f.created),
                    f.user,
                    "👍" if f.good else "👎",
                    f.comment,
                    f.question or "",
                    f.answer or "",
                    _sources(f.citations),
                ]
                for f in found
            ]
        if report == "most_asked":
            return ["question", "count", "last asked"], [
                [a.question, str(a.count), _local(a.last)] for a in self.most_asked(admin, limit=limit, since=since)
            ]
        raise HistoryError(f"no report '{report}': one of {', '.join(REPORTS)}")

    def record_upload(self, user: User, doc_ids: Iterable[str]) -> None:
        """Note that ``user`` added (or replaced) these documents through the page, now."""
        now = self._clock()
        with self._db.write() as db:
            db.executemany("INSERT OR REPLACE INTO uploads VALUES (?, ?, ?)", ((d, user.id, now) for d in doc_ids))

    def uploads(self) -> dict[str, tuple[str, dt.datetime]]:
        """Who added each document that came through the page, and when: doc_id → (user id, time)."""
        with self._db.read() as db:
            return {d: (u, _time(t)) for d, u, t in db.execute("SELECT doc_id, user, added FROM uploads")}

    def purge_log(self, admin: User, *, before: dt.datetime | None = None) -> int:
        """Delete the question log (all of it, or what is older than ``before``) and the text kept
        with feedback of that time; ratings and comments stay. Returns how many questions went."""
        _need_admin(admin)
        cutoff = before.timestamp() if before is not None else float("inf")
        with self._db.write() as db:
            n = db.execute("DELETE FROM log WHERE created < ?", (cutoff,)).rowcount
            db.execute(
                "UPDATE feedback SET question = NULL, answer = NULL, citations = NULL WHERE created < ?", (cutoff,)
            )
        return int(n)

    def _need_conversations(self) -> None:
        if not self.keeps_conversations:
            raise HistoryError("saved conversations are turned off on this server (本服务器未开启会话保存)")


# ---------------------------------------------------------------------------------------- helpers


def _uid(user: User) -> str:
    if not isinstance(user, User):
        raise TypeError(f"expected a rag.accounts.User, not {type(user).__name__}")
    return user.id


def _need_admin(user: User) -> None:
    if not _uid(user) or not user.is_admin:
        raise AccessDenied("only an administrator may see the question log and feedback (仅管理员可查看)")


def _not_found() -> ConversationNotFound:
    return ConversationNotFound("no such conversation (会话不存在或已删除)")


def _time(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, dt.UTC)


def _since(since: dt.datetime | None) -> float:
    return since.timestamp() if since is not None else float("-inf")


def _local(when: dt.datetime) -> str:
    return when.astimezone().isoformat(timespec="seconds")


def _clip(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"expected text, not {type(text).__name__}")
    return text[:MAX_TEXT]


def _title(text: str) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1] + "…"


def _citation(c: Citation | Mapping[str, Any]) -> dict[str, Any]:
    """A citation as stored: `Citation.to_dict`, or a mapping of JSON values as given."""
    out = c.to_dict() if isinstance(c, Citation) else dict(c)
    try:
        json.dumps(out, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise HistoryError(f"a citation must hold JSON values only ({exc})") from None
    return out


def _sources(citations: Sequence[Mapping[str, Any]]) -> str:
    """Citations as lines ``[n] title date source`` for one CSV cell."""
    lines = []
    for i, c in enumerate(citations, 1):
        parts = [str(c.get(k) or "") for k in ("title", "date", "url", "source")]
        lines.append(f"[{c.get('n', i)}] " + " ".join(p for p in parts if p))
    return "\n".join(lines)


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA) else value


def _write_csv(out: IO[str], header: list[str], rows: list[list[str]]) -> None:
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
