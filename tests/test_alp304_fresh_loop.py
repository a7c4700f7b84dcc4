"""ALP304 judges a run on a loop the fixture made for it (``loop = asyncio.new_event_loop();
loop.run_until_complete(...); loop.close()``) as it judges ``asyncio.run``, which does the
same by hand (mcp-atlassian-with-bitbucket-and-privacy: its fixtures read the tools an MCP
server registered through a nested ``_load()``, one with ``asyncio.run`` and one on a new
loop; only the second was reported). In a module whose tests run on no loop, neither meets
a loop again. A loop the fixture makes current is another matter."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from support import check_path, run_pytest_isolated, write

SOURCE = """\
import asyncio

import pytest

REGISTRY = {{"search": "find things"}}


async def list_tools():
    await asyncio.sleep(0)
    return dict(REGISTRY)


@pytest.fixture
def tools():
    async def _load():
        return {{name: text for name, text in (await list_tools()).items()}}

{run}


def test_search_is_registered(tools):
    assert tools["search"] == "find things"
"""

AS_RUN = "    return asyncio.run(_load())"
BY_HAND = """\
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(_load())
    finally:
        loop.close()"""


@pytest.mark.parametrize(
    ("run", "reported"),
    [
        (AS_RUN, []),
        (BY_HAND, []),
        ("    return asyncio.new_event_loop().run_until_complete(_load())", []),
        # made current, the loop is more than a run's: still reported
        (BY_HAND.replace("    try:\n", "    asyncio.set_event_loop(loop)\n    try:\n"), [21]),
        # a loop from elsewhere is no loop of the fixture's own
        ("    loop = asyncio.get_event_loop()\n    return loop.run_until_complete(_load())", [19]),
    ],
)
def test_a_run_on_a_new_loop_is_judged_as_asyncio_run(
    tmp_path: Path, run: str, reported: List[int]
) -> None:
    path = write(tmp_path / "tests" / "test_tools.py", SOURCE.format(run=run))
    assert [line for line, _, code in check_path(path) if code == "ALP304"] == reported


def test_the_run_by_hand_passes(tmp_path: Path) -> None:
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_mode = auto\n"
          "asyncio_default_fixture_loop_scope = function\n")
    write(tmp_path / "test_tools.py", SOURCE.format(run=BY_HAND))
    result = run_pytest_isolated(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
