"""ALP402: in strict mode, an async fixture declared with ``@pytest.fixture``."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from flake8_asyncloop.analysis.async_runners import (
    def_marks,
    enclosing_classes,
    module_runners,
    project_fixture_runner,
    requests_runner_fixture,
    spelling,
    STRICT_MODE_UNKNOWN,
    strict_mode_known,
)
from flake8_asyncloop.analysis.names import last_name
from flake8_asyncloop.analysis.scopes import parameter_names
from flake8_asyncloop.analysis.text_gates import mentions_async
from flake8_asyncloop.findings import Fix, ReplaceExpression, Safety, Span
from flake8_asyncloop.rule import Bad, Good, Rule

ASYNCIO_FIXTURE = "pytest_asyncio.fixture"
STRICT_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
AUTO_INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState


class AsyncFixturePlainDecorator(Rule):
    code = "ALP402"
    name = "async-fixture-plain-decorator"
    message = (
        "async fixture '{fixture}' declared with @pytest.fixture: strict mode does not run it; "
        "use @pytest_asyncio.fixture"
    )
    fix_safety = Safety.SAFE

    @classmethod
    def applies_to(cls, source: str, file: "FileState") -> bool:
        # only async fixtures, in strict mode, and only when the pytest config is in sight
        return "fixture" in source and mentions_async(source) and strict_mode_known(file.project)

    what = """
    In strict mode (pytest-asyncio's default), flags `@pytest.fixture` on an `async def`. It
    stays silent in auto mode and wherever anyio, trio or another plugin may run the fixture:
    a module that imports anyio or trio, fixtures requested (directly or through other
    fixtures) by anyio- or trio-marked tests, an `anyio_backend` fixture in the module or its
    conftest chain, runner plugins in `pytest_plugins`, conftest hooks that run coroutines or
    set fixtures up, and fixtures wrapped by decorators it cannot see into. In a `conftest.py`
    it speaks only when that file visibly uses pytest-asyncio (imports `pytest_asyncio` or
    uses asyncio marks), since the tests using its fixtures are elsewhere.
    """
    why = """
    In strict mode pytest-asyncio sets up only the async fixtures declared with
    `@pytest_asyncio.fixture`. pytest 9 errors on a test that requests any other async
    fixture (`requested an async fixture ... with no plugin or hook that handled it`); pytest
    8 warns and hands the test the coroutine object, or the async generator, instead of the
    value, so the test checks something other than what it means to.
    """
    fix_notes = """
    Safe: `pytest.fixture` becomes `pytest_asyncio.fixture`, keeping the arguments
    (`scope=`, `params=`, `name=`, `autouse=` ...), and `import pytest_asyncio` is added when
    missing. The old fixture could not give an async test its value, so no passing test
    depends on it, unless a test took the coroutine or async generator it got for what it
    is (`await greeting`, `await anext(client)`, `async for`), as pytest 8 allowed: the fix
    is unsafe where a def of the module that requests the fixture does so, since that test
    then gets the value and fails until it is changed too. No fix for a fixture given
    positional arguments. A fixture scoped wider
    than the default fixture loop scope then also needs `loop_scope=` (ALP205 says which).
    """
    limitations = STRICT_MODE_UNKNOWN + """\
    A fixture in a module that imports anyio or trio is left alone, even when only
    pytest-asyncio tests use it, and so is one in a `conftest.py` that shows no sign of
    pytest-asyncio. Fixtures set up by a project plugin that is not named in `pytest_plugins`
    are not seen.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest


            @pytest.fixture
            async def greeting():
                await asyncio.sleep(0)
                return "hello"


            @pytest.mark.asyncio
            async def test_greeting(greeting):
                assert greeting == "hello"
            """,
            (6, 2),
            fixed="""
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture
            async def greeting():
                await asyncio.sleep(0)
                return "hello"


            @pytest.mark.asyncio
            async def test_greeting(greeting):
                assert greeting == "hello"
            """,
            runs=True,
            files={"pytest.ini": STRICT_INI},
        ),
        Bad(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest.fixture(name="jobs", params=["build", "deploy"])
            async def job_queue(request):
                queue = asyncio.Queue()
                await queue.put(request.param)
                yield queue
                assert queue.empty()


            @pytest.mark.asyncio
            async def test_job_round_trip(jobs):
                assert await jobs.get() in ("build", "deploy")
            """,
            (7, 2),
            fixed="""
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture(name="jobs", params=["build", "deploy"])
            async def job_queue(request):
                queue = asyncio.Queue()
                await queue.put(request.param)
                yield queue
                assert queue.empty()


            @pytest.mark.asyncio
            async def test_job_round_trip(jobs):
                assert await jobs.get() in ("build", "deploy")
            """,
            runs=True,
            files={"pytest.ini": STRICT_INI},
        ),
        Bad(
            """
            import asyncio

            import pytest_asyncio
            from pytest import fixture


            @pytest_asyncio.fixture
            async def server_address():
                await asyncio.sleep(0)
                return ("127.0.0.1", 8080)


            @fixture
            async def connection(server_address):
                reader, writer = await asyncio.open_connection(*server_address)
                yield reader, writer
                writer.close()
            """,
            (13, 2),
            fixed="""
            import asyncio

            import pytest_asyncio


            @pytest_asyncio.fixture
            async def server_address():
                await asyncio.sleep(0)
                return ("127.0.0.1", 8080)


            @pytest_asyncio.fixture
            async def connection(server_address):
                reader, writer = await asyncio.open_connection(*server_address)
                yield reader, writer
                writer.close()
            """,
            filename="conftest.py",
            files={"pytest.ini": STRICT_INI},
        ),
        Good(
            """
            import pytest


            @pytest.fixture
            async def client():
                return object()
            """,
            reason="no pytest config in sight (sdists often leave it out): the mode is unknown",
        ),
        Good(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture
            async def greeting():
                await asyncio.sleep(0)
                return "hello"


            @pytest.mark.asyncio
            async def test_greeting(greeting):
                assert greeting == "hello"
            """,
            reason="pytest_asyncio.fixture is how strict mode declares an async fixture",
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.fixture
            async def greeting():
                await asyncio.sleep(0)
                return "hello"


            async def test_greeting(greeting):
                assert greeting == "hello"
            """,
            reason="auto mode sets up every async fixture",
            files={"pytest.ini": AUTO_INI},
            runs=True,
        ),
        Good(
            """
            import anyio
            import pytest


            @pytest.fixture
            def anyio_backend():
                return "asyncio"


            @pytest.fixture
            async def stream():
                send, receive = anyio.create_memory_object_stream(1)
                yield send, receive
                await send.aclose()
            """,
            reason="anyio's plugin sets up async fixtures for anyio tests",
        ),
        Good(
            """
            import pytest


            @pytest.fixture
            def settings():
                return {"timeout": 1}
            """,
            reason="a sync fixture is pytest's own",
        ),
    )

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        file = self.file
        scope = file.scope
        spec = scope.fixture
        if spec is None or spec.provider != "pytest" or not strict_mode_known(file.project):
            return
        classes = enclosing_classes(scope)
        if classes is None or any(owner.class_kind != "pytest" for owner in classes):
            return
        if def_marks(node, file).handled_elsewhere:
            return
        if requests_runner_fixture(scope.params) or project_fixture_runner(file.project):
            return
        module = module_runners(file)
        if module.fixture_runner(spec.name) is not None:
            return
        if file.is_conftest and not (module.imports_pytest_asyncio or module.any_asyncio_mark):
            return  # its users are in modules we cannot see: anyio tests, say
        self.report(spec.decorator, self._fix(spec.decorator, spec.name), fixture=spec.name)

    def _fix(self, decorator: ast.expr, fixture: str) -> Optional[Fix]:
        if isinstance(decorator, ast.Call):
            if decorator.args:
                return None  # pytest_asyncio.fixture would take it for the function
            target = decorator.func
        else:
            target = decorator
        spelled = spelling(self.file.imports, ASYNCIO_FIXTURE)
        if spelled is None:
            return None
        replacement, imports = spelled
        edit = ReplaceExpression(Span.of(target), replacement)
        safety = Safety.UNSAFE if _driven_by_hand(self.file.tree, fixture) else Safety.SAFE
        return Fix(safety, f"declare the fixture with @{replacement}", (edit,), imports)


# Calls that take a coroutine or an async generator object itself, not what it gives.
_TAKE_THE_OBJECT = frozenset(
    {"anext", "run", "run_until_complete", "ensure_future", "create_task", "gather",
     "wait_for", "shield", "iscoroutine", "isawaitable", "isasyncgen"}
)
_OBJECT_METHODS = frozenset({"__anext__", "asend", "athrow", "__await__"})


def _driven_by_hand(tree: ast.Module, fixture: str) -> bool:
    """Whether a def of the module that requests ``fixture`` uses what it gets as the
    coroutine or async generator a plain ``@pytest.fixture`` hands over (asked only for a
    finding's fix)."""
    for node in ast.walk(tree):
        if node.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
            continue
        if fixture not in parameter_names(node.args):  # type: ignore[attr-defined]
            continue
        for inner in ast.walk(node):
            if _takes_the_object(inner, fixture):
                return True
    return False


def _takes_the_object(node: ast.AST, fixture: str) -> bool:
    if isinstance(node, ast.Await):
        return _is_name(node.value, fixture)
    if isinstance(node, ast.AsyncFor):
        return _is_name(node.iter, fixture)
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in _OBJECT_METHODS:
        return _is_name(func.value, fixture)
    return last_name(func) in _TAKE_THE_OBJECT and any(_is_name(a, fixture) for a in node.args)


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name
