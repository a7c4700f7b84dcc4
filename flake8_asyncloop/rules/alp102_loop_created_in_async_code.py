"""ALP102: a coroutine creates or installs an event loop while its own loop runs."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Set

from flake8_asyncloop.analysis.asyncio_names import REMOVED_LOOP_NAMES, spell
from flake8_asyncloop.analysis.forks import forks_before
from flake8_asyncloop.analysis.loops import GET_RUNNING_LOOP
from flake8_asyncloop.findings import DeleteStatement, Fix, ReplaceExpression, Safety, Span
from flake8_asyncloop.rule import Bad, Good, Rule

_NEW_EVENT_LOOP = frozenset({"asyncio.new_event_loop", "asyncio.events.new_event_loop"})
_SET_EVENT_LOOP = frozenset({"asyncio.set_event_loop", "asyncio.events.set_event_loop"})
# The last part of a call that makes an event loop.
_LOOP_MAKERS = frozenset(
    {"new_event_loop", "SelectorEventLoop", "ProactorEventLoop", "EventLoop", "Loop"}
)
# Methods that only look at a loop.
# What a loop that stands in for a foreign one is used for: inspected, or asked for a future
# that belongs to it (to check that code rejects another loop's future).
_STAND_IN_USES = frozenset({"is_closed", "is_running", "get_debug", "time", "create_future"})
_SET_POLICY = frozenset(
    {"asyncio.set_event_loop_policy", "asyncio.events.set_event_loop_policy"}
)


@dataclass
class _AsyncFunction:
    """Loops one ``async def`` binds to plain names, and which of them go to another thread."""

    created: Dict[str, List[ast.Call]] = field(default_factory=dict)
    handed_off: Set[str] = field(default_factory=set)
    # Made only to be looked at and closed (a loop to compare with, in a test of code
    # that refuses a foreign loop): never run, never left open.
    closed: Set[str] = field(default_factory=set)
    used: Set[str] = field(default_factory=set)
    # A fixture wider than a test: the running loop it would get instead is one it keeps
    # for later tests (ALP503), so the fix is not offered there.
    outlives_test: bool = False


class LoopCreatedInAsyncCode(Rule):
    code = "ALP102"
    name = "loop-created-in-async-code"
    assumes_pytest_asyncio = False
    # Needed in the text for a finding: the calls reported (set_event_loop_policy included)
    trigger_words = ("new_event_loop", "set_event_loop")
    message = "{call} inside async def: a loop is already running here; {advice}"
    fix_safety = Safety.UNSAFE

    what = """
    Flags `asyncio.new_event_loop()`, `asyncio.set_event_loop(...)` and
    `asyncio.set_event_loop_policy(...)` in the body of an `async def` in test code.
    """
    why = """
    An async test or fixture already runs on the loop pytest-asyncio gave it. A second loop
    made there cannot run in the same thread (`Cannot run the event loop while another loop
    is running`) and, when it is never closed, leaks as an unclosed-loop `ResourceWarning`.
    Installing a loop or a policy from inside a running loop changes what
    `get_event_loop()` returns to everything that runs after, including later tests, while
    the current test keeps running on the old loop.
    """
    fix_notes = """
    Unsafe: `new_event_loop()` is replaced by `get_running_loop()` and a `set_event_loop(...)`
    statement is deleted. Not in a fixture wider than `function`: it would then keep the
    running loop for later tests (ALP503); restructure such a fixture by hand. Code that
    later closes the loop it made would then close the running loop, and code that relied
    on the installed loop sees the running one: check the test after fixing.
    `set_event_loop_policy` has no fix; choose the policy in the pytest configuration or a
    `pytest_asyncio_loop_factories` hook instead.
    """
    limitations = """
    A loop handed to other code (passed as an argument, its `run_forever` given to a
    thread, used from a nested function, or set as an attribute of another object:
    `client.loop = asyncio.new_event_loop()`) is assumed to run in another thread, or to
    stand for a foreign loop, which is legitimate, and is not reported; a loop kept on the
    test itself (`self.loop = asyncio.new_event_loop()`) is followed like a name. A loop
    that is only inspected (`is_running()`, `is_closed()`) or asked for a future
    (`create_future()`, a future of another loop for the test to hand on) and then closed in
    the same def, through the name it was bound to and before that name is bound to
    anything else, is a stand-in for a foreign loop and is not reported. `set_event_loop(x)`
    is reported only when `x` is a loop made there (`new_event_loop()`, a loop class, or a
    name bound to one); `None`, a parameter (a suite's own `loop` fixture is usually the
    running loop) or an attribute is left alone. Sync
    code nested in a coroutine (a `def` or `lambda`) is not checked, nor is a loop made or
    installed after the coroutine forks the process (`os.fork()`, tornado's
    `fork_processes()`): the child runs no loop, and may start its own.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_timer_fires():
                loop = asyncio.new_event_loop()
                asyncio.set_event_loop(loop)
                fired = asyncio.Event()
                loop.call_later(0.01, fired.set)
                await fired.wait()
            """,
            (8, 12),
            (9, 5),
            fixed="""
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_timer_fires():
                loop = asyncio.get_running_loop()
                fired = asyncio.Event()
                loop.call_later(0.01, fired.set)
                await fired.wait()
            """,
        ),
        Bad(
            """
            import asyncio as aio

            import pytest_asyncio


            @pytest_asyncio.fixture
            async def client():
                loop = aio.new_event_loop()
                aio.set_event_loop(loop)
                client = Client()
                yield client
                await client.aclose()
            """,
            (8, 12),
            (9, 5),
            fixed="""
            import asyncio as aio

            import pytest_asyncio


            @pytest_asyncio.fixture
            async def client():
                loop = aio.get_running_loop()
                client = Client()
                yield client
                await client.aclose()
            """,
        ),
        Bad(
            """
            import asyncio

            import uvloop


            async def test_under_uvloop():
                asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
                await asyncio.sleep(0)
            """,
            (7, 5),
        ),
        Bad(
            """
            from asyncio import new_event_loop


            class TestWorker:
                async def test_loop_attribute(self):
                    self.loop = new_event_loop()
                    assert not self.loop.is_running()
            """,
            (6, 21),
            fixed="""
            import asyncio


            class TestWorker:
                async def test_loop_attribute(self):
                    self.loop = asyncio.get_running_loop()
                    assert not self.loop.is_running()
            """,
        ),
        Good(
            """
            import asyncio
            import threading


            async def test_thread_safe_submit():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever)
                thread.start()
                future = asyncio.run_coroutine_threadsafe(asyncio.sleep(0, 1), loop)
                assert future.result() == 1
                loop.call_soon_threadsafe(loop.stop)
                thread.join()
                loop.close()
            """,
            reason="the new loop runs in its own thread, which is what new loops are for",
        ),
        Good(
            """
            import asyncio


            def test_sync_with_own_loop():
                loop = asyncio.new_event_loop()
                asyncio.set_event_loop(loop)
                try:
                    assert loop.run_until_complete(asyncio.sleep(0, 1)) == 1
                finally:
                    asyncio.set_event_loop(None)
                    loop.close()
            """,
            reason="a sync test may create and install a loop of its own",
        ),
        Good(
            """
            import asyncio


            async def test_worker_thread():
                def work():
                    loop = asyncio.new_event_loop()
                    try:
                        return loop.run_until_complete(asyncio.sleep(0, 5))
                    finally:
                        loop.close()

                assert await asyncio.to_thread(work) == 5
            """,
            reason="the nested sync def runs in a worker thread",
        ),
        Good(
            """
            import asyncio

            import pytest


            class Guard:
                def __init__(self):
                    self.loop = asyncio.get_running_loop()

                def check(self):
                    if asyncio.get_running_loop() is not self.loop:
                        raise RuntimeError("bound to a different event loop")


            @pytest.mark.asyncio
            async def test_guard_refuses_a_foreign_loop():
                guard = Guard()
                loop = guard.loop = asyncio.new_event_loop()
                assert not loop.is_running()
                with pytest.raises(RuntimeError, match="different event loop"):
                    guard.check()
                loop.close()
            """,
            reason="a loop made only to stand for a foreign one, never run, and closed",
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest


            async def accept(future):
                if future.get_loop() is not asyncio.get_running_loop():
                    raise RuntimeError("future belongs to a different event loop")
                return await future


            @pytest.mark.asyncio
            async def test_a_foreign_future_is_refused():
                foreign_loop = asyncio.new_event_loop()
                foreign_future = foreign_loop.create_future()
                try:
                    with pytest.raises(RuntimeError, match="different event loop"):
                        await accept(foreign_future)
                finally:
                    foreign_loop.close()
            """,
            reason="a loop made only for a future of another loop, never run, and closed",
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest


            class Client:
                bound_loop = None

                def on_its_own_loop(self):
                    return self.bound_loop is asyncio.get_running_loop()


            @pytest.mark.asyncio
            async def test_client_notices_a_foreign_loop():
                client = Client()
                client.bound_loop = asyncio.new_event_loop()
                try:
                    assert not client.on_its_own_loop()
                finally:
                    client.bound_loop.close()
            """,
            reason="a loop given to another object, which here takes it for a foreign one",
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_works_without_a_current_loop():
                running = asyncio.get_running_loop()
                asyncio.set_event_loop(None)
                assert asyncio.get_running_loop() is running
            """,
            reason="set_event_loop(None) installs no loop",
            runs=True,
        ),
        Good(
            """
            import asyncio


            async def test_default_loop(loop):
                asyncio.set_event_loop(loop)
                assert asyncio.get_event_loop() is loop
            """,
            reason="a suite's own `loop` fixture is most likely the loop the test runs on",
        ),
        Good(
            """
            import asyncio


            async def make_loop_in_library():
                return asyncio.new_event_loop()
            """,
            filename="loops.py",
            reason="not test code: a library may build loops for other threads",
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._functions: List[_AsyncFunction] = []
        # Calls already accounted for: loops bound to a name (decided when the def ends),
        # loops passed straight to another call, and set_event_loop's own argument.
        self._settled: Set[int] = set()
        self._statement: Optional[ast.Expr] = None

    # -- bookkeeping of async defs ---------------------------------------------------------
    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        fixture = self.file.scope.fixture if self.file.scope.node is node else None
        outlives_test = fixture is not None and fixture.scope != "function"
        self._functions.append(_AsyncFunction(outlives_test=outlives_test))

    def leave_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        function = self._functions.pop()
        for name, calls in function.created.items():
            if name in function.handed_off:
                continue
            if name in function.closed and name not in function.used:
                continue
            for call in calls:
                self._report_new_loop(call, function, node)

    def visit_Assign(self, node: ast.Assign) -> None:
        # ``loop = asyncio.new_event_loop()``, also chained (``loop = q._loop = ...``)
        value = node.value
        if not self._in_async_body():
            return
        keys = [_loop_key(t) for t in node.targets]
        if value.__class__ is not ast.Call or self.file.resolve(value.func) not in _NEW_EVENT_LOOP:
            function = self._functions[-1]
            for key in keys:
                # Rebound before it was closed: a later close() is of something else.
                if key in function.created and key not in function.closed:
                    function.used.add(key)
            return
        call: ast.Call = value  # type: ignore[assignment]
        key = next((k for k in keys if k is not None and "." not in k), None)
        key = key or next((k for k in keys if k is not None), None)
        if key is not None:
            self._functions[-1].created.setdefault(key, []).append(call)
            self._settled.add(id(call))
        elif all(isinstance(t, (ast.Attribute, ast.Subscript)) for t in node.targets):
            # Given to another object (``client.loop = ...``), as an argument would be.
            self._settled.add(id(call))

    def visit_Expr(self, node: ast.Expr) -> None:
        self._statement = node

    # -- detection --------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        if not self._functions:
            return  # not inside any async def: nothing here for this rule
        qualified = self.file.resolve(node.func)
        is_set_loop = qualified in _SET_EVENT_LOOP
        self._note_handoffs(node, is_set_loop, qualified in REMOVED_LOOP_NAMES)
        if not self.file.in_async_function:
            return
        self._note_method_call(node)
        if qualified in _NEW_EVENT_LOOP:
            if id(node) not in self._settled:
                self._report_new_loop(node, self._functions[-1], self._async_def())
        elif is_set_loop:
            if not self._installs_a_made_loop(node):
                return  # None, or a loop it cannot tell from the running one
            if forks_before(self._async_def(), node):
                return  # a forked child runs no loop: it may install one
            fix = None
            statement = self._statement
            if statement is not None and statement.value is node:
                fix = Fix(
                    Safety.UNSAFE,
                    "drop the set_event_loop() call",
                    (DeleteStatement(Span.of(statement)),),
                )
            self.report(node, fix, call="set_event_loop()", advice="do not install another loop")
        elif qualified in _SET_POLICY:
            self.report(
                node,
                call="set_event_loop_policy()",
                advice="choose the loop policy in the pytest configuration",
            )

    def _note_method_call(self, call: ast.Call) -> None:
        """``loop.close()`` on a loop this def made, or any other use of it."""
        function = self._functions[-1]
        if not function.created:
            return
        func = call.func
        if func.__class__ is not ast.Attribute:
            return
        name = _loop_key(func.value)  # type: ignore[attr-defined]
        if name is not None and name in function.created:
            if func.attr == "close":  # type: ignore[attr-defined]
                function.closed.add(name)
            elif func.attr not in _STAND_IN_USES:  # type: ignore[attr-defined]
                function.used.add(name)

    def _installs_a_made_loop(self, call: ast.Call) -> bool:
        """``set_event_loop(x)`` where ``x`` is a loop just made (``new_event_loop()``, or a
        name bound to one); not ``None``, nor a parameter or attribute, which may well be
        the running loop (a suite's ``loop`` fixture), nor a loop the getters return."""
        argument = call.args[0] if call.args else None
        if isinstance(argument, ast.Call):
            return _makes_a_loop(argument, self.file.resolve(argument.func))
        if isinstance(argument, ast.Name):
            origin = self.file.scope.binding(argument.id)
            if origin and origin.rpartition(".")[2] in _LOOP_MAKERS:
                for function in self._functions:
                    if argument.id in function.created:
                        function.used.add(argument.id)
                return True
        return False

    def _note_handoffs(self, call: ast.Call, is_set_loop: bool, loop_removed: bool) -> None:
        """Loops passed to another call are used elsewhere (usually another thread). Not the
        ``loop=`` of an asyncio API that dropped it: that call fails (ALP107, whose fix
        removes the argument)."""
        for value in _argument_values(call, skip_loop_keyword=loop_removed):
            base = value
            while True:
                key = _loop_key(base)
                if key is not None and not is_set_loop:
                    self._hand_off(key)
                if not isinstance(base, ast.Attribute):
                    break
                base = base.value  # ``loop.run_forever`` hands the loop over too
            if isinstance(base, ast.Call) and self.file.resolve(base.func) in _NEW_EVENT_LOOP:
                self._settled.add(id(base))
        # Any use from a nested def or lambda: that code may run in another thread.
        if self._functions and not self._in_async_body():
            receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
            key = _loop_key(receiver) if receiver is not None else None
            if key is not None:
                self._hand_off(key)

    def _hand_off(self, name: str) -> None:
        for function in self._functions:
            if name in function.created:
                function.handed_off.add(name)

    def _in_async_body(self) -> bool:
        return bool(self._functions) and self.file.in_async_function

    def _async_def(self) -> ast.AST:
        """The async def the walk is in the body of (asked only there)."""
        function = self.file.function
        assert function is not None
        return function.node

    def _report_new_loop(
        self, call: ast.Call, function: _AsyncFunction, async_def: ast.AST
    ) -> None:
        if forks_before(async_def, call):
            return  # a forked child runs no loop: a new one is its own
        fix = None
        if not function.outlives_test:
            replacement, imports = spell(GET_RUNNING_LOOP, self.file)
            fix = Fix(
                Safety.UNSAFE,
                "use the running loop",
                (ReplaceExpression(Span.of(call), f"{replacement}()"),),
                imports,
            )
        self.report(call, fix, call="new_event_loop()", advice="use asyncio.get_running_loop()")


def _loop_key(node: ast.AST) -> Optional[str]:
    """How the rule follows a loop it saw made: ``loop`` for a name, ``self.loop`` for an
    attribute of the instance or class; None for anything else."""
    if node.__class__ is ast.Name:
        return node.id  # type: ignore[attr-defined]
    if node.__class__ is ast.Attribute:
        owner = node.value  # type: ignore[attr-defined]
        if owner.__class__ is ast.Name and owner.id in ("self", "cls"):
            return f"{owner.id}.{node.attr}"  # type: ignore[attr-defined]
    return None


def _makes_a_loop(call: ast.Call, qualified: Optional[str]) -> bool:
    func = call.func
    if qualified:
        last = qualified.rpartition(".")[2]
    elif isinstance(func, ast.Attribute):
        last = func.attr  # ``policy.new_event_loop()``
    else:
        last = func.id if isinstance(func, ast.Name) else ""
    return last in _LOOP_MAKERS


def _argument_values(call: ast.Call, skip_loop_keyword: bool = False) -> Iterator[ast.AST]:
    """Positional and keyword argument values, looking into literal tuples and lists."""
    keywords = [k for k in call.keywords if not (skip_loop_keyword and k.arg == "loop")]
    values = list(call.args) + [keyword.value for keyword in keywords]
    for value in values:
        if isinstance(value, ast.Starred):
            value = value.value
        if isinstance(value, (ast.Tuple, ast.List)):
            yield from value.elts
        else:
            yield value
