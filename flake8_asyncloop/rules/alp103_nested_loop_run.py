"""ALP103: a coroutine tries to run an event loop while its own loop is running."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, FrozenSet, List, Optional, Set, Tuple

from flake8_asyncloop.analysis.asyncio_names import is_loop_receiver
from flake8_asyncloop.analysis.expected_failures import ExpectedFailures
from flake8_asyncloop.analysis.forks import forks_before
from flake8_asyncloop.analysis.loops import ASYNCIO_RUN, catches_no_loop
from flake8_asyncloop.analysis.loop_scopes import SCOPE_RANK, wider
from flake8_asyncloop.analysis.named_values import own_bindings
from flake8_asyncloop.analysis.names import last_name, may_end_with
from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.async_runners import enclosing_classes
from flake8_asyncloop.analysis.fixture_lookup import fixture_definitions, requests_beyond
from flake8_asyncloop.analysis.testcode import (
    is_autouse,
    marks_in,
    pytestmark_value,
    scope_value,
)
from flake8_asyncloop.analysis.text_gates import mentions_async
from flake8_asyncloop.findings import AwaitArgument, Edit, Fix, Safety, Span, UnwrapCall
from flake8_asyncloop.rule import Bad, Good, Rule

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

# Constructors of an object whose only job is running loops (Python 3.11+).
_RUNNER_CLASSES = frozenset({"asyncio.Runner", "asyncio.runners.Runner"})
# Loop methods that block until the loop stops: only callable when no loop runs.
_RUN_UNTIL_COMPLETE = "run_until_complete"
_RUN_FOREVER = "run_forever"
# nest_asyncio patches asyncio so that nested runs work; a module using it (or its fork)
# means them.
_NEST_ASYNCIO_MODULES = frozenset({"nest_asyncio", "nest_asyncio2"})
# The last names of the calls looked at.
_LAST_NAMES = frozenset(
    {q.rpartition(".")[2] for q in ASYNCIO_RUN | _RUNNER_CLASSES}
    | {_RUN_UNTIL_COMPLETE, _RUN_FOREVER, "getfixturevalue"}
)


class NestedLoopRun(Rule):
    code = "ALP103"
    name = "nested-loop-run"
    assumes_pytest_asyncio = False
    components = (ExpectedFailures,)
    # Needed in the text for a finding: asyncio.run, run_until_complete, run_forever,
    # Runner, getfixturevalue
    trigger_words = ("run", "Runner", "getfixturevalue")
    call_names = _LAST_NAMES
    message = "{call} inside async def fails while the loop runs: {advice}"
    fix_safety = Safety.SAFE
    test_code_only = False

    @classmethod
    def applies_to(cls, source: str, file: "FileState") -> bool:
        # only inside an async def
        return mentions_async(source)

    what = """
    Flags, inside an `async def`, calls that try to run an event loop: `asyncio.run(...)`,
    `<loop>.run_until_complete(...)`, `<loop>.run_forever()`, `asyncio.Runner(...)`, and
    `request.getfixturevalue("name")` for an async fixture defined in the module or its
    conftest.py files.
    """
    why = """
    A coroutine runs on a loop that is already running, and one thread can run only one
    loop at a time. These calls always raise: `asyncio.run() cannot be called from a running
    event loop`, `This event loop is already running`, or `Cannot run the event loop while
    another loop is running`. An async fixture fetched with `getfixturevalue` from an async
    test is set up by pytest-asyncio running the loop again, and fails the same way. The
    coroutine was meant to be awaited.
    """
    fix_notes = """
    Safe: `asyncio.run(x)` and `<loop>.run_until_complete(x)` become `await x` when `x` is the
    only argument; `await <loop>.run_until_complete(x)`, whose author meant the coroutine's
    result, becomes `await x` too. The original raises, unless nest_asyncio has patched
    asyncio, where it runs the coroutine to the same end as `await`: no passing test
    changes. `run_forever()`,
    `asyncio.Runner` and `getfixturevalue` are reported without a fix: what to await instead
    depends on the code. Request an async fixture as a parameter of the test instead of
    fetching it with `getfixturevalue`.
    """
    limitations = """
    `run_until_complete` and `run_forever` are recognised on receivers known to be loops
    (`asyncio.get_event_loop()`, `asyncio.new_event_loop()`, a name bound to one, the
    `event_loop` fixture) and on receivers named like a loop (`loop`, `event_loop`,
    `self._loop`); other receivers are left alone. A module that imports `nest_asyncio` (or
    its fork `nest_asyncio2`) anywhere, inside a def included, or calls `apply()` on a
    module it imports (the API of its look-alikes, `reloop.apply()`), allows nested runs
    and is skipped entirely; `nest_asyncio.apply()` called from a
    conftest.py, or by a library the tests call (ragas's executor applies it), is not seen:
    there a test passes after one that applied it and fails when run alone, and the fix
    makes it pass both ways. A sync `def` or `lambda` nested in a coroutine is sync code and
    is not checked, nor is a run after the coroutine forks the process (`os.fork()`,
    tornado's `fork_processes()`): the child has no running loop and may start its own.
    Nor is a run in the handler of a `try` that asks for `asyncio.get_running_loop()` and
    catches the RuntimeError of none, or in the branch of an `if` on
    `asyncio.get_event_loop().is_running()` taken when it is not running: the coroutine is
    then driven by some other runtime. An `if` on another loop (`self.loop.is_running()`)
    is no such guard.
    `getfixturevalue("name")` is left alone where pytest has set the fixture up before the
    body runs and hands back its cached value: the test names it in a
    `usefixtures` mark (on the test, its class or its module), the fixture is autouse, a
    fixture the def requests requests it, or the def checks `"name" in request.fixturenames`
    and the fixture is wider-scoped than the def. Calls inside a `with` block of the same
    def that expects a `RuntimeError` (`pytest.raises`, `assertRaises`,
    `contextlib.suppress`, ...) are left alone: the test checks that they fail. A warning
    check (`pytest.warns`), or a block expecting only other built-in exceptions
    (`pytest.raises(ValueError)`), lets the `RuntimeError` through, and the call is
    reported; so is a run in a def written inside such a block, which fails where the def
    is called. A local `async def` that its test runs only in a block expecting a
    `RuntimeError`, or through the callable form (`assertRaises(RuntimeError,
    loop.run_until_complete, main())`), is left alone too: it is run to see the nested run
    fail. Run anywhere else as well, it is reported.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest


            async def fetch():
                return 42


            @pytest.mark.asyncio
            async def test_fetch():
                assert asyncio.run(fetch()) == 42
            """,
            (12, 12),
            fixed="""
            import pytest


            async def fetch():
                return 42


            @pytest.mark.asyncio
            async def test_fetch():
                assert await fetch() == 42
            """,
            runs=True,
        ),
        Bad(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_sleep_result():
                loop = asyncio.get_running_loop()
                result = loop.run_until_complete(asyncio.sleep(0, "done"))
                assert result == "done"
            """,
            (9, 14),
            fixed="""
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_sleep_result():
                loop = asyncio.get_running_loop()
                result = await asyncio.sleep(0, "done")
                assert result == "done"
            """,
            runs=True,
        ),
        Bad(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_sleep_result():
                loop = asyncio.get_running_loop()
                assert await loop.run_until_complete(asyncio.sleep(0, "done")) == "done"
            """,
            (9, 18),
            fixed="""
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_sleep_result():
                loop = asyncio.get_running_loop()
                assert await asyncio.sleep(0, "done") == "done"
            """,
            runs=True,
        ),
        Bad(
            """
            from asyncio import run


            async def refresh(cache, source):
                cache.update(run(source.load(), debug=True))
            """,
            (5, 18),
            filename="cache.py",
        ),
        Bad(
            """
            import asyncio


            class TestServer:
                async def test_serves_forever(self):
                    self._loop.run_forever()

                async def test_runner(self, app):
                    with asyncio.Runner() as runner:
                        runner.run(app.start())
            """,
            (6, 9),
            (9, 14),
        ),
        Bad(
            """
            import pytest_asyncio


            @pytest_asyncio.fixture
            async def database():
                return {"users": 1}


            async def test_lazy_database(request):
                database = request.getfixturevalue("database")
                assert database["users"] == 1
            """,
            (10, 16),
        ),
        Good(
            """
            import asyncio


            def test_sync_entry_point():
                assert asyncio.run(asyncio.sleep(0, 1)) == 1
            """,
            reason="a sync test may run a loop of its own",
            runs=True,
        ),
        Good(
            """
            import asyncio


            async def test_offload():
                def work():
                    return asyncio.run(asyncio.sleep(0, 2))

                assert await asyncio.to_thread(work) == 2
            """,
            reason="the nested sync def runs in a worker thread, where no loop runs",
        ),
        Good(
            """
            import pytest


            @pytest.fixture
            def settings():
                return {"debug": True}


            async def test_settings(request, scheduler):
                assert request.getfixturevalue("settings")["debug"]
                await scheduler.run_until_complete()
            """,
            reason="a sync fixture is fine to fetch; scheduler is not named like a loop",
        ),
        Good(
            """
            import asyncio

            import nest_asyncio

            nest_asyncio.apply()


            async def test_nested_run():
                assert asyncio.run(asyncio.sleep(0, 3)) == 3
            """,
            reason="nest_asyncio makes nested runs work",
        ),
        Good(
            """
            import asyncio


            async def test_nested_run():
                import nest_asyncio2

                nest_asyncio2.apply()
                assert asyncio.run(asyncio.sleep(0, 3)) == 3
            """,
            reason="its fork nest_asyncio2 too, imported where it is applied",
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_a_running_loop_refuses_to_run_again():
                loop = asyncio.get_running_loop()
                coroutine = asyncio.sleep(0)
                with pytest.raises(RuntimeError, match="already running"):
                    loop.run_until_complete(coroutine)
                coroutine.close()
            """,
            reason="the test checks that the nested run fails",
            runs=True,
        ),
        Good(
            """
            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture
            async def context():
                yield {"user": None}


            @pytest.mark.asyncio
            @pytest.mark.usefixtures("context")
            async def test_login(request):
                context = request.getfixturevalue("context")
                assert context["user"] is None
            """,
            reason="usefixtures set the fixture up before the test: pytest hands back its value",
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture(scope="session", loop_scope="session")
            async def browser():
                await asyncio.sleep(0)
                yield {"contexts": []}


            @pytest_asyncio.fixture(autouse=True, loop_scope="session")
            async def close_leaked_contexts(request):
                if "browser" in request.fixturenames:
                    browser = request.getfixturevalue("browser")
                else:
                    browser = None
                yield
                if browser is not None:
                    browser["contexts"].clear()


            @pytest.mark.asyncio(loop_scope="session")
            async def test_opens_a_context(browser):
                browser["contexts"].append("page")
            """,
            reason=(
                "the test requests the session fixture, so pytest set it up before this "
                "function-scoped one: the fetch returns the cached value"
            ),
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest


            def test_nested_run_is_refused():
                async def main():
                    coro = asyncio.sleep(0)
                    try:
                        asyncio.run(coro)
                    finally:
                        coro.close()

                with pytest.raises(RuntimeError, match="cannot be called from a running"):
                    asyncio.run(main())
            """,
            reason="the test runs the coroutine only to see the nested run refused",
            runs=True,
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        if not self.file.in_async_function:
            return
        func = node.func
        if not may_end_with(func, _LAST_NAMES):
            return
        qualified = self.file.resolve(func)
        if qualified in ASYNCIO_RUN:
            self._report(node, "asyncio.run()", awaitable=True)
        elif qualified in _RUNNER_CLASSES:
            self._report(node, "asyncio.Runner()", awaitable=False)
        elif isinstance(func, ast.Attribute):
            if func.attr in (_RUN_UNTIL_COMPLETE, _RUN_FOREVER):
                if is_loop_receiver(func.value, self.file):
                    awaitable = func.attr == _RUN_UNTIL_COMPLETE
                    self._report(node, f"{func.attr}()", awaitable=awaitable)
            elif func.attr == "getfixturevalue":
                fixture = _literal_first_argument(node)
                if fixture is not None and self._is_async_fixture(fixture):
                    self._report(node, f"getfixturevalue({fixture!r})", awaitable=False)

    _allows_nested_runs: Optional[bool] = None  # worked out at the module's first finding

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._awaited: Set[int] = set()  # ids of the run_until_complete calls awaited

    def visit_Await(self, node: ast.Await) -> None:
        value = node.value
        if value.__class__ is ast.Call and getattr(value.func, "attr", None) == _RUN_UNTIL_COMPLETE:
            self._awaited.add(id(value))

    def _report(self, node: ast.Call, call: str, awaitable: bool) -> None:
        if self._allows_nested_runs is None:
            self._allows_nested_runs = _patches_asyncio(self.file.tree, _NEST_ASYNCIO_MODULES)
        if self._allows_nested_runs:
            return
        expected = self.file.components[ExpectedFailures]
        if expected.raises_here(RuntimeError):
            return  # the test checks that it fails
        function = self.file.function
        if function is not None and _run_to_see_it_fail(function, expected):
            return
        if function is not None and forks_before(function.node, node):
            return  # a forked child has no running loop: the run is its own
        if function is not None and _runs_only_without_a_loop(function.node, node):
            return  # driven by something other than asyncio, the coroutine has no loop
        fix = None
        if awaitable and _single_positional(node):
            if id(node) in self._awaited:
                # ``await loop.run_until_complete(x)``: the await is there already
                edit: Edit = UnwrapCall(Span.of(node), "{arg}")
            else:
                edit = AwaitArgument(Span.of(node))
            fix = Fix(Safety.SAFE, "await the coroutine instead", (edit,))
        if awaitable:
            advice = "await the coroutine instead"
        elif call.startswith("getfixturevalue"):
            advice = "request the async fixture as a parameter"
        else:
            advice = "await the work on the running loop instead"
        self.report(node, fix, call=call, advice=advice)

    def _is_async_fixture(self, name: str) -> bool:
        """An async fixture the test has not already requested (that would be cached)."""
        function = self.file.function
        if function is not None and (
            name in function.params or _set_up_before_the_body(name, function, self.file)
        ):
            return False
        defined_here = self.file.module.fixtures.get(name)
        if defined_here:
            if not all(isinstance(func, ast.AsyncFunctionDef) for func, _ in defined_here):
                return False
            scopes_seen = {spec.scope for _, spec in defined_here}
            fetched_scope = scopes_seen.pop() if len(scopes_seen) == 1 else None
        else:
            in_conftests = self.file.project.conftest_fixtures(name)
            if not (in_conftests and in_conftests[-1].is_async):
                return False
            fetched_scope = in_conftests[-1].scope
        return not self._set_up_already(name, fetched_scope)

    def _set_up_already(self, name: str, fetched_scope: Optional[str]) -> bool:
        """``"browser" in request.fixturenames`` guards the fetch, and the fixture outlives
        the fetching def: pytest set it up before, and hands back its cached value."""
        function = self.file.function
        if function is None or fetched_scope not in SCOPE_RANK:
            return False
        own = function.fixture.scope if function.fixture is not None else "function"
        if own not in SCOPE_RANK or not wider(fetched_scope, own):  # type: ignore[arg-type]
            return False
        for node in ast.walk(function.node):
            if (
                isinstance(node, ast.Compare)
                and len(node.ops) == 1
                and isinstance(node.ops[0], ast.In)
                and scope_value(node.left) == name
                and isinstance(node.comparators[0], ast.Attribute)
                and node.comparators[0].attr == "fixturenames"
            ):
                return True
        return False


def _set_up_before_the_body(name: str, function: scopes.Scope, file: "FileState") -> bool:
    """Whether pytest sets fixture ``name`` up before the def's body runs, so that
    ``getfixturevalue`` hands back its cached value: a ``usefixtures`` mark of the test (on
    it, its classes or its module), an autouse definition, or a fixture the def requests that
    requests it in turn."""
    if function.role == scopes.TEST and name in _usefixtures_names(function, file):
        return True
    local, definition = fixture_definitions(file, name)
    if definition is not None and definition.autouse:
        return True
    if any(is_autouse(spec) for _, spec in local):
        return True
    return any(name in requests for requests in requests_beyond(function.params, file))


def _usefixtures_names(function: scopes.Scope, file: "FileState") -> Set[str]:
    """The fixture names in the ``usefixtures`` marks that apply to a test."""
    imports = file.imports
    marks: List[Tuple[str, ast.AST]] = []
    for decorator in function.node.decorator_list:  # type: ignore[attr-defined]
        marks.extend(marks_in(decorator, imports))
    for owner in enclosing_classes(function) or ():
        for decorator in owner.node.decorator_list:  # type: ignore[attr-defined]
            marks.extend(marks_in(decorator, imports))
        for statement in owner.node.body:  # type: ignore[attr-defined]
            value = pytestmark_value(statement)
            if value is not None:
                marks.extend(marks_in(value, imports))
    marks.extend(file.module.pytestmark)
    return {
        scope_value(argument) or ""
        for mark, node in marks
        if mark == "usefixtures" and isinstance(node, ast.Call)
        for argument in node.args
    }


def _runs_only_without_a_loop(function: ast.AST, call: ast.Call) -> bool:
    """``call`` sits in the handler of a ``try`` whose body asks for the running loop
    (``asyncio.get_running_loop()``) and which catches the RuntimeError of none: code
    written for a coroutine some other runtime drives, where no loop runs."""
    line = call.lineno
    for node in ast.walk(function):
        if not isinstance(node, ast.Try) or not any(
            isinstance(inner, ast.Call) and last_name(inner.func) == "get_running_loop"
            for statement in node.body
            for inner in ast.walk(statement)
        ):
            continue
        for handler in node.handlers:
            last = handler.end_lineno or handler.lineno
            if handler.lineno <= line <= last and catches_no_loop(handler):
                return True
    for node in ast.walk(function):
        if node.__class__ is not ast.If:
            continue
        running = _asks_if_the_current_loop_runs(node.test, function)  # type: ignore
        if running is None:
            continue
        # Under asyncio the current loop runs: the branch for "not running" is dead there.
        branch = node.orelse if running else node.body  # type: ignore[attr-defined]
        if branch and branch[0].lineno <= line <= (branch[-1].end_lineno or line):
            return True
    return False


_CURRENT_LOOP_GETTERS = frozenset({"get_event_loop", "get_running_loop"})


def _asks_if_the_current_loop_runs(test: ast.expr, function: ast.AST) -> Optional[bool]:
    """True for ``asyncio.get_event_loop().is_running()`` (or a name the def binds once to
    that call), False for its negation, None for any other test. A loop kept elsewhere
    (``self.loop.is_running()``) need not be the one running the coroutine."""
    negated = False
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, negated = test.operand, not negated
    if not (
        isinstance(test, ast.Call)
        and not test.args
        and isinstance(test.func, ast.Attribute)
        and test.func.attr == "is_running"
    ):
        return None
    loop = test.func.value
    if isinstance(loop, ast.Name):
        loop = own_bindings(function).get(loop.id)  # type: ignore[assignment]
    if not (
        isinstance(loop, ast.Call)
        and not loop.args
        and last_name(loop.func) in _CURRENT_LOOP_GETTERS
    ):
        return None
    return not negated


def _single_positional(call: ast.Call) -> bool:
    return len(call.args) == 1 and not call.keywords and not isinstance(call.args[0], ast.Starred)


def _literal_first_argument(call: ast.Call) -> Optional[str]:
    if len(call.args) != 1 or call.keywords:
        return None
    return scope_value(call.args[0])


def _patches_asyncio(tree: ast.Module, modules: FrozenSet[str]) -> bool:
    """Whether the module imports one of ``modules`` (or a submodule) anywhere, or calls
    ``apply()`` on a module it imports: the API nest_asyncio made, and that its forks and
    look-alikes (``reloop.apply()``) keep."""
    imported: Set[str] = set()
    applied: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.partition(".")[0] in modules:
                    return True
                imported.add(alias.asname or alias.name.partition(".")[0])
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            if node.module.partition(".")[0] in modules:
                return True
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "apply"
            and isinstance(node.func.value, ast.Name)
        ):
            applied.add(node.func.value.id)
    return bool(imported & applied)


def _run_to_see_it_fail(function: scopes.Scope, expected: ExpectedFailures) -> bool:
    """A local ``async def`` that its test runs only where a RuntimeError is expected
    (``with pytest.raises(RuntimeError): asyncio.run(main())``): the test checks that the
    nested run fails."""
    outer = function.parent
    if function.node.__class__ is not ast.AsyncFunctionDef or outer is None:
        return False
    if outer.kind != scopes.FUNCTION:
        return False
    return expected.runs_only_where_expected(outer.node, function.node, RuntimeError)
