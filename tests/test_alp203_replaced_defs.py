"""ALP203 and a test that a later def of the same name replaces: pytest never collects it.

Found by the fuzz test: ALP201's fix deletes a module's ``event_loop`` override, and a
replaced ``def test_one(event_loop)`` above it must not then be reported, since it never
runs. A def in a branch (``if sys.version_info ...``) may be the live one, and is judged."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from support import check_path, write

SOURCE = """\
import sys


{first}


{second}
"""

REQUESTS = "def test_one(event_loop):\n    assert event_loop is not None"
PLAIN = "def test_one():\n    assert True"


@pytest.mark.parametrize(
    ("first", "second", "reported"),
    [
        (REQUESTS, PLAIN, []),
        (PLAIN, REQUESTS, [8]),
        (REQUESTS, "def test_two():\n    assert True", [4]),
        # a def under a branch may be the one that runs
        ("if sys.version_info >= (3, 9):\n    " + REQUESTS.replace("\n", "\n    "), PLAIN, [5]),
    ],
)
def test_a_replaced_test_is_not_reported(
    tmp_path: Path, first: str, second: str, reported: List[int]
) -> None:
    path = write(tmp_path / "tests" / "test_loop.py", SOURCE.format(first=first, second=second))
    assert [line for line, _, code in check_path(path) if code == "ALP203"] == reported
