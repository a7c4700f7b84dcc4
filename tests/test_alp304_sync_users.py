"""ALP304's advice for a fixture whose tests are sync and run its value on loops of their own
(dbastion: ``asyncio.run(adapter.execute(...))`` in each test). An async fixture would put
the set-up on pytest-asyncio's loop, yet another one; the advice says to keep the work in
one loop run, or to make the tests async too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from support import write

from flake8_asyncloop.context.discovery import clear_caches, context_for
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.rules import RULES_BY_CODE

ENGINE = Engine([RULES_BY_CODE["ALP304"]])

SOURCE = """\
import asyncio

import pytest


class Adapter:
    async def connect(self):
        self.ready = asyncio.Event()

    async def execute(self, sql):
        return sql


@pytest.fixture
def adapter():
    made = Adapter()
    asyncio.run(made.connect())
    return made


{user}
"""
ONE_LOOP = (
    "its sync tests run it on loops of their own: open, use and close it in one loop run, "
    "or make the fixture and its tests async"
)
ASYNC_FIXTURE = "make it an async fixture and await the work"


@pytest.mark.parametrize(
    ("user", "advice"),
    [
        ("def test_execute(adapter):\n    assert asyncio.run(adapter.execute('x')) == 'x'\n",
         ONE_LOOP),
        (
            "def test_execute(adapter):\n"
            "    loop = asyncio.new_event_loop()\n"
            "    assert loop.run_until_complete(adapter.execute('x')) == 'x'\n",
            ONE_LOOP,
        ),
        # an async user runs on pytest-asyncio's loop, where an async fixture would be too
        (
            "def test_execute(adapter):\n    assert asyncio.run(adapter.execute('x')) == 'x'\n\n\n"
            "async def test_fetch(adapter):\n    assert await adapter.execute('x') == 'x'\n",
            ASYNC_FIXTURE,
        ),
        # sync users that never run it on a loop, or no user in sight (a conftest's)
        ("def test_reads(adapter):\n    assert adapter.ready is not None\n", ASYNC_FIXTURE),
        ("", ASYNC_FIXTURE),
    ],
)
def test_the_advice_fits_what_the_tests_do(tmp_path: Path, user: str, advice: str) -> None:
    path = write(tmp_path / "tests" / "test_adapter.py", SOURCE.format(user=user))
    clear_caches()
    found, errors = ENGINE.check(ast.parse(path.read_text()), str(path), context_for(str(path)))
    assert not errors
    assert [(f.code, f.line) for f in found] == [("ALP304", 17)]
    assert found[0].message.endswith(advice)
