"""Command line: ``rag index``, ``ask``, ``search``, ``meetings``, ``collections``, ``eval``, ``serve``, and
``users`` / ``groups`` for the accounts file. Errors are one line on stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from .config import BACKENDS, Settings
from .errors import NoDocuments, RagError

if TYPE_CHECKING:
    from .accounts import Accounts, User


def _index(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from . import ocr
    from .api import Assistant

    bar: tqdm | None = None

    def on_plan(total: int) -> None:
        nonlocal bar
        bar = tqdm(total=total, unit="chunk", desc="embedding", file=sys.stderr, disable=total == 0)

    def progress(n: int) -> None:
        if bar is not None:
            bar.update(n)

    size = args.chunk_size or args.settings.chunk_size
    if args.chunk_overlap is not None and args.chunk_overlap >= size:
        raise RagError(f"--chunk-overlap ({args.chunk_overlap}) must be smaller than the chunk size ({size})")
    print(f"reading {', '.join(args.sources)} …", file=sys.stderr)
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings name no file; skipped files are listed
    pages = _PageBars()
    try:
        with ocr.reporting(pages):
            a = Assistant.build(
                args.sources,
                args.index,
                model=args.model,
                backend=args.backend,
                chunk_size=args.chunk_size,
                chunk_overlap=args.chunk_overlap,
                max_file_mb=args.max_file_mb,
                on_plan=on_plan,
                progress=progress,
                merge=args.merge,
                store=args.store,
            )
    except NoDocuments as exc:
        _print_skipped(exc.skipped)
        raise
    finally:
        pages.close()
        if bar is not None:
            bar.close()
    s, loaded = a.last_build, a.last_load
    assert s is not None and loaded is not None
    _print_skipped(loaded.skipped)
    for where, note in loaded.notes:
        print(f"note {where}: {note}", file=sys.stderr)
    speed = f", {s.chunks_per_second:.1f} chunks/s" if s.embedded_chunks else ""
    print(
        f"index {a.store.path}: {s.documents} documents ({s.reused_documents} unchanged, "
        f"{s.removed_documents} removed), {s.chunks} chunks, {s.embedded_chunks} embedded{speed}, "
        f"{len(loaded.skipped)} skipped, {s.seconds:.1f} s"
    )
    if a.store.manifest.get("store"):
        print(f"searches run in {a.store.manifest['store']}")
    return 0


class _PageBars:
    """A progress bar of pages for each file being OCRed (`rag.ocr.reporting`), on stderr."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.source: str | None = None

    def __call__(self, source: str, page: int, pages: int) -> None:
        from tqdm import tqdm

        if source != self.source or self.bar is None:
            self.close()
            self.source = source
            self.bar = tqdm(total=pages, unit="page", desc=f"OCR {Path(source).name}", file=sys.stderr)
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        self.bar = None


def _print_skipped(skipped: list[tuple[str, str]]) -> None:
    for where, reason in skipped:
        print(f"skipped {where}: {reason}", file=sys.stderr)


def _ask(args: argparse.Namespace) -> int:
    from .api import Assistant
    from .config import LLMConfig
    from .types import Answer

    question = sys.stdin.read() if args.question == "-" else args.question
    if not question.strip():
        raise RagError("the question is empty")
    a = Assistant.load(args.index, model=args.model, backend=args.backend)
    if args.today:
        a.settings = a.settings.with_(today=args.today)
    a.use_llm(
        None
        if args.no_llm
        else LLMConfig.from_env(
            base_url=args.llm_base_url, model=args.llm_model, timeout=args.llm_timeout, provider=args.llm_provider
        )
    )
    out = sys.stderr if args.json else sys.stdout
    streamed: list[str] = []
    ans: Answer | None = None
    for part in a.stream(
        question.strip(),
        k=args.k,
        date_from=args.date_from,
        date_to=args.date_to,
        doc_ids=args.doc or None,
        collections=args.collection,
    ):
        if isinstance(part, Answer):
            ans = part
        elif args.stream:
            streamed.append(part)
            out.write(part)
            out.flush()
    assert ans is not None  # a stream ends with its answer
    if streamed:
        out.write("\n")
    if ans.note:
        print(f"rag: note: {ans.note}", file=sys.stderr)
    if args.json:
        print(json.dumps(ans.to_dict(), ensure_ascii=False))
        return 0
    if streamed and "".join(streamed).strip() == ans.text:
        pass  # what streamed is the answer
    elif streamed:
        print(f"\n核对引用后的回答（{ans.answerer}）：\n{ans.text}")
    else:
        print(ans.text)
    for c in ans.citations:
        print(f"\n[{c.n}] {c.title}  {c.date or ''}  {c.source}{f'  第{c.page}页' if c.page else ''}")
        print(f"    {c.text[:160]}{'…' if len(c.text) > 160 else ''}")
    return 0


def _search(args: argparse.Namespace) -> int:
    from .api import Assistant

    question = sys.stdin.read() if args.question == "-" else args.question
    a = Assistant.load(args.index, model=args.model, backend=args.backend)
    hits = a.search(
        question.strip(), k=args.k, date_from=args.date_from, date_to=args.date_to, collections=args.collection
    )
    if args.json:
        rows = [
            {
                "doc_id": h.chunk.doc_id,
                "title": h.chunk.title,
                "date": h.chunk.date,
                "source": h.chunk.source,
                "collection": h.chunk.collection,
                "text": h.chunk.text,
                "start": h.chunk.start,
                "end": h.chunk.end,
                "score": round(h.score, 4),
            }
            for h in hits
        ]
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for n, h in enumerate(hits, 1):
        print(f"[{n}] {h.score:.3f}  {h.chunk.title}  {h.chunk.date or ''}  {h.chunk.source}")
        print(f"    {h.chunk.text[:160]}{'…' if len(h.chunk.text) > 160 else ''}")
    return 0


def _collections(args: argparse.Namespace) -> int:
    from .api import Assistant

    a = Assistant.load(args.index, model=args.model, backend=args.backend)
    counts = a.collections()
    if args.json:
        print(json.dumps(counts, ensure_ascii=False))
        return 0
    for name, n in counts.items():
        print(f"{name or '(default)'}\t{n}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .api import Assistant
    from .evaluate import default_index_dir, evaluate, evaluate_many, is_many, load_dataset, load_many

    if is_many(args.dataset):  # questions about many meetings, over --index
        questions = load_many(args.dataset)  # checked before the index is opened
        a = Assistant.load(args.index, model=args.model, backend=args.backend)
        _report(evaluate_many(a, questions), args.json)
        return 0
    dataset = load_dataset(args.dataset)
    if dataset.documents is not None:  # SQuAD: index the contexts (reused while unchanged)
        settings = args.settings
        model, backend = args.model or settings.model, args.backend or settings.backend
        index = args.index_given or str(default_index_dir(dataset, f"{model}-{backend}"))
        with tqdm(unit="chunk", desc="embedding contexts", file=sys.stderr) as bar:
            a = Assistant.from_documents(
                dataset.documents,
                index,
                model=model,
                backend=backend,
                on_plan=lambda n: bar.reset(total=n),
                progress=bar.update,
            )
    else:
        a = Assistant.load(args.index, model=args.model, backend=args.backend)
    with tqdm(total=len(dataset.questions), unit="q", desc="questions", file=sys.stderr) as bar:
        result = evaluate(a, dataset, k=args.k, progress=bar.update)
    _report(result, args.json)
    return 0


def _report(result: dict[str, object], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    for key, value in result.items():
        print(f"{key:24} {value:.4f}" if isinstance(value, float) else f"{key:24} {value}")


def _meetings(args: argparse.Namespace) -> int:
    from .api import Assistant

    a = Assistant.load(args.index, model=args.model, backend=args.backend)
    found = a.meetings(
        args.kind,
        date_from=args.date_from,
        date_to=args.date_to,
        person=args.person,
        role=args.role,
        collections=args.collection,
    )
    if args.json:
        print(json.dumps([m.to_dict() for m in found], ensure_ascii=False))
        return 0
    for m in found:
        presided = "、".join(p.name for p in m.people if p.role == "presided")
        decided = "；".join(d.text for d in m.decisions[:4]) + ("…" if len(m.decisions) > 4 else "")
        print("\t".join([m.date or "", m.name, presided, decided, m.doc_id]))
    print(f"{len(found)} meetings", file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> int:
    try:
        from .web import main as serve
    except ImportError as exc:  # gradio missing from a slim install
        raise RagError(f"the web app needs gradio ({exc}): pip install gradio") from exc

    serve(settings=Settings.from_env(index_dir=args.index_given, port=args.port), rebuild=args.rebuild)
    return 0


# ------------------------------------------------------------------------------------- accounts


def _accounts_path(args: argparse.Namespace) -> Path:
    """``--accounts``, else ``$RAG_ACCOUNTS``, else ``accounts.toml`` in the working folder."""
    return Path(args.accounts or args.settings.accounts_file or "accounts.toml")


def _open_accounts(args: argparse.Namespace, *, create: bool = False) -> Accounts:
    """The accounts file; with ``create`` a missing one is empty, written by the first change."""
    from . import accounts

    path = _accounts_path(args)
    if not create and not path.exists():
        raise RagError(
            f"no accounts file at '{path}': `rag groups set` and `rag users add` create one "
            "(--accounts FILE or RAG_ACCOUNTS name another) (没有账号文件)"
        )
    # the module's DEFAULT_SCRYPT, read now: tests make hashing cheap by replacing it
    return accounts.Accounts.load(path, create=create, scrypt=accounts.DEFAULT_SCRYPT)


def _said_created(accounts: Accounts, existed: bool) -> None:
    if not existed and accounts.path.exists():
        print(f"rag: created accounts file {accounts.path}", file=sys.stderr)


def _collections_text(collections: Sequence[str] | None) -> str:
    if collections is None:
        return "*"
    return ", ".join(collections) or "-"


def _users_list(args: argparse.Namespace) -> int:
    accounts = _open_accounts(args)
    users = accounts.users
    if args.json:
        rows = [
            {
                "id": u.id,
                "name": u.name,
                "role": u.role,
                "groups": list(u.groups),
                "collections": ["*"] if u.collections is None else list(u.collections),
                "has_password": accounts.has_password(u.id),
            }
            for u in users
        ]
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for u in users:
        signs_in = "" if accounts.has_password(u.id) else "\t(no password: cannot sign in)"
        groups = ", ".join(u.groups) or "-"
        print(f"{u.id}\t{u.name}\t{u.role}\t{groups}\t{_collections_text(u.collections)}{signs_in}")
    print(f"{len(users)} users in {accounts.path}", file=sys.stderr)
    return 0


def _read_password(args: argparse.Namespace, user_id: str) -> str:
    """A new password: one line of stdin with ``--password-stdin``, else typed twice (not echoed)."""
    if args.password_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        return password[:-1] if password.endswith("\r") else password
    import getpass

    try:
        first = getpass.getpass(f"new password for {user_id} (新密码): ")
        second = getpass.getpass("again (再输入一次): ")
    except EOFError:
        raise RagError("no password given (use --password-stdin to read it from stdin)") from None
    if first != second:
        raise RagError("the two passwords differ; nothing was changed (两次输入的密码不一致)")
    return first


def _check_groups(accounts: Accounts, groups: Sequence[str]) -> None:
    known = {g.name for g in accounts.groups}
    for g in groups:
        if g not in known:
            raise RagError(f"no group '{g}': create it first with `rag groups set {g} --collection NAME` (没有这个组)")


def _users_add(args: argparse.Namespace) -> int:
    from .accounts import ADMIN, USER

    existed = _accounts_path(args).exists()
    accounts = _open_accounts(args, create=True)
    # refused before the password is asked: what the change itself would refuse later
    if accounts.user(args.id) is not None:
        raise RagError(f"user '{args.id}' already exists; `rag users set` or `rag users passwd` change it (用户已存在)")
    _check_groups(accounts, args.group or [])
    if not args.admin and not accounts.users:
        raise RagError(
            f"the first user must be an admin: `rag users add NAME --admin` first, then {args.id} (第一个用户须为管理员)"
        )
    password = _read_password(args, args.id)
    user = accounts.add_user(
        args.id, password, name=args.name or "", groups=args.group or [], role=ADMIN if args.admin else USER
    )
    _said_created(accounts, existed)
    print(f"added {_user_line(user)}")
    return 0


def _users_passwd(args: argparse.Namespace) -> int:
    accounts = _open_accounts(args)
    if accounts.user(args.id) is None:
        raise RagError(f"no user '{args.id}' in {accounts.path} (没有这个用户)")
    accounts.set_password(args.id, _read_password(args, args.id))
    print(f"changed the password of {args.id}")
    _end_sessions(args, args.id, done=f"the password of {args.id} was changed")
    return 0


def _users_set(args: argparse.Namespace) -> int:
    if args.name is None and args.group is None and not args.no_groups and args.role is None:
        raise RagError("nothing to change: give --name, --group, --no-groups or --role")
    accounts = _open_accounts(args)
    groups = [] if args.no_groups else args.group
    if groups:
        _check_groups(accounts, groups)
    user = accounts.update_user(args.id, name=args.name, groups=groups, role=args.role)
    print(_user_line(user))
    return 0


def _user_line(user: User) -> str:
    groups = ", ".join(user.groups) or "-"
    return f"{user.id} ({user.name}): {user.role}, groups {groups}, reads {_collections_text(user.collections)}"


def _users_remove(args: argparse.Namespace) -> int:
    accounts = _open_accounts(args)
    accounts.remove_user(args.id)
    print(f"removed {args.id}")
    _end_sessions(args, args.id, done=f"{args.id} was removed")
    return 0


def _end_sessions(args: argparse.Namespace, user_id: str, *, done: str) -> None:
    """End ``user_id``'s sessions in the office database, when there is one (the web app makes it;
    none means nobody ever signed in there)."""
    from .accounts import Sessions

    settings = args.settings if args.index_given is None else args.settings.with_(index_dir=args.index_given)
    db = settings.office_path
    if not db.is_file():
        return
    try:
        with Sessions(db) as sessions:
            n = sessions.end_user(user_id)
    except RagError as exc:
        raise RagError(f"{done}, but their sessions could not be ended: {exc}") from None
    if n:
        print(f"ended {n} session{'s' if n != 1 else ''} of {user_id} ({db})", file=sys.stderr)


def _groups_list(args: argparse.Namespace) -> int:
    accounts = _open_accounts(args)
    members = {g.name: [u.id for u in accounts.users if g.name in u.groups] for g in accounts.groups}
    if args.json:
        rows = [
            {"name": g.name, "collections": list(g.collections), "members": members[g.name]} for g in accounts.groups
        ]
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for g in accounts.groups:
        print(f"{g.name}\t{', '.join(g.collections) or '-'}\t{', '.join(members[g.name]) or '-'}")
    print(f"{len(accounts.groups)} groups in {accounts.path}", file=sys.stderr)
    return 0


def _groups_set(args: argparse.Namespace) -> int:
    existed = _accounts_path(args).exists()
    accounts = _open_accounts(args, create=True)
    group = accounts.set_group(args.name, args.collection)
    _said_created(accounts, existed)
    print(f"group {group.name} reads: {', '.join(group.collections)}")
    return 0


def _groups_remove(args: argparse.Namespace) -> int:
    accounts = _open_accounts(args)
    accounts.remove_group(args.name)
    print(f"removed group {args.name}")
    return 0


def _collection_name(value: str) -> str:
    if not value.strip():
        raise argparse.ArgumentTypeError("a collection name cannot be empty ('*' means every collection)")
    return value


def _positive(value: str) -> int:
    n = int(value)
    if n <= 0:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return n


def _non_negative(value: str) -> int:
    n = int(value)
    if n < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return n


def _megabytes(value: str) -> float:
    import math

    n = float(value)
    if not math.isfinite(n) or n <= 0 or n > 2**20:
        raise argparse.ArgumentTypeError("must be a positive number of megabytes")
    return n


def _iso_date(value: str) -> str:
    import datetime as dt

    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise argparse.ArgumentTypeError("dates are written YYYY-MM-DD") from exc


_COLLECTION_HELP = (
    "only documents of this collection (repeatable; '' is the default one): "
    "the first folder under the folder indexed, or a JSONL record's 'collection'"
)


class _Parser(argparse.ArgumentParser):
    """Bad arguments: one line on stderr that says where to look, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="rag", description="Questions over Chinese meeting records, answered with numbered citations. Offline."
    )
    sub = p.add_subparsers(dest="command", required=True)
    common = _Parser(add_help=False)
    common.add_argument("--index", default=None, help="index folder (default: $RAG_INDEX_DIR or ./index)")
    common.add_argument(
        "--model",
        default=None,
        help="sentence-transformers model name or folder (default: $RAG_MODEL or m3e-small; "
        "`ask` uses the index's model)",
    )
    common.add_argument(
        "--backend",
        choices=BACKENDS,
        default=None,
        help="how the model runs: onnx-int8 (default, $RAG_BACKEND), onnx-fp32, torch; `ask` uses the index's",
    )

    pi = sub.add_parser("index", parents=[common], help="build or update the index so that it mirrors SOURCES")
    pi.add_argument("sources", nargs="+", help="files or folders (.txt .md .jsonl .docx .pdf .html)")
    pi.add_argument("--chunk-size", type=_positive, default=None, help="characters per chunk (default 400)")
    pi.add_argument("--chunk-overlap", type=_non_negative, default=None, help="overlap in characters (default 80)")
    pi.add_argument(
        "--max-file-mb",
        type=_megabytes,
        default=None,
        help="larger files (records of .jsonl) are reported, not read (default 10, $RAG_MAX_FILE_MB)",
    )
    pi.add_argument(
        "--merge",
        action="store_true",
        help="write the whole index as one segment (an update otherwise writes only what changed)",
    )
    pi.add_argument(
        "--store",
        default=None,
        help="where searches run: local (the index's files), milvus:PATH.db (Milvus Lite) or "
        "milvus://HOST:PORT[/NAME] (a Milvus server); recorded in the index (default: $RAG_STORE, else as recorded)",
    )
    pi.set_defaults(func=_index)

    pa = sub.add_parser("ask", parents=[common], help="answer a question with citations")
    pa.add_argument("question", help="the question, or - to read it from stdin")
    pa.add_argument("--k", type=_positive, default=5, help="passages to retrieve (default 5)")
    pa.add_argument("--json", action="store_true", help="print one JSON object")
    pa.add_argument("--from", dest="date_from", type=_iso_date, help="only documents dated on or after")
    pa.add_argument("--to", dest="date_to", type=_iso_date, help="only documents dated on or before")
    pa.add_argument("--doc", action="append", help="only this document id (repeatable)")
    pa.add_argument("--collection", action="append", help=_COLLECTION_HELP)
    pa.add_argument("--stream", action="store_true", help="print the language model's reply as it arrives")
    pa.add_argument("--llm-base-url", help="chat model server, OpenAI-compatible or Ollama ($RAG_LLM_BASE_URL)")
    pa.add_argument("--llm-model", help="chat model name ($RAG_LLM_MODEL)")
    pa.add_argument("--llm-provider", choices=("openai", "ollama"), help="API of the server ($RAG_LLM_PROVIDER)")
    pa.add_argument("--llm-timeout", type=float, help="seconds to wait for the model ($RAG_LLM_TIMEOUT, default 60)")
    pa.add_argument("--no-llm", action="store_true", help="extractive answer even when a chat model is configured")
    pa.add_argument("--today", type=_iso_date, help="the day 今年 / 去年 / 近三个月 count from ($RAG_TODAY)")
    pa.set_defaults(func=_ask)

    pq = sub.add_parser("search", parents=[common], help="the passages most relevant to a question, best first")
    pq.add_argument("question", help="the question, or - to read it from stdin")
    pq.add_argument("--k", type=_positive, default=5, help="passages (default 5)")
    pq.add_argument("--from", dest="date_from", type=_iso_date, help="only documents dated on or after")
    pq.add_argument("--to", dest="date_to", type=_iso_date, help="only documents dated on or before")
    pq.add_argument("--collection", action="append", help=_COLLECTION_HELP)
    pq.add_argument("--json", action="store_true", help="print one JSON array")
    pq.set_defaults(func=_search)

    pe = sub.add_parser("eval", parents=[common], help="measure retrieval and answers on a question set")
    pe.add_argument("dataset", help="SQuAD-format .json (its contexts are indexed) or .jsonl questions over --index")
    pe.add_argument("--k", type=_positive, default=5, help="passages per answer (default 5)")
    pe.add_argument("--json", action="store_true", help="print one JSON object")
    pe.set_defaults(func=_eval)

    pm = sub.add_parser("meetings", parents=[common], help="list the meetings the documents report")
    pm.add_argument("--kind", help="a kind of meeting, or part of it (常务会议)")
    pm.add_argument("--from", dest="date_from", type=_iso_date, help="held on or after")
    pm.add_argument("--to", dest="date_to", type=_iso_date, help="held on or before")
    pm.add_argument("--person", help="naming this person (in any role, or in --role)")
    pm.add_argument("--role", choices=["presided", "attended", "spoke", "reported"], help="the person's role")
    pm.add_argument("--collection", action="append", help=_COLLECTION_HELP)
    pm.add_argument("--json", action="store_true", help="print one JSON array")
    pm.set_defaults(func=_meetings)

    pc = sub.add_parser("collections", parents=[common], help="list the collections with their numbers of documents")
    pc.add_argument("--json", action="store_true", help="print one JSON object")
    pc.set_defaults(func=_collections)

    ps = sub.add_parser("serve", parents=[common], help="run the web chat (app.py) over the index")
    ps.add_argument("--port", type=_positive, default=None, help="port (default: $GRADIO_SERVER_PORT or 7860)")
    ps.add_argument(
        "--rebuild",
        action="store_true",
        help="rebuild the index from corpus/ even when it was built from other files (it is served as it is otherwise)",
    )
    ps.set_defaults(func=_serve)

    _account_commands(sub)
    return p


def _account_commands(sub: argparse._SubParsersAction[_Parser]) -> None:
    """``rag users …`` and ``rag groups …``: the accounts file, without editing TOML by hand."""
    where = _Parser(add_help=False)
    where.add_argument(
        "--accounts", metavar="FILE", default=None, help="the accounts file (default: $RAG_ACCOUNTS or ./accounts.toml)"
    )
    listing = _Parser(add_help=False)
    listing.add_argument("--json", action="store_true", help="print one JSON array")
    sessions = _Parser(add_help=False)
    sessions.add_argument(
        "--index",
        default=None,
        help="index folder whose neighbour office.sqlite holds the sessions to end "
        "(default: $RAG_OFFICE_DB, else next to $RAG_INDEX_DIR or ./index)",
    )
    password = _Parser(add_help=False)
    password.add_argument(
        "--password-stdin", action="store_true", help="read the password from one line of stdin instead of asking"
    )

    pu = sub.add_parser("users", help="list, add, change and remove the users of the accounts file")
    users = pu.add_subparsers(required=True)
    u = users.add_parser("list", parents=[where, listing], help="id, name, role, groups and collections of each user")
    u.set_defaults(func=_users_list)
    u = users.add_parser("add", parents=[where, password], help="add a user (the password is asked twice)")
    u.add_argument("id", help="login name")
    u.add_argument("--name", help="name shown (default: the login name)")
    u.add_argument("--group", action="append", help="a group the user belongs to (repeatable)")
    u.add_argument("--admin", action="store_true", help="an administrator: reads every collection, manages the office")
    u.set_defaults(func=_users_add)
    u = users.add_parser(
        "passwd", parents=[where, password, sessions], help="set a user's password; ends their sessions"
    )
    u.add_argument("id", help="login name")
    u.set_defaults(func=_users_passwd)
    u = users.add_parser("set", parents=[where], help="change a user's name, groups or role")
    u.add_argument("id", help="login name")
    u.add_argument("--name", help="name shown")
    member = u.add_mutually_exclusive_group()
    member.add_argument("--group", action="append", help="the user's groups, replacing the old ones (repeatable)")
    member.add_argument("--no-groups", action="store_true", help="take the user out of every group")
    u.add_argument("--role", choices=("user", "admin"), help="user, or admin (reads everything)")
    u.set_defaults(func=_users_set)
    u = users.add_parser("remove", parents=[where, sessions], help="remove a user and end their sessions")
    u.add_argument("id", help="login name")
    u.set_defaults(func=_users_remove)

    pg = sub.add_parser("groups", help="list, set and remove the groups of the accounts file")
    groups = pg.add_subparsers(required=True)
    g = groups.add_parser("list", parents=[where, listing], help="each group with its collections and members")
    g.set_defaults(func=_groups_list)
    g = groups.add_parser("set", parents=[where], help="add a group or replace the collections it reads")
    g.add_argument("name", help="group name")
    g.add_argument(
        "--collection",
        action="append",
        required=True,
        type=_collection_name,
        help="a collection the group reads (repeatable); '*' means every collection",
    )
    g.set_defaults(func=_groups_set)
    g = groups.add_parser("remove", parents=[where], help="remove a group that has no members")
    g.add_argument("name", help="group name")
    g.set_defaults(func=_groups_remove)


def _log_to_stderr() -> None:
    """Warnings of the rag package (e.g. waiting for another build) as ``rag: …`` lines on stderr."""
    log = logging.getLogger("rag")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("rag: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    _log_to_stderr()
    args.index_given = getattr(args, "index", None)
    try:
        args.settings = Settings.from_env()  # every environment variable checked once, at start
        if getattr(args, "index", None) is None:
            args.index = args.settings.index_dir
        return int(args.func(args))
    except RagError as exc:
        print(f"rag: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:  # e.g. the index folder cannot be written
        print(f"rag: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rag: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
