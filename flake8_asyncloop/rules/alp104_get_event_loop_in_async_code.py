"""ALP104: ``asyncio.get_event_loop()`` inside a coroutine, where ``get_running_loop()`` belongs."""

from __future__ import annotations

import ast
from typing import Optional

from flake8_asyncloop.analysis.asyncio_names import respell_attribute, spell
from flake8_asyncloop.analysis.loops import GET_EVENT_LOOP, GET_RUNNING_LOOP, catches_no_loop
from flake8_asyncloop.analysis.names import last_name
from flake8_asyncloop.findings import Fix, ReplaceExpression, Safety, Span
from flake8_asyncloop.rule import Bad, Good, Rule

_GET_EVENT_LOOP = frozenset({GET_EVENT_LOOP, "asyncio.events.get_event_loop"})
# ``try`` statements (``except*`` on Python 3.11+)
_TRY_NODES = tuple(getattr(ast, name) for name in ("Try", "TryStar") if hasattr(ast, name))


class GetEventLoopInAsyncCode(Rule):
    code = "ALP104"
    name = "get-event-loop-in-async-code"
    assumes_pytest_asyncio = False
    # Needed in the text for a finding: the one call reported
    trigger_words = ("get_event_loop",)
    call_names = frozenset({"get_event_loop"})
    message = "get_event_loop() inside async def: use asyncio.get_running_loop()"
    fix_safety = Safety.SAFE
    test_code_only = False

    what = """
    Flags `asyncio.get_event_loop()` called in the body of an `async def`.
    """
    why = """
    Inside a coroutine a loop is always running, and `asyncio.get_running_loop()` returns it
    directly. `get_event_loop()` returns the same loop there, but goes through the event loop
    policy, hides the intent, and is the call Python has been deprecating step by step for
    the case where no loop runs. Code written with `get_running_loop()` says "I am running
    on a loop" and fails loudly when that stops being true, for instance after being moved
    into a sync helper.
    """
    fix_notes = """
    The call is replaced by `get_running_loop()`, written the way the module already spells
    asyncio (`aio.get_running_loop()` after `import asyncio as aio`). After `from asyncio
    import get_event_loop` the fix writes `asyncio.get_running_loop()`, adds `import
    asyncio` when the module has no asyncio import, and removes the `get_event_loop` import
    once nothing uses it. Inside a coroutine both calls return the
    same loop, so the fix is safe in test code. It is unsafe outside test code, and in a test
    module whose strings name `get_event_loop`: tests that patch `asyncio.get_event_loop`
    (`mock.patch("pkg.client.asyncio.get_event_loop")`, to fake the loop the code sees) stop
    reaching the rewritten call, and fail.
    """
    limitations = """
    A sync `def` or `lambda` nested in an `async def` is sync code and is left to ALP105 (it
    may be called where no loop runs). `get_event_loop` reached through a variable
    (`getter = asyncio.get_event_loop`) is not followed. The fallback in `try:
    get_running_loop()` / `except RuntimeError: get_event_loop()` is left alone: in a
    coroutine it never runs, and rewritten it would read as nonsense.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_executor():
                loop = asyncio.get_event_loop()
                assert await loop.run_in_executor(None, sum, [1, 2]) == 3
            """,
            (8, 12),
            fixed="""
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_executor():
                loop = asyncio.get_running_loop()
                assert await loop.run_in_executor(None, sum, [1, 2]) == 3
            """,
        ),
        Bad(
            """
            import asyncio as aio


            async def test_schedule_later():
                aio.get_event_loop().call_later(0.1, print)
            """,
            (5, 5),
            fixed="""
            import asyncio as aio


            async def test_schedule_later():
                aio.get_running_loop().call_later(0.1, print)
            """,
        ),
        Bad(
            """
            import asyncio


            async def schedule_later(callback):
                asyncio.get_event_loop().call_later(0.1, callback)
            """,
            (5, 5),
            filename="scheduling.py",
        ),
        Bad(
            """
            from asyncio import get_event_loop


            async def test_time_moves():
                loop = get_event_loop()
                assert loop.time() > 0
            """,
            (5, 12),
            fixed="""
            import asyncio


            async def test_time_moves():
                loop = asyncio.get_running_loop()
                assert loop.time() > 0
            """,
        ),
        Bad(
            """
            import asyncio


            class TestClock:
                async def test_monotonic(self):
                    first = asyncio.get_event_loop().time()
                    await asyncio.sleep(0)
                    assert asyncio.get_event_loop().time() >= first
            """,
            (6, 17),
            (8, 16),
        ),
        Good(
            """
            import asyncio


            async def test_executor():
                loop = asyncio.get_running_loop()
                assert await loop.run_in_executor(None, sum, [1]) == 1
            """,
            reason="get_running_loop() is what the rule asks for",
        ),
        Good(
            """
            import asyncio


            async def test_callback_runs():
                def callback():
                    return asyncio.get_event_loop()

                assert callback() is asyncio.get_running_loop()
            """,
            reason="a sync def nested in a coroutine is sync code",
        ),
        Good(
            """
            import asyncio


            def make_loop_getter():
                return lambda: asyncio.get_event_loop()
            """,
            filename="loops.py",
            reason="sync code, lambdas included, is not this rule's business",
        ),
        Good(
            """
            import asyncio


            async def test_policy_loop(policy):
                loop = policy.get_event_loop()
                assert loop is not None
            """,
            reason="a method of some other object, not asyncio.get_event_loop",
        ),
        Good(
            """
            import asyncio


            async def current_loop():
                try:
                    return asyncio.get_running_loop()
                except RuntimeError:
                    return asyncio.get_event_loop()
            """,
            filename="loops.py",
            reason="the fallback of get_running_loop() never runs in a coroutine",
        ),
    )

    _named_in_a_string: Optional[bool] = None  # worked out at the module's first finding

    def visit_Call(self, node: ast.Call) -> None:
        if node.args or node.keywords or not self.file.in_async_function:
            return
        if self.file.resolve(node.func) not in _GET_EVENT_LOOP:
            return
        if self._falls_back_from_running_loop(node):
            return
        replacement = respell_attribute(node.func, "get_running_loop")
        imports = ()
        if replacement is None:
            replacement, imports = spell(GET_RUNNING_LOOP, self.file)
        fix = Fix(
            Safety.SAFE if self._nothing_patches_it() else Safety.UNSAFE,
            "use get_running_loop()",
            (ReplaceExpression(Span.of(node), f"{replacement}()"),),
            imports,
        )
        self.report(node, fix)

    def _falls_back_from_running_loop(self, call: ast.Call) -> bool:
        """Whether the call sits in an ``except`` that catches the RuntimeError of a
        ``get_running_loop()`` in its ``try``: the fallback of code that may run with no loop."""
        function = self.file.function
        if function is None:
            return False
        line = call.lineno
        for node in ast.walk(function.node):
            if not isinstance(node, _TRY_NODES):
                continue
            for handler in node.handlers:  # type: ignore[attr-defined]
                end = handler.end_lineno or handler.lineno
                if handler.lineno <= line <= end and catches_no_loop(handler):
                    return any(
                        isinstance(inner, ast.Call)
                        and last_name(inner.func) == "get_running_loop"
                        for statement in node.body  # type: ignore[attr-defined]
                        for inner in ast.walk(statement)
                    )
        return False

    def _nothing_patches_it(self) -> bool:
        """Whether no test can be patching the call: it is test code, and no string of its
        module names ``get_event_loop`` (a ``patch()`` target, a ``setattr`` name)."""
        if not self.file.is_test_file:
            return False  # any test of the project may patch what library code calls
        if self._named_in_a_string is None:
            self._named_in_a_string = any(
                node.__class__ is ast.Constant
                and isinstance(node.value, str)  # type: ignore[attr-defined]
                and "get_event_loop" in node.value  # type: ignore[attr-defined]
                for node in ast.walk(self.file.tree)
            )
        return not self._named_in_a_string
