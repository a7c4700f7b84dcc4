"""ALP105: sync test code asks for "the current loop" when none may exist."""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.asyncio_names import spell
from flake8_asyncloop.analysis.current_loop import pytest_asyncio_loop_may_be_current
from flake8_asyncloop.analysis.expected_failures import ExpectedFailures
from flake8_asyncloop.analysis.loops import EVENT_LOOP_FIXTURE, GET_EVENT_LOOP, catches_no_loop
from flake8_asyncloop.findings import DeleteStatement, Edit, Fix, Safety, Span, UnwrapCall
from flake8_asyncloop.rule import Bad, Good, Rule

_GET_EVENT_LOOP = frozenset({GET_EVENT_LOOP, "asyncio.events.get_event_loop"})
_SET_EVENT_LOOP = frozenset({"asyncio.set_event_loop", "asyncio.events.set_event_loop"})
_RUN_UNTIL_COMPLETE = "run_until_complete"

# Arguments asyncio.run() refuses (it takes a coroutine, not a future or task), by the
# qualified name or the method name of the call that builds them.
_FUTURE_BUILDERS = frozenset(
    {
        "asyncio.gather",
        "asyncio.ensure_future",
        "asyncio.shield",
        "asyncio.create_task",
        "asyncio.wrap_future",
        "asyncio.as_completed",
        "asyncio.Future",
        "asyncio.Task",
    }
)
_FUTURE_METHODS = frozenset(
    {"create_task", "create_future", "run_in_executor", "ensure_future", "gather", "shield"}
)
# Setup and teardown methods pytest calls itself, outside any loop.
_XUNIT_HOOKS = frozenset(
    {
        "setup_method", "teardown_method", "setup_class", "teardown_class",
        "setup_function", "teardown_function", "setup_module", "teardown_module",
        "setUp", "tearDown", "setUpClass", "tearDownClass", "setUpModule", "tearDownModule",
    }
)
# Classes whose sync methods run with a loop installed (their own async test support).
_CLASSES_WITH_LOOP = frozenset({"async_testcase", "unknown"})


@dataclass
class _Function:
    """What one def (or lambda) does with loops, kept until the def ends."""

    checked: bool
    parent: Optional["_Function"]
    # The test or fixture the def belongs to (asked about the current loop at a finding).
    owner: Optional[scopes.Scope] = None
    loads: Counter = field(default_factory=Counter)
    stores: Counter = field(default_factory=Counter)
    getter_calls: int = 0
    run_calls: int = 0
    runs_by_name: Dict[str, List[ast.Call]] = field(default_factory=dict)
    # (get_event_loop() call, run_until_complete called on it, (name, assignment) it is bound by)
    found: List[Tuple[ast.Call, Optional[ast.Call], Optional[Tuple[str, ast.Assign]]]] = field(
        default_factory=list
    )
    name: str = ""  # a def's name; empty for a lambda and the test or fixture itself
    called: Set[str] = field(default_factory=set)  # names it calls, nested defs included
    # findings of nested defs, by the def's name, kept until it is known to be called here
    nested: List[Tuple[str, List[Tuple[ast.Call, Optional[Fix]]]]] = field(default_factory=list)


class GetEventLoopInSyncTest(Rule):
    code = "ALP105"
    name = "get-event-loop-in-sync-test"
    components = (ExpectedFailures,)
    # Needed in the text for a finding: the one call reported
    trigger_words = ("get_event_loop",)
    message = (
        "get_event_loop() in sync test code fails when no loop is current (after an async "
        "test, and on Python 3.14): use asyncio.run() or make it async"
    )
    fix_safety = Safety.UNSAFE

    what = """
    Flags `asyncio.get_event_loop()` in sync test code that pytest runs outside any event
    loop: sync tests, sync fixtures and setup/teardown methods (and functions nested in
    them), in test modules and conftest.py files.
    """
    why = """
    With no loop running, `get_event_loop()` falls back on the event loop policy. Whether that
    gives a loop depends on what ran before: pytest-asyncio installs a loop for an async test
    and unsets it afterwards, so the same sync test passes alone and fails after any async
    test with `There is no current event loop in thread 'MainThread'`. Python 3.12 warns
    about the call and 3.14 makes it an error.
    """
    fix_notes = """
    Offered only for `asyncio.get_event_loop().run_until_complete(coro())`, and for a name
    bound to `get_event_loop()` whose one use is a single `run_until_complete(coro())`: the
    call becomes `asyncio.run(coro())` and the binding is deleted. The fix is offered only
    when that is the function's one `get_event_loop()` and one `run_until_complete`, and the
    argument is a call that does not build a future or task (`asyncio.run` takes coroutines
    only). Unsafe: `asyncio.run` closes its loop and leaves no current loop behind, where
    `get_event_loop()` left the loop it made current, so sync code that runs later and
    relies on that loop (a library's `get_event_loop().run_until_complete(...)`) fails with
    `There is no current event loop`, as it already does after any async test. For the same
    reason the fix is offered in a module only when every finding of the module gets it: a
    test left calling `get_event_loop()` would fail after one rewritten to `asyncio.run`
    (pyhap's unittest classes mix the two). Everything
    else needs a decision: make the test or fixture `async def`, or create and close a loop
    explicitly with `asyncio.new_event_loop()`.
    """
    limitations = """
    Loops installed where the linter cannot see (a conftest.py fixture calling
    `asyncio.set_event_loop`, a plugin) make the call work and cannot be told apart. The
    rule stays silent when the module installs a loop from sync code anywhere, when the
    function takes a parameter named like a loop (`loop`, `event_loop`: a loop fixture),
    inside a `try` that handles `RuntimeError`, inside `with` blocks that expect a
    `RuntimeError` or a warning (`pytest.raises`, `pytest.warns`, `assertRaises`, ...; a
    block expecting only other built-in exceptions, such as `ConnectionError`, lets the
    error through and is no reason for silence), in sync
    code nested in a coroutine, in a def nested in the test or fixture that it hands on
    rather than calls (a thread's `target=`, a callback: it runs where it is given to, often
    with a loop of its own), and in classes whose base runs async tests
    (`IsolatedAsyncioTestCase`) or cannot be seen.
    A sync test or fixture that requests an async fixture (directly, through other
    fixtures, by `usefixtures` on the def, or through an autouse fixture in sight) is left
    alone: pytest-asyncio keeps that fixture's loop current, and the call returns
    it. So is one that requests a fixture the linter cannot see (a plugin's, other than
    pytest's own and a few well-known sync ones such as `mocker` and `benchmark`): it may be
    async. So is the body of a sync `@pytest_asyncio.fixture`, which pytest-asyncio sets up
    with its loop current (ipykernel's `kernel`). So is a sync test that an asyncio mark
    reaches where the suite runs a pytest-asyncio older than 1.0 (the version linted for,
    or the project's pins): the mark requested `event_loop` for it, a fresh current loop.
    Sync helpers (functions and helper classes that tests call) are not checked: called
    from an async test, where a loop is running, the call works, and which callers a helper
    has is not visible. Module- and class-level calls are ALP106's.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest


            async def fetch():
                return 7


            @pytest.mark.asyncio
            async def test_fetch_async():
                assert await fetch() == 7


            def test_fetch():
                assert asyncio.get_event_loop().run_until_complete(fetch()) == 7
            """,
            (16, 12),
            fixed="""
            import asyncio

            import pytest


            async def fetch():
                return 7


            @pytest.mark.asyncio
            async def test_fetch_async():
                assert await fetch() == 7


            def test_fetch():
                assert asyncio.run(fetch()) == 7
            """,
            runs=True,
            pytest_asyncio=(1, 4),
        ),
        Bad(
            """
            import asyncio as aio

            import pytest


            @pytest.fixture
            def db():
                return Database("sqlite://")


            @pytest.fixture
            def seeded_db(db):
                loop = aio.get_event_loop()
                loop.run_until_complete(db.seed())
                return db
            """,
            (13, 12),
            fixed="""
            import asyncio as aio

            import pytest


            @pytest.fixture
            def db():
                return Database("sqlite://")


            @pytest.fixture
            def seeded_db(db):
                aio.run(db.seed())
                return db
            """,
        ),
        Bad(
            """
            import asyncio

            import pytest


            @pytest.fixture
            def client(tmp_path):
                return Client(tmp_path / "socket")


            def test_two_steps(client):
                loop = asyncio.get_event_loop()
                loop.run_until_complete(client.connect())
                assert loop.run_until_complete(client.ping()) == "pong"
            """,
            (12, 12),
        ),
        Bad(
            """
            import asyncio


            def run(coro):
                return asyncio.get_event_loop().run_until_complete(asyncio.gather(coro))


            class TestHelpers:
                def test_future_done(self):
                    future = asyncio.get_event_loop().create_future()
                    assert not future.done()
            """,
            (10, 18),
            filename="conftest.py",
        ),
        Good(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture
            async def connection():
                yield {"loop": asyncio.get_running_loop()}


            @pytest.fixture
            def dataset(connection):
                async def create():
                    return asyncio.get_running_loop()

                return asyncio.get_event_loop().run_until_complete(create())


            @pytest.mark.asyncio
            async def test_warm_up():
                await asyncio.sleep(0)


            def test_dataset_shares_the_connections_loop(dataset, connection):
                assert dataset is connection["loop"]
            """,
            reason=(
                "the async fixture it requests keeps pytest-asyncio's loop current: the call "
                "returns that loop (asyncio.run() would run on another)"
            ),
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest_asyncio


            @pytest_asyncio.fixture
            def kernel():
                return {"name": "python3"}


            def test_kernel_loop(kernel):
                loop = asyncio.get_event_loop()
                assert loop.run_until_complete(asyncio.sleep(0, kernel["name"])) == "python3"
            """,
            reason="a sync fixture made with pytest_asyncio.fixture keeps its loop current too",
            runs=True,
        ),
        Good(
            """
            import asyncio


            def test_runs_its_own():
                assert asyncio.run(asyncio.sleep(0, 1)) == 1
            """,
            reason="asyncio.run creates, runs and closes its own loop",
            runs=True,
        ),
        Good(
            """
            import asyncio


            def current_loop():
                try:
                    return asyncio.get_event_loop()
                except RuntimeError:
                    loop = asyncio.new_event_loop()
                    asyncio.set_event_loop(loop)
                    return loop
            """,
            reason="the missing loop is handled, and the module installs its own loop",
        ),
        Good(
            """
            import asyncio
            import unittest


            class TestClient(unittest.IsolatedAsyncioTestCase):
                def setUp(self):
                    self.loop = asyncio.get_event_loop()
            """,
            reason="IsolatedAsyncioTestCase installs its loop before setUp",
        ),
        Good(
            """
            import asyncio


            def test_with_loop_fixture(loop):
                assert asyncio.get_event_loop() is loop
            """,
            reason="a loop fixture (as pytest-aiohttp's) installs the loop the test asks for",
        ),
        Good(
            """
            import asyncio


            def get_loop():
                return asyncio.get_event_loop()
            """,
            filename="helpers.py",
            reason="not test code",
        ),
        Good(
            """
            import asyncio


            async def test_callback():
                def callback():
                    return asyncio.get_event_loop()

                assert callback() is asyncio.get_running_loop()
            """,
            reason="sync code nested in a coroutine runs while its loop runs",
        ),
        Good(
            """
            import asyncio

            import pytest


            def test_no_current_loop_after_unset():
                asyncio.set_event_loop(None)
                with pytest.raises(RuntimeError, match="no current event loop"):
                    asyncio.get_event_loop()
            """,
            reason="the test checks that the call fails",
            runs=True,
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
        Good(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest.mark.asyncio
            async def test_warm_up():
                await asyncio.sleep(0)


            @pytest_asyncio.fixture
            def io_loop():
                return asyncio.get_event_loop()


            def test_fixture_loop_is_current(io_loop):
                assert asyncio.get_event_loop() is io_loop
            """,
            reason="pytest-asyncio sets up its sync fixtures with its loop current",
            runs=True,
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._function: Optional[_Function] = None
        # line ranges of try bodies that handle RuntimeError
        self._guarded: List[Tuple[int, int]] = []
        # get_event_loop() call (by id) -> the run_until_complete called on it / its binding
        self._receivers: Dict[int, ast.Call] = {}
        self._bindings: Dict[int, Tuple[str, ast.Assign]] = {}
        self._pending: List[Tuple[ast.Call, Optional[Fix]]] = []
        self._module_installs_loop = False
        # Name uses are only needed to fix code that reaches get_event_loop through a
        # module-level import; without one, nothing is counted and nothing is fixed.
        self._counting = self.file.imports.alias_for(GET_EVENT_LOOP) is not None

    # -- function bookkeeping ---------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.AST) -> None:
        self._enter(node, is_async=False)

    def visit_AsyncFunctionDef(self, node: ast.AST) -> None:
        self._enter(node, is_async=True)

    def visit_Lambda(self, node: ast.AST) -> None:
        self._enter(node, is_async=False)

    def leave_FunctionDef(self, node: ast.AST) -> None:
        self._leave()

    leave_AsyncFunctionDef = leave_FunctionDef
    leave_Lambda = leave_FunctionDef

    def _enter(self, node: ast.AST, is_async: bool) -> None:
        parent = self._function
        scope = self.file.scope
        checked = not is_async and (parent.checked if parent is not None else True)
        if parent is None:
            owner = scope.enclosing_class()
            checked = checked and (owner is None or owner.class_kind not in _CLASSES_WITH_LOOP)
            # Helpers are often called from async tests, where the call works: only code
            # pytest itself runs outside any loop is certain to be in danger.
            checked = checked and (
                scope.role in (scopes.TEST, scopes.FIXTURE)
                or getattr(node, "name", "") in _XUNIT_HOOKS
            )
        if any(param.lower().endswith("loop") for param in scope.params):
            checked = False  # a loop fixture, such as pytest-aiohttp's ``loop``
        fixture = scope.fixture if scope.node is node else None
        if fixture is not None and fixture.name == EVENT_LOOP_FIXTURE:
            checked = False  # the suite's own ``event_loop``: ALP201 reports it, once
        self._function = _Function(checked, parent)
        if parent is None and scope.node is node and scope.role in (scopes.TEST, scopes.FIXTURE):
            self._function.owner = scope
        if parent is not None and isinstance(node, ast.FunctionDef):
            self._function.name = node.name

    def _leave(self) -> None:
        function = self._function
        assert function is not None
        findings = [
            (call, self._fix(function, run, binding)) for call, run, binding in function.found
        ]
        # A nested def runs here only if this def calls it; one handed on instead (a thread's
        # target, a callback) runs where the code it is given to runs it, loop and all.
        for name, nested in function.nested:
            if name in function.called:
                findings.extend(nested)
        parent = self._function = function.parent
        if parent is None or not function.name:
            self._pending.extend(findings)
        elif findings:
            parent.nested.append((function.name, findings))
        if parent is not None:  # uses in nested code count for the enclosing def too
            parent.loads.update(function.loads)
            parent.stores.update(function.stores)
            parent.getter_calls += function.getter_calls
            parent.run_calls += function.run_calls
            parent.called.update(function.called)

    def leave_Module(self, node: ast.Module) -> None:
        if self._module_installs_loop:
            return
        # All or none: a test fixed to ``asyncio.run`` leaves no current loop behind, and a
        # later test of the module that still calls ``get_event_loop()`` would then fail.
        fixes_all = all(fix is not None for _, fix in self._pending)
        for call, fix in self._pending:
            self.report(call, fix if fixes_all else None)

    # -- facts collected on the way ---------------------------------------------------------
    def visit_Name(self, node: ast.Name) -> None:
        # The most frequent node there is: keep this cheap.
        function = self._function
        if function is not None and self._counting:
            counts = function.loads if type(node.ctx) is ast.Load else function.stores
            counts[node.id] += 1

    def visit_Try(self, node: ast.Try) -> None:
        if node.body and any(catches_no_loop(handler) for handler in node.handlers):
            self._guarded.append((node.body[0].lineno, node.body[-1].end_lineno or node.lineno))

    def leave_Try(self, node: ast.Try) -> None:
        if node.body and any(catches_no_loop(handler) for handler in node.handlers):
            self._guarded.pop()

    def visit_Assign(self, node: ast.Assign) -> None:
        target = node.targets[0] if len(node.targets) == 1 else None
        if isinstance(target, ast.Name) and isinstance(node.value, ast.Call):
            self._bindings[id(node.value)] = (target.id, node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        qualified = self.file.resolve(func)
        function = self._function
        if qualified in _SET_EVENT_LOOP:
            # Sync code installing a loop means the module manages its loops on purpose; in
            # a coroutine it is ALP102's mistake and no help to sync tests.
            if node.args and not _is_none(node.args[0]) and not self.file.in_async_function:
                self._module_installs_loop = True
            return
        if function is None:
            return
        if isinstance(func, ast.Name):
            function.called.add(func.id)
        if isinstance(func, ast.Attribute) and func.attr == _RUN_UNTIL_COMPLETE:
            function.run_calls += 1
            if isinstance(func.value, ast.Name):
                function.runs_by_name.setdefault(func.value.id, []).append(node)
            elif isinstance(func.value, ast.Call):
                self._receivers[id(func.value)] = node
            return
        if qualified not in _GET_EVENT_LOOP or node.args or node.keywords:
            return
        function.getter_calls += 1
        # the test wants it to fail, or checks its warning
        expected = self.file.components[ExpectedFailures].may_catch(RuntimeError)
        if (
            function.checked
            and not expected
            and not self._is_guarded(node)
            and not self._loop_is_current(function)
        ):
            binding = self._bindings.get(id(node))
            function.found.append((node, self._receivers.get(id(node)), binding))

    def _loop_is_current(self, function: _Function) -> bool:
        """Under an async fixture, pytest-asyncio's loop is current: the call works."""
        top = function
        while top.parent is not None:
            top = top.parent
        return top.owner is not None and pytest_asyncio_loop_may_be_current(self.file, top.owner)

    def _is_guarded(self, node: ast.AST) -> bool:
        return any(first <= node.lineno <= last for first, last in self._guarded)

    # -- the fix ----------------------------------------------------------------------------
    def _fix(
        self,
        function: _Function,
        run: Optional[ast.Call],
        binding: Optional[Tuple[str, ast.Assign]],
    ) -> Optional[Fix]:
        if not self._counting or function.getter_calls != 1 or function.run_calls != 1:
            return None
        edits: Tuple[Edit, ...] = ()
        if run is None and binding is not None:
            name, assignment = binding
            runs = function.runs_by_name.get(name, [])
            if function.stores[name] == 1 and function.loads[name] == 1 and len(runs) == 1:
                run = runs[0]
                edits = (DeleteStatement(Span.of(assignment)),)
        if run is None or not _runnable_argument(run, self.file.resolve):
            return None
        spelled, imports = spell("asyncio.run", self.file)
        edits = edits + (UnwrapCall(Span.of(run), f"{spelled}({{arg}})"),)
        return Fix(Safety.UNSAFE, "run the coroutine with asyncio.run()", edits, imports)


def _runnable_argument(run: ast.Call, resolve) -> bool:
    """The one argument is a call that (as far as can be seen) makes a coroutine."""
    if len(run.args) != 1 or run.keywords:
        return False
    argument = run.args[0]
    if not isinstance(argument, ast.Call):
        return False
    if resolve(argument.func) in _FUTURE_BUILDERS:
        return False
    return not (isinstance(argument.func, ast.Attribute) and argument.func.attr in _FUTURE_METHODS)


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
