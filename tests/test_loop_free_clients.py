"""Engines and clients bound to no loop, wherever the fixture that builds them says so.

fastapi-async-sql's conftest builds its engine in a session-scoped sync fixture from a
``database_url`` fixture that returns an aiosqlite URL constant, and its ``client`` fixture
is an ``httpx.AsyncClient`` on an ``ASGITransport``, set up on the session loop and used by
tests on function loops. Such a suite passes under pytest-asyncio 1.3 with
``filterwarnings = error``: the aiosqlite engine answers on whichever loop awaits it, and an
ASGI transport runs the app in the test's own task, with no connection to keep. A client on
a real network transport is still reported.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import List, Optional

import pytest
from support import check_path, write

from flake8_asyncloop.analysis.loop_bound import opens_aiosqlite
from flake8_asyncloop.analysis.named_values import named_value
from flake8_asyncloop.context.discovery import clear_caches
from flake8_asyncloop.context.model import ProjectContext
from flake8_asyncloop.engine import FileState
from flake8_asyncloop.options import Options

ENGINE_CONFTEST = """\
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

DATABASE_URL = {url}


@pytest.fixture(scope="session")
def database_url():
    return DATABASE_URL


@pytest.fixture(scope="session")
def engine({params}):
    return create_async_engine({argument})
"""


@pytest.mark.parametrize(
    ("url", "params", "argument", "reported"),
    [
        ('"sqlite+aiosqlite:///:memory:"', "database_url", "database_url", []),
        ('"sqlite+aiosqlite:///:memory:"', "", "DATABASE_URL", []),
        ('"postgresql+asyncpg://db/test"', "database_url", "database_url", [14]),
        ('"postgresql+asyncpg://db/test"', "", "DATABASE_URL", [14]),
        # a parameter no fixture of the module answers for: not known
        ('"sqlite+aiosqlite:///:memory:"', "url", "url", [14]),
    ],
)
def test_alp502_follows_the_url_through_a_constant_or_a_fixture(
    tmp_path: Path, url: str, params: str, argument: str, reported: List[int]
) -> None:
    source = ENGINE_CONFTEST.format(url=url, params=params, argument=argument)
    path = write(tmp_path / "conftest.py", source)
    clear_caches()
    assert [line for line, _, code in check_path(path) if code == "ALP502"] == reported


NAMES = """\
import pytest

URL = "sqlite+aiosqlite://"
TWICE = "a"
TWICE = "b"


@pytest.fixture
def url():
    return URL


def helper(url):
    local = "local"
    return url


@pytest.fixture
def engine(url):
    return url


def test_engine(url, unknown):
    pass
"""


@pytest.mark.parametrize(
    ("name", "where", "value"),
    [
        ("URL", None, "sqlite+aiosqlite://"),
        ("TWICE", None, None),  # bound twice: not known
        ("url", "engine", "sqlite+aiosqlite://"),  # a fixture's parameter: the fixture's value
        ("url", "test_engine", "sqlite+aiosqlite://"),
        ("unknown", "test_engine", None),  # no fixture of the module answers for it
        ("url", "helper", None),  # a plain function's parameter is whatever its callers pass
        ("local", "helper", "local"),
        ("URL", "helper", "sqlite+aiosqlite://"),
    ],
)
def test_what_a_name_stands_for(name: str, where: Optional[str], value: Optional[str]) -> None:
    tree = ast.parse(NAMES)
    file = FileState(tree, "conftest.py", ProjectContext(), Options())
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    function = functions[where] if where is not None else None
    found = named_value(ast.Name(id=name, ctx=ast.Load()), function, file)
    assert (found.value if isinstance(found, ast.Constant) else found) == value


def test_a_url_bound_twice_at_module_level_is_not_known(tmp_path: Path) -> None:
    source = ENGINE_CONFTEST.format(
        url='"sqlite+aiosqlite:///:memory:"\nDATABASE_URL = load_url()',
        params="",
        argument="DATABASE_URL",
    )
    path = write(tmp_path / "conftest.py", source)
    clear_caches()
    assert [line for line, _, code in check_path(path) if code == "ALP502"] == [15]


CLIENT_SUITE = """\
import httpx
import pytest
from fastapi import FastAPI
from httpx import ASGITransport

pytestmark = pytest.mark.asyncio


@pytest.fixture
def app():
    return FastAPI()


@pytest_asyncio.fixture(loop_scope="session")
async def client(app):
{body}


async def test_root(client):
    await client.get("/")
"""

CLIENT_BODIES = {
    "asgi": """\
    async with httpx.AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as c:
        yield c""",
    "asgi-named": """\
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c""",
    "app-keyword": """\
    async with httpx.AsyncClient(app=app, base_url="http://t") as c:
        yield c""",
    "mock": """\
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    async with httpx.AsyncClient(transport=transport) as c:
        yield c""",
    "network": """\
    async with httpx.AsyncClient(base_url="http://localhost:8000") as c:
        yield c""",
    "network-transport": """\
    transport = httpx.AsyncHTTPTransport(retries=2)
    async with httpx.AsyncClient(transport=transport) as c:
        yield c""",
}


@pytest.mark.parametrize(
    ("body", "reported"),
    [
        ("asgi", False),
        ("asgi-named", False),
        ("app-keyword", False),
        ("mock", False),
        ("network", True),
        ("network-transport", True),
    ],
)
@pytest.mark.parametrize("where", ["module", "conftest"])
def test_alp206_leaves_alone_a_client_on_an_in_process_transport(
    tmp_path: Path, body: str, reported: bool, where: str
) -> None:
    source = "import pytest_asyncio\n" + CLIENT_SUITE.format(body=CLIENT_BODIES[body])
    if where == "conftest":
        head, _, tests = source.partition("\n\nasync def test_root")
        write(tmp_path / "conftest.py", head.replace("pytestmark = pytest.mark.asyncio\n", ""))
        header = "import pytest\n\npytestmark = pytest.mark.asyncio\n\n\n"
        source = header + "async def test_root" + tests
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    path = write(tmp_path / "test_client.py", source)
    clear_caches()
    found = [code for _, _, code in check_path(path) if code == "ALP206"]
    assert found == (["ALP206"] if reported else [])


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ('create_async_engine("sqlite+aiosqlite:///:memory:")', True),
        ('Database(url=f"sqlite+aiosqlite:///{path}")', True),
        # arodonata: the suite's default, unless the environment names another database
        ('create_async_engine(os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///t.db"))', True),
        ('create_async_engine(os.getenv("DB", default="sqlite+aiosqlite://"))', True),
        ('create_async_engine(os.environ.get("DATABASE_URL", "postgresql+asyncpg://db"))', False),
        ('create_async_engine(os.environ["DATABASE_URL"])', False),
        ('create_async_engine("postgresql+asyncpg://db")', False),
        # the scheme written out, the path joined to it
        ('create_async_engine("sqlite+aiosqlite:///" + DB)', True),
        ('create_async_engine("sqlite+aiosqlite:///%s" % path)', True),
        ('create_async_engine("sqlite+aiosqlite:///{}".format(path))', True),
        ('create_async_engine("postgresql+asyncpg://" + host)', False),
        ('create_async_engine(scheme + "://db")', False),
        ('create_async_engine(format(url))', False),
        # a URL turned into an aiosqlite one (proxbox-api)
        ('create_async_engine(str(e.url).replace("sqlite:///", "sqlite+aiosqlite:///"))', True),
        ('create_async_engine(url.set(drivername="sqlite+aiosqlite"))', True),
        ('create_async_engine(str(e.url).replace("sqlite", "postgresql+asyncpg"))', False),
        ('create_async_engine(url.set(drivername="postgresql+asyncpg"))', False),
    ],
)
def test_an_aiosqlite_url(call: str, expected: bool) -> None:
    node = ast.parse(call, mode="eval").body
    assert isinstance(node, ast.Call)
    assert opens_aiosqlite(node) is expected
