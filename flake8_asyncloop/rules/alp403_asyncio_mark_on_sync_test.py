"""ALP403: an asyncio mark reaches a sync test, where it does nothing but warn."""

from __future__ import annotations

import ast
from typing import List, Optional, Tuple

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.async_runners import (
    always_skipped,
    def_marks,
    enclosing_classes,
    owner_marks,
    yields,
)
from flake8_asyncloop.context.warning_filters import action_on
from flake8_asyncloop.findings import Fix, RemoveDecorator, Safety, Span
from flake8_asyncloop.rule import Bad, Good, Rule

REMOVE = "remove the mark"
ONLY_WARNS = "which only warns"
# Before 1.0 the mark also requested ``event_loop`` for the test: a fresh current loop.
GIVES_A_LOOP = "which warns and, before pytest-asyncio 1.0, makes a fresh loop current for it"
FAILS_IT = "which warns, and the pytest config turns that warning into an error"
# What pytest-asyncio warns, through the test item (``<Function name>``), and its classes.
WARNING_TEXT = (
    "The test <Function {test}> is marked with '@pytest.mark.asyncio' but it is not an async "
    "function. Please remove the asyncio mark."
)
WARNING_CLASSES = ("PytestWarning", "UserWarning", "Warning")
FIRST_VERSION_ONLY_WARNING = (1, 0)
MARK_ASYNC_ONLY = "mark only the async tests, or move this test out"
REMOVE_CLASS_MARK = "remove the class's mark: no test in the class is async"
# Auto mode runs the async tests without a mark: one with no arguments serves none of them.
REMOVE_IN_AUTO_MODE = "remove the mark: in auto mode the async tests run without it"


class AsyncioMarkOnSyncTest(Rule):
    code = "ALP403"
    name = "asyncio-mark-on-sync-test"
    # Needed in the text for a finding: an asyncio mark, however imported
    trigger_words = ("asyncio",)
    message = "{source} marks sync test '{test}' with asyncio, {effect}; {action}"
    fix_safety = Safety.SAFE

    what = """
    Flags an asyncio mark that reaches a sync test: a `@pytest.mark.asyncio` decorator on the
    test, a mark on its class (decorator or class-body `pytestmark`), or the module's
    `pytestmark`.
    """
    why = """
    The asyncio mark only means something on a coroutine. On a sync test pytest-asyncio
    emits `PytestWarning: The test ... is marked with '@pytest.mark.asyncio' but it is not an
    async function`, which fails the run under `-W error` or `filterwarnings = error`. A mark
    on a sync test usually means the test was meant to be async, or lost its `async` in a
    refactoring and no longer awaits what it should.
    """
    fix_notes = """
    Safe for a decorator on the test itself: it is removed, which changes nothing but the
    warning. Unsafe where the suite runs a pytest-asyncio older than 1.0 (the version linted
    for, or the project's pins): there the mark also made a fresh loop current for the
    sync test, which it may use. No fix when the mark comes from the class or the module:
    those marks serve the async tests beside it, so mark those one by one or move the sync
    test elsewhere; a class with nothing async in it is told to drop its mark, and so is a
    class's or module's mark with no arguments in auto mode, where the async tests run
    without it.
    """
    limitations = """
    A test with an unconditional `pytest.mark.skip` (its own or its class's) is left alone:
    pytest never calls it, and nothing warns.
    The message says the warning fails the test where the pytest config's `filterwarnings`,
    or `-W` in its `addopts`, turn it into an error; a `filterwarnings` mark on the test,
    its class or its module is not read, nor a `-W` given on the command line.
    Marks given through `pytest.param(..., marks=...)` are not followed. A test wrapped by a
    decorator the linter does not know is left alone, since the decorator may make it async.
    A generator test (`yield from client.get()`, a coroutine of Python 3.4's kind) is left
    alone too: pytest refuses to collect its module at all ("'yield' keyword is allowed in
    fixtures, but not in tests"), and removing the mark would not make it run.
    """
    examples = (
        Bad(
            """
            import pytest


            @pytest.mark.asyncio
            def test_parse_port():
                assert int("8080") == 8080
            """,
            (4, 2),
            fixed="""
            def test_parse_port():
                assert int("8080") == 8080
            """,
            runs=True,
        ),
        Bad(
            """
            import pytest


            @pytest.mark.asyncio
            def test_parse_port():
                assert int("8080") == 8080
            """,
            (4, 2),
            fixed="""
            def test_parse_port():
                assert int("8080") == 8080
            """,
            files={
                "pytest.ini": (
                    "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
                    "filterwarnings =\n    error\n"
                )
            },
            runs=True,
        ),
        Bad(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            class TestQueue:
                async def test_round_trip(self):
                    queue = asyncio.Queue()
                    await queue.put(1)
                    assert await queue.get() == 1

                def test_starts_empty(self):
                    assert asyncio.Queue().empty()
            """,
            (13, 5),
            runs=True,
        ),
        Bad(
            """
            import asyncio

            import pytest

            pytestmark = [pytest.mark.asyncio(loop_scope="module")]


            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3


            def test_default_limit():
                assert asyncio.Semaphore()._value == 1
            """,
            (12, 1),
            runs=True,
        ),
        Bad(
            """
            import pytest


            @pytest.mark.asyncio
            class TestModeOption:
                def test_defaults(self):
                    assert dict(a=1) == {"a": 1}
            """,
            (6, 5),
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest


            class TestQueue:
                @pytest.mark.asyncio
                async def test_round_trip(self):
                    queue = asyncio.Queue()
                    await queue.put(1)
                    assert await queue.get() == 1

                def test_starts_empty(self):
                    assert asyncio.Queue().empty()
            """,
            reason="only the async test carries the mark",
            runs=True,
        ),
        Good(
            """
            import pytest

            from helpers import run_in_loop


            @pytest.mark.asyncio
            @run_in_loop
            def test_connect(server):
                assert server.connected
            """,
            reason="a decorator the linter cannot see into may make the test async",
        ),
        Good(
            """
            import pytest


            @pytest.mark.skip(reason="the service rate-limits this account")
            @pytest.mark.asyncio
            def test_quota_reset():
                assert False
            """,
            reason="a test always skipped is never called: nothing warns",
            runs=True,
        ),
    )

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        file = self.file
        scope = file.scope
        if scope.role != scopes.TEST or file.is_conftest:
            return
        classes = enclosing_classes(scope)
        # unittest-style classes run their own tests (pytest-asyncio never sees their marks);
        # pytest does not collect a test class with an ``__init__``.
        if classes is None or not all(c.collected for c in classes):
            return
        own = def_marks(node, file)
        if own.unknown is not None:
            return
        if always_skipped(node, classes, file):
            return  # never called: pytest-asyncio never sees it, nor warns
        # Before 1.0 the test may use the loop the mark gives it: removing it is no longer
        # only about a warning.
        gives_a_loop = file.project.targets_pytest_asyncio_below(FIRST_VERSION_ONLY_WARNING)
        if self._warning_is_an_error(node):
            effect = FAILS_IT
        else:
            effect = GIVES_A_LOOP if gives_a_loop else ONLY_WARNS
        if own.asyncio:
            if yields(node) is not None:
                return  # a generator test: see below
            for decorator in own.asyncio:
                edit = RemoveDecorator(Span.of(decorator))
                safety = Safety.UNSAFE if gives_a_loop else Safety.SAFE
                fix = Fix(safety, "remove the asyncio mark", (edit,))
                self.report(
                    decorator, fix, source="a decorator", test=node.name, effect=effect,
                    action=REMOVE,
                )
            return
        inherited = self._inherited_mark(classes)
        if inherited is not None and yields(node) is None:
            # A generator test (``yield from client.get()``, a coroutine of Python 3.4's
            # kind) is one pytest refuses to collect at all: the mark is the least of its
            # problems (aipfs, aiodcard).
            source, owner, marks = inherited
            # A class with no coroutine method has no test the mark serves (chainlit); an
            # ``async def`` nested in a sync test is a helper, not a test (ydb).
            serves_nothing = owner is not None and not _has_async_method(owner)
            if serves_nothing:
                action = REMOVE_CLASS_MARK
            elif file.project.config.auto_mode and all(map(_without_arguments, marks)):
                action = REMOVE_IN_AUTO_MODE  # omnibase-core
            else:
                action = MARK_ASYNC_ONLY
            self.report(node, source=source, test=node.name, effect=effect, action=action)

    def _warning_is_an_error(self, node: ast.FunctionDef) -> bool:
        """Whether the config's warning filters (``filterwarnings``, ``-W`` in ``addopts``)
        make pytest-asyncio's warning fail the test. pytest warns through the test item, so
        the warning's module is the test file's path without ``.py``, as Python names it."""
        file = self.file
        filters = file.project.config.warning_filters
        if not filters:
            return False
        text = WARNING_TEXT.format(test=node.name)
        module = file.filename[:-3] if file.filename.endswith(".py") else file.filename
        return action_on(filters, text, WARNING_CLASSES, module) == "error"

    def _inherited_mark(
        self, classes
    ) -> Optional[Tuple[str, Optional[ast.ClassDef], List[ast.AST]]]:
        """Where a mark reaching the test from outside comes from, the class that carries
        it, and the asyncio marks there; None if none does."""
        for owner in classes:
            marks = owner_marks(owner, self.file.imports)
            if marks.unknown is not None:
                return None
            if marks.asyncio:
                return f"class {owner.node.name}", owner.node, list(marks.asyncio)
        # The module index read the pytestmark marks already (``asyncio.with_args`` too).
        module_marks = [
            mark for name, mark in self.file.module.pytestmark if name.split(".", 1)[0] == "asyncio"
        ]
        if module_marks:
            return "the module's pytestmark", None, module_marks
        return None


def _without_arguments(mark: ast.AST) -> bool:
    """``pytest.mark.asyncio`` or ``pytest.mark.asyncio()``: no loop scope, nothing else."""
    if isinstance(mark, ast.Call):
        return not mark.args and not mark.keywords
    return isinstance(mark, (ast.Attribute, ast.Name))


def _has_async_method(owner: ast.ClassDef) -> bool:
    """Whether the class, or a class nested in it, defines an ``async def`` of its own."""
    for member in owner.body:
        if isinstance(member, ast.AsyncFunctionDef):
            return True
        if isinstance(member, ast.ClassDef) and _has_async_method(member):
            return True
    return False
