"""ALP410: in auto mode, an asyncio mark with no arguments changes nothing."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.async_runners import ASYNCIO_MARK, enclosing_classes
from flake8_asyncloop.findings import DeleteStatement, Fix, RemoveDecorator, Safety, Span
from flake8_asyncloop.rule import Bad, Good, Rule

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

AUTO_INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
AUTO_PYPROJECT = (
    "[tool.pytest.ini_options]\nasyncio_mode = \"auto\"\n"
    "asyncio_default_fixture_loop_scope = \"function\"\n"
)


class RedundantAsyncioMark(Rule):
    code = "ALP410"
    name = "redundant-asyncio-mark"
    # Needed in the text for a finding: an asyncio mark, however imported
    trigger_words = ("asyncio",)

    @classmethod
    def applies_to(cls, source: str, file: "FileState") -> bool:
        return _marks_redundant_in(file)
    message = "asyncio mark {where} is redundant in auto mode; remove it"
    fix_safety = Safety.SAFE
    default_enabled = False

    what = """
    In auto mode, flags asyncio marks given no arguments: `@pytest.mark.asyncio` (or
    `@pytest.mark.asyncio()`) on an async test or a test class, and in a module's or class's
    `pytestmark`. Off by default: enable it with `--extend-select ALP410` in suites that
    settled on auto mode for good.
    """
    why = """
    Auto mode marks every async test itself, with the default loop scope, so a bare mark
    adds nothing. Keeping them makes the suite look as if it ran in strict mode and leaves
    readers unsure which setting is in force; on a class or module they also reach the sync
    tests there, which pytest-asyncio warns about (ALP403). Marks with `loop_scope=` or
    `loop_factories=` do change things and are left alone.
    """
    fix_notes = """
    Safe: a decorator is removed; a `pytestmark = pytest.mark.asyncio` statement (or a list
    holding only that mark) is deleted. Auto mode gives the same mark to the same tests.
    A bare mark inside a `pytestmark` list with other marks is reported but not fixed: edit
    the list by hand.
    """
    limitations = """
    It trusts the pytest config file: a suite that also runs in strict mode (for instance
    with `--asyncio-mode=strict` on some command lines) needs its marks.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            (6, 2),
            fixed="""
            import asyncio


            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            files={"pytest.ini": AUTO_INI},
        ),
        Bad(
            """
            import asyncio

            import pytest

            pytestmark = pytest.mark.asyncio


            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            (5, 14),
            fixed="""
            import asyncio


            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            files={"pyproject.toml": AUTO_PYPROJECT},
        ),
        Bad(
            """
            import asyncio
            import sys

            import pytest

            pytestmark = [
                pytest.mark.skipif(sys.platform == "win32", reason="no fork"),
                pytest.mark.asyncio,
            ]


            class TestQueue:
                @pytest.mark.asyncio()
                async def test_round_trip(self):
                    queue = asyncio.Queue()
                    await queue.put(1)
                    assert await queue.get() == 1
            """,
            (8, 5),
            (13, 6),
            fixed="""
            import asyncio
            import sys

            import pytest

            pytestmark = [
                pytest.mark.skipif(sys.platform == "win32", reason="no fork"),
                pytest.mark.asyncio,
            ]


            class TestQueue:
                async def test_round_trip(self):
                    queue = asyncio.Queue()
                    await queue.put(1)
                    assert await queue.get() == 1
            """,
            files={"pytest.ini": AUTO_INI},
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio(loop_scope="module")
            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            reason="a mark with a loop scope does what auto mode alone would not",
            files={"pytest.ini": AUTO_INI},
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            reason="in strict mode the mark is what makes the test run",
            runs=True,
        ),
    )

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        scope = self.file.scope
        if scope.role != scopes.TEST or not self._applies():
            return
        classes = enclosing_classes(scope)
        if classes is None or any(owner.class_kind != "pytest" for owner in classes):
            return
        self._report_decorators(node.decorator_list, "on the test")

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if self.file.scope.class_kind == "pytest" and self._applies():
            self._report_decorators(node.decorator_list, f"on class {node.name}")

    def visit_Assign(self, node: ast.Assign) -> None:
        if len(node.targets) == 1:
            self._check_pytestmark(node, node.targets[0], node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._check_pytestmark(node, node.target, node.value)

    # -- helpers ------------------------------------------------------------------------------
    def _applies(self) -> bool:
        return _marks_redundant_in(self.file)

    def _report_decorators(self, decorators, where: str) -> None:
        for decorator in decorators:
            if self._bare_mark(decorator):
                fix = Fix(Safety.SAFE, "remove the mark", (RemoveDecorator(Span.of(decorator)),))
                self.report(decorator, fix, where=where)

    def _check_pytestmark(self, statement: ast.stmt, target: ast.expr, value: ast.expr) -> None:
        scope = self.file.scope
        if not (isinstance(target, ast.Name) and target.id == "pytestmark"):
            return
        if scope.kind == scopes.CLASS:
            if scope.class_kind != "pytest":
                return
            where = f"in class {scope.node.name}'s pytestmark"  # type: ignore[attr-defined]
        elif scope.kind == scopes.MODULE:
            where = "in the module's pytestmark"
        else:
            return
        if not self._applies():
            return
        items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
        for item in items:
            if self._bare_mark(item):
                self.report(item, self._statement_fix(statement, items), where=where)

    def _statement_fix(self, statement: ast.stmt, items) -> Optional[Fix]:
        if len(items) != 1:
            return None
        edit = DeleteStatement(Span.of(statement))
        return Fix(Safety.SAFE, "delete the pytestmark assignment", (edit,))

    def _bare_mark(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Call):
            if node.args or node.keywords:
                return False
            node = node.func
        return self.file.resolve(node) == ASYNCIO_MARK


def _marks_redundant_in(file: "FileState") -> bool:
    """Only auto mode makes a bare asyncio mark redundant, and only in a test module."""
    return file.project.config.auto_mode and file.is_test_file and not file.is_conftest
