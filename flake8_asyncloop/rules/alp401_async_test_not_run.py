"""ALP401: in strict mode, an async test with no asyncio mark is not run by pytest-asyncio."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.async_runners import (
    always_skipped,
    AIOHTTP_FIXTURES,
    ASYNCIO_MARK,
    RUNNER_FIXTURES,
    RUNNER_FIXTURES_BESIDE_AIOHTTP,
    OwnYields,
    def_marks,
    enclosing_classes,
    module_runners,
    owner_marks,
    project_test_runner,
    requests_runner_fixture,
    spelling,
    STRICT_MODE_UNKNOWN,
    strict_mode_known,
)
from flake8_asyncloop.analysis.fixture_lookup import requests_beyond
from flake8_asyncloop.analysis.loops import ASYNCIO_RUN
from flake8_asyncloop.analysis.names import last_name
from flake8_asyncloop.analysis.text_gates import mentions_async
from flake8_asyncloop.findings import AddDecorator, Finding, Fix, Safety, Span
from flake8_asyncloop.rule import Bad, Good, Rule

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

STRICT_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
AUTO_INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"


class AsyncTestNotRun(Rule):
    code = "ALP401"
    name = "async-test-not-run"
    message = (
        "async test '{test}' has no asyncio mark: strict mode does not run it; "
        "add @pytest.mark.asyncio"
    )
    fix_safety = Safety.UNSAFE

    @classmethod
    def applies_to(cls, source: str, file: "FileState") -> bool:
        # only async tests, in strict mode, and only when the pytest config is in sight
        return mentions_async(source) and strict_mode_known(file.project)

    what = """
    In strict mode (pytest-asyncio's default), flags an `async def test*` that carries no
    asyncio mark: none on the function, on its class (decorator or class-body `pytestmark`)
    or in the module's `pytestmark`. It stays silent wherever something else may run the
    test: auto mode; anyio, trio or tonio marks, `anyio_backend` parametrization or fixtures, and
    plugins such as pytest-trio, pytest-aiohttp, pytest-tornasync, pytest-jupyter or
    pytest-sanic (loaded through `pytest_plugins`, or the project's own plugin modules, or a
    fixture of theirs the test requests, also through fixtures of the module or conftest
    files: `def server(loop)`); unittest-style base classes; conftest hooks that collect or
    mark tests; and decorators it cannot see into. pytest-aiohttp's fixtures count as its
    runner only where the project may install a release before 1.0: from 1.0 on it runs its
    tests through pytest-asyncio, so a project whose dependency files name pytest-aiohttp
    without keeping it below 1.0 gets these findings for its `aiohttp_client` tests too.
    Where they do count, a module with one such test, or below a conftest.py fixture that
    requests one, is left alone as a whole: that plugin runs every coroutine test, the
    unmarked ones that request nothing of it as well. A project whose dependency files keep
    pytest-aiohttp below 1.0 gets no findings at all, for the same reason, and so does one
    whose dependency files name aiomisc-pytest, whose plugin takes every coroutine test
    before pytest-asyncio does. An
    `async def test*` that returns a value is a helper named like a test (a token provider
    handed to a client), not a test: it is not reported.
    """
    why = """
    In strict mode pytest-asyncio only runs coroutine tests that are marked. An unmarked one
    falls through to pytest, which cannot await it: pytest 8.4 and later fail it with `async
    def functions are not natively supported`, and older versions skip it with a warning and
    exit 0, so the test never ran and nobody noticed. A `pytestmark` in `conftest.py` does not
    help: pytest reads `pytestmark` only from test modules and classes.
    """
    fix_notes = """
    Unsafe: `@pytest.mark.asyncio` is added as the test's outermost decorator, spelled the way
    the module imports pytest (`import pytest` is added when it is missing). The test then
    runs for the first time, and may fail on its own merits: that is why the fix is unsafe.
    Switching the suite to `asyncio_mode = auto` is the other remedy when most tests are
    async.
    """
    limitations = STRICT_MODE_UNKNOWN + """\
    Silence is the rule wherever a test might be run some other way, so a test is missed when
    the module is also a script (`if __name__ == "__main__":`, or an `asyncio.run(...)` or
    `run_until_complete(...)` at its top level) whose code names the test (a runner of its
    own that awaits each test in a list), when
    the module imports anyio or trio and has no asyncio mark at all, when any decorator the
    linter does not know wraps it (only pytest marks, `staticmethod`, `mock.patch` and
    hypothesis's decorators are known), when its class has a base the linter cannot see
    into, or when a conftest defines `pytest_collection_modifyitems`,
    `pytest_pycollect_makeitem` or `pytest_pyfunc_call`, or a `pytest_runtest_call` (or
    `_setup`, `_protocol`, `pytest_itemcollected`) hook that replaces the test function
    (`item.obj = ...`) or asks whether it is a coroutine. (Under pytest-asyncio 1.x a mark
    added in `pytest_collection_modifyitems` comes too late to make a test run, but the hook
    may do more than add marks.) Plugins that are not named in `pytest_plugins` or `-p` in
    `addopts` are not seen. Async generator tests are ALP404's. A test under an unconditional
    `@pytest.mark.skip` (its own or its class's) is not reported: pytest never calls it, so
    the mode changes nothing until the skip goes.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest


            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            (6, 1),
            fixed="""
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            files={"pytest.ini": STRICT_INI},
            runs=True,
        ),
        Bad(
            """
            import asyncio


            async def test_queue_round_trip():
                queue = asyncio.Queue()
                await queue.put("job")
                assert await queue.get() == "job"
            """,
            (4, 1),
            fixed="""
            import asyncio
            import pytest


            @pytest.mark.asyncio
            async def test_queue_round_trip():
                queue = asyncio.Queue()
                await queue.put("job")
                assert await queue.get() == "job"
            """,
            runs=True,
            files={"pytest.ini": STRICT_INI},
        ),
        Bad(
            """
            import asyncio

            from pytest import mark


            class TestEvent:
                @mark.parametrize("value", [1, 2])
                async def test_wait(self, value):
                    event = asyncio.Event()
                    event.set()
                    assert await event.wait()

                @mark.asyncio
                async def test_marked(self):
                    assert not asyncio.Event().is_set()
            """,
            (8, 5),
            fixed="""
            import asyncio

            from pytest import mark


            class TestEvent:
                @mark.asyncio
                @mark.parametrize("value", [1, 2])
                async def test_wait(self, value):
                    event = asyncio.Event()
                    event.set()
                    assert await event.wait()

                @mark.asyncio
                async def test_marked(self):
                    assert not asyncio.Event().is_set()
            """,
            runs=True,
            files={"pytest.ini": STRICT_INI},
        ),
        Bad(
            """
            import asyncio

            import pytest


            async def test_lock_is_free():
                async with asyncio.Lock():
                    pass
            """,
            (6, 1),
            fixed="""
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_lock_is_free():
                async with asyncio.Lock():
                    pass
            """,
            files={
                "pytest.ini": STRICT_INI,
                "conftest.py": "import pytest\n\npytestmark = pytest.mark.asyncio\n",
            },
            runs=True,
        ),
        Good(
            """
            import asyncio


            async def test_queue_round_trip():
                queue = asyncio.Queue()
                await queue.put("job")
                assert await queue.get() == "job"
            """,
            reason="no pytest config in sight (sdists often leave it out): the mode is unknown",
        ),
        Good(
            """
            import asyncio

            import pytest

            pytestmark = pytest.mark.asyncio


            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            reason="the module's pytestmark marks every test in it",
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest

            pytestmark = []
            pytestmark.extend([pytest.mark.asyncio])


            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            reason="a pytestmark list built in steps still marks every test",
            runs=True,
        ),
        Good(
            """
            import asyncio


            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            reason="auto mode runs every async test",
            files={"pytest.ini": AUTO_INI},
            runs=True,
        ),
        Good(
            """
            import asyncio


            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            reason="a conftest hook runs coroutine tests itself",
            files={
                "conftest.py": (
                    "import asyncio\nimport inspect\n\nimport pytest\n\n\n"
                    "@pytest.hookimpl(tryfirst=True)\n"
                    "def pytest_pyfunc_call(pyfuncitem):\n"
                    "    if inspect.iscoroutinefunction(pyfuncitem.obj):\n"
                    "        args = {n: pyfuncitem.funcargs[n]\n"
                    "                for n in pyfuncitem._fixtureinfo.argnames}\n"
                    "        asyncio.run(pyfuncitem.obj(**args))\n"
                    "        return True\n"
                ),
            },
            runs=True,
        ),
        Good(
            """
            import asyncio


            async def test_queue_hands_over():
                queue = asyncio.Queue()
                await queue.put(1)
                assert await queue.get() == 1
            """,
            reason="a conftest hook wraps each coroutine test in a sync runner",
            files={
                "conftest.py": (
                    "import asyncio\nimport functools\nimport inspect\n\nimport pytest\n\n\n"
                    "def runs_sync(function):\n"
                    "    @functools.wraps(function)\n"
                    "    def run(*args, **kwargs):\n"
                    "        return asyncio.run(function(*args, **kwargs))\n\n"
                    "    return run\n\n\n"
                    "@pytest.hookimpl(hookwrapper=True)\n"
                    "def pytest_runtest_call(item):\n"
                    "    if inspect.iscoroutinefunction(item.obj):\n"
                    "        item.obj = runs_sync(item.obj)\n"
                    "    yield\n"
                ),
                "pytest.ini": STRICT_INI,
            },
            runs=True,
        ),
        Good(
            """
            import anyio
            import pytest


            @pytest.mark.anyio
            async def test_checkpoint():
                await anyio.sleep(0)
            """,
            reason="anyio's plugin runs tests marked for it",
        ),
        Good(
            """
            import trio


            async def test_checkpoint():
                await trio.sleep(0)
            """,
            reason="a trio suite (pytest-trio, trio_mode) runs unmarked async tests",
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
            reason="IsolatedAsyncioTestCase runs its own coroutine tests",
            runs=True,
        ),
        Good(
            """
            from helpers import async_test


            @async_test
            async def test_connect(server):
                await server.ping()
            """,
            reason="a decorator the linter cannot see into may run the coroutine itself",
        ),
        Good(
            """
            async def test_hello(aiohttp_client, app):
                client = await aiohttp_client(app)
                assert (await client.get("/")).status == 200
            """,
            reason="aiohttp_client belongs to pytest-aiohttp, which runs the test",
        ),
        Good(
            """
            import sys


            async def test_index(aiohttp_client, app):
                client = await aiohttp_client(app)
                assert (await client.get("/")).status == 200


            async def test_without_the_extra(monkeypatch):
                monkeypatch.setitem(sys.modules, "aiohttp", None)
                assert not await optional_client()
            """,
            reason=(
                "the plugin that runs the aiohttp_client test (pytest-aiohttp before 1.0) "
                "runs every coroutine test, the unmarked one beside it too"
            ),
            files={"pytest.ini": STRICT_INI},
        ),
        Good(
            """
            import unittest


            async def test_token() -> str:
                return "secret"


            class TestClient(unittest.IsolatedAsyncioTestCase):
                async def test_connect(self):
                    assert await test_token() == "secret"
            """,
            reason="a coroutine that returns a value is a helper named like a test",
            files={"pytest.ini": STRICT_INI},
        ),
        Good(
            """
            import pytest


            @pytest.mark.skip(reason="TODO")
            async def test_clear_commands():
                ...
            """,
            reason="pytest never calls a test under an unconditional skip",
            files={"pytest.ini": STRICT_INI},
            runs=True,
        ),
    )

    def __init__(self, file: "FileState", sink: List[Finding]) -> None:
        super().__init__(file, sink)
        # Tests to report, with their fix, unless their body turns out to yield.
        self._candidates: Dict[ast.AST, Optional[Fix]] = {}
        self._own_yields = OwnYields()
        self._unrun: List[Tuple[ast.AsyncFunctionDef, Optional[Fix]]] = []
        self._aiohttp_runs_module = False
        self._returning: Set[ast.AST] = set()

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        file = self.file
        scope = file.scope
        if scope.role != scopes.TEST or file.is_conftest or not strict_mode_known(file.project):
            return
        classes = enclosing_classes(scope)
        if classes is None:
            return
        for owner in classes:
            if not owner.collected:
                return
            marks = owner_marks(owner, file.imports)
            if marks.mentions_asyncio or marks.handled_elsewhere:
                return
        marks = def_marks(node, file)
        if marks.mentions_asyncio or marks.handled_elsewhere:
            return
        if always_skipped(node, classes, file):
            return  # a placeholder pytest never calls: no mode would run it either
        # aiomisc-pytest beside pytest-asyncio takes the coroutine tests it leaves unmarked
        if project_test_runner(file.project) or file.project.runner_beside_pytest_asyncio:
            return
        runner_fixture = _reached_runner_fixture(scope.params, file)
        if runner_fixture is not None:
            if runner_fixture in AIOHTTP_FIXTURES:
                # aiohttp's own plugin (pytest-aiohttp before 1.0) runs every coroutine test
                # of the session, the unmarked ones beside this test included.
                self._aiohttp_runs_module = True
            return
        module = module_runners(file)
        if module.pytestmark.mentions_asyncio or module.test_runner is not None:
            return
        self._candidates[node] = self._fix(node)

    def visit_Yield(self, node: ast.AST) -> None:
        if self._candidates:
            self._own_yields.saw(node, self.file.scope)

    def visit_Return(self, node: ast.Return) -> None:
        # A coroutine that returns a value is a helper named like a test (a token provider
        # handed to the code under test): pytest would discard what it returns.
        value = node.value
        if self._candidates and value is not None and not _is_none(value):
            func = self.file.scope.node
            if func in self._candidates:
                self._returning.add(func)

    visit_YieldFrom = visit_Yield

    def leave_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        if node not in self._candidates:
            return
        fix = self._candidates.pop(node)
        if node in self._returning:
            return
        if node not in self._own_yields:  # an async generator test is ALP404's
            self._unrun.append((node, fix))

    def leave_Module(self, node: ast.Module) -> None:
        if not self._unrun or self._aiohttp_runs_module or _conftest_uses_aiohttp(self.file):
            return
        run_by_script = _run_by_the_module_itself(self.file)
        for test, fix in self._unrun:
            if test.name not in run_by_script:
                self.report(test, fix, test=test.name)

    def _fix(self, node: ast.AsyncFunctionDef):
        spelled = spelling(self.file.imports, ASYNCIO_MARK)
        if spelled is None:
            return None
        decorator, imports = spelled
        edit = AddDecorator(Span.of(node), decorator)
        return Fix(Safety.UNSAFE, f"mark the test with @{decorator}", (edit,), imports)


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _run_by_the_module_itself(file: "FileState") -> Set[str]:
    """In a module that is also a script (``if __name__ == "__main__":``, or a loop run at
    its top level, such as socket-netty's ``asyncio.run(main())``), the names its code
    reads: test functions it calls or lists for a runner of its own (``tests =
    [("rest_api", test_rest_api), ...]``), which it runs when executed, pytest or not."""
    if not (file.module.script_blocks or _runs_a_loop_at_import(file)):
        return set()
    return {
        node.id
        for node in ast.walk(file.tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


def _runs_a_loop_at_import(file: "FileState") -> bool:
    """A module-level statement that runs a loop: ``asyncio.run(...)``, or
    ``<loop>.run_until_complete(...)``."""
    for statement in file.module.statements:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            func = statement.value.func
            if last_name(func) == "run_until_complete" or file.resolve(func) in ASYNCIO_RUN:
                return True
    return False


def _conftest_uses_aiohttp(file: "FileState") -> bool:
    """Whether a conftest.py fixture in the module's chain requests one of pytest-aiohttp's,
    where the project may run it before 1.0: its plugin then runs every coroutine test."""
    if file.project.pytest_aiohttp_on_pytest_asyncio:
        return False
    return any(
        requests_runner_fixture(fixture.requests, AIOHTTP_FIXTURES)
        for conftest in file.project.conftests
        for fixture in conftest.fixtures
    )


def _reached_runner_fixture(params: Tuple[str, ...], file: "FileState") -> Optional[str]:
    """Another runner's fixture the test requests (pytest-aiohttp's ``loop``, anyio's
    ``anyio_backend``), itself or through fixtures the module and conftest files define
    (``def server(loop)``): that runner may be the one that runs the test."""
    runners = RUNNER_FIXTURES
    if file.project.pytest_aiohttp_on_pytest_asyncio:
        runners = RUNNER_FIXTURES_BESIDE_AIOHTTP  # pytest-aiohttp's tests need the mark too
    found = requests_runner_fixture(params, runners)
    if found is not None:
        return found
    for requests in requests_beyond(params, file):
        found = requests_runner_fixture(requests, runners)
        if found is not None:
            return found
    return None
