"""ALP501 takes an import-time object that a def of the module builds afresh for the same
name for a placeholder (nigrains): the tests replace it before they use it."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import check_path, write

TEMPLATE = """\
import asyncio

import pytest

READY = asyncio.Event()


class Gate:
    opened = asyncio.Event()


@pytest.mark.asyncio
async def test_it():
{body}
"""


@pytest.mark.parametrize(
    "body, reported",
    [
        ("    await asyncio.sleep(0)", [5, 9]),
        ("    global READY\n    READY = asyncio.Event()", [9]),
        ("    Gate.opened = asyncio.Event()", [5]),
        ("    Gate.closed = asyncio.Event()", [5, 9]),
        # without ``global`` the name is the test's own
        ("    READY = asyncio.Event()\n    assert READY", [5, 9]),
        ("    global READY\n    READY = None", [5, 9]),
    ],
)
def test_a_name_built_again_in_a_def_is_a_placeholder(
    body: str, reported: list, tmp_path: Path
) -> None:
    path = write(tmp_path / "test_a.py", TEMPLATE.format(body=body))
    found = [line for line, _, code in check_path(path) if code == "ALP501"]
    assert found == reported
