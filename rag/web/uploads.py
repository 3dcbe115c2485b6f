"""Checks on uploaded files before anything is saved: name, size, type, content, and ids.

An upload is refused with a reason a user can read (in Chinese) unless it is a plain file name, at
most the size limit, of a supported type whose content matches, loads into at least one document,
and takes no document id that belongs to another file. Accepted files are saved atomically.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

from rag import SUPPORTED_SUFFIXES, load_documents


class UploadRefused(ValueError):
    """An uploaded file is not accepted; the message says why (shown to the user)."""


def upload_target(name: str, uploads: Path) -> Path:
    """Where an uploaded file called ``name`` is saved: directly inside ``uploads``. Names with a
    folder part (``../../x``, ``a/b``, ``C:\\x``), absolute names, hidden or empty names and names
    with control characters are refused, not cleaned up."""
    if not name or name in (".", "..") or name != name.strip() or len(name.encode()) > 200:
        raise UploadRefused("文件名无效")
    if "/" in name or "\\" in name or os.path.isabs(name) or re.match(r"^[A-Za-z]:", name):
        raise UploadRefused("文件名不能包含路径")
    if name.startswith(".") or any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in name):
        raise UploadRefused("文件名无效")
    target = (uploads / unicodedata.normalize("NFC", name)).resolve()
    if target.parent != uploads.resolve():
        raise UploadRefused("文件名不能包含路径")
    return target


def check_upload(src: Path, uploads: Path, max_bytes: int, existing: dict[str, str] | None = None) -> Path:
    """The target of an upload after checking its name, size, type and content: it must be a file
    the loaders read into at least one document, none of which may take the id of a document from
    another file (``existing``: id → source). Raises `UploadRefused`."""
    target = upload_target(src.name, uploads)
    if src.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UploadRefused(f"不支持的文件类型，支持 {' '.join(sorted(SUPPORTED_SUFFIXES))}")
    size = src.stat().st_size
    if size > max_bytes:
        raise UploadRefused(f"文件过大（{size / 2**20:.1f} MB，上限 {max_bytes / 2**20:.0f} MB）")
    loaded = load_documents([src], max_bytes=max_bytes)
    if not loaded.documents:
        reason = loaded.skipped[0][1] if loaded.skipped else "no text"
        raise UploadRefused(f"内容无法读取（{reason}）")
    taken = [d.doc_id for d in loaded.documents if (existing or {}).get(d.doc_id, str(target)) != str(target)]
    if taken:
        raise UploadRefused(f"记录编号与已收录的其他文档重复（{'、'.join(taken[:3])}），不能替换它们")
    return target


def save_upload(src: Path, target: Path) -> Path:
    """Copy an accepted upload into place atomically (a reader never sees half a file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out, src.open("rb") as f:
            shutil.copyfileobj(f, out)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
