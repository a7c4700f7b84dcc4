"""ALP410 (redundant-asyncio-mark) is off by default in flake8 and on when selected."""

from __future__ import annotations

from pathlib import Path

from support import parse_flake8, run_flake8

AUTO_MODE = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
MARKED = """\
import asyncio

import pytest


@pytest.mark.asyncio
async def test_sleep_result():
    assert await asyncio.sleep(0, 3) == 3
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "pytest.ini").write_text(AUTO_MODE)
    (tmp_path / "test_marked.py").write_text(MARKED)
    return tmp_path


def _codes(result) -> list:
    assert result.returncode in (0, 1), result.stderr
    return [(line, col, code) for _, line, col, code in parse_flake8(result.stdout)]


def test_off_by_default(tmp_path: Path) -> None:
    result = run_flake8(["test_marked.py"], "--isolated", cwd=_project(tmp_path))
    assert _codes(result) == []
    assert result.returncode == 0


def test_on_with_extend_select(tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = run_flake8(["test_marked.py"], "--isolated", "--extend-select=ALP410", cwd=project)
    assert _codes(result) == [(6, 2, "ALP410")]


def test_on_when_enabled_in_the_config_file(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "setup.cfg").write_text("[flake8]\nextend-select = ALP410\n")
    result = run_flake8(["test_marked.py"], cwd=project)
    assert _codes(result) == [(6, 2, "ALP410")]
