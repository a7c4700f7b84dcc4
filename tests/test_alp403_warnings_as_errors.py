"""ALP403 says the warning fails the test when the pytest config turns it into an error
(qworker: ``filterwarnings = ["error", ...]`` and a module ``pytestmark`` reaching sync
tests, which then failed), and that it only warns otherwise."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from support import run_pytest_isolated, write

from flake8_asyncloop.context.discovery import clear_caches, context_for
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.rules import RULES_BY_CODE
from flake8_asyncloop.rules.alp403_asyncio_mark_on_sync_test import FAILS_IT, ONLY_WARNS

MODULE = """\
import asyncio

import pytest

pytestmark = pytest.mark.asyncio


async def test_sleeps():
    await asyncio.sleep(0)


def test_adds():
    assert 1 + 1 == 2
"""


def _messages(project: Path) -> list:
    clear_caches()
    module = project / "test_mixed.py"
    engine = Engine([RULES_BY_CODE["ALP403"]])
    found, errors = engine.check(ast.parse(MODULE), str(module), context_for(str(module)))
    assert not errors
    return [(f.line, f.message) for f in found]


@pytest.mark.parametrize(
    ("config", "effect"),
    [
        ("[pytest]\nfilterwarnings =\n    error\n", FAILS_IT),
        ("[pytest]\naddopts = -W error\n", FAILS_IT),
        ("[pytest]\nfilterwarnings =\n    error::pytest.PytestWarning\n", FAILS_IT),
        ("[pytest]\nfilterwarnings =\n    error\n    ignore::pytest.PytestWarning\n", ONLY_WARNS),
        (
            "[pytest]\nfilterwarnings =\n    error\n    ignore:The test .* is marked with\n",
            ONLY_WARNS,
        ),
        ("[pytest]\nfilterwarnings =\n    error::DeprecationWarning\n", ONLY_WARNS),
        ("[pytest]\n", ONLY_WARNS),
    ],
)
def test_the_message_follows_the_warning_filters(tmp_path: Path, config: str, effect: str) -> None:
    write(tmp_path / "pytest.ini", config)
    write(tmp_path / "test_mixed.py", MODULE)
    [(line, message)] = _messages(tmp_path)
    assert line == 12
    assert f"with asyncio, {effect};" in message


@pytest.mark.parametrize(
    ("config", "outcome"),
    [
        ("[pytest]\nfilterwarnings =\n    error\n", "1 failed, 1 passed"),
        ("[pytest]\nfilterwarnings =\n    error\n    ignore::pytest.PytestWarning\n", "2 passed"),
    ],
)
def test_what_the_message_says_happens_under_pytest(
    tmp_path: Path, config: str, outcome: str
) -> None:
    write(tmp_path / "pytest.ini", config + "asyncio_default_fixture_loop_scope = function\n")
    write(tmp_path / "test_mixed.py", MODULE)
    result = run_pytest_isolated(tmp_path, warnings_as_errors=False)
    assert outcome in result.stdout, result.stdout + result.stderr
