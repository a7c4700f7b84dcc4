"""Constructors whose objects are bound to one event loop, as data (ALP5xx, ALP206).

An object is loop-bound when it keeps a reference to an event loop and fails, or misbehaves,
when used from another one. Two kinds matter to the rules:

- bound **at construction**: the constructor takes the current or running loop on the spot
  (`asyncio.Future()`, aiohttp's `ClientSession`, which raises `no running event loop`
  outside a coroutine since aiohttp 3.10). Built outside the loop the tests run on, the
  object is wrong from the start, whatever the scopes.
- bound **on first use**: the object picks up the running loop the first time it waits
  (asyncio's locks and queues since Python 3.10: a `Lock` only when contended, a `Queue`
  on the first `get` or `put` that waits) or opens its first connection (connection pools).
  It works until a second loop uses it: `... is bound to a different event loop`.

Only real constructors are listed. Coroutine functions that connect (`asyncpg.connect`,
`aio_pika.connect_robust`) cannot run outside a loop at all and give a coroutine object,
which is ALP301's business; factories that hold no loop state (SQLAlchemy's
`async_sessionmaker`) are left out too.
"""

from __future__ import annotations

import ast
import sys
from functools import partial
from typing import TYPE_CHECKING, Callable, FrozenSet, Iterable, Optional

from flake8_asyncloop.analysis.loop_scopes import overridden_function_loop_scope
from flake8_asyncloop.analysis.loops import loop_origin
from flake8_asyncloop.analysis.named_values import named_value
from flake8_asyncloop.analysis.names import last_name
from flake8_asyncloop.analysis.testcode import SCOPES, keyword, scope_value

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

# ``<loop>.create_future()``: recognised in code, since the receiver has to be a known loop.
CREATE_FUTURE = "<loop>.create_future"

# -- asyncio --------------------------------------------------------------------------------
# Futures take the loop in ``__init__`` (the current one when none is given).
_ASYNCIO_AT_CONSTRUCTION = frozenset(
    {
        "asyncio.Future",
        "asyncio.futures.Future",
        "asyncio.StreamReader",
        "asyncio.streams.StreamReader",
    }
)
# Synchronisation primitives and queues: since Python 3.10 they bind on first wait; on 3.9
# they took ``get_event_loop()`` in ``__init__``.
_ASYNCIO_PRIMITIVES = frozenset(
    {
        "asyncio.Lock",
        "asyncio.Event",
        "asyncio.Condition",
        "asyncio.Semaphore",
        "asyncio.BoundedSemaphore",
        "asyncio.Barrier",
        "asyncio.locks.Lock",
        "asyncio.locks.Event",
        "asyncio.locks.Condition",
        "asyncio.locks.Semaphore",
        "asyncio.locks.BoundedSemaphore",
        "asyncio.locks.Barrier",
        "asyncio.Queue",
        "asyncio.PriorityQueue",
        "asyncio.LifoQueue",
        "asyncio.queues.Queue",
        "asyncio.queues.PriorityQueue",
        "asyncio.queues.LifoQueue",
    }
)

# -- async client libraries -----------------------------------------------------------------
_CLIENTS_AT_CONSTRUCTION = frozenset(
    {
        # aiohttp: sessions and connectors call get_running_loop() in __init__ (3.10+;
        # older releases took get_event_loop() and warned outside a coroutine).
        "aiohttp.ClientSession",
        "aiohttp.client.ClientSession",
        "aiohttp.TCPConnector",
        "aiohttp.UnixConnector",
        "aiohttp.NamedPipeConnector",
        "aiohttp.connector.TCPConnector",
        "aiohttp.connector.UnixConnector",
        # asyncpg: create_pool() returns an un-started Pool (awaited to connect) whose
        # __init__ takes get_event_loop().
        "asyncpg.create_pool",
        "asyncpg.pool.create_pool",
        # aiokafka: producers and consumers call get_running_loop() in __init__.
        "aiokafka.AIOKafkaProducer",
        "aiokafka.AIOKafkaConsumer",
        "aiokafka.producer.AIOKafkaProducer",
        "aiokafka.consumer.AIOKafkaConsumer",
    }
)
_CLIENTS_ON_FIRST_USE = frozenset(
    {
        # httpx: the connection pool keeps connections made on the first loop that used it.
        "httpx.AsyncClient",
        # redis-py's asyncio client (and aioredis 2, its predecessor): connections and
        # their locks belong to the loop that opened them.
        "redis.asyncio.Redis",
        "redis.asyncio.StrictRedis",
        "redis.asyncio.from_url",
        "redis.asyncio.Redis.from_url",
        "redis.asyncio.ConnectionPool",
        "redis.asyncio.RedisCluster",
        "redis.asyncio.client.Redis",
        "redis.asyncio.cluster.RedisCluster",
        "aioredis.Redis",
        "aioredis.from_url",
        # motor: the client attaches to the loop of its first operation.
        "motor.motor_asyncio.AsyncIOMotorClient",
        # SQLAlchemy asyncio: the engine's pool holds driver connections of one loop.
        "sqlalchemy.ext.asyncio.create_async_engine",
        "sqlalchemy.ext.asyncio.AsyncEngine",
        "sqlalchemy.ext.asyncio.engine.create_async_engine",
    }
)

# Python 3.9's primitives bound the loop in __init__, like futures.
_PRIMITIVES_BIND_LAZILY = sys.version_info >= (3, 10)

AT_CONSTRUCTION = _ASYNCIO_AT_CONSTRUCTION | _CLIENTS_AT_CONSTRUCTION | {CREATE_FUTURE}
ON_FIRST_USE = _CLIENTS_ON_FIRST_USE
if _PRIMITIVES_BIND_LAZILY:
    ON_FIRST_USE = ON_FIRST_USE | _ASYNCIO_PRIMITIVES
else:  # pragma: no cover - Python 3.9 only
    AT_CONSTRUCTION = AT_CONSTRUCTION | _ASYNCIO_PRIMITIVES
BUILT_IN: frozenset = AT_CONSTRUCTION | ON_FIRST_USE


def loop_bound_constructor(qualified_name: str, extra_names: Iterable[str] = ()) -> Optional[str]:
    """``qualified_name`` itself when it builds a loop-bound object, else None.

    ``extra_names`` are the user's additions (``--asyncloop-loop-bound-names``).
    """
    if qualified_name in BUILT_IN or qualified_name in extra_names:
        return qualified_name
    return None


def binds_at_construction(constructor: str) -> bool:
    """True when the object takes its loop in the constructor. Names added by the user are
    assumed to bind on first use, the kind that needs a wider scope to go wrong."""
    return constructor in AT_CONSTRUCTION


def loop_bound_call_names(extra_names: Iterable[str] = ()) -> FrozenSet[str]:
    """The last names of the calls ``loop_bound_call`` can answer for (``call_names``)."""
    return frozenset(
        {name.rpartition(".")[2] for name in (*BUILT_IN, *extra_names)} | {"create_future"}
    )


# SQLAlchemy's engine factories; with ``poolclass=NullPool`` the engine keeps no connection
# and opens each on the loop that uses it (the usual cure for "attached to a different loop").
ENGINE_FACTORIES = frozenset(
    {
        "sqlalchemy.ext.asyncio.create_async_engine",
        "sqlalchemy.ext.asyncio.engine.create_async_engine",
    }
)


# httpx clients whose transport runs the app in the caller's task (``ASGITransport``) or
# answers from a function (``MockTransport``): no connection pool, no socket, no loop.
_HTTPX_CLIENTS = frozenset({"httpx.AsyncClient", "httpx._client.AsyncClient"})
_IN_PROCESS_TRANSPORTS = frozenset({"ASGITransport", "MockTransport"})
ValueOf = Callable[[ast.Name], Optional[ast.AST]]


def keeps_no_connections(
    call: ast.Call, qualified: Optional[str], value_of: Optional[ValueOf] = None
) -> bool:
    """An engine or client bound to no loop: ``create_async_engine(url, poolclass=NullPool)``
    keeps no connection, an aiosqlite one (``"sqlite+aiosqlite://..."``) keeps connections
    that run in their own threads and answer on whichever loop awaits them, and an
    ``httpx.AsyncClient`` on an in-process transport opens none. ``value_of`` tells what a
    bare name passed as the URL or the transport stands for, where that is known."""
    if qualified in _HTTPX_CLIENTS:
        return _in_process_transport(call, value_of)
    if qualified not in ENGINE_FACTORIES:
        return False
    if opens_aiosqlite(call, value_of):
        return True
    poolclass = keyword(call, "poolclass")
    if poolclass is None:
        return False
    return last_name(poolclass.value) == "NullPool"


def opens_aiosqlite(call: ast.Call, value_of: Optional[ValueOf] = None) -> bool:
    """A call whose URL (its first argument, or ``url=``) is an aiosqlite one:
    ``create_async_engine("sqlite+aiosqlite:///:memory:")``, or a project's own wrapper
    given one (``Database(f"sqlite+aiosqlite:///{path}")``, or the scheme joined to a path
    with ``+``, ``%`` or ``.format``); a URL looked up with an
    aiosqlite default (``os.environ.get("DATABASE_URL", "sqlite+aiosqlite://")``) counts
    as one, the suite's own setting. A wrapper's keyword named for a URL counts too
    (``Adapter(database_url=SYNC_URL, async_database_url=ASYNC_URL)``)."""
    urls = [call.args[0]] if call.args else []
    urls += [k.value for k in call.keywords if k.arg is not None and k.arg.endswith("url")]
    return any(_aiosqlite_url(url, value_of) for url in urls)


def _aiosqlite_url(url: Optional[ast.AST], value_of: Optional[ValueOf]) -> bool:
    if isinstance(url, ast.Name) and value_of is not None:
        url = value_of(url)
    if isinstance(url, ast.Call) and last_name(url.func) in _ENVIRONMENT_LOOKUPS:
        # ``os.environ.get("DATABASE_URL", "sqlite+aiosqlite://...")``: the suite's default
        url = url.args[1] if len(url.args) > 1 else getattr(keyword(url, "default"), "value", None)
    # The scheme written out ahead of the rest: f"sqlite+aiosqlite:///{path}",
    # "sqlite+aiosqlite:///" + path, "sqlite+aiosqlite:///{}".format(path)
    while True:
        if isinstance(url, ast.JoinedStr) and url.values:
            url = url.values[0]
        elif isinstance(url, ast.BinOp) and isinstance(url.op, (ast.Add, ast.Mod)):
            url = url.left
        elif isinstance(url, ast.Call) and last_name(url.func) == "format":
            url = getattr(url.func, "value", None)
        else:
            break
    return _aiosqlite_text(url) or _made_aiosqlite(url)


def _aiosqlite_text(url: Optional[ast.AST]) -> bool:
    return isinstance(url, ast.Constant) and str(url.value).startswith("sqlite+aiosqlite:")


def _made_aiosqlite(url: Optional[ast.AST]) -> bool:
    """A URL turned into an aiosqlite one: ``str(engine.url).replace("sqlite:///",
    "sqlite+aiosqlite:///")``, ``url.set(drivername="sqlite+aiosqlite")``."""
    if not isinstance(url, ast.Call) or not isinstance(url.func, ast.Attribute):
        return False
    if url.func.attr == "replace" and len(url.args) == 2:
        return _aiosqlite_text(url.args[1])
    if url.func.attr == "set":
        driver = keyword(url, "drivername")
        return (
            driver is not None
            and isinstance(driver.value, ast.Constant)
            and driver.value.value == "sqlite+aiosqlite"
        )
    return False


# ``os.environ.get(name, default)`` and ``os.getenv(name, default)``, by their last names.
_ENVIRONMENT_LOOKUPS = frozenset({"get", "getenv"})


def _in_process_transport(client: ast.Call, value_of: Optional[ValueOf]) -> bool:
    """``AsyncClient(transport=ASGITransport(app=app))``, or ``AsyncClient(app=app)``
    (httpx before 0.28 wraps the app in an ``ASGITransport`` itself)."""
    if keyword(client, "app") is not None:
        return True
    transport = getattr(keyword(client, "transport"), "value", None)
    if isinstance(transport, ast.Name) and value_of is not None:
        transport = value_of(transport)
    return isinstance(transport, ast.Call) and last_name(transport.func) in _IN_PROCESS_TRANSPORTS


def loop_bound_call(call: ast.Call, file: "FileState") -> Optional[str]:
    """The constructor ``call`` invokes when it builds a loop-bound object, else None."""
    func = call.func
    qualified = file.resolve(func)
    if qualified:
        if keeps_no_connections(call, qualified, partial(_value_in_scope, file=file)):
            return None
        return loop_bound_constructor(qualified, file.options.loop_bound_names)
    if isinstance(func, ast.Attribute) and func.attr == "create_future":
        if loop_origin(func.value, file) is not None:
            return CREATE_FUTURE
    return None


def _value_in_scope(name: ast.Name, file: "FileState") -> Optional[ast.AST]:
    """What ``name`` stands for at the walk's position in ``file``."""
    function = file.function
    if function is not None and function.parent is not None and function.parent.is_function:
        return None  # the enclosing def's names are not looked up
    return named_value(name, function.node if function is not None else None, file)


# -- which loops an object meets ------------------------------------------------------------
_SCOPE_RANK = {scope: rank for rank, scope in enumerate(SCOPES)}
ASYNCIO_MARK = "asyncio"


def default_test_loop_scope(file: "FileState") -> str:
    """The loop scope the file's tests run on unless a class or test mark says otherwise:
    the module's ``pytestmark`` asyncio mark, else ``asyncio_default_test_loop_scope``, else
    (before pytest-asyncio 1.0) the scope of an ``event_loop`` override in sight. A
    conftest.py's ``pytestmark`` marks nothing, so there only the config counts. A conftest
    hook's mark comes before the module's (``closest_mark_scope``)."""
    hook = file.project.config.marked_by_hook
    if hook in _SCOPE_RANK:
        return hook  # type: ignore[return-value]
    if not file.is_conftest:
        for name, mark in file.module.pytestmark:
            if name == ASYNCIO_MARK and isinstance(mark, ast.Call):
                given = keyword(mark, "loop_scope")
                scope = scope_value(given.value) if given is not None else None
                if scope in _SCOPE_RANK:
                    return scope  # type: ignore[return-value]
    configured = file.project.config.test_loop_scope
    if configured is None:
        # Before 1.0 a test's "function" loop is the event_loop fixture, overridable.
        overridden = overridden_function_loop_scope(file)
        if overridden in _SCOPE_RANK and _SCOPE_RANK[overridden] > _SCOPE_RANK["function"]:
            return overridden  # type: ignore[return-value]
    return configured or "function"


def outlives_test_loops(file: "FileState", lifetime: str) -> bool:
    """True when an object kept for ``lifetime`` (a fixture scope) can meet tests running on
    different loops, because their loops are narrower than the object's life."""
    if lifetime not in _SCOPE_RANK:
        return False
    return _SCOPE_RANK[lifetime] > _SCOPE_RANK.get(default_test_loop_scope(file), 0)


def import_lifetime(file: "FileState") -> str:
    """How long an object built while importing the file serves tests: a test module's
    objects serve its own tests, a conftest.py's the tests of its whole directory."""
    return "package" if file.is_conftest else "module"
