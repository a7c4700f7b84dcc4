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
