"""The immutable project context handed to rules. Discovery lives in sibling modules."""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from functools import cached_property
from typing import FrozenSet, Iterable, Optional, Tuple

from flake8_asyncloop.analysis.testcode import (
    DEFAULT_PYTHON_CLASSES,
    DEFAULT_PYTHON_FILES,
    DEFAULT_PYTHON_FUNCTIONS,
)


@dataclass(frozen=True)
class ConfigProblem:
    """A pytest-asyncio setting that is wrong (ALP208), at a line of the config file."""

    path: str
    line: int
    key: str
    message: str


@dataclass(frozen=True)
class PytestConfig:
    path: Optional[str] = None  # the config file pytest would use, None when there is none
    # it sets an option of pytest-asyncio's (asyncio_mode, asyncio_default_*_loop_scope, ...)
    sets_asyncio_options: bool = False
    asyncio_mode: str = "strict"
    fixture_loop_scope: Optional[str] = None  # asyncio_default_fixture_loop_scope
    test_loop_scope: Optional[str] = None  # asyncio_default_test_loop_scope
    python_files: Tuple[str, ...] = DEFAULT_PYTHON_FILES
    python_classes: Tuple[str, ...] = DEFAULT_PYTHON_CLASSES
    python_functions: Tuple[str, ...] = DEFAULT_PYTHON_FUNCTIONS
    # The paths ``testpaths`` names that exist, absolute (globs expanded): where a run
    # with no paths given looks for tests; empty when it names none that exists
    testpaths: Tuple[str, ...] = ()
    problems: Tuple[ConfigProblem, ...] = ()
    # The file cannot be parsed (a template's ``{% if %}`` lines, a typo): pytest stops
    # before collecting, and what its settings would say is unknown.
    unreadable: bool = False
    # Set only on the fallback config (a pyproject.toml without pytest settings, none
    # above it) of a uv workspace member: pytest runs from the workspace's root, whose
    # config is out of sight (see ``strict_mode_known``).
    workspace_member: bool = False
    # Line of the asyncio_default_fixture_loop_scope key; None when the key is unset, which
    # pytest-asyncio warns about on every run. A value of "fixture-scope" (the fixture's own
    # scope, as when unset) is stored as fixture_loop_scope None with this line set.
    fixture_loop_scope_line: Optional[int] = None
    section_line: Optional[int] = None  # line of the pytest section header ([pytest], ...)
    addopts: Tuple[str, ...] = ()  # the addopts setting, split into arguments
    # ``-p no:asyncio`` in addopts: pytest-asyncio is not loaded; another plugin runs the
    # async tests, and what pytest-asyncio would do with them does not happen.
    pytest_asyncio_disabled: bool = False
    # The warning filters pytest applies, in order: ``filterwarnings``, then ``-W`` in
    # addopts (none when ``-p no:warnings`` turns them off).
    warning_filters: Tuple[str, ...] = ()
    # The loop scope a conftest.py's ``pytest_collection_modifyitems`` marks the async
    # tests below it with (pytest-asyncio's recipe for one loop per session), and whether
    # it puts that mark before the test's own (``add_marker(..., append=False)``). Where a
    # hook marks them, ``test_loop_scope`` is the hook's too (what an unmarked test gets),
    # and ``configured_test_loop_scope`` what the config file says.
    marked_by_hook: Optional[str] = None
    hook_mark_first: bool = False
    configured_test_loop_scope: Optional[str] = None

    @property
    def auto_mode(self) -> bool:
        return self.asyncio_mode == "auto"

    @property
    def follows_fixture_scope(self) -> bool:
        """Whether asyncio_default_fixture_loop_scope is set to "fixture-scope" (set, and
        neither a scope nor a value reported as invalid)."""
        return (
            self.fixture_loop_scope_line is not None
            and self.fixture_loop_scope is None
            and not any(p.line == self.fixture_loop_scope_line for p in self.problems)
        )


@dataclass(frozen=True)
class FixtureDef:
    """A fixture defined in a conftest.py (or the module itself)."""

    name: str
    path: str
    line: int
    col: int
    provider: str  # "pytest" or "pytest_asyncio"
    scope: Optional[str]
    loop_scope: Optional[str]
    is_async: bool
    is_generator: bool
    # Qualified name of the loop-bound constructor whose result it returns or yields, if visible.
    builds: Optional[str] = None
    # It yields what an ``await`` or ``async with`` gave it (a connection, a server, a client):
    # a value made on the fixture's loop, not plain data.
    yields_async_value: bool = False
    # The fixtures it requests (its parameters without defaults), and ``autouse=True``.
    requests: Tuple[str, ...] = ()
    autouse: bool = False
    # for an ``anyio_backend`` fixture: it hands out trio (``params=`` or its return value)
    offers_trio: bool = False


@dataclass(frozen=True)
class ConftestFacts:
    path: str
    fixtures: Tuple[FixtureDef, ...] = ()
    # names of the marks in its pytestmark; pytest does not apply a conftest's pytestmark to
    # the tests below it, so these mark nothing (kept to report the mistake)
    marks: Tuple[str, ...] = ()
    # a pytest_pycollect_makeitem / pytest_collection_modifyitems hook that handles coroutines
    # or adds marks: async tests below this directory are run by something we cannot see
    handles_coroutines: bool = False
    uses_anyio: bool = False
    plugins: Tuple[str, ...] = ()  # the names in its pytest_plugins
    hooks: Tuple[str, ...] = ()  # names of the pytest_* hook functions it defines
    async_functions: Tuple[str, ...] = ()  # module-level async defs that are not fixtures
    # ``collect_ignore`` and ``collect_ignore_glob`` as the module sets them unconditionally
    # (literal strings, relative to its directory): paths pytest does not collect
    collect_ignore: Tuple[str, ...] = ()
    collect_ignore_glob: Tuple[str, ...] = ()
    # names its imports bind ("*" for a star import): fixtures it may get from elsewhere
    imported: Tuple[str, ...] = ()
    # the loop scope its ``pytest_collection_modifyitems`` gives the tests below it, adding
    # ``pytest.mark.asyncio(loop_scope=...)`` to them (pytest-asyncio's documented way to
    # run every test on the session's loop)
    test_loop_scope: Optional[str] = None
    # The hook adds its mark before the test's own (``append=False``): it wins over them.
    test_loop_mark_first: bool = False


@dataclass(frozen=True)
class ProjectContext:
    root: Optional[str] = None
    config: PytestConfig = PytestConfig()
    conftests: Tuple[ConftestFacts, ...] = ()  # rootdir first, the file's own directory last
    pytest_asyncio_version: Optional[Tuple[int, ...]] = None
    pytest_version: Optional[Tuple[int, ...]] = None
    # The plugin the project's dependency files name to run async tests when none of them
    # names pytest-asyncio (``aiomisc-pytest``); None when pytest-asyncio may be there.
    declared_runner: Optional[str] = None
    # A dependency file at the root names pytest-asyncio.
    declares_pytest_asyncio: bool = False
    # A dependency or lock file at the root names pytest (or a plugin of it): the project
    # declares its test setup. Where none does, a pyproject.toml without pytest settings is
    # a packaging file, and the settings pytest runs with are elsewhere.
    declares_pytest: bool = True
    # The root holds a PKG-INFO: an unpacked sdist, which may leave out the files that hold
    # the test setup (a pytest.ini, tox.ini, CI workflows).
    unpacked_sdist: bool = False
    # Where the setup is out of sight (see ``test_setup_in_sight``) and the config is a
    # pyproject.toml without pytest settings: the suite marks most of its async tests and
    # has no async fixture that only auto mode runs, so it is written for strict mode
    # (``suite_marks``).
    strict_by_its_marks: bool = False
    # What the pins of those files keep pytest-asyncio below (exclusive; None: unbounded, or
    # the version was given explicitly).
    pinned_pytest_asyncio_ceiling: Optional[Tuple[int, ...]] = None
    # The dependency files name pytest-aiohttp 1.0 or later, whose fixtures (``loop``,
    # ``aiohttp_client``) do not run the tests that request them: pytest-asyncio does.
    pytest_aiohttp_on_pytest_asyncio: bool = False
    # They keep pytest-aiohttp below 1.0, whose plugin runs every coroutine test itself.
    pytest_aiohttp_runs_coroutine_tests: bool = False
    # They name, beside pytest-asyncio, a plugin that takes every coroutine test itself.
    runner_beside_pytest_asyncio: Optional[str] = None
    # Nothing says pytest-asyncio runs here: the dependency files describe a pytest suite
    # but name neither it nor a plugin that brings it (and no lock file resolves it), the
    # config sets none of its options, and no conftest.py of the chain uses it.
    pytest_asyncio_undeclared: bool = False
    # What the dependency and lock files keep pytest itself below (``pytest==9.1.1``).
    pinned_pytest_ceiling: Optional[Tuple[int, ...]] = None
    # A file of the project starts pytest with ``--asyncio-mode=auto`` (a Makefile, a CI
    # workflow, the README): the mode its runs use is not the config's alone.
    asyncio_mode_on_command_line: bool = False

    @property
    def test_setup_in_sight(self) -> bool:
        """The project names pytest where it keeps its test setup, and is no unpacked sdist:
        a pyproject.toml without pytest settings is then the config pytest runs with."""
        return self.declares_pytest and not self.unpacked_sdist

    @property
    def without_pytest_asyncio(self) -> bool:
        """pytest-asyncio does not run this project's tests: its config blocks it
        (``-p no:asyncio``), or the project declares another runner and not pytest-asyncio."""
        return self.config.pytest_asyncio_disabled or self.declared_runner is not None

    def pins_pytest_asyncio_below(self, version: Tuple[int, ...]) -> bool:
        """Whether the project's dependency pins keep pytest-asyncio below ``version``
        (``pytest-asyncio==0.21.1``, or a pytest too old for it): its tests run on such a
        release, whatever is installed where the linter runs."""
        ceiling = self.pinned_pytest_asyncio_ceiling
        return ceiling is not None and ceiling <= version

    def targets_pytest_asyncio_below(self, version: Tuple[int, ...]) -> bool:
        """Whether the suite runs a pytest-asyncio older than ``version``, by the version
        linted for (installed or given) or by the project's pins."""
        target = self.pytest_asyncio_version
        return (target is not None and target < version) or self.pins_pytest_asyncio_below(
            version
        )

    def conftest_fixtures(self, name: str) -> Tuple[FixtureDef, ...]:
        """Every conftest definition of ``name`` visible to the file, outermost first."""
        return tuple(f for c in self.conftests for f in c.fixtures if f.name == name)

    @property
    def coroutines_handled_by_hook(self) -> bool:
        return any(c.handles_coroutines for c in self.conftests)

    @property
    def uses_anyio(self) -> bool:
        return any(c.uses_anyio for c in self.conftests)

    def async_functions_of(self, module: str, level: int, importer: str) -> FrozenSet[str]:
        """Top-level coroutine functions of a project module that the file ``importer``
        imports (``module`` without leading dots, ``level`` dots); empty when not a project
        file. Read from disk on demand, cached per process."""
        from flake8_asyncloop.context import project_modules  # it imports this module

        return project_modules.async_functions_of(
            self.root, module, level, importer, self.conftest_dirs
        )

    def module_tree(self, module: str, level: int, importer: str) -> Optional[ast.Module]:
        """The parsed project module that ``importer`` imports; None when not a project
        file or unreadable. Read on demand, cached per process."""
        from flake8_asyncloop.context import project_modules  # it imports this module

        return project_modules.module_tree(
            self.root, module, level, importer, self.conftest_dirs
        )

    @cached_property
    def conftest_dirs(self) -> Tuple[str, ...]:
        """The directories of the conftest.py chain (pytest puts their base dirs on sys.path)."""
        return tuple(os.path.dirname(c.path) for c in self.conftests)

    def imports_possible_coroutines(
        self, imports: Iterable[Tuple[str, int]], importer: str
    ) -> bool:
        """Whether one of ``importer``'s imports ((module, dots) pairs) can bring a project
        coroutine function (a project package, or a module with one)."""
        from flake8_asyncloop.context import project_modules

        return project_modules.may_define_coroutines(
            self.root, imports, importer, self.conftest_dirs
        )


DEFAULT_CONTEXT = ProjectContext()
