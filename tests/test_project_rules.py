"""The project-context rules (ALP202, ALP205, ALP206, ALP208) on whole little projects.

One project layout, with its pytest config in each of the four files pytest reads, two levels
of conftest.py and a test module that overrides a conftest fixture, is checked three ways:
the engine with the real project context, real flake8 (``--jobs 1`` and ``--jobs 2`` must
agree), and the standalone command, which alone reports ALP208 on the config file.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest
from support import ENGINE, check_path, parse_flake8, run_flake8, run_pytest_isolated

from flake8_asyncloop.context.discovery import clear_caches, context_for

CODES = ("ALP202", "ALP205", "ALP206", "ALP208")
Row = Tuple[str, int, int, str]  # (path relative to the project, line, 1-based column, code)

# The pytest config: a valid fixture loop scope, and an asyncio_mode pytest-asyncio rejects.
CONFIGS: Dict[str, str] = {
    "pytest.ini": (
        "[pytest]\nasyncio_mode = sometimes\nasyncio_default_fixture_loop_scope = function\n"
    ),
    "pyproject.toml": (
        '[project]\nname = "demo"\n\n[tool.pytest.ini_options]\nasyncio_mode = "sometimes"\n'
        'asyncio_default_fixture_loop_scope = "function"\n'
    ),
    "tox.ini": (
        "[tox]\nenv_list = py311\n\n[pytest]\nasyncio_mode = sometimes\n"
        "asyncio_default_fixture_loop_scope = function\n"
    ),
    "setup.cfg": (
        "[metadata]\nname = demo\n\n[tool:pytest]\nasyncio_mode = sometimes\n"
        "asyncio_default_fixture_loop_scope = function\n"
    ),
}

FILES: Dict[str, str] = {
    "tests/conftest.py": """
        import asyncio

        import httpx
        import pytest
        import pytest_asyncio


        @pytest.fixture(scope="session")
        def event_loop():
            loop = asyncio.new_event_loop()
            yield loop
            loop.close()


        @pytest_asyncio.fixture(scope="session", loop_scope="session")
        async def api():
            async with httpx.AsyncClient(base_url="http://localhost:8080") as client:
                yield client


        @pytest_asyncio.fixture(scope="module")
        async def settings():
            return {"retries": 3}
        """,
    "tests/api/conftest.py": """
        import asyncio

        import pytest


        @pytest.fixture
        def event_loop():
            loop = asyncio.new_event_loop()
            yield loop
            loop.close()
        """,
    "tests/api/test_users.py": """
        import pytest

        pytestmark = pytest.mark.asyncio


        async def test_list_users(api):
            assert (await api.get("/users")).status_code == 200


        @pytest.mark.asyncio(loop_scope="session")
        async def test_health(api, settings):
            assert (await api.get("/health")).status_code == 200
        """,
    "tests/api/test_override.py": """
        import pytest
        import pytest_asyncio


        @pytest_asyncio.fixture
        async def api():
            return {"base_url": "http://localhost:8080"}


        @pytest.mark.asyncio
        async def test_base_url(api):
            assert api["base_url"].startswith("http")
        """,
    "tests/test_top.py": """
        import asyncio

        import pytest


        @pytest.fixture(scope="module")
        def event_loop():
            loop = asyncio.new_event_loop()
            yield loop
            loop.close()


        class TestSession:
            pytestmark = pytest.mark.asyncio(loop_scope="session")

            async def test_ping(self, api):
                assert (await api.get("/ping")).status_code == 200
        """,
}

# What every layout gives, whatever file holds the config.
EXPECTED_IN_PYTHON: Set[Row] = {
    # the module-scoped override conflicts with the session-scoped one of tests/conftest.py
    ("tests/test_top.py", 7, 1, "ALP202"),
    # the function-scoped override of tests/api/conftest.py conflicts with the session one
    ("tests/api/conftest.py", 7, 1, "ALP202"),
    # module scope, function loop (asyncio_default_fixture_loop_scope = function)
    ("tests/conftest.py", 21, 2, "ALP205"),
    # the session loop's httpx client, used by a test on a function loop (module pytestmark)
    ("tests/api/test_users.py", 6, 27, "ALP206"),
}


def lay_out(root: Path, config_name: str) -> None:
    (root / config_name).write_text(CONFIGS[config_name], encoding="utf-8")
    for relative, text in FILES.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def python_files(root: Path) -> List[Path]:
    return sorted(root.rglob("*.py"))


def config_row(config_name: str) -> Row:
    """ALP208 at the invalid asyncio_mode line of the config file."""
    lines = CONFIGS[config_name].splitlines()
    line = next(number for number, text in enumerate(lines, 1) if text.startswith("asyncio_mode"))
    return (config_name, line, 1, "ALP208")


@pytest.fixture(params=sorted(CONFIGS))
def project(request, tmp_path: Path) -> Tuple[Path, str]:
    clear_caches()
    lay_out(tmp_path, request.param)
    return tmp_path, request.param


def _relative(root: Path, path: str) -> str:
    return os.path.relpath(os.path.join(root, path), root).replace(os.sep, "/")


def test_through_the_engine(project) -> None:
    root, _ = project
    found: Set[Row] = set()
    for path in python_files(root):
        tree = ast.parse(path.read_text())
        findings, errors = ENGINE.check(tree, str(path), context_for(str(path)))
        assert not errors, errors
        shown = _relative(root, str(path))
        found |= {(shown, f.line, f.col + 1, f.code) for f in findings if f.code in CODES}
    assert found == EXPECTED_IN_PYTHON


def test_messages_name_the_other_places(project) -> None:
    root, _ = project
    messages = {}
    for path in python_files(root):
        findings, _ = ENGINE.check(ast.parse(path.read_text()), str(path), context_for(str(path)))
        for f in findings:
            if f.code in CODES:
                messages[(_relative(root, str(path)), f.code)] = f.message
    assert '../conftest.py:9 ("session")' in messages[("tests/api/conftest.py", "ALP202")]
    assert 'conftest.py:9 ("session")' in messages[("tests/test_top.py", "ALP202")]
    assert "(../conftest.py:16)" in messages[("tests/api/test_users.py", "ALP206")]
    assert 'loop_scope="session"' in messages[("tests/api/test_users.py", "ALP206")]
    assert 'add loop_scope="module"' in messages[("tests/conftest.py", "ALP205")]


def _flake8_rows(root: Path, jobs: str) -> List[Row]:
    result = run_flake8(
        [Path(".")], "--isolated", f"--select={','.join(CODES)}", "--jobs", jobs, cwd=root
    )
    assert result.returncode in (0, 1), result.stderr
    rows = parse_flake8(result.stdout)
    return sorted((_relative(root, p), line, col, code) for p, line, col, code in rows)


def test_through_flake8_with_one_and_two_jobs(project) -> None:
    root, _ = project
    one = _flake8_rows(root, "1")
    two = _flake8_rows(root, "2")
    assert one == two
    assert set(one) == EXPECTED_IN_PYTHON  # flake8 only sees Python files: no ALP208


def test_through_the_standalone_command(project) -> None:
    root, config_name = project
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(
        [
            sys.executable, "-m", "flake8_asyncloop", "check",
            "--isolated", f"--select={','.join(CODES)}", ".",
        ],
        cwd=root, capture_output=True, text=True, env=env, timeout=120,
    )
    assert result.returncode == 1, result.stderr
    rows = set()
    for line in result.stdout.splitlines():
        path, row, col, rest = line.split(":", 3)
        rows.add((_relative(root, path), int(row), int(col), rest.split()[0]))
    assert rows == EXPECTED_IN_PYTHON | {config_row(config_name)}
    # The config file is reported once, though four test files use it.
    assert sum(1 for line in result.stdout.splitlines() if "ALP208" in line) == 1


# -- a project that blocks pytest-asyncio ------------------------------------------------------

BLOCKED_TEST = """\
import asyncio


async def test_not_marked(event_loop):
    loop = asyncio.get_event_loop()
    assert loop is event_loop
"""


def blocked_test_rows(root: Path) -> Set[Row]:
    """The standalone command's findings once ``BLOCKED_TEST`` is written under ``root``."""
    (root / "tests").mkdir()
    (root / "tests" / "test_it.py").write_text(BLOCKED_TEST)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(
        [sys.executable, "-m", "flake8_asyncloop", "check", "--isolated", "--select=ALP", "."],
        cwd=root, capture_output=True, text=True, env=env, timeout=120,
    )
    assert result.returncode == 1, result.stderr
    rows = set()
    for line in result.stdout.splitlines():
        if ": ALP" in line:
            path, row, col, rest = line.split(":", 3)
            rows.add((_relative(root, path), int(row), int(col), rest.split()[0]))
    return rows


@pytest.mark.parametrize(
    ("addopts", "expected"),
    [
        # pytest-asyncio runs: its rules report, the config file's invalid mode too
        ("-p no:cacheprovider", {
            ("pyproject.toml", 3, 1, "ALP208"),
            ("tests/test_it.py", 4, 1, "ALP401"),
            ("tests/test_it.py", 4, 27, "ALP203"),
            ("tests/test_it.py", 5, 12, "ALP104"),
        }),
        # another plugin runs the async tests: only what holds under any runner is left
        ("-p no:asyncio", {("tests/test_it.py", 5, 12, "ALP104")}),
        ("-pno:asyncio -v", {("tests/test_it.py", 5, 12, "ALP104")}),
        ("-p no:pytest_asyncio", {("tests/test_it.py", 5, 12, "ALP104")}),
    ],
)
def test_rules_about_pytest_asyncio_are_silent_where_it_is_blocked(
    tmp_path: Path, addopts: str, expected: Set[Row]
) -> None:
    clear_caches()
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.pytest.ini_options]\naddopts = "{addopts}"\nasyncio_mode = "sometimes"\n'
    )
    assert blocked_test_rows(tmp_path) == expected


@pytest.mark.parametrize(
    ("directory", "text", "reported"),
    [
        # a config broken by hand: pytest stops on it, ALP208 says so
        (".", '[tool.pytest.ini_options]\nasyncio_mode = "auto\n', True),
        # ovinnik's cookiecutter template: Jinja markup, TOML only once rendered
        (".", '[tool.pytest.ini_options]\n{%- if cookiecutter.auto %}\nasyncio_mode = "auto"\n'
              "{%- endif %}\n", False),
        # fastapi-builder's: the markup is in the template directory's name
        ("{{ cookiecutter.folder_name }}", '[tool.pytest.ini_options]\nasyncio_mode = auto\n',
         False),
    ],
)
def test_a_config_pytest_cannot_parse_leaves_the_mode_unknown(
    tmp_path: Path, directory: str, text: str, reported: bool
) -> None:
    """What only strict mode gets wrong is not said under a config pytest cannot read;
    ALP208 reports the file, unless it is a project template's, never read as it is."""
    clear_caches()
    root = tmp_path / directory
    root.mkdir(exist_ok=True)
    (root / "pyproject.toml").write_text(text)
    expected = {
        ("tests/test_it.py", 4, 27, "ALP203"),
        ("tests/test_it.py", 5, 12, "ALP104"),
    }
    if reported:
        expected.add(("pyproject.toml", 2, 1, "ALP208"))
    assert blocked_test_rows(root) == expected


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        # fastapi-fabric-audit's sdist: a uv workspace member without its workspace root
        ('[tool.uv.sources]\ncore = { workspace = true }\n', {
            ("tests/test_it.py", 4, 27, "ALP203"),
            ("tests/test_it.py", 5, 12, "ALP104"),
        }),
        # crawl4ai's: the project names itself, for its dev group; it is the root
        ('[tool.uv.sources]\nMember = { workspace = true }\n', {
            ("tests/test_it.py", 4, 1, "ALP401"),
            ("tests/test_it.py", 4, 27, "ALP203"),
            ("tests/test_it.py", 5, 12, "ALP104"),
        }),
        # the workspace's root
        (
            '[tool.uv.workspace]\nmembers = ["core"]\n\n[tool.uv.sources]\n'
            'core = { workspace = true }\n',
            {
                ("tests/test_it.py", 4, 1, "ALP401"),
                ("tests/test_it.py", 4, 27, "ALP203"),
                ("tests/test_it.py", 5, 12, "ALP104"),
            },
        ),
        # a source of another kind: the pyproject.toml is the config, with the defaults
        ('[tool.uv.sources]\ncore = { path = "../core" }\n', {
            ("tests/test_it.py", 4, 1, "ALP401"),
            ("tests/test_it.py", 4, 27, "ALP203"),
            ("tests/test_it.py", 5, 12, "ALP104"),
        }),
    ],
)
def test_a_workspace_member_out_of_its_workspace_leaves_the_mode_unknown(
    tmp_path: Path, sources: str, expected: Set[Row]
) -> None:
    clear_caches()
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "member"\ndependencies = ["core", "pytest-asyncio"]\n\n' + sources
    )
    assert blocked_test_rows(tmp_path) == expected


# -- a project that declares another runner ------------------------------------------------------

PYTEST_ASYNCIO_RUNS = {
    ("setup.cfg", 2, 1, "ALP208"),
    ("tests/test_it.py", 4, 1, "ALP401"),
    ("tests/test_it.py", 4, 27, "ALP203"),
    ("tests/test_it.py", 5, 12, "ALP104"),
}
HELD_BY_ANY_RUNNER = {("tests/test_it.py", 5, 12, "ALP104")}


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # aiomisc's own layout: its plugin, no pytest-asyncio anywhere
        ({"pyproject.toml": '[dependency-groups]\ndev = ["aiomisc-pytest>=2.0", "pytest"]\n'},
         HELD_BY_ANY_RUNNER),
        ({"requirements-dev.txt": "pytest\naiomisc_pytest==1.2\n"}, HELD_BY_ANY_RUNNER),
        ({"requirements/test.in": "pytest-aio\n"}, HELD_BY_ANY_RUNNER),
        # jupyter_client's: pytest-jupyter runs its coroutine tests
        ({"pyproject.toml": '[project.optional-dependencies]\ntest = ["pytest-jupyter[client]"]\n'},
         HELD_BY_ANY_RUNNER),
        # sanic's: pytest-sanic runs coroutine tests and gives every test a current loop
        ({"setup.py": 'tests_require = ["pytest-sanic", "pytest-benchmark"]\n'},
         HELD_BY_ANY_RUNNER),
        # both named: pytest-asyncio is there and runs the marked tests, but aiomisc's plugin
        # takes every coroutine test it leaves, the unmarked ones too (data-agent)
        (
            {"requirements-dev.txt": "aiomisc-pytest\npytest-asyncio\n"},
            PYTEST_ASYNCIO_RUNS - {("tests/test_it.py", 4, 1, "ALP401")},
        ),
        ({"setup.py": 'extras_require={"test": ["pytest_asyncio", "pytest-trio"]}\n'},
         PYTEST_ASYNCIO_RUNS),
        # a plugin whose name only starts like one of them does not count
        ({"requirements-dev.txt": "pytest-aiohttp\npytest-aio-extras\n"}, PYTEST_ASYNCIO_RUNS),
        # no dependency file at all: pytest-asyncio may well be installed
        ({}, PYTEST_ASYNCIO_RUNS),
    ],
)
def test_rules_about_pytest_asyncio_are_silent_where_another_runner_is_declared(
    tmp_path: Path, files: Dict[str, str], expected: Set[Row]
) -> None:
    clear_caches()
    (tmp_path / "setup.cfg").write_text("[tool:pytest]\nasyncio_mode = sometimes\n")
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    assert blocked_test_rows(tmp_path) == expected


# -- ALP206: what an async generator fixture yields ---------------------------------------------

YIELDED_TUPLE = '''\
import asyncio

import pytest
import pytest_asyncio


class Executor:
    async def __aenter__(self):
        self.loop = asyncio.get_running_loop()
        return self

    async def __aexit__(self, *exc_info):
        pass

    async def run(self):
        assert self.loop is asyncio.get_running_loop()


@pytest_asyncio.fixture(scope="module")
async def executor_and_workdir():
    async with Executor() as executor:
        yield executor, "workdir"


@pytest_asyncio.fixture(scope="module")
async def workdir():
    async with Executor():
        yield "workdir"


@pytest.mark.asyncio
async def test_runs(executor_and_workdir, workdir):
    executor, _ = executor_and_workdir
    await executor.run()
'''


def test_alp206_follows_what_its_async_set_up_made_into_a_yielded_tuple(tmp_path: Path) -> None:
    # pytest 9.2, pytest-asyncio 1.5: the test runs on its function's loop, not the
    # module's loop the executor was made on, and the assertion fails.
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = module\n")
    module = tmp_path / "test_executor.py"
    module.write_text(YIELDED_TUPLE)
    clear_caches()
    assert [row for row in check_path(module) if row[2] == "ALP206"] == [(32, 21, "ALP206")]


SET_UP_BY_ITS_METHODS = '''\
import asyncio

import pytest
import pytest_asyncio


class Bot:
    async def login(self):
        self.loop = asyncio.get_running_loop()

    def name(self):
        return "bot"

    async def greet(self):
        assert self.loop is asyncio.get_running_loop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot():
    bot = Bot()
    await bot.login()
    yield bot


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def named():
    bot = Bot()
    yield bot.name()
    await bot.login()


@pytest.mark.asyncio
async def test_logged_in(bot, named):
    await bot.greet()
'''


def test_alp206_takes_an_object_whose_methods_were_awaited_as_set_up_by_async_code(
    tmp_path: Path,
) -> None:
    # pytest 9.2, pytest-asyncio 1.5: the bot logged in on the module's loop; the test runs
    # on its own. What a fixture yields before awaiting anything is plain.
    ini = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
    (tmp_path / "pytest.ini").write_text(ini)
    module = tmp_path / "test_bot.py"
    module.write_text(SET_UP_BY_ITS_METHODS)
    clear_caches()
    assert [row for row in check_path(module) if row[2] == "ALP206"] == [(33, 26, "ALP206")]


FETCHED_THROUGH_A_FIXTURE = '''\
import asyncio

import pytest
import pytest_asyncio


class Client:
    async def open(self):
        self.loop = asyncio.get_running_loop()

    async def create_space(self, name):
        assert asyncio.get_running_loop() is self.loop
        return {"id": 7, "name": name}


@pytest_asyncio.fixture(scope="module")
async def client():
    client = Client()
    await client.open()
    yield client


@pytest_asyncio.fixture(scope="module")
async def space(client):
    space = await client.create_space("tests")
    yield space


async def open_client():
    client = Client()
    await client.open()
    return client


@pytest_asyncio.fixture(scope="module")
async def own_client():
    yield await open_client()


@pytest.mark.asyncio
async def test_space(space, own_client):
    assert space["id"] == 7
    assert own_client.loop is not None
    await asyncio.sleep(0, own_client)
'''


def test_alp206_leaves_alone_what_a_requested_fixture_gave(tmp_path: Path) -> None:
    # clickup-async: ``space`` is data a method of the ``client`` fixture returned; the
    # client is what is bound to the module's loop, reported where a test requests it.
    # What the fixture's own awaited call made still counts (``own_client``, line 41).
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = module\n"
    )
    module = tmp_path / "test_space.py"
    module.write_text(FETCHED_THROUGH_A_FIXTURE)
    clear_caches()
    assert [row for row in check_path(module) if row[2] == "ALP206"] == [(41, 29, "ALP206")]
    result = run_pytest_isolated(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


ENGINE_AND_SESSION = '''\
import asyncio

import pytest_asyncio


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine():
    engine = asyncio.Future()
    yield engine


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def settings():
    yield {"url": "postgres://"}


@pytest_asyncio.fixture{session_decorator}
async def session(engine, settings):
    yield await engine


@pytest_asyncio.fixture
async def handed_on(engine, settings):
    url = settings["url"]
    await asyncio.sleep(0)
    yield engine, url
'''

OVERRIDE = '''\
import pytest_asyncio


@pytest_asyncio.fixture
async def engine(engine):
    yield engine
'''


@pytest.mark.parametrize(
    ("session_decorator", "expected"),
    [
        # the function-scoped session awaits on its own loop what the session's loop owns;
        # ``handed_on`` awaits nothing of the engine's, and gives it to the test as it is
        ("", [(18, 19)]),
        ('(loop_scope="session")', []),
        # a scope computed at run time: the loop is not known
        ("(loop_scope=LOOP_SCOPE)", []),
    ],
)
def test_alp206_follows_a_loop_bound_fixture_into_an_async_fixture_on_another_loop(
    tmp_path: Path, session_decorator: str, expected: List[Tuple[int, int]]
) -> None:
    ini = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
    (tmp_path / "pytest.ini").write_text(ini)
    conftest = tmp_path / "conftest.py"
    conftest.write_text(ENGINE_AND_SESSION.replace("{session_decorator}", session_decorator))
    # A module's ``engine`` that requests the conftest's by its own name: pytest gives it
    # the outer definition, which the lookup from the module would not find.
    module = tmp_path / "test_engine.py"
    module.write_text(OVERRIDE)
    clear_caches()
    found = [(line, col) for line, col, code in check_path(conftest) if code == "ALP206"]
    assert found == expected
    assert [row for row in check_path(module) if row[2] == "ALP206"] == []


WRAPPED_ENGINE = '''\
import httpx
import pytest
import pytest_asyncio

from myapp import app
from myapp.db import Database


@pytest_asyncio.fixture(scope="module")
async def db():
    {body}


@pytest.mark.asyncio
async def test_insert(db):
    await db.execute("insert into posts values (1)")
'''


@pytest.mark.parametrize(
    ("body", "reported"),
    [
        # pyforge-framework: a wrapper on an aiosqlite URL, set up by awaiting its methods
        ('database = Database("sqlite+aiosqlite:///:memory:")\n'
         "    await database.create_all()\n    yield database", False),
        ('async with Database(f"sqlite+aiosqlite:///{1}") as database:\n'
         "        yield database", False),
        # any other URL: its connections belong to the loop that opened them
        ('database = Database("postgresql+asyncpg://db/test")\n'
         "    await database.create_all()\n    yield database", True),
        ('async with Database(url="postgresql+asyncpg://db/test") as database:\n'
         "        yield database", True),
        # fastapi-mongo-base: an in-process client keeps no connection
        ("async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as database:\n"
         "        yield database", False),
        ("async with httpx.AsyncClient(base_url='http://db') as database:\n"
         "        yield database", True),
    ],
)
def test_alp206_leaves_alone_a_value_bound_to_no_loop(
    tmp_path: Path, body: str, reported: bool
) -> None:
    ini = "[pytest]\nasyncio_default_fixture_loop_scope = module\n"
    (tmp_path / "pytest.ini").write_text(ini)
    module = tmp_path / "test_posts.py"
    source = WRAPPED_ENGINE.replace("{body}", body)
    module.write_text(source)
    test_line = source.splitlines().index("async def test_insert(db):") + 1
    clear_caches()
    found = [(line, col) for line, col, code in check_path(module) if code == "ALP206"]
    assert found == ([(test_line, 23)] if reported else [])


ENGINE_ON_A_NAMED_URL = '''\
import pytest_asyncio
from sqlalchemy.ext.asyncio import create_async_engine

DATABASE_URL = {url}


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine():
    engine = create_async_engine(DATABASE_URL)
    async with engine.begin() as conn:
        await conn.run_sync(print)
    yield engine
    await engine.dispose()
'''
USES_THE_ENGINE = '''\
import pytest


@pytest.mark.asyncio
async def test_insert(engine):
    await engine.dispose()
'''


@pytest.mark.parametrize("where", ["conftest", "module"])
@pytest.mark.parametrize(
    ("url", "reported"),
    [
        # app-generator-cli's template: an in-memory aiosqlite URL named at module level
        ('"sqlite+aiosqlite:///:memory:"', False),
        ('f"sqlite+aiosqlite:///{__name__}.db"', False),
        ('"postgresql+asyncpg://db/test"', True),
    ],
)
def test_alp206_reads_a_url_named_at_module_level(
    tmp_path: Path, where: str, url: str, reported: bool
) -> None:
    ini = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
    (tmp_path / "pytest.ini").write_text(ini)
    engine = ENGINE_ON_A_NAMED_URL.replace("{url}", url)
    if where == "conftest":
        (tmp_path / "conftest.py").write_text(engine)
        source = USES_THE_ENGINE
    else:
        source = engine + "\n\n" + USES_THE_ENGINE
    module = tmp_path / "test_posts.py"
    module.write_text(source)
    test_line = source.splitlines().index("async def test_insert(engine):") + 1
    clear_caches()
    found = [(line, col) for line, col, code in check_path(module) if code == "ALP206"]
    assert found == ([(test_line, 23)] if reported else [])
