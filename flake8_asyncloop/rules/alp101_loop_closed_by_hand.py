"""ALP101: a test closes an event loop it did not create."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.loops import (
    EVENT_LOOP_FIXTURE,
    FIXTURE_ORIGIN,
    GET_EVENT_LOOP,
    NEW_EVENT_LOOP,
    loop_origin,
)
from flake8_asyncloop.analysis.names import last_name
from flake8_asyncloop.analysis.text_gates import may_hold_known_loop
from flake8_asyncloop.findings import DeleteStatement, Fix, Safety, Span
from flake8_asyncloop.rule import Bad, Good, Rule

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

# Calls that run a function in another thread, where asyncio's getters give that thread's
# own loop: ``Thread(target=f)``, ``Timer(1, f)``, ``pool.submit(f)``, ``asyncio.to_thread(f)``.
_THREAD_RUNNERS = frozenset(
    {"Thread", "Timer", "submit", "run_in_executor", "to_thread", "start_new_thread"}
)


# Who the closed loop belongs to, as the message says it.
_PYTEST_ASYNCIO_OWNS_IT = "pytest-asyncio owns this loop"
_CURRENT_LOOP_LEFT_CLOSED = "it stays the current loop, closed, for the next code that gets it"


class LoopClosedByHand(Rule):
    code = "ALP101"
    name = "loop-closed-by-hand"
    # Needed in the text for a finding: only ``<loop>.close()`` is reported
    trigger_words = ("close",)
    message = "event loop closed by hand: {owner}; remove the close()"
    fix_safety = Safety.SAFE

    @classmethod
    def applies_to(cls, source: str, file: "FileState") -> bool:
        # a loop known by its origin: from asyncio or the event_loop fixture
        return may_hold_known_loop(source)

    what = """
    Flags `.close()` on an event loop the code did not create: the result of
    `asyncio.get_event_loop()` or `asyncio.get_running_loop()`, the value of the `event_loop`
    fixture, or a name bound to one of them.
    """
    why = """
    pytest-asyncio creates the loop each test runs on and closes it itself. Closing it from
    a test or fixture breaks whatever shares that loop: the next test on a module- or
    session-scoped loop fails with `RuntimeError: Event loop is closed`, and closing the
    running loop from async code fails at once with `Cannot close a running event loop`.
    The failure shows up in a different test from the one that caused it, and often only
    when the whole suite runs. In sync code `asyncio.get_event_loop()` gives the thread's
    current loop, whoever made it: closed, it stays current, and the next test that gets it
    fails the same way.
    """
    fix_notes = """
    Safe: the statement holding the `close()` call is deleted. The loop is still closed,
    by its owner, at the end of its scope.
    """
    limitations = """
    Only loops that are visibly obtained in the same function are recognised; a loop passed
    in through a helper's parameter or stored on an object is not followed. Loops made with
    `asyncio.new_event_loop()` belong to the code that made them and closing them is right.
    A def handed to another thread (`Thread(target=f)`, `pool.submit(f)`,
    `asyncio.to_thread(f)`, ...) gets that thread's loop from asyncio's getters, so closing it
    there is left alone: a nested def handed over by its enclosing def, a method handed over
    anywhere in its class (`pool.submit(self.cycle)`), a module-level def anywhere in the
    module. Sync code that sets a new current loop after the close
    (`asyncio.set_event_loop(asyncio.new_event_loop())`), or a new event loop policy
    (`asyncio.set_event_loop_policy(self.orig_policy)` in a `tearDown`), is left alone too:
    it replaces the loop it closed, and deleting the close would only leak that loop. Code under
    `if __name__ == "__main__":` runs only when the file is run as a script, and closes the
    script's own loop: it is left alone. So is the teardown of an `event_loop` fixture the
    suite defines, which closes the loop it handed out: ALP201 reports the fixture, and
    before pytest-asyncio 1.0 the plugin sets a fresh loop after it (deleting the `close()`
    would only add its unclosed-loop warning).
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_executor_sum():
                loop = asyncio.get_running_loop()
                result = await loop.run_in_executor(None, sum, [1, 2])
                assert result == 3
                loop.close()
            """,
            (11, 5),
            fixed="""
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_executor_sum():
                loop = asyncio.get_running_loop()
                result = await loop.run_in_executor(None, sum, [1, 2])
                assert result == 3
            """,
        ),
        Bad(
            """
            import asyncio as aio


            def test_legacy_helper():
                aio.get_event_loop().close()
            """,
            (5, 5),
        ),
        Good(
            """
            import asyncio


            def test_own_loop():
                loop = asyncio.new_event_loop()
                try:
                    assert loop.run_until_complete(asyncio.sleep(0, 3)) == 3
                finally:
                    loop.close()
            """,
            reason="a loop the test created itself is the test's to close",
        ),
        Good(
            """
            import asyncio


            def test_run_on_a_fresh_loop():
                loop = asyncio.new_event_loop()
                asyncio.set_event_loop(loop)
                assert asyncio.get_event_loop().run_until_complete(asyncio.sleep(0, 3)) == 3
                asyncio.get_event_loop().close()
                asyncio.set_event_loop(asyncio.new_event_loop())
            """,
            reason=(
                "sync code that closes the current loop and sets a new one in its place leaves "
                "no closed loop behind"
            ),
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_echo(echo_server):
                reader, writer = await asyncio.open_connection(*echo_server)
                writer.write(b"ping")
                assert await reader.read(4) == b"ping"
                writer.close()
            """,
            reason="close() on a stream writer, not on a loop",
        ),
        Good(
            """
            import asyncio


            async def test_ping():
                await asyncio.sleep(0)


            if __name__ == "__main__":
                loop = asyncio.get_event_loop()
                loop.run_until_complete(test_ping())
                loop.close()
            """,
            reason="runs only when the file is run as a script, on the script's own loop",
        ),
        Good(
            """
            import asyncio
            import threading


            def test_a_thread_keeps_a_loop_of_its_own():
                seen = {}

                def in_thread():
                    asyncio.set_event_loop(asyncio.new_event_loop())
                    seen["loop"] = asyncio.get_event_loop()
                    asyncio.get_event_loop().close()

                thread = threading.Thread(target=in_thread)
                thread.start()
                thread.join()
                assert seen["loop"].is_closed()
            """,
            reason="in another thread, get_event_loop() gives that thread's loop",
            runs=True,
        ),
        Good(
            """
            import asyncio
            import concurrent.futures


            class TestLifecycle:
                def _cycle(self):
                    asyncio.set_event_loop(asyncio.new_event_loop())
                    loop = asyncio.get_event_loop()
                    loop.close()
                    return loop

                def test_in_threads(self):
                    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
                        futures = [pool.submit(self._cycle) for _ in range(2)]
                    assert all(future.result().is_closed() for future in futures)
            """,
            reason="the method runs in the pool's threads, each with a loop of its own",
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.fixture(scope="session")
            def event_loop():
                loop = asyncio.get_event_loop()
                yield loop
                loop.close()
            """,
            filename="conftest.py",
            reason="an event_loop override closing the loop it handed out: ALP201's business",
        ),
    )

    def visit_Expr(self, node: ast.Expr) -> None:
        call = node.value
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "close"
            and not call.args
            and not call.keywords
        ):
            return
        origin = loop_origin(call.func.value, self.file)
        if origin is None or origin == NEW_EVENT_LOOP:
            return
        if self.file.module.in_script_block(node):
            return  # a script's own loop: pytest never runs this code
        function = self.file.function
        if function is not None and getattr(function.fixture, "name", None) == EVENT_LOOP_FIXTURE:
            # an event_loop override's own teardown: ALP201 reports the override, and
            # before 1.0 pytest-asyncio sets a fresh loop after it
            return
        if origin != FIXTURE_ORIGIN and _runs_in_another_thread(self.file.function, self.file):
            return  # the loop a getter gives there is that thread's
        if _replaced_afterwards(self.file.function, node):
            return  # sync code that closes the current loop and sets a new one in its place
        fix = Fix(Safety.SAFE, "remove the close() call", (DeleteStatement(Span.of(node)),))
        if origin == GET_EVENT_LOOP and not self.file.in_async_function:
            # Sync code's current loop: pytest-asyncio made it only if a fixture did.
            self.report(call, fix, owner=_CURRENT_LOOP_LEFT_CLOSED)
        else:
            self.report(call, fix, owner=_PYTEST_ASYNCIO_OWNS_IT)


def _replaced_afterwards(function: Optional[scopes.Scope], statement: ast.stmt) -> bool:
    """Whether the sync def holding ``statement`` sets a new current loop after it
    (``asyncio.set_event_loop(asyncio.new_event_loop())``), or a policy (tornado's tests
    restore the one they replaced: ``asyncio.set_event_loop_policy(self.orig_policy)``): the
    loop it closed is then no one else's, and keeping it open would only leak it."""
    if function is None or not isinstance(function.node, ast.FunctionDef):
        return False
    for node in ast.walk(function.node):
        if not isinstance(node, ast.Call) or (node.lineno, node.col_offset) <= (
            statement.lineno,
            statement.col_offset,
        ):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", None))
        if name == "set_event_loop_policy":
            return True  # the closed loop was the replaced policy's
        if (
            name == "set_event_loop"
            and node.args
            and not (isinstance(node.args[0], ast.Constant) and node.args[0].value is None)
        ):
            return True
    return False


def _runs_in_another_thread(function: Optional[scopes.Scope], file: "FileState") -> bool:
    """Whether ``function`` is handed to another thread (or process): a nested def by its
    enclosing def, a method (``pool.submit(self.helper)``) in its class, a module-level def
    anywhere in the module."""
    if function is None or function.kind != scopes.FUNCTION:
        return False
    name = function.node.name  # type: ignore[attr-defined]
    parent = function.parent
    if parent is not None and parent.kind == scopes.CLASS:
        return _handed_to_a_thread(parent.node, name, as_attribute=True)
    outer = parent
    while outer is not None and outer.kind == scopes.CLASS:
        outer = outer.parent
    if outer is None:
        return False
    # Found only when a finding is about to be made: a walk of the module is rare.
    where = outer.node if outer.kind == scopes.FUNCTION else file.tree
    return _handed_to_a_thread(where, name, as_attribute=False)


def _handed_to_a_thread(where: ast.AST, name: str, as_attribute: bool) -> bool:
    """A call in ``where`` that runs ``name`` (``self.name`` for a method) in another thread."""
    for node in ast.walk(where):
        if not isinstance(node, ast.Call):
            continue
        if last_name(node.func) not in _THREAD_RUNNERS:
            continue
        for value in [*node.args, *(keyword.value for keyword in node.keywords)]:
            if as_attribute and isinstance(value, ast.Attribute) and value.attr == name:
                return True
            if not as_attribute and isinstance(value, ast.Name) and value.id == name:
                return True
    return False
