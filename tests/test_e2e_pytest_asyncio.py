"""The strongest proof: real pytest + pytest-asyncio runs each runnable example.

A bad example fails (warnings are errors), ``flake8-asyncloop fix`` turns it into its
documented fixed twin, and that twin passes. Good examples pass as they are.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import child_environment, holds_here, run_pytest_isolated, write_example

from flake8_asyncloop.findings import Safety
from flake8_asyncloop.rules import ALL_RULES

pytestmark = pytest.mark.e2e

DEFAULT_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
# pytest's exit codes for "tests failed" and "errors during collection"
FAILED = {1, 2}

RUNNABLE = [
    pytest.param(
        rule,
        example,
        id=f"{rule.code}-{'bad' if example.is_bad else 'good'}{index}",
        marks=holds_here(example),
    )
    for rule in ALL_RULES
    for index, example in enumerate(rule.examples)
    if example.runs
]


def run_pytest(project: Path) -> subprocess.CompletedProcess:
    return run_pytest_isolated(project, "-x")


def run_fix(project: Path, module: Path, rule) -> subprocess.CompletedProcess:
    command = [
        sys.executable, "-m", "flake8_asyncloop", "fix", f"--select={rule.code}", str(module)
    ]
    if rule.fix_safety is Safety.UNSAFE:
        command.insert(4, "--unsafe-fixes")
    return subprocess.run(
        command, cwd=project, capture_output=True, text=True, env=child_environment(), timeout=120
    )


# A failure that says the environment is broken, not the example's code.
ENVIRONMENT_FAILURES = (
    "INTERNALERROR", "ModuleNotFoundError", "ImportError while", "fixture 'anyio_backend'"
)


def _broken_environment(output: str) -> bool:
    return any(marker in output for marker in ENVIRONMENT_FAILURES)


def _lay_out(example, directory: Path) -> Path:
    module = write_example(example, directory)
    config_names = ("pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
    if not any(name in example.files for name in config_names):
        (directory / "pytest.ini").write_text(DEFAULT_INI)
    return module


def test_there_are_runnable_examples() -> None:
    assert len(RUNNABLE) >= 5


@pytest.mark.parametrize("rule, example", RUNNABLE)
def test_example_under_pytest_asyncio(rule, example, tmp_path: Path) -> None:
    module = _lay_out(example, tmp_path)
    before = run_pytest(tmp_path)
    if not example.is_bad:
        assert before.returncode == 0, before.stdout + before.stderr
        return
    assert before.returncode in FAILED, (
        f"the bad example should fail:\n{before.stdout}{before.stderr}"
    )
    assert not _broken_environment(before.stdout + before.stderr), before.stdout + before.stderr
    if example.fixed is None:
        return
    fixed = run_fix(tmp_path, module, rule)
    assert fixed.returncode in (0, 1), fixed.stderr
    assert module.read_text(encoding="utf-8") == example.fixed
    after = run_pytest(tmp_path)
    assert after.returncode == 0, f"the fixed example should pass:\n{after.stdout}{after.stderr}"


# -- why a fix is rated unsafe, shown on a run ------------------------------------------------

LIBRARY_RUNNING_ITS_OWN_LOOP = """\
import asyncio


async def fetch():
    return 1


def fetch_sync():
    return asyncio.get_event_loop().run_until_complete(fetch())
"""
SYNC_TESTS = """\
import asyncio

from mylib import fetch, fetch_sync


def test_fetch_on_the_current_loop():
    loop = asyncio.get_event_loop()
    assert loop.run_until_complete(fetch()) == 1


def test_the_library_runs_it_too():
    assert fetch_sync() == 1
"""


# Python 3.12 and 3.13 warn when ``get_event_loop()`` makes a loop; 3.14 no longer makes one.
NO_CURRENT_LOOP_WARNING = ("-W", "ignore:There is no current event loop:DeprecationWarning")


@pytest.mark.skipif(
    sys.version_info >= (3, 14),
    reason="get_event_loop() makes no loop on Python 3.14+: the sync tests fail before the fix",
)
def test_alp105_rewrite_leaves_no_current_loop_for_later_sync_code(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text(DEFAULT_INI)
    (tmp_path / "mylib.py").write_text(LIBRARY_RUNNING_ITS_OWN_LOOP)
    module = tmp_path / "test_sync.py"
    module.write_text(SYNC_TESTS)
    before = run_pytest_isolated(tmp_path, *NO_CURRENT_LOOP_WARNING)
    assert before.returncode == 0, before.stdout + before.stderr
    rule = next(rule for rule in ALL_RULES if rule.code == "ALP105")
    assert rule.fix_safety is Safety.UNSAFE
    fixed = run_fix(tmp_path, module, rule)
    assert "asyncio.run(fetch())" in module.read_text(), fixed.stdout + fixed.stderr
    after = run_pytest_isolated(tmp_path, *NO_CURRENT_LOOP_WARNING)
    output = after.stdout + after.stderr
    assert after.returncode in FAILED, output
    assert "1 failed, 1 passed" in output and "no current event loop" in output, output
