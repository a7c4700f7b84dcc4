"""An asyncio mode passed on a command line the project keeps makes the mode unknown.

Projects that leave ``asyncio_mode`` out of their pytest config and run
``pytest --asyncio-mode=auto`` from a Makefile, a CI workflow or the README's test
instructions would otherwise get ALP401 on every unmarked async test.
"""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from support import check_path, write

from flake8_asyncloop.context import command_lines
from flake8_asyncloop.context.discovery import clear_caches

TEST = "async def test_reads():\n    pass\n"


@pytest.mark.parametrize(
    ("path", "text", "reported"),
    [
        ("Makefile", "test:\n\tpytest --asyncio-mode=auto tests\n", []),
        ("tox.ini", "[testenv]\ncommands = pytest --asyncio-mode auto {posargs}\n", []),
        (".github/workflows/ci.yml", "    - run: pytest -o asyncio_mode=auto\n", []),
        ("README.md", "Run the tests:\n\n    pytest --asyncio-mode='auto'\n", []),
        ("run_tests.sh", "python -m pytest --asyncio-mode=auto -q\n", []),
        # strict on the command line, or the word in prose only
        ("Makefile", "test:\n\tpytest --asyncio-mode=strict tests\n", [1]),
        ("README.md", "The asyncio mode is auto in our CI.\n", [1]),
        # a file no test command lives in
        ("notes.txt", "pytest --asyncio-mode=auto\n", [1]),
    ],
)
def test_alp401_is_silent_where_a_command_line_says_auto(
    tmp_path: Path, path: str, text: str, reported: List[int]
) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pytest.ini", "[pytest]\n")
    write(tmp_path / path, text)
    test = write(tmp_path / "tests" / "test_reads.py", TEST)
    clear_caches()
    assert [line for line, _, code in check_path(test) if code == "ALP401"] == reported


def test_a_monorepo_keeps_its_commands_at_the_top(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".github" / "workflows" / "tests.yaml", "run: pytest --asyncio-mode=auto\n")
    write(tmp_path / "packages" / "client" / "pytest.ini", "[pytest]\n")
    test = write(tmp_path / "packages" / "client" / "tests" / "test_reads.py", TEST)
    clear_caches()
    assert [code for _, _, code in check_path(test) if code == "ALP401"] == []


def test_the_search_stops_at_the_repository_top(tmp_path: Path) -> None:
    write(tmp_path / "Makefile", "test:\n\tpytest --asyncio-mode=auto\n")
    project = tmp_path / "checkout"
    (project / ".git").mkdir(parents=True)
    write(project / "pytest.ini", "[pytest]\n")
    command_lines.clear_cache()
    assert not command_lines.asyncio_mode_on_command_line(str(project))
    assert command_lines.asyncio_mode_on_command_line(str(tmp_path))


def test_outside_a_repository_only_the_root_is_read(tmp_path: Path) -> None:
    write(tmp_path / "test.sh", "pytest --asyncio-mode=auto\n")
    project = tmp_path / "unpacked-1.0"
    write(project / "pytest.ini", "[pytest]\n")
    command_lines.clear_cache()
    assert not command_lines.asyncio_mode_on_command_line(str(project))


def test_a_sub_project_without_a_pytest_table_takes_the_root_config(tmp_path: Path) -> None:
    """A monorepo package whose own pyproject.toml has no pytest table runs under the
    repository's config, as pytest finds it: its sdist alone would not show that."""
    repository = tmp_path / "repository"
    (repository / ".git").mkdir(parents=True)
    write(repository / "pyproject.toml", '[tool.pytest.ini_options]\nasyncio_mode = "auto"\n')
    write(repository / "packages" / "client" / "pyproject.toml", '[project]\nname = "client"\n')
    test = write(repository / "packages" / "client" / "tests" / "test_reads.py", TEST)
    clear_caches()
    assert [code for _, _, code in check_path(test) if code == "ALP401"] == []
    alone = tmp_path / "sdist" / "client-1.0"
    write(
        alone / "pyproject.toml",
        '[project]\nname = "client"\n\n[dependency-groups]\ndev = ["pytest>=8"]\n',
    )
    test = write(alone / "tests" / "test_reads.py", TEST)
    clear_caches()
    assert [code for _, _, code in check_path(test) if code == "ALP401"] == ["ALP401"]
