"""`rag` in a child process, embedding with the hashing embedder of conftest (no model files).

    python -m tests.run_cli index corpus/ --index /tmp/x

Tests that need a real process (killed, timed, its memory measured) run the command line this way.
"""

import sys

import rag.api
from tests.conftest import HashEmbedder

rag.api.make_embedder = lambda name, backend, cache_dir=None: HashEmbedder()  # type: ignore[assignment]

from rag.cli import main  # noqa: E402

sys.exit(main())
