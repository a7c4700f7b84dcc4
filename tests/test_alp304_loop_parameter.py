"""ALP304 leaves alone a sync fixture that runs its work on a loop fixture it takes as a
parameter, which the sync tests take too, also where it copies the parameter to a local
name first (pydgraph: ``loop = event_loop``). The client is built on the loop the tests run
it on; the run under real pytest shows it."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import check_path, run_pytest_isolated, write

SHARED_LOOP = '''\
import asyncio
from collections.abc import Generator

import pytest


class Client:
    """Loop-bound: a Queue and a Future made on the loop that builds it."""

    async def open(self):
        self.q = asyncio.Queue()
        self.fut = asyncio.get_running_loop().create_future()
        return self

    async def query(self):
        await self.q.put(1)
        return await self.q.get()

    async def close(self):
        self.fut.cancel()


@pytest.fixture(scope="module")
def my_loop() -> Generator[asyncio.AbstractEventLoop, None, None]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def client(my_loop):
    loop = my_loop

    async def setup():
        return await Client().open()

    c = loop.run_until_complete(setup())
    yield c
    loop.run_until_complete(c.close())


def test_query(my_loop, client):
    loop = my_loop
    assert loop.run_until_complete(client.query()) == 1
    # the client's future belongs to the loop the test runs on
    assert client.fut.get_loop() is loop


def test_query_again(my_loop, client):
    assert my_loop.run_until_complete(client.query()) == 1
'''


PARAMETER_ITSELF = (
    SHARED_LOOP.replace("    loop = my_loop\n\n    async def setup", "\n    async def setup")
    .replace("c = loop.run_until_complete", "c = my_loop.run_until_complete")
    .replace("    loop.run_until_complete(c.close())", "    my_loop.run_until_complete(c.close())")
)


@pytest.mark.parametrize(
    ("source", "reported"),
    [
        (SHARED_LOOP, []),
        # the parameter used as it is
        (PARAMETER_ITSELF, []),
        # a loop of the fixture's own: its client belongs to no test's loop
        (SHARED_LOOP.replace("    loop = my_loop\n", "    loop = asyncio.new_event_loop()\n"),
         [38, 40]),
    ],
)
def test_a_loop_parameter_copied_to_a_local_name(
    tmp_path: Path, source: str, reported: list
) -> None:
    path = write(tmp_path / "test_shape.py", source)
    assert [line for line, _, code in check_path(path) if code == "ALP304"] == reported


def test_the_shared_loop_serves_the_tests_under_pytest(tmp_path: Path) -> None:
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    write(tmp_path / "test_shape.py", SHARED_LOOP)
    result = run_pytest_isolated(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
