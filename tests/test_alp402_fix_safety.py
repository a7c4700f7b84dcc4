"""ALP402's fix is unsafe where a test of the module takes the fixture for the coroutine or
async generator a plain ``@pytest.fixture`` hands over (tacomail: ``client = await
anext(client_generator)``; pytest-fixturecheck: ``assert await simple_async_fixture ==
"async value"``). pytest 8 let such a test pass; given the value instead, it fails until it
is changed too. Tests that use the fixture as its value keep the safe fix."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from support import write

from flake8_asyncloop.context.discovery import context_for
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.findings import Safety
from flake8_asyncloop.rules import RULES_BY_CODE

SOURCE = """\
import pytest


@pytest.fixture
async def client():
    yield "client"


@pytest.mark.asyncio
async def test_client(client):
    {use}
"""


@pytest.mark.parametrize(
    ("use", "safety"),
    [
        ("assert client == 'client'", Safety.SAFE),
        ("assert await client.read() == 'client'", Safety.SAFE),  # a method of the value
        ("assert await anext(client) == 'client'", Safety.UNSAFE),
        ("assert await client.__anext__() == 'client'", Safety.UNSAFE),
        ("async for value in client:\n        assert value", Safety.UNSAFE),
        ("assert await client == 'client'", Safety.UNSAFE),
        ("import inspect\n    assert inspect.isasyncgen(client)", Safety.UNSAFE),
    ],
)
def test_fix_safety_follows_what_the_tests_take(tmp_path: Path, use: str, safety: Safety) -> None:
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    path = write(tmp_path / "tests" / "test_client.py", SOURCE.format(use=use))
    source = path.read_text()
    findings, errors = Engine([RULES_BY_CODE["ALP402"]]).check(
        ast.parse(source), str(path), context_for(str(path)), source=source
    )
    assert not errors
    (finding,) = findings
    assert (finding.line, finding.fix is not None) == (4, True)
    assert finding.fix.safety is safety
