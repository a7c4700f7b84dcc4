"""``fix`` writes the conftest.py files first, outermost first, then checks and fixes the rest
against them: a conftest's fix can change what the tests below it need (zeep: ALP201's fix
deletes an ``event_loop`` override that a sync test in a subdirectory requests). Before, a
test module that sorted ahead of its conftest.py was fixed against the old conftest, and
the run said "0 remain" over a test that then asked for a fixture no longer there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import child_environment, run_pytest_isolated, write

from flake8_asyncloop.runner import _conftests_first

OVERRIDE = """\
import asyncio

import pytest


@pytest.fixture
def event_loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()
"""
SYNC_REQUESTER = "def test_no_cache(event_loop):\n    assert 1 + 1 == 2\n"


def test_conftests_come_first_outermost_first() -> None:
    paths = ["a/test_x.py", "a/b/conftest.py", "z.py", "a/conftest.py", "a/b/test_y.py"]
    assert _conftests_first(paths) == [
        ["a/conftest.py", "a/b/conftest.py"],
        ["a/test_x.py", "z.py", "a/b/test_y.py"],
    ]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_requester_below_a_fixed_conftest_is_fixed_in_the_same_run(
    tmp_path: Path, jobs: str
) -> None:
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    write(tmp_path / "tests" / "conftest.py", OVERRIDE)
    # "a/" sorts ahead of "conftest.py": the module used to be fixed first
    test = write(tmp_path / "tests" / "a" / "test_transport.py", SYNC_REQUESTER)
    result = subprocess.run(
        [sys.executable, "-m", "flake8_asyncloop", "fix", "--unsafe-fixes", "--no-cache",
         "--jobs", jobs, "."],
        cwd=tmp_path, capture_output=True, text=True, env=child_environment(), timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "event_loop" not in (tmp_path / "tests" / "conftest.py").read_text()
    assert test.read_text() == "def test_no_cache():\n    assert 1 + 1 == 2\n"
    summary = result.stderr.splitlines()[-1]
    assert summary == "checked 2 files: fixed 2 findings in 2 files, 0 remain"
    after = run_pytest_isolated(tmp_path)
    assert after.returncode == 0, after.stdout + after.stderr
