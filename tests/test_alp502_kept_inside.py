"""ALP502 leaves alone a loop-bound object a wide sync fixture keeps to itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import LAZY_BINDING, check_path, write

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


EVENT_LOOP_OVERRIDE = """\
import asyncio

import pytest
import pytest_asyncio


@pytest.fixture(scope="session")
def event_loop():
    ready = asyncio.Event()
    yield ready


{users}
"""


@pytest.mark.parametrize(
    ("users", "reported"),
    [
        # before 1.0 every async test and fixture got `event_loop`, asked for or not: a
        # session-loop fixture shares its loop (the fuzz test's case, once ALP203's fix had
        # taken the parameter away), a function-loop test does not
        (
            "@pytest_asyncio.fixture(scope='session', loop_scope='session')\n"
            "async def db():\n    pass\n",
            False,
        ),
        ("async def test_other():\n    pass\n", True),
    ],
)
@LAZY_BINDING
def test_every_async_test_and_fixture_uses_an_event_loop_override(
    users: str, reported: bool, tmp_path: Path
) -> None:
    path = write(tmp_path / "test_loop.py", EVENT_LOOP_OVERRIDE.format(users=users))
    found = [line for line, _, code in check_path(path) if code == "ALP502"]
    assert found == ([9] if reported else [])
