"""ALP403's advice for a mark a sync test inherits: in auto mode, a class's or module's
asyncio mark with no arguments serves none of the async tests beside it, and removing it
is the whole fix (omnibase-core); a mark with a loop scope, or one in strict mode, is what
runs them, so the advice is to mark only the async tests."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from support import run_pytest_isolated, write

from flake8_asyncloop.context.discovery import clear_caches, context_for
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.rules import RULES_BY_CODE
from flake8_asyncloop.rules.alp403_asyncio_mark_on_sync_test import (
    MARK_ASYNC_ONLY,
    REMOVE_IN_AUTO_MODE,
)

AUTO = (
    "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    "markers =\n    slow\n"
)
STRICT = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
MODULE = """\
import asyncio

import pytest

pytestmark = [pytest.mark.slow, {mark}]


async def test_sleeps():
    await asyncio.sleep(0)


def test_adds():
    assert 1 + 1 == 2
"""
IN_A_CLASS = """\
import asyncio

import pytest


@{mark}
class TestMixed:
    async def test_sleeps(self):
        await asyncio.sleep(0)

    def test_adds(self):
        assert 1 + 1 == 2
"""


def _actions(project: Path, source: str) -> list:
    clear_caches()
    module = write(project / "test_mixed.py", source)
    found, errors = Engine([RULES_BY_CODE["ALP403"]]).check(
        ast.parse(source), str(module), context_for(str(module))
    )
    assert not errors
    return [f.message.rpartition("; ")[2] for f in found]


@pytest.mark.parametrize(
    ("config", "template", "mark", "action"),
    [
        (AUTO, MODULE, "pytest.mark.asyncio", REMOVE_IN_AUTO_MODE),
        (AUTO, MODULE, "pytest.mark.asyncio()", REMOVE_IN_AUTO_MODE),
        (AUTO, IN_A_CLASS, "pytest.mark.asyncio", REMOVE_IN_AUTO_MODE),
        (AUTO, MODULE, 'pytest.mark.asyncio(loop_scope="module")', MARK_ASYNC_ONLY),
        (STRICT, MODULE, "pytest.mark.asyncio", MARK_ASYNC_ONLY),
        (STRICT, IN_A_CLASS, "pytest.mark.asyncio", MARK_ASYNC_ONLY),
    ],
)
def test_the_advice_follows_the_mode_and_the_mark(
    tmp_path: Path, config: str, template: str, mark: str, action: str
) -> None:
    write(tmp_path / "pytest.ini", config)
    assert _actions(tmp_path, template.format(mark=mark)) == [action]


def test_in_auto_mode_removing_the_mark_is_the_whole_fix(tmp_path: Path) -> None:
    write(tmp_path / "pytest.ini", AUTO)
    write(tmp_path / "test_mixed.py", MODULE.format(mark="pytest.mark.asyncio"))
    before = run_pytest_isolated(tmp_path)  # the sync test's warning is an error
    assert "1 failed, 1 passed" in before.stdout, before.stdout + before.stderr
    write(tmp_path / "test_mixed.py", MODULE.format(mark="pytest.mark.asyncio").replace(
        ", pytest.mark.asyncio]", "]"
    ))
    after = run_pytest_isolated(tmp_path)
    assert "2 passed" in after.stdout, after.stdout + after.stderr
