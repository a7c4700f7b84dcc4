"""ALP304: sync fixtures and tests run their own loop for async resources or hand out coroutines."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.asyncio_names import is_loop_receiver
from flake8_asyncloop.analysis.coroutine_calls import CoroutineCalls, PendingCall
from flake8_asyncloop.analysis.current_loop import pytest_asyncio_loop_may_be_current
from flake8_asyncloop.analysis.event_loop_migration import module_defs
from flake8_asyncloop.analysis.loops import (
    ASYNCIO_RUN,
    GET_EVENT_LOOP,
    GET_RUNNING_LOOP,
    LOOP_GETTERS,
    NEW_EVENT_LOOP,
    loop_origin,
)
from flake8_asyncloop.analysis.module_index import ModuleIndex
from flake8_asyncloop.analysis.named_values import own_bindings
from flake8_asyncloop.analysis.names import dotted_name, last_name, may_end_with
from flake8_asyncloop.analysis.scopes import parameter_names
from flake8_asyncloop.analysis.self_contained_runs import (
    discards_self_contained_run,
    drops_run_on_fixture_object,
    hands_out_only_text,
    reads_an_mcp_registry,
    returns_from_closed_resources,
    returns_plain_data,
    runs_for_text,
    runs_on_no_fixture_object,
    runs_on_loop_free_engines,
    runs_self_contained_coroutine,
)
from flake8_asyncloop.analysis.sync_modules import runs_no_loop_for_tests
from flake8_asyncloop.analysis.testcode import is_test_name
from flake8_asyncloop.analysis.text_gates import may_make_coroutines
from flake8_asyncloop.rule import Bad, Good, Rule

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

_RUN_UNTIL_COMPLETE = "run_until_complete"
# The last names of the calls looked at.
_LAST_NAMES = frozenset({"run", _RUN_UNTIL_COMPLETE})
# Calls (or callables passed on) showing the fixture keeps a loop running in another thread,
# where what it built stays usable: the tests talk to it through sockets or thread-safe calls.
_THREADED_LOOP_NAMES = frozenset(
    {"Thread", "run_forever", "call_soon_threadsafe", "run_coroutine_threadsafe", "to_thread"}
)
# xunit-style setup that hands resources to the tests through ``self``, ``cls`` or globals.
_XUNIT_SETUP = frozenset(
    {
        "setup_method",
        "setup_class",
        "setup_function",
        "setup_module",
        "setUp",
        "setUpClass",
        "setUpModule",
    }
)
# Test classes whose sync methods run under plain pytest or unittest (no loop of their own).
_PLAIN_CLASSES = frozenset({"pytest", "unittest"})

FIXTURE = "fixture"
TEST = "test"
SETUP = "setup method"
_RUN_IN_FIXTURE = "what it builds or tears down belongs to a loop the tests do not run on"
# What becomes of a coroutine a sync fixture or test hands out.
_COROUTINE_FATE = {
    FIXTURE: "it runs only if the test awaits it, on whatever loop that is",
    TEST: "pytest discards a test's return value, so it never runs",
}
# For a fixture whose tests await the coroutine it hands out: an async fixture would hand
# them its result instead.
_HAND_OUT_THE_FUNCTION = "return the async function instead, for each test to call and await"
# A fixture whose module's users are sync tests that run the value on loops of their own: an
# async fixture would put its set-up on yet another loop, pytest-asyncio's.
_ONE_LOOP_RUN = (
    "its sync tests run it on loops of their own: open, use and close it in one loop run, "
    "or make the fixture and its tests async"
)
_ADVICE = {
    FIXTURE: "make it an async fixture and await the work",
    TEST: "make the test async and await the work",
    SETUP: "build the resource in an async fixture instead",
}


@dataclass
class _Function:
    """One def (or lambda) being walked; ``role`` is empty when it is not checked."""

    role: str
    name: str
    receiver: Optional[str]  # ``self`` / ``cls`` of a method
    parent: Optional["_Function"]
    runs: List[Tuple[ast.Call, str]] = field(default_factory=list)  # every loop run: (call, label)
    escaping_runs: List[Tuple[ast.Call, str]] = field(default_factory=list)  # results handed on
    run_names: Dict[str, Tuple[ast.Call, str]] = field(default_factory=dict)
    coroutine_names: Dict[str, Tuple[ast.Call, PendingCall]] = field(default_factory=dict)
    declared_global: Set[str] = field(default_factory=set)
    # A fixture's local names bound to an object made with a loop (``Adapter(kind, loop)``)
    loop_carriers: Set[str] = field(default_factory=set)
    hands_out_loop: bool = False
    fixture_name: Optional[str] = None  # for a fixture: the name tests request it by


class SyncCodeDrivesAsyncResource(CoroutineCalls, Rule):
    code = "ALP304"
    name = "sync-code-drives-async-resource"
    assumes_pytest_asyncio = False
    message = "sync {role} {function}() {problem}; {advice}"
    # ``visit_Call`` looks for loop runs only: ``asyncio.run()``, ``run_until_complete()``.
    call_names = _LAST_NAMES

    @classmethod
    def applies_to(cls, source: str, file: "FileState") -> bool:
        # a loop run, or a coroutine known from the file
        return may_make_coroutines(source) or "run_until_complete" in source

    what = """
    Flags sync fixtures that run an event loop of their own, with `asyncio.run(...)` or
    `<loop>.run_until_complete(...)` (`asyncio.get_event_loop().run_until_complete(...)`
    included), to build or tear down what they provide; sync tests and xunit setup methods
    (`setup_method`, `setUp`, ...) that keep the result of such a run after it returns (store
    it on `self` / `cls` or in a global); and sync fixtures and tests that
    return or yield a coroutine object, made by calling a known coroutine function without
    `await`.
    """
    why = """
    `asyncio.run()` creates a loop, runs the coroutine and closes the loop. Servers,
    connections, pools, locks and futures made during that run belong to the closed loop;
    the async tests that use them run on pytest-asyncio's loop, so they fail with `attached
    to a different loop`, wait for a server that never answers, or hit `Event loop is closed`
    at teardown. Teardown run the same way (`asyncio.run(client.close())`) meets the mirror
    problem. A fixture that returns a coroutine hands the test something that runs only if
    the test awaits it, once, on whatever loop it happens to be on. An async fixture runs on
    the tests' loop and awaits its setup and teardown where they belong. Where the module's
    tests await the coroutine themselves (it is their input, not set-up), the message says
    to hand out the async function instead: each test then makes its own coroutine and
    none is left unawaited. Where the module's tests that request the fixture are all sync
    and run its value on loops of their own (`asyncio.run(adapter.execute(...))`), an async
    fixture would not help: its set-up would run on pytest-asyncio's loop, and each test on
    one more. The message then says to open, use and close the resource in one loop run,
    or to make the fixture and its tests async. The users of a conftest.py fixture are in
    other files and are not looked at: its message keeps the async-fixture advice.
    """
    limitations = """
    Outside the cases below, a fixture that runs a coroutine for plain data (a value read
    from a file, a number) is reported too: the work is cheap to move into an async
    fixture, and the rule cannot tell plain data from a loop-bound object.
    `asyncio.run(main())` of a self-contained `main` (the module's own `async def`,
    storing nothing on objects it did not make but a literal such as `None`, as ALP106
    decides) is left alone in a test module (not a conftest.py) with no async test or
    fixture and no test it may get from elsewhere (a test class with a base, an imported
    test): what it builds serves sync tests only, which run on no loop of pytest-asyncio's.
    So is, in such a module, a dropped `asyncio.run(store.append(...))` on a new instance of
    a class the fixture made (`store = Store()`) and reads nowhere but in such runs
    (whether the class keeps a connection on some shared object is not checked), and a
    run of a function on plain data (`asyncio.run(compare(100, SEED))`, no object the
    fixture was given or made) in a fixture whose return annotation says it hands out
    plain data (`-> dict[str, float]`, `-> tuple[np.ndarray, int]`, `-> Iterator[Path]`),
    or whose value no test (directly or through fixtures of the module) runs a loop with,
    when no helper of the module runs one and nothing starts one in a thread
    (`TestClient`, an anyio portal). A test that drives the value through a sync wrapper
    running a loop inside it (a CLI runner) is not seen. In any module, a run of a
    self-contained `main` is also left alone when the fixture drops its result (a statement of its
    own) and passes it only plain data (literals, or parameters annotated `str`,
    `tuple[str, str]`, `Path`...), and `main` reads no module-level name a call made: a
    clean-up of a remote system, or a directory seeded, after or before the tests. `main`
    may also be imported once, with `from`, from a project module whose own undecorated
    top-level `async def` it is, judged against that module's names the same way
    (`from app.workload import seed`); what it calls there is not followed. An
    instance of a dataclass or `NamedTuple` of the module whose fields are all annotated as
    plain data counts as plain data. The
    same holds for an `async def` nested in the fixture that reads, of the fixture's names,
    only plain data (pytest's `tmp_path`, a path or URL built from it, any f-string). A
    run of such a
    `main` whose result only becomes the text the fixture hands out (every return and
    yield a literal, an f-string or a literal container of those: `return
    {"Authorization": f"Bearer {payload['token']}"}`), given no parameter of the fixture's
    but plain ones, in a fixture that stores nothing on any object, is left alone too. So is a
    run that reaches, of the fixture's own objects, only an engine bound to no loop (an
    aiosqlite URL, or `poolclass=NullPool`, as ALP501 decides), or a wrapper of the
    project's built on an aiosqlite URL (its first argument, or a keyword named for a URL:
    `Adapter(async_database_url=...)`): `asyncio.run(setup())` creating its tables,
    `asyncio.run(engine.dispose())`. So is a run, by any runner, that
    reads what an MCP server registered (`asyncio.run(mcp.list_tools())`, `get_tool("x")`,
    given literals only) on a receiver named for one (`mcp`, `jira_mcp`, but not
    `mcp_client`) or bound in the fixture to `FastMCP(...)` or to a call named for one
    (`create_mcp_server(...)`), or that runs an `async def` nested in the fixture that
    awaits only such reads on a receiver named for a server, each given literals or names
    of its own (`{t.name: await mcp.get_tool(t.name) for t in await mcp.list_tools()}`):
    the server keeps nothing of the run's loop. So is a run of an `async def`
    (nested in the fixture, or the module's own) that gets no object of the fixture's and
    returns only text or what it awaited from a resource it opened with `async with`
    (`async with Client() as client: return await client.inventory()`): the resource
    closes before the run ends. Whether that awaited result still holds something of the
    closed loop's (a response tied to its closed session) is not checked. A run that
    touches the fixture's other objects (`asyncio.run(server.init())`) may leave them bound
    to its closed loop for the next run, and is still reported.
    A run on a loop the fixture made with `asyncio.new_event_loop()` and never makes
    current (`loop.run_until_complete(...)`, then `loop.close()`) is what `asyncio.run`
    does by hand, and is judged as one by all of the above.
    Fixtures are left alone when they hand out a loop
    (their name ends in `loop`, or they return or yield a loop, or an object made with one:
    `yield Adapter(kind, loop)`, through a local name too), run their loop in another
    thread (`threading.Thread`, `run_forever`, `run_coroutine_threadsafe`), or run on a loop
    they receive as a parameter (pytest-aiohttp's `loop` fixture, shared with the tests;
    also through a name bound once to it, `loop = event_loop`),
    or on the loop `asyncio.get_running_loop()` gave them (a running loop, which cannot run
    again), or on `asyncio.get_event_loop()` while an async fixture they request (or an
    autouse one, or a fixture the linter cannot see) keeps pytest-asyncio's loop current:
    that is the loop the async fixtures use.
    A unittest-style class that keeps its own loop on `self` (`self.loop.run_until_complete`)
    runs its tests on that loop as well, so it is left alone. Sync tests may run coroutines
    with `asyncio.run` (testing a command-line entry point is
    a common, sound use): they are reported only when the run's result outlives the test,
    stored on `self`, `cls` or a global (what a test returns, pytest drops), and not when
    the coroutine is the module's own `async def` whose every `return` gives
    text (a literal, an f-string or a literal container of those). A fixture's run of such
    a coroutine is left alone too when the coroutine is self-contained and gets no object
    of the fixture's.
    Loops run in helpers, nested functions and finalizers (`request.addfinalizer`), and with
    `asyncio.Runner`, are not seen. Which calls make coroutines is decided as in ALP301.
    `asyncio.get_event_loop().run_until_complete(...)` in a sync fixture is also ALP105 (the
    call fails when no loop is current): both are reported, and an async fixture fixes both.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest


            async def start_echo_server():
                async def echo(reader, writer):
                    writer.write(await reader.readline())
                    await writer.drain()
                    writer.close()

                return await asyncio.start_server(echo, "127.0.0.1", 0)


            @pytest.fixture
            def echo_server():
                server = asyncio.run(start_echo_server())
                yield server.sockets[0].getsockname()[:2]
                server.close()


            @pytest.mark.asyncio
            async def test_echo(echo_server):
                reader, writer = await asyncio.open_connection(*echo_server)
                writer.write(b"ping\\n")
                assert await asyncio.wait_for(reader.readline(), timeout=1) == b"ping\\n"
                writer.close()
                await writer.wait_closed()
            """,
            (17, 14),
            runs=True,
        ),
        Bad(
            """
            import asyncio

            import pytest

            from app.db import connect


            @pytest.fixture(scope="session")
            def database():
                loop = asyncio.new_event_loop()
                db = loop.run_until_complete(connect("sqlite://"))
                yield db
                loop.run_until_complete(db.close())
                loop.close()
            """,
            (11, 10),
            (13, 5),
            filename="conftest.py",
        ),
        Bad(
            """
            import asyncio

            import pytest

            from app.client import Client


            async def make_client():
                return await Client.connect("localhost")


            @pytest.fixture
            def client():
                return make_client()


            class TestClient:
                def setup_method(self):
                    self.client = asyncio.run(make_client())

                def test_ping(self):
                    assert asyncio.run(self.client.ping()) == "pong"
            """,
            (14, 12),
            (19, 23),
        ),
        Bad(
            """
            import asyncio

            import pytest


            @pytest.fixture
            def slow_job():
                async def job():
                    await asyncio.sleep(0)
                    return True

                return job()


            @pytest.mark.asyncio
            async def test_job_finishes(slow_job):
                assert await asyncio.wait_for(slow_job, timeout=1)


            def test_job_is_a_coroutine(slow_job):
                assert asyncio.iscoroutine(slow_job)
            """,
            (12, 12),
        ),
        Good(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            async def start_echo_server():
                async def echo(reader, writer):
                    writer.write(await reader.readline())
                    await writer.drain()
                    writer.close()

                return await asyncio.start_server(echo, "127.0.0.1", 0)


            @pytest_asyncio.fixture
            async def echo_server():
                server = await start_echo_server()
                yield server.sockets[0].getsockname()[:2]
                server.close()
                await server.wait_closed()


            @pytest.mark.asyncio
            async def test_echo(echo_server):
                reader, writer = await asyncio.open_connection(*echo_server)
                writer.write(b"ping\\n")
                assert await asyncio.wait_for(reader.readline(), timeout=1) == b"ping\\n"
                writer.close()
                await writer.wait_closed()
            """,
            reason="an async fixture builds and closes the server on the tests' loop",
            runs=True,
        ),
        Good(
            """
            import asyncio


            async def main(argv):
                return 0 if argv else 2


            def test_cli_exit_code():
                assert asyncio.run(main(["--help"])) == 0
            """,
            reason="a sync test may run a coroutine to completion and check a plain result",
        ),
        Good(
            """
            import asyncio

            import pytest


            async def collect_events():
                await asyncio.sleep(0)
                return [{"type": "request"}, {"type": "response"}]


            @pytest.fixture(scope="module")
            def events():
                return asyncio.run(collect_events())


            def test_every_request_is_answered(events):
                assert [e["type"] for e in events] == ["request", "response"]
            """,
            reason="no test of the module is async: what the run built serves sync tests only",
            runs=True,
        ),
        Good(
            """
            import asyncio
            import threading

            import pytest


            @pytest.fixture
            def io_loop():
                loop = asyncio.new_event_loop()
                yield loop
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()


            @pytest.fixture
            def background_server(io_loop):
                server = io_loop.run_until_complete(asyncio.start_server(print, "127.0.0.1", 0))
                thread = threading.Thread(target=io_loop.run_forever, daemon=True)
                thread.start()
                yield server
                io_loop.call_soon_threadsafe(io_loop.stop)
                thread.join()
            """,
            filename="conftest.py",
            reason="a fixture handing out its loop, and one running its loop in a thread",
        ),
        Good(
            """
            import asyncio
            import unittest


            class TestJar(unittest.TestCase):
                def setUp(self):
                    self.loop = asyncio.new_event_loop()

                    async def make_jar():
                        return {"cookies": 1}

                    self.jar = self.loop.run_until_complete(make_jar())

                def tearDown(self):
                    self.loop.close()

                def test_jar(self):
                    assert self.jar == {"cookies": 1}
            """,
            reason="the class keeps its own loop on self for the whole test: nothing outlives it",
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest


            async def reset_remote(host, retries):
                queue = asyncio.Queue()
                for attempt in range(retries):
                    await queue.put(f"reset {host} #{attempt}")
                while not queue.empty():
                    await queue.get()


            @pytest.fixture(scope="module", autouse=True)
            def tidy_up(remote_host: str = "test.example"):
                yield
                asyncio.run(reset_remote(remote_host, 2))


            @pytest.mark.asyncio
            async def test_sleep():
                await asyncio.sleep(0)
            """,
            reason=(
                "the clean-up runs on a loop of its own, after the tests, on plain data, and "
                "hands nothing on"
            ),
            runs=True,
            pytest_asyncio=(1, 4),
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.fixture(autouse=True)
            def no_lingering_tasks():
                try:
                    loop = asyncio.get_running_loop()
                except RuntimeError:
                    yield
                    return
                before = asyncio.all_tasks(loop)
                yield
                leftover = asyncio.all_tasks(loop) - before
                if leftover:
                    loop.run_until_complete(asyncio.wait(leftover))


            @pytest.mark.asyncio
            async def test_sleep():
                await asyncio.sleep(0)
            """,
            reason="the running loop get_running_loop() returns is no loop of the fixture's own",
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest


            class Catalog:
                async def __aenter__(self):
                    self.lock = asyncio.Lock()
                    return self

                async def __aexit__(self, *exc_info):
                    return None

                async def models(self):
                    async with self.lock:
                        return {"sdxl": ["base", "refiner"]}


            @pytest.fixture(scope="module")
            def models():
                async def fetch():
                    async with Catalog() as catalog:
                        return await catalog.models()

                return asyncio.run(fetch())


            @pytest.mark.asyncio
            async def test_models(models):
                async with asyncio.Lock():
                    assert models["sdxl"] == ["base", "refiner"]
            """,
            reason=(
                "the run returns what it fetched through a client it opened and closed: "
                "the tests get data, not the client"
            ),
            runs=True,
        ),
    )

    def visit_Module(self, node: ast.Module) -> None:
        self._function: Optional[_Function] = None
        self._found: List[
            Tuple[ast.Call, str, str, str, Optional[PendingCall], Optional[str], bool]
        ] = []

    # -- which defs are checked ---------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.AST) -> None:
        scope = self.file.scope
        receiver = self.current_namespace.receiver
        name = node.name  # type: ignore[attr-defined]
        self._function = _Function(_role(node, scope), name, receiver, self._function)
        if scope.node is node and scope.fixture is not None:
            self._function.fixture_name = scope.fixture.name

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._function = _Function("", "<lambda>", None, self._function)

    def leave_FunctionDef(self, node: ast.AST) -> None:
        function = self._function
        assert function is not None
        self._function = function.parent
        if function.role == FIXTURE and function.runs and not _owns_its_loop(function, node):
            for call, label in function.runs:
                if not self._leaves_nothing_behind(call, node):
                    self._add(call, function, f"runs {label}: {_RUN_IN_FIXTURE}")
        elif function.role in (TEST, SETUP):
            for call, label in function.escaping_runs:
                if runs_for_text(call, self.file):
                    continue  # a string or a number outlives its loop harmlessly
                self._add(call, function, f"keeps what {label} built after that loop closed")

    leave_AsyncFunctionDef = leave_FunctionDef
    leave_Lambda = leave_FunctionDef

    def _leaves_nothing_behind(self, call: ast.Call, fixture: ast.AST) -> bool:
        """A fixture's ``asyncio.run(...)`` that no test's loop can meet the work of: in a
        module whose tests all run without a loop, a self-contained ``main``, a dropped
        run on an object of the fixture's own, or a run on no object of the fixture's whose
        value is plain data or meets no loop again; anywhere, a self-contained ``main``
        that returns only text and gets no object of the fixture's, a dropped run on plain
        data, a run whose result only becomes the text the fixture hands out, or a run that
        reaches only engines bound to no loop; and any run that reads what an MCP server
        registered."""
        file = self.file
        if reads_an_mcp_registry(call, fixture):
            return True
        if file.resolve(call.func) not in ASYNCIO_RUN and not self._on_a_loop_of_its_own(
            call, fixture
        ):
            return False
        if runs_no_loop_for_tests(file) and (
            runs_self_contained_coroutine(call, file)
            or drops_run_on_fixture_object(call, fixture)
            or (
                runs_on_no_fixture_object(call, fixture)
                and (returns_plain_data(fixture, file) or self._no_test_drives_a_loop(fixture))
            )
        ):
            return True
        return (
            discards_self_contained_run(call, fixture, file)
            or hands_out_only_text(call, fixture, file)
            or (
                runs_for_text(call, file)
                and runs_self_contained_coroutine(call, file)
                and runs_on_no_fixture_object(call, fixture)
            )
            or runs_on_loop_free_engines(call, fixture, file)
            or returns_from_closed_resources(call, fixture, file)
        )

    def _on_a_loop_of_its_own(self, call: ast.Call, fixture: ast.AST) -> bool:
        """``loop.run_until_complete(...)`` on a loop the fixture made with
        ``asyncio.new_event_loop()`` (and never makes current): what ``asyncio.run`` does by
        hand, judged the same way."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr == _RUN_UNTIL_COMPLETE):
            return False
        receiver: Optional[ast.AST] = func.value
        if isinstance(receiver, ast.Name):
            receiver = own_bindings(fixture).get(receiver.id)
        if not isinstance(receiver, ast.Call) or self.file.resolve(receiver.func) != NEW_EVENT_LOOP:
            return False
        return not any(
            isinstance(node, ast.Call) and last_name(node.func) == "set_event_loop"
            for node in ast.walk(fixture)
        )

    def _no_test_drives_a_loop(self, fixture: ast.AST) -> bool:
        """No test that gets the fixture's value (directly or through fixtures of the
        module) runs a loop (``asyncio.run``, ``run_until_complete``, ``anyio.run``...), no
        helper of the module does, and nothing in the module starts one in a thread
        (Starlette's ``TestClient``, an anyio portal): whatever the fixture's run leaves
        behind meets no loop again."""
        module = self.file.module
        users = _users_of(module, fixture.name)  # type: ignore[attr-defined]
        functions = self.file.project.config.python_functions
        for func in module_defs(module):
            spec = module.specs.get(func)
            name = func.name  # type: ignore[attr-defined]
            runs_count = spec is None and (name in users or not is_test_name(name, functions))
            for node in ast.walk(func):
                if node.__class__ is ast.Call and _drives_a_loop(node, self.file, runs_count):
                    return False
        return not any(
            node.__class__ is ast.Call and last_name(node.func) in _THREADED_LOOPS
            for statement in module.statements
            if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))
            for node in ast.walk(statement)
        )

    def _add(
        self,
        call: ast.Call,
        function: _Function,
        problem: str,
        pending: Optional[PendingCall] = None,
        handed_out: bool = False,
    ) -> None:
        # The advice for a fixture depends on what its tests do with the value: await the
        # coroutine it hands out (their input), or run it on loops of their own.
        fixture = function.fixture_name if function.role == FIXTURE else None
        self._found.append(
            (call, function.role, function.name, problem, pending, fixture, handed_out)
        )

    # -- what the checked defs do -------------------------------------------------------------
    def visit_Global(self, node: ast.Global) -> None:
        if self._function is not None:
            self._function.declared_global.update(node.names)

    def visit_Call(self, node: ast.Call) -> None:
        function = self._function
        if function is None or not function.role:
            return
        label = self._loop_run(node)
        if label is not None:
            function.runs.append((node, label))

    def visit_Assign(self, node: ast.Assign) -> None:
        function = self._function
        if function is None or not function.role or len(node.targets) != 1:
            return
        target = node.targets[0]
        run = self._run_in(node.value, function)
        if isinstance(target, ast.Name) and target.id not in function.declared_global:
            # The name's latest value is what a later ``return name`` hands out.
            function.run_names.pop(target.id, None)
            function.coroutine_names.pop(target.id, None)
            if function.role == FIXTURE:  # only a fixture's hand-outs are asked about
                if self._made_with_a_loop(node.value):
                    function.loop_carriers.add(target.id)
                else:
                    function.loop_carriers.discard(target.id)
            if run is not None:
                function.run_names[target.id] = run
            pending = self.coroutine_call(node.value)
            if pending is not None:
                function.coroutine_names[target.id] = (node.value, pending)  # type: ignore
        elif run is not None and self._outlives_function(target, function):
            function.escaping_runs.append(run)

    def visit_Return(self, node: ast.Return) -> None:
        self._handed_out(node.value, "returns")

    def visit_Yield(self, node: ast.Yield) -> None:
        self._handed_out(node.value, "yields")

    def _handed_out(self, value: Optional[ast.AST], verb: str) -> None:
        function = self._function
        if function is None or not function.role or value is None:
            return
        if function.role == FIXTURE and (  # ``_owns_its_loop`` is asked of fixtures only
            _is_loop(value, self)
            or self._made_with_a_loop(value)
            or (isinstance(value, ast.Name) and value.id in function.loop_carriers)
        ):
            function.hands_out_loop = True
        # A test's or setup method's own run handed out here is dropped by pytest or
        # unittest at once: only one stored on ``self`` or a global outlives them.
        if function.role == SETUP:
            return
        if isinstance(value, ast.Name) and value.id in function.coroutine_names:
            call, pending = function.coroutine_names[value.id]
        else:
            call, pending = value, self.coroutine_call(value)  # type: ignore[assignment]
        if pending is not None:
            fate = _COROUTINE_FATE[function.role]
            problem = f"{verb} coroutine {pending.label} unawaited: {fate}"
            self._add(call, function, problem, pending, handed_out=True)  # type: ignore[arg-type]

    # -- helpers ------------------------------------------------------------------------------
    def _made_with_a_loop(self, value: ast.AST) -> bool:
        """``ClientUnderTest(kind, loop)``, ``Client(loop=loop)``: an object given a loop,
        which the tests then drive their work on."""
        if not isinstance(value, ast.Call):
            return False
        arguments = [*value.args, *(keyword.value for keyword in value.keywords)]
        # A name bound to a loop getter, or named like a loop (``loop``, ``io_loop``)
        return any(
            isinstance(argument, ast.Name) and is_loop_receiver(argument, self.file)
            for argument in arguments
        )

    def _loop_run(self, call: ast.Call) -> Optional[str]:
        """How to name ``call`` if it runs a loop until a coroutine completes."""
        func = call.func
        if not may_end_with(func, _LAST_NAMES):
            return None
        if self.file.resolve(func) in ASYNCIO_RUN:
            return "asyncio.run()"
        if not (isinstance(func, ast.Attribute) and func.attr == _RUN_UNTIL_COMPLETE):
            return None
        receiver = func.value
        function = self.file.function
        if isinstance(receiver, ast.Name) and function is not None:
            if receiver.id in function.params or _copy_of_a_parameter(receiver.id, function):
                return None  # a loop fixture (pytest-aiohttp's ``loop``) shared with the tests
        walked = self._function
        if (
            isinstance(receiver, ast.Attribute)
            and isinstance(receiver.value, ast.Name)
            and walked is not None
            and receiver.value.id == walked.receiver
        ):
            # ``self.loop``: a unittest-style class that keeps its own loop for the whole test
            # runs what it builds on the loop its tests use too.
            return None
        if not is_loop_receiver(receiver, self.file):
            return None
        origin = loop_origin(receiver, self.file)
        if origin == GET_RUNNING_LOOP:
            # Sync code gets a running loop only while it runs, which cannot then run again:
            # no loop of the fixture's own (a nested run is ALP103's kind of mistake).
            return None
        if origin == GET_EVENT_LOOP and function is not None:
            owner = function
            while owner.parent is not None and owner.parent.is_function:
                owner = owner.parent  # the fixture or test a nested def belongs to
            if pytest_asyncio_loop_may_be_current(self.file, owner):
                return None  # the loop of the async fixtures it requests, not one of its own
        if isinstance(receiver, ast.Call):
            return f"{dotted_name(receiver.func) or 'loop'}().run_until_complete()"
        return f"{dotted_name(receiver) or 'loop'}.run_until_complete()"

    def _run_in(self, value: ast.AST, function: _Function) -> Optional[Tuple[ast.Call, str]]:
        """The loop run whose result ``value`` is, directly or through a local name."""
        if isinstance(value, ast.Call):
            label = self._loop_run(value)
            return None if label is None else (value, label)
        if isinstance(value, ast.Name):
            return function.run_names.get(value.id)
        return None

    @staticmethod
    def _outlives_function(target: ast.AST, function: _Function) -> bool:
        if isinstance(target, ast.Attribute):
            owner = target.value
            return isinstance(owner, ast.Name) and owner.id == function.receiver
        return isinstance(target, ast.Name) and target.id in function.declared_global

    # -- reporting ----------------------------------------------------------------------------
    def leave_Module(self, node: ast.Module) -> None:
        if not self.walk_complete:
            return
        module = self.file.module
        for call, role, function, problem, pending, fixture, handed_out in self._found:
            if pending is not None and not self.decide(pending):
                continue
            advice = _ADVICE[role]
            if fixture is not None and handed_out and _tests_await(module, fixture):
                advice = _HAND_OUT_THE_FUNCTION
            elif fixture is not None and _sync_users_run_it(module, fixture):
                advice = _ONE_LOOP_RUN
            self.report(call, role=role, function=function, problem=problem, advice=advice)


# Calls that run a loop in a thread of their own, wherever they are made.
_THREADED_LOOPS = frozenset({"TestClient", "start_blocking_portal", "BlockingPortal"})
# Calls that run a loop in the calling thread, by qualified name or by method name.
_LOOP_RUNS = ASYNCIO_RUN | {"anyio.run", "trio.run"}
_LOOP_RUN_METHODS = frozenset({"run_until_complete", "run_forever"})
# Last names of the calls a sync test runs a coroutine on a loop of its own with.
_RUNS_ON_A_LOOP = frozenset({"run", "run_until_complete"})


def _copy_of_a_parameter(name: str, function: scopes.Scope) -> bool:
    """``loop = event_loop``: a name the def binds once, to one of its parameters (pydgraph's
    fixtures take the module's loop fixture so)."""
    bound = own_bindings(function.node).get(name)
    return isinstance(bound, ast.Name) and bound.id in function.params


def _drives_a_loop(call: ast.Call, file: "FileState", runs_count: bool) -> bool:
    """A loop started in a thread, or, where ``runs_count``, one run in this thread."""
    name = last_name(call.func)
    if name in _THREADED_LOOPS:
        return True
    if not runs_count:
        return False
    return name in _LOOP_RUN_METHODS or (
        name == "run" and file.resolve(call.func) in _LOOP_RUNS
    )


def _users_of(module: ModuleIndex, fixture: str) -> Set[str]:
    """The defs of the module that get ``fixture``'s value: those that request it, and
    those that request a fixture of the module that does, as far as it goes."""
    requests = {
        func: set(parameter_names(func.args))  # type: ignore[attr-defined]
        for func in module_defs(module)
    }
    wanted, users = {fixture}, set()
    changed = True
    while changed:
        changed = False
        for func, names in requests.items():
            name = func.name  # type: ignore[attr-defined]
            if name not in users and names & wanted:
                users.add(name)
                spec = module.specs.get(func)
                if spec is not None and spec.name not in wanted:
                    wanted.add(spec.name)
                changed = True
    return users


def _tests_await(module: ModuleIndex, fixture: str) -> bool:
    """Whether an async def of the module that requests ``fixture`` awaits its value
    (``await value``, ``await with_timeout(value)``): the coroutine is the test's input."""
    for func in module_defs(module):
        if not isinstance(func, ast.AsyncFunctionDef) or fixture not in parameter_names(func.args):
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.Await) and _names(node.value, fixture):
                return True
    return False


def _sync_users_run_it(module: ModuleIndex, fixture: str) -> bool:
    """Whether every def of the module that requests ``fixture`` is sync, and one of them
    runs a loop on something that reads its value (``asyncio.run(adapter.execute(...))``)."""
    users = [f for f in module_defs(module) if fixture in parameter_names(f.args)]
    if not users or any(isinstance(f, ast.AsyncFunctionDef) for f in users):
        return False
    return any(
        isinstance(node, ast.Call)
        and last_name(node.func) in _RUNS_ON_A_LOOP
        and any(
            isinstance(name, ast.Name) and name.id == fixture
            for argument in node.args
            for name in ast.walk(argument)
        )
        for user in users
        for node in ast.walk(user)
    )


def _names(value: ast.AST, name: str) -> bool:
    """``name`` itself, or a call that takes it as an argument."""
    if isinstance(value, ast.Call):
        return any(isinstance(a, ast.Name) and a.id == name for a in value.args)
    return isinstance(value, ast.Name) and value.id == name


def _role(node: ast.AST, scope: scopes.Scope) -> str:
    """FIXTURE, TEST or SETUP for the sync defs this rule checks; "" for the others."""
    if scope.is_async:
        return ""
    parent = scope.parent
    in_class = parent is not None and parent.kind == scopes.CLASS
    in_plain_class = in_class and parent.class_kind in _PLAIN_CLASSES  # type: ignore[union-attr]
    if scope.role == scopes.FIXTURE:
        return FIXTURE
    if in_class and not in_plain_class:
        return ""  # a base class that may run its own loop for its tests
    if scope.role == scopes.TEST:
        return TEST
    name = node.name  # type: ignore[attr-defined]
    at_module_level = parent is not None and parent.kind == scopes.MODULE
    if name in _XUNIT_SETUP and (in_plain_class or at_module_level):
        return SETUP
    return ""


def _uses_another_thread(call: ast.Call) -> bool:
    """``Thread(...)``, ``loop.call_soon_threadsafe(...)``, ``submit(loop.run_forever)``..."""
    func = call.func
    if last_name(func) in _THREADED_LOOP_NAMES:
        return True
    # Asked of every call of a fixture that runs a loop: plain loops, no list built.
    for value in call.args:
        if isinstance(value, ast.Attribute) and value.attr in _THREADED_LOOP_NAMES:
            return True
    for keyword in call.keywords:
        value = keyword.value
        if isinstance(value, ast.Attribute) and value.attr in _THREADED_LOOP_NAMES:
            return True
    return False


def _owns_its_loop(function: _Function, fixture: ast.AST) -> bool:
    """A fixture that hands out its loop, or keeps it running in a thread, manages it on purpose."""
    if function.hands_out_loop or function.name.lower().endswith("loop"):
        return True
    # Asked only of a fixture that runs a loop: its body (nested defs too) is read here, not
    # on every call the walk meets.
    return any(
        node.__class__ is ast.Call and _uses_another_thread(node)  # type: ignore[arg-type]
        for node in ast.walk(fixture)
    )


def _is_loop(value: ast.AST, rule: SyncCodeDrivesAsyncResource) -> bool:
    """A loop handed out: a loop getter's result, directly or through a local name."""
    if isinstance(value, ast.Call):
        return rule.file.resolve(value.func) in LOOP_GETTERS
    if isinstance(value, ast.Name):
        return rule.file.scope.binding(value.id) in LOOP_GETTERS
    return False
