"""Where code runs decides what the ALP1xx rules say: async or sync, import time or call time,
test code or library code."""

from __future__ import annotations

import ast
import textwrap
from typing import List, Tuple

import pytest

from flake8_asyncloop.context.model import ConftestFacts, FixtureDef, ProjectContext
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.findings import Safety
from flake8_asyncloop.rules import RULES_BY_CODE

CODES = ("ALP102", "ALP103", "ALP104", "ALP105", "ALP106", "ALP107")
ENGINE = Engine(RULES_BY_CODE[code] for code in CODES)


def findings(
    source: str, filename: str = "test_scoping.py", project: ProjectContext = ProjectContext()
) -> List[Tuple[int, int, str]]:
    """(line, 1-based column, code) of every ALP1xx finding, sorted."""
    tree = ast.parse(textwrap.dedent(source).lstrip("\n"))
    found, errors = ENGINE.check(tree, filename, project)
    assert not errors, errors
    return [(f.line, f.col + 1, f.code) for f in found]


LOOP_CALLS = """
    import asyncio

    {header}
        loop = asyncio.get_event_loop()
        other = asyncio.new_event_loop()
        asyncio.set_event_loop(other)
        loop.run_until_complete(asyncio.sleep(0))
        asyncio.run(asyncio.sleep(0))
        asyncio.Queue(loop=loop)
"""


def test_async_def_gets_the_async_rules() -> None:
    source = LOOP_CALLS.format(header="async def test_async():")
    assert findings(source) == [
        (4, 12, "ALP104"),
        (5, 13, "ALP102"),
        (6, 5, "ALP102"),
        (7, 5, "ALP103"),
        (8, 5, "ALP103"),
        (9, 19, "ALP107"),
    ]


def test_sync_def_gets_the_sync_rules() -> None:
    source = LOOP_CALLS.format(header="def test_sync():")
    # The module installs a loop from sync code, so get_event_loop() is not ALP105 here.
    assert findings(source) == [(9, 19, "ALP107")]
    without_install = source.replace("asyncio.set_event_loop(other)", "pass")
    assert findings(without_install) == [(4, 12, "ALP105"), (9, 19, "ALP107")]


def test_sync_def_nested_in_async_def_is_sync() -> None:
    source = """
    import asyncio


    async def test_outer():
        def callback():
            asyncio.run(asyncio.sleep(0))
            return asyncio.get_event_loop()

        async def inner():
            return asyncio.get_event_loop()

        return callback, inner
    """
    # The nested sync def is neither async code (ALP103/104) nor a sync test that runs
    # without a loop (ALP105); the async def nested in it is async again.
    assert findings(source) == [(10, 16, "ALP104")]


def test_async_def_nested_in_sync_def_is_async() -> None:
    source = """
    import asyncio


    def test_outer():
        async def step():
            return asyncio.get_event_loop()

        return step
    """
    assert findings(source) == [(6, 16, "ALP104")]


def test_lambda_is_never_async() -> None:
    source = """
    import asyncio


    async def test_lambda():
        getter = lambda: asyncio.get_event_loop()
        runner = lambda coro: asyncio.run(coro)
        return getter, runner
    """
    assert findings(source) == []


def test_lambda_in_sync_test_is_sync_test_code() -> None:
    source = """
    import asyncio


    def test_lambda():
        getter = lambda: asyncio.get_event_loop()
        assert getter()
    """
    assert findings(source) == [(5, 22, "ALP105")]


def test_class_body_runs_at_import_time() -> None:
    source = """
    import asyncio

    MODULE_LOOP = asyncio.new_event_loop()


    class TestThings:
        CLASS_LOOP = asyncio.get_event_loop()

        def test_method(self):
            loop = asyncio.new_event_loop()
            loop.close()


    def helper():
        return asyncio.new_event_loop()
    """
    assert findings(source) == [(3, 15, "ALP106"), (7, 18, "ALP106")]


def test_comprehension_at_module_level_runs_at_import_time() -> None:
    source = """
    import asyncio

    LOOPS = [asyncio.new_event_loop() for _ in range(2)]
    """
    assert findings(source) == [(3, 10, "ALP106")]


def test_library_code_gets_only_the_api_misuse_rules() -> None:
    source = LOOP_CALLS.format(header="async def serve():")
    assert findings(source, filename="server.py") == [
        (4, 12, "ALP104"),
        (7, 5, "ALP103"),
        (8, 5, "ALP103"),
        (9, 19, "ALP107"),
    ]
    module_level = """
    import asyncio

    LOOP = asyncio.get_event_loop()


    def run(coro):
        return asyncio.get_event_loop().run_until_complete(coro)
    """
    assert findings(module_level, filename="server.py") == []
    # In a test module the import-time call is ALP106; the helper may serve async tests, so
    # ALP105 leaves it alone.
    assert findings(module_level) == [(3, 8, "ALP106")]


def test_conftest_is_test_code() -> None:
    source = """
    import asyncio

    LOOP = asyncio.get_event_loop()
    """
    assert findings(source, filename="conftest.py") == [(3, 8, "ALP106")]


def test_getfixturevalue_of_an_async_conftest_fixture() -> None:
    def fixture(name: str, is_async: bool) -> FixtureDef:
        return FixtureDef(
            name, "conftest.py", 5, 0, "pytest_asyncio", "function", None, is_async, False
        )

    project = ProjectContext(
        conftests=(ConftestFacts("conftest.py", (fixture("db", True), fixture("settings", False))),)
    )
    source = """
    async def test_lazy(request, db):
        request.getfixturevalue("settings")
        request.getfixturevalue("db")
        request.getfixturevalue("cache")
        return request.getfixturevalue("warm_db")
    """
    # settings is sync, db is already set up as a parameter, cache and warm_db are unknown.
    assert findings(source, project=project) == []
    source = source.replace('"warm_db"', '"db"').replace("request, db", "request")
    assert findings(source, project=project) == [(3, 5, "ALP103"), (5, 12, "ALP103")]


ALP101_ENGINE = Engine([RULES_BY_CODE["ALP101"]])
THREADED_CLOSE = """
    import asyncio
    import threading


    def test_it(event_loop):
        def work():
            asyncio.get_event_loop().close()
            {closed}.close()

        {start}
"""


@pytest.mark.parametrize(
    ("closed", "start", "expected"),
    [
        # handed to a thread: the getter's loop is that thread's; the fixture's is not
        ("asyncio.get_running_loop()", "threading.Thread(target=work).start()", []),
        ("event_loop", "threading.Thread(target=work).start()", [(8, 9)]),
        ("asyncio.get_event_loop()", "event_loop.run_in_executor(None, work)", []),
        # called here: both loops are the test's
        ("asyncio.get_event_loop()", "work()", [(7, 9), (8, 9)]),
    ],
)
def test_a_close_in_a_def_run_by_another_thread(closed: str, start: str, expected) -> None:
    source = textwrap.dedent(THREADED_CLOSE).format(closed=closed, start=start).lstrip("\n")
    found, errors = ALP101_ENGINE.check(ast.parse(source), "test_threads.py")
    assert not errors
    assert [(f.line, f.col + 1) for f in found] == expected


@pytest.mark.parametrize(
    "body, expected",
    [
        # made, looked at, closed: a stand-in for a foreign loop
        ("loop = q._loop = asyncio.new_event_loop()\nassert not loop.is_running()\n"
         "loop.close()", []),
        # run before it is closed: reported
        ("loop = asyncio.new_event_loop()\nloop.run_until_complete(f())\nloop.close()",
         [(2, 12, "ALP102")]),
        # given work it never runs: reported
        ("loop = asyncio.new_event_loop()\nloop.create_task(f())\nloop.close()",
         [(2, 12, "ALP102")]),
        # installed, then closed: both calls reported
        ("loop = asyncio.new_event_loop()\nasyncio.set_event_loop(loop)\nloop.close()",
         [(2, 12, "ALP102"), (3, 5, "ALP102")]),
        # never closed: reported
        ("loop = asyncio.new_event_loop()\nassert not loop.is_closed()", [(2, 12, "ALP102")]),
        # installing a loop made on the spot (one finding), or by a loop class
        ("asyncio.set_event_loop(asyncio.new_event_loop())", [(2, 5, "ALP102")]),
        ("asyncio.set_event_loop(asyncio.SelectorEventLoop())", [(2, 5, "ALP102")]),
        ("other = uvloop.new_event_loop()\nasyncio.set_event_loop(other)", [(3, 5, "ALP102")]),
        # installing nothing, the running loop, or a loop it cannot tell from the running one
        ("asyncio.set_event_loop(None)", []),
        ("asyncio.set_event_loop(asyncio.get_running_loop())", []),
        ("running = asyncio.get_running_loop()\nasyncio.set_event_loop(running)", []),
        ("asyncio.set_event_loop(loop)", []),
        ("asyncio.set_event_loop(self_loop.loop)", []),
    ],
)
def test_which_loops_alp102_reports(body: str, expected: List[Tuple[int, int, str]]) -> None:
    # ``expected`` counts the body's first line as line 2
    source = "import asyncio\nimport uvloop\nasync def test(loop, q, self_loop, f):\n"
    source += textwrap.indent(body, "    ") + "\n"
    found = [f for f in findings(source) if f[2] == "ALP102"]
    assert found == [(line + 2, col, code) for line, col, code in expected]


@pytest.mark.parametrize(
    ("browser_scope", "own", "guard", "reported"),
    [
        # a session fixture the test requests is set up before any function fixture
        ("session", "", 'if "browser" in request.fixturenames', False),
        ("session", "", "if True", True),  # not in the test's closure: set up here
        ("function", "", 'if "browser" in request.fixturenames', True),  # order unknown
        ("session", "session", 'if "browser" in request.fixturenames', True),  # same scope
    ],
)
def test_getfixturevalue_of_a_wider_fixture_the_test_requests(
    browser_scope: str, own: str, guard: str, reported: bool
) -> None:
    project = ProjectContext(
        conftests=(
            ConftestFacts(
                "conftest.py",
                (FixtureDef("browser", "conftest.py", 5, 0, "pytest", browser_scope, None,
                            True, True),),
            ),
        )
    )
    scope = f'scope="{own}"' if own else ""
    source = f"""
    import pytest


    @pytest.fixture({scope})
    async def close_leaked(request):
        {guard}:
            browser = request.getfixturevalue("browser")
        yield
    """
    expected = [(7, 19, "ALP103")] if reported else []
    assert findings(source, filename="conftest.py", project=project) == expected


CURRENT_LOOP_ENGINE = Engine([RULES_BY_CODE["ALP105"], RULES_BY_CODE["ALP304"]])
SYNC_FIXTURE_RUNS = """
    import asyncio

    import pytest
    import pytest_asyncio


    @pytest_asyncio.fixture{autouse}
    async def connection():
        yield object()


    @pytest.fixture
    def settings(tmp_path):
        return {{"dir": tmp_path}}


    @pytest.fixture
    def via_settings(settings):
        return settings


    @pytest.fixture
    def via_connection(connection):
        return connection


    @pytest.fixture
    def dataset({params}):
        return asyncio.get_event_loop().run_until_complete(make())
"""


@pytest.mark.parametrize(
    ("params", "autouse", "reported"),
    [
        ("settings", "", True),  # sync fixtures all the way down: no loop is current
        ("via_settings, monkeypatch", "", True),
        ("connection", "", False),  # pytest-asyncio's loop is current
        ("via_connection", "", False),  # through another fixture
        ("settings", "(autouse=True)", False),  # under an autouse async fixture
        ("from_a_plugin", "", False),  # unseen: may be async
    ],
)
def test_sync_fixture_under_an_async_fixture_uses_its_loop(
    params: str, autouse: str, reported: bool
) -> None:
    source = SYNC_FIXTURE_RUNS.format(params=params, autouse=autouse)
    tree = ast.parse(textwrap.dedent(source).lstrip("\n"))
    found, errors = CURRENT_LOOP_ENGINE.check(tree, "test_it.py", ProjectContext())
    assert not errors
    assert sorted({f.code for f in found}) == (["ALP105", "ALP304"] if reported else [])


def test_a_conftest_async_fixture_makes_the_loop_current() -> None:
    def fixture(name: str, is_async: bool, requests=(), autouse=False) -> FixtureDef:
        return FixtureDef(
            name, "conftest.py", 1, 0, "pytest", "function", None, is_async, False,
            requests=requests, autouse=autouse,
        )

    source = "import asyncio\n\ndef test_it({params}):\n    asyncio.get_event_loop()\n"

    def codes(params: str, *fixtures: FixtureDef) -> List[str]:
        project = ProjectContext(conftests=(ConftestFacts("conftest.py", fixtures),))
        tree = ast.parse(source.format(params=params))
        found, _ = CURRENT_LOOP_ENGINE.check(tree, "test_it.py", project)
        return [f.code for f in found]

    assert codes("db", fixture("db", False)) == ["ALP105"]
    assert codes("db", fixture("db", False, requests=("pool",)), fixture("pool", True)) == []
    assert codes("db", fixture("db", False), fixture("warm", True, autouse=True)) == []
    # a sync autouse fixture that requests an async one (tortoise's benchmarks)
    clean = fixture("clean", False, requests=("pool",), autouse=True)
    assert codes("", clean, fixture("pool", True)) == []
    assert codes("", clean, fixture("pool", False)) == ["ALP105"]


COROUTINE_FIXTURE = """
import asyncio

import pytest


@pytest.fixture
def job():
    async def run():
        return True

    return run()


{user}
"""


@pytest.mark.parametrize(
    "user, advice",
    [
        # google-auth: the tests await the coroutine themselves, as their input
        (
            "async def test_timeout(job):\n    assert await asyncio.wait_for(job, 1)\n",
            "return the async function instead, for each test to call and await",
        ),
        (
            "async def test_job(job):\n    assert await job\n",
            "return the async function instead, for each test to call and await",
        ),
        # the test never awaits it: the fixture meant to do the work
        (
            "async def test_ready(job):\n    assert job is not None\n",
            "make it an async fixture and await the work",
        ),
    ],
)
def test_alp304_advice_for_a_coroutine_the_tests_await(user: str, advice) -> None:
    tree = ast.parse(COROUTINE_FIXTURE.format(user=user))
    found, errors = CURRENT_LOOP_ENGINE.check(tree, "test_it.py", ProjectContext())
    assert not errors
    assert [(f.code, f.line) for f in found] == [("ALP304", 12)]
    assert found[0].message.endswith(f"; {advice}"), found[0].message


MARKED_SYNC_TEST = """
import asyncio

import pytest


@pytest.mark.asyncio
def test_runs_on_the_marks_loop():
    loop = asyncio.get_event_loop()
    assert loop.run_until_complete(asyncio.sleep(0, "ok")) == "ok"
"""


@pytest.mark.parametrize(
    ("project", "before_1_0"),
    [
        (ProjectContext(pytest_asyncio_version=(0, 23, 8)), True),
        (ProjectContext(pinned_pytest_asyncio_ceiling=(0, 24)), True),  # pytest<8.2 pinned
        (ProjectContext(pytest_asyncio_version=(1, 5)), False),
        (ProjectContext(), False),
    ],
)
def test_before_1_0_an_asyncio_mark_gives_a_sync_test_its_loop(
    project: ProjectContext, before_1_0: bool
) -> None:
    # mitmproxy (pytest-asyncio 0.23): the mark requested event_loop for the sync test, which
    # then ran on it; removing the mark failed the test.
    engine = Engine([RULES_BY_CODE["ALP105"], RULES_BY_CODE["ALP403"]])
    found, errors = engine.check(ast.parse(MARKED_SYNC_TEST), "test_it.py", project)
    assert not errors
    by_code = {f.code: f for f in found}
    mark = by_code["ALP403"]
    assert mark.fix is not None
    if before_1_0:
        assert sorted(by_code) == ["ALP403"]
        assert mark.fix.safety is Safety.UNSAFE
        assert "before pytest-asyncio 1.0, makes a fresh loop current for it" in mark.message
    else:
        assert sorted(by_code) == ["ALP105", "ALP403"]
        assert mark.fix.safety is Safety.SAFE
        assert "which only warns" in mark.message


FIXABLE_AND_NOT = """
import asyncio
from unittest import TestCase


async def one():
    return 1


class T(TestCase):
    def test_a(self):
        assert asyncio.get_event_loop().run_until_complete(one()) == 1

    def test_b(self):
        loop = asyncio.get_event_loop()
        assert loop.run_until_complete(one()) == 1
        assert loop.run_until_complete(one()) == 1
"""


def test_alp105_fixes_a_module_all_or_nothing() -> None:
    # pyhap: test_a rewritten to asyncio.run() left no current loop, and test_b then failed
    engine = Engine([RULES_BY_CODE["ALP105"]])
    found, _ = engine.check(ast.parse(FIXABLE_AND_NOT), "test_it.py", ProjectContext())
    assert [(f.line, f.fix) for f in found] == [(12, None), (15, None)]
    alone = FIXABLE_AND_NOT.split("    def test_b")[0]
    found, _ = engine.check(ast.parse(alone), "test_it.py", ProjectContext())
    assert [f.line for f in found] == [12] and found[0].fix is not None


def test_alp403_advice_for_a_class_mark_that_serves_nothing() -> None:
    # chainlit: classes of sync tests under @pytest.mark.asyncio; ydb: an async helper
    # nested in a sync test is no async test
    source = (
        "import pytest\n\n\n@pytest.mark.asyncio\nclass TestA:\n"
        "    def test_sync(self):\n        pass\n\n\n"
        "@pytest.mark.asyncio\nclass TestB:\n    def test_sync(self):\n        pass\n\n"
        "    async def test_async(self):\n        pass\n\n\n"
        "@pytest.mark.asyncio\nclass TestC:\n    def test_sync(self):\n"
        "        async def helper():\n            return 1\n\n"
        "        assert helper\n"
    )
    found, _ = Engine([RULES_BY_CODE["ALP403"]]).check(
        ast.parse(source), "test_it.py", ProjectContext()
    )
    assert [(f.line, f.message.rpartition("; ")[2]) for f in found] == [
        (6, "remove the class's mark: no test in the class is async"),
        (12, "mark only the async tests, or move this test out"),
        (21, "remove the class's mark: no test in the class is async"),
    ]
