"""A conftest.py hook that marks every async test with a loop scope (pytest-asyncio's
documented way to run the whole suite on the session's loop, as pytest-capsqlalchemy
does): the tests below it run on that loop, as if the config set
``asyncio_default_test_loop_scope``. The run under pytest-asyncio shows it."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Optional

import pytest
from support import check_path, run_pytest_isolated, write

from flake8_asyncloop.context.conftest_facts import facts_from_tree
from flake8_asyncloop.context.discovery import clear_caches
from flake8_asyncloop.rules import RULES_BY_CODE

RECIPE = """\
import pytest
from pytest_asyncio import is_async_test


def pytest_collection_modifyitems(items):
    pytest_asyncio_tests = (item for item in items if is_async_test(item))
    session_scope_marker = pytest.mark.asyncio(loop_scope="session")
    for async_test in pytest_asyncio_tests:
        async_test.add_marker(session_scope_marker, append=False)
"""


@pytest.mark.parametrize(
    ("source", "scope"),
    [
        (RECIPE, "session"),
        (RECIPE.replace('loop_scope="session"', 'scope="module"'), "module"),
        # a mark of another name, a scope that is no literal, a mark made but never added
        (RECIPE.replace("pytest.mark.asyncio", "pytest.mark.slow"), None),
        (RECIPE.replace('"session"', "SCOPE"), None),
        (RECIPE.replace("async_test.add_marker(session_scope_marker, append=False)", "pass"),
         None),
        (RECIPE.replace("pytest_collection_modifyitems", "pytest_configure"), None),
    ],
)
def test_the_hook_gives_its_loop_scope(source: str, scope: Optional[str]) -> None:
    assert facts_from_tree(ast.parse(source), "conftest.py").test_loop_scope == scope


# ALP502's first bad example: a module-scoped event that two tests wait on.
EVENTS = RULES_BY_CODE["ALP502"].bad_examples()[0]


@pytest.mark.parametrize(("conftest", "reported"), [(RECIPE, False), ("", True)])
def test_a_wide_event_serves_tests_the_hook_puts_on_the_session_loop(
    tmp_path: Path, conftest: str, reported: bool
) -> None:
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    write(tmp_path / "tests" / "conftest.py", conftest)
    test = write(tmp_path / "tests" / "test_events.py", EVENTS.source)
    clear_caches()
    found = [(line, col) for line, col, code in check_path(test) if code == "ALP502"]
    assert found == (list(EVENTS.expect) if reported else [])


def test_the_hook_runs_the_tests_on_one_loop_under_pytest(tmp_path: Path) -> None:
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    write(tmp_path / "tests" / "conftest.py", RECIPE)
    write(tmp_path / "tests" / "test_events.py", EVENTS.source)
    result = run_pytest_isolated(tmp_path, "tests")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    write(tmp_path / "tests" / "conftest.py", "")
    failing = run_pytest_isolated(tmp_path, "tests")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "1 failed, 1 passed" in failing.stdout
    assert "is bound to a different event loop" in failing.stdout
