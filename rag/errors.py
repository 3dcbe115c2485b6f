"""Errors a user can act on. Each message says what went wrong and what to do."""


class RagError(Exception):
    """Base class: the CLI prints the message on one line and exits non-zero."""


class SettingsError(RagError):
    """A setting (an environment variable or an option) has a value that cannot be used."""


class IndexNotFound(RagError):
    """No index at the given place yet."""


class IndexMismatch(RagError):
    """The index was built with another model, format or settings than the ones asked for."""


class IndexCorrupt(RagError):
    """The index files cannot be read."""


class DiskFull(RagError):
    """The disk filled up while a new index was written; the previous index, if any, is intact."""


class ModelNotFound(RagError):
    """The embedding model cannot be loaded from disk."""


class NoDocuments(RagError):
    """The sources held no readable document. ``skipped`` lists ``(where, reason)`` of each file tried."""

    def __init__(self, message: str, skipped: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.skipped = skipped or []


class AccountsError(RagError):
    """The accounts file (users and groups) cannot be read or written, or a change to it is not valid."""


class AccessDenied(RagError):
    """The signed-in user may not do this (an administrator's task)."""


class ConversationNotFound(RagError):
    """No such conversation or answer among the user's own; another user's is reported the same way."""


class HistoryError(RagError):
    """The office database (conversations, feedback, the question log) cannot be used, or the part
    asked for is turned off."""
