"""Recognising expressions that evaluate to an event loop."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from flake8_asyncloop.analysis.names import last_name

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

GET_EVENT_LOOP = "asyncio.get_event_loop"
GET_RUNNING_LOOP = "asyncio.get_running_loop"
NEW_EVENT_LOOP = "asyncio.new_event_loop"
# ``asyncio.run`` under the names it resolves to
ASYNCIO_RUN = frozenset({"asyncio.run", "asyncio.runners.run"})
LOOP_GETTERS = frozenset(
    {GET_EVENT_LOOP, GET_RUNNING_LOOP, NEW_EVENT_LOOP, "asyncio.events.get_event_loop"}
)
EVENT_LOOP_FIXTURE = "event_loop"
# The origin recorded for a name bound to the ``event_loop`` fixture's value.
FIXTURE_ORIGIN = "fixture:event_loop"


def loop_origin(expr: ast.AST, file: "FileState") -> Optional[str]:
    """Where the loop ``expr`` evaluates to comes from, or None if it is not known to be a loop.

    The answer is a loop getter's qualified name (``asyncio.new_event_loop``) or
    ``FIXTURE_ORIGIN`` for the ``event_loop`` fixture's value.
    """
    if isinstance(expr, ast.Call) and not expr.args and not expr.keywords:
        qualified = file.imports.resolve(expr.func)
        if qualified in LOOP_GETTERS:
            return GET_EVENT_LOOP if qualified == "asyncio.events.get_event_loop" else qualified
        return None
    if isinstance(expr, ast.Name):
        origin = file.scope.binding(expr.id)
        if origin in LOOP_GETTERS or origin == FIXTURE_ORIGIN:
            return origin
    return None


# What asyncio raises when no loop runs (``get_running_loop()``, a deprecated
# ``get_event_loop()``), and the handlers wide enough to catch it.
_CATCHES_NO_LOOP = frozenset({"RuntimeError", "Exception", "BaseException"})


def catches_no_loop(handler: ast.ExceptHandler) -> bool:
    """Whether the handler catches the RuntimeError asyncio raises when no loop runs."""
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(last_name(kind) in _CATCHES_NO_LOOP for kind in types)
