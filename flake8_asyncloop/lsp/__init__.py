"""``flake8-asyncloop lsp``: a language server on stdio, for editors.

It needs pygls 2 (the ``lsp`` extra); only this command imports it, so the flake8 plugin
and the other commands work without it.
"""

from __future__ import annotations

import sys
from typing import Optional

INSTALL_HINT = "pip install 'flake8-asyncloop[lsp]'"


def run() -> int:
    """Serve until the client says exit; 2 when pygls is missing or too old."""
    problem = _pygls_problem()
    if problem is not None:
        sys.stderr.write(f"flake8-asyncloop: error: {problem}; install it with {INSTALL_HINT}\n")
        return 2
    from flake8_asyncloop.lsp.server import serve

    serve()
    return 0


def _pygls_problem() -> Optional[str]:
    from importlib import metadata

    try:
        version = metadata.version("pygls")
    except metadata.PackageNotFoundError:
        return "the language server needs pygls 2 or later, which is not installed"
    major = version.split(".", 1)[0]
    if not major.isdigit() or int(major) < 2:
        return f"the language server needs pygls 2 or later, found pygls {version}"
    try:
        import lsprotocol.types  # noqa: F401  (installed with pygls; checked all the same)
        import pygls.lsp.server  # noqa: F401
    except ImportError as error:
        return f"the language server cannot import pygls: {error}"
    return None
