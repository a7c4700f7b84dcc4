"""ALP101 says whose loop was closed: pytest-asyncio's, for the loop async code runs on or
the ``event_loop`` fixture gave; the thread's current loop, for sync code's
``asyncio.get_event_loop()``, which stays current, closed, whoever made it (async-signal's
sync test, in a suite pytest-asyncio may not run at all)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from support import ENGINE, write

from flake8_asyncloop.context.discovery import context_for

SOURCE = """\
import asyncio


{test}
"""


@pytest.mark.parametrize(
    ("test", "owner"),
    [
        (
            "async def test_close():\n    asyncio.get_running_loop().close()",
            "pytest-asyncio owns this loop",
        ),
        (
            "async def test_close():\n    asyncio.get_event_loop().close()",
            "pytest-asyncio owns this loop",
        ),
        (
            "def test_close(event_loop):\n    event_loop.close()",
            "pytest-asyncio owns this loop",
        ),
        (
            "def test_close():\n    loop = asyncio.get_event_loop()\n    loop.close()",
            "it stays the current loop, closed, for the next code that gets it",
        ),
    ],
)
def test_alp101_names_whose_loop_was_closed(tmp_path: Path, test: str, owner: str) -> None:
    path = write(tmp_path / "test_close.py", SOURCE.format(test=test))
    source = path.read_text()
    findings, errors = ENGINE.check(ast.parse(source), str(path), context_for(str(path)))
    assert errors == []
    messages = [f.message for f in findings if f.code == "ALP101"]
    assert messages == [f"event loop closed by hand: {owner}; remove the close()"]


TEARDOWN = """\
import asyncio
import unittest


class LeakTest(unittest.TestCase):
    def setUp(self):
        self.orig_policy = asyncio.get_event_loop_policy()
        asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())

    def tearDown(self):
        asyncio.get_event_loop().close()
{after}
"""


@pytest.mark.parametrize(
    ("after", "reported"),
    [
        # tornado's LeakTest: the policy it set goes with the loop it closed
        ("        asyncio.set_event_loop_policy(self.orig_policy)", False),
        ("        asyncio.set_event_loop_policy(None)", False),
        ("        asyncio.set_event_loop(asyncio.new_event_loop())", False),
        # no loop is set for the next code that asks for one, or the closed one stays
        ("        asyncio.set_event_loop(None)", True),
        ("        pass", True),
    ],
)
def test_a_policy_set_after_the_close_replaces_the_loop(
    tmp_path: Path, after: str, reported: bool
) -> None:
    path = write(tmp_path / "test_leak.py", TEARDOWN.format(after=after))
    source = path.read_text()
    findings, errors = ENGINE.check(ast.parse(source), str(path), context_for(str(path)))
    assert errors == []
    assert [f.line for f in findings if f.code == "ALP101"] == ([11] if reported else [])
