"""Before pytest-asyncio 1.0 the "function" loop is the ``event_loop`` fixture: a suite that
overrides it with a wider scope runs its function-loop fixtures and tests on that one loop
(aiocache-dynamodb, on 0.24). ALP205 and ALP501 follow it there, and not from 1.0 on."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import LAZY_BINDING, check_path, write

CONFIG = """\
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""

OVERRIDE = """\
import asyncio

import pytest


@pytest.fixture(scope="{override}")
def event_loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()
"""

CONFTEST = OVERRIDE + """

@pytest.fixture(scope="session")
async def client():
    yield object()
"""

TESTS = """\
import asyncio

READY = asyncio.Event()


async def test_one(client):
    READY.set()
    await READY.wait()
"""


@pytest.mark.parametrize(
    "pin, override, reported",
    [
        ("pytest-asyncio==0.24.0", "session", []),
        # a module-scoped loop is narrower than the session fixture and the module's Event
        ("pytest-asyncio==0.24.0", "module", ["ALP205"]),
        ("pytest-asyncio==0.24.0", "function", ["ALP205", "ALP501"]),
        # 1.0 removed the fixture: the override serves nothing
        ("pytest-asyncio>=1.0", "session", ["ALP205", "ALP501"]),
    ],
)
@LAZY_BINDING
def test_the_function_loop_follows_an_event_loop_override_before_1_0(
    pin: str, override: str, reported: list, tmp_path: Path
) -> None:
    write(tmp_path / "pytest.ini", CONFIG)
    write(tmp_path / "requirements-dev.txt", pin + "\n")
    conftest = write(tmp_path / "conftest.py", CONFTEST.format(override=override))
    tests = write(tmp_path / "test_a.py", TESTS)
    found = [code for _, _, code in check_path(conftest) + check_path(tests)]
    assert sorted(c for c in found if c in ("ALP205", "ALP501")) == reported


# czzopenai (pytest-asyncio 0.21.1 locked): a session override and a session async fixture
# whose value is bound to its loop; every test ran on that one loop.
GREETING_CONFTEST = OVERRIDE + """

@pytest.fixture(scope="session")
async def greeting():
    future = asyncio.Future()
    asyncio.get_running_loop().call_later(0.01, future.set_result, "hello")
    yield future
"""
GREETING_TEST = """\
import pytest


@pytest.mark.asyncio
async def test_greeting(greeting):
    assert await greeting == "hello"
"""


@pytest.mark.parametrize(
    "pin, override, reported",
    [
        ("pytest-asyncio==0.21.1", "session", []),
        ("pytest-asyncio==0.24.0", "session", []),
        # 1.0 removed the fixture: the test runs on a function loop of its own
        ("pytest-asyncio>=1.0", "session", [(5, 25)]),
    ],
)
def test_alp206_follows_the_override_before_1_0(
    pin: str, override: str, reported: list, tmp_path: Path
) -> None:
    # the fixture's loop scope unset: its own scope, "session"
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_mode = auto\n")
    write(tmp_path / "requirements-dev.txt", pin + "\n")
    write(tmp_path / "conftest.py", GREETING_CONFTEST.format(override=override))
    tests = write(tmp_path / "test_greeting.py", GREETING_TEST)
    assert [(line, col) for line, col, code in check_path(tests) if code == "ALP206"] == reported
