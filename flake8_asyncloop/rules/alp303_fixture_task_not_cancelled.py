"""ALP303: a yield fixture starts a task and its teardown never stops it."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import List, Optional, Set, Tuple

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.asyncio_names import spell
from flake8_asyncloop.analysis.tasks import task_factory
from flake8_asyncloop.findings import AddImport, Fix, InsertAfterStatement, Safety, Span
from flake8_asyncloop.rule import Bad, Good, Rule

# Task methods that neither end the task nor hand it to code that could.
_PASSIVE_METHODS = frozenset(
    {
        "add_done_callback",
        "cancelled",
        "cancelling",
        "done",
        "get_context",
        "get_coro",
        "get_name",
        "get_stack",
        "print_stack",
        "remove_done_callback",
        "set_name",
    }
)


@dataclass
class _Function:
    """What one def does with tasks and yields, kept until the def ends."""

    parent: Optional["_Function"]
    node: ast.AST
    is_fixture: bool
    is_async: bool
    # A fixture, or a def or lambda inside one: where what happens to a task can matter.
    tracked: bool
    started: List[Tuple[str, ast.Call]] = field(default_factory=list)  # before the first yield
    uses: Set[str] = field(default_factory=set)
    yields: int = 0
    yield_statements: List[ast.stmt] = field(default_factory=list)


class FixtureTaskNotCancelled(Rule):
    code = "ALP303"
    name = "fixture-task-not-cancelled"
    assumes_pytest_asyncio = False
    # Needed in the text for a finding: the task factories (analysis/tasks.py)
    trigger_words = ("create_task", "ensure_future")
    message = (
        "task '{task}' started before the fixture's yield is never cancelled or awaited "
        "after it: it outlives the test"
    )
    fix_safety = Safety.UNSAFE

    what = """
    Flags a task that a yield fixture starts before its `yield` and binds to a local name
    (`task = asyncio.create_task(...)`, `asyncio.ensure_future(...)`,
    `<loop>.create_task(...)`) when the fixture never cancels it, awaits it or hands it to
    anything else. Yielding the task itself to the test does not count as handing it on:
    teardown still owns it.
    """
    why = """
    The code after `yield` is the fixture's teardown, and a task it does not stop keeps
    running after the test is over. On a loop shared by several tests (`loop_scope="module"`
    or wider) the leaked task goes on acting in the tests that follow: it consumes their
    messages, writes to their state, holds their ports. On a function-scoped loop
    pytest-asyncio cancels it when the loop closes, after the fixture's teardown has already
    closed what the task was using, and its errors end up in the log, never in the test
    report. Older versions of pytest-asyncio left it pending: `Task was destroyed but it is
    pending!`.
    """
    fix_notes = """
    Unsafe: right after the `yield` statement the fix adds `task.cancel()` followed by
    `await task` inside `contextlib.suppress(asyncio.CancelledError)` (importing
    `contextlib` if needed). That is the first thing teardown does, so the task stops
    before the resources it uses are closed, also when the `yield` sits in a `with` block
    or the body of a `try` whose `finally` does the rest of the teardown. It changes what
    the test run does: an exception the task had raised now fails the teardown, a task that
    ignores cancellation makes teardown wait for it, and if teardown itself is cancelled
    while waiting, that cancellation is swallowed. A sync fixture cannot await, a fixture
    with more than one `yield`, and a `yield` in a loop, an `except` or `finally` block get
    no fix.
    """
    limitations = """
    Only tasks bound to a plain local name are followed; tasks stored on an object or in a
    collection are assumed to be stopped by whoever owns them, and any use of the name
    other than reading the task's state counts as handling it. Tasks running
    `server.serve_forever()` are not reported, since closing the server ends them. A task
    made in a helper called by the fixture is not seen.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest
            import pytest_asyncio

            pytestmark = pytest.mark.asyncio(loop_scope="module")


            class Metrics:
                def __init__(self):
                    self.beats = 0


            METRICS = Metrics()


            async def heartbeat(metrics, interval):
                while True:
                    metrics.beats += 1
                    await asyncio.sleep(interval)


            @pytest_asyncio.fixture(loop_scope="module")
            async def beating():
                METRICS.beats = 0
                task = asyncio.create_task(heartbeat(METRICS, 0.01))
                yield METRICS


            async def test_beats(beating):
                await asyncio.sleep(0.05)
                assert beating.beats >= 3


            async def test_quiet_without_heartbeat():
                METRICS.beats = 0
                await asyncio.sleep(0.05)
                assert METRICS.beats == 0
            """,
            (26, 12),
            fixed="""
            import asyncio
            import contextlib

            import pytest
            import pytest_asyncio

            pytestmark = pytest.mark.asyncio(loop_scope="module")


            class Metrics:
                def __init__(self):
                    self.beats = 0


            METRICS = Metrics()


            async def heartbeat(metrics, interval):
                while True:
                    metrics.beats += 1
                    await asyncio.sleep(interval)


            @pytest_asyncio.fixture(loop_scope="module")
            async def beating():
                METRICS.beats = 0
                task = asyncio.create_task(heartbeat(METRICS, 0.01))
                yield METRICS
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


            async def test_beats(beating):
                await asyncio.sleep(0.05)
                assert beating.beats >= 3


            async def test_quiet_without_heartbeat():
                METRICS.beats = 0
                await asyncio.sleep(0.05)
                assert METRICS.beats == 0
            """,
            runs=True,
        ),
        Bad(
            """
            import asyncio as aio
            from contextlib import suppress

            import pytest_asyncio


            @pytest_asyncio.fixture
            async def subscriber(broker):
                async with broker.connect() as conn:
                    listener = aio.create_task(conn.listen())
                    try:
                        yield listener
                    finally:
                        await conn.unsubscribe_all()
            """,
            (10, 20),
            fixed="""
            import asyncio as aio
            from contextlib import suppress

            import pytest_asyncio


            @pytest_asyncio.fixture
            async def subscriber(broker):
                async with broker.connect() as conn:
                    listener = aio.create_task(conn.listen())
                    try:
                        yield listener
                        listener.cancel()
                        with suppress(aio.CancelledError):
                            await listener
                    finally:
                        await conn.unsubscribe_all()
            """,
        ),
        Good(
            """
            import asyncio
            import contextlib

            import pytest
            import pytest_asyncio

            pytestmark = pytest.mark.asyncio(loop_scope="module")


            class Metrics:
                def __init__(self):
                    self.beats = 0


            METRICS = Metrics()


            async def heartbeat(metrics, interval):
                while True:
                    metrics.beats += 1
                    await asyncio.sleep(interval)


            @pytest_asyncio.fixture(loop_scope="module")
            async def beating():
                METRICS.beats = 0
                task = asyncio.create_task(heartbeat(METRICS, 0.01))
                yield METRICS
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


            async def test_beats(beating):
                await asyncio.sleep(0.05)
                assert beating.beats >= 3


            async def test_quiet_without_heartbeat():
                METRICS.beats = 0
                await asyncio.sleep(0.05)
                assert METRICS.beats == 0
            """,
            reason="teardown cancels the task and waits until it has stopped",
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest_asyncio


            @pytest_asyncio.fixture
            async def workers(queue):
                async with asyncio.TaskGroup() as tg:
                    tg.create_task(consume(queue))
                    tg.create_task(consume(queue))
                    yield queue
                    await queue.put(None)
                    await queue.put(None)
            """,
            reason="the TaskGroup around the yield owns the tasks and waits for them at teardown",
        ),
        Good(
            """
            import asyncio

            import pytest_asyncio


            @pytest_asyncio.fixture
            async def echo_server(handler):
                server = await asyncio.start_server(handler, "127.0.0.1", 0)
                serving = asyncio.create_task(server.serve_forever())
                stopper = asyncio.Event()
                janitor = asyncio.create_task(sweep_until(stopper))
                yield server.sockets[0].getsockname()
                stopper.set()
                await asyncio.wait_for(janitor, timeout=5)
                server.close()
                await server.wait_closed()
            """,
            reason="closing the server ends serve_forever(); the other task is awaited in teardown",
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._function: Optional[_Function] = None
        self._passive: Set[int] = set()  # ids of Name nodes whose read hands nothing on

    # -- function bookkeeping ---------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.AST) -> None:
        is_fixture = self.file.scope.role == scopes.FIXTURE
        is_async = isinstance(node, ast.AsyncFunctionDef)
        parent = self._function
        tracked = is_fixture or (parent is not None and parent.tracked)
        self._function = _Function(parent, node, is_fixture, is_async, tracked)

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = visit_FunctionDef

    def leave_FunctionDef(self, node: ast.AST) -> None:
        function = self._function
        assert function is not None
        if function.is_fixture and function.yields:
            for name, call in function.started:
                if name not in function.uses:
                    self.report(call, self._fix(function, name), task=name)
        parent = self._function = function.parent
        if parent is not None:  # a nested def or lambda can stop the task too
            parent.uses.update(function.uses)

    leave_AsyncFunctionDef = leave_FunctionDef
    leave_Lambda = leave_FunctionDef

    # -- what the fixture does ----------------------------------------------------------------
    def visit_Expr(self, node: ast.Expr) -> None:
        function = self._function
        if function is not None and function.tracked and isinstance(node.value, ast.Yield):
            function.yield_statements.append(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        if len(node.targets) == 1:
            self._assigned(node, node.targets[0], node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._assigned(node, node.target, node.value)

    def _assigned(self, statement: ast.stmt, target: ast.AST, value: ast.AST) -> None:
        function = self._function
        if function is None or not function.tracked:
            return
        if isinstance(value, ast.Yield):
            function.yield_statements.append(statement)
        elif (
            function.is_fixture
            and not function.yields
            and isinstance(target, ast.Name)
            and task_factory(value, self.file) is not None
        ):
            function.started.append((target.id, value))  # type: ignore[arg-type]

    def visit_Yield(self, node: ast.Yield) -> None:
        function = self._function
        if function is None or not function.tracked:
            return
        function.yields += 1
        # ``yield task`` shows the task to the test; teardown still has to stop it.
        value = node.value
        items = value.elts if isinstance(value, (ast.Tuple, ast.List)) else [value]
        self._passive.update(id(item) for item in items if isinstance(item, ast.Name))

    def visit_YieldFrom(self, node: ast.YieldFrom) -> None:
        function = self._function
        if function is not None and function.tracked:
            function.yields += 1

    # Outside fixtures (most code) the handlers below stop at their first test.
    def visit_Attribute(self, node: ast.Attribute) -> None:
        function = self._function
        if function is None or not function.tracked:
            return
        if node.attr in _PASSIVE_METHODS and isinstance(node.value, ast.Name):
            self._passive.add(id(node.value))

    def visit_Name(self, node: ast.Name) -> None:
        function = self._function
        if function is None or not function.tracked:
            return
        if id(node) in self._passive:
            self._passive.discard(id(node))
            return
        if isinstance(node.ctx, ast.Load):
            function.uses.add(node.id)

    # -- the fix ------------------------------------------------------------------------------
    def _fix(self, function: _Function, task: str) -> Optional[Fix]:
        if not function.is_async or function.yields != 1 or len(function.yield_statements) != 1:
            return None
        statement = function.yield_statements[0]
        if not _runs_first_in_teardown(function.node.body, statement):  # type: ignore[attr-defined]
            return None
        imports: Tuple[AddImport, ...] = ()
        suppress = self.file.imports.alias_for("contextlib.suppress")
        if suppress is None:
            suppress, imports = "contextlib.suppress", (AddImport("contextlib"),)
        cancelled, more = spell("asyncio.CancelledError", self.file)
        code = f"{task}.cancel()\nwith {suppress}({cancelled}):\n    await {task}\n"
        return Fix(
            Safety.UNSAFE,
            f"cancel {task} after the yield and wait for it",
            (InsertAfterStatement(Span.of(statement), code),),
            imports + more,
        )


def _runs_first_in_teardown(body: List[ast.stmt], target: ast.stmt) -> bool:
    """True when ``target`` is in ``body`` itself or nested only in with blocks, if branches
    and try bodies: then what follows it runs once, as the first step of teardown."""
    blocks = [body]
    while blocks:
        for statement in blocks.pop():
            if statement is target:
                return True
            if isinstance(statement, (ast.With, ast.AsyncWith)):
                blocks.append(statement.body)
            elif isinstance(statement, ast.If):
                blocks += [statement.body, statement.orelse]
            elif isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
                blocks.append(statement.body)  # type: ignore[attr-defined]
    return False
