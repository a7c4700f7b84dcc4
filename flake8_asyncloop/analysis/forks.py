"""Code after a fork of the process, where the parent's running loop is not running."""

from __future__ import annotations

import ast

from flake8_asyncloop.analysis.names import last_name

# Calls that fork the process (``os.fork()``, ``pty.fork()``, tornado's ``fork_processes()``).
FORKS = frozenset({"fork", "forkpty", "fork_processes"})


def forks_before(function: ast.AST, call: ast.AST) -> bool:
    """The def forks the process on a line before ``call``: asyncio tells the loop the parent
    was running from none by the process id, so a child may start a loop of its own there."""
    line = call.lineno  # type: ignore[attr-defined]
    for node in ast.walk(function):
        if node.__class__ is ast.Call and node.lineno < line:  # type: ignore[attr-defined]
            if last_name(node.func) in FORKS:  # type: ignore[attr-defined]
                return True
    return False
