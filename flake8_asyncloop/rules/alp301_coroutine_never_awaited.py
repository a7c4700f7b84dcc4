"""ALP301: a coroutine is made and then dropped, asserted or forgotten, so its code never runs."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, List, Optional, Tuple

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.coroutine_calls import (
    CoroutineBookkeeping,
    CoroutineCalls,
    Namespace,
    PendingCall,
    binding_of,
)
from flake8_asyncloop.analysis.expected_failures import ExpectedFailures
from flake8_asyncloop.analysis.names import dotted_name, last_name
from flake8_asyncloop.analysis.text_gates import imports_project_coroutines, may_make_coroutines
from flake8_asyncloop.findings import AwaitExpression, Fix, Safety, Span
from flake8_asyncloop.rule import Bad, Good, Rule

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState


# What went wrong, by where the coroutine ended up.
_DROPPED = "the code never runs"
_ASSERTED = "the assert tests the coroutine object, not its result"
_AWAIT = "await it"
_RUN = "make the caller async and await it, or run it with asyncio.run()"

# Project modules the examples import.
SAVE_HELPERS = """\
async def save(store, key, value):
    store[key] = value
"""
SYNC_SAVE_HELPERS = """\
def save(store, key, value):
    store[key] = value
"""
CLIENT = """\
async def user_exists(name):
    return name == "ada"
"""


@dataclass
class _Candidate:
    call: ast.Call
    pending: PendingCall
    effect: str
    in_async: bool
    unused_name: Optional[str] = None  # for ``x = coro()``: x must never be read


class CoroutineNeverAwaited(CoroutineCalls, Rule):
    code = "ALP301"
    name = "coroutine-never-awaited"
    assumes_pytest_asyncio = False
    components = (CoroutineBookkeeping, ExpectedFailures)
    message = "coroutine {call} is never awaited: {effect}; {advice}"
    fix_safety = Safety.UNSAFE
    test_code_only = False
    knows_project_modules = True
    # pyright's, mypy's and pyre's codes for a coroutine left unused (pyre's "unawaited
    # awaitable" is error 1001)
    silenced_by = (
        "reportUnusedCoroutine", "unused-coroutine", "pyre-ignore[1001]", "pyre-fixme[1001]"
    )

    @classmethod
    def applies_to(cls, source: str, file: "FileState") -> bool:
        # a coroutine function known from the file, or imported from the project
        return may_make_coroutines(source) or imports_project_coroutines(source, file)

    what = """
    Flags a call that makes a coroutine when the coroutine is then lost: the call is a
    statement of its own (its result dropped), it is what an `assert` tests (`assert coro()`,
    `assert not coro()`, `assert coro() == 3`), or it is assigned to a local name that the
    function never reads. A call makes a coroutine when it calls an `async def` of the module
    (or one nested in the enclosing function), an `async def` method through `self` or `cls`
    inside its own class, an asyncio coroutine function (`asyncio.sleep`, `wait_for`, `wait`,
    `open_connection`, `start_server`, `create_subprocess_exec`, `to_thread`, ...), a
    coroutine method of a loop or of an asyncio object built in view (`queue.put()`,
    `event.wait()`, `lock.acquire()`, `server.wait_closed()` on what `await
    asyncio.start_server(...)` gave), a name bound to `AsyncMock()`, or a top-level
    `async def` of one of the project's own modules that the file imports: `from helpers
    import fetch` then `fetch()`, `import helpers` then `helpers.fetch()`, `from pkg import
    helpers`, `import pkg.helpers as h`, relative imports, and a name the imported module
    itself takes with `from .client import fetch`. The module is looked for where pytest's
    default import mode would find it: in the test file's base directory (the first one up
    without an `__init__.py`), in that of each conftest.py above it, in the project root and
    in `<root>/src`, and only under the root; it is read, never imported. It runs on any
    code, not only tests. A plain def nested in a function, undecorated, whose name the
    function never reads but to ask `callable()` of it never runs, and is left alone (a
    block of calls kept for a type checker).
    """
    why = """
    Calling a coroutine function runs none of its body: it builds a coroutine object, and the
    body runs only when that object is awaited (or wrapped in a task). Without `await` the
    work silently never happens: the row is not saved, the message is not sent, the sleep
    does not pause. A test that forgets the `await` passes without testing anything, and
    `assert coro()` always passes because a coroutine object is true. Python only notices
    when the object is garbage collected, with a `RuntimeWarning: coroutine ... was never
    awaited` that is easy to miss in a test run's output.
    """
    fix_notes = """
    Unsafe: inside an `async def`, `await` is put in front of the call (`x = coro()` becomes
    `x = await coro()`, `assert coro()` becomes `assert await coro()`). The code that never
    ran now runs, which is the point, but it can fail, take time or change what a test sees.
    In sync code there is no fix: either the caller becomes `async def` (and its callers
    change), or the coroutine is run with `asyncio.run()`, and which is right is a decision.
    """
    limitations = """
    A call on a line whose comment tells pyright (`# pyright: ignore[reportUnusedCoroutine]`),
    mypy (`# type: ignore[unused-coroutine]`) or pyre (`# pyre-ignore[1001]`, also on a
    comment line just above, pyre's place for it) to leave it alone is not reported: the
    author already said the coroutine is dropped on purpose (contraagent's tests of its own
    forgotten-await check, later's tests of its asyncio-error handling). Only calls whose
    target is visible in the module or in a project module it imports are known: methods of
    an imported class or object, methods reached through anything but `self` / `cls` in
    their own class (or inherited from a base), and objects passed in as parameters are not
    followed. An imported module is not found when it lies
    outside the project root, is installed, shares its name with a standard-library module, is
    only importable through a `pythonpath` setting or `sys.path` changes, or is larger than 1
    MB; a module that cannot be read or parsed tells nothing. In it, a name bound more than once
    at top level, possibly replaced by a later `import *`, or declared `global` in a function is
    unknown, and what it takes from another module is followed one step only. A patch of the
    imported function made elsewhere (an autouse fixture in a conftest.py replacing
    `helpers.fetch` with a sync function) is not seen; in the file itself, assigning or patching
    an attribute of that name (`helpers.fetch = ...`, `monkeypatch.setattr(...)`,
    `mock.patch("helpers.fetch", new=...)`) makes the call unknown, as does any `from x import
    *` in the file. A file whose text never spells the word `async`, `asyncio` or `AsyncMock`
    (nor, in test code, `await`, `loop`, `pytest`, `aio` or `coroutine` anywhere) is not checked
    at all, so a dropped call of an imported coroutine function there is missed; nor is a file
    that spells none of them nor `event_loop` whose only import of such a function is split by a
    backslash between `from` and `import` (imports are read line by line). A name bound more
    than once in its scope (a sync and an async version, a conditional import, a module-level
    `fetch = sync_fetch`), an `async def` with a decorator other than `staticmethod`,
    `classmethod`, `abc.abstractmethod`, `functools.wraps` or a pytest mark, and an async
    generator are all treated as unknown. A method is unknown when any code in the module
    assigns an attribute of the same name (`self.fetch = ...`, `setattr(obj, "fetch", ...)`).
    Calls inside `with` blocks that expect an exception or a warning are skipped:
    `pytest.raises`, `pytest.warns`, `warnings.catch_warnings`, unittest's `assertRaises` /
    `assertWarns`, and any context manager whose name says "raise", "warn" or "suppress"
    (`check_warnings`, `contextlib.suppress`); there the call is made for its exception or
    warning. A call that cannot bind its arguments to the `async def` of the module it names (a
    required parameter left out, too many given) raises `TypeError` before any coroutine exists,
    and is not reported as one. A coroutine used as an `if` or `while` condition is not checked.
    A call inside an `if` that asks `iscoroutinefunction()` of the same callee is left alone
    (code written for both kinds), and so is any branch the source fixes: `if True: ... else:
    ...`, or a test of an upper-case module flag bound once to `True` or `False` (`_IS_SYNC =
    False`), as code generated in a sync and an async flavour has. In test code, a call of an
    `async def` of the module whose body does nothing (`pass`, `...`, a docstring) is left
    alone: such a coroutine is made for the warning dropping it gives, as tests of that
    warning do, and no code of it is lost (a method is still reported: a subclass may give
    it a body).
    Elsewhere the warning it gives is the bug. A coroutine returned or yielded by a sync fixture
    or test is ALP304's. A `self.method()` whose class calls `Class.method(self)` by name, or
    has a subclass in the module with a plain `def method`, is left alone: a subclass may make
    it sync.
    """
    examples = (
        Bad(
            """
            import pytest


            async def save(store, key, value):
                store[key] = value


            @pytest.mark.asyncio
            async def test_save():
                store = {}
                save(store, "answer", 42)
                assert store == {"answer": 42}
            """,
            (11, 5),
            fixed="""
            import pytest


            async def save(store, key, value):
                store[key] = value


            @pytest.mark.asyncio
            async def test_save():
                store = {}
                await save(store, "answer", 42)
                assert store == {"answer": 42}
            """,
            runs=True,
        ),
        Bad(
            """
            import pytest


            async def is_healthy(service):
                return service.get("status") == "up"


            @pytest.mark.asyncio
            async def test_health():
                assert is_healthy({"status": "up"})
                assert not is_healthy({"status": "down"})
            """,
            (10, 12),
            (11, 16),
            fixed="""
            import pytest


            async def is_healthy(service):
                return service.get("status") == "up"


            @pytest.mark.asyncio
            async def test_health():
                assert await is_healthy({"status": "up"})
                assert not await is_healthy({"status": "down"})
            """,
            runs=True,
        ),
        Bad(
            """
            from unittest.mock import AsyncMock


            def test_notifies_once():
                notify = AsyncMock()
                notify("deploy finished")
                notify.assert_called_once_with("deploy finished")
            """,
            (6, 5),
            runs=True,
        ),
        Bad(
            """
            import asyncio


            class Uploader:
                def __init__(self):
                    self.queue = asyncio.Queue()

                async def upload(self, chunk):
                    await self.queue.put(chunk)

                async def upload_all(self, chunks):
                    for chunk in chunks:
                        pending = self.upload(chunk)
                    done = asyncio.Queue()
                    done.put(len(chunks))
                    asyncio.sleep(0)


            def flush(uploader):
                uploader.upload_all([])
            """,
            (13, 23),
            (15, 9),
            (16, 9),
            filename="uploader.py",
            fixed="""
            import asyncio


            class Uploader:
                def __init__(self):
                    self.queue = asyncio.Queue()

                async def upload(self, chunk):
                    await self.queue.put(chunk)

                async def upload_all(self, chunks):
                    for chunk in chunks:
                        pending = await self.upload(chunk)
                    done = asyncio.Queue()
                    await done.put(len(chunks))
                    await asyncio.sleep(0)


            def flush(uploader):
                uploader.upload_all([])
            """,
        ),
        Bad(
            """
            async def fetch_user(user_id):
                return {"id": user_id}


            def test_fetch_user_shape():
                fetch_user(1)
            """,
            (6, 5),
        ),
        Bad(
            """
            import pytest

            from helpers import save


            @pytest.mark.asyncio
            async def test_save_imported():
                store = {}
                save(store, "answer", 42)
                assert store == {"answer": 42}
            """,
            (9, 5),
            fixed="""
            import pytest

            from helpers import save


            @pytest.mark.asyncio
            async def test_save_imported():
                store = {}
                await save(store, "answer", 42)
                assert store == {"answer": 42}
            """,
            files={"helpers.py": SAVE_HELPERS},
            runs=True,
        ),
        Bad(
            """
            import pytest

            import helpers
            import pkg.client as client
            from pkg import client as same_client


            @pytest.mark.asyncio
            async def test_user_exists():
                assert client.user_exists("ada")
                same_client.user_exists("bob")
                seen = helpers.save({}, "key", 1)
            """,
            (10, 12),
            (11, 5),
            (12, 12),
            files={"helpers.py": SAVE_HELPERS, "pkg/__init__.py": "", "pkg/client.py": CLIENT},
        ),
        Good(
            """
            import pytest


            async def save(store, key, value):
                store[key] = value


            @pytest.mark.asyncio
            async def test_save():
                store = {}
                await save(store, "answer", 42)
                assert store == {"answer": 42}
            """,
            reason="the coroutine is awaited",
            runs=True,
        ),
        Good(
            """
            import asyncio


            async def ping(host):
                return host


            async def ping_all(hosts, loop):
                pending = [ping(host) for host in hosts]
                first = asyncio.ensure_future(ping(hosts[0]))
                rest = asyncio.gather(*pending)
                loop.run_in_executor(None, print, "started")
                return await first, await rest


            def deferred(host):
                return ping(host)
            """,
            filename="pinger.py",
            reason="ensure_future and gather run the coroutines; a returned one is the caller's",
        ),
        Good(
            """
            from asyncio import sleep


            async def fetch(key):
                return key


            class Cache:
                def fetch(self, key):
                    return key

                def warm(self):
                    self.fetch("a")


            def test_sync_fetch():
                def fetch(key):
                    return key

                fetch("b")


            def test_retry_backs_off(sleep):
                sleep(1)
                assert sleep.calls == [1]
            """,
            reason="a sync method, a local sync function and a local name shadow the async ones",
        ),
        Good(
            """
            import asyncio

            import pytest


            async def connect(host):
                return host


            def test_connect_needs_a_host():
                with pytest.raises(TypeError):
                    connect()
                with pytest.warns(RuntimeWarning, match="never awaited"):
                    connect("db")
            """,
            reason="the call is made for the exception or warning it raises",
        ),
        Good(
            """
            from helpers import save


            def test_save_sync():
                store = {}
                save(store, "answer", 42)
                assert store == {"answer": 42}
            """,
            files={"helpers.py": SYNC_SAVE_HELPERS},
            reason="the imported function of that name is a sync def",
            runs=True,
        ),
        Good(
            """
            import pytest

            from helpers import save


            @pytest.mark.asyncio
            async def test_save_outside():
                save({}, "answer", 42)
            """,
            filename="tests/test_example.py",
            files={"tests/pytest.ini": "[pytest]\n", "helpers.py": SAVE_HELPERS},
            reason="helpers.py lies outside the project root (tests/, where pytest.ini is)",
        ),
        Good(
            """
            import pytest

            import helpers
            from helpers import save


            @pytest.mark.asyncio
            async def test_save_rebound(monkeypatch):
                def save(store, key, value):
                    store[key] = value

                store = {}
                save(store, "answer", 42)
                assert store == {"answer": 42}
                monkeypatch.setattr(helpers, "save", lambda store, key, value: None)
                helpers.save(store, "answer", 43)
            """,
            files={"helpers.py": SAVE_HELPERS},
            reason="a local def shadows the imported name; the module's attribute is patched",
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest

            _IS_SYNC = False


            @pytest.mark.asyncio
            async def test_pause():
                if _IS_SYNC:
                    asyncio.sleep(0)  # the sync flavour's line, generated from this one
                else:
                    await asyncio.sleep(0)
            """,
            reason="the branch never runs: the module's flag says so",
            runs=True,
        ),
        Good(
            """
            import inspect


            class Connection:
                async def close(self):
                    return None

                def __del__(self):
                    if not inspect.iscoroutinefunction(self.close):
                        self.close()


            def test_dropped_connection():
                Connection()
            """,
            reason="called only where it is not a coroutine function",
            runs=True,
        ),
        Good(
            """
            async def crawl(url):
                return url


            def test_crawl_accepts_a_url():
                # Never called: a type checker reads these calls.
                def type_check_only():
                    crawl("https://example.org")

                assert callable(type_check_only)
            """,
            reason="the nested def never runs: its name is only given to callable()",
            runs=True,
        ),
    )

    def visit_Module(self, node: ast.Module) -> None:
        self._candidates: List[_Candidate] = []
        # Inside ``with pytest.raises(...)`` and the like: calling an async def with bad
        # arguments raises TypeError before any coroutine exists, and tests of "never
        # awaited" warnings drop coroutines on purpose.
        self._expected = self.file.components[ExpectedFailures]
        # ``if not iscoroutinefunction(self.close): self.close()``: (callee, first line, last
        # line) of the ``if`` statements that ask whether a callee is a coroutine function.
        self._checked_callees: List[Tuple[str, int, int]] = []

    def visit_If(self, node: ast.If) -> None:
        for callee in _callees_checked_for_coroutines(node.test):
            self._checked_callees.append((callee, node.lineno, node.end_lineno or node.lineno))

    # -- where a coroutine gets lost ------------------------------------------------------------
    def visit_Expr(self, node: ast.Expr) -> None:
        self._consider(node.value, _DROPPED)

    def visit_Assert(self, node: ast.Assert) -> None:
        test = node.test
        if test.__class__ is ast.Compare and test.left.__class__ is not ast.Call:
            # ``assert x == y``, the common case, without a generator
            for tested in test.comparators:
                if tested.__class__ is ast.Call:
                    self._consider(tested, _ASSERTED)
            return
        for tested in _tested_values(test):
            self._consider(tested, _ASSERTED)

    def visit_Assign(self, node: ast.Assign) -> None:
        if len(node.targets) == 1:
            self._consider_binding(node.targets[0], node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._consider_binding(node.target, node.value)

    def _consider_binding(self, target: ast.AST, value: ast.AST) -> None:
        if isinstance(target, ast.Name) and self.current_namespace.kind == scopes.FUNCTION:
            self._consider(value, _DROPPED, unused_name=target.id)

    def _consider(self, value: ast.AST, effect: str, unused_name: Optional[str] = None) -> None:
        if self._expected.blocks or value.__class__ is not ast.Call:
            return
        if self._checked_callees and self._checks_for_coroutine(value):  # type: ignore[arg-type]
            return
        pending = self.coroutine_call(value)
        if pending is None:
            return
        scope = self.file.scope
        in_async = scope.kind == scopes.FUNCTION and scope.is_async
        candidate = _Candidate(value, pending, effect, in_async, unused_name)  # type: ignore
        self._candidates.append(candidate)

    def _checks_for_coroutine(self, call: ast.Call) -> bool:
        """The call sits in an ``if`` that asks whether its callee is a coroutine function:
        code made for both kinds calls it only where it is not one."""
        callee = dotted_name(call.func)
        line = call.lineno
        return callee is not None and any(
            name == callee and first <= line <= last
            for name, first, last in self._checked_callees
        )

    # -- deciding, once every binding is known ------------------------------------------------
    def leave_Module(self, node: ast.Module) -> None:
        for candidate in self._candidates:
            # Most candidates make no coroutine: asked first, before the walk of a def that
            # ``_is_read`` takes (a project module's answer is kept for the run).
            if not self.decide(candidate.pending):
                continue
            if self.file.is_test_file and self.does_nothing(candidate.pending):
                continue  # a test of the "never awaited" warning makes one on purpose
            name = candidate.unused_name
            if name is not None and _is_read(candidate.pending.namespace, name):
                continue
            if _never_runs(candidate.pending.namespace):
                continue
            fix = None
            if candidate.in_async:
                edit = AwaitExpression(Span.of(candidate.call))
                fix = Fix(Safety.UNSAFE, "await the coroutine", (edit,))
            advice = _AWAIT if candidate.in_async else _RUN
            label = candidate.pending.label
            self.report(candidate.call, fix, call=label, effect=candidate.effect, advice=advice)


def _callees_checked_for_coroutines(test: ast.AST) -> Iterator[str]:
    """``f`` for each ``iscoroutinefunction(f)`` the test of an ``if`` asks (through ``not``,
    ``and`` and ``or``), ``f`` a dotted name."""
    for value in _tested_values(test):
        if isinstance(value, ast.Call) and len(value.args) == 1:
            if last_name(value.func) == "iscoroutinefunction":
                callee = dotted_name(value.args[0])
                if callee is not None:
                    yield callee


def _tested_values(test: ast.AST) -> Iterator[ast.AST]:
    """The values whose truth an assert tests: the test, through ``not``, ``and``/``or`` and
    the operands of a comparison (a coroutine never equals anything but itself)."""
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test = test.operand  # a loop: the parser accepts thousands of ``not`` in a row
    if isinstance(test, ast.BoolOp):
        for value in test.values:
            yield from _tested_values(value)
    elif isinstance(test, ast.Compare):
        yield test.left
        yield from test.comparators
    else:
        yield test


def _is_read(namespace: Namespace, name: str) -> bool:
    """Whether the name is read anywhere it could see the binding, or is not the def's own."""
    found = binding_of(namespace, name)
    if found is None or found[0] is not namespace:
        return True  # global or nonlocal: someone else may read it
    return namespace.reads(name)


def _never_runs(namespace: Namespace) -> bool:
    """A plain def nested in a def, undecorated, whose name the enclosing def never reads
    but to ask ``callable()`` of it: its body never runs (calls kept for a type checker)."""
    node, parent = namespace.node, namespace.parent
    if node.__class__ is not ast.FunctionDef or node.decorator_list:  # type: ignore[attr-defined]
        return False
    if parent is None or parent.kind != scopes.FUNCTION:
        return False
    name = node.name  # type: ignore[attr-defined]
    asked = set()
    for inner in ast.walk(parent.node):
        if inner.__class__ is ast.Call and last_name(inner.func) == "callable":  # type: ignore
            asked.update(id(argument) for argument in inner.args)  # type: ignore[attr-defined]
    return not any(
        inner.__class__ is ast.Name and inner.id == name and id(inner) not in asked  # type: ignore
        for inner in ast.walk(parent.node)
    )
