"""ALP405: an async test method in a plain ``unittest.TestCase``, which never awaits it."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.async_runners import decorator_marks, spelling
from flake8_asyncloop.analysis.names import ImportTable
from flake8_asyncloop.analysis.testcode import SYNC_TESTCASE_BASES, pytestmark_value
from flake8_asyncloop.analysis.text_gates import mentions_async
from flake8_asyncloop.findings import AddImport, Fix, ReplaceExpression, Safety, Span
from flake8_asyncloop.rule import Bad, Good, Rule

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

ISOLATED_TESTCASE = "unittest.IsolatedAsyncioTestCase"
# Members through which a TestCase subclass can take over running its test methods.
RUNNER_MEMBERS = frozenset(
    {"run", "debug", "_callTestMethod", "__getattribute__", "__getattr__", "__init_subclass__"}
)


class AsyncTestInUnittestTestcase(Rule):
    code = "ALP405"
    name = "async-test-in-unittest-testcase"
    assumes_pytest_asyncio = False
    # Needed in the text for a finding: a direct ``unittest.TestCase`` base
    trigger_words = ("TestCase",)
    message = (
        "async test '{test}' in unittest.TestCase subclass {cls} is never awaited, so it passes "
        "without running; subclass unittest.IsolatedAsyncioTestCase"
    )
    fix_safety = Safety.UNSAFE

    @classmethod
    def applies_to(cls, source: str, file: "FileState") -> bool:
        # an async def test method
        return mentions_async(source)

    what = """
    Flags an `async def test*` method of a class whose base is `unittest.TestCase` itself
    (not `IsolatedAsyncioTestCase` or another base that runs coroutines).
    """
    why = """
    `unittest.TestCase` calls each test method and ignores what it returns. For an `async
    def` that is a coroutine object that is never awaited: the test body never runs and the
    test passes. Python reports it only as `RuntimeWarning: coroutine ... was never awaited`
    (and, from 3.11, a `DeprecationWarning` about a test returning a value). pytest-asyncio
    marks do not help: pytest runs unittest classes through unittest.
    """
    fix_notes = """
    Unsafe: the `unittest.TestCase` base becomes `unittest.IsolatedAsyncioTestCase` (spelled
    the way the module imports unittest; `import unittest` is added when needed), which runs
    each coroutine test on its own event loop and still runs the sync tests as before. The
    async tests then run for the first time and may fail. `setUp`/`tearDown` keep working;
    async setup can move to `asyncSetUp`. No fix is offered for a class that carries
    asyncio marks or pytest_asyncio fixtures: in an `IsolatedAsyncioTestCase` those would
    run on another loop (ALP406), so they need removing by hand first.
    """
    limitations = """
    Only classes deriving directly from `unittest.TestCase` are checked: a project base class
    may run coroutines itself. A class that overrides `run` or `_callTestMethod`, or uses a
    metaclass, and methods wrapped by decorators the linter does not know, are left alone.
    """
    examples = (
        Bad(
            """
            import asyncio
            import unittest


            class QueueTest(unittest.TestCase):
                async def test_round_trip(self):
                    queue = asyncio.Queue()
                    await queue.put(1)
                    self.assertEqual(await queue.get(), 1)
            """,
            (6, 5),
            fixed="""
            import asyncio
            import unittest


            class QueueTest(unittest.IsolatedAsyncioTestCase):
                async def test_round_trip(self):
                    queue = asyncio.Queue()
                    await queue.put(1)
                    self.assertEqual(await queue.get(), 1)
            """,
            runs=True,
        ),
        Bad(
            """
            import asyncio
            from unittest import TestCase


            class EventTest(TestCase):
                def test_starts_clear(self):
                    self.assertFalse(asyncio.Event().is_set())

                async def test_wait(self):
                    event = asyncio.Event()
                    event.set()
                    self.assertTrue(await event.wait())
            """,
            (9, 5),
            fixed="""
            import asyncio
            from unittest import IsolatedAsyncioTestCase


            class EventTest(IsolatedAsyncioTestCase):
                def test_starts_clear(self):
                    self.assertFalse(asyncio.Event().is_set())

                async def test_wait(self):
                    event = asyncio.Event()
                    event.set()
                    self.assertTrue(await event.wait())
            """,
            runs=True,
        ),
        Good(
            """
            import asyncio
            import unittest


            class QueueTest(unittest.IsolatedAsyncioTestCase):
                async def test_round_trip(self):
                    queue = asyncio.Queue()
                    await queue.put(1)
                    self.assertEqual(await queue.get(), 1)
            """,
            reason="IsolatedAsyncioTestCase awaits its coroutine tests",
            runs=True,
        ),
        Good(
            """
            import unittest

            from helpers import async_test


            class ClientTest(unittest.TestCase):
                @async_test
                async def test_connects(self):
                    await self.client.connect()
            """,
            reason="a decorator like async_test runs the coroutine in a sync wrapper",
        ),
        Good(
            """
            from tests.base import AsyncTestCase


            class ClientTest(AsyncTestCase):
                async def test_connects(self):
                    await self.client.connect()
            """,
            reason="a project base class may run coroutine tests itself",
        ),
    )

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        file = self.file
        scope = file.scope
        owner = scope.enclosing_class()
        if scope.role != scopes.TEST or owner is None or owner.class_kind != "unittest":
            return
        cls = owner.node
        assert isinstance(cls, ast.ClassDef)
        if file.is_conftest or cls.keywords or _runs_tests_itself(cls):
            return
        if decorator_marks(cls.decorator_list, file.imports).unknown is not None:
            return
        if decorator_marks(node.decorator_list, file.imports).unknown is not None:
            return
        if "pytest_pycollect_makeitem" in (h for c in file.project.conftests for h in c.hooks):
            return
        self.report(node, self._fix(cls), test=node.name, cls=cls.name)

    def _fix(self, cls: ast.ClassDef) -> Optional[Fix]:
        imports = self.file.imports
        if _uses_pytest_asyncio(cls, imports):
            return None  # would become ALP406: the marks and fixtures need a decision first
        base = next((b for b in cls.bases if imports.resolve(b) in SYNC_TESTCASE_BASES), None)
        if base is None:
            return None
        module, _, name = ISOLATED_TESTCASE.rpartition(".")
        spelled = spelling(imports, ISOLATED_TESTCASE)
        if isinstance(base, ast.Name) and imports.alias_for(ISOLATED_TESTCASE) is None:
            # The module imports names from unittest: import this one the same way.
            spelled = (name, (AddImport(module, name),)) if imports.lookup(name) is None else None
        if spelled is None:
            return None
        replacement, needed = spelled
        edit = ReplaceExpression(Span.of(base), replacement)
        return Fix(Safety.UNSAFE, f"subclass {replacement}", (edit,), needed)


def _uses_pytest_asyncio(cls: ast.ClassDef, imports: ImportTable) -> bool:
    """Whether the class carries asyncio marks or pytest_asyncio fixtures (ALP406 in an
    IsolatedAsyncioTestCase)."""
    members = [m for m in cls.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
    decorators = list(cls.decorator_list) + [d for m in members for d in m.decorator_list]
    for decorator in decorators:
        target = imports.resolve(decorator.func if isinstance(decorator, ast.Call) else decorator)
        if target and target.startswith(("pytest.mark.asyncio", "pytest_asyncio")):
            return True
    return any(pytestmark_value(statement) is not None for statement in cls.body)


def _runs_tests_itself(cls: ast.ClassDef) -> bool:
    defs = (m for m in cls.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)))
    return any(member.name in RUNNER_MEMBERS for member in defs)
