"""ALP302: test code starts a task and lets go of it."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, List, Optional, Set, Tuple

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.expected_failures import ExpectedFailures
from flake8_asyncloop.analysis.patched import outermost_def, patched_in_reach
from flake8_asyncloop.analysis.tasks import task_factory
from flake8_asyncloop.rule import Bad, Good, Rule

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState


@dataclass
class _Function:
    """Tasks one def binds to names, and the names it (or code nested in it) reads."""

    parent: Optional["_Function"]
    is_fixture: bool
    # (name, the call, the task factory's name, whether it came before any yield)
    bound: List[Tuple[str, ast.Call, str, bool]] = field(default_factory=list)
    loads: Set[str] = field(default_factory=set)
    shared: Set[str] = field(default_factory=set)  # global / nonlocal names
    has_yield: bool = False


class DanglingTask(Rule):
    code = "ALP302"
    name = "dangling-task"
    assumes_pytest_asyncio = False
    # Needed in the text for a finding: the task factories (analysis/tasks.py)
    trigger_words = ("create_task", "ensure_future")
    message = "{task} is dropped: nothing here awaits, keeps or cancels it, so its errors go unseen"
    # ruff's code for the same dangling task (asyncio-dangling-task)
    silenced_by = ("RUF006",)
    components = (ExpectedFailures,)

    what = """
    Flags a task started in test code whose result is thrown away: an expression statement
    `asyncio.create_task(...)`, `asyncio.ensure_future(...)` or `<loop>.create_task(...)`
    (a loop from `asyncio.get_running_loop()`, `asyncio.get_event_loop()`, the `event_loop`
    fixture, or a name bound to one of them), or such a task bound to a local name that the
    function never reads again.
    """
    why = """
    Nothing waits for a task nobody holds. The test goes on, and usually ends, before the
    task has done its work, so assertions about that work fail or, worse, pass before the
    work could have gone wrong. An exception raised in the task never reaches the test: it
    only shows up as `Task exception was never retrieved` in the log, if at all. When the
    loop closes, pytest-asyncio cancels what is still pending, and the event loop keeps
    only a weak reference to a task, so one that waits on something nobody else holds can
    be garbage-collected mid-run (`Task was destroyed but it is pending!`).
    """
    limitations = """
    A name counts as used if it is read anywhere in the function, or in code nested in it,
    so a task bound to a name that is later rebound to a second task is not reported. Only
    loops that are visibly obtained in the function are recognised: `create_task` on
    `self.loop`, a parameter or any other object may be a `TaskGroup` or a helper that keeps
    the task, and is not reported. `asyncio.ensure_future(x)` of a plain name is not
    reported either, since `x` may be a future kept elsewhere, and neither is a task running
    `server.serve_forever()`, which closing the server ends, or one wrapped in aiorun's
    `shutdown_waits_for(...)`, whose runner waits for it. Code outside functions (module
    and class bodies) is not checked. A task started in a yield fixture before its `yield`
    and bound to a name is ALP303's to report. A test that sets a loop exception handler
    (`set_exception_handler`) is left alone: it drops a task to see the task's error reach
    the handler, which keeping the task would prevent. A library that registers the running
    task itself (through `asyncio.current_task()`, as some session scopes do) and cancels
    and awaits it on exit is not seen: the task is reported although that scope holds it.
    A task running a local `async def` whose whole body is a `try` that catches every
    exception (`except Exception:`, without raising again) is not reported: its errors
    are handled there, usually kept for the test to assert on. A test that patches the
    factory (a string naming it, such as `patch("asyncio.create_task")` or
    `monkeypatch.setattr(asyncio, "create_task", fake)`, in the test or its decorators, or
    those of its class) calls a stand-in and is left alone; a patch made in a fixture is not
    seen. A line whose comment tells ruff to leave the same dangling task alone
    (`# noqa: RUF006`) is not reported either: its author already said the task is dropped
    on purpose. Sync code that starts a task inside a block expecting a `RuntimeError`
    (`pytest.raises`, `assertRaises`) is left alone: with no running loop, or on a closed
    one, the call raises and no task exists; a task dropped in such a block before the
    call that raises is missed.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest


            class AuditLog:
                def __init__(self):
                    self.lines = []
                    self._pending = []

                def record(self, line):
                    self._pending.append(line)

                async def flush(self):
                    await asyncio.sleep(0)
                    self.lines.extend(self._pending)
                    self._pending.clear()


            @pytest.mark.asyncio
            async def test_flush_writes_pending_lines():
                log = AuditLog()
                log.record("login alice")
                asyncio.create_task(log.flush())
                assert log.lines == ["login alice"]
            """,
            (24, 5),
            runs=True,
        ),
        Bad(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_reconnects(client):
                loop = asyncio.get_running_loop()
                watcher = loop.create_task(client.watch_connection())
                await client.drop_connection()
                assert await client.wait_connected(timeout=1)
                asyncio.get_running_loop().create_task(client.ping())
            """,
            (9, 15),
            (12, 5),
        ),
        Good(
            """
            import asyncio

            import pytest


            class AuditLog:
                def __init__(self):
                    self.lines = []
                    self._pending = []

                def record(self, line):
                    self._pending.append(line)

                async def flush(self):
                    await asyncio.sleep(0)
                    self.lines.extend(self._pending)
                    self._pending.clear()


            @pytest.mark.asyncio
            async def test_flush_writes_pending_lines():
                log = AuditLog()
                log.record("login alice")
                flushing = asyncio.create_task(log.flush())
                await flushing
                assert log.lines == ["login alice"]
            """,
            reason="the task is kept and awaited before the assertion",
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_fan_out(client):
                async with asyncio.TaskGroup() as tg:
                    tg.create_task(client.ping())
                    tg.create_task(client.ping())
                assert client.pings == 2
            """,
            reason="a TaskGroup keeps its tasks and waits for them when the block ends",
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_parallel_fetch(client):
                first = asyncio.create_task(client.fetch("a"))
                second = asyncio.ensure_future(client.fetch("b"))
                assert await asyncio.gather(first, second) == ["a", "b"]
            """,
            reason="both tasks are handed to gather, which awaits them",
        ),
        Good(
            """
            import asyncio


            class FakeBroker:
                def __init__(self):
                    self.tasks = set()

                def start(self, consumer):
                    task = asyncio.create_task(consumer.run())
                    self.tasks.add(task)
                    task.add_done_callback(self.tasks.discard)

                def start_ticker(self, ticker):
                    self.ticker = asyncio.create_task(ticker.run())
                    return asyncio.create_task(ticker.warm_up())
            """,
            filename="conftest.py",
            reason="a task kept in a set, stored on the object or returned is tracked",
        ),
        Good(
            """
            import asyncio

            import pytest


            async def fail():
                raise RuntimeError("boom")


            @pytest.mark.asyncio
            async def test_unretrieved_task_error_reaches_the_handler():
                seen = []
                loop = asyncio.get_running_loop()
                loop.set_exception_handler(lambda loop, context: seen.append(context))
                asyncio.create_task(fail())
                await asyncio.sleep(0)
                assert isinstance(seen[0]["exception"], RuntimeError)
            """,
            reason="the test drops the task so that its error reaches the exception handler",
            runs=True,
        ),
        Good(
            """
            import asyncio

            from aiorun import run, shutdown_waits_for


            def serve_in_child(queue):
                async def flush():
                    await asyncio.sleep(0)
                    queue.put(True)

                async def main():
                    asyncio.create_task(shutdown_waits_for(flush()))

                run(main())
            """,
            reason="aiorun's runner waits at shutdown for what shutdown_waits_for hands it",
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_consumer_sees_the_failure():
                queue = asyncio.Queue()
                failure = None

                async def consume():
                    nonlocal failure
                    try:
                        while True:
                            item = await queue.get()
                            if isinstance(item, Exception):
                                raise item
                    except Exception as error:
                        failure = error

                consumer = asyncio.create_task(consume())
                queue.put_nowait(ValueError("boom"))
                await asyncio.sleep(0.01)
                assert isinstance(failure, ValueError)
            """,
            reason="the task's coroutine catches every error and keeps it for the test",
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest


            async def work():
                return 1


            def test_create_task_needs_a_running_loop():
                coro = work()
                with pytest.raises(RuntimeError, match="no running event loop"):
                    asyncio.create_task(coro)
                coro.close()
            """,
            reason="with no running loop the call raises: no task is ever made",
            runs=True,
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._function: Optional[_Function] = None

    # -- function bookkeeping ---------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.AST) -> None:
        self._function = _Function(self._function, self.file.scope.role == scopes.FIXTURE)

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = visit_FunctionDef

    def leave_FunctionDef(self, node: ast.AST) -> None:
        function = self._function
        assert function is not None
        for name, call, factory, before_yield in function.bound:
            if name in function.loads or name in function.shared:
                continue
            if function.is_fixture and function.has_yield and before_yield:
                continue  # a yield fixture's task: ALP303 says what teardown must do
            if _installs_exception_handler(self.file) or _errors_caught_inside(call, self.file):
                continue
            if patched_in_reach(self.file, factory):
                continue
            self.report(call, task=f"task {name!r} from {factory}()")
        parent = self._function = function.parent
        if parent is not None:  # a closure reading the name keeps the task alive too
            parent.loads.update(function.loads)

    leave_AsyncFunctionDef = leave_FunctionDef
    leave_Lambda = leave_FunctionDef

    # -- what the function does -------------------------------------------------------------
    def visit_Expr(self, node: ast.Expr) -> None:
        if self._function is None:
            return
        factory = task_factory(node.value, self.file)
        if factory is None or _installs_exception_handler(self.file) or self._expected_to_fail():
            return
        if _errors_caught_inside(node.value, self.file):  # type: ignore[arg-type]
            return
        if not patched_in_reach(self.file, factory):
            self.report(node.value, task=f"the task from {factory}()")

    def visit_Assign(self, node: ast.Assign) -> None:
        if len(node.targets) == 1:
            self._bound(node.targets[0], node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._bound(node.target, node.value)

    def _bound(self, target: ast.AST, value: ast.AST) -> None:
        function = self._function
        if function is None or not isinstance(target, ast.Name):
            return
        factory = task_factory(value, self.file)
        if factory is not None and not self._expected_to_fail():
            entry = (target.id, value, factory, not function.has_yield)
            function.bound.append(entry)  # type: ignore[arg-type]

    def _expected_to_fail(self) -> bool:
        """Sync code under ``pytest.raises(RuntimeError)`` and the like: with no running loop
        (or a closed one), starting the task is what raises, and no task exists."""
        if self.file.in_async_function:
            return False
        return self.file.components[ExpectedFailures].raises_here(RuntimeError)

    def visit_Name(self, node: ast.Name) -> None:
        if self._function is not None and isinstance(node.ctx, ast.Load):
            self._function.loads.add(node.id)

    def visit_Global(self, node: ast.Global) -> None:
        if self._function is not None:
            self._function.shared.update(node.names)

    visit_Nonlocal = visit_Global

    def visit_Yield(self, node: ast.AST) -> None:
        if self._function is not None:
            self._function.has_yield = True

    visit_YieldFrom = visit_Yield


def _installs_exception_handler(file: "FileState") -> bool:
    """Whether the outermost def around the current point sets a loop exception handler: a
    test that drops a task to see its error reach the handler (mitmproxy's, where keeping
    the task would keep the error from the handler). Asked only for a dropped task."""
    outermost = outermost_def(file)
    return outermost is not None and any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "set_exception_handler"
        for node in ast.walk(outermost)
    )


def _errors_caught_inside(call: ast.Call, file: "FileState") -> bool:
    """Whether the task runs a local ``async def`` whose whole body is a ``try`` that catches
    every exception and does not raise again: its errors are handled (usually stored for
    the test to assert on), not lost."""
    coroutine = call.args[0] if call.args else None
    if not isinstance(coroutine, ast.Call) or not isinstance(coroutine.func, ast.Name):
        return False
    definition = _visible_async_def(coroutine.func.id, file)
    if definition is None:
        return False
    body = [
        statement
        for statement in definition.body
        if not isinstance(statement, (ast.Global, ast.Nonlocal))
        and not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))
    ]  # declarations and a docstring run nothing
    if len(body) != 1 or not isinstance(body[0], ast.Try):
        return False
    return any(
        _catches_everything(handler.type)
        and not any(isinstance(node, ast.Raise) for node in ast.walk(handler))
        for handler in body[0].handlers
    )


def _visible_async_def(name: str, file: "FileState") -> Optional[ast.AsyncFunctionDef]:
    """The ``async def`` that ``name`` is at this point, when a def around it, or the
    module, defines it in its own body (the last such def)."""
    scope: Optional[scopes.Scope] = file.scope
    while scope is not None:
        if scope.kind == scopes.FUNCTION:
            body = scope.node.body  # type: ignore[attr-defined]
        elif scope.kind == scopes.MODULE:
            body = file.module.statements
        else:
            body = []
        found = None
        for statement in body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if statement.name == name:
                    found = statement
        if found is not None:
            return found if isinstance(found, ast.AsyncFunctionDef) else None
        scope = scope.parent
    return None


def _catches_everything(handled: Optional[ast.expr]) -> bool:
    if handled is None:
        return True  # a bare ``except:``
    names = handled.elts if isinstance(handled, ast.Tuple) else [handled]
    return any(isinstance(n, ast.Name) and n.id in ("Exception", "BaseException") for n in names)
