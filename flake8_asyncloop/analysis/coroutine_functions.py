"""Calls known to return a coroutine, by qualified name, without importing anything.

Only true coroutine functions belong here: calling one makes a coroutine object that does
nothing until awaited. Functions that return a future or task (``gather``, ``shield``,
``ensure_future``, ``create_task``, ``run_in_executor``), an iterator (``as_completed``) or
a context manager (``timeout``) start or need no awaiting of their own and are left out.
"""

from __future__ import annotations

import ast
from typing import Callable, Dict, FrozenSet, Optional

ASYNCIO_COROUTINE_FUNCTIONS: FrozenSet[str] = frozenset(
    {
        # waiting
        "asyncio.sleep",
        "asyncio.wait",
        "asyncio.wait_for",
        "asyncio.tasks.sleep",
        "asyncio.tasks.wait",
        "asyncio.tasks.wait_for",
        # streams
        "asyncio.open_connection",
        "asyncio.start_server",
        "asyncio.open_unix_connection",
        "asyncio.start_unix_server",
        "asyncio.streams.open_connection",
        "asyncio.streams.start_server",
        "asyncio.streams.open_unix_connection",
        "asyncio.streams.start_unix_server",
        # subprocesses
        "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell",
        "asyncio.subprocess.create_subprocess_exec",
        "asyncio.subprocess.create_subprocess_shell",
        # threads (3.9+)
        "asyncio.to_thread",
        "asyncio.threads.to_thread",
        # happy eyeballs helper
        "asyncio.staggered.staggered_race",
    }
)

# Coroutine methods of event loops, called on a receiver known to be a loop.
LOOP_COROUTINE_METHODS: FrozenSet[str] = frozenset(
    {
        # connections and servers
        "create_connection",
        "create_server",
        "create_unix_connection",
        "create_unix_server",
        "create_datagram_endpoint",
        "connect_accepted_socket",
        "connect_read_pipe",
        "connect_write_pipe",
        "start_tls",
        "sendfile",
        # raw sockets
        "sock_accept",
        "sock_connect",
        "sock_recv",
        "sock_recv_into",
        "sock_recvfrom",
        "sock_recvfrom_into",
        "sock_sendall",
        "sock_sendfile",
        "sock_sendto",
        # name resolution
        "getaddrinfo",
        "getnameinfo",
        # subprocesses
        "subprocess_exec",
        "subprocess_shell",
        # shutting down
        "shutdown_asyncgens",
        "shutdown_default_executor",
    }
)

# Coroutine methods of asyncio objects, by the class that builds the object. The object
# must be bound to a plain name by a visible call to the class.
_QUEUE = frozenset({"get", "put", "join"})
_LOCK = frozenset({"acquire"})
_SERVER = frozenset({"wait_closed", "serve_forever", "start_serving"})  # asyncio.Server
ASYNCIO_OBJECT_METHODS: Dict[str, FrozenSet[str]] = {
    "asyncio.Queue": _QUEUE,
    "asyncio.PriorityQueue": _QUEUE,
    "asyncio.LifoQueue": _QUEUE,
    "asyncio.queues.Queue": _QUEUE,
    "asyncio.Lock": _LOCK,
    "asyncio.Semaphore": _LOCK,
    "asyncio.BoundedSemaphore": _LOCK,
    "asyncio.locks.Lock": _LOCK,
    "asyncio.Event": frozenset({"wait"}),
    "asyncio.locks.Event": frozenset({"wait"}),
    "asyncio.Condition": frozenset({"wait", "wait_for", "acquire"}),
    "asyncio.Barrier": frozenset({"wait", "reset", "abort"}),
    # What ``await asyncio.start_server(...)`` gives (``AWAITED_FACTORIES``)
    "asyncio.start_server": _SERVER,
    "asyncio.start_unix_server": _SERVER,
}
# Coroutine functions whose awaited result is one of the objects above.
AWAITED_FACTORIES = frozenset({"asyncio.start_server", "asyncio.start_unix_server"})

# Mock classes whose instances return a coroutine when called.
ASYNC_MOCK_CLASSES: FrozenSet[str] = frozenset(
    {
        "unittest.mock.AsyncMock",
        "mock.AsyncMock",  # the ``mock`` backport
    }
)
# pytest-mock's fixture exposes the class as an attribute: ``mocker.AsyncMock()``.
MOCKER_FIXTURE = "mocker"

# Decorators that leave an ``async def`` a coroutine function (marks return the function
# itself; the descriptors only change how it is looked up). Any other decorator may wrap
# it into something else, such as a sync function or a context manager.
BUILTIN_METHOD_DECORATORS: FrozenSet[str] = frozenset({"staticmethod", "classmethod"})
TRANSPARENT_DECORATORS: FrozenSet[str] = frozenset({"abc.abstractmethod", "functools.wraps"})
TRANSPARENT_DECORATOR_PREFIXES = ("pytest.mark.",)


def keeps_coroutine(decorator: ast.AST, resolve: Callable[[ast.AST], Optional[str]]) -> bool:
    """Whether an ``async def`` under ``decorator`` is still a coroutine function."""
    if isinstance(decorator, ast.Name) and decorator.id in BUILTIN_METHOD_DECORATORS:
        return True
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    qualified = resolve(target) or ""
    if qualified in TRANSPARENT_DECORATORS:
        return True
    return qualified.startswith(TRANSPARENT_DECORATOR_PREFIXES)
