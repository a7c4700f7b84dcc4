"""ALP208: the pytest config sets pytest-asyncio up wrongly, or leaves the fixture loop scope unset.

Unlike the other rules this one reads no Python code: its findings sit in the config file
(``pytest.ini``, ``pyproject.toml``, ``tox.ini``, ``setup.cfg``), so only the standalone
command reports them, once per config file per run (see ``config_results``). The rule class
still carries the metadata, documentation and examples every rule has.
"""

from __future__ import annotations

import os
import re
from typing import Dict, Iterable, List, Optional, Tuple

from flake8_asyncloop.analysis.testcode import is_test_file
from flake8_asyncloop.context.conftest_facts import conftest_facts
from flake8_asyncloop.context.discovery import context_for
from flake8_asyncloop.context.model import (
    ConfigProblem,
    ConftestFacts,
    ProjectContext,
    PytestConfig,
)
from flake8_asyncloop.context.pytest_config import IGNORED_SECTION
from flake8_asyncloop.context.text_files import read_text
from flake8_asyncloop.context.warning_filters import action_on
from flake8_asyncloop.findings import Finding
from flake8_asyncloop.rule import Bad, Good, Rule

# pytest-asyncio 0.24 added the setting, and the warning when it is unset.
FIRST_VERSION_WARNING_UNSET = (0, 24)

# pytest 9.2 shows (and filterwarnings applies to) warnings raised while plugins configure;
# 8.4 to 9.1 leave them to Python's default filters, which hide deprecation warnings; 8.3
# and older print them under a "default" filter of their own, which no -W makes an error.
FIRST_PYTEST_SHOWING_THE_WARNING = (9, 2)
# pytest-asyncio 1.5 added the value "fixture-scope" (the fixture's own scope, what the unset
# setting means); 0.24 to 1.1 fail every async fixture given it, 1.2 to 1.4 stop at start.
FIRST_VERSION_WITH_FIXTURE_SCOPE_VALUE = (1, 5)
SET_IT = 'set it to "function", or to "fixture-scope" to keep the current behaviour'
SET_IT_BEFORE_1_5 = (
    'set it to "function" (an async fixture wider than a test then needs a loop_scope= of '
    'its own; "fixture-scope" needs pytest-asyncio 1.5)'
)
UNSET = (
    "asyncio_default_fixture_loop_scope is unset while async fixtures exist: pytest-asyncio "
    "warns on every run (an error under filterwarnings = error); {advice}"
)
UNSET_OLDER_PYTEST = (
    "asyncio_default_fixture_loop_scope is unset while async fixtures exist: pytest-asyncio "
    "warns at every start that its default will change (pytest 8.3 and older print the "
    "warning, 8.4 to 9.1 hide it, 9.2 makes it an error under filterwarnings = error); "
    "{advice}"
)
UNSET_IS_AN_ERROR = (
    "asyncio_default_fixture_loop_scope is unset and the warning filters make pytest-asyncio's "
    "warning about it an error: the run stops with an INTERNALERROR before any test; "
    "{advice}"
)
UNSET_IS_AN_ERROR_OLDER_PYTEST = (
    "asyncio_default_fixture_loop_scope is unset and the warning filters make pytest-asyncio's "
    "warning about it an error: from pytest 9.2 the run stops with an INTERNALERROR before "
    "any test (8.4 to 9.1 hide the warning, 8.3 and older print it); {advice}"
)
FIXTURE_SCOPE_TOO_NEW = (
    'asyncio_default_fixture_loop_scope = fixture-scope needs pytest-asyncio 1.5 or later: '
    "before it, every async fixture errors at set-up (0.24 to 1.1) or pytest stops with a "
    'UsageError (1.2 to 1.4); set it to "function"'
)
# The warning pytest-asyncio gives when the setting is unset: its text, class and bases, module.
UNSET_WARNING_TEXT = 'The configuration option "asyncio_default_fixture_loop_scope" is unset.'
UNSET_WARNING_CLASSES = (
    "PytestDeprecationWarning", "PytestWarning", "DeprecationWarning", "UserWarning", "Warning",
)
UNSET_WARNING_MODULE = "pytest_asyncio.plugin"
INVALID_VALUE = "{problem}: pytest-asyncio stops with a UsageError"
UNREADABLE = "{problem}: pytest cannot read its config and runs no test"

FIXTURE_SCOPE_INI = (
    "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = fixture-scope\n"
)
AUTO_MODE_WITH_SCOPE_INI = (
    "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
)

ASYNC_TEST_MODULE = """
import pytest_asyncio


@pytest_asyncio.fixture
async def token():
    return "secret"


async def test_token(token):
    assert token == "secret"
"""


class LoopScopeConfig(Rule):
    code = "ALP208"
    name = "loop-scope-config"
    message = "pytest config: {problem}"
    # Reported on the config file by the standalone command, never in a Python file.
    config_file_rule = True

    what = """
    Checks the pytest config file the checked files use (`pytest.ini`, `pyproject.toml`,
    `tox.ini` or `setup.cfg`, found the way pytest finds it): an `asyncio_mode`,
    `asyncio_default_fixture_loop_scope` or `asyncio_default_test_loop_scope` value
    pytest-asyncio rejects (in the file or as `--asyncio-mode` / `-o` in `addopts`), a file
    pytest cannot parse, a `[tool:pytest]` section in `pytest.ini` that sets asyncio options
    (pytest reads only `[pytest]` there: they are ignored, and the suite runs in strict
    mode), the value `fixture-scope` where the project runs a pytest-asyncio
    older than 1.5 (which added it; by the version linted for or the project's pins and lock
    files), and `asyncio_default_fixture_loop_scope` left unset while the suite
    has async fixtures, or while the config's warning filters (`filterwarnings`, `-W` in
    `addopts`; the last filter that matches decides) turn pytest-asyncio's warning about it
    into an error in a project that declares pytest-asyncio (a dependency file names it, or
    the config sets auto mode or a test loop scope). The finding sits in the config file, at
    the offending line (the
    section header for the unset setting). It is reported by `flake8-asyncloop check` only,
    once per config file per run; flake8 itself only runs plugins on Python files.
    """
    why = """
    An invalid value makes pytest-asyncio raise a UsageError: no test runs, or every test
    errors; `fixture-scope` before 1.5 makes every async fixture error at set-up (0.24 to
    1.1) or stops pytest with a UsageError (1.2 to 1.4), so the advice for the unset setting
    offers it only from 1.5 on. An unset `asyncio_default_fixture_loop_scope` makes
    pytest-asyncio emit a deprecation warning at the start of every run, which becomes an
    INTERNALERROR under
    `filterwarnings = error` or `-W error` (pytest 9.2 and later; pytest 8.4 to 9.1 leave
    warnings raised while plugins configure to Python's default filters, which hide them, so
    there only Python's own `-W error` or `PYTHONWARNINGS` shows it; pytest 8.3 and older
    print it on every run and never make it an error; the message says so when the installed
    pytest is older than 9.2); and the default it warns about is changing, so
    async fixtures wider than `function` will one day move to a function-scoped loop unless
    the suite says what it wants. pytest-asyncio warns whether or not the suite has async
    fixtures, so under `filterwarnings = error` a suite without any stops too.
    """
    limitations = """
    "Async fixtures exist" means: a `@pytest_asyncio.fixture` (or, in auto mode, an async
    `@pytest.fixture`) in a conftest.py of a checked file's chain, or in a checked test module
    that mentions `pytest_asyncio` (or, in auto mode, `async def`). Fixtures from plugins do not
    count. A project with no pytest config file at all is not reported (there is no file to put
    the finding in), nor a uv workspace member whose `pyproject.toml` has no pytest settings and
    no config above it (pytest runs it with its workspace root's config, out of sight), nor a
    `pyproject.toml` without pytest settings where the test setup is out of sight (no dependency
    file, Makefile, tox or nox file, shell script or CI workflow names pytest, or the project is
    an unpacked sdist, whose `pytest.ini` may have been left out), nor a file pytest cannot
    parse that is a project template's (Jinja markup such as `{{name}}` or `{% if %}` in the
    file or the name of a directory above it): pytest only reads the rendered copy. Under flake8
    the rule is silent: a finding in a Python file would be repeated in every file sharing the
    config, or land in a file that does not hold the mistake. When the target pytest-asyncio
    version is known to be older than 0.24 the unset setting is not reported, nor when the
    project's dependency files pin pytest-asyncio below 0.24 or pytest below 8.2, which 0.24
    needs (`pytest==6.1.0`, `pytest-asyncio==0.21.1`, Poetry's `^0.21`: a pytest that old may
    even refuse the option as unknown under `filterwarnings = error`), nor when the config's
    warning filters ignore the warning (`ignore::DeprecationWarning`): the suite has chosen not
    to see it, and whether a wide async fixture will change loops is not looked into.
    """
    examples = (
        Bad(
            ASYNC_TEST_MODULE,
            (1, 1),
            files={"pytest.ini": "[pytest]\nasyncio_mode = auto\n"},
        ),
        Bad(
            ASYNC_TEST_MODULE,
            (3, 1),
            files={
                "pyproject.toml": (
                    '[tool.pytest.ini_options]\nasyncio_mode = "auto"\n'
                    'asyncio_default_fixture_loop_scope = "modul"\n'
                )
            },
        ),
        Bad(
            ASYNC_TEST_MODULE,
            (5, 1),
            files={
                "tox.ini": (
                    "[tox]\nenv_list = py311\n\n[pytest]\naddopts = --asyncio-mode=sometimes\n"
                    "asyncio_default_fixture_loop_scope = function\n"
                )
            },
        ),
        Bad(
            ASYNC_TEST_MODULE,
            (2, 1),
            files={
                "setup.cfg": (
                    "[tool:pytest]\nasyncio_default_test_loop_scope = everywhere\n"
                    "asyncio_default_fixture_loop_scope = function\n"
                )
            },
        ),
        Good(
            ASYNC_TEST_MODULE,
            reason="the fixture loop scope is set",
            files={"pytest.ini": AUTO_MODE_WITH_SCOPE_INI},
            runs=True,
        ),
        Bad(
            ASYNC_TEST_MODULE,
            (3, 1),
            files={
                "pytest.ini": FIXTURE_SCOPE_INI,
                "requirements-test.txt": "pytest==9.1.1\npytest-asyncio==1.4.0\n",
            },
        ),
        Good(
            ASYNC_TEST_MODULE,
            reason='pytest-asyncio 1.5 and later take "fixture-scope"',
            files={
                "pytest.ini": FIXTURE_SCOPE_INI,
                "requirements-test.txt": "pytest==9.2.0\npytest-asyncio==1.5.0\n",
            },
            pytest_asyncio=(1, 5),
        ),
        Bad(
            """
            def test_addition():
                assert 1 + 1 == 2
            """,
            (1, 1),
            files={
                "pytest.ini": "[pytest]\nfilterwarnings =\n    error\n",
                "requirements-test.txt": "pytest\npytest-asyncio\n",
            },
        ),
        Good(
            ASYNC_TEST_MODULE,
            reason="the suite ignores deprecation warnings, pytest-asyncio's among them",
            files={
                "pyproject.toml": (
                    '[tool.pytest.ini_options]\nasyncio_mode = "auto"\n'
                    'filterwarnings = "ignore::DeprecationWarning"\n'
                )
            },
        ),
        Good(
            """
            def test_addition():
                assert 1 + 1 == 2
            """,
            reason="no async fixtures: the unset setting changes nothing for this suite",
            files={"pytest.ini": "[pytest]\naddopts = -ra\n"},
        ),
        Good(
            """
            def test_addition():
                assert 1 + 1 == 2
            """,
            reason="a later filter lets pytest-asyncio's deprecation warning through",
            files={
                "pytest.ini": (
                    "[pytest]\nfilterwarnings =\n    error\n"
                    "    default::pytest.PytestDeprecationWarning\n"
                ),
                "requirements-test.txt": "pytest\npytest-asyncio\n",
            },
        ),
        Good(
            """
            def test_addition():
                assert 1 + 1 == 2
            """,
            reason=(
                "nothing says the suite uses pytest-asyncio, which may not be installed where "
                "it runs"
            ),
            files={
                "pytest.ini": "[pytest]\nfilterwarnings =\n    error\n",
                "requirements-test.txt": "pytest\nanyio\n",
            },
        ),
    )

    @classmethod
    def config_findings(
        cls,
        config: PytestConfig,
        async_fixtures: bool,
        pytest_asyncio_version: Optional[Tuple[int, ...]] = None,
        pytest_version: Optional[Tuple[int, ...]] = None,
        declares_pytest_asyncio: bool = False,
        pinned_before_the_warning: bool = False,
        before_fixture_scope_value: bool = False,
        pinned_before_showing: bool = False,
    ) -> List[Finding]:
        """The findings for one config file, located in it; ``declares_pytest_asyncio``:
        the project says it runs pytest-asyncio (see ``_declares_pytest_asyncio``);
        ``pinned_before_the_warning``: its dependency pins keep pytest-asyncio below 0.24;
        ``before_fixture_scope_value``: it runs a release older than 1.5 (by the version
        linted for or its pins), which does not know the value "fixture-scope";
        ``pinned_before_showing``: its pins or lock files keep pytest below 9.2, whatever
        ``pytest_version`` (installed) says."""
        findings = [cls._problem_finding(problem) for problem in config.problems]
        unreadable = config.unreadable or any(not problem.key for problem in config.problems)
        if before_fixture_scope_value and config.follows_fixture_scope:
            assert config.fixture_loop_scope_line is not None
            findings.append(cls._finding(config.fixture_loop_scope_line, FIXTURE_SCOPE_TOO_NEW))
        advice = SET_IT_BEFORE_1_5 if before_fixture_scope_value else SET_IT
        # A project that pins an older pytest-asyncio (or a pytest too old for 0.24) never
        # sees the warning, and its pytest may refuse the option as unknown.
        version_warns = not pinned_before_the_warning and (
            pytest_asyncio_version is None or pytest_asyncio_version >= FIRST_VERSION_WARNING_UNSET
        )
        if (
            version_warns
            and not unreadable
            and config.path is not None
            and config.fixture_loop_scope_line is None
        ):
            shown = not pinned_before_showing and (
                pytest_version is None or pytest_version >= FIRST_PYTEST_SHOWING_THE_WARNING
            )
            line = config.section_line or 1
            action = unset_warning_action(config)
            if action == "error" and (async_fixtures or declares_pytest_asyncio):
                # The warning stops the run, whether or not the default would change anything.
                problem = UNSET_IS_AN_ERROR if shown else UNSET_IS_AN_ERROR_OLDER_PYTEST
                findings.append(cls._finding(line, problem.format(advice=advice)))
            elif async_fixtures and action != "ignore":
                # A suite that ignores the warning has chosen not to see it.
                problem = UNSET if shown else UNSET_OLDER_PYTEST
                findings.append(cls._finding(line, problem.format(advice=advice)))
        findings.sort(key=Finding.sort_key)
        return findings

    @classmethod
    def _problem_finding(cls, problem: ConfigProblem) -> Finding:
        if problem.key == IGNORED_SECTION:
            return cls._finding(problem.line, problem.message)  # says what it does itself
        template = INVALID_VALUE if problem.key else UNREADABLE
        return cls._finding(problem.line, template.format(problem=problem.message))

    @classmethod
    def _finding(cls, line: int, problem: str) -> Finding:
        return Finding(cls.code, cls.message.format(problem=problem), line, 0, line, 0)


def unset_warning_action(config: PytestConfig) -> Optional[str]:
    """What the config's warning filters do with the unset-scope warning (``error``,
    ``ignore``, ...); None when no filter matches it."""
    return action_on(
        config.warning_filters, UNSET_WARNING_TEXT, UNSET_WARNING_CLASSES, UNSET_WARNING_MODULE
    )


def unset_warning_is_an_error(config: PytestConfig) -> bool:
    """Whether the config's warning filters turn the unset-scope warning into an error."""
    return unset_warning_action(config) == "error"


def _declares_pytest_asyncio(project: ProjectContext) -> bool:
    """Whether the project says it runs pytest-asyncio, which warns whatever the suite holds:
    a dependency file names it, or the config sets auto mode or a test loop scope. A suite
    without async fixtures may well not install it (anyio's own plugin runs many)."""
    config = project.config
    return project.declares_pytest_asyncio or config.auto_mode or bool(config.test_loop_scope)


def config_results(
    paths: Iterable[str],
    pytest_asyncio_version: Optional[str] = None,
    pytest_version: Optional[Tuple[int, ...]] = None,
) -> List[Tuple[str, List[Finding]]]:
    """(config file, its findings) for each config file the Python files at ``paths`` use,
    in the order they are first met; files without findings are left out. The messages are
    worded for ``pytest_version`` when given, else for the installed pytest, or an older
    one the project's pins or lock files keep it to."""
    groups: Dict[str, Tuple[ProjectContext, List[str]]] = {}
    for path in paths:
        if not path.endswith(".py"):
            continue
        project = context_for(path, pytest_asyncio_version)
        if project.config.path is None or project.without_pytest_asyncio:
            continue
        if project.config.workspace_member:
            continue  # pytest runs a uv workspace member with its workspace root's config
        packaging_only = (
            project.config.section_line is None
            and not project.config.unreadable
            and not project.config.problems  # a pytest.ini's ignored [tool:pytest]
        )
        if packaging_only and not project.test_setup_in_sight:
            continue  # a pyproject.toml without pytest settings: they may be kept elsewhere
        groups.setdefault(project.config.path, (project, []))[1].append(path)
    results = []
    for config_path, (project, members) in groups.items():
        config = project.config
        needs_fixtures = config.fixture_loop_scope_line is None
        async_fixtures = needs_fixtures and _has_async_fixtures(members, config)
        findings = LoopScopeConfig.config_findings(
            config,
            async_fixtures,
            project.pytest_asyncio_version,
            pytest_version or project.pytest_version,
            declares_pytest_asyncio=_declares_pytest_asyncio(project),
            pinned_before_the_warning=project.pins_pytest_asyncio_below(
                FIRST_VERSION_WARNING_UNSET
            ),
            before_fixture_scope_value=project.targets_pytest_asyncio_below(
                FIRST_VERSION_WITH_FIXTURE_SCOPE_VALUE
            ),
            # A version given by the caller (the docs' examples) is the one to word for.
            pinned_before_showing=pytest_version is None
            and project.pinned_pytest_ceiling is not None
            and project.pinned_pytest_ceiling <= FIRST_PYTEST_SHOWING_THE_WARNING,
        )
        if findings:
            results.append((_shown(config_path), findings))
    return results


def _has_async_fixtures(paths: List[str], config: PytestConfig) -> bool:
    """Whether pytest-asyncio sets up an async fixture in these files or their conftest chains.

    The conftest chains come with the project context; a test module is read only when its
    text can hold such a fixture, and the search stops at the first one found.
    """
    seen = set()
    for path in paths:
        for conftest in context_for(path).conftests:
            if conftest.path not in seen:
                seen.add(conftest.path)
                if _defines_async_fixture(conftest, config):
                    return True
    for path in paths:
        if os.path.basename(path) == "conftest.py" or not is_test_file(path, config.python_files):
            continue
        if not _may_define_async_fixture(path, config.auto_mode):
            continue
        facts = conftest_facts(path)  # a test module's fixtures read like a conftest's
        if facts is not None and _defines_async_fixture(facts, config):
            return True
    return False


def _defines_async_fixture(facts: ConftestFacts, config: PytestConfig) -> bool:
    return any(
        f.provider == "pytest_asyncio" or (f.is_async and config.auto_mode and not facts.uses_anyio)
        for f in facts.fixtures
    )


def _may_define_async_fixture(path: str, auto_mode: bool) -> bool:
    """Whether the module's text can hold a fixture pytest-asyncio sets up: one of its own
    (``pytest_asyncio`` named) or, in auto mode, a fixture decorator over an ``async def``
    (before any other def). Read as text: most test modules need no parse."""
    text = read_text(path)
    if text is None:
        return False
    if "pytest_asyncio" in text:
        return True
    return auto_mode and _FIXTURE_OVER_ASYNC_DEF.search(text) is not None


# ``@pytest.fixture`` (``@fixture``, arguments over several lines, other decorators) and
# then ``async def`` with no other ``def`` between.
_FIXTURE_OVER_ASYNC_DEF = re.compile(
    r"@[\w.]*fixture\b(?:(?!\bdef\b)[\s\S]){0,2000}?\basync[ \t]+def\b"
)


def _shown(path: str) -> str:
    """The config file's path relative to the working directory when it lies below it."""
    relative = os.path.relpath(path)
    return path if relative.startswith(os.pardir) else relative
