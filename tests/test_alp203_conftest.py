"""ALP203 across files: an `event_loop` fixture defined in a conftest.py changes who is flagged."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from typing import List, Tuple

import pytest

from flake8_asyncloop.context.discovery import context_for
from flake8_asyncloop.context.model import (
    DEFAULT_CONTEXT,
    ConftestFacts,
    FixtureDef,
    ProjectContext,
)
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.findings import Finding, Safety
from flake8_asyncloop.rules import RULES_BY_CODE

ENGINE = Engine([RULES_BY_CODE["ALP203"]])

CONFTEST = """
import asyncio

import pytest


@pytest.fixture
def event_loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()
"""

TESTS = """
import asyncio

import pytest


def test_sync_runner(event_loop):
    assert event_loop.run_until_complete(asyncio.sleep(0, 1)) == 1


@pytest.mark.asyncio
async def test_async_timer(event_loop):
    handle = event_loop.call_later(10, print)
    handle.cancel()


def test_by_request(request):
    assert request.getfixturevalue("event_loop") is not None


@pytest.mark.usefixtures("event_loop")
def test_loop_installed():
    assert True
"""

SYNC_PARAM = (6, 21)
ASYNC_PARAM = (11, 27)
GETFIXTUREVALUE = (17, 11)
USEFIXTURES = (20, 25)
EVERY_REQUEST = [SYNC_PARAM, ASYNC_PARAM, GETFIXTUREVALUE, USEFIXTURES]


def write_project(root: Path, with_conftest: bool) -> Path:
    tests = root / "tests"
    tests.mkdir(parents=True)
    if with_conftest:
        (tests / "conftest.py").write_text(textwrap.dedent(CONFTEST), encoding="utf-8")
    module = tests / "test_loops.py"
    module.write_text(textwrap.dedent(TESTS).lstrip("\n"), encoding="utf-8")
    return module


def event_loop_in_conftest(root: Path) -> ProjectContext:
    """The context discovery builds for tests/conftest.py defining ``event_loop``."""
    path = str(root / "tests" / "conftest.py")
    fixture = FixtureDef(
        name="event_loop",
        path=path,
        line=7,
        col=0,
        provider="pytest",
        scope="function",
        loop_scope=None,
        is_async=False,
        is_generator=True,
    )
    return ProjectContext(root=str(root), conftests=(ConftestFacts(path, fixtures=(fixture,)),))


def check(module: Path, project: ProjectContext = DEFAULT_CONTEXT) -> List[Finding]:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    found, errors = ENGINE.check(tree, str(module), project)
    assert not errors, errors
    return found


def findings(module: Path, project: ProjectContext = DEFAULT_CONTEXT) -> List[Tuple[int, int]]:
    """(line, 0-based column) of each finding."""
    return [(f.line, f.col) for f in check(module, project)]


def test_conftest_fixture_silences_sync_requesters(tmp_path: Path) -> None:
    module = write_project(tmp_path, with_conftest=True)
    assert findings(module, event_loop_in_conftest(tmp_path)) == [ASYNC_PARAM]


def test_async_requester_of_conftest_fixture_gets_unsafe_fix(tmp_path: Path) -> None:
    module = write_project(tmp_path, with_conftest=True)
    (finding,) = check(module, event_loop_in_conftest(tmp_path))
    assert "not the loop this async code runs on" in finding.message
    assert finding.fix is not None and finding.fix.safety is Safety.UNSAFE


def test_without_definition_every_requester_is_flagged(tmp_path: Path) -> None:
    module = write_project(tmp_path, with_conftest=False)
    assert findings(module, ProjectContext(root=str(tmp_path))) == EVERY_REQUEST


def test_without_definition_the_async_fix_is_safe(tmp_path: Path) -> None:
    module = write_project(tmp_path, with_conftest=False)
    found = check(module)
    fixes = {(f.line, f.col): f.fix for f in found}
    assert fixes[SYNC_PARAM] is None
    assert fixes[ASYNC_PARAM] is not None and fixes[ASYNC_PARAM].safety is Safety.SAFE
    assert "fixture 'event_loop' not found" in next(f.message for f in found)


def test_conftest_plugins_may_provide_the_fixture(tmp_path: Path) -> None:
    module = write_project(tmp_path, with_conftest=False)
    conftest = ConftestFacts(str(tmp_path / "tests" / "conftest.py"), plugins=("myloops",))
    project = ProjectContext(root=str(tmp_path), conftests=(conftest,))
    assert findings(module, project) == [ASYNC_PARAM]


@pytest.mark.parametrize(
    "imports",
    [
        # opsdroid's layout: the conftest star-imports its testing module's fixtures
        "from myproject.testing.fixtures import *\n",
        "from myproject.testing.fixtures import event_loop  # noqa: F401\n",
    ],
)
def test_conftest_imports_may_provide_the_fixture(tmp_path: Path, imports: str) -> None:
    module = write_project(tmp_path, with_conftest=False)
    conftest = tmp_path / "tests" / "conftest.py"
    conftest.write_text(imports)
    assert findings(module, context_for(str(module))) == [ASYNC_PARAM]
    conftest.write_text("from myproject.testing.fixtures import other_fixture\n")
    assert findings(module, context_for(str(module))) == EVERY_REQUEST


def test_old_pytest_asyncio_still_provides_the_fixture(tmp_path: Path) -> None:
    module = write_project(tmp_path, with_conftest=False)
    project = ProjectContext(root=str(tmp_path), pytest_asyncio_version=(0, 21, 2))
    assert findings(module, project) == []


@pytest.mark.parametrize("with_conftest", [True, False], ids=["conftest", "no-conftest"])
def test_through_discovery(tmp_path: Path, with_conftest: bool) -> None:
    """The same, with the context read from the files by the real discovery."""
    module = write_project(tmp_path, with_conftest)
    project = context_for(str(module))
    expected = [ASYNC_PARAM] if with_conftest else EVERY_REQUEST
    assert findings(module, project) == expected
