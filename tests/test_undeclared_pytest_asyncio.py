"""A suite whose dependency files name pytest and not pytest-asyncio is not judged by
pytest-asyncio's behaviour, unless its config, conftest.py or the module itself uses it."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List

import pytest
from support import write

from flake8_asyncloop.context.discovery import clear_caches, context_for
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.options import DEFAULT_OPTIONS
from flake8_asyncloop.rules import ALL_RULES

ENGINE = Engine(ALL_RULES)

SYNC_TEST = """\
import asyncio


def test_runs_a_coroutine():
    assert asyncio.get_event_loop().run_until_complete(asyncio.sleep(0, 1)) == 1
"""
MARKED = SYNC_TEST + """

@pytest.mark.asyncio
async def test_sleeps():
    await asyncio.sleep(0)
"""
MARKED = "import pytest\n" + MARKED


# A config file makes the directory the project's root, where dependency files are read.
PLAIN_CONFIG = {"pytest.ini": "[pytest]\naddopts = -ra\n"}


def codes(tmp_path: Path, files: Dict[str, str], module: str = SYNC_TEST) -> List[str]:
    for name, text in {**PLAIN_CONFIG, **files}.items():
        write(tmp_path / name, text)
    path = str(write(tmp_path / "tests" / "test_loop.py", module))
    clear_caches()
    # With the module's text, as flake8 and the command check it.
    project = context_for(path)
    found, errors = ENGINE.check(ast.parse(module), path, project, DEFAULT_OPTIONS, module)
    assert not errors
    return [finding.code for finding in found]


REQUIREMENTS = {"requirements-test.txt": "pytest\npytest-cov\n"}


def test_a_suite_without_pytest_asyncio_is_not_told_about_its_loops(tmp_path: Path) -> None:
    assert codes(tmp_path, REQUIREMENTS) == []


@pytest.mark.parametrize(
    "files",
    [
        {},  # nothing declared: pytest-asyncio may be there
        {"requirements-test.txt": "pytest\npytest-asyncio\n"},
        {"requirements-test.txt": "pytest\npytest-aiohttp\n"},  # brings pytest-asyncio
        {**REQUIREMENTS, "uv.lock": '[[package]]\nname = "pytest-asyncio"\nversion = "1.5.0"\n'},
        {**REQUIREMENTS, "pytest.ini": "[pytest]\nasyncio_default_fixture_loop_scope = function\n"},
        {**REQUIREMENTS, "tests/conftest.py": "import pytest_asyncio\n"},
        {**REQUIREMENTS, "tests/conftest.py": "pytest_plugins = ['pytest_asyncio']\n"},
    ],
    ids=["undeclared", "named", "brought", "locked", "configured", "imported", "plugin"],
)
def test_any_sign_of_pytest_asyncio_keeps_the_rules(tmp_path: Path, files) -> None:
    assert codes(tmp_path, files) == ["ALP105"]


def test_a_module_that_marks_asyncio_tests_keeps_the_rules(tmp_path: Path) -> None:
    assert codes(tmp_path, REQUIREMENTS, MARKED) == ["ALP105"]


@pytest.mark.parametrize(
    "text",
    [
        # aiohttp's requirements/test-mobile.in: a transitive dependency, named in a comment
        'pytest\nbackports-asyncio-runner  # transitive dependency of "pytest-asyncio"\n',
        "pytest\n# pytest-asyncio\n",
    ],
    ids=["trailing-comment", "commented-out"],
)
def test_a_name_only_a_comment_gives_declares_nothing(tmp_path: Path, text: str) -> None:
    assert codes(tmp_path, {"requirements-test.txt": text}) == []


def test_a_requirement_with_a_url_fragment_still_names_it(tmp_path: Path) -> None:
    files = {
        "requirements-test.txt": (
            "pytest\ngit+https://github.com/pytest-dev/pytest-asyncio.git#egg=pytest-asyncio\n"
        )
    }
    assert codes(tmp_path, files) == ["ALP105"]
