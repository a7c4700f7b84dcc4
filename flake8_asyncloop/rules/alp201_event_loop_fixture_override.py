"""ALP201: test code defines a fixture named ``event_loop``, which pytest-asyncio 1.0 removed."""

from __future__ import annotations

import ast
from typing import Optional

from flake8_asyncloop.analysis.loops import EVENT_LOOP_FIXTURE
from flake8_asyncloop.findings import DeleteStatement, Fix, Safety, Span
from flake8_asyncloop.rule import Bad, Good, Rule

# The only calls a plain "new loop, yield it, close it" override makes.
LOOP_FACTORY_CALLS = frozenset(
    {
        "new_event_loop",
        "get_event_loop_policy",
        "set_event_loop",
        "close",
        "run_until_complete",
        "shutdown_asyncgens",
        "shutdown_default_executor",
        "is_closed",
        "is_running",
        "stop",
    }
)

# Before 0.22 overriding ``event_loop`` was pytest-asyncio's documented way to widen the loop.
FIRST_VERSION_DEPRECATING_OVERRIDE = (0, 22)


class EventLoopFixtureOverride(Rule):
    code = "ALP201"
    name = "event-loop-fixture-override"
    message = (
        "`event_loop` fixture defined: pytest-asyncio 1.0 removed this fixture "
        "and runs no async code in it; {action}"
    )
    fix_safety = Safety.UNSAFE

    what = """
    Flags a fixture named `event_loop` defined in a test module or `conftest.py`, whatever
    the decorator is spelled (`@pytest.fixture`, `@fixture`, `@pytest_asyncio.fixture`, an
    alias) and including a fixture renamed to it with `name="event_loop"`. The message says
    what to do instead: delete a function-scoped override, and move a wider one's scope to
    `loop_scope=` on the tests and fixtures it served.
    """
    why = """
    Up to pytest-asyncio 0.21, overriding `event_loop` was how a suite gave its tests a
    module- or session-wide loop; 0.22 to 0.26 warned that it was deprecated, and 1.0 removed
    the fixture. An override is now an ordinary fixture that pytest-asyncio never looks at:
    async tests and fixtures run on pytest-asyncio's own function-scoped loop, so objects
    shared across tests end up `attached to a different loop`, and fixtures that were widened
    to match the override fail with ScopeMismatch. Nothing warns about it any more.
    """
    fix_notes = """
    Unsafe: a function-scoped override that does nothing but create a loop, yield (or
    return) it and close it is deleted, since pytest-asyncio 1.x already gives every test
    a fresh function-scoped loop. It is not deleted when a sync function in the same module
    requests `event_loop` (those tests use it as their own loop: rename it instead). A
    sync test in another module that requests a deleted conftest override will then fail
    with `fixture 'event_loop' not found`, which is why the fix is unsafe. A wider override
    has no automatic fix yet: the message names the `loop_scope=` to give the tests and
    fixtures it served.
    """
    limitations = """
    Some suites define `event_loop` to hand sync tests a loop of their own; that still works,
    but the name invites async code to request it (ALP203). Rename such a fixture rather than
    delete it. A fixture made without a decorator (`event_loop = pytest.fixture(make_loop)`)
    or defined in a plugin module outside the test code is not seen. When the target
    pytest-asyncio version is known to be older than 0.22, where the override was the
    documented way to change the loop, the rule is silent.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest


            @pytest.fixture(scope="module")
            def event_loop():
                loop = asyncio.new_event_loop()
                yield loop
                loop.close()


            @pytest.mark.asyncio
            async def test_ping(server):
                assert await server.ping()
            """,
            (7, 1),
        ),
        Bad(
            """
            import asyncio

            import pytest


            @pytest.fixture
            def event_loop():
                loop = asyncio.new_event_loop()
                yield loop
                loop.close()


            @pytest.mark.asyncio
            async def test_sleep():
                assert await asyncio.sleep(0, "done") == "done"
            """,
            (7, 1),
            fixed="""
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_sleep():
                assert await asyncio.sleep(0, "done") == "done"
            """,
        ),
        Bad(
            """
            import asyncio

            import pytest_asyncio as pa


            class TestStream:
                @pa.fixture(scope="class", name="event_loop")
                def class_loop(self):
                    loop = asyncio.new_event_loop()
                    yield loop
                    loop.close()
            """,
            (8, 5),
        ),
        Bad(
            """
            import asyncio

            import pytest_asyncio


            @pytest_asyncio.fixture(scope="session")
            async def event_loop():
                yield asyncio.get_running_loop()
            """,
            (7, 1),
            filename="conftest.py",
        ),
        Bad(
            """
            import asyncio

            from pytest import fixture


            @fixture(scope="session")
            def event_loop(request):
                return asyncio.get_event_loop_policy().new_event_loop()
            """,
            (7, 1),
        ),
        Good(
            """
            import pytest


            @pytest.mark.asyncio(loop_scope="module")
            async def test_ping(server):
                assert await server.ping()
            """,
            reason="the loop's scope is given on the tests that share it, not by a fixture",
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.fixture
            def fresh_loop():
                loop = asyncio.new_event_loop()
                yield loop
                loop.close()


            def test_sync_runner(fresh_loop):
                assert fresh_loop.run_until_complete(asyncio.sleep(0, 1)) == 1
            """,
            reason="a loop fixture of the suite's own under another name collides with nothing",
        ),
        Good(
            """
            import asyncio


            def event_loop():
                return asyncio.new_event_loop()


            def test_helper_loop():
                loop = event_loop()
                loop.close()
            """,
            reason="a plain helper function named event_loop is not a fixture",
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.fixture(name="loop")
            def event_loop():
                loop = asyncio.new_event_loop()
                yield loop
                loop.close()
            """,
            reason="name= gives the fixture another name; event_loop is only the function's",
        ),
    )

    def visit_FunctionDef(self, node: ast.AST) -> None:
        scope = self.file.scope
        if scope.node is not node or scope.fixture is None:
            return
        if scope.fixture.name != EVENT_LOOP_FIXTURE:
            return
        version = self.file.project.pytest_asyncio_version
        if version is not None and version < FIRST_VERSION_DEPRECATING_OVERRIDE:
            return
        fix = None
        if scope.fixture.scope == "function" and _only_makes_a_loop(node) and not self._sync_users(node):
            fix = Fix(Safety.UNSAFE, "delete the override", (DeleteStatement(Span.of(node)),))
        self.report(node, fix, action=_action(scope.fixture.scope))

    visit_AsyncFunctionDef = visit_FunctionDef

    def _sync_users(self, fixture: ast.AST) -> bool:
        """Whether a sync def in this module requests ``event_loop`` (its own loop fixture)."""
        module = self.file.module
        candidates = list(module.functions.values())
        for cls in module.classes.values():
            candidates += [m for m in cls.body if isinstance(m, ast.FunctionDef)]
        return any(
            isinstance(f, ast.FunctionDef)
            and f is not fixture
            and any(a.arg == EVENT_LOOP_FIXTURE for a in f.args.args + f.args.kwonlyargs)
            for f in candidates
        )


def _only_makes_a_loop(node: ast.AST) -> bool:
    """True for the classic override body: new loop, yield or return it, close it."""
    makes_loop = False
    for inner in ast.walk(node):  # a fixture body of a few statements
        if isinstance(inner, ast.Call):
            func = inner.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in LOOP_FACTORY_CALLS:
                return False
            makes_loop = makes_loop or name == "new_event_loop"
        elif isinstance(inner, (ast.Await, ast.AsyncWith, ast.AsyncFor)) or (
            inner is not node and isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        ):
            return False
    return makes_loop


def _action(scope: Optional[str]) -> str:
    if scope == "function":
        return "delete it (rename it instead if sync tests use it as their own loop)"
    if scope is None:
        return "delete it and give the tests and fixtures it served a matching loop_scope="
    return f'delete it and give the tests and fixtures it served loop_scope="{scope}"'
