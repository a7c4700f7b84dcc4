"""Writing asyncio names in a file's own spelling, and recognising loop method receivers."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional, Tuple

from flake8_asyncloop.analysis.loops import loop_origin
from flake8_asyncloop.analysis.names import dotted_name
from flake8_asyncloop.findings import AddImport

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

IMPORT_ASYNCIO = AddImport("asyncio")


def spell(qualified: str, file: "FileState") -> Tuple[str, Tuple[AddImport, ...]]:
    """How to write ``qualified`` (``asyncio.get_running_loop``) at the walk's current point.

    Uses an alias the file already has (``aio.get_running_loop``, or a name imported from
    asyncio); otherwise the plain dotted name plus the ``import asyncio`` it needs.
    """
    local = file.imports.alias_for(qualified)
    if local is not None:
        return local, ()
    return qualified, (IMPORT_ASYNCIO,)


def respell_attribute(func: ast.AST, new_attr: str) -> Optional[str]:
    """``aio.get_running_loop`` for ``aio.get_event_loop``: the user's spelling, new last part."""
    if not isinstance(func, ast.Attribute):
        return None
    written = dotted_name(func.value)
    return None if written is None else f"{written}.{new_attr}"


def receiver_name(expr: ast.AST) -> str:
    """The last name in ``self._loop`` or ``loop``; ``""`` for anything else."""
    if isinstance(expr, ast.Attribute):
        return expr.attr
    if isinstance(expr, ast.Name):
        return expr.id
    return ""


def is_loop_receiver(expr: ast.AST, file: "FileState") -> bool:
    """True when ``expr`` is known to be a loop, or is named like one (``loop``, ``self._loop``).

    Only used as the receiver of methods that exist on event loops alone
    (``run_until_complete``, ``run_forever``), where the name is convincing evidence.
    """
    if loop_origin(expr, file) is not None:
        return True
    return receiver_name(expr).lower().endswith("loop")


# asyncio callables whose ``loop`` parameter was deprecated in 3.8 and removed in 3.10,
# keyed by name, with the submodule each lives in (``asyncio.tasks.sleep`` is the same).
# Not here on purpose, because they still take ``loop``: ensure_future, wrap_future,
# run_coroutine_threadsafe, Future, Task, StreamReader, StreamReaderProtocol.
_REMOVED_LOOP = {
    # tasks
    "sleep": "tasks",
    "gather": "tasks",
    "shield": "tasks",
    "wait_for": "tasks",
    "wait": "tasks",
    "as_completed": "tasks",
    # streams: the keyword reaches loop.create_connection() / create_server() and fails there
    "open_connection": "streams",
    "start_server": "streams",
    "open_unix_connection": "streams",
    "start_unix_server": "streams",
    # subprocesses
    "create_subprocess_exec": "subprocess",
    "create_subprocess_shell": "subprocess",
    # queues
    "Queue": "queues",
    "PriorityQueue": "queues",
    "LifoQueue": "queues",
    # synchronisation primitives
    "Lock": "locks",
    "Event": "locks",
    "Condition": "locks",
    "Semaphore": "locks",
    "BoundedSemaphore": "locks",
}
REMOVED_LOOP_NAMES = frozenset(
    qualified
    for name, submodule in _REMOVED_LOOP.items()
    for qualified in (f"asyncio.{name}", f"asyncio.{submodule}.{name}")
)
