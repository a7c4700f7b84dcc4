"""Whole little projects, checked file by file with their real context (config, conftest chain).

The ALP4xx rules about marks and modes are where a per-file linter goes most wrong: whether an
unmarked async test runs depends on the config file, the conftest chain, plugins and base
classes. Each project here is a shape seen in real suites; the ones that run their async tests
correctly must give no ALP401/ALP402 finding at all, and the strict-mode suite with real
mistakes must give exactly its findings.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import pytest
from support import check_path, write

from flake8_asyncloop.context.discovery import clear_caches

NOT_RUN_CODES = ("ALP401", "ALP402")
Found = Tuple[str, int, str]  # (path relative to the project, line, code)


def lay_out(root: Path, files: Dict[str, str]) -> Path:
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    clear_caches()
    return root


def findings(root: Path, codes: Sequence[str]) -> List[Found]:
    """Findings of ``codes`` in every test module and conftest.py of the project."""
    found: List[Found] = []
    for path in sorted(root.rglob("*.py")):
        if not (path.name.startswith("test_") or path.name == "conftest.py"):
            continue
        relative = path.relative_to(root).as_posix()
        found += [(relative, line, code) for line, _, code in check_path(path) if code in codes]
    return sorted(found)


# -- one suite, many configs ---------------------------------------------------------------

# Unmarked async tests and async @pytest.fixture: right in auto mode, wrong in strict mode.
AUTO_STYLE_SUITE = {
    "tests/__init__.py": "",
    "tests/conftest.py": """
        import asyncio

        import pytest
        import pytest_asyncio


        @pytest.fixture
        async def database():
            await asyncio.sleep(0)
            yield {"orders": []}


        @pytest_asyncio.fixture
        async def cache():
            return {}
        """,
    "tests/test_orders.py": """
        import asyncio

        import pytest


        @pytest.fixture
        async def order(database):
            database["orders"].append("widget")
            return database["orders"][-1]


        async def test_order(order):
            await asyncio.sleep(0)
            assert order == "widget"


        class TestOrders:
            async def test_count(self, database, order):
                assert len(database["orders"]) == 1
        """,
}

AUTO_CONFIGS = {
    "pytest.ini": "[pytest]\nasyncio_mode = auto\n",
    "pyproject.toml": '[tool.pytest.ini_options]\nasyncio_mode = "auto"\n',
    "setup.cfg": "[tool:pytest]\nasyncio_mode = auto\n",
    "tox.ini": "[tox]\nenvlist = py311\n\n[pytest]\nasyncio_mode = auto\n",
    "addopts": "[pytest]\naddopts = -ra --asyncio-mode=auto\n",
}


@pytest.mark.parametrize("config", sorted(AUTO_CONFIGS))
def test_auto_mode_from_any_config_file_silences_401_and_402(config: str, tmp_path: Path) -> None:
    name = "pytest.ini" if config == "addopts" else config
    lay_out(tmp_path, {**AUTO_STYLE_SUITE, name: AUTO_CONFIGS[config]})
    assert findings(tmp_path, NOT_RUN_CODES) == []


def test_the_same_suite_in_strict_mode_is_reported(tmp_path: Path) -> None:
    lay_out(tmp_path, {**AUTO_STYLE_SUITE, "pytest.ini": "[pytest]\nasyncio_mode = strict\n"})
    assert findings(tmp_path, NOT_RUN_CODES) == [
        ("tests/conftest.py", 7, "ALP402"),
        ("tests/test_orders.py", 6, "ALP402"),
        ("tests/test_orders.py", 12, "ALP401"),
        ("tests/test_orders.py", 18, "ALP401"),
    ]


def test_strict_mode_named_in_config_after_an_auto_addopts_is_still_auto(tmp_path: Path) -> None:
    config = "[pytest]\nasyncio_mode = strict\naddopts = --asyncio-mode=auto\n"
    lay_out(tmp_path, {**AUTO_STYLE_SUITE, "pytest.ini": config})
    assert findings(tmp_path, NOT_RUN_CODES) == []


# -- suites run by anyio or trio ------------------------------------------------------------

ANYIO_SUITE = {
    "pyproject.toml": "[tool.pytest.ini_options]\naddopts = \"-ra\"\n",
    "tests/conftest.py": """
        import pytest


        @pytest.fixture
        def anyio_backend():
            return "asyncio"


        @pytest.fixture
        async def client():
            yield {"connected": True}
        """,
    "tests/test_api.py": """
        import pytest

        pytestmark = pytest.mark.anyio


        @pytest.fixture
        async def token(client):
            return "secret"


        async def test_login(client, token):
            assert client["connected"] and token


        class TestUsers:
            async def test_list(self, client):
                assert client
        """,
}

# The FastAPI documentation's shape: marks on each test, an async fixture in conftest.py,
# and no anyio_backend fixture anywhere (anyio's plugin provides one).
ANYIO_MARKED_TESTS = {
    "tests/conftest.py": """
        import httpx
        import pytest

        from app.main import app


        @pytest.fixture
        async def http():
            async with httpx.AsyncClient(app=app, base_url="http://test") as client:
                yield client
        """,
    "tests/test_root.py": """
        import pytest


        @pytest.mark.anyio
        async def test_root(http):
            response = await http.get("/")
            assert response.status_code == 200


        @pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
        async def test_both_backends(http, anyio_backend):
            assert (await http.get("/health")).status_code == 200
        """,
}

TRIO_SUITE = {
    "pytest.ini": "[pytest]\ntrio_mode = true\n",
    "test_nursery.py": """
        import pytest
        import trio


        @pytest.fixture
        async def ticker(nursery):
            send, receive = trio.open_memory_channel(1)
            nursery.start_soon(send.send, "tick")
            return receive


        async def test_tick(ticker):
            assert await ticker.receive() == "tick"
        """,
}

TRIO_MODE_ONLY = {
    "setup.cfg": "[tool:pytest]\ntrio_mode = true\n",
    "test_sleep.py": """
        from myproject import sleeper


        async def test_sleeper():
            assert await sleeper.nap(0) is None
        """,
}

# aerich's layout: anyio's plugin runs every async test (anyio_mode = "auto"), no conftest
ANYIO_AUTO_MODE = {
    "pyproject.toml": '[tool.pytest.ini_options]\nanyio_mode = "auto"\n',
    "tests/test_command.py": """
        import pytest


        @pytest.fixture
        async def project():
            return "demo"


        async def test_command(project):
            assert project == "demo"
        """,
}
ANYIO_AUTO_MODE_IN_ADDOPTS = {
    "pytest.ini": "[pytest]\naddopts = --anyio-mode auto\n",
    "tests/test_command.py": ANYIO_AUTO_MODE["tests/test_command.py"],
}

AIOHTTP_PLUGIN = {
    "conftest.py": 'pytest_plugins = "aiohttp.pytest_plugin"\n',
    "test_app.py": """
        from myapp import create_app


        async def test_index(aiohttp_client):
            client = await aiohttp_client(create_app())
            assert (await client.get("/")).status == 200


        async def test_without_fixtures():
            assert create_app() is not None
        """,
}

# jupyter_client's layout: pytest-jupyter collects coroutine tests and runs them itself.
JUPYTER_TEST = """
    class TestClient:
        async def test_execute(self, kc):
            assert await kc.execute("1") is not None
    """
JUPYTER_PLUGIN = {
    "pyproject.toml": "[tool.pytest.ini_options]\nxfail_strict = true\n",
    "tests/conftest.py": 'pytest_plugins = ["pytest_jupyter", "pytest_jupyter.jupyter_client"]\n',
    "tests/test_client.py": JUPYTER_TEST,
}
# jupyter_server's: the conftest loads the project's own plugin module, which loads it.
JUPYTER_SERVER_PLUGIN = {
    "pyproject.toml": "[tool.pytest.ini_options]\nxfail_strict = true\n",
    "myserver/__init__.py": "",
    "myserver/pytest_plugin.py": 'pytest_plugins = ["pytest_jupyter.jupyter_server"]\n',
    "tests/conftest.py": 'pytest_plugins = ["myserver.pytest_plugin"]\n',
    "tests/test_client.py": JUPYTER_TEST,
}

# punkreq's: tonio's pytest plugin runs the tests and fixtures of a module marked for it.
TONIO_MARKED_MODULE = {
    "pyproject.toml": '[tool.pytest.ini_options]\nasyncio_mode = "strict"\n',
    "tests/test_e2e_tonio.py": """
        import pytest

        pytestmark = pytest.mark.tonio


        @pytest.fixture
        async def echo_server():
            yield 8080


        async def test_get(echo_server):
            assert echo_server
        """,
}


@pytest.mark.parametrize(
    "files",
    [
        ANYIO_SUITE, ANYIO_MARKED_TESTS, TRIO_SUITE, TRIO_MODE_ONLY, AIOHTTP_PLUGIN,
        JUPYTER_PLUGIN, JUPYTER_SERVER_PLUGIN, ANYIO_AUTO_MODE, ANYIO_AUTO_MODE_IN_ADDOPTS,
        TONIO_MARKED_MODULE,
    ],
    ids=[
        "anyio-backend-fixture", "anyio-marked-tests", "pytest-trio", "trio-mode", "aiohttp",
        "pytest-jupyter", "pytest-jupyter-through-a-project-plugin", "anyio-auto-mode",
        "anyio-auto-mode-in-addopts", "tonio-marked-module",
    ],
)
def test_suites_run_by_other_plugins_give_no_401_or_402(files, tmp_path: Path) -> None:
    lay_out(tmp_path, files)
    assert findings(tmp_path, NOT_RUN_CODES) == []


# mode-streaming's layout: ``python_classes = test_*`` collects lower-case classes.
NAMED_CLASSES_TEST = """
    class test_Service:
        async def test_start(self):
            assert True


    class TestHelpers:
        async def test_unused(self):
            assert True


    class CheckService:
        async def check_stop(self):
            assert True
    """


@pytest.mark.parametrize(
    ("ini", "reported"),
    [
        ("", [7]),  # pytest's defaults: Test* classes, test* functions
        ("python_classes = test_*\n", [2]),
        ("python_classes = Check\npython_functions = check_*\n", [12]),
    ],
)
def test_collected_classes_and_functions_follow_the_config(
    tmp_path: Path, ini: str, reported: List[int]
) -> None:
    lay_out(tmp_path, {"pytest.ini": "[pytest]\n" + ini, "test_service.py": NAMED_CLASSES_TEST})
    lines = [line for _, line, _ in findings(tmp_path, NOT_RUN_CODES)]
    assert lines == reported


def test_the_jupyter_suite_without_its_plugin_is_reported(tmp_path: Path) -> None:
    lay_out(tmp_path, {**JUPYTER_PLUGIN, "tests/conftest.py": ""})
    assert findings(tmp_path, NOT_RUN_CODES) == [("tests/test_client.py", 2, "ALP401")]


# -- unittest ------------------------------------------------------------------------------

UNITTEST_SUITE = {
    "setup.py": "from setuptools import setup\nsetup()\n",
    "tests/test_service.py": """
        import asyncio
        import unittest
        from unittest import IsolatedAsyncioTestCase


        class ServiceTest(unittest.IsolatedAsyncioTestCase):
            async def asyncSetUp(self):
                self.queue = asyncio.Queue()

            async def test_round_trip(self):
                await self.queue.put(1)
                self.assertEqual(await self.queue.get(), 1)

            def test_sync(self):
                self.assertTrue(self.queue.empty())


        class ImportedNameTest(IsolatedAsyncioTestCase):
            async def test_sleep(self):
                self.assertIsNone(await asyncio.sleep(0))
        """,
    "tests/test_base_class.py": """
        from tests.support import AsyncTestCase


        class ClientTest(AsyncTestCase):
            async def test_connect(self):
                await self.client.connect()
        """,
}


def test_unittest_async_suites_give_no_alp4_finding(tmp_path: Path) -> None:
    lay_out(tmp_path, UNITTEST_SUITE)
    codes = ("ALP401", "ALP402", "ALP403", "ALP404", "ALP405")
    assert findings(tmp_path, codes) == []


# -- conftest hooks and plugins -------------------------------------------------------------

HOOK_SUITE = {
    "pytest.ini": "[pytest]\n",
    "conftest.py": """
        import inspect

        import pytest


        def pytest_collection_modifyitems(items):
            for item in items:
                if inspect.iscoroutinefunction(getattr(item, "obj", None)):
                    item.add_marker(pytest.mark.asyncio)
        """,
    "tests/unit/test_sleep.py": """
        import asyncio

        import pytest


        @pytest.fixture
        async def delay():
            return 0


        async def test_sleep(delay):
            assert await asyncio.sleep(delay) is None
        """,
}

LOCAL_PLUGIN_SUITE = {
    "pytest.ini": "[pytest]\n",
    "conftest.py": 'pytest_plugins = ["tests.plugins.coroutines"]\n',
    "tests/__init__.py": "",
    "tests/plugins/__init__.py": "",
    "tests/plugins/coroutines.py": """
        import asyncio
        import inspect


        def pytest_pyfunc_call(pyfuncitem):
            if inspect.iscoroutinefunction(pyfuncitem.obj):
                names = pyfuncitem._fixtureinfo.argnames
                args = {name: pyfuncitem.funcargs[name] for name in names}
                asyncio.run(pyfuncitem.obj(**args))
                return True
        """,
    "tests/test_sleep.py": """
        import asyncio


        async def test_sleep():
            assert await asyncio.sleep(0) is None
        """,
}


@pytest.mark.parametrize(
    "files", [HOOK_SUITE, LOCAL_PLUGIN_SUITE], ids=["conftest-hook", "local-plugin"]
)
def test_hooks_that_run_coroutines_silence_401_and_402(files, tmp_path: Path) -> None:
    lay_out(tmp_path, files)
    assert findings(tmp_path, NOT_RUN_CODES) == []


# -- a strict-mode suite with real mistakes -------------------------------------------------

STRICT_SUITE = {
    "pytest.ini": "[pytest]\nasyncio_default_fixture_loop_scope = function\n",
    "tests/conftest.py": """
        import asyncio

        import pytest
        import pytest_asyncio

        # A conftest's pytestmark marks nothing: pytest reads it from test modules only.
        pytestmark = pytest.mark.asyncio


        @pytest_asyncio.fixture
        async def server():
            return ("127.0.0.1", 8080)


        @pytest.fixture
        async def connection(server):
            await asyncio.sleep(0)
            return server
        """,
    "tests/test_client.py": """
        import asyncio
        import unittest

        import pytest
        import pytest_asyncio


        async def test_connect(connection):
            assert connection


        @pytest.mark.asyncio
        async def test_send(connection):
            assert connection


        @pytest.mark.asyncio
        def test_parse():
            assert int("1") == 1


        @pytest.mark.asyncio
        async def test_stream(connection):
            yield connection


        @pytest_asyncio.fixture
        @pytest.mark.asyncio
        async def session(connection):
            return connection


        class LegacyTest(unittest.TestCase):
            async def test_legacy(self):
                await asyncio.sleep(0)
        """,
    "tests/test_marked_module.py": """
        import pytest

        pytestmark = pytest.mark.asyncio


        async def test_marked_by_module():
            pass


        def test_sync_under_module_mark():
            pass
        """,
    # A directory whose conftest runs coroutines itself: its tests are its own business.
    "tests/legacy/conftest.py": """
        def pytest_pycollect_makeitem(collector, name, obj):
            return None
        """,
    "tests/legacy/test_old.py": """
        import pytest


        @pytest.fixture
        async def old_fixture():
            return 1


        async def test_old(old_fixture):
            assert old_fixture == 1
        """,
}


def test_strict_suite_reports_exactly_its_mistakes(tmp_path: Path) -> None:
    lay_out(tmp_path, STRICT_SUITE)
    codes = ("ALP401", "ALP402", "ALP403", "ALP404", "ALP405", "ALP409", "ALP410")
    assert findings(tmp_path, codes) == [
        ("tests/conftest.py", 15, "ALP402"),
        ("tests/test_client.py", 8, "ALP401"),
        ("tests/test_client.py", 17, "ALP403"),
        ("tests/test_client.py", 23, "ALP404"),
        ("tests/test_client.py", 28, "ALP409"),
        ("tests/test_client.py", 34, "ALP405"),
        ("tests/test_marked_module.py", 10, "ALP403"),
    ]


# -- files pytest does not collect -----------------------------------------------------------

UNMARKED_ASYNC_TEST = """
    async def test_buffered_get():
        assert True
    """


@pytest.mark.parametrize(
    ("conftest", "reported"),
    [
        ("", ["tests/guest/async/test_wasi.py", "tests/test_skipped.py"]),
        # niquests' layout: modules run inside another interpreter, never by pytest
        ('collect_ignore_glob = ["guest/**/*.py"]\n', ["tests/test_skipped.py"]),
        ('collect_ignore = ["test_skipped.py", "guest"]\n', []),
        ('collect_ignore = []\ncollect_ignore.append("guest/async")\n', ["tests/test_skipped.py"]),
        # only where the tests run decides: still collected elsewhere
        (
            'import sys\ncollect_ignore = []\nif sys.platform == "win32":\n'
            '    collect_ignore.append("test_skipped.py")\n',
            ["tests/guest/async/test_wasi.py", "tests/test_skipped.py"],
        ),
    ],
)
def test_files_a_conftest_keeps_from_collection_are_not_test_code(
    tmp_path: Path, conftest: str, reported: List[str]
) -> None:
    lay_out(
        tmp_path,
        {
            "pytest.ini": "[pytest]\n",
            "tests/conftest.py": conftest,
            "tests/guest/async/test_wasi.py": UNMARKED_ASYNC_TEST,
            "tests/test_skipped.py": UNMARKED_ASYNC_TEST,
        },
    )
    assert sorted(path for path, _, _ in findings(tmp_path, NOT_RUN_CODES)) == reported


@pytest.mark.parametrize(
    ("pin", "reported"),
    [
        # aiohttp-csrf2: the plugin of pytest-aiohttp 0.x runs every coroutine test
        ("pytest-aiohttp==0.1.3", False),
        ("pytest-aiohttp<1", False),
        # from 1.0 pytest-asyncio runs them, in strict mode only when marked
        ("pytest-aiohttp>=1.0", True),
        ("pytest-aiohttp", True),
    ],
)
def test_alp401_is_silent_where_pytest_aiohttp_before_1_0_runs_the_tests(
    pin: str, reported: bool, tmp_path: Path
) -> None:
    root = lay_out(
        tmp_path,
        {
            "setup.cfg": "[tool:pytest]\naddopts = -q\n",
            "requirements_dev.txt": f"pytest==8.3.2\n{pin}\n",
            "tests/test_storage.py": UNMARKED_ASYNC_TEST,
        },
    )
    expected = [("tests/test_storage.py", 1, "ALP401")] if reported else []
    assert findings(root, NOT_RUN_CODES) == expected


def test_alp401_follows_a_runner_fixture_through_the_suite_s_own_fixtures(tmp_path: Path) -> None:
    # aiohttp-cors: pytest-aiohttp before 1.0 runs every coroutine test. A test that reaches
    # its ``loop`` fixture, directly or through fixtures of the suite, says that plugin is
    # there, and with it every unmarked test beside it runs too (ical).
    root = lay_out(
        tmp_path,
        {
            "setup.cfg": "[tool:pytest]\naddopts = -q\n",
            "tests/aio/conftest.py": """
                import pytest


                @pytest.fixture
                def server(loop):
                    return loop
            """,
            "tests/aio/test_server.py": """
                async def test_through_conftest(server):
                    pass


                async def test_alone():
                    pass
            """,
            "tests/mixed/test_mixed.py": """
                import pytest


                @pytest.fixture
                def client(loop):
                    return loop


                async def test_alone():
                    pass


                async def test_through_the_module(client):
                    pass
            """,
            "tests/plain/test_plain.py": """
                async def test_alone():
                    pass
            """,
        },
    )
    assert findings(root, NOT_RUN_CODES) == [("tests/plain/test_plain.py", 1, "ALP401")]


@pytest.mark.parametrize(
    ("files", "reported"),
    [
        # aioairq: pytest 8.1+ takes this pyproject.toml as its config file: strict mode
        (
            {
                "pyproject.toml": (
                    '[project]\nname = "demo"\n\n[project.optional-dependencies]\n'
                    'test = ["pytest", "pytest-asyncio"]\n'
                )
            },
            True,
        ),
        ({"pyproject.toml": '[project]\nname = "demo"\n', "requirements-dev.txt": "pytest\n"},
         True),
        # a package of a monorepo (g8-mcp-server, labmcp-micro-manager): nothing names
        # pytest, so its settings are kept elsewhere with the rest of the test setup
        ({"pyproject.toml": '[project]\nname = "demo"\n'}, False),
        # nothing in sight (an sdist without its pytest.ini): the mode is unknown
        ({}, False),
        ({"pyproject.toml": '[project]\nname = "demo"\n', "pytest.ini": "[pytest]\n"}, True),
        (
            {
                "pyproject.toml": '[project]\nname = "demo"\n',
                "../pytest.ini": "[pytest]\nasyncio_mode = auto\n",
            },
            False,
        ),
    ],
)
def test_alp401_reads_a_pyproject_without_a_pytest_table_as_the_defaults(
    tmp_path: Path, files: Dict[str, str], reported: bool
) -> None:
    project = tmp_path / "project"
    lay_out(
        project,
        {
            **files,
            "tests/test_queue.py": """
                async def test_round_trip():
                    pass
            """,
        },
    )
    expected = [("tests/test_queue.py", 1, "ALP401")] if reported else []
    assert findings(project, NOT_RUN_CODES) == expected


@pytest.mark.parametrize(
    ("requirements", "reported"),
    [
        # aiojobs: pytest-aiohttp 1.x leaves its fixtures' tests to pytest-asyncio
        ("pytest-aiohttp\n", True),
        ("pytest-aiohttp>=1.0.4\n", True),
        # before 1.0 the plugin ran every coroutine test itself
        ("pytest-aiohttp==0.3.0\n", False),
        ("pytest-aiohttp<1\n", False),
        # nothing says which: silent
        ("", False),
    ],
)
def test_alp401_on_pytest_aiohttp_fixtures_by_its_release(
    tmp_path: Path, requirements: str, reported: bool
) -> None:
    root = lay_out(
        tmp_path,
        {
            "pytest.ini": "[pytest]\n",
            "requirements-dev.txt": requirements,
            "tests/test_web.py": """
                async def test_hello(aiohttp_client):
                    pass
            """,
        },
    )
    expected = [("tests/test_web.py", 1, "ALP401")] if reported else []
    assert findings(root, NOT_RUN_CODES) == expected


@pytest.mark.parametrize(
    ("script", "reported"),
    [
        # ldf-framework: the module awaits its own tests when run as a script
        (
            """
            async def main():
                for test in [test_rest_api]:
                    await test()

            if __name__ == "__main__":
                asyncio.run(main())
            """,
            False,
        ),
        # socket-netty: a loop run at the module's top level awaits its tests
        (
            """
            async def main():
                await test_rest_api()

            asyncio.run(main())
            """,
            False,
        ),
        # a module-level run of something else: the test is not run by the module
        (
            """
            async def create_tables():
                pass

            asyncio.get_event_loop().run_until_complete(create_tables())
            """,
            True,
        ),
        # run through pytest itself: the mark is still missing
        (
            """
            if __name__ == "__main__":
                pytest.main([__file__])
            """,
            True,
        ),
        ("", True),
    ],
)
def test_alp401_is_silent_on_tests_a_script_runs_itself(
    tmp_path: Path, script: str, reported: bool
) -> None:
    test = "import asyncio\n\nimport pytest\n\n\nasync def test_rest_api():\n    pass\n"
    root = lay_out(
        tmp_path,
        {"pytest.ini": "[pytest]\n", "tests/test_api.py": test + textwrap.dedent(script)},
    )
    expected = [("tests/test_api.py", 6, "ALP401")] if reported else []
    assert findings(root, NOT_RUN_CODES) == expected


# A script named like a test module beside the suite (dot-inference's
# ``scripts/test_all_models.py``, run as ``python scripts/test_all_models.py``).
SCRIPT_LIKE_A_TEST = """
import asyncio

SEM = asyncio.Semaphore(6)


async def test_route(name):
    async with SEM:
        return name
"""


@pytest.mark.parametrize(
    ("config", "reported"),
    [
        ("[pytest]\ntestpaths = tests\n", ["tests/test_route.py"]),
        ("[pytest]\ntestpaths = tests scripts\n", ["scripts/test_route.py", "tests/test_route.py"]),
        ("[pytest]\ntestpaths = test*\n", ["tests/test_route.py"]),  # globbed as pytest does
        # no entry exists: pytest searches the whole directory, and so does the linter
        ("[pytest]\ntestpaths = missing\n", ["scripts/test_route.py", "tests/test_route.py"]),
        ("[pytest]\n", ["scripts/test_route.py", "tests/test_route.py"]),
    ],
)
def test_test_modules_outside_testpaths_are_scripts(
    tmp_path: Path, config: str, reported: List[str]
) -> None:
    root = lay_out(
        tmp_path,
        {
            "pytest.ini": config,
            "scripts/test_route.py": SCRIPT_LIKE_A_TEST,
            "tests/test_route.py": SCRIPT_LIKE_A_TEST,
        },
    )
    assert findings(root, ("ALP501",)) == [(path, 3, "ALP501") for path in reported]


def test_a_conftest_outside_testpaths_is_still_read_as_test_code(tmp_path: Path) -> None:
    # pytest loads the rootdir's conftest.py for the tests under ``tests/``.
    conftest = "import asyncio\n\nimport pytest\n\nLOCK = asyncio.Lock()\n"
    root = lay_out(
        tmp_path,
        {"pytest.ini": "[pytest]\ntestpaths = tests\n", "conftest.py": conftest, "tests/x.py": ""},
    )
    assert findings(root, ("ALP501",)) == [("conftest.py", 5, "ALP501")]


@pytest.mark.parametrize(
    ("files", "reported"),
    [
        # a checkout whose CI installs the test tools keeps its setup in sight
        (
            {
                "pyproject.toml": '[project]\nname = "demo"\n',
                ".github/workflows/test.yml": (
                    "steps:\n  - run: pip install pytest pytest-asyncio\n"
                ),
            },
            True,
        ),
        (
            {"pyproject.toml": '[project]\nname = "demo"\n', "Makefile": "test:\n\tpytest -x\n"},
            True,
        ),
        # a README that says to run pytest is no setup: a monorepo package ships its README
        ({"pyproject.toml": '[project]\nname = "demo"\n', "README.md": "Run `pytest`.\n"}, False),
    ],
)
def test_a_command_file_that_runs_pytest_keeps_the_setup_in_sight(
    tmp_path: Path, files: Dict[str, str], reported: bool
) -> None:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    for name, text in files.items():
        write(project / name, text)
    write(project / "tests" / "test_queue.py", "async def test_queue():\n    pass\n")
    clear_caches()
    expected = [("tests/test_queue.py", 1, "ALP401")] if reported else []
    assert findings(project, NOT_RUN_CODES) == expected


MARKED = "import pytest\n\n\n@pytest.mark.asyncio\nasync def test_{n}():\n    pass\n"
UNMARKED = "async def test_{n}():\n    pass\n"


@pytest.mark.parametrize(
    ("modules", "reported"),
    [
        # kolona's sdist: most async tests marked, the newest few not: forgotten marks
        ({"test_a.py": MARKED.format(n="a"), "test_b.py": MARKED.format(n="b")}, True),
        # a module's pytestmark marks its every test
        (
            {
                "test_a.py": "import pytest\n\npytestmark = pytest.mark.asyncio\n\n\n"
                + UNMARKED.format(n="a") + "\n\n" + UNMARKED.format(n="a2"),
            },
            True,
        ),
        # blacksheep's: few marked, most not: the suite runs in auto mode somewhere
        ({"test_a.py": UNMARKED.format(n="a"), "test_b.py": UNMARKED.format(n="b")}, False),
        # godoo-client's: every test marked, but an async fixture only auto mode runs
        (
            {
                "test_a.py": MARKED.format(n="a"),
                "test_b.py": MARKED.format(n="b"),
                "conftest.py": "import pytest\n\n\n@pytest.fixture\nasync def db():\n    pass\n",
            },
            False,
        ),
        # aioairq's: strict-mode fixtures as well, so the plain one is the mistake
        (
            {
                "test_a.py": MARKED.format(n="a"),
                "test_b.py": MARKED.format(n="b"),
                "conftest.py": (
                    "import pytest\nimport pytest_asyncio\n\n\n@pytest.fixture\n"
                    "async def db():\n    pass\n\n\n@pytest_asyncio.fixture\n"
                    "async def cache():\n    pass\n"
                ),
            },
            True,
        ),
    ],
)
def test_a_suite_without_its_setup_shows_its_mode_by_its_marks(
    tmp_path: Path, modules: Dict[str, str], reported: bool
) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "demo"\n')
    for name, text in modules.items():
        write(tmp_path / "tests" / name, text)
    write(tmp_path / "tests" / "test_new.py", UNMARKED.format(n="new"))
    clear_caches()
    found = [f for f in findings(tmp_path, NOT_RUN_CODES) if f[0] == "tests/test_new.py"]
    assert found == ([("tests/test_new.py", 1, "ALP401")] if reported else [])


@pytest.mark.parametrize(
    ("marked", "reported"),
    [
        # matterloop-runtime's sdist: pytest-asyncio declared, no mark anywhere: the
        # pytest.ini that sets auto mode was left out of the sdist
        (False, False),
        # one written for strict mode keeps its findings
        (True, True),
    ],
)
def test_an_unpacked_sdist_shows_its_mode_by_its_marks(
    tmp_path: Path, marked: bool, reported: bool
) -> None:
    write(tmp_path / "PKG-INFO", "Metadata-Version: 2.1\nName: demo\n")
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "demo"\n\n[dependency-groups]\ndev = ["pytest", "pytest-asyncio"]\n',
    )
    template = MARKED if marked else UNMARKED
    write(tmp_path / "tests" / "test_a.py", template.format(n="a"))
    write(tmp_path / "tests" / "test_b.py", template.format(n="b"))
    write(tmp_path / "tests" / "test_new.py", UNMARKED.format(n="new"))
    clear_caches()
    found = [f for f in findings(tmp_path, NOT_RUN_CODES) if f[0] == "tests/test_new.py"]
    assert found == ([("tests/test_new.py", 1, "ALP401")] if reported else [])


@pytest.mark.parametrize(
    ("requirements", "reported"),
    [
        # data-agent: aiomisc-pytest's plugin takes every coroutine test, beside
        # pytest-asyncio too (its unmarked test ran in strict mode, and failed with
        # -p no:aiomisc)
        ("pytest-asyncio==0.26.0\naiomisc-pytest\n", False),
        ("aiomisc-pytest\n", False),
        ("pytest-asyncio==0.26.0\n", True),
    ],
)
def test_alp401_where_aiomisc_pytest_takes_every_coroutine_test(
    tmp_path: Path, requirements: str, reported: bool
) -> None:
    root = lay_out(
        tmp_path,
        {
            "pytest.ini": "[pytest]\n",
            "requirements-dev.txt": requirements,
            "tests/test_connector.py": """
                import pytest


                @pytest.mark.asyncio
                async def test_marked():
                    pass


                async def test_read_period():
                    pass
            """,
        },
    )
    expected = [("tests/test_connector.py", 9, "ALP401")] if reported else []
    assert findings(root, NOT_RUN_CODES) == expected
