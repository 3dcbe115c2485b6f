"""Writing a benchmark's section into BENCHMARKS.md, leaving the other sections as they are."""

from __future__ import annotations

from pathlib import Path


def replace_section(path: Path, heading: str, section: str, *, first: bool = False) -> None:
    """Replace the section that starts with ``heading`` (up to the next ``## ``) by ``section``; a new
    section goes after the introduction when ``first``, else at the end."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    start = text.find(heading)
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + (section.rstrip() + "\n\n" + text[end + 1 :] if end >= 0 else section)
    elif first and (intro_end := text.find("\n## ")) >= 0:
        text = text[: intro_end + 1] + section + "\n" + text[intro_end + 1 :]
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text, encoding="utf-8")
