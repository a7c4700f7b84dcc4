"""ALP305: an async function is handed over where a plain callback is called."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.children import own_body_nodes
from flake8_asyncloop.analysis.coroutine_calls import (
    CoroutineBookkeeping,
    CoroutineCalls,
    PendingCall,
)
from flake8_asyncloop.analysis.expected_failures import ExpectedFailures
from flake8_asyncloop.analysis.loops import loop_origin
from flake8_asyncloop.analysis.names import dotted_name, may_end_with
from flake8_asyncloop.analysis.text_gates import may_make_coroutines
from flake8_asyncloop.rule import Bad, Good, Rule

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

# Methods that call what they are given and drop the result: name -> index of the callable
# among the positional arguments. The names are distinctive enough that the receiver need
# not be proven to be an event loop or a future.
_CALLBACK_METHODS: Dict[str, int] = {
    # event loops
    "call_soon": 0,
    "call_soon_threadsafe": 0,
    "call_later": 1,
    "call_at": 1,
    "add_signal_handler": 1,
    "run_in_executor": 1,
    # futures and tasks (asyncio and concurrent.futures alike)
    "add_done_callback": 0,
}
# The event loops' methods among them: another class may offer methods of these names.
_LOOP_METHODS = frozenset(_CALLBACK_METHODS) - {"add_done_callback"}
# Tornado's IOLoop has call_later/call_at too, and it does run a coroutine its callback returns.
_TORNADO_SHARED_METHODS = frozenset({"call_later", "call_at"})
_CALLBACK_FUNCTIONS: Dict[str, int] = {"atexit.register": 0, "signal.signal": 1}

_PARTIAL = frozenset({"functools.partial"})
# The last names of the calls looked at.
_LAST_NAMES = frozenset(
    {*_CALLBACK_METHODS, *(name.rpartition(".")[2] for name in _CALLBACK_FUNCTIONS)}
)


class CoroutineScheduledAsCallback(CoroutineCalls, Rule):
    code = "ALP305"
    name = "coroutine-scheduled-as-callback"
    assumes_pytest_asyncio = False
    # Needed in the text for a finding: the callback APIs above
    trigger_words = (
        "call_soon",
        "call_later",
        "call_at",
        "signal",
        "run_in_executor",
        "add_done_callback",
        "atexit",
    )
    call_names = _LAST_NAMES
    components = (CoroutineBookkeeping, ExpectedFailures)
    message = (
        "callback {callback} returns a coroutine that {method}() never awaits: "
        "the async code never runs"
    )

    @classmethod
    def applies_to(cls, source: str, file: "FileState") -> bool:
        # the callback must be known to be a coroutine function
        return may_make_coroutines(source)

    what = """
    Flags an async function handed to an API that calls it as a plain function and never
    awaits what it returns: `call_soon`, `call_soon_threadsafe`, `call_later`, `call_at`,
    `add_signal_handler` and `run_in_executor` on an event loop, `add_done_callback` on a
    future or task, `atexit.register` and `signal.signal`. The callback is recognised as
    async when it is an `async def` of the module or an enclosing function, an `async def`
    method reached through `self`, one of asyncio's coroutine functions (`asyncio.sleep`,
    ...) or a loop's coroutine methods, a name bound to an `AsyncMock()`, or one of these
    wrapped in `functools.partial` or called by a `lambda`.
    """
    why = """
    Calling an async function only creates a coroutine object; its body runs when something
    awaits it or wraps it in a task. The loop, the future, `atexit` or the signal machinery
    call the callback and throw the coroutine away, so the work never happens and Python
    later warns `coroutine ... was never awaited` (an error under `-W error`).
    `add_signal_handler`, and the other loop methods in asyncio's debug mode, refuse
    coroutine functions outright with a `TypeError`. To run async work from a callback,
    start a task in it, for example `loop.call_later(1, lambda: loop.create_task(expire()))`
    or `fut.add_done_callback(lambda f: asyncio.ensure_future(on_done(f)))`, and keep a
    reference to the task if nothing else waits for it. In a test, awaiting the work
    directly is usually simpler.
    """
    limitations = """
    A name counts only when every binding it has in its scope agrees (one `async def`, not a
    generator, with no decorator that could make it something else); functions imported from
    other modules (except asyncio's own), methods reached through anything but `self`, and
    callables stored in attributes or containers are not recognised. Tornado's `IOLoop` runs
    coroutines returned by its callbacks, so in a module that imports tornado, `call_later`
    and `call_at` are only checked on a receiver known to be an asyncio loop. A receiver
    name that the module binds only to instances of a class that is not a loop
    (`caller = Caller()`, a parameter annotated `caller: Caller`, a parameter named for a
    fixture of the module or its conftest.py files that returns or yields such an instance;
    such a class's `call_soon` may await what it runs) is left alone. Inside `with
    pytest.raises(...)` or `self.assertRaises(...)` the call is left alone: the test checks
    that the API refuses the coroutine function.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_entries_expire():
                cache = {"session": "alice"}

                async def expire():
                    cache.clear()

                asyncio.get_running_loop().call_later(0.01, expire)
                await asyncio.sleep(0.05)
                assert cache == {}
            """,
            (13, 49),
            runs=True,
        ),
        Bad(
            """
            import asyncio
            from unittest.mock import AsyncMock

            import pytest


            class TestDownloads:
                async def on_finished(self, future):
                    self.finished.append(future.result())

                @pytest.mark.asyncio
                async def test_reports_finished_jobs(self, downloader):
                    self.finished = []
                    job = asyncio.ensure_future(downloader.fetch("report.pdf"))
                    job.add_done_callback(self.on_finished)
                    await job
                    assert self.finished == ["report.pdf"]

                @pytest.mark.asyncio
                async def test_notifies(self, downloader):
                    notify = AsyncMock()
                    job = asyncio.ensure_future(downloader.fetch("a.pdf"))
                    job.add_done_callback(notify)
                    await job
                    notify.assert_called_once()
            """,
            (15, 31),
            (23, 31),
        ),
        Bad(
            """
            import asyncio
            import atexit
            import functools
            import signal


            async def stop_all(servers):
                for server in servers:
                    server.close()
                    await server.wait_closed()


            def register_cleanup(servers, loop):
                atexit.register(stop_all, servers)
                signal.signal(signal.SIGTERM, lambda signum, frame: stop_all(servers))
                loop.call_soon_threadsafe(functools.partial(stop_all, servers))
            """,
            (14, 21),
            (15, 35),
            (16, 31),
            filename="conftest.py",
        ),
        Good(
            """
            import asyncio
            import signal

            import pytest


            async def on_hangup():
                pass


            @pytest.mark.asyncio
            async def test_signal_handlers_refuse_coroutines():
                loop = asyncio.get_running_loop()
                with pytest.raises(TypeError):
                    loop.add_signal_handler(signal.SIGHUP, on_hangup)
            """,
            reason="the test checks that the loop refuses the coroutine function",
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_entries_expire():
                cache = {"session": "alice"}
                expired = asyncio.Event()

                async def expire():
                    cache.clear()
                    expired.set()

                loop = asyncio.get_running_loop()
                loop.call_later(0.01, lambda: loop.create_task(expire()))
                await asyncio.wait_for(expired.wait(), timeout=1)
                assert cache == {}
            """,
            reason="the callback starts a task, which runs the coroutine",
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest


            async def on_done(future):
                await future.owner.release()


            @pytest.mark.asyncio
            async def test_done_callback(on_done):
                future = asyncio.get_running_loop().create_future()
                future.add_done_callback(on_done)
                future.set_result(1)
                await asyncio.sleep(0)
                on_done.assert_called_once_with(future)
            """,
            reason="the parameter on_done (a fixture giving a mock) hides the module's async def",
        ),
        Good(
            """
            from tornado.ioloop import IOLoop
            from tornado.testing import AsyncTestCase, gen_test


            class TestShutdown(AsyncTestCase):
                async def stop_server(self):
                    await self.server.close_all_connections()

                @gen_test
                async def test_stops_later(self):
                    IOLoop.current().call_later(0.01, self.stop_server)
            """,
            reason="tornado's IOLoop awaits a coroutine returned by a callback",
        ),
        Good(
            """
            from jobs import Scheduler


            async def test_scheduled_job_runs():
                async def job():
                    return 2

                scheduler = Scheduler()
                assert await scheduler.call_soon(job) == 2
            """,
            reason="call_soon of a class that is not a loop may await what it runs",
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._imports_tornado = False
        # (argument, what must hold for it to be async, how to name it, the API's name)
        self._pending: List[Tuple[ast.expr, PendingCall, str, str]] = []

    def visit_Import(self, node: ast.AST) -> None:
        modules = [alias.name for alias in node.names]  # type: ignore[attr-defined]
        modules.append(getattr(node, "module", None) or "")
        if any(module.split(".")[0] == "tornado" for module in modules):
            self._imports_tornado = True

    visit_ImportFrom = visit_Import

    def visit_Call(self, node: ast.Call) -> None:
        target = self._callback_argument(node)
        if target is None:
            return
        if self.file.components[ExpectedFailures].blocks:
            return  # the test checks that the API refuses it (add_signal_handler raises)
        method, argument = target
        if method in _LOOP_METHODS and self._receiver_is_built_by_other_class(node.func):
            return  # another API of the same name (async-kernel's Caller awaits coroutines)
        question = self._question(argument)
        if question is not None:
            pending, callback = question
            self._pending.append((argument, pending, callback, method))

    def _receiver_is_built_by_other_class(self, func: ast.expr) -> bool:
        """``caller.call_soon(...)`` where the module binds the name ``caller`` to instances
        of a class that is not an event loop (``caller = Caller()``, a parameter annotated
        ``caller: Caller``) and never to a loop."""
        receiver = getattr(func, "value", None)
        if not isinstance(receiver, ast.Name) or loop_origin(receiver, self.file) is not None:
            return False
        if self._other_objects is None:
            self._other_objects = _names_of_other_objects(self.file)
        return receiver.id in self._other_objects

    _other_objects: Optional[Set[str]] = None  # worked out at the module's first loop API

    def leave_Module(self, node: ast.Module) -> None:
        # Every binding is known now: an ``async def`` may come after its use.
        for argument, pending, callback, method in self._pending:
            if self.decide(pending):
                self.report(argument, callback=callback, method=method)

    def _callback_argument(self, call: ast.Call) -> Optional[Tuple[str, ast.expr]]:
        """The API's name and the argument it will call, when ``call`` is such an API."""
        func = call.func
        if not may_end_with(func, _LAST_NAMES):
            return None
        qualified = self.file.resolve(func)
        if qualified is not None:
            index = _CALLBACK_FUNCTIONS.get(qualified)
            method = dotted_name(func) or qualified
        elif isinstance(func, ast.Attribute):
            index = _CALLBACK_METHODS.get(func.attr)
            method = func.attr
            if self._imports_tornado and method in _TORNADO_SHARED_METHODS:
                if loop_origin(func.value, self.file) is None:
                    index = None
        else:
            index = None
        if index is None or len(call.args) <= index:
            return None
        if any(isinstance(arg, ast.Starred) for arg in call.args[: index + 1]):
            return None
        return method, call.args[index]

    def _reference(self, reference: ast.expr) -> Optional[PendingCall]:
        """What must hold for calling ``reference`` to make a coroutine; the arguments it
        will be called with are not in the source."""
        pending = self.coroutine_call(_called(reference))
        if pending is not None:
            pending.arguments_known = False
        return pending

    def _question(self, callback: ast.expr) -> Optional[Tuple[PendingCall, str]]:
        """What must hold for calling ``callback`` to make a coroutine, and how to name it."""
        if isinstance(callback, (ast.Name, ast.Attribute)):
            pending = self._reference(callback)
            return None if pending is None else (pending, _callable_name(pending))
        if isinstance(callback, ast.Call) and self.file.resolve(callback.func) in _PARTIAL:
            inner = callback.args[0] if callback.args else None
            if isinstance(inner, (ast.Name, ast.Attribute)):
                pending = self._reference(inner)
                if pending is not None:
                    return pending, f"partial({_callable_name(pending)}, ...)"
            return None
        if isinstance(callback, ast.Lambda) and isinstance(callback.body, ast.Call):
            called = callback.body.func
            if _root_name(called) in scopes.parameter_names(callback.args):
                return None  # the lambda's own parameter, not the outer name
            pending = self.coroutine_call(callback.body)
            if pending is not None:
                return pending, f"lambda: {_callable_name(pending)}(...)"
        return None


def _called(reference: ast.expr) -> ast.Call:
    """``f()`` for the reference ``f``: what the API will do with it."""
    return ast.copy_location(ast.Call(func=reference, args=[], keywords=[]), reference)


def _callable_name(pending: PendingCall) -> str:
    """``expire`` for the pending call labelled ``expire()``."""
    return pending.label[: -len("()")] if pending.label.endswith("()") else pending.label


def _root_name(expr: ast.expr) -> str:
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return expr.id if isinstance(expr, ast.Name) else ""


def _names_of_other_objects(file: "FileState") -> Set[str]:
    """Names the module binds to instances of classes that are not event loops, and to
    nothing else but constants (``caller = None``); with them, the parameters named for a
    fixture whose value is such an instance (``def net(): return NetworkSelector()``)."""
    other: Set[str] = set()
    elsewhere: Set[str] = set()
    for node in ast.walk(file.tree):
        if isinstance(node, ast.Assign) and not isinstance(node.value, ast.Constant):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            (other if _instance_of_other_class(node.value, file) else elsewhere).update(names)
        elif isinstance(node, ast.arg) and node.annotation is not None:
            if _names_other_class(node.annotation):
                other.add(node.arg)
    for node in ast.walk(file.tree):
        if isinstance(node, ast.arg) and node.annotation is None and node.arg not in other:
            if _fixture_gives_other_object(node.arg, file, other - elsewhere):
                other.add(node.arg)
    return other - elsewhere


def _fixture_gives_other_object(name: str, file: "FileState", others: Set[str]) -> bool:
    """The fixture a parameter of this name gets (the module's own, else the nearest
    conftest.py's) returns or yields only instances of a class that is not a loop."""
    local = file.module.fixtures.get(name)
    if local:
        values = [
            node.value
            for func, _ in local
            for node in own_body_nodes(func)
            if isinstance(node, (ast.Return, ast.Yield))
        ]
        return bool(values) and all(
            value is not None
            and (
                _instance_of_other_class(value, file)
                or (isinstance(value, ast.Name) and value.id in others)
            )
            for value in values
        )
    found = file.project.conftest_fixtures(name)
    builds = found[-1].builds if found else None
    return (
        builds is not None
        and _is_other_class_name(builds.rpartition(".")[2])
        and not builds.startswith(("asyncio.", "uvloop."))
    )


def _instance_of_other_class(value: ast.expr, file: "FileState") -> bool:
    return isinstance(value, ast.Call) and _names_other_class(value.func) and not (
        file.resolve(value.func) or ""
    ).startswith(("asyncio.", "uvloop."))


def _names_other_class(node: ast.expr) -> bool:
    """A capitalised name (a class, by convention) that does not name a loop class."""
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
    return _is_other_class_name(name)


def _is_other_class_name(name: str) -> bool:
    return name[:1].isupper() and not name.endswith("Loop")
