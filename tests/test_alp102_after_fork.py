"""ALP102 after the coroutine forks the process (motor's executor test).

asyncio tells the running loop by the process id: the child of ``os.fork()`` runs none, and
the loop it makes or installs is its own. Before the fork, or with no fork, it is reported."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from support import check_path, write

SOURCE = """\
import asyncio
import os

import pytest


@pytest.mark.asyncio
async def test_survives_a_fork():
{body}
"""


@pytest.mark.parametrize(
    ("body", "reported"),
    [
        (
            "    pid = os.fork()\n"
            "    if pid == 0:\n"
            "        asyncio.set_event_loop(None)\n"
            "        loop = asyncio.new_event_loop()\n"
            "        loop.run_until_complete(asyncio.sleep(0))\n"
            "        os._exit(0)\n"
            "    os.waitpid(pid, 0)\n",
            [],
        ),
        (
            "    if os.fork() == 0:\n"
            "        asyncio.set_event_loop(asyncio.new_event_loop())\n"
            "        os._exit(0)\n",
            [],
        ),
        (
            "    loop = asyncio.new_event_loop()\n"
            "    loop.run_until_complete(asyncio.sleep(0))\n"
            "    pid = os.fork()\n",
            [9],
        ),
        (
            "    asyncio.set_event_loop(asyncio.new_event_loop())\n",
            [9],
        ),
    ],
)
def test_a_loop_of_a_forked_child(tmp_path: Path, body: str, reported: List[int]) -> None:
    path = write(tmp_path / "tests" / "test_fork.py", SOURCE.format(body=body))
    assert [line for line, _, code in check_path(path) if code == "ALP102"] == reported
