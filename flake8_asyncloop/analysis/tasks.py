"""Recognising calls that start an asyncio task."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from flake8_asyncloop.analysis.loops import loop_origin

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

CREATE_TASK = frozenset({"asyncio.create_task", "asyncio.tasks.create_task"})
ENSURE_FUTURE = frozenset({"asyncio.ensure_future", "asyncio.tasks.ensure_future"})
# Coroutines that end when the object they belong to is closed: ``server.close()`` stops
# ``server.serve_forever()``, so nobody needs to hold the task that runs it.
ENDED_BY_CLOSE = frozenset({"serve_forever"})
# Wrappers that hand the coroutine to a runner which waits for it at shutdown: aiorun's
# ``shutdown_waits_for`` (its ``run()`` gathers every task before the loop closes).
KEPT_BY_THE_RUNNER = frozenset({"aiorun.shutdown_waits_for"})


def task_factory(call: ast.AST, file: "FileState") -> Optional[str]:
    """The name of the function when ``call`` starts a task, else None.

    Counts ``asyncio.create_task(...)``, ``asyncio.ensure_future(<call>)`` and
    ``<loop>.create_task(...)`` on a receiver known to be an event loop. ``create_task`` on
    anything else (a ``TaskGroup``, a nursery, an unknown object) may keep the task itself.
    ``ensure_future`` of a plain name may just hand back a future that lives elsewhere.
    A task running ``server.serve_forever()`` is not counted: closing the server ends it;
    nor is one whose coroutine aiorun's ``shutdown_waits_for`` hands to its runner.
    """
    if not isinstance(call, ast.Call) or not (call.args or call.keywords) or _ended_by_close(call):
        return None
    coroutine = call.args[0] if call.args else None
    if isinstance(coroutine, ast.Call) and file.resolve(coroutine.func) in KEPT_BY_THE_RUNNER:
        return None
    qualified = file.resolve(call.func)
    if qualified in CREATE_TASK:
        return "create_task"
    if qualified in ENSURE_FUTURE:
        first = call.args[0] if call.args else None
        return "ensure_future" if isinstance(first, ast.Call) else None
    func = call.func
    if (
        qualified is None
        and isinstance(func, ast.Attribute)
        and func.attr == "create_task"
        and loop_origin(func.value, file) is not None
    ):
        return "create_task"
    return None


def _ended_by_close(call: ast.Call) -> bool:
    coroutine = call.args[0] if call.args else None
    return (
        isinstance(coroutine, ast.Call)
        and isinstance(coroutine.func, ast.Attribute)
        and coroutine.func.attr in ENDED_BY_CLOSE
    )
