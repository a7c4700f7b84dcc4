"""A branch that only Pythons older than 3.9 take is dead code on every Python
this tool supports: nothing in it is reported (asyncwhois keeps a Python 3.7 fixture)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import check_path, write

TEMPLATE = """\
import asyncio
import sys

import pytest

if {condition}:

    @pytest.fixture
    def ready():
        future = asyncio.Future()
        future.set_result(1)
        return future

else:

    @pytest.fixture
    def ready():
        future = asyncio.Future()
        future.set_result(2)
        return future


@pytest.mark.asyncio
async def test_ready(ready):
    assert await ready
"""


@pytest.mark.parametrize(
    "condition, reported",
    [
        ("sys.version_info < (3, 8)", [18]),
        ("sys.version_info < (3, 9)", [18]),
        ("sys.version_info[:2] <= (3, 8)", [18]),
        ("sys.version_info >= (3, 9)", [10]),
        ("sys.version_info > (3, 8)", [10]),
        # both branches run on some supported Python
        ("sys.version_info < (3, 10)", [10, 18]),
        ("sys.version_info >= (3, 10)", [10, 18]),
        ("sys.version_info <= (3, 9)", [10, 18]),
        ("sys.platform == 'win32'", [10, 18]),
    ],
)
def test_a_branch_for_old_pythons_is_not_reported(
    condition: str, reported: list, tmp_path: Path
) -> None:
    path = write(tmp_path / "test_a.py", TEMPLATE.format(condition=condition))
    assert [line for line, _, code in check_path(path) if code == "ALP502"] == reported


NESTED = """\
import asyncio
import sys


async def test_loop():
    if {condition}:
        loop = asyncio.get_event_loop()
    else:
        loop = asyncio.get_running_loop()
    assert loop
"""


@pytest.mark.parametrize(
    "condition, reported",
    [
        ("sys.version_info < (3, 7)", []),
        ("not sys.version_info >= (3, 9)", []),
        ("sys.version_info < (3, 10)", [7]),
        ("sys.version_info < (3, 8) or sys.version_info < (3, 12)", [7]),
    ],
)
def test_the_same_inside_a_def(condition: str, reported: list, tmp_path: Path) -> None:
    path = write(tmp_path / "test_a.py", NESTED.format(condition=condition))
    assert [line for line, _, code in check_path(path) if code == "ALP104"] == reported
