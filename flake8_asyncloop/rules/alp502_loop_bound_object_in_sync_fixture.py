"""ALP502: a sync fixture builds a loop-bound object that outlives, or misses, its tests' loop."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterable, Iterator, Optional, Set, Tuple

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.loop_bound import (
    binds_at_construction,
    loop_bound_call,
    loop_bound_call_names,
    outlives_test_loops,
)
from flake8_asyncloop.analysis.loop_scopes import (
    Unknown,
    asyncio_mark_levels,
    closest_mark_scope,
    default_test_loop_scope,
    fixture_loop_scope,
    wider,
)
from flake8_asyncloop.analysis.scopes import Scope
from flake8_asyncloop.analysis.testcode import fixture_spec, requested_fixtures
from flake8_asyncloop.analysis.text_gates import mentions_loop_bound_constructor
from flake8_asyncloop.rule import Bad, Good, Rule

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState
    from flake8_asyncloop.options import Options

_PYTEST_ASYNCIO = "pytest_asyncio"


class LoopBoundObjectInSyncFixture(Rule):
    code = "ALP502"
    name = "loop-bound-object-in-sync-fixture"
    message = (
        "{constructor}() built in sync fixture '{fixture}' {problem}; "
        "build it in an async fixture on the loop its tests run on"
    )

    @classmethod
    def callees(cls, options: "Options") -> FrozenSet[str]:
        return loop_bound_call_names(options.loop_bound_names)

    @classmethod
    def applies_to(cls, source: str, file: "FileState") -> bool:
        # a fixture that builds a loop-bound object
        return "fixture" in source and mentions_loop_bound_constructor(
            source, file.options.loop_bound_names
        )

    what = """
    Flags a loop-bound object (see ALP501 for the list) built in a sync fixture whose scope
    is wider than `function`, and one that a function-scoped sync fixture hands to its
    tests (returns or yields, directly or through a local name) when the object takes its
    loop as soon as it is built, such as `asyncio.Future()` or aiohttp's `ClientSession()`.
    """
    why = """
    A sync fixture runs outside any event loop, and a wide one keeps its value while
    pytest-asyncio gives each test a loop of its own (by default). asyncio's locks, events
    and queues bind to the first loop that waits on them, so with a `module`- or
    `session`-scoped fixture the first test passes and the next fails with `RuntimeError:
    ... is bound to a different event loop`; connection pools fail at the next test or at
    teardown with `Event loop is closed`. Objects that take a loop when built go wrong even
    in a function-scoped sync fixture: pytest-asyncio does not run sync fixtures on the
    test's loop, so a future built there is `attached to a different loop` when the test
    awaits it, and aiohttp's `ClientSession()` fails with `no running event loop`.
    """
    limitations = """
    A lock, event or queue built in a function-scoped sync fixture is not reported: since
    Python 3.10 it binds to the loop of the one test that uses it, which works. A wider
    fixture building one is not reported when the file's tests all run on a loop at least as
    wide (a `pytestmark` asyncio mark with `loop_scope`, or
    `asyncio_default_test_loop_scope`, or a conftest.py hook marking every test with that
    loop scope), nor in a test module whose every user of the fixture
    is an async test or fixture on a loop at least as wide (their own marks, their classes',
    the module's; an `event_loop` fixture's users are every async test and fixture of the
    module, as pytest-asyncio before 1.0 had it); with the module-wide settings, a test that
    narrows its own loop scope is not noticed, and the users of a conftest.py's fixture,
    elsewhere, are not looked for.
    The function-scoped case is only reported in files with async tests or fixtures (or
    that import pytest_asyncio), and in conftest.py files; objects built and kept elsewhere
    than the fixture's return or yield value (`self.x = ...`) are not followed there.
    Constructors added with `--asyncloop-loop-bound-names` count as binding on first use.
    A fixture whose scope is not a literal is skipped. A wide fixture's object that never
    leaves it is not reported: bound once to a name in its body, used only for its methods
    (`shutdown.wait()` on a loop the fixture runs itself,
    `loop.call_soon_threadsafe(shutdown.set)`), and named neither by what the fixture
    returns or yields nor through a def or lambda of the fixture that it hands out.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest


            @pytest.fixture(scope="module")
            def ready():
                return asyncio.Event()


            async def announce(event):
                await asyncio.sleep(0)
                event.set()


            @pytest.mark.asyncio
            async def test_first_announcement(ready):
                ready.clear()
                task = asyncio.create_task(announce(ready))
                await ready.wait()
                await task


            @pytest.mark.asyncio
            async def test_second_announcement(ready):
                ready.clear()
                task = asyncio.create_task(announce(ready))
                await ready.wait()
                await task
            """,
            (8, 12),
            runs=True,
        ),
        Bad(
            """
            import asyncio

            import pytest


            @pytest.fixture
            def reply():
                future = asyncio.Future()
                return future


            @pytest.mark.asyncio
            async def test_reply_arrives(reply):
                asyncio.get_running_loop().call_soon(reply.set_result, "pong")
                assert await reply == "pong"
            """,
            (8, 14),
            runs=True,
        ),
        Bad(
            """
            import httpx
            import pytest


            @pytest.fixture(scope="session")
            def api():
                client = httpx.AsyncClient(base_url="http://testserver")
                yield client
            """,
            (7, 14),
            filename="conftest.py",
        ),
        Bad(
            """
            import aiohttp
            import pytest


            @pytest.fixture
            def session():
                yield aiohttp.ClientSession()


            @pytest.mark.asyncio
            async def test_health(session, base_url):
                async with session.get(base_url + "/health") as response:
                    assert response.status == 200
            """,
            (7, 11),
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
            reason="an async fixture builds the event on the loop of the test that uses it",
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.fixture
            def ready():
                return asyncio.Event()


            async def announce(event):
                await asyncio.sleep(0)
                event.set()


            @pytest.mark.asyncio
            async def test_announcement(ready):
                task = asyncio.create_task(announce(ready))
                await ready.wait()
                await task
            """,
            reason="a function-scoped event binds on first wait, to the one test's loop",
            runs=True,
            python=(3, 10),
        ),
        Good(
            """
            import asyncio

            import pytest

            pytestmark = pytest.mark.asyncio(loop_scope="module")


            @pytest.fixture(scope="module")
            def ready():
                return asyncio.Event()


            async def announce(event):
                await asyncio.sleep(0)
                event.set()


            async def test_first_announcement(ready):
                ready.clear()
                task = asyncio.create_task(announce(ready))
                await ready.wait()
                await task


            async def test_second_announcement(ready):
                ready.clear()
                task = asyncio.create_task(announce(ready))
                await ready.wait()
                await task
            """,
            reason="every test of the module runs on the module's loop, which the event binds to",
            runs=True,
            python=(3, 10),
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.fixture(scope="session")
            def ready():
                return asyncio.Event()


            async def announce(event):
                await asyncio.sleep(0)
                event.set()


            class TestAnnouncements:
                @pytest.mark.asyncio(loop_scope="session")
                async def test_first(self, ready):
                    ready.clear()
                    task = asyncio.create_task(announce(ready))
                    await ready.wait()
                    await task

                @pytest.mark.asyncio(loop_scope="session")
                async def test_second(self, ready):
                    ready.clear()
                    task = asyncio.create_task(announce(ready))
                    await ready.wait()
                    await task
            """,
            reason="each test that requests it runs on the session loop, which the event binds to",
            runs=True,
            python=(3, 10),
        ),
        Good(
            """
            import threading

            import pytest


            @pytest.fixture(scope="session")
            def registry():
                return {"lock": threading.Lock(), "jobs": []}
            """,
            reason="a thread lock and a dict are not tied to any event loop",
        ),
        Good(
            """
            import asyncio

            import pytest

            from app.callbacks import deliver


            @pytest.fixture
            def outcome():
                return asyncio.Future()


            def test_deliver_sets_result(outcome):
                deliver(outcome, 42)
                assert outcome.result() == 42
            """,
            reason="only sync tests here: nothing awaits the future on another loop",
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._reported: Set[int] = set()
        # (fixture def, local name) -> the call whose loop-bound result the name holds
        self._held: Dict[Tuple[int, str], ast.Call] = {}
        self._serves_async: Optional[bool] = None

    # -- wide fixtures: every loop-bound object built in them -------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        fixture = self._sync_fixture()
        scope = _scope_of(fixture)
        if fixture is None or scope is None or scope == "function":
            return
        constructor = loop_bound_call(node, self.file)
        if constructor is None:
            return
        if binds_at_construction(constructor) or (
            outlives_test_loops(self.file, scope) and not self._users_share_a_loop(fixture, scope)
        ):
            if _kept_inside(node, fixture.node):
                return  # no test ever sees it: the fixture uses it on a loop of its own
            problem = f"outlives each test's loop (scope={scope!r})"
            self._report(node, constructor, fixture, problem)

    # -- function-scoped fixtures: objects that take a loop when built, handed to tests -----------
    def visit_Assign(self, node: ast.Assign) -> None:
        fixture = self._sync_fixture()
        if fixture is None:
            return
        call = node.value if isinstance(node.value, ast.Call) else None
        for target in node.targets:
            if isinstance(target, ast.Name):
                key = (id(fixture.node), target.id)
                if call is not None:
                    self._held[key] = call
                else:
                    self._held.pop(key, None)

    def visit_Return(self, node: ast.Return) -> None:
        self._handed_out(node.value)

    def visit_Yield(self, node: ast.Yield) -> None:
        self._handed_out(node.value)

    def _handed_out(self, value: Optional[ast.AST]) -> None:
        fixture = self._sync_fixture()
        if fixture is None or _scope_of(fixture) != "function" or value is None:
            return
        call = value if isinstance(value, ast.Call) else None
        if call is None and isinstance(value, ast.Name):
            call = self._held.get((id(fixture.node), value.id))
        if call is None:
            return
        constructor = loop_bound_call(call, self.file)
        if constructor is None or not binds_at_construction(constructor):
            return
        if self._serves_async_tests():
            self._report(call, constructor, fixture, "is bound to a loop other than its test's")

    # -- helpers --------------------------------------------------------------------------------
    def _sync_fixture(self) -> Optional[Scope]:
        """The sync fixture whose own body the walk is in, if any."""
        function = self.file.function
        if function is None or function.role != scopes.FIXTURE or function.is_async:
            return None
        return function

    def _report(self, call: ast.Call, constructor: str, fixture: Scope, problem: str) -> None:
        if id(call) in self._reported:
            return
        self._reported.add(id(call))
        name = fixture.fixture.name  # type: ignore[union-attr]
        self.report(call, constructor=constructor, fixture=name, problem=problem)

    def _users_share_a_loop(self, fixture: Scope, scope: str) -> bool:
        """Whether the fixture's users, all in this test module, run on loops that live at
        least as long as its value: every async test requesting it has a loop scope that
        wide (its marks, its classes', the module's), every async fixture too, and nothing
        else requests it. A conftest.py's users are elsewhere: never."""
        file = self.file
        if file.is_conftest:
            return False
        name = fixture.fixture.name  # type: ignore[union-attr]
        config = file.project.config
        users = 0
        # Before 1.0, pytest-asyncio gave the `event_loop` fixture to every async test and
        # fixture, whether they asked for it or not.
        implicit = name == "event_loop"
        for function, classes in _defs_with_classes(file.tree.body, ()):
            if function is fixture.node:
                continue
            if name not in requested_fixtures(function) and not (
                implicit and _async_test_or_fixture(function, file)
            ):
                continue
            users += 1
            if not isinstance(function, ast.AsyncFunctionDef):
                return False  # a sync user may hand it to code on any loop
            spec = file.module.specs.get(function) or fixture_spec(function, file.imports)
            if spec is not None:
                loop = fixture_loop_scope(spec.scope, spec.loop_scope, config)
            else:
                levels = asyncio_mark_levels(
                    function, reversed(classes), file.module.pytestmark, file.imports
                )
                try:
                    loop = closest_mark_scope(levels, config) or default_test_loop_scope(config)
                except Unknown:
                    return False
            if loop is None or wider(scope, loop):
                return False
        return users > 0

    def _serves_async_tests(self) -> bool:
        """Whether the fixture's users may be async: the file has async tests or fixtures (or
        imports pytest_asyncio), or it is a conftest.py serving a whole directory."""
        if self._serves_async is None:
            file = self.file
            self._serves_async = (
                file.is_conftest
                or file.imports.lookup(_PYTEST_ASYNCIO) is not None
                or _has_async_defs(file.module.functions.values())
                or any(_has_async_defs(c.body) for c in file.module.classes.values())
            )
        return self._serves_async


def _async_test_or_fixture(function: ast.AST, file: "FileState") -> bool:
    if not isinstance(function, ast.AsyncFunctionDef):
        return False
    spec = file.module.specs.get(function) or fixture_spec(function, file.imports)
    return spec is not None or function.name.startswith("test")


def _scope_of(fixture: Optional[Scope]) -> Optional[str]:
    """The fixture's scope when it is a literal; None otherwise."""
    if fixture is None or fixture.fixture is None:
        return None
    return fixture.fixture.scope


def _defs_with_classes(
    body: Iterable[ast.stmt], classes: Tuple[ast.ClassDef, ...]
) -> Iterator[Tuple[ast.AST, Tuple[ast.ClassDef, ...]]]:
    """The defs of a module and of its classes, each with its enclosing classes."""
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield statement, classes
        elif isinstance(statement, ast.ClassDef):
            yield from _defs_with_classes(statement.body, classes + (statement,))


def _has_async_defs(nodes: Iterable[ast.AST]) -> bool:
    return any(isinstance(node, ast.AsyncFunctionDef) for node in nodes)


# Statements that keep or hand on the value they are given.
_KEEPING = (ast.Yield, ast.YieldFrom, ast.Return, ast.Assign, ast.AnnAssign, ast.NamedExpr)


def _kept_inside(call: ast.Call, fixture: ast.AST) -> bool:
    """Whether the object ``call`` builds never leaves the fixture: it is bound once, in the
    fixture's own body, to a name that is only ever used for its methods and attributes
    (``event.wait()``, ``loop.call_soon_threadsafe(event.set)``), never passed, stored,
    returned or yielded itself, and what the fixture hands out names neither it nor a def
    or lambda of the fixture (which could take it along)."""
    name = next(
        (
            statement.targets[0].id
            for statement in fixture.body  # type: ignore[attr-defined]
            if isinstance(statement, ast.Assign)
            and statement.value is call
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
        ),
        None,
    )
    if name is None:
        return False
    carriers = {name}  # names that may hold the object or code that uses it
    parents: Dict[int, ast.AST] = {}
    handed_out = []
    for node in ast.walk(fixture):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
        if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return False
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not fixture:
            carriers.add(node.name)
        if isinstance(node, (ast.Yield, ast.YieldFrom, ast.Return)) and node.value is not None:
            handed_out.append(node.value)
    stores = 0
    for node in ast.walk(fixture):
        if not (isinstance(node, ast.Name) and node.id == name):
            continue
        if not isinstance(node.ctx, ast.Load):
            stores += 1
            continue
        parent = parents.get(id(node))
        if not (isinstance(parent, ast.Attribute) and parent.value is node):
            return False  # the object itself goes somewhere
        used = parents.get(id(parent))
        if isinstance(used, ast.Call) and used.func is parent:
            used = parents.get(id(used))  # what a method's result goes to
        if isinstance(used, _KEEPING):
            return False  # an attribute, a bound method or a method's result handed on or kept
    if stores != 1:
        return False
    return not any(
        isinstance(part, ast.Lambda) or (isinstance(part, ast.Name) and part.id in carriers)
        for value in handed_out
        for part in ast.walk(value)
    )
