"""ALP406: pytest-asyncio marks or fixtures in a ``unittest.IsolatedAsyncioTestCase``."""

from __future__ import annotations

import ast
from typing import Dict, Iterable, Iterator, List, Set, Tuple

from flake8_asyncloop.analysis.async_runners import assignment, class_marks, decorator_marks
from flake8_asyncloop.analysis.names import ImportTable
from flake8_asyncloop.analysis.testcode import FixtureSpec, fixture_spec
from flake8_asyncloop.rule import Bad, Good, Rule
from flake8_asyncloop.rules.alp405_async_test_in_unittest_testcase import RUNNER_MEMBERS

ISOLATED_TESTCASE_BASES = frozenset(
    {"unittest.IsolatedAsyncioTestCase", "unittest.async_case.IsolatedAsyncioTestCase"}
)
USEFIXTURES_MARK = "pytest.mark.usefixtures"
# How far to follow a chain of module classes to IsolatedAsyncioTestCase.
MAX_BASE_DEPTH = 4
# Parameters of a fixture method that are not fixtures pytest-asyncio could set up.
NOT_FIXTURES = frozenset({"self", "cls", "request"})
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
AUTO_INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"

MARK_PROBLEM = "unittest runs the test on its own event loop and ignores the mark; remove it"
FIXTURE_PROBLEM = (
    "it runs on another event loop than the test's; set it up in asyncSetUp instead"
)


class PytestAsyncioInIsolatedTestcase(Rule):
    code = "ALP406"
    name = "pytest-asyncio-in-isolated-testcase"
    # Needed in the text for a finding: a subclass of it
    trigger_words = ("IsolatedAsyncioTestCase",)
    message = "{subject} in IsolatedAsyncioTestCase subclass '{cls}': {problem}"

    what = """
    In a subclass of `unittest.IsolatedAsyncioTestCase` (directly, or through classes of the
    same module), flags what belongs to pytest-asyncio: asyncio marks on the class (decorator
    or class-body `pytestmark`) or on its methods, and fixtures pytest-asyncio sets up. Those
    are fixture methods of the class declared with `@pytest_asyncio.fixture` (or, in auto
    mode, async `@pytest.fixture` methods), and the parameters of the class's fixture methods
    and the names in its `usefixtures` marks that request such a fixture from the module or
    the conftest chain.
    """
    why = """
    pytest hands unittest classes to unittest, and `IsolatedAsyncioTestCase` runs every test
    method, with `asyncSetUp` and `asyncTearDown`, on an event loop of its own. pytest-asyncio
    has no say: an asyncio mark there does nothing (its `loop_scope` shares no loop), and an
    async fixture the class uses is set up by pytest-asyncio on another loop. Whatever the
    fixture builds on its loop (futures, locks, connections, servers) then fails in the test
    with `got Future ... attached to a different loop`, or waits on a loop that is not
    running.
    """
    limitations = """
    Only the class's own fixture methods and `usefixtures` marks are checked: autouse
    fixtures of the module or the conftest chain, fixtures requested through other fixtures,
    and fixture methods inherited from base classes are not followed. Asyncio marks in the
    module's `pytestmark` are left alone, since they may serve the module's other tests.
    Test methods whose parameters name fixtures are not reported: unittest never passes
    them, and the test fails with a `TypeError`. Other async `TestCase` bases (asynctest,
    aiounittest, Django) are not checked. Classes that override `run` or `_callTestMethod`
    are skipped.
    """
    examples = (
        Bad(
            """
            import asyncio
            import unittest

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture
            async def ready():
                return asyncio.get_running_loop().create_future()


            class ReadyTest(unittest.IsolatedAsyncioTestCase):
                @pytest.fixture(autouse=True)
                def _inject(self, ready):
                    self.ready = ready

                async def test_ready(self):
                    asyncio.get_running_loop().call_soon(self.ready.set_result, 1)
                    self.assertEqual(await self.ready, 1)
            """,
            (15, 23),
            runs=True,
        ),
        Bad(
            """
            import asyncio
            import unittest

            import pytest_asyncio


            class ReadyTest(unittest.IsolatedAsyncioTestCase):
                @pytest_asyncio.fixture(autouse=True)
                async def _ready(self):
                    self.ready = asyncio.get_running_loop().create_future()

                async def test_ready(self):
                    asyncio.get_running_loop().call_soon(self.ready.set_result, 1)
                    self.assertEqual(await self.ready, 1)
            """,
            (9, 5),
            runs=True,
        ),
        Bad(
            """
            import asyncio
            from unittest import IsolatedAsyncioTestCase

            import pytest


            class QueueTest(IsolatedAsyncioTestCase):
                @pytest.mark.asyncio(loop_scope="class")
                async def test_round_trip(self):
                    queue = asyncio.Queue()
                    await queue.put(1)
                    self.assertEqual(await queue.get(), 1)
            """,
            (8, 6),
        ),
        Bad(
            """
            import asyncio
            import unittest

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture
            async def server():
                server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
                yield server
                server.close()


            class Base(unittest.IsolatedAsyncioTestCase):
                pass


            @pytest.mark.usefixtures("server")
            class ServerTest(Base):
                async def test_nothing(self):
                    pass
            """,
            (19, 26),
        ),
        Bad(
            """
            import unittest

            import pytest


            class ClientTest(unittest.IsolatedAsyncioTestCase):
                pytestmark = pytest.mark.usefixtures("client")

                async def test_ping(self):
                    self.assertTrue(await self.client.ping())
            """,
            (7, 42),
            files={
                "pytest.ini": AUTO_INI,
                "conftest.py": (
                    "import pytest\n\nfrom app import Client\n\n\n"
                    "@pytest.fixture\nasync def client():\n"
                    "    async with Client() as client:\n        yield client\n"
                ),
            },
        ),
        Good(
            """
            import asyncio
            import unittest


            class ReadyTest(unittest.IsolatedAsyncioTestCase):
                async def asyncSetUp(self):
                    self.ready = asyncio.get_running_loop().create_future()

                async def test_ready(self):
                    asyncio.get_running_loop().call_soon(self.ready.set_result, 1)
                    self.assertEqual(await self.ready, 1)
            """,
            reason="asyncSetUp runs on the test's own loop",
            runs=True,
        ),
        Good(
            """
            import unittest

            import pytest


            @pytest.fixture
            def settings():
                return {"retries": 0}


            class SettingsTest(unittest.IsolatedAsyncioTestCase):
                @pytest.fixture(autouse=True)
                def _inject(self, settings):
                    self.settings = settings

                async def test_no_retries(self):
                    self.assertEqual(self.settings["retries"], 0)
            """,
            reason="a sync fixture touches no event loop",
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture
            async def ready():
                return asyncio.get_running_loop().create_future()


            class TestReady:
                @pytest.mark.asyncio
                async def test_ready(self, ready):
                    asyncio.get_running_loop().call_soon(ready.set_result, 1)
                    assert await ready == 1
            """,
            reason="a plain test class is run by pytest-asyncio, on the fixture's loop",
            runs=True,
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # class node id -> the fixtures defined in its body, for the isolated classes seen
        self._classes: Dict[int, Dict[str, List[Tuple[ast.AST, FixtureSpec]]]] = {}

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        imports = self.file.imports
        if not self._isolated(node, MAX_BASE_DEPTH) or _runs_tests_itself(node):
            return
        own = self._classes[id(node)] = _own_fixtures(node, imports)
        for mark in class_marks(node, imports).asyncio:
            self.report(mark, subject="asyncio mark", cls=node.name, problem=MARK_PROBLEM)
        marks: List[ast.expr] = list(node.decorator_list)
        for statement in node.body:
            target, value = assignment(statement)
            if target == "pytestmark" and value is not None:
                marks.append(value)
        self._check_usefixtures(marks, own, node.name)

    def visit_FunctionDef(self, node: ast.AST) -> None:
        scope = self.file.scope
        owner = scope.enclosing_class()
        if owner is None or id(owner.node) not in self._classes:
            return
        own = self._classes[id(owner.node)]
        cls = owner.node.name  # type: ignore[attr-defined]
        decorators = node.decorator_list  # type: ignore[attr-defined]
        for mark in decorator_marks(decorators, self.file.imports).asyncio:
            self.report(mark, subject="asyncio mark", cls=cls, problem=MARK_PROBLEM)
        self._check_usefixtures(decorators, own, cls)
        spec = scope.fixture
        if spec is None:
            return
        if self._run_by_pytest_asyncio(spec, isinstance(node, ast.AsyncFunctionDef)):
            subject = f"pytest-asyncio fixture '{spec.name}'"
            self.report(node, subject=subject, cls=cls, problem=FIXTURE_PROBLEM)
            return
        for arg in _positional_args(node.args):  # type: ignore[attr-defined]
            if arg.arg not in NOT_FIXTURES and self._requests_asyncio_fixture(arg.arg, own):
                subject = f"pytest-asyncio fixture '{arg.arg}'"
                self.report(arg, subject=subject, cls=cls, problem=FIXTURE_PROBLEM)

    visit_AsyncFunctionDef = visit_FunctionDef

    # -- which classes ------------------------------------------------------------------------
    def _isolated(self, node: ast.ClassDef, depth: int) -> bool:
        """The class derives from IsolatedAsyncioTestCase, directly or through module classes."""
        imports = self.file.imports
        for base in node.bases:
            if imports.resolve(base) in ISOLATED_TESTCASE_BASES:
                return True
            if isinstance(base, ast.Name) and imports.lookup(base.id) is None and depth > 0:
                parent = self.file.module.classes.get(base.id)
                if parent is not None and parent is not node and self._isolated(parent, depth - 1):
                    return True
        return False

    # -- which fixtures -----------------------------------------------------------------------
    def _check_usefixtures(
        self, marks: Iterable[ast.expr], own: Dict[str, List[Tuple[ast.AST, FixtureSpec]]], cls: str
    ) -> None:
        for name_node in _usefixtures_names(marks, self.file.imports):
            name = name_node.value
            if self._requests_asyncio_fixture(name, own):
                subject = f"pytest-asyncio fixture '{name}'"
                self.report(name_node, subject=subject, cls=cls, problem=FIXTURE_PROBLEM)

    def _requests_asyncio_fixture(
        self, name: str, own: Dict[str, List[Tuple[ast.AST, FixtureSpec]]]
    ) -> bool:
        """The definition of ``name`` the class sees is one pytest-asyncio sets up: the
        class's own, else the module's, else the innermost conftest's."""
        definitions = own.get(name) or self._module_fixtures(name)
        if definitions:
            return all(
                self._run_by_pytest_asyncio(spec, isinstance(func, ast.AsyncFunctionDef))
                for func, spec in definitions
            )
        in_conftests = self.file.project.conftest_fixtures(name)
        if not in_conftests:
            return False
        last = in_conftests[-1]
        return self._run_by_pytest_asyncio_provider(last.provider, last.is_async)

    def _module_fixtures(self, name: str) -> List[Tuple[ast.AST, FixtureSpec]]:
        module = self.file.module
        module_level = {id(f) for f in module.functions.values()}
        return [(f, s) for f, s in module.fixtures.get(name, ()) if id(f) in module_level]

    def _run_by_pytest_asyncio(self, spec: FixtureSpec, is_async: bool) -> bool:
        return self._run_by_pytest_asyncio_provider(spec.provider, is_async)

    def _run_by_pytest_asyncio_provider(self, provider: str, is_async: bool) -> bool:
        if not is_async:
            return False
        return provider == "pytest_asyncio" or self.file.project.config.auto_mode


def _own_fixtures(
    node: ast.ClassDef, imports: ImportTable
) -> Dict[str, List[Tuple[ast.AST, FixtureSpec]]]:
    found: Dict[str, List[Tuple[ast.AST, FixtureSpec]]] = {}
    for member in node.body:
        if isinstance(member, _FUNCTIONS):
            spec = fixture_spec(member, imports)
            if spec is not None:
                found.setdefault(spec.name, []).append((member, spec))
    return found


def _usefixtures_names(marks: Iterable[ast.expr], imports: ImportTable) -> Iterator[ast.Constant]:
    """The string arguments of the ``usefixtures`` marks among ``marks`` (or in a list of them)."""
    seen: Set[int] = set()
    for mark in marks:
        items = mark.elts if isinstance(mark, (ast.List, ast.Tuple)) else [mark]
        for item in items:
            if not isinstance(item, ast.Call) or imports.resolve(item.func) != USEFIXTURES_MARK:
                continue
            for arg in item.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    if id(arg) not in seen:
                        seen.add(id(arg))
                        yield arg


def _positional_args(args: ast.arguments) -> List[ast.arg]:
    return list(args.posonlyargs) + list(args.args) + list(args.kwonlyargs)


def _runs_tests_itself(cls: ast.ClassDef) -> bool:
    return any(isinstance(m, _FUNCTIONS) and m.name in RUNNER_MEMBERS for m in cls.body)
