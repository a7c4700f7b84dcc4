"""The shipped example suite: the broken one fails under pytest-asyncio and is flagged; its
corrected twin passes and is clean; ``fix`` turns a copy of the broken one into a passing suite."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import child_environment, parse_flake8, run_flake8
from flake8_asyncloop.docs import command_output
from test_e2e_pytest_asyncio import FAILED, run_pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(EXAMPLES / name, target)
    return target


def test_broken_suite_is_flagged_and_fixed_suite_is_clean(tmp_path: Path) -> None:
    broken = run_flake8([EXAMPLES / "broken"], "--isolated", "--select=ALP", cwd=tmp_path)
    codes = {code for _, _, _, code in parse_flake8(broken.stdout)}
    assert {"ALP101", "ALP104", "ALP107", "ALP201", "ALP203", "ALP207"} <= codes
    fixed = run_flake8([EXAMPLES / "fixed"], "--isolated", "--select=ALP", cwd=tmp_path)
    assert (fixed.returncode, fixed.stdout) == (0, "")


def test_flake8_prints_what_the_readme_shows() -> None:
    """The README's example output comes from the standalone command; flake8 prints the same."""
    root = EXAMPLES.parent
    command = [sys.executable, "-m", "flake8", "--isolated", "--select=ALP", "examples/broken"]
    flake8 = subprocess.run(
        command, cwd=root, capture_output=True, text=True, env=child_environment()
    )
    shown, _ = command_output(["check", "--isolated", "--no-cache", "examples/broken"])
    assert flake8.stdout.splitlines() == shown.splitlines()
    assert shown.count("ALP") >= 6


@pytest.mark.e2e
def test_broken_fails_and_fixed_passes_under_pytest_asyncio(tmp_path: Path) -> None:
    assert run_pytest(_copy("broken", tmp_path)).returncode in FAILED
    result = run_pytest(_copy("fixed", tmp_path))
    assert result.returncode == 0, result.stdout


@pytest.mark.e2e
def test_fix_turns_the_broken_suite_into_a_passing_one(tmp_path: Path) -> None:
    project = _copy("broken", tmp_path)
    before = (project / "test_inventory.py").read_text()
    subprocess.run(
        [sys.executable, "-m", "flake8_asyncloop", "fix", "."],
        cwd=project, capture_output=True, text=True, env=child_environment(), check=False,
    )
    assert (project / "test_inventory.py").read_text() != before
    result = run_pytest(project)
    assert result.returncode == 0, result.stdout
