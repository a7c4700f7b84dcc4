"""ALP206's reading of "what its async set-up made": a value shared by tests (a wider-scoped
async generator fixture) counts as bound to the fixture's loop when a class made it
(``async with ClickUp(token) as client``), a call named for a connection did
(``connect()``, ``create_pool()``), or the fixture awaited one of its methods (``await
drive.connect()``). A helper of other words hands out plain set-up: optio-cursor's
``async with sshd_container(...) as info`` (a host and a port), httpx-mock's ``async with
httpx_mock(...) as transport``, 0din-prompt-toolkit's ``await SusFactorClassifier.new(...)``
(a loaded model). The tests of those pass under pytest-asyncio; shown here with a helper of
that kind, and with a class that keeps a future of its loop, whose test fails."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from support import check_path, run_pytest_isolated, write

SOURCE = """\
import asyncio
import contextlib

import pytest
import pytest_asyncio


class Client:
    async def __aenter__(self):
        self.done = asyncio.get_running_loop().create_future()
        return self

    async def __aexit__(self, *exc_info):
        return None

    def begin(self):
        return self

    async def launch(self):
        return self

    async def login(self):
        self.done = asyncio.get_running_loop().create_future()

    @classmethod
    async def new(cls):
        return cls()


@contextlib.asynccontextmanager
async def sshd_container():
    await asyncio.sleep(0)
    yield {{"host": "127.0.0.1", "port": 8022}}


connect = create_pool = sshd_container


@pytest_asyncio.fixture(scope="module")
async def value():
{body}


@pytest.mark.asyncio
async def test_uses_the_value(value):
    assert await asyncio.sleep(0, value)
"""


@pytest.mark.parametrize(
    ("body", "reported"),
    [
        ("    async with Client() as client:\n        yield client", [46]),
        ("    async with connect() as connection:\n        yield connection", [46]),
        ("    pool = await create_pool()\n    yield pool", [46]),
        ("    async with Client().begin() as connection:\n        yield connection", [46]),
        ("    browser = await Client().launch()\n    yield browser", [46]),
        ("    client = Client()\n    await client.login()\n    yield client", [47]),
        # a helper named for something else hands out plain set-up
        ("    async with sshd_container() as info:\n        yield info", []),
        ("    model = await Client.new()\n    yield model", []),
    ],
)
def test_what_async_set_up_made(tmp_path: Path, body: str, reported: List[int]) -> None:
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_mode = strict\n")
    path = write(tmp_path / "tests" / "test_value.py", SOURCE.format(body=body))
    assert [line for line, _, code in check_path(path) if code == "ALP206"] == reported


@pytest.mark.parametrize(
    ("body", "outcome"),
    [
        ("    async with sshd_container() as info:\n        yield info", "1 passed"),
        (
            "    async with Client() as client:\n        yield client",
            "attached to a different loop",
        ),
    ],
)
def test_under_pytest_asyncio(tmp_path: Path, body: str, outcome: str) -> None:
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_mode = strict\n"
          "asyncio_default_fixture_loop_scope = module\n")
    test = SOURCE.format(body=body).replace(
        "    assert await asyncio.sleep(0, value)\n", "    if isinstance(value, Client):\n"
        "        asyncio.get_running_loop().call_soon(value.done.set_result, 1)\n"
        "        await value.done\n    assert value\n"
    )
    write(tmp_path / "test_value.py", test)
    result = run_pytest_isolated(tmp_path, "-rf")
    assert outcome in result.stdout, result.stdout + result.stderr


TEST_USES = """\
import asyncio

import pytest
import pytest_asyncio


class Client:
    async def connect(self):
        self.done = asyncio.get_running_loop().create_future()

    def names(self):
        return ["a"]

    async def fetch(self):
        return 1


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client():
    client = Client()
    await client.connect()
    yield client


@pytest.mark.asyncio
async def test_uses_the_client(client):
{body}
"""


@pytest.mark.parametrize(
    ("body", "reported"),
    [
        # cuga: the test only calls sync getters on what the set-up loaded
        ("    assert client.names() == ['a']", False),
        ("    names = client.names()\n    await asyncio.sleep(0)\n    assert names", False),
        ("    names = client.names()\n    assert len(names) == 1 and any(names)", False),
        # awaited, handed on, or used from nested code: it meets the test's loop
        ("    assert await client.fetch() == 1", True),
        ("    fetch = client.fetch\n    assert await fetch() == 1", True),
        ("    await asyncio.create_task(asyncio.sleep(0, client))", True),
        ("    task = asyncio.ensure_future(asyncio.sleep(0, client))\n    await task", True),
        ("    names = client.names()\n    asyncio.get_running_loop().call_soon(id, names)", True),
        ("    async def use():\n        return await client.fetch()\n    await use()", True),
        # what a loop over it, or a with block on it, gives is the value's too
        ("    for fetch in [client.fetch]:\n        assert await fetch() == 1", True),
        ("    assert [await f() for f in [client.fetch]] == [1]", True),
        # google-cloud-firestore: an async comprehension over what the value gives
        ("    query = client.stream\n    assert [x async for x in query()] == []", True),
    ],
)
def test_a_test_that_only_reads_the_value_synchronously(
    tmp_path: Path, body: str, reported: bool
) -> None:
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_mode = strict\n")
    path = write(tmp_path / "tests" / "test_client.py", TEST_USES.format(body=body))
    found = [line for line, _, code in check_path(path) if code == "ALP206"]
    assert found == ([26] if reported else [])


FIXTURE_USES = """\
import asyncio

import pytest
import pytest_asyncio


class Client:
    async def connect(self):
        self.done = asyncio.get_running_loop().create_future()

    def names(self):
        return ["a"]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client():
    client = Client()
    await client.connect()
    yield client


@pytest_asyncio.fixture
async def first_name(client):
{body}


@pytest.mark.asyncio
async def test_uses_the_name(first_name):
    assert first_name == "a"
"""


@pytest.mark.parametrize(
    ("body", "reported"),
    [
        ("    done = client.done\n    await done\n    return client.names()[0]", True),
        # bound through a loop or a with block, as a test's reading follows them
        ("    for done in [client.done]:\n        await done\n    return client.names()[0]", True),
        ("    return [n for n in client.names()][0]", False),
        ("    await asyncio.sleep(0)\n    return client.names()[0]", False),
    ],
)
def test_a_fixture_that_awaits_what_it_binds_from_the_value(
    tmp_path: Path, body: str, reported: bool
) -> None:
    write(
        tmp_path / "pytest.ini",
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n",
    )
    path = write(tmp_path / "tests" / "test_client.py", FIXTURE_USES.format(body=body))
    found = [(line, column) for line, column, code in check_path(path) if code == "ALP206"]
    assert found == ([(23, 22)] if reported else [])
