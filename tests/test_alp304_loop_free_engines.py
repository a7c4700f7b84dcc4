"""ALP304 leaves alone a sync fixture's runs that reach only an engine bound to no loop: an
aiosqlite engine, or one with ``poolclass=NullPool`` (lazy-alchemy's conftest builds its
tables with ``asyncio.run`` and disposes of the engine the same way). Under pytest-asyncio
1.5 with SQLAlchemy 2.1, such a fixture serves async tests on their own loops, at function
and at session scope. ALP502 takes an aiosqlite URL written as an f-string the same way."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import check_path, write

TEMPLATE = """\
import asyncio

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.models import Base


@pytest.fixture
def async_engine({params}):
    engine = {engine}
    client = make_client()

    async def setup():
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        {more}

    asyncio.run(setup())
    yield engine
    asyncio.run(engine.dispose())


async def test_uses_the_engine(async_engine):
    await asyncio.sleep(0)
"""

AIOSQLITE = 'create_async_engine("sqlite+aiosqlite:///test.db")'


@pytest.mark.parametrize(
    "params, engine, more, reported",
    [
        ("", AIOSQLITE, "", []),
        ("tmp_path", 'create_async_engine(f"sqlite+aiosqlite:///{tmp_path}/t.db")', "", []),
        ("", 'create_async_engine("postgresql+asyncpg://db/test", poolclass=NullPool)', "", []),
        # a pool of connections, each bound to the loop that opened it
        ("", 'create_async_engine("postgresql+asyncpg://db/test")', "", [20, 22]),
        # the setup also reaches an object of another kind
        ("", AIOSQLITE, "await client.connect()", [20]),
        # an engine another fixture built: of any kind
        ("engine", "engine", "", [20, 22]),
        # a wrapper of the project's given an aiosqlite URL (fastapi-viewsets' adapter)
        (
            "",
            'Adapter(database_url="sqlite:///t.db", async_database_url="sqlite+aiosqlite:///t.db")',
            "",
            [],
        ),
        ("", 'Adapter(async_database_url="postgresql+asyncpg://db/test")', "", [20, 22]),
        ("", 'Adapter(database_url="sqlite:///t.db")', "", [20, 22]),
    ],
)
def test_runs_on_an_engine_bound_to_no_loop(
    params: str, engine: str, more: str, reported: list, tmp_path: Path
) -> None:
    source = TEMPLATE.format(params=params, engine=engine, more=more or "pass")
    path = write(tmp_path / "conftest.py", source)
    found = [line for line, _, code in check_path(path) if code == "ALP304"]
    assert found == reported


ALP502_SOURCE = """\
import pytest
from sqlalchemy.ext.asyncio import create_async_engine


@pytest.fixture(scope="session")
def engine(tmp_path_factory):
    path = tmp_path_factory.mktemp("db")
    return create_async_engine({url})


async def test_uses_the_engine(engine):
    pass
"""


@pytest.mark.parametrize(
    "url, reported",
    [
        ('f"sqlite+aiosqlite:///{path}/t.db"', []),
        ('"sqlite+aiosqlite:///t.db"', []),
        ('f"postgresql+asyncpg://db/{path.name}"', [8]),
    ],
)
def test_alp502_reads_an_aiosqlite_url_written_as_an_f_string(
    url: str, reported: list, tmp_path: Path
) -> None:
    path = write(tmp_path / "conftest.py", ALP502_SOURCE.format(url=url))
    found = [line for line, _, code in check_path(path) if code == "ALP502"]
    assert found == reported


URL_IN_THE_MODULE = """\
import asyncio

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from app.models import Base

URL = {url}


@pytest.fixture
def async_engine({params}):
    engine = create_async_engine(URL, echo=False)

    async def setup():
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)

    asyncio.run(setup())
    yield engine


async def test_uses_the_engine(async_engine):
    await asyncio.sleep(0)
"""


@pytest.mark.parametrize(
    "url, params, reported",
    [
        # fastapi-viewsets: the URL is a module-level f-string
        ('f"sqlite+aiosqlite:///{Base.__name__}.db"', "", []),
        ('"sqlite+aiosqlite:///:memory:"', "", []),
        ('"postgresql+asyncpg://db/test"', "", [19]),
        # a parameter of the same name is another fixture's value, of any kind
        ('"sqlite+aiosqlite:///:memory:"', "URL", [19]),
    ],
)
def test_an_aiosqlite_url_named_at_module_level(
    url: str, params: str, reported: list, tmp_path: Path
) -> None:
    source = URL_IN_THE_MODULE.format(url=url, params=params)
    path = write(tmp_path / "conftest.py", source)
    found = [line for line, _, code in check_path(path) if code == "ALP304"]
    assert found == reported
