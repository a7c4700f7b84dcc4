"""The strongest proof: real pytest + pytest-asyncio runs each runnable example.

A bad example fails (warnings are errors), ``flake8-asyncloop fix`` turns it into its
documented fixed twin, and that twin passes. Good examples pass as they are.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import child_environment, run_pytest_isolated, write_example

from flake8_asyncloop.findings import Safety
from flake8_asyncloop.rules import ALL_RULES

pytestmark = pytest.mark.e2e

DEFAULT_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
# pytest's exit codes for "tests failed" and "errors during collection"
FAILED = {1, 2}

RUNNABLE = [
    pytest.param(rule, example, id=f"{rule.code}-{'bad' if example.is_bad else 'good'}{index}")
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
