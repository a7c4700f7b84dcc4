"""ALP501: test code builds a loop-bound object while it is being imported."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, FrozenSet, Optional, Set, Tuple

from flake8_asyncloop.analysis.async_runners import assignment
from flake8_asyncloop.analysis.loop_bound import (
    ENGINE_FACTORIES,
    binds_at_construction,
    import_lifetime,
    loop_bound_call,
    loop_bound_call_names,
    outlives_test_loops,
)
from flake8_asyncloop.analysis.text_gates import mentions_loop_bound_constructor
from flake8_asyncloop.rule import Bad, Good, Rule

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState
    from flake8_asyncloop.options import Options


# (class name, attribute) for a class attribute, (None, name) for a module global
Binding = Tuple[Optional[str], str]


class LoopBoundObjectAtImport(Rule):
    code = "ALP501"
    name = "loop-bound-object-at-import"
    message = (
        "{constructor}() built at import time is bound to one event loop, but tests run on "
        "loops of their own; build it in a fixture or in the test"
    )

    @classmethod
    def callees(cls, options: "Options") -> FrozenSet[str]:
        return loop_bound_call_names(options.loop_bound_names)

    @classmethod
    def applies_to(cls, source: str, file: "FileState") -> bool:
        # a loop-bound class's package, named by its import
        return mentions_loop_bound_constructor(source, file.options.loop_bound_names)

    what = """
    Flags a loop-bound object built at module level or in a class body of test code:
    asyncio's `Future`, `<loop>.create_future()`, locks, events, conditions, semaphores,
    barriers and queues, and the async clients of aiohttp, httpx, redis.asyncio, asyncpg,
    motor, SQLAlchemy's asyncio engine and aiokafka. An engine made with
    `poolclass=NullPool` keeps no connection and opens each on the loop that uses it, an
    aiosqlite engine (a `"sqlite+aiosqlite:..."` URL, written out, joined to a path, in a
    module constant, returned by a fixture of the module the engine's fixture requests, the
    default of an environment lookup: `os.environ.get("DATABASE_URL",
    "sqlite+aiosqlite://")`, or made so by `.replace(..., "sqlite+aiosqlite:///")` or
    `.set(drivername=...)`) keeps connections
    that run in threads of their own and answer on whichever loop awaits them, and an
    `httpx.AsyncClient` on an `ASGITransport` or a `MockTransport` (or given `app=`) opens
    no connection at all: the transport runs the app in the awaiting task. None of them is
    on the list. The option `--asyncloop-loop-bound-names` adds your own constructors to
    the list.
    """
    why = """
    A test module is imported once, during collection, and its module and class attributes
    live for the whole run; pytest-asyncio gives each test its own event loop by default.
    An object tied to a loop then serves tests on several loops. asyncio's locks, events,
    semaphores and queues take the loop the first time they have to wait (Python 3.10 and
    later), so the first test passes and a later one fails with
    `RuntimeError: <asyncio.locks.Event ...> is bound to a different event loop`: a failure
    that depends on test order and on timing (an uncontended `Lock` never waits, so it only
    breaks once two tasks compete for it). Futures and client sessions take a loop as soon as
    they are built: awaiting such a future fails with `got Future attached to a different
    loop`, and aiohttp's `ClientSession()` refuses outright with `no running event loop`.
    On Python 3.9 the asyncio primitives also bound the loop when built.
    """
    limitations = """
    Only calls in the module body and class bodies are checked; a default argument value,
    evaluated at import too, is not. An object that only ever binds lazily (asyncio's
    primitives, connection pools) is not reported when every test of the module runs on one
    shared loop, by a `pytestmark` asyncio mark with `loop_scope` or by
    `asyncio_default_test_loop_scope` in the pytest configuration (or a conftest.py hook
    marking every test with that loop scope), or, where the suite runs
    a pytest-asyncio older than 1.0, by a wide `event_loop` override in the module or its
    conftest.py files; a test that narrows its own loop scope again is not noticed. A
    queue used only with `put_nowait`/`get_nowait` never binds a loop and is reported all
    the same. Code under `if __name__ == "__main__":` is not checked: it runs only when the
    file is run as a script, never when pytest imports it. A SQLAlchemy engine is not
    reported in a module whose async code awaits some engine's `dispose()`
    (SQLAlchemy's remedy for an engine that serves several loops); whether every test
    disposes it is not checked. A module global or class attribute that a def of the module
    binds to a fresh object again (`global READY; READY = asyncio.Event()`,
    `Gate.opened = asyncio.Event()`) is taken for a placeholder the tests replace before
    they use it, and not reported; whether every test replaces it is not checked.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest

            READY = asyncio.Event()


            async def announce():
                await asyncio.sleep(0)
                READY.set()


            @pytest.mark.asyncio
            async def test_first_announcement():
                READY.clear()
                task = asyncio.create_task(announce())
                await READY.wait()
                await task


            @pytest.mark.asyncio
            async def test_second_announcement():
                READY.clear()
                task = asyncio.create_task(announce())
                await READY.wait()
                await task
            """,
            (5, 9),
            runs=True,
        ),
        Bad(
            """
            import asyncio

            import aiohttp


            class TestCatalogApi:
                session = aiohttp.ClientSession()
                shutdown = asyncio.get_event_loop().create_future()
                limiter = asyncio.locks.Semaphore(4)
            """,
            (7, 15),
            (8, 16),
            (9, 15),
        ),
        Bad(
            """
            from asyncio import Queue

            import pytest
            from redis import asyncio as aioredis

            JOBS = Queue()
            CACHE = aioredis.from_url("redis://localhost")
            """,
            (6, 8),
            (7, 9),
            filename="conftest.py",
        ),
        Bad(
            """
            import asyncio

            import pytest

            pytestmark = pytest.mark.asyncio(loop_scope="module")

            DONE = asyncio.Future()
            """,
            (7, 8),
        ),
        Good(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture
            async def ready():
                return asyncio.Event()


            async def announce(event):
                await asyncio.sleep(0)
                event.set()


            @pytest.mark.asyncio
            async def test_first_announcement(ready):
                task = asyncio.create_task(announce(ready))
                await ready.wait()
                await task


            @pytest.mark.asyncio
            async def test_second_announcement(ready):
                task = asyncio.create_task(announce(ready))
                await ready.wait()
                await task
            """,
            reason="each test gets an event built on its own loop",
            runs=True,
        ),
        Good(
            """
            import asyncio
            import threading
            from collections import defaultdict
            from dataclasses import dataclass, field

            CACHE_LOCK = threading.Lock()
            LOCKS = defaultdict(asyncio.Lock)


            @dataclass
            class Worker:
                name: str
                guard: asyncio.Lock = field(default_factory=asyncio.Lock)


            DEFAULT_WORKER_NAME = Worker.__name__.lower()
            """,
            reason="a thread lock is not loop-bound; asyncio.Lock as a factory builds nothing yet",
        ),
        Good(
            """
            import pytest
            from sqlalchemy import text
            from sqlalchemy.ext.asyncio import create_async_engine

            engine = create_async_engine("postgresql+asyncpg://localhost/test")


            @pytest.mark.asyncio
            async def test_select():
                async with engine.connect() as connection:
                    assert (await connection.execute(text("select 1"))).scalar() == 1
                await engine.dispose()
            """,
            reason=(
                "each test disposes of the engine's connections on its own loop (pgvector: "
                "two engines, six tests on six loops, pass under -W error)"
            ),
        ),
        Good(
            """
            import pytest
            from sqlalchemy import text
            from sqlalchemy.ext.asyncio import create_async_engine

            engine = create_async_engine("sqlite+aiosqlite:///./test.db")


            @pytest.mark.asyncio
            async def test_select():
                async with engine.connect() as connection:
                    assert (await connection.execute(text("select 1"))).scalar() == 1
            """,
            reason=(
                "aiosqlite's connections run in threads of their own and answer on the loop "
                "that awaits them (two tests on two loops pass)"
            ),
        ),
        Good(
            """
            import asyncio

            import pytest

            pytestmark = pytest.mark.asyncio(loop_scope="module")

            READY = asyncio.Event()


            async def announce():
                await asyncio.sleep(0)
                READY.set()


            async def test_first_announcement():
                READY.clear()
                task = asyncio.create_task(announce())
                await READY.wait()
                await task


            async def test_second_announcement():
                READY.clear()
                task = asyncio.create_task(announce())
                await READY.wait()
                await task
            """,
            reason="all the module's tests run on one loop, which the event binds to on first wait",
            runs=True,
            python=(3, 10),
        ),
        Good(
            """
            import asyncio

            import pytest

            SLOTS = asyncio.Semaphore(1)


            async def hold_slot():
                async with SLOTS:
                    await asyncio.sleep(0.01)


            @pytest.mark.asyncio
            async def test_waits_for_a_slot():
                holder = asyncio.create_task(hold_slot())
                await asyncio.sleep(0)
                async with SLOTS:
                    assert holder.done()


            @pytest.mark.asyncio
            async def test_waits_again():
                holder = asyncio.create_task(hold_slot())
                await asyncio.sleep(0)
                async with SLOTS:
                    assert holder.done()
            """,
            files={
                "pytest.ini": (
                    "[pytest]\n"
                    "asyncio_default_fixture_loop_scope = function\n"
                    "asyncio_default_test_loop_scope = session\n"
                )
            },
            reason="the configuration runs every test on the session's loop",
            runs=True,
            python=(3, 10),
        ),
        Good(
            """
            import asyncio

            make_queue = lambda: asyncio.Queue(maxsize=10)


            def fresh_lock():
                return asyncio.Lock()


            class TestRetries:
                def test_lock_starts_free(self):
                    assert not fresh_lock().locked()
            """,
            reason="built inside a function, when a test calls it",
        ),
        Good(
            """
            import asyncio

            WRITE_LOCK = asyncio.Lock()
            """,
            filename="app/storage.py",
            reason="not test code",
        ),
        Good(
            """
            import asyncio

            import pytest


            class Gate:
                opened = asyncio.Event()

                async def pass_through(self):
                    await Gate.opened.wait()


            @pytest.mark.asyncio
            async def test_gate_opens():
                Gate.opened = asyncio.Event()
                waiter = asyncio.create_task(Gate().pass_through())
                Gate.opened.set()
                await waiter
            """,
            reason="the test builds a fresh event on its own loop before it uses one",
            runs=True,
        ),
        Good(
            """
            import asyncio


            async def test_drain():
                await asyncio.sleep(0)


            if __name__ == "__main__":
                queue = asyncio.Queue()
                asyncio.run(test_drain())
            """,
            reason="built only when the file is run as a script, never when pytest imports it",
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        if self.file.function is not None:
            return  # runs when the function is called, not on import
        constructor = loop_bound_call(node, self.file)
        if constructor is None or self.file.module.in_script_block(node):
            return  # under ``if __name__ == "__main__":`` it is built by a script run only
        if constructor in ENGINE_FACTORIES and self._disposes_engines():
            return  # each test closes the engine's connections on its own loop
        if binds_at_construction(constructor) or outlives_test_loops(
            self.file, import_lifetime(self.file)
        ):
            binding = _binding_of(node, self.file)
            if binding is not None and binding in self._remade_in_defs():
                return  # a placeholder: the tests build a fresh one before they use it
            self.report(node, constructor=constructor)

    _remade: Optional[Set[Binding]] = None  # worked out at the module's first finding

    def _remade_in_defs(self) -> Set[Binding]:
        if self._remade is None:
            self._remade = _names_remade_in_defs(self.file.tree)
        return self._remade

    _disposes: Optional[bool] = None  # worked out at the module's first engine

    def _disposes_engines(self) -> bool:
        """Whether async code of the module awaits an engine's ``dispose()`` (SQLAlchemy's
        remedy for an engine that serves several loops: the pool's connections, bound to
        the loop that opened them, are closed before the next loop uses it)."""
        if self._disposes is None:
            self._disposes = any(
                isinstance(node, ast.Await)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute)
                and node.value.func.attr == "dispose"
                for node in ast.walk(self.file.tree)
            )
        return self._disposes


def _binding_of(call: ast.Call, file: "FileState") -> Optional[Binding]:
    """What ``NAME = call`` binds, at module level or in a top-level class body."""
    for statement in file.module.statements:
        name = _assigned_name(statement, call)
        if name is not None:
            return None, name
        if isinstance(statement, ast.ClassDef):
            for member in statement.body:
                name = _assigned_name(member, call)
                if name is not None:
                    return statement.name, name
    return None


def _assigned_name(statement: ast.stmt, value: ast.AST) -> Optional[str]:
    """``NAME`` of ``NAME = value`` or ``NAME: T = value`` (an augmented assignment binds
    nothing new)."""
    if isinstance(statement, ast.AugAssign):
        return None
    name, assigned = assignment(statement)
    return name if assigned is value else None


def _names_remade_in_defs(tree: ast.Module) -> Set[Binding]:
    """The module globals (declared ``global``) and class attributes (``Class.name = ...``,
    ``cls.name = ...``) that a def binds to the result of a call."""
    remade: Set[Binding] = set()
    classes = {statement.name for statement in tree.body if isinstance(statement, ast.ClassDef)}
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        declared = {
            name for node in ast.walk(func) if isinstance(node, ast.Global) for name in node.names
        }
        for node in ast.walk(func):
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
                continue
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in declared:
                    remade.add((None, target.id))
                elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                    owner = target.value.id
                    if owner in classes:
                        remade.add((owner, target.attr))
                    elif owner == "cls":
                        remade.update((name, target.attr) for name in classes)
    return remade
