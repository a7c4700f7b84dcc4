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

CONFTEST = """\
import asyncio

import pytest


@pytest.fixture(scope="{override}")
def event_loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


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
