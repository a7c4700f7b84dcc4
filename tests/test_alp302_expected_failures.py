"""ALP302 and sync code that starts a task where a RuntimeError is expected.

With no running loop (or on a closed one) ``create_task`` and ``ensure_future`` raise
before any task exists: CPython's own asyncio tests check exactly that. Only sync code
counts (an async def has a running loop), and only a block that may catch RuntimeError."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from support import check_path, write

SOURCE = """\
import asyncio
import unittest
import warnings

import pytest


async def work():
    return 1


{test}
"""


@pytest.mark.parametrize(
    ("test", "reported"),
    [
        (
            "def test_needs_a_loop():\n"
            "    with pytest.raises(RuntimeError):\n"
            "        asyncio.create_task(work())\n",
            [],
        ),
        (
            "class TestLoop(unittest.TestCase):\n"
            "    def test_closed(self):\n"
            "        loop = asyncio.new_event_loop()\n"
            "        loop.close()\n"
            "        with self.assertRaises(RuntimeError):\n"
            "            task = loop.create_task(work())\n",
            [],
        ),
        (
            "def test_needs_a_loop():\n"
            "    with pytest.raises(ValueError):\n"
            "        asyncio.create_task(work())\n",
            [14],
        ),
        (
            "async def test_schedules():\n"
            "    with pytest.raises(RuntimeError):\n"
            "        asyncio.create_task(work())\n"
            "        await asyncio.sleep(0)\n",
            [14],
        ),
        # gql: a warning filter lets the call go on; ensure_future makes a loop and a task
        (
            "def test_interrupted():\n"
            "    with warnings.catch_warnings():\n"
            "        asyncio.ensure_future(work())\n",
            [14],
        ),
        # aiohttp: a callback defined in the block runs later, when the loop calls it
        (
            "async def test_release_later():\n"
            "    loop = asyncio.get_running_loop()\n"
            "    with pytest.raises(RuntimeError):\n"
            "        def release():\n"
            "            loop.create_task(work())\n"
            "        loop.call_later(1.0, release)\n"
            "        await asyncio.sleep(2)\n",
            [16],
        ),
        (
            "def test_outside_the_block():\n"
            "    with pytest.raises(RuntimeError):\n"
            "        pass\n"
            "    asyncio.create_task(work())\n",
            [15],
        ),
    ],
)
def test_task_in_a_block_expecting_runtime_error(
    tmp_path: Path, test: str, reported: List[int]
) -> None:
    path = write(tmp_path / "tests" / "test_tasks.py", SOURCE.format(test=test))
    assert [line for line, _, code in check_path(path) if code == "ALP302"] == reported
