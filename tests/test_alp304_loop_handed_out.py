"""ALP304 and a sync fixture that hands its own loop out inside an object (earthranger-
client's auth tests: ``ClientUnderTest(kind, loop)`` drives every call with
``loop.run_until_complete``, and the fixture closes the client on that loop at teardown).

The tests run their work on the loop the fixture made, so its runs on that loop meet no
other loop. An object made without the loop hands nothing of it out: still reported."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from support import check_path, run_pytest_isolated, write

SOURCE = """\
import asyncio

import pytest


class Client:
    def __init__(self):
        self.queue = None

    async def open(self):
        self.queue = asyncio.Queue()

    async def ping(self):
        await self.queue.put("ping")
        return await self.queue.get()

    async def close(self):
        self.queue = None


class Driver:
    def __init__(self, client, loop=None):
        self.client = client
        self.loop = loop or asyncio.new_event_loop()

    def call(self, method):
        return self.loop.run_until_complete(method())


@pytest.fixture
def driver():
    loop = asyncio.new_event_loop()
    client = Client()
    loop.run_until_complete(client.open())
{handed_out}
    loop.run_until_complete(client.close())
    loop.close()


def test_ping(driver):
    assert driver.call(driver.client.ping) == "ping"
"""


@pytest.mark.parametrize(
    ("handed_out", "reported"),
    [
        ("    yield Driver(client, loop)", []),
        ("    yield Driver(client, loop=loop)", []),
        ("    adapter = Driver(client, loop)\n    yield adapter", []),
        # the name rebound to an object made without the loop hands none out
        ("    adapter = Driver(client, loop)\n    adapter = Driver(client)\n    yield adapter",
         [34, 38]),
        ("    yield Driver(client)", [34, 36]),
    ],
)
def test_an_object_made_with_the_fixtures_loop(
    tmp_path: Path, handed_out: str, reported: List[int]
) -> None:
    path = write(tmp_path / "tests" / "test_driver.py", SOURCE.format(handed_out=handed_out))
    assert [line for line, _, code in check_path(path) if code == "ALP304"] == reported


def test_the_tests_run_on_the_loop_handed_out(tmp_path: Path) -> None:
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    write(tmp_path / "test_driver.py", SOURCE.format(handed_out="    yield Driver(client, loop)"))
    result = run_pytest_isolated(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
