"""The plugin as flake8 users meet it: registration, noqa, select and ignore from config files."""

from __future__ import annotations

from pathlib import Path

from support import parse_flake8, run_flake8

BROKEN = """\
import asyncio


def test_legacy():
    asyncio.get_event_loop().close()


def test_silenced():
    asyncio.get_event_loop().close()  # noqa: ALP101,ALP105


def test_silenced_by_bare_noqa():
    asyncio.get_event_loop().close()  # noqa
"""
# Line 5 holds two findings: the close() (ALP101) and get_event_loop() in a sync test (ALP105).
LINE_5 = [(5, 5, "ALP101"), (5, 5, "ALP105")]


def _project(tmp_path: Path, config: str = "") -> Path:
    (tmp_path / "test_loops.py").write_text(BROKEN)
    if config:
        (tmp_path / "setup.cfg").write_text(config)
    return tmp_path


def _codes(result) -> list:
    assert result.returncode in (0, 1), result.stderr
    return [(line, col, code) for _, line, col, code in parse_flake8(result.stdout)]


def test_plugin_is_registered_and_noqa_works(tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = run_flake8(["test_loops.py"], "--select=ALP", cwd=project)
    assert sorted(_codes(result)) == LINE_5
    assert result.returncode == 1


def test_version_is_listed(tmp_path: Path) -> None:
    result = run_flake8([], "--version", cwd=tmp_path)
    assert "flake8-asyncloop" in result.stdout


def test_select_from_config_file_accepts_the_prefix(tmp_path: Path) -> None:
    project = _project(tmp_path, "[flake8]\nselect = ALP\n")
    result = run_flake8(["test_loops.py"], cwd=project)
    assert sorted(_codes(result)) == LINE_5
    assert "not a valid" not in result.stderr


def test_extend_ignore_from_config_file(tmp_path: Path) -> None:
    project = _project(tmp_path, "[flake8]\nselect = ALP\nextend-ignore = ALP101\n")
    result = run_flake8(["test_loops.py"], cwd=project)
    assert _codes(result) == [(5, 5, "ALP105")]


def test_per_file_ignores(tmp_path: Path) -> None:
    project = _project(tmp_path, "[flake8]\nselect = ALP\nper-file-ignores = test_loops.py:ALP1\n")
    result = run_flake8(["test_loops.py"], cwd=project)
    assert _codes(result) == []


def test_jobs_two_gives_the_same_output(tmp_path: Path) -> None:
    for index in range(6):
        (tmp_path / f"test_loops_{index}.py").write_text(BROKEN)
    one = run_flake8(["."], "--select=ALP", "--jobs=1", cwd=tmp_path)
    two = run_flake8(["."], "--select=ALP", "--jobs=2", cwd=tmp_path)
    assert sorted(_codes(one)) == sorted(_codes(two))
    assert len(_codes(one)) == 12
