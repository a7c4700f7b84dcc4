"""ALP302 and a line that already tells ruff its task is dropped on purpose (tmodbus:
``asyncio.create_task(protocol.send_and_receive(1, pdu))  # noqa: RUF006``).

ruff's RUF006 is the same mistake; its noqa comment is the author's word on the line, under
flake8 (which passes the text with the tree) as under the standalone command."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from support import parse_flake8, run_flake8, write

SOURCE = """\
import asyncio


async def work():
    return 1


async def test_schedules():
    asyncio.create_task(work()){comment}
"""


@pytest.mark.parametrize(
    ("comment", "reported"),
    [
        ("", [9]),
        ("  # noqa: RUF006", []),
        ("  # noqa: E501, RUF006  # the protocol answers first", []),
        # another code, or the words alone, silence nothing
        ("  # noqa: RUF005", [9]),
        ("  # dropped on purpose", [9]),
    ],
)
def test_ruffs_noqa_for_the_same_task(tmp_path: Path, comment: str, reported: List[int]) -> None:
    write(tmp_path / "tests" / "test_protocol.py", SOURCE.format(comment=comment))
    result = run_flake8([Path("tests")], "--select=ALP302", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    assert [row for _, row, _, code in parse_flake8(result.stdout) if code == "ALP302"] == reported
