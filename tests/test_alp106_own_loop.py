"""ALP106 leaves alone ``LOOP = asyncio.new_event_loop()`` in a module whose tests are all
sync and that only runs that loop (origofs's co-editing tests drive their async client
through it): the loop is the one those tests run on. It still reports the loop where an
async test or fixture of the module runs on pytest-asyncio's, and where the name is put
to other uses."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from support import check_path, run_pytest_isolated, write

from flake8_asyncloop.context.discovery import clear_caches

OWN_LOOP = """\
import asyncio

from fastapi.testclient import TestClient

LOOP = asyncio.new_event_loop()


async def fetch(value):
    await asyncio.sleep(0)
    return value


def run(coroutine):
    return LOOP.run_until_complete(coroutine)


def test_fetch():
    assert run(fetch(1)) == 1


def test_fetch_again():
    assert LOOP.run_until_complete(fetch(2)) == 2
    assert not LOOP.is_closed()
{extra}
"""


@pytest.mark.parametrize(
    ("extra", "reported"),
    [
        ("", []),
        # an async test of the module runs on pytest-asyncio's loop beside this one
        ("\n\nasync def test_async():\n    await fetch(3)\n", [5]),
        # the loop made current, or handed to other code, may meet other loops
        ("\n\nasyncio.set_event_loop(LOOP)\n", [5]),
        ("\n\ndef test_tasks():\n    assert LOOP.create_task\n", [5]),
        # bound again
        ("\n\ndef test_renew():\n    global LOOP\n    LOOP = asyncio.new_event_loop()\n", [5]),
        # tests that may come from elsewhere
        ("\n\nfrom helpers import test_shared\n", [5]),
    ],
)
def test_a_loop_only_the_module_sync_tests_run(
    tmp_path: Path, extra: str, reported: List[int]
) -> None:
    path = write(tmp_path / "test_fetch.py", OWN_LOOP.format(extra=extra))
    clear_caches()
    assert [line for line, _, code in check_path(path) if code == "ALP106"] == reported


def test_a_loop_only_the_module_sync_tests_run_passes_under_pytest(tmp_path: Path) -> None:
    source = OWN_LOOP.format(extra="").replace("from fastapi.testclient import TestClient\n", "")
    write(tmp_path / "test_fetch.py", source)
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_mode = auto\n"
          "asyncio_default_fixture_loop_scope = function\n")
    result = run_pytest_isolated(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
