"""The web chat (Gradio): `create_app` makes the page over an `Assistant`, `main` serves it.

Only this package imports gradio; it uses the ``rag`` package's public API.
"""

from .app import create_app, main

__all__ = ["create_app", "main"]
