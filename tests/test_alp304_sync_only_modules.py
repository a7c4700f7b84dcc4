"""ALP304 leaves a test module's fixture run alone when nothing in the module runs on a
pytest-asyncio loop: no async test, no async fixture (asyncscope-tracer)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import check_path, write

TEMPLATE = """\
import asyncio

import pytest


async def collect():
    return [1, 2]


@pytest.fixture(scope="module")
def events():
    return asyncio.run(collect())


def test_events(events):
    assert events == [1, 2]
{more}
"""


@pytest.mark.parametrize(
    "filename, more, reported",
    [
        ("test_a.py", "", False),
        ("test_a.py", "\n\nasync def helper():\n    return 1\n", False),
        ("test_a.py", "\n\nasync def test_more(events):\n    assert events\n", True),
        (
            "test_a.py",
            "\n\nclass TestMore:\n    async def test_more(self, events):\n        assert events\n",
            True,
        ),
        ("test_a.py", "\n\n@pytest.fixture\nasync def session():\n    return 1\n", True),
        # a conftest.py's fixtures serve modules it cannot see
        ("conftest.py", "", True),
    ],
)
def test_a_fixture_run_in_a_module_with_sync_tests_only(
    filename: str, more: str, reported: bool, tmp_path: Path
) -> None:
    path = write(tmp_path / filename, TEMPLATE.format(more=more))
    found = [line for line, _, code in check_path(path) if code == "ALP304"]
    assert found == ([12] if reported else [])
