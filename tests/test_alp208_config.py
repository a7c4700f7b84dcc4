"""ALP208 speaks about the pytest config file, through the standalone command only.

Its examples are laid out as projects and checked with ``flake8-asyncloop check``: each bad
example's ``expect`` positions are in its config file, good examples give nothing. Real
pytest + pytest-asyncio shows what each bad config does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Tuple

import pytest
from support import (
    child_environment,
    holds_here,
    needs_pytest_asyncio,
    run_pytest_isolated,
    write_example,
)

from flake8_asyncloop.context.discovery import clear_caches, context_for
from flake8_asyncloop.context.model import ConfigProblem, PytestConfig
from flake8_asyncloop.rules import RULES_BY_CODE
from flake8_asyncloop.context.warning_filters import command_line_filters
from flake8_asyncloop.rules.alp208_loop_scope_config import (
    LoopScopeConfig,
    config_results,
    unset_warning_is_an_error,
)

RULE = RULES_BY_CODE["ALP208"]
CONFIG_NAMES = ("pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
CASES = [
    pytest.param(
        example, id=f"{'bad' if example.is_bad else 'good'}{index}", marks=holds_here(example)
    )
    for index, example in enumerate(RULE.examples)
]


def run_check(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8_asyncloop", "check", "--isolated", *args],
        cwd=project, capture_output=True, text=True, env=child_environment(), timeout=120,
    )


def alp208_lines(stdout: str) -> List[Tuple[str, int, int]]:
    rows = []
    for line in stdout.splitlines():
        path, row, col, rest = line.split(":", 3)
        if rest.strip().startswith("ALP208"):
            rows.append((path, int(row), int(col)))
    return rows


def config_name(example) -> str:
    return next(name for name in example.files if name in CONFIG_NAMES)


@pytest.mark.parametrize("example", CASES)
def test_example_through_the_command(example, tmp_path: Path) -> None:
    write_example(example, tmp_path)
    result = run_check(tmp_path, ".")
    assert result.returncode in (0, 1), result.stderr
    found = alp208_lines(result.stdout)
    if not example.is_bad:
        assert found == [], result.stdout
        return
    name = config_name(example)
    assert found == [(name, line, col) for line, col in example.expect], result.stdout


def test_reported_once_per_config_file(tmp_path: Path) -> None:
    example = RULE.bad_examples()[0]
    write_example(example, tmp_path)
    for other in ("test_more.py", "sub/test_deeper.py"):
        write_example(example.__class__(example.source, filename=other), tmp_path)
    result = run_check(tmp_path, ".")
    assert alp208_lines(result.stdout) == [("pytest.ini", 1, 1)]
    assert "checked 4 files: 1 finding" in result.stderr


def test_respects_select_and_ignore(tmp_path: Path) -> None:
    write_example(RULE.bad_examples()[0], tmp_path)
    assert alp208_lines(run_check(tmp_path, "--ignore=ALP208", ".").stdout) == []
    assert alp208_lines(run_check(tmp_path, "--select=ALP1", ".").stdout) == []
    selected = run_check(tmp_path, "--select=ALP208", ".")
    assert alp208_lines(selected.stdout) == [("pytest.ini", 1, 1)]


def test_async_fixture_in_a_conftest_counts(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "conftest.py").write_text(
        "import pytest_asyncio\n\n\n@pytest_asyncio.fixture\nasync def token():\n    return 1\n"
    )
    (tmp_path / "test_plain.py").write_text("def test_one(token):\n    assert token == 1\n")
    clear_caches()
    assert [(p, [f.line for f in fs]) for p, fs in _results(tmp_path)] == [("pytest.ini", [1])]


@pytest.mark.parametrize(
    ("pyproject", "reported"),
    [
        ('[project]\nname = "demo"\n\n[dependency-groups]\ndev = ["pytest"]\n', True),
        # a monorepo's package, whose test setup (pytest named, its settings) is elsewhere
        ('[project]\nname = "demo"\n', False),
    ],
)
def test_a_pyproject_without_pytest_settings_counts_where_the_project_declares_pytest(
    tmp_path: Path, pyproject: str, reported: bool
) -> None:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    (tmp_path / "conftest.py").write_text(
        "import pytest_asyncio\n\n\n@pytest_asyncio.fixture\nasync def token():\n    return 1\n"
    )
    clear_caches()
    results = [(p, [f.line for f in fs]) for p, fs in _results(tmp_path)]
    assert results == ([("pyproject.toml", [1])] if reported else [])


@pytest.mark.parametrize(
    ("module", "reported"),
    [
        # auto mode: a plain fixture decorator over an async def, arguments over lines
        (
            "import pytest\n\n\n@pytest.fixture(\n    scope='module',\n)\n"
            "async def token():\n    return 1\n\n\n"
            "async def test_one(token):\n    assert token == 1\n",
            True,
        ),
        ("from pytest import fixture\n\n\n@fixture\nasync def token():\n    return 1\n", True),
        # async tests and a sync fixture only: no fixture pytest-asyncio sets up
        (
            "import pytest\n\n\n@pytest.fixture\ndef token():\n    return 1\n\n\n"
            "async def test_one(token):\n    assert token == 1\n",
            False,
        ),
    ],
)
def test_a_test_module_s_async_fixture_counts_in_auto_mode(
    tmp_path: Path, module: str, reported: bool
) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\n")
    (tmp_path / "test_token.py").write_text(module)
    clear_caches()
    results = [(p, [f.line for f in fs]) for p, fs in _results(tmp_path)]
    assert results == ([("pytest.ini", [1])] if reported else [])


def test_without_async_fixtures_the_unset_setting_is_not_reported(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_plain.py").write_text(
        "import pytest\n\n\n@pytest.fixture\ndef token():\n    return 1\n\n\n"
        "def test_one(token):\n    assert token == 1\n"
    )
    clear_caches()
    assert _results(tmp_path) == []


@pytest.mark.parametrize(
    ("config_file", "text", "reported"),
    [
        ("pytest.ini", "[pytest]\nfilterwarnings =\n    error\n", True),
        ("pyproject.toml", '[tool.pytest.ini_options]\nfilterwarnings = ["error"]\n', True),
        ("pytest.ini", "[pytest]\naddopts = -W error::DeprecationWarning\n", True),
        ("pytest.ini", "[pytest]\naddopts = -p no:warnings -W error\n", False),
        ("pytest.ini", "[pytest]\nfilterwarnings =\n    error\n    ignore::DeprecationWarning\n",
         False),
        # nbclient's and jupyter-events' layout: errors, with other warnings let through
        ("pyproject.toml",
         '[tool.pytest.ini_options]\nfilterwarnings = ["error", '
         '"ignore:There is no current event loop:DeprecationWarning"]\n', True),
        ("pyproject.toml",
         '[tool.pytest.ini_options]\nfilterwarnings = ["error", "ignore:The configuration '
         'option \\"asyncio_default_fixture_loop_scope\\" is unset"]\n', False),
        ("pytest.ini", "[pytest]\nfilterwarnings =\n    error::RuntimeWarning\n", False),
    ],
)
def test_without_async_fixtures_the_unset_setting_is_reported_where_it_stops_the_run(
    tmp_path: Path, config_file: str, text: str, reported: bool
) -> None:
    # Seen under pytest 9.2.0: each reported config stops with an INTERNALERROR before any
    # test; the others run.
    (tmp_path / config_file).write_text(text)
    (tmp_path / "test_plain.py").write_text("def test_one():\n    assert True\n")
    clear_caches()
    # pytest-asyncio warns only where it is installed: nothing says so yet
    assert _results(tmp_path) == []
    (tmp_path / "requirements-dev.txt").write_text("pytest-asyncio>=1.0\n")
    clear_caches()
    results = _results(tmp_path)
    assert [(path, [f.line for f in found]) for path, found in results] == (
        [(config_file, [1])] if reported else []
    )
    if reported:
        assert "INTERNALERROR before any test" in results[0][1][0].message


@pytest.mark.parametrize(
    ("filters", "error"),
    [
        (["error"], True),
        (["e"], True),  # an action may be abbreviated, as Python's -W allows
        (["error", "ignore::DeprecationWarning"], False),
        (["ignore::DeprecationWarning", "error"], True),  # the last match decides
        (["error::pytest.PytestDeprecationWarning"], True),
        (["error::RuntimeWarning"], False),
        (["error:the configuration option"], True),  # case-insensitive, from the start
        (["error:asyncio_default_fixture_loop_scope"], False),
        (["error:::pytest_asyncio"], True),
        (["error:::other_plugin"], False),
        (["error::DeprecationWarning::12"], False),
        (["error:[unclosed"], False),
        (["ignore::DeprecationWarning"], False),
        ([], False),
    ],
)
def test_warning_filters_are_read_as_pytest_applies_them(filters: List[str], error: bool) -> None:
    config = PytestConfig(path="pytest.ini", section_line=1, warning_filters=tuple(filters))
    assert unset_warning_is_an_error(config) is error


def test_command_line_filters_come_from_every_spelling_of_w() -> None:
    args = ["-ra", "-W", "error", "-Wignore::UserWarning", "--pythonwarnings=once", "-p", "x"]
    assert list(command_line_filters(args)) == ["error", "ignore::UserWarning", "once"]


def test_anyio_fixtures_in_strict_mode_do_not_count(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_anyio.py").write_text(
        "import pytest\n\n\n@pytest.fixture\nasync def token():\n    return 1\n\n\n"
        "@pytest.mark.anyio\nasync def test_one(token):\n    assert token == 1\n"
    )
    clear_caches()
    assert _results(tmp_path) == []


def test_unreadable_config_is_reported_without_the_unset_setting() -> None:
    problem = ConfigProblem("pyproject.toml", 4, "", "invalid TOML: Expected '=' after a key")
    config = PytestConfig(path="pyproject.toml", problems=(problem,))
    findings = LoopScopeConfig.config_findings(config, async_fixtures=True)
    assert [(f.line, f.col) for f in findings] == [(4, 0)]
    assert "pytest cannot read its config" in findings[0].message


def test_old_pytest_asyncio_does_not_warn_about_the_unset_setting() -> None:
    config = PytestConfig(path="pytest.ini", section_line=1)
    assert LoopScopeConfig.config_findings(config, True, (0, 23)) == []
    assert len(LoopScopeConfig.config_findings(config, True, (1, 5))) == 1


UV_LOCK = """version = 1
requires-python = ">=3.9"

[[package]]
name = "pytest"
version = "{pytest}"
source = {{ registry = "https://pypi.org/simple" }}

[[package]]
name = "pytest-asyncio"
version = "{pytest_asyncio}"
source = {{ registry = "https://pypi.org/simple" }}
dependencies = [
    {{ name = "pytest" }},
]
"""
POETRY_LOCK = """[[package]]
name = "pytest-asyncio"
version = "0.21.1"
description = "Pytest support for asyncio"
optional = false
python-versions = ">=3.7"
"""
PIPFILE_LOCK = """{
    "develop": {
        "pytest-asyncio": {
            "hashes": ["sha256:0000"],
            "index": "pypi",
            "version": "==0.21.1"
        }
    }
}
"""

RYE_LOCK = """# generated by rye
# use `rye lock` or `rye sync` to update this lockfile
-e file:.
iniconfig==2.0.0
    # via pytest
pytest==8.3.3
pytest-asyncio=={pytest_asyncio}
"""


@pytest.mark.parametrize(
    ("dependency_file", "text", "reported"),
    [
        # aioredlock: pytest 6.1 resolves to pytest-asyncio 0.20, which has no such option
        ("setup.py", "extras_require={'test': ['pytest==6.1.0', 'pytest-asyncio']}\n", False),
        ("requirements-dev.txt", "pytest-asyncio==0.21.1\n", False),
        ("pyproject.toml", '[tool.poetry.dev-dependencies]\npytest-asyncio = "^0.21"\n', False),
        ("requirements-dev.txt", "pytest>=8.2\npytest-asyncio>=0.24,<2\n", True),
        ("requirements-dev.txt", "pytest-asyncio\n", True),
        # arq: unpinned in pyproject.toml, but uv.lock resolves pytest-asyncio 0.23.6
        ("uv.lock", UV_LOCK.format(pytest="8.4.2", pytest_asyncio="0.23.6"), False),
        ("uv.lock", UV_LOCK.format(pytest="9.2.0", pytest_asyncio="1.5.0"), True),
        ("poetry.lock", POETRY_LOCK, False),
        ("Pipfile.lock", PIPFILE_LOCK, False),
        # braintrust-api: rye's lock, a requirements file of the resolved versions
        ("requirements-dev.lock", RYE_LOCK.format(pytest_asyncio="0.23.8"), False),
        ("requirements-dev.lock", RYE_LOCK.format(pytest_asyncio="1.5.0"), True),
    ],
)
def test_dependency_pins_below_the_option_keep_the_unset_setting_quiet(
    tmp_path: Path, dependency_file: str, text: str, reported: bool
) -> None:
    (tmp_path / "setup.cfg").write_text(
        "[tool:pytest]\nasyncio_mode = auto\nfilterwarnings =\n    error\n"
    )
    (tmp_path / dependency_file).write_text(text)
    (tmp_path / "test_it.py").write_text(
        "import pytest\n\n\n@pytest.fixture\nasync def token():\n    return 1\n\n\n"
        "async def test_one(token):\n    assert token == 1\n"
    )
    clear_caches()
    assert len(_results(tmp_path)) == (1 if reported else 0)


@pytest.mark.parametrize(
    ("pytest_version", "shown"),
    [((9, 2, 0), True), ((10, 0), True), (None, True), ((9, 1, 1), False), ((8, 4, 2), False)],
)
def test_the_unset_message_says_whether_pytest_shows_the_warning(
    pytest_version: Optional[Tuple[int, ...]], shown: bool
) -> None:
    # Checked by running: pytest 9.2.0 prints the warning (INTERNALERROR under
    # filterwarnings = error); 9.1.1, 9.0.3 and 8.4.2 print nothing and pass.
    config = PytestConfig(path="pytest.ini", section_line=1)
    (finding,) = LoopScopeConfig.config_findings(config, True, (1, 5), pytest_version)
    assert ("8.4 to 9.1 hide it" not in finding.message) is shown
    assert "warns on every run" in finding.message or not shown


@pytest.mark.parametrize(
    ("locked", "git_between", "fixture_scope_offered"),
    [
        ("1.4.0", False, False),
        # the installed release decides where the lock allows it
        pytest.param("1.5.0", False, True, marks=needs_pytest_asyncio(1, 5)),
        pytest.param("1.4.0", True, True, marks=needs_pytest_asyncio(1, 5)),
    ],
)
def test_a_config_in_the_tests_directory_reads_the_lock_above_it(
    tmp_path: Path, locked: str, git_between: bool, fixture_scope_offered: bool
) -> None:
    """graphiti-core's MCP server: ``tests/pytest.ini``, and ``uv.lock`` one level up; its
    runner starts pytest in ``tests/``. A repository's top (``.git``) ends the search."""
    (tmp_path / "uv.lock").write_text(UV_LOCK.format(pytest="9.0.3", pytest_asyncio=locked))
    tests = tmp_path / "tests"
    tests.mkdir()
    if git_between:
        (tests / ".git").mkdir()
    (tests / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\n")
    (tests / "test_it.py").write_text(
        "import pytest\n\n\n@pytest.fixture\nasync def token():\n    return 1\n\n\n"
        "async def test_one(token):\n    assert token == 1\n"
    )
    clear_caches()
    [(path, [finding])] = [(p, f) for p, f in _results(tests) if f]
    assert path == "pytest.ini"
    assert ('or to "fixture-scope"' in finding.message) is fixture_scope_offered


def _results(project: Path):
    cwd = os.getcwd()
    os.chdir(project)
    try:
        paths = sorted(str(p.relative_to(project)) for p in project.rglob("*.py"))
        return config_results(paths)
    finally:
        os.chdir(cwd)


# -- what real pytest-asyncio does with each bad config --------------------------------------

pytestmark_e2e = pytest.mark.e2e


def _runs_the_installed_release(example) -> bool:
    """An example pinning another pytest-asyncio (``fixture-scope`` under 1.4.0) shows what
    that release does, which the installed one cannot; those were run by hand against
    0.24.0, 1.0.0 to 1.4.0 and 1.5.0."""
    return "pytest-asyncio==" not in example.files.get("requirements-test.txt", "")


@pytestmark_e2e
@pytest.mark.parametrize(
    "example", [c for c in CASES if c.values[0].is_bad and _runs_the_installed_release(c.values[0])]
)
def test_bad_config_breaks_a_real_run(example, tmp_path: Path) -> None:
    write_example(example, tmp_path)
    # pytest 9.0 drops warnings raised while plugins configure; Python's own filter still
    # turns pytest-asyncio's "unset" deprecation warning into an error, on every pytest.
    result = run_pytest_isolated(tmp_path, python_warnings="error::DeprecationWarning")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    # and it broke because of the setting, not for some other reason
    assert "asyncio_" in output, output


def test_pytest_aiohttp_brings_pytest_asyncio(tmp_path: Path) -> None:
    # octomachinery names pytest-aiohttp only; since 1.0 it installs pytest-asyncio, whose
    # warning then stops the run under filterwarnings = error
    (tmp_path / "pytest.ini").write_text("[pytest]\nfilterwarnings =\n    error\n")
    (tmp_path / "setup.cfg").write_text(
        "[options.extras_require]\ntesting =\n    pytest\n    pytest-aiohttp\n"
    )
    (tmp_path / "test_a.py").write_text("def test_x():\n    pass\n")
    clear_caches()
    assert len(_results(tmp_path)) == 1


# -- "fixture-scope", known from pytest-asyncio 1.5 ------------------------------------------


@pytest.mark.parametrize(
    "version, flagged", [((0, 24), True), ((1, 0), True), ((1, 4, 0), True), ((1, 5), False)]
)
def test_fixture_scope_value_before_1_5_is_reported(version, flagged) -> None:
    config = PytestConfig(path="pytest.ini", section_line=1, fixture_loop_scope_line=3)
    findings = LoopScopeConfig.config_findings(
        config, True, version, before_fixture_scope_value=version < (1, 5)
    )
    assert [(f.line, "needs pytest-asyncio 1.5" in f.message) for f in findings] == (
        [(3, True)] if flagged else []
    )


@pytest.mark.parametrize(
    "pins, offered",
    [
        ("pytest-asyncio==1.4.0\n", False),
        # the installed release decides where it meets the pin
        pytest.param("pytest-asyncio>=1.5\n", True, marks=needs_pytest_asyncio(1, 5)),
    ],
)
def test_unset_advice_offers_fixture_scope_only_from_1_5(pins, offered, tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\n")
    (tmp_path / "requirements-test.txt").write_text(pins)
    (tmp_path / "test_a.py").write_text(
        "import pytest\n\n\n@pytest.fixture\nasync def session():\n    yield 1\n"
    )
    clear_caches()
    ((_, (finding,)),) = _results(tmp_path)
    assert ('or to "fixture-scope"' in finding.message) is offered
    assert ('"fixture-scope" needs pytest-asyncio 1.5' in finding.message) is not offered


def test_the_wording_follows_a_pinned_pytest_older_than_the_installed_one(tmp_path: Path) -> None:
    config = PytestConfig(path="pytest.ini", section_line=1)
    (pinned,) = LoopScopeConfig.config_findings(
        config, True, (1, 5), (9, 2), pinned_before_showing=True
    )
    (installed,) = LoopScopeConfig.config_findings(config, True, (1, 5), (9, 2))
    assert "8.4 to 9.1 hide it" in pinned.message
    assert "warns on every run" in installed.message
    (tmp_path / "requirements-test.txt").write_text("pytest==9.1.1\npytest-asyncio==1.5.0\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_a.py").write_text("def test_a():\n    pass\n")
    clear_caches()
    project = context_for(str(tmp_path / "test_a.py"))
    assert project.pinned_pytest_ceiling is not None
    assert project.pinned_pytest_ceiling < (9, 2)


def test_an_unreadable_pyproject_of_an_sdist_is_still_reported(tmp_path: Path) -> None:
    """pytest-sqlalchemy-mock's sdist: both pytest tables, which pytest 9 refuses; the file
    is its config whatever else the sdist left out."""
    (tmp_path / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: demo\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\npythonpath = ["src"]\n\n[tool.pytest]\nnorecursedirs = []\n'
    )
    (tmp_path / "test_plain.py").write_text("def test_one():\n    pass\n")
    clear_caches()
    assert [(p, [f.line for f in fs]) for p, fs in _results(tmp_path)] == [
        ("pyproject.toml", [4])
    ]


IGNORED_SECTION_MESSAGE = (
    "pytest config: pytest reads only a [pytest] section in pytest.ini and ignores "
    "[tool:pytest]: its asyncio settings are not applied, and the tests run in strict mode; "
    "rename it to [pytest]"
)
UNMARKED_WITH_PLAIN_FIXTURE = (
    "import pytest\n\n\n@pytest.fixture\nasync def value():\n    return 1\n\n\n"
    "async def test_value(value):\n    assert value == 1\n"
)


@pytest.mark.parametrize(
    ("text", "reported"),
    [
        ("[tool:pytest]\nasyncio_mode = auto\n", [1]),
        ("# the settings\n\n[tool:pytest]\naddopts = --asyncio-mode=auto\n", [3]),
        # nothing of pytest-asyncio's in it, or a [pytest] section that pytest reads
        ("[tool:pytest]\naddopts = -q\n", []),
        ("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
         "[tool:pytest]\nasyncio_mode = strict\n", []),
    ],
)
def test_a_tool_pytest_section_in_pytest_ini_is_ignored_by_pytest(
    tmp_path: Path, text: str, reported: List[int]
) -> None:
    (tmp_path / "pytest.ini").write_text(text)
    (tmp_path / "test_value.py").write_text(UNMARKED_WITH_PLAIN_FIXTURE)
    clear_caches()
    results = [(p, [(f.line, f.message) for f in fs]) for p, fs in _results(tmp_path)]
    expected = [(line, IGNORED_SECTION_MESSAGE) for line in reported]
    assert results == ([("pytest.ini", expected)] if reported else [])


@pytest.mark.e2e
def test_a_tool_pytest_section_in_pytest_ini_leaves_the_suite_in_strict_mode(
    tmp_path: Path,
) -> None:
    (tmp_path / "pytest.ini").write_text(
        "[tool:pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    (tmp_path / "test_value.py").write_text(UNMARKED_WITH_PLAIN_FIXTURE)
    # The async fixture errors in strict mode (pytest 9.2 stops earlier still: the unset loop
    # scope's warning is an error under -W error); either way nothing passes.
    result = run_pytest_isolated(tmp_path)
    assert result.returncode != 0, result.stdout
    assert " passed" not in result.stdout + result.stderr
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    fixed = run_pytest_isolated(tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
