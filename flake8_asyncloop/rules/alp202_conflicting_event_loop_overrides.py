"""ALP202: ``event_loop`` fixtures of different scopes are visible to the same tests."""

from __future__ import annotations

import ast
import os
from typing import List

from flake8_asyncloop.analysis.loops import EVENT_LOOP_FIXTURE
from flake8_asyncloop.analysis.loop_scopes import is_scope
from flake8_asyncloop.rule import Bad, Good, Rule

SESSION_LOOP_CONFTEST = """\
import asyncio

import pytest


@pytest.fixture(scope="session")
def event_loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()
"""

FUNCTION_LOOP_CONFTEST = SESSION_LOOP_CONFTEST.replace('(scope="session")', "")
MODULE_LOOP_OVERRIDE = SESSION_LOOP_CONFTEST.replace('"session"', '"module"')
# Up to 0.21 an override was how a group of tests got a wider loop, and loop_scope= did not
# exist: suites pinned there keep their overrides (ALP201 stays silent there too).
FIRST_VERSION_DEPRECATING_OVERRIDE = (0, 22)


class ConflictingEventLoopOverrides(Rule):
    code = "ALP202"
    name = "conflicting-event-loop-overrides"
    # Needed in the text for a finding: only ``event_loop`` fixtures are reported
    trigger_words = ("event_loop",)
    message = (
        '`event_loop` defined here with scope "{scope}" and with another scope at {others}: '
        "the tests below get one loop or the other by where they live; give them loop_scope= "
        "marks instead"
    )

    what = """
    Flags each definition of an `event_loop` fixture when another one with a different scope
    is visible to the same tests: one in a conftest.py further up the directory tree, or a
    second one in the same file (a module-level fixture and one in a test class, say). Each
    definition in the checked file is reported, naming the others' places. A conftest.py is
    checked like any test file, against the conftest.py files above it.
    """
    why = """
    Before pytest-asyncio 1.0 the nearest `event_loop` won: tests next to a module-scoped
    override and the session-scoped fixtures from the conftest.py above them ran on different
    loops, and pytest-asyncio 0.21 stopped with ScopeMismatch. Since 1.0 every override is
    ignored (ALP201), so neither scope is what the tests get; objects shared between the two
    groups of tests fail with `attached to a different loop`. Loop scopes now belong on the
    tests and fixtures themselves.
    """
    limitations = """
    A scope given by a variable or a callable cannot be compared, so such definitions are
    skipped. Definitions in plugins (`pytest_plugins`, installed packages) are not seen. Two
    conftest.py files that disagree are reported once, in the lower one; a test module that
    defines no `event_loop` of its own is not reported. Nor is a suite that runs
    pytest-asyncio 0.21 or older (by the version linted for, or its pins and lock files):
    there an override was how tests got a wider loop, and `loop_scope=` does not exist.
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
            files={"conftest.py": SESSION_LOOP_CONFTEST},
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
            """,
            (7, 1),
            filename="tests/api/conftest.py",
            files={"tests/conftest.py": SESSION_LOOP_CONFTEST},
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


            class TestStream:
                @pytest.fixture(scope="class")
                def event_loop(self):
                    loop = asyncio.new_event_loop()
                    yield loop
                    loop.close()
            """,
            (7, 1),
            (15, 5),
        ),
        Good(
            MODULE_LOOP_OVERRIDE,
            reason="pytest-asyncio 0.21, pinned here, gives wider loops through overrides",
            files={
                "conftest.py": SESSION_LOOP_CONFTEST,
                "requirements-test.txt": "pytest-asyncio>=0.21,<0.22\n",
            },
        ),
        Good(
            """
            import pytest


            @pytest.mark.asyncio(loop_scope="session")
            async def test_ping(server):
                assert await server.ping()
            """,
            reason="no override of its own: the conftest.py's one is ALP201's business",
            files={"conftest.py": SESSION_LOOP_CONFTEST},
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.fixture
            def event_loop():
                loop = asyncio.new_event_loop()
                yield loop
                loop.close()
            """,
            reason="the same scope as the conftest.py's: the tests get the same kind of loop",
            files={"conftest.py": FUNCTION_LOOP_CONFTEST},
        ),
        Good(
            MODULE_LOOP_OVERRIDE,
            reason="a conftest.py in a sibling directory is not visible from here",
            files={"other/conftest.py": SESSION_LOOP_CONFTEST},
        ),
    )

    def visit_FunctionDef(self, node: ast.AST) -> None:
        scope = self.file.scope
        spec = scope.fixture
        if scope.node is not node or spec is None or spec.name != EVENT_LOOP_FIXTURE:
            return
        if not is_scope(spec.scope):
            return
        if self.file.project.targets_pytest_asyncio_below(FIRST_VERSION_DEPRECATING_OVERRIDE):
            return
        others = self._others(node, spec.scope)  # type: ignore[arg-type]
        if others:
            self.report(node, scope=spec.scope, others=", ".join(others))

    visit_AsyncFunctionDef = visit_FunctionDef

    def _others(self, node: ast.AST, scope: str) -> List[str]:
        """The other visible ``event_loop`` definitions with another scope, as "place (scope)"."""
        found: List[str] = []
        for func, spec in self.file.module.fixtures.get(EVENT_LOOP_FIXTURE, ()):
            if func is not node and is_scope(spec.scope) and spec.scope != scope:
                found.append(f'line {func.lineno} ("{spec.scope}")')  # type: ignore[attr-defined]
        here = os.path.abspath(self.file.filename)
        for fixture in self.file.project.conftest_fixtures(EVENT_LOOP_FIXTURE):
            if os.path.abspath(fixture.path) == here:
                continue  # a conftest.py sees itself in its own chain
            if is_scope(fixture.scope) and fixture.scope != scope:
                found.append(f'{self._shown(fixture.path)}:{fixture.line} ("{fixture.scope}")')
        return found

    def _shown(self, path: str) -> str:
        """The path as seen from the checked file's directory (``../conftest.py``)."""
        return os.path.relpath(path, os.path.dirname(os.path.abspath(self.file.filename)))
