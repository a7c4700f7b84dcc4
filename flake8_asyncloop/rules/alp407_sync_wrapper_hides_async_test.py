"""ALP407: a module decorator whose sync wrapper returns an async test's coroutine unrun."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Optional

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.async_runners import (
    MARK_PREFIX,
    decorator_marks,
    enclosing_classes,
)
from flake8_asyncloop.analysis.children import own_body_nodes
from flake8_asyncloop.analysis.names import ImportTable
from flake8_asyncloop.analysis.text_gates import mentions_async
from flake8_asyncloop.rule import Bad, Good, Rule

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

WRAPS = "functools.wraps"
AUTO_INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
# Decorators that pass a sync function's return value through unchanged.
PASS_THROUGH_DECORATORS = frozenset(
    {
        "unittest.mock.patch", "unittest.mock.patch.object", "unittest.mock.patch.dict",
        "unittest.mock.patch.multiple",
        "mock.patch", "mock.patch.object", "mock.patch.dict", "mock.patch.multiple",
    }
)
# Any of these in a wrapper, however used, may mean it runs coroutines after all.
LOOP_LIBRARIES = ("asyncio", "anyio", "trio", "curio", "uvloop", "inspect", "twisted", "tornado")
LOOP_WORDS = frozenset(
    {
        "run", "run_until_complete", "run_forever", "run_sync", "Runner", "get_event_loop",
        "new_event_loop", "get_running_loop", "ensure_future", "create_task",
        "run_coroutine_threadsafe", "markcoroutinefunction", "_is_coroutine", "send", "throw",
        "loop", "_loop", "event_loop",
    }
)


class SyncWrapperHidesAsyncTest(Rule):
    code = "ALP407"
    name = "sync-wrapper-hides-async-test"
    assumes_pytest_asyncio = False
    message = (
        "decorator '{decorator}' wraps async test '{test}' in a sync function that returns the "
        "coroutine without running it; make the wrapper async and await the call"
    )

    @classmethod
    def applies_to(cls, source: str, file: "FileState") -> bool:
        # only ``async def`` tests are reported
        return mentions_async(source)

    what = """
    Flags a decorator, defined in the same module, applied to an `async def test*` when the
    decorator provably hides the coroutine: it is a sync `def` with one parameter whose body
    is a nested sync wrapper (optionally under `functools.wraps`) and `return wrapper`, and
    every `return` of the wrapper returns `func(...)`, the decorated function's call, as is.
    The wrapper must show no sign of running the coroutine itself: no event-loop calls, no
    use of asyncio, anyio, trio or inspect. The test's other decorators must be pytest marks
    or `mock.patch` and kin, which pass the return value through.
    """
    why = """
    pytest and pytest-asyncio decide how to run a test by looking at the function they
    collect, here the sync wrapper. pytest-asyncio ignores it (with an asyncio mark it warns
    `is marked with '@pytest.mark.asyncio' but it is not an async function`), pytest calls
    it, gets a coroutine back and fails the test with `async def functions are not natively
    supported` (pytest 8.4 and later; older versions skipped it with a warning). The body
    never runs either way. Auto mode does not help: the wrapper is not a coroutine function.
    """
    limitations = """
    Only decorators defined in the module itself, applied by bare name (`@name`), are
    analysed; decorator factories (`@retry(3)`), class-based decorators, decorators
    imported from a conftest or helper module, and wrappers that do anything the linter
    cannot rule out are assumed to run the coroutine. Tests in unittest classes are left to
    ALP405. A conftest hook that calls tests itself (`pytest_pyfunc_call` and kin) silences
    the rule for its directory.
    """
    examples = (
        Bad(
            """
            import asyncio
            import functools

            import pytest


            def logged(func):
                @functools.wraps(func)
                def wrapper(*args, **kwargs):
                    print("running", func.__name__)
                    return func(*args, **kwargs)

                return wrapper


            @pytest.mark.asyncio
            @logged
            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            (17, 2),
            runs=True,
        ),
        Bad(
            """
            import asyncio


            def retry_once(test):
                \"\"\"Run a flaky test a second time when it fails.\"\"\"
                def wrapper(*args, **kwargs):
                    try:
                        return test(*args, **kwargs)
                    except AssertionError:
                        return test(*args, **kwargs)
                return wrapper


            class TestQueue:
                @retry_once
                async def test_round_trip(self):
                    queue = asyncio.Queue()
                    await queue.put(1)
                    assert await queue.get() == 1
            """,
            (15, 6),
            files={"pytest.ini": AUTO_INI},
            runs=True,
        ),
        Good(
            """
            import asyncio
            import functools

            import pytest


            def logged(func):
                @functools.wraps(func)
                async def wrapper(*args, **kwargs):
                    print("running", func.__name__)
                    return await func(*args, **kwargs)

                return wrapper


            @pytest.mark.asyncio
            @logged
            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            reason="an async wrapper is a coroutine function, which pytest-asyncio runs",
            runs=True,
        ),
        Good(
            """
            import asyncio
            import functools


            def run_async(func):
                @functools.wraps(func)
                def wrapper(*args, **kwargs):
                    return asyncio.run(func(*args, **kwargs))

                return wrapper


            @run_async
            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            reason="the sync wrapper runs the coroutine to completion itself",
            runs=True,
        ),
        Good(
            """
            import asyncio

            from helpers import logged


            @logged
            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            reason="an imported decorator cannot be seen into, so it may run the coroutine",
        ),
        Good(
            """
            import asyncio
            import inspect


            def logged(func):
                def wrapper(*args, **kwargs):
                    return func(*args, **kwargs)

                return inspect.markcoroutinefunction(wrapper)


            @logged
            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            reason="Python 3.12's markcoroutinefunction makes the wrapper one pytest-asyncio runs",
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._hides: Dict[str, bool] = {}  # decorator name -> whether it hides the coroutine

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        file = self.file
        scope = file.scope
        if scope.role != scopes.TEST or file.project.coroutines_handled_by_hook:
            return
        classes = enclosing_classes(scope)
        if classes is None:
            return
        for owner in classes:
            cls = owner.node
            assert isinstance(cls, ast.ClassDef)
            if owner.class_kind != "pytest":
                return
            if decorator_marks(cls.decorator_list, file.imports).unknown is not None:
                return  # a class decorator may wrap the methods
        hiding: Optional[ast.Name] = None
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Name) and self._decorator_hides(decorator.id):
                hiding = hiding or decorator
            elif not self._passes_through(decorator):
                return  # it may run the coroutine, or hand pytest something else
        if hiding is not None:
            self.report(hiding, decorator=hiding.id, test=node.name)

    def _passes_through(self, decorator: ast.expr) -> bool:
        target = self.file.resolve(decorator.func if isinstance(decorator, ast.Call) else decorator)
        if target is None:
            return False
        return target.startswith(MARK_PREFIX) or target in PASS_THROUGH_DECORATORS

    def _decorator_hides(self, name: str) -> bool:
        answer = self._hides.get(name)
        if answer is None:
            file = self.file
            definition = file.module.functions.get(name)
            answer = self._hides[name] = (
                isinstance(definition, ast.FunctionDef)
                and file.imports.lookup(name) is None
                and hides_coroutine(definition, file.imports)
            )
        return answer


def hides_coroutine(decorator: ast.FunctionDef, imports: ImportTable) -> bool:
    """``decorator`` provably returns a sync wrapper that hands back ``func(...)`` unrun."""
    param = _single_parameter(decorator.args)
    if param is None or decorator.decorator_list:
        return False
    body = _without_docstring(decorator.body)
    if len(body) != 2:
        return False
    wrapper, returned = body
    if not isinstance(wrapper, ast.FunctionDef) or not isinstance(returned, ast.Return):
        return False
    if not (isinstance(returned.value, ast.Name) and returned.value.id == wrapper.name):
        return False
    if not all(_wraps(d, param, imports) for d in wrapper.decorator_list):
        return False
    return _returns_call_unrun(wrapper, param, imports)


def _returns_call_unrun(wrapper: ast.FunctionDef, param: str, imports: ImportTable) -> bool:
    """Every return of ``wrapper`` is ``param(...)``, it cannot fall off its end, and nothing
    in it could run a coroutine or rebind ``param``."""
    if not _always_returns(wrapper.body):
        return False
    for node in own_body_nodes(wrapper):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return False
        if isinstance(node, (ast.Yield, ast.YieldFrom, ast.Await, ast.Global, ast.Nonlocal)):
            return False
        if isinstance(node, ast.Return) and not _returns_call(node, param):
            return False
        if isinstance(node, ast.Name):
            if node.id == param and not isinstance(node.ctx, ast.Load):
                return False
            if node.id in LOOP_WORDS or _from_loop_library(imports.lookup(node.id)):
                return False
        elif isinstance(node, ast.Attribute) and node.attr in LOOP_WORDS:
            return False
    return True


def _always_returns(body: List[ast.stmt]) -> bool:
    """Every path through ``body`` ends in ``return`` or ``raise`` (none falls off its end)."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    if isinstance(last, ast.If):
        return _always_returns(last.body) and _always_returns(last.orelse)
    if isinstance(last, ast.Try):
        ends = _always_returns(last.body) or _always_returns(last.orelse)
        return ends and all(_always_returns(handler.body) for handler in last.handlers)
    return False


def _returns_call(statement: ast.stmt, param: str) -> bool:
    if not isinstance(statement, ast.Return) or not isinstance(statement.value, ast.Call):
        return False
    func = statement.value.func
    return isinstance(func, ast.Name) and func.id == param


def _wraps(decorator: ast.expr, param: str, imports: ImportTable) -> bool:
    """``@functools.wraps(func)`` (or ``@wraps(func)``) on the wrapper."""
    if not isinstance(decorator, ast.Call) or imports.resolve(decorator.func) != WRAPS:
        return False
    if decorator.keywords or len(decorator.args) != 1:
        return False
    arg = decorator.args[0]
    return isinstance(arg, ast.Name) and arg.id == param


def _single_parameter(args: ast.arguments) -> Optional[str]:
    positional: List[ast.arg] = list(args.posonlyargs) + list(args.args)
    if len(positional) != 1 or args.vararg or args.kwarg or args.kwonlyargs:
        return None
    return positional[0].arg


def _without_docstring(body: List[ast.stmt]) -> List[ast.stmt]:
    first = body[0] if body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return body[1:]
    return body


def _from_loop_library(qualified: Optional[str]) -> bool:
    return qualified is not None and qualified.split(".", 1)[0] in LOOP_LIBRARIES
