"""ALP502 leaves alone a loop-bound object a wide sync fixture keeps to itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import check_path, write

TEMPLATE = """\
import asyncio
import threading

import pytest


@pytest.fixture(scope="session")
def port():
    shutdown = asyncio.Event()
    loop = asyncio.new_event_loop()

    async def serve():
        await shutdown.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),))
    thread.start()
{body}
    loop.call_soon_threadsafe(shutdown.set)
    thread.join()
    loop.close()


async def test_port(port):
    assert port == 8080
"""


@pytest.mark.parametrize(
    "body, reported",
    [
        ("    yield 8080", False),
        ("    yield shutdown", True),
        ("    yield shutdown.wait", True),
        ("    waiter = shutdown.wait()\n    yield waiter", True),
        ("    yield serve", True),
        ("    yield lambda: shutdown.set()", True),
        ("    holder = [shutdown]\n    yield 8080", True),
        ("    yield {'port': 8080, 'stop': shutdown}", True),
    ],
)
def test_only_an_object_that_stays_in_the_fixture_is_silent(body, reported, tmp_path) -> None:
    path = write(Path(tmp_path) / "test_server.py", TEMPLATE.format(body=body))
    found = [line for line, _, code in check_path(path) if code == "ALP502"]
    assert found == ([9] if reported else [])
