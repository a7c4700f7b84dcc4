"""ALP107: ``loop=`` passed to an asyncio API that no longer accepts it (Python 3.10+)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, List, Optional, Set, Tuple

from flake8_asyncloop.analysis.asyncio_names import REMOVED_LOOP_NAMES
from flake8_asyncloop.analysis.expected_failures import ExpectedFailures
from flake8_asyncloop.findings import Fix, RemoveKeyword, Safety, Span
from flake8_asyncloop.rule import Bad, Good, Rule

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState


class RemovedLoopArgument(Rule):
    code = "ALP107"
    name = "removed-loop-argument"
    assumes_pytest_asyncio = False
    components = (ExpectedFailures,)
    # Needed in the text for a finding: the ``loop=`` keyword
    trigger_words = ("loop",)
    call_names = frozenset(name.rpartition(".")[2] for name in REMOVED_LOOP_NAMES)
    message = "{call}() does not take loop= since Python 3.10 (TypeError): remove the argument"
    fix_safety = Safety.SAFE
    test_code_only = False

    @classmethod
    def applies_to(cls, source: str, file: "FileState") -> bool:
        # only the asyncio functions and classes that dropped loop=
        return "asyncio" in source

    what = """
    Flags a `loop=` keyword passed to an asyncio function or class that dropped the parameter
    in Python 3.10: `asyncio.sleep`, `gather`, `wait_for`, `wait`, `shield`, `as_completed`,
    the stream and subprocess helpers, the queues and the locks.
    """
    why = """
    Since Python 3.10 these calls raise `TypeError: ... got an unexpected keyword argument
    'loop'`. They always use the running loop, which is the loop the caller meant in all but
    contrived code. On Python 3.8 and 3.9 the argument only produced a DeprecationWarning,
    so old test suites often still pass it.
    """
    fix_notes = """
    Safe: the keyword is removed. On Python 3.10+ the original always raises, so no passing
    test changes. On 3.9 and older (past their end of life) the call then takes the current
    event loop (in a coroutine, the running one), which is the loop passed in practice; code
    that builds a queue or a lock in sync code for a loop that is not the current one would
    change there.
    """
    limitations = """
    `loop` hidden in `**kwargs`, and user subclasses of the asyncio queues or locks, are not
    seen. APIs that still take `loop` (`ensure_future`, `run_coroutine_threadsafe`,
    `wrap_future`, `Future`, `Task`, `StreamReader`) are not flagged. Calls under
    `if sys.version_info < (3, 10):` (or the `else` of a `>=` check), in the branch of any
    `if` that passes `loop=` to a call the other branch makes without it (a version flag
    bound elsewhere, such as `if LOOP_DEPRECATED:`), and in a `try` whose
    handler catches `TypeError` or in that handler (the call tried without `loop=` first),
    are left alone: that is version-compatible code. So are
    calls inside `with` blocks that expect a `TypeError` or a warning (`pytest.raises`,
    `assertRaises`, ...): the test checks that the argument is refused. A block expecting
    only other built-in exceptions lets the `TypeError` through, and the call is reported.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_lock_is_held():
                lock = asyncio.Lock(loop=asyncio.get_running_loop())
                async with lock:
                    assert lock.locked()
            """,
            (8, 25),
            fixed="""
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_lock_is_held():
                lock = asyncio.Lock()
                async with lock:
                    assert lock.locked()
            """,
            runs=True,
        ),
        Bad(
            """
            import asyncio


            async def test_queue_roundtrip(event_loop):
                queue = asyncio.Queue(loop=event_loop)
                await queue.put(1)
                assert await asyncio.wait_for(queue.get(), 1, loop=event_loop) == 1
            """,
            (5, 27),
            (7, 51),
            fixed="""
            import asyncio


            async def test_queue_roundtrip(event_loop):
                queue = asyncio.Queue()
                await queue.put(1)
                assert await asyncio.wait_for(queue.get(), 1) == 1
            """,
        ),
        Bad(
            """
            from asyncio import Lock, sleep


            class Throttle:
                def __init__(self, loop):
                    self._lock = Lock(loop=loop)

                async def pause(self):
                    await sleep(0.1, loop=None)
            """,
            (6, 27),
            (9, 26),
            filename="throttle.py",
            fixed="""
            from asyncio import Lock, sleep


            class Throttle:
                def __init__(self, loop):
                    self._lock = Lock()

                async def pause(self):
                    await sleep(0.1)
            """,
        ),
        Bad(
            """
            import asyncio.subprocess as aiosub


            async def run_ls(loop):
                return await aiosub.create_subprocess_exec("ls", stdout=aiosub.PIPE, loop=loop)
            """,
            (5, 74),
        ),
        Good(
            """
            import asyncio


            async def test_threadsafe(other_loop):
                future = asyncio.run_coroutine_threadsafe(asyncio.sleep(0), other_loop)
                task = asyncio.ensure_future(asyncio.sleep(0), loop=asyncio.get_running_loop())
                await task
            """,
            reason="ensure_future and run_coroutine_threadsafe still take a loop",
        ),
        Good(
            """
            import asyncio
            import sys


            def make_lock(loop):
                if sys.version_info < (3, 10):
                    return asyncio.Lock(loop=loop)
                return asyncio.Lock()
            """,
            reason="version-guarded code for old Pythons",
        ),
        Good(
            """
            import asyncio
            import sys


            def gather_all(coroutines, loop):
                if sys.version_info[0:2] >= (3, 10):
                    return asyncio.gather(*coroutines)
                else:
                    return asyncio.gather(*coroutines, loop=loop)
            """,
            reason="the else branch of a sliced version check runs on old Pythons only",
        ),
        Good(
            """
            import asyncio


            def gather_all(coroutines, loop):
                try:
                    return asyncio.gather(*coroutines)
                except TypeError:
                    return asyncio.gather(*coroutines, loop=loop)
            """,
            reason="the fallback of a call tried without loop= first",
        ),
        Good(
            """
            import asyncio

            from .compat import LOOP_DEPRECATED


            async def with_timeout(coroutine, timeout, loop=None):
                if LOOP_DEPRECATED:
                    return await asyncio.wait_for(coroutine, timeout)
                else:
                    return await asyncio.wait_for(coroutine, timeout, loop=loop)
            """,
            reason="one branch passes loop= where the other does not: a switch on the version",
        ),
        Good(
            """
            async def test_client(client, loop):
                await client.sleep(1, loop=loop)
                await client.get("/", loop=loop)
            """,
            reason="methods of other objects may well take a loop",
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_queue_no_longer_takes_a_loop():
                with pytest.raises(TypeError):
                    asyncio.Queue(loop=asyncio.get_running_loop())
            """,
            reason="the test checks that the argument is refused",
            runs=True,
            python=(3, 10),
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._compat: List[Tuple[int, int]] = []  # line ranges of version-compatible code

    def visit_If(self, node: ast.If) -> None:
        old_branch = _old_python_branch(node) or _branch_passing_loop_to_what_the_other_does_not(
            node
        )
        if old_branch:
            self._compat.append((old_branch[0].lineno, _last_line(old_branch)))

    def visit_Try(self, node: ast.Try) -> None:
        handlers = [h for h in node.handlers if _catches_type_error(h)]
        if node.body and handlers:
            self._compat.append((node.body[0].lineno, _last_line(node.body)))
            # The mirrored idiom: the call without loop= first, with it in the handler.
            for handler in handlers:
                if handler.body:
                    self._compat.append((handler.body[0].lineno, _last_line(handler.body)))

    def visit_Call(self, node: ast.Call) -> None:
        loop_keyword = next((kw for kw in node.keywords if kw.arg == "loop"), None)
        if loop_keyword is None:
            return
        qualified = self.file.resolve(node.func)
        if qualified not in REMOVED_LOOP_NAMES:
            return
        if any(first <= node.lineno <= last for first, last in self._compat):
            return
        if self.file.components[ExpectedFailures].may_catch(TypeError):
            return  # the test checks that it fails
        fix = Fix(Safety.SAFE, "remove loop=", (RemoveKeyword(Span.of(node), "loop"),))
        self.report(loop_keyword, fix, call=qualified.rpartition(".")[2])


def _last_line(statements: List[ast.stmt]) -> int:
    return statements[-1].end_lineno or statements[-1].lineno


def _old_python_branch(node: ast.If) -> Optional[List[ast.stmt]]:
    """The branch of ``if sys.version_info <op> (3, N)`` that runs on Pythons before 3.10."""
    test = node.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    left = test.left.value if isinstance(test.left, ast.Subscript) else test.left  # [:2]
    if _dotted(left) not in ("sys.version_info", "version_info"):
        return None
    bound = test.comparators[0]
    if not isinstance(bound, ast.Tuple) or len(bound.elts) < 2:
        return None
    try:
        if tuple(ast.literal_eval(bound)) > (3, 10):
            return None
    except (ValueError, TypeError):  # not a literal version tuple
        return None
    operator = test.ops[0]
    if isinstance(operator, (ast.Lt, ast.LtE)):
        return node.body
    if isinstance(operator, (ast.Gt, ast.GtE)) and node.orelse:
        return node.orelse
    return None


def _branch_passing_loop_to_what_the_other_does_not(node: ast.If) -> Optional[List[ast.stmt]]:
    """The branch that calls something with ``loop=`` which the other branch calls without
    it: a switch on the Python version, whatever the test (a flag bound elsewhere, such as
    aredis's ``LOOP_DEPRECATED``)."""
    if not node.orelse:
        return None
    body_with, body_without = _callees_by_loop_keyword(node.body)
    else_with, else_without = _callees_by_loop_keyword(node.orelse)
    if else_with and else_with <= body_without and not body_with:
        return node.orelse
    if body_with and body_with <= else_without and not else_with:
        return node.body
    return None


def _callees_by_loop_keyword(statements: List[ast.stmt]) -> Tuple[Set[str], Set[str]]:
    """The dotted callees of the calls in ``statements``: those given ``loop=``, the others."""
    with_loop: Set[str] = set()
    without: Set[str] = set()
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, ast.Call):
                callee = _dotted(node.func)
                if callee:
                    has_loop = any(k.arg == "loop" for k in node.keywords)
                    (with_loop if has_loop else without).add(callee)
    return with_loop, without


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _catches_type_error(handler: ast.ExceptHandler) -> bool:
    """``except TypeError`` (alone or in a tuple): the idiom for "this Python lacks loop="."""
    if handler.type is None:
        return False
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name) and t.id == "TypeError" for t in types)
