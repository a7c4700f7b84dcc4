"""ALP302 and a test that patches the task factory it calls (cc-claw's daemon tests).

Under ``with patch("asyncio.create_task") as fake:`` the call reaches the stand-in: no task
is made, so none is dropped. The patch counts in the test, its decorators and those of
its class; a string naming another function, or a patch in another test, does not."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from support import check_path, write

SOURCE = """\
import asyncio
from unittest.mock import MagicMock, patch


async def work():
    return 1


{test}
"""


@pytest.mark.parametrize(
    ("test", "reported"),
    [
        (
            "async def test_schedules():\n"
            "    asyncio.create_task(work())\n",
            [10],
        ),
        (
            "async def test_schedules():\n"
            "    with patch('asyncio.create_task', new_callable=MagicMock) as fake:\n"
            "        asyncio.create_task(work())\n"
            "    fake.assert_called()\n",
            [],
        ),
        (
            "@patch('myapp.daemon.asyncio.create_task')\n"
            "async def test_schedules(fake):\n"
            "    task = asyncio.create_task(work())\n",
            [],
        ),
        (
            "async def test_schedules(monkeypatch):\n"
            "    monkeypatch.setattr(asyncio, 'create_task', MagicMock())\n"
            "    asyncio.create_task(work())\n",
            [],
        ),
        (
            "@patch.object(asyncio, 'create_task')\n"
            "class TestDaemon:\n"
            "    async def test_schedules(self, fake):\n"
            "        asyncio.create_task(work())\n",
            [],
        ),
        (
            "async def test_schedules():\n"
            "    def nested():\n"
            "        asyncio.create_task(work())\n"
            "    with patch('asyncio.create_task'):\n"
            "        nested()\n",
            [],
        ),
        # a string naming something else, or a patch in another test, is no patch here
        (
            "async def test_schedules():\n"
            "    with patch('asyncio.create_subprocess_exec'):\n"
            "        asyncio.create_task(work())\n",
            [11],
        ),
        (
            "async def test_other():\n"
            "    with patch('asyncio.create_task'):\n"
            "        pass\n\n\n"
            "async def test_schedules():\n"
            "    asyncio.create_task(work())\n",
            [15],
        ),
    ],
)
def test_a_patched_factory_makes_no_task(tmp_path: Path, test: str, reported: List[int]) -> None:
    path = write(tmp_path / "tests" / "test_daemon.py", SOURCE.format(test=test))
    assert [line for line, _, code in check_path(path) if code == "ALP302"] == reported
