"""ALP304 leaves alone, in any module, a fixture's ``asyncio.run(main(...))`` whose result
the fixture drops, of a self-contained ``main`` that gets plain data and reads no
module-level object a call made: a clean-up of a remote system after the tests
(evohome-async's conftest). It also leaves alone a run whose coroutine returns only what it
awaited from a resource it opened with ``async with`` (agent-comfy-ui-api-workflow). These
runs pass under pytest-asyncio (see the rule's examples); kept results, shared objects and
unannotated fixture values are still reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import check_path, needs_pytest_asyncio, run_pytest_isolated, write

TEMPLATE = """\
import asyncio

import pytest

ENGINE = make_engine()
LIMIT = 3


async def reset(*parts):
    await asyncio.sleep(0)
    return {reads}


@pytest.fixture(scope="session", autouse=True)
def tidy_up({params}):
    yield
    {statement}


async def test_uses_the_loop():
    await asyncio.sleep(0)
"""


@pytest.mark.parametrize(
    "params, statement, reads, reported",
    [
        ("", "asyncio.run(reset())", "LIMIT", False),
        ("", "asyncio.run(reset('host', 2, retries=LIMIT))", "parts", False),
        ("credentials: tuple[str, str]", "asyncio.run(reset(*credentials))", "parts", False),
        ("root: 'Path'", "asyncio.run(reset(root))", "parts", True),  # a string annotation
        ("root: Optional[Path]", "asyncio.run(reset(root))", "parts", False),
        ("host: str | None", "asyncio.run(reset(host))", "parts", False),
        ("tmp_path", "asyncio.run(reset(tmp_path))", "parts", False),  # pytest's own path
        # the result is kept in a local that goes nowhere: as good as dropped
        ("", "state = asyncio.run(reset())", "parts", False),
        # a fixture's value of unknown kind (an engine another fixture built)
        ("engine", "asyncio.run(reset(engine))", "parts", True),
        ("engine: AsyncEngine", "asyncio.run(reset(engine))", "parts", True),
        # an object the module made, used on the run's loop
        ("", "asyncio.run(reset())", "ENGINE", True),
    ],
)
def test_a_dropped_run_on_plain_data(
    params: str, statement: str, reads: str, reported: bool, tmp_path: Path
) -> None:
    source = TEMPLATE.format(params=params, statement=statement, reads=reads)
    path = write(tmp_path / "conftest.py", source)
    found = [(line, code) for line, _, code in check_path(path) if code == "ALP304"]
    assert found == ([(17, "ALP304")] if reported else [])


def test_a_run_of_a_nested_coroutine_is_still_reported(tmp_path: Path) -> None:
    source = """\
import asyncio

import pytest


@pytest.fixture
def engine(make_engine):
    engine = make_engine()
    yield engine

    async def drop():
        await engine.dispose()

    asyncio.run(drop())


async def test_uses_the_loop(engine):
    await asyncio.sleep(0)
"""
    path = write(tmp_path / "test_engine.py", source)
    assert [(line, code) for line, _, code in check_path(path) if code == "ALP304"] == [
        (14, "ALP304")
    ]


NESTED = """\
import asyncio

import pytest


@pytest.fixture
def db({params}):
    path = tmp_path / "agent.db"
    {local}

    async def seed():
        store = Store(path)
        async with Engine(store=store) as engine:
            await engine.run({reads})

    {statement}
    return path


async def test_reads_the_file(db):
    await asyncio.sleep(0)
"""


@pytest.mark.parametrize(
    "params, local, reads, statement, reported",
    [
        # autonomous-agent-algos: a database file seeded on a loop of the fixture's own
        ("tmp_path", "url = f'sqlite:///{path}'", "url", "asyncio.run(seed())", False),
        ("tmp_path, name: str", "pass", "name", "asyncio.run(seed())", False),
        # jfastframework: an f-string is text, whatever it interpolates
        ("tmp_path", "url = f'{os.environ.get(\"PG\")}/db'", "url", "asyncio.run(seed())", False),
        ("tmp_path", "url = f'{SERVER}/{path}'", "url", "asyncio.run(seed())", False),
        # the result is kept
        ("tmp_path", "pass", "path", "kept = asyncio.run(seed())", True),
        # a fixture value of unknown kind, or an object a call made, reached by the run
        ("tmp_path, server", "pass", "server", "asyncio.run(seed())", True),
        ("tmp_path", "client = make_client()", "client", "asyncio.run(seed())", True),
        ("tmp_path", "url = make_url(path)", "url", "asyncio.run(seed())", True),
    ],
)
def test_a_dropped_run_of_a_nested_coroutine(
    params: str, local: str, reads: str, statement: str, reported: bool, tmp_path: Path
) -> None:
    source = NESTED.format(params=params, local=local, reads=reads, statement=statement)
    path = write(tmp_path / "test_db.py", source)
    found = [(line, code) for line, _, code in check_path(path) if code == "ALP304"]
    assert found == ([(16, "ALP304")] if reported else [])


OWN_OBJECT = """\
import asyncio

import pytest


class Store:
    def __init__(self, path):
        self.path = path
        self.lock = asyncio.Lock()

    async def append(self, line):
        async with self.lock:
            await asyncio.sleep(0)
            with open(self.path, "a") as handle:
                handle.write(line + "\\n")


@pytest.fixture
def seeded(tmp_path):
    path = tmp_path / "log.txt"
    store = {made}
    for step in range(3):
        {statement}
    return {returned}


def test_reads_the_seeded_lines(seeded):
    assert seeded.read_text().splitlines() == ["0", "1", "2"]
{extra}"""


# A sync test that runs a loop with the fixture's value.
DRIVES = "\n\ndef test_appends_more(seeded):\n    asyncio.run(asyncio.sleep(0, seeded))\n"


@pytest.mark.parametrize(
    "made, statement, returned, extra, reported",
    [
        # flow-atelier: records seeded by a store of the fixture's own, tests all sync
        ("Store(path)", "asyncio.run(store.append(str(step)))", "path", "", False),
        ("Store(path)", "asyncio.run(store.append(str(step)))", "path", DRIVES, False),
        # the store itself goes to the tests, and a test runs a loop with what it got
        ("Store(path)", "asyncio.run(store.append(str(step)))", "store.path", DRIVES, True),
        # the result is kept
        ("Store(path)", "done = asyncio.run(store.append(str(step)))", "path", DRIVES, True),
        # made by a function, which may hand out a shared object
        ("make_store(path)", "asyncio.run(store.append(str(step)))", "path", DRIVES, True),
        # the store goes to the tests: a sync wrapper the linter cannot see may drive it
        ("make_store(path)", "asyncio.run(store.append(str(step)))", "store", "", True),
        # an async test in the module runs on a loop of pytest-asyncio's
        (
            "Store(path)",
            "asyncio.run(store.append(str(step)))",
            "path",
            "\n\nasync def test_sleeps():\n    await asyncio.sleep(0)\n",
            True,
        ),
    ],
)
def test_a_dropped_run_on_an_object_of_the_fixture_own(
    made: str, statement: str, returned: str, extra: str, reported: bool, tmp_path: Path
) -> None:
    source = OWN_OBJECT.format(made=made, statement=statement, returned=returned, extra=extra)
    path = write(tmp_path / "test_seeded.py", source)
    found = [(line, code) for line, _, code in check_path(path) if code == "ALP304"]
    assert found == ([(23, "ALP304")] if reported else [])


@needs_pytest_asyncio(1, 4)
def test_a_dropped_run_on_an_object_of_the_fixture_own_passes_under_pytest(
    tmp_path: Path,
) -> None:
    source = OWN_OBJECT.format(
        made="Store(path)",
        statement="asyncio.run(store.append(str(step)))",
        returned="path",
        extra="",
    )
    write(tmp_path / "test_seeded.py", source)
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_mode = auto\n"
          "asyncio_default_fixture_loop_scope = function\n")
    result = run_pytest_isolated(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


TEXT_ONLY = """\
import asyncio
import json

import pytest

SESSION = make_session()


async def login(base_url, user):
    await asyncio.sleep(0)
    return json.loads('{{"token": "t", "token_type": "Bearer"}}')


@pytest.fixture(scope="session")
def auth_headers({params}):
    user = "admin"
    payload = asyncio.run(login({arguments}))
    scheme = payload.get("token_type") or "Bearer"
    {statement}


async def test_reads_the_headers(auth_headers):
    await asyncio.sleep(0)
"""


@pytest.mark.parametrize(
    "params, arguments, statement, reported",
    [
        # querysource: a token fetched on a loop of the fixture's own, handed out as text
        (
            "live_server: str",
            "live_server, user",
            "return {'Authorization': f\"{scheme} {payload['token']}\"}",
            False,
        ),
        ("", "'http://test', user", "return f\"{scheme} {payload['token']}\"", False),
        ("", "'http://test', user", "yield [f'{scheme}', 'x']", False),
        # the run's own result goes to the tests
        ("", "'http://test', user", "return payload", True),
        ("", "'http://test', user", "return {'payload': payload}", True),
        # kept on an object the tests may reach
        ("request", "'http://test', user", "request.config.token = payload", True),
        # a fixture's value of unknown kind given to the run
        ("live_server", "live_server, user", "return f'{scheme}'", True),
        # an object the module made, given to the run
        ("", "SESSION, user", "return f'{scheme}'", True),
    ],
)
def test_a_run_whose_result_only_becomes_text(
    params: str, arguments: str, statement: str, reported: bool, tmp_path: Path
) -> None:
    source = TEXT_ONLY.format(params=params, arguments=arguments, statement=statement)
    path = write(tmp_path / "conftest.py", source)
    found = [(line, code) for line, _, code in check_path(path) if code == "ALP304"]
    assert found == ([(17, "ALP304")] if reported else [])


def test_a_run_whose_result_only_becomes_text_passes_under_pytest(tmp_path: Path) -> None:
    source = TEXT_ONLY.replace("SESSION = make_session()\n", "").format(
        params="",
        arguments="'http://test', user",
        statement="return {'Authorization': f\"{scheme} {payload['token']}\"}",
    )
    write(tmp_path / "conftest.py", source.split("\n\nasync def test_reads")[0] + "\n")
    write(
        tmp_path / "test_headers.py",
        "import asyncio\n\n\n"
        "async def test_first(auth_headers):\n"
        "    await asyncio.sleep(0)\n"
        "    assert auth_headers == {'Authorization': 'Bearer t'}\n\n\n"
        "async def test_second(auth_headers):\n"
        "    await asyncio.sleep(0)\n"
        "    assert auth_headers['Authorization'].startswith('Bearer')\n",
    )
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_mode = auto\n"
          "asyncio_default_fixture_loop_scope = function\n")
    result = run_pytest_isolated(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


RECORD = """\
import asyncio
from dataclasses import dataclass

import pytest


@dataclass
class Seed:
    schema: str
    {field}


async def create(seed):
    await asyncio.sleep(0)


@pytest.fixture(scope="session")
def seed():
    data = Seed(schema=f"live_{{len('x')}}")
    asyncio.run(create(data))
    yield data


async def test_uses_the_seed(seed):
    await asyncio.sleep(0)
"""


@pytest.mark.parametrize(
    "field, reported",
    [
        ("slugs: list[tuple[int, str]] = None", False),
        ("engine: AsyncEngine = None", True),
    ],
)
def test_a_dropped_run_given_a_record_of_plain_fields(
    field: str, reported: bool, tmp_path: Path
) -> None:
    path = write(tmp_path / "conftest.py", RECORD.format(field=field))
    found = [(line, code) for line, _, code in check_path(path) if code == "ALP304"]
    assert found == ([(20, "ALP304")] if reported else [])


TEXT_RESULT = """\
import asyncio

import pytest


async def main(name):
    await asyncio.sleep(0)
    {body}


def test_returns_the_result():
    return asyncio.run(main("x"))


@pytest.fixture
def greeting():
    return asyncio.run(main("x"))


async def test_uses_the_greeting(greeting):
    await asyncio.sleep(0)
"""


@pytest.mark.parametrize(
    "body, reported",
    [
        # covet: a test returns the text its coroutine made
        ("return f'Full integration: {name}'", []),
        ("if name:\n        return ['a', f'{name}']\n    return None", []),
        # an object made on the run's loop outlives it in the fixture; what the test
        # returns, pytest drops
        ("return Client(name)", [17]),
        ("return name", [17]),
    ],
)
def test_a_run_whose_coroutine_returns_only_text(
    body: str, reported: list, tmp_path: Path
) -> None:
    path = write(tmp_path / "test_text.py", TEXT_RESULT.format(body=body))
    found = [line for line, _, code in check_path(path) if code == "ALP304"]
    assert found == reported


KEPT_BY_A_TEST = """\
import asyncio

import pytest


async def connect():
    await asyncio.sleep(0)
    return asyncio.Event()


{test}
"""


@pytest.mark.parametrize(
    "test, reported",
    [
        # pywssocks: the sync test hands its run's result to pytest, which drops it
        ("def test_connects():\n    return asyncio.run(asyncio.wait_for(connect(), 30))", []),
        ("def test_connects():\n    event = asyncio.run(connect())\n    return event", []),
        # kept where the next test finds it
        (
            "def test_connects():\n    global EVENT\n    EVENT = asyncio.run(connect())",
            [13],
        ),
        (
            "class TestClient:\n    def setup_method(self):\n"
            "        self.event = asyncio.run(connect())\n\n"
            "    def test_connects(self):\n        assert self.event",
            [13],
        ),
    ],
)
def test_a_sync_test_that_returns_its_run(test: str, reported: list, tmp_path: Path) -> None:
    path = write(tmp_path / "test_kept.py", KEPT_BY_A_TEST.format(test=test))
    found = [line for line, _, code in check_path(path) if code == "ALP304"]
    assert found == reported


CLOSED_RESOURCE = """\
import asyncio

import pytest

POOL = make_pool()


class Catalog:
    async def __aenter__(self):
        self.lock = asyncio.Lock()
        return self

    async def __aexit__(self, *exc_info):
        return None

    async def models(self):
        async with self.lock:
            return {{"sdxl": ["base", "refiner"]}}


@pytest.fixture(scope="module")
def models({params}):
    async def fetch():
        {body}

    return asyncio.run(fetch())


async def test_models(models):
    await asyncio.sleep(0)
    assert models["sdxl"] == ["base", "refiner"]
"""


@pytest.mark.parametrize(
    "params, body, reported",
    [
        # agent-comfy-ui-api-workflow: data fetched through a client the run opens and closes
        ("", "async with Catalog() as catalog:\n            return await catalog.models()",
         False),
        ("", "async with Catalog() as catalog:\n            found = await catalog.models()\n"
             "        return found", False),
        # pyzaptec: the name bound with an annotation
        ("", "async with Catalog() as catalog:\n            found: dict = await catalog.models()\n"
             "        return found", False),
        ("", "async with Catalog() as catalog:\n            return 'ready'", False),
        # the resource itself, or a value of unknown kind, goes to the tests
        ("", "async with Catalog() as catalog:\n            return catalog", True),
        ("", "catalog = Catalog()\n        return await catalog.models()", True),
        ("", "async with Catalog() as catalog:\n            found = await catalog.models()\n"
             "            found = catalog\n        return found", True),
        ("", "async with Catalog() as catalog:\n            found: dict = await catalog.models()\n"
             "            found = catalog\n        return found", True),
        # an object the fixture was given, or the module made, reaches the run
        ("client", "async with client as catalog:\n            return await catalog.models()",
         True),
        ("", "async with POOL.acquire() as catalog:\n            return await catalog.models()",
         True),
        # stored on an object that outlives the run
        ("", "async with Catalog() as catalog:\n            Catalog.last = catalog\n"
             "            return await catalog.models()", True),
    ],
)
def test_a_run_that_returns_what_it_fetched_through_a_closed_resource(
    params: str, body: str, reported: bool, tmp_path: Path
) -> None:
    source = CLOSED_RESOURCE.format(params=params, body=body)
    path = write(tmp_path / "test_catalog.py", source)
    run_line = source.splitlines().index("    return asyncio.run(fetch())") + 1
    found = [(line, code) for line, _, code in check_path(path) if code == "ALP304"]
    assert found == ([(run_line, "ALP304")] if reported else [])


def test_a_run_that_returns_what_it_fetched_passes_under_pytest(tmp_path: Path) -> None:
    source = CLOSED_RESOURCE.replace("POOL = make_pool()\n", "").format(
        params="",
        body="async with Catalog() as catalog:\n            return await catalog.models()",
    )
    write(tmp_path / "test_catalog.py", source + (
        "\n\nasync def test_models_again(models):\n"
        "    async with asyncio.Lock():\n"
        "        assert models['sdxl'][0] == 'base'\n"
    ))
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_mode = auto\n"
          "asyncio_default_fixture_loop_scope = function\n")
    result = run_pytest_isolated(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


RESETS_A_SHARED_OBJECT = """\
import asyncio

import pytest

from app import context, make_engine


@pytest.fixture(autouse=True)
def fresh_schema():
    async def setup():
        engine = make_engine()
        async with engine.begin() as connection:
            await connection.run_sync(print)
        await engine.dispose()
        {store}

    asyncio.run(setup())
    yield


async def test_uses_the_loop():
    await asyncio.sleep(0)
"""


@pytest.mark.parametrize(
    "store, reported",
    [
        # peaky-peek-server: the run resets what the app built lazily on a test's loop
        ("context.engine = None", []),
        ("context.retries: int = 3", []),
        # the run's own engine, kept on a shared object for the tests
        ("context.engine = engine", [17]),
        ("context.engines[0] = engine", [17]),
    ],
)
def test_a_run_that_resets_a_shared_object(store: str, reported: list, tmp_path: Path) -> None:
    path = write(tmp_path / "conftest.py", RESETS_A_SHARED_OBJECT.format(store=store))
    found = [line for line, _, code in check_path(path) if code == "ALP304"]
    assert found == reported


WORKLOAD = """\
import asyncio

ENGINE = make_engine()
STATUSES = ("new", "paid")


async def seed(dsn, iterations):
    {body}
"""

IMPORTING_CONFTEST = """\
import asyncio

import pytest
{module_import}

DSN = "postgresql://localhost/test"


@pytest.fixture(scope="session")
def testbed():
    {fixture_import}
    asyncio.run(seed(DSN, iterations=120))
    return DSN
"""


@pytest.mark.parametrize(
    ("body", "module_import", "fixture_import", "reported"),
    [
        # pgverdict's testbed: a seeding run of the project's own coroutine, imported
        ("await asyncio.sleep(0, STATUSES)", "", "from app.workload import seed", False),
        ("await asyncio.sleep(0, STATUSES)", "from app.workload import seed", "pass", False),
        # the coroutine reads its module's engine: the engine meets the tests' loop later
        ("await ENGINE.connect(dsn)", "", "from app.workload import seed", True),
        # it stores what it made on an object it did not make
        ("asyncio.shared = await asyncio.sleep(0, dsn)", "", "from app.workload import seed",
         True),
        # a name the project module does not define as an async def of its own
        ("await asyncio.sleep(0)", "", "from app.missing import seed", True),
    ],
)
def test_a_dropped_run_of_an_imported_project_coroutine(
    tmp_path: Path, body: str, module_import: str, fixture_import: str, reported: bool
) -> None:
    write(tmp_path / "pytest.ini", "[pytest]\n")
    write(tmp_path / "app" / "__init__.py", "")
    write(tmp_path / "app" / "workload.py", WORKLOAD.format(body=body))
    conftest = write(
        tmp_path / "tests" / "conftest.py",
        IMPORTING_CONFTEST.format(module_import=module_import, fixture_import=fixture_import),
    )
    expected = [(12, 5, "ALP304")] if reported else []
    assert check_path(conftest) == expected


def test_a_decorated_imported_coroutine_is_still_reported(tmp_path: Path) -> None:
    write(tmp_path / "pytest.ini", "[pytest]\n")
    write(tmp_path / "app" / "__init__.py", "")
    write(
        tmp_path / "app" / "workload.py",
        WORKLOAD.format(body="await asyncio.sleep(0)").replace(
            "async def seed", "@retrying\nasync def seed"
        ),
    )
    conftest = write(
        tmp_path / "tests" / "conftest.py",
        IMPORTING_CONFTEST.format(module_import="", fixture_import="from app.workload import seed"),
    )
    assert check_path(conftest) == [(12, 5, "ALP304")]


MCP_FIXTURE = """\
import asyncio

import pytest
from mcp.server.fastmcp import FastMCP

from app import server as module


@pytest.fixture
def tools():
    {setup}
    return {{t.name: t for t in {run}}}


async def test_calls_a_tool(tools):
    await tools["search"].fn("x")
"""


@pytest.mark.parametrize(
    ("setup", "run", "reported"),
    [
        # google-ecommerce-mcp, google-workspace-unlimited: what a FastMCP server registered
        ("pass", "asyncio.run(module.mcp.list_tools())", False),
        ("server = FastMCP('t')", "asyncio.run(server.list_tools())", False),
        ("jira_mcp = module.jira", "asyncio.run(jira_mcp.get_tool('search'))", False),
        (
            "loop = asyncio.new_event_loop()",
            "loop.run_until_complete(module.mcp.get_tools())",
            False,
        ),
        # a client's list_tools() talks over its session; a prompt runs the user's code
        ("pass", "asyncio.run(module.mcp_client.list_tools())", True),
        ("pass", "asyncio.run(module.mcp.get_prompt('greet'))", True),
        # medterm4ds: a server its factory named for one made
        ("server = module.create_mcp_server()", "asyncio.run(server.list_tools())", False),
        ("server = make_server()", "asyncio.run(server.list_tools())", True),
        ("server = create_mcp_client()", "asyncio.run(server.list_tools())", True),
        ("pass", "asyncio.run(module.mcp.list_tools(module.session))", True),
    ],
)
def test_a_run_that_reads_an_mcp_registry(
    tmp_path: Path, setup: str, run: str, reported: bool
) -> None:
    path = write(
        tmp_path / "tests" / "test_tools.py", MCP_FIXTURE.format(setup=setup, run=run)
    )
    found = [line for line, _, code in check_path(path) if code == "ALP304"]
    assert found == ([12] if reported else [])


MCP_NESTED_READS = """\
import asyncio

import pytest

from app.server import mcp, mcp_client


@pytest.fixture(scope="module")
def mcp_tools():
    async def get_tools():
{body}

    return asyncio.run(get_tools())


@pytest.mark.asyncio
async def test_lints(mcp_tools):
    assert await mcp_tools["lint"].run({{}})
"""


@pytest.mark.parametrize(
    ("body", "reported"),
    [
        # robotframework-robocop: every tool the server registered, read by name
        (
            "        tool_list = await mcp.list_tools()\n"
            "        return {t.name: await mcp.get_tool(t.name) for t in tool_list}",
            False,
        ),
        ("        return await mcp.get_tool('lint')", False),
        # anything else awaited, or a read given the fixture's own objects, is not a read
        (
            "        await mcp.list_tools()\n"
            "        return await mcp_client.call_tool('lint')",
            True,
        ),
        ("        return await mcp.get_tool(mcp_client.name)", True),
        (
            "        async with mcp_client:\n"
            "            return await mcp.list_tools()",
            True,
        ),
        ("        return [1]", True),
    ],
)
def test_a_nested_def_that_reads_an_mcp_registry(
    tmp_path: Path, body: str, reported: bool
) -> None:
    source = MCP_NESTED_READS.format(body=body)
    path = write(tmp_path / "tests" / "test_tools.py", source)
    run_line = source.splitlines().index("    return asyncio.run(get_tools())") + 1
    found = [line for line, _, code in check_path(path) if code == "ALP304"]
    assert found == ([run_line] if reported else [])
