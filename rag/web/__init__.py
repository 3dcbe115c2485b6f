"""The web chat (Gradio): `create_app` makes the page over an `Assistant`, `main` serves it.

Only this package imports gradio (when `create_app` or `main` is first used); it uses the ``rag``
package's public API.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "main"]


def __getattr__(name: str) -> Any:
    if name in __all__:  # gradio loads only for the page, not for its rendering or upload checks
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module 'rag.web' has no attribute {name!r}")
