"""A conftest.py hook that marks every async test with a loop scope (pytest-asyncio's
documented way to run the whole suite on the session's loop, as pytest-capsqlalchemy
does): the tests below it run on that loop, as if the config set
``asyncio_default_test_loop_scope``. The run under pytest-asyncio shows it."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Optional

import pytest
from support import LAZY_BINDING, check_path, run_pytest_isolated, write

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
@LAZY_BINDING
def test_a_wide_event_serves_tests_the_hook_puts_on_the_session_loop(
    tmp_path: Path, conftest: str, reported: bool
) -> None:
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    write(tmp_path / "tests" / "conftest.py", conftest)
    test = write(tmp_path / "tests" / "test_events.py", EVENTS.source)
    clear_caches()
    found = [(line, col) for line, col, code in check_path(test) if code == "ALP502"]
    assert found == (list(EVENTS.expect) if reported else [])


@LAZY_BINDING
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


APPENDED = RECIPE.replace(", append=False", "")
SKIPS_TOO = """\
    for item in items:
        if "respx_mock" in item.fixturenames:
            item.add_marker(pytest.mark.skip(reason="not with respx"))
"""


@pytest.mark.parametrize(
    ("source", "first"),
    [
        (RECIPE, True),
        (APPENDED, False),
        (RECIPE.replace("append=False", "append=True"), False),
        (RECIPE.replace("session_scope_marker, append=False", "session_scope_marker, False"),
         True),
        # langsmith: the same hook also adds a skip mark, appended; only the asyncio one counts
        (RECIPE + SKIPS_TOO, True),
        (APPENDED + SKIPS_TOO, False),
        # the asyncio mark given directly
        (RECIPE.replace("session_scope_marker, append=False",
                        'pytest.mark.asyncio(loop_scope="session"), append=False'), True),
    ],
)
def test_the_hook_puts_its_mark_first_only_with_append_false(source: str, first: bool) -> None:
    facts = facts_from_tree(ast.parse(source), "conftest.py")
    assert facts.test_loop_scope == "session"
    assert facts.test_loop_mark_first is first


# Each test records its loop; the last says which ran on the session loop (the one the
# session-marked test ran on).
MARKED_EVERY_WAY = """\
import asyncio

import pytest

LOOPS = {}


@pytest.mark.asyncio
async def test_plain():
    LOOPS["test_plain"] = asyncio.get_running_loop()


@pytest.mark.asyncio(loop_scope="function")
async def test_function():
    LOOPS["test_function"] = asyncio.get_running_loop()


@pytest.mark.asyncio(loop_scope="session")
async def test_session():
    LOOPS["test_session"] = asyncio.get_running_loop()


@pytest.mark.asyncio(loop_scope="module")
class TestMarkedClass:
    async def test_in_class(self):
        LOOPS["test_in_class"] = asyncio.get_running_loop()


def test_zz_report():
    session = LOOPS["test_session"]
    on_session = sorted(name for name, loop in LOOPS.items() if loop is session)
    print("ON SESSION LOOP:", ",".join(on_session))
"""


def _predicted_session_tests(test: Path) -> list:
    """The tests the linter's reading of the marks puts on the session loop."""
    from flake8_asyncloop.analysis.loop_scopes import asyncio_mark_levels, closest_mark_scope
    from flake8_asyncloop.analysis.names import ImportTable
    from flake8_asyncloop.context.discovery import context_for

    clear_caches()
    config = context_for(str(test)).config
    tree = ast.parse(test.read_text())
    imports = ImportTable()
    imports.add_module_imports(tree.body)
    found = []
    for statement in tree.body:
        classes = [statement] if isinstance(statement, ast.ClassDef) else []
        functions = statement.body if classes else [statement]
        for function in functions:
            if isinstance(function, ast.AsyncFunctionDef):
                levels = asyncio_mark_levels(function, classes, [], imports)
                if closest_mark_scope(levels, config) == "session":
                    found.append(function.name)
    return sorted(found)


@pytest.mark.parametrize(
    ("conftest", "expected"),
    [
        # first: the hook's mark beats every mark of the test's own
        (RECIPE, ["test_function", "test_in_class", "test_plain", "test_session"]),
        # appended: the test's own mark wins, a plain one with the configured default;
        # the class's mark comes after the hook's
        (APPENDED, ["test_in_class", "test_session"]),
    ],
)
def test_which_mark_wins_is_what_pytest_asyncio_does(
    tmp_path: Path, conftest: str, expected: list
) -> None:
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    write(tmp_path / "tests" / "conftest.py", conftest)
    test = write(tmp_path / "tests" / "test_loops.py", MARKED_EVERY_WAY)
    assert _predicted_session_tests(test) == expected
    result = run_pytest_isolated(tmp_path, "-s", "tests")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ON SESSION LOOP: {','.join(expected)}" in result.stdout


# langsmith: a module's event_loop override, under the recipe; the tests and fixtures run on
# the session loop already, and moving them to the override's scope would part them.
OVERRIDE_UNDER_THE_RECIPE = """\
import asyncio

import pytest


@pytest.fixture(scope="module")
def event_loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
async def pending_reply():
    yield asyncio.Future()


@pytest.mark.asyncio
async def test_reply_arrives(pending_reply):
    asyncio.get_running_loop().call_soon(pending_reply.set_result, 1)
    assert await pending_reply == 1
"""
SESSION_DEFAULTS = (
    "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = session\n"
)


def test_an_override_under_the_recipe_is_only_deleted(tmp_path: Path) -> None:
    from flake8_asyncloop.context.discovery import context_for
    from flake8_asyncloop.engine import Engine

    write(tmp_path / "pytest.ini", SESSION_DEFAULTS)
    write(tmp_path / "conftest.py", RECIPE)
    test = write(tmp_path / "test_reply.py", OVERRIDE_UNDER_THE_RECIPE)
    clear_caches()
    engine = Engine([RULES_BY_CODE["ALP201"]])
    found, errors = engine.check(ast.parse(test.read_text()), str(test), context_for(str(test)))
    assert not errors
    [finding] = found
    assert (finding.line, finding.fix) == (7, None)
    assert finding.message.endswith(
        'delete it: the async tests and fixtures already run on the "session" loop'
    )
    assert run_pytest_isolated(tmp_path).returncode == 0
    # what the message says: deleted, the override leaves the same run
    write(test, OVERRIDE_UNDER_THE_RECIPE.replace(
        '@pytest.fixture(scope="module")\ndef event_loop():\n'
        "    loop = asyncio.new_event_loop()\n    yield loop\n    loop.close()\n\n\n",
        "",
    ))
    assert "event_loop" not in test.read_text()
    after = run_pytest_isolated(tmp_path)
    assert after.returncode == 0, after.stdout + after.stderr
