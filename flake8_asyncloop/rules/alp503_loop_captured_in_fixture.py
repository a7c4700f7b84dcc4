"""ALP503: a fixture wider than one test keeps hold of the current event loop."""

from __future__ import annotations

import ast
from typing import Dict, Iterator, Optional, Set

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.loops import (
    EVENT_LOOP_FIXTURE,
    GET_EVENT_LOOP,
    GET_RUNNING_LOOP,
    loop_origin,
)
from flake8_asyncloop.analysis.scopes import Scope
from flake8_asyncloop.rule import Bad, Good, Rule

_CAPTURED_GETTERS = frozenset({GET_EVENT_LOOP, GET_RUNNING_LOOP})


class LoopCapturedInFixture(Rule):
    code = "ALP503"
    name = "loop-captured-in-fixture"
    # Needed in the text for a finding: the loop getters it follows
    trigger_words = ("get_event_loop", "get_running_loop")
    message = (
        "{scope}-scoped fixture '{fixture}' keeps the event loop for later tests, which may "
        "run on another loop; call asyncio.get_running_loop() where the loop is needed"
    )

    what = """
    Flags a fixture whose scope is wider than `function` that hands out or stores the
    current event loop: it returns or yields `asyncio.get_event_loop()` or
    `asyncio.get_running_loop()` (alone, or in a tuple, list or dict), directly or through
    a local name, or assigns it to an attribute (`self.loop`, `request.cls.loop`), to an
    item of a container it did not make, or to a global.
    """
    why = """
    The loop a fixture sees while it is set up is the loop of that moment. A fixture that
    outlives one test hands the same loop to every later test, while pytest-asyncio decides
    per test (and per mark or configuration) which loop a test runs on. Tests that schedule
    work on the captured loop (`call_soon`, `create_task`, `run_in_executor`) then schedule
    it on a loop that is not running their code, or that is closed once its scope ends:
    callbacks that never fire and `Event loop is closed` errors, reported by projects that
    upgraded pytest-asyncio or changed loop scopes. Under pytest-asyncio 1.x a wide
    fixture's loop stays open for its scope, so the capture works until a test runs on a
    narrower loop; the rule reports the intent, not a certain crash. A coroutine that needs
    the loop can always ask for the running one.
    """
    limitations = """
    Only loops obtained in the fixture itself are followed, not one passed through a helper
    or stored inside another object it builds. Containers and objects the fixture makes
    itself are assumed to stay local unless returned. A loop the fixture creates with
    `asyncio.new_event_loop()` is its own to hand out and is not reported, nor is the
    `event_loop` fixture's value (see ALP203). A fixture whose scope is not a literal is
    skipped.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest_asyncio


            @pytest_asyncio.fixture(scope="module", loop_scope="module")
            async def loop():
                return asyncio.get_running_loop()
            """,
            (8, 12),
        ),
        Bad(
            """
            import asyncio

            import pytest_asyncio

            from app import Server


            @pytest_asyncio.fixture(scope="session", loop_scope="session")
            async def server():
                loop = asyncio.get_running_loop()
                instance = Server()
                await instance.start()
                yield instance, loop
                await instance.stop()
            """,
            (13, 21),
            filename="conftest.py",
        ),
        Bad(
            """
            import asyncio

            import pytest


            @pytest.fixture(scope="class")
            def attach_loop(request):
                request.cls.loop = asyncio.get_event_loop()
            """,
            (8, 24),
        ),
        Bad(
            """
            import asyncio

            import pytest_asyncio

            MAIN_LOOP = None


            @pytest_asyncio.fixture(scope="session", loop_scope="session", autouse=True)
            async def remember_loop():
                global MAIN_LOOP
                MAIN_LOOP = asyncio.get_running_loop()
            """,
            (11, 17),
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_callback_runs_soon():
                loop = asyncio.get_running_loop()
                fired = loop.create_future()
                loop.call_soon(fired.set_result, True)
                assert await fired
            """,
            reason="the test asks for the loop it is running on",
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest_asyncio


            @pytest_asyncio.fixture(scope="module", loop_scope="module")
            async def started_at():
                loop = asyncio.get_running_loop()
                return {"time": loop.time()}
            """,
            reason="keeps a timestamp read from the loop, not the loop",
        ),
        Good(
            """
            import asyncio

            import pytest_asyncio


            @pytest_asyncio.fixture
            async def loop():
                return asyncio.get_running_loop()
            """,
            reason="a function-scoped fixture lives no longer than its test's loop",
        ),
        Good(
            """
            import asyncio
            import threading

            import pytest


            @pytest.fixture(scope="session")
            def worker_loop():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, daemon=True)
                thread.start()
                yield loop
                loop.call_soon_threadsafe(loop.stop)
                thread.join()
                loop.close()
            """,
            reason="a loop the fixture made for its own thread is the fixture's to hand out",
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.fixture(scope="module")
            def event_loop():
                return asyncio.get_event_loop()
            """,
            reason="the suite's own event_loop fixture: ALP201 reports it, once",
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # fixture def -> names it declares global
        self._globals: Dict[int, Set[str]] = {}

    def visit_Global(self, node: ast.Global) -> None:
        fixture = self._wide_fixture()
        if fixture is not None:
            self._globals.setdefault(id(fixture.node), set()).update(node.names)

    def visit_Return(self, node: ast.Return) -> None:
        self._check_handed_out(node.value)

    def visit_Yield(self, node: ast.Yield) -> None:
        self._check_handed_out(node.value)

    def visit_Assign(self, node: ast.Assign) -> None:
        self._check_stored(node.targets, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._check_stored([node.target], node.value)

    def _check_handed_out(self, value: Optional[ast.AST]) -> None:
        fixture = self._wide_fixture()
        if fixture is None or value is None:
            return
        for part in _parts(value):
            if self._is_captured_loop(part):
                self._report(part, fixture)
                return

    def _check_stored(self, targets, value: ast.AST) -> None:
        fixture = self._wide_fixture()
        if fixture is None or not self._is_captured_loop(value):
            return
        if any(self._escapes(target, fixture) for target in targets):
            self._report(value, fixture)

    def _escapes(self, target: ast.AST, fixture: Scope) -> bool:
        """True when storing into ``target`` keeps the value beyond the fixture's body."""
        if isinstance(target, ast.Name):
            return target.id in self._globals.get(id(fixture.node), ())
        if isinstance(target, (ast.Attribute, ast.Subscript)):
            base = target.value
            while isinstance(base, (ast.Attribute, ast.Subscript)):
                base = base.value
            # Objects and containers the fixture made itself stay local unless handed out.
            return not (isinstance(base, ast.Name) and base.id in fixture.bindings)
        return False

    def _is_captured_loop(self, expr: ast.AST) -> bool:
        return loop_origin(expr, self.file) in _CAPTURED_GETTERS

    def _wide_fixture(self) -> Optional[Scope]:
        """The fixture wider than function scope whose own body the walk is in, if any."""
        function = self.file.function
        if function is None or function.role != scopes.FIXTURE:
            return None
        spec = function.fixture
        if spec is None or spec.scope is None or spec.scope == "function":
            return None
        if spec.name == EVENT_LOOP_FIXTURE:
            return None  # the suite's own ``event_loop``: ALP201 reports it, once
        return function

    def _report(self, node: ast.AST, fixture: Scope) -> None:
        spec = fixture.fixture
        self.report(node, scope=spec.scope, fixture=spec.name)  # type: ignore[union-attr]


def _parts(value: ast.AST) -> Iterator[ast.AST]:
    """The value itself, and the items of a tuple, list, set or dict literal."""
    yield value
    if isinstance(value, (ast.Tuple, ast.List, ast.Set)):
        yield from value.elts
    elif isinstance(value, ast.Dict):
        yield from (v for v in value.values if v is not None)
