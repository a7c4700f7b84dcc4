"""ALP304 leaves a fixture's ``asyncio.run(main())`` of a self-contained ``main`` alone when
nothing in the test module runs on a pytest-asyncio loop: no async test or fixture, none
inherited or imported (asyncscope-tracer). A run on an object the fixture keeps is still
reported (letta)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import check_path, write

TEMPLATE = """\
import asyncio

import pytest


async def collect():
    return list((1, 2))  # made by a call: not known to be plain text


class Server:
    async def start(self):
        return [1, 2]


@pytest.fixture(scope="module")
def events({params}):
    return asyncio.run({run})


def test_events(events):
    assert events == [1, 2]
{more}
"""


@pytest.mark.parametrize(
    "filename, more, params, run, reported",
    [
        ("test_a.py", "", "", "collect()", False),
        ("test_a.py", "\n\nasync def helper():\n    return 1\n", "", "collect()", False),
        ("test_a.py", "\n\nasync def test_more(events):\n    pass\n", "", "collect()", True),
        (
            "test_a.py",
            "\n\nclass TestMore:\n    async def test_more(self, events):\n        assert events\n",
            "",
            "collect()",
            True,
        ),
        ("test_a.py", "\n\n@pytest.fixture\nasync def db():\n    pass\n", "", "collect()", True),
        # a conftest.py's fixtures serve modules it cannot see
        ("conftest.py", "", "", "collect()", True),
        # tests the module may inherit or import
        ("test_a.py", "\n\nclass TestMore(BaseSuite):\n    pass\n", "", "collect()", True),
        ("test_a.py", "\n\nfrom base import test_shared\n", "", "collect()", True),
        ("test_a.py", "\n\nclass TestMore(object):\n    pass\n", "", "collect()", False),
        # a fixture that requests another still runs a self-contained coroutine
        ("test_a.py", "", "request, server", "collect()", False),
        # a run that works on an object the fixture keeps (letta's server.init_async())
        ("test_a.py", "", "", "Server().start()", True),
        ("test_a.py", "", "server", "server.start()", True),
    ],
)
def test_a_fixture_run_in_a_module_with_sync_tests_only(
    filename: str, more: str, params: str, run: str, reported: bool, tmp_path: Path
) -> None:
    path = write(tmp_path / filename, TEMPLATE.format(more=more, params=params, run=run))
    found = [line for line, _, code in check_path(path) if code == "ALP304"]
    assert found == ([17] if reported else [])
