"""Who runs an async test or fixture, as far as the source shows: pytest-asyncio or another.

An async test in strict mode runs under pytest-asyncio only with an asyncio mark, but many
suites run theirs some other way: anyio or trio marks and fixtures, plugins such as
pytest-aiohttp or pytest-tornasync, conftest hooks, or decorators that wrap the coroutine in a
sync function. Anything here that might be such a runner counts as one: the rules built on it
(ALP401, ALP402) would rather miss a test than report one that runs.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary
from typing import (
    TYPE_CHECKING,
    AbstractSet,
    Dict,
    FrozenSet,
    Iterable,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
)

from flake8_asyncloop.analysis.children import own_body_nodes
from flake8_asyncloop.analysis.names import ImportTable
from flake8_asyncloop.analysis.scopes import CLASS, FUNCTION, MODULE, Scope, parameter_names
from flake8_asyncloop.analysis.testcode import (
    ANYIO_BACKEND,
    ASYNCIO_FIXTURE_DECORATORS,
    PYTEST_FIXTURE_DECORATORS,
    FixtureSpec,
    fixture_spec,
    mark_name,
    pytestmark_value,
)
from flake8_asyncloop.context import pytest_config
from flake8_asyncloop.context.conftest_facts import conftest_facts
from flake8_asyncloop.context.model import ProjectContext, PytestConfig
from flake8_asyncloop.findings import AddImport

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

ASYNCIO_MARK = "pytest.mark.asyncio"
MARK_PREFIX = "pytest.mark."

# Marks through which other plugins run async tests.
RUNNER_MARKS = frozenset(
    {"anyio", "trio", "curio", "gen_test", "asyncio_cooperative", "twisted", "tonio"}
)
# Modules that run async tests themselves, or whose tests are run by their plugins.
RUNNER_MODULES = frozenset(
    {"anyio", "trio", "pytest_trio", "trio_asyncio", "curio", "pytest_curio", "tonio"}
)
# Words in plugin names (pytest_plugins, -p) of plugins that run async tests.
RUNNER_PLUGIN_WORDS = (
    "anyio", "trio", "curio", "aiohttp", "tornasync", "tornado", "twisted", "asyncio_cooperative",
    "tonio",
    "pytest_jupyter", "pytest_sanic",
)
# pytest-aiohttp's fixtures (``loop`` is its historical name): before 1.0 the plugin ran
# the coroutine tests itself; from 1.0 pytest-asyncio runs them.
AIOHTTP_FIXTURES = frozenset(
    {
        "loop", "aiohttp_client", "aiohttp_server", "aiohttp_raw_server", "aiohttp_unused_port",
        "aiohttp_client_cls", "test_client",
    }
)
# Fixtures whose request says another plugin runs the test: anyio's, pytest-trio's,
# pytest-aiohttp's and pytest-tornasync's.
RUNNER_FIXTURES = AIOHTTP_FIXTURES | frozenset(
    {
        "anyio_backend", "anyio_backend_name", "anyio_backend_options",
        "nursery", "autojump_clock", "mock_clock",
        "io_loop", "http_server", "http_client", "http_server_client", "http_server_port",
    }
)
# The same, for a project on pytest-aiohttp 1.0 or later.
RUNNER_FIXTURES_BESIDE_AIOHTTP = RUNNER_FIXTURES - AIOHTTP_FIXTURES
# Decorators known to leave an ``async def`` for pytest-asyncio to run: mock.patch keeps a
# coroutine function one; pytest-asyncio runs the coroutine inside hypothesis's @given.
TRANSPARENT_DECORATORS = frozenset(
    {
        "unittest.mock.patch", "unittest.mock.patch.object", "unittest.mock.patch.dict",
        "unittest.mock.patch.multiple",
        "mock.patch", "mock.patch.object", "mock.patch.dict", "mock.patch.multiple",
        "hypothesis.given", "hypothesis.settings", "hypothesis.example", "hypothesis.seed",
    }
)
# conftest hooks that can run coroutine fixtures.
FIXTURE_HOOKS = frozenset({"pytest_fixture_setup"})


_FIXTURE_DECORATORS = PYTEST_FIXTURE_DECORATORS | ASYNCIO_FIXTURE_DECORATORS


@dataclass
class MarkSet:
    """What a list of decorators (or a ``pytestmark`` value) says about who runs the test."""

    asyncio: List[ast.expr] = field(default_factory=list)  # asyncio marks, as written
    mentions_asyncio: bool = False  # an asyncio mark anywhere, e.g. in pytest.param(marks=...)
    runner: Optional[str] = None  # a mark or argument naming another runner
    unknown: Optional[ast.expr] = None  # the first one the linter cannot see into

    @property
    def handled_elsewhere(self) -> bool:
        return self.runner is not None or self.unknown is not None

    def add(self, item: ast.expr, imports: ImportTable, allow_fixture: bool = True) -> None:
        target = imports.resolve(item.func if isinstance(item, ast.Call) else item)
        if target is None and isinstance(item, ast.Name) and item.id == "staticmethod":
            return
        if target in TRANSPARENT_DECORATORS:
            return
        if allow_fixture and target in _FIXTURE_DECORATORS:
            return
        if target is None or not target.startswith(MARK_PREFIX):
            if self.unknown is None:
                self.unknown = item
            return
        name = target[len(MARK_PREFIX):].split(".", 1)[0]
        if name == "asyncio":
            self.asyncio.append(item)
            self.mentions_asyncio = True
        elif name in RUNNER_MARKS:
            self.runner = self.runner or f"pytest.mark.{name}"
        self._look_inside(item, imports)

    def _look_inside(self, item: ast.expr, imports: ImportTable) -> None:
        """Marks and fixture names in a mark's arguments: ``pytest.param(marks=...)``,
        ``parametrize("anyio_backend", ...)``, ``usefixtures("aiohttp_client")``."""
        if not isinstance(item, ast.Call):
            return
        for node in ast.walk(item):
            if node is item:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if ANYIO_BACKEND in node.value or node.value in RUNNER_FIXTURES:
                    self.runner = self.runner or repr(node.value)
            elif isinstance(node, (ast.Attribute, ast.Name)):
                qualified = imports.resolve(node)
                if qualified == ASYNCIO_MARK:
                    self.mentions_asyncio = True
                elif qualified and qualified.startswith(MARK_PREFIX):
                    if qualified[len(MARK_PREFIX):] in RUNNER_MARKS:
                        self.runner = self.runner or qualified


def decorator_marks(decorators: Iterable[ast.expr], imports: ImportTable) -> MarkSet:
    marks = MarkSet()
    for decorator in decorators:
        marks.add(decorator, imports)
    return marks


def always_skipped(node: ast.AST, classes: Iterable[Scope], file: "FileState") -> bool:
    """An unconditional ``pytest.mark.skip`` on the test or one of its classes: pytest never
    calls it, nor does any plugin."""
    decorators = list(node.decorator_list)  # type: ignore[attr-defined]
    for owner in classes:
        decorators += owner.node.decorator_list  # type: ignore[attr-defined]
    return any(mark_name(d, file.imports) == "skip" for d in decorators)


def def_marks(node: ast.AST, file: "FileState") -> MarkSet:
    """``decorator_marks`` of the def the walk is visiting, read once however many rules ask
    (kept on its scope). Not to be changed by the caller."""
    scope = file.scope
    if scope.node is not node:
        return decorator_marks(node.decorator_list, file.imports)  # type: ignore[attr-defined]
    marks = scope.marks
    if marks is None:
        marks = scope.marks = decorator_marks(node.decorator_list, file.imports)  # type: ignore
    return marks


def pytestmark_marks(value: ast.expr, imports: ImportTable, into: MarkSet) -> None:
    """Add a ``pytestmark`` value's marks; a value that is not marks is unknown."""
    items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
    for item in items:
        into.add(item, imports, allow_fixture=False)


def class_marks(node: ast.ClassDef, imports: ImportTable) -> MarkSet:
    """The class's decorators and its class-body ``pytestmark``."""
    marks = decorator_marks(node.decorator_list, imports)
    for statement in node.body:
        added = pytestmark_value(statement)
        if added is not None:
            pytestmark_marks(added, imports, marks)
    return marks


def owner_marks(owner: Scope, imports: ImportTable) -> MarkSet:
    """``class_marks`` of a class scope, read once: each test method in it asks."""
    marks = owner.marks
    if marks is None:
        marks = owner.marks = class_marks(owner.node, imports)  # type: ignore[arg-type]
    return marks


def assignment(statement: ast.stmt) -> Tuple[Optional[str], Optional[ast.expr]]:
    """(name, value) of ``name = value``, ``name: T = value`` or ``name += value``."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target: ast.expr = statement.targets[0]
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        target = statement.target
    else:
        return None, None
    if isinstance(target, ast.Name):
        return target.id, statement.value
    return None, None


@dataclass
class ModuleRunners:
    """What a test module says, as a whole, about who runs its async code."""

    pytestmark: MarkSet
    imports_runner: Optional[str] = None  # a runner module it imports (anyio, trio, ...)
    plugin: Optional[str] = None  # a runner plugin the module's pytest_plugins names
    runner_fixture: bool = False  # it defines an anyio_backend fixture
    any_asyncio_mark: bool = False  # an asyncio mark anywhere in the module
    imports_pytest_asyncio: bool = False
    # fixtures requested, directly or through other fixtures, by tests or fixtures that
    # another runner handles (anyio and trio marks, anyio_backend)
    runner_requests: Set[str] = field(default_factory=set)
    _specs: Dict[ast.AST, Optional[FixtureSpec]] = field(default_factory=dict, repr=False)

    @classmethod
    def read(
        cls,
        statements: Sequence[ast.stmt],
        imports: ImportTable,
        fixtures: Iterable[str],
        specs: Optional[Dict[ast.AST, Optional[FixtureSpec]]] = None,
    ) -> "ModuleRunners":
        """From the module-level statements (``module_level_statements``), their imports, the
        names of the module's fixtures and, when known, the fixture specs of its defs."""
        facts = cls(MarkSet())
        facts._specs = specs if specs is not None else {}
        facts.runner_fixture = ANYIO_BACKEND in fixtures
        defs: List[_Def] = []
        for statement in statements:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                facts._note_import(statement)
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                defs.append(facts._note_def(statement, MarkSet(), imports))
            elif isinstance(statement, ast.ClassDef):
                facts._note_class(statement, MarkSet(), imports, defs)
            else:
                added = pytestmark_value(statement)
                if added is not None:
                    pytestmark_marks(added, imports, facts.pytestmark)
                    continue
                target, value = assignment(statement)
                if target == "pytest_plugins" and value is not None:
                    facts.plugin = facts.plugin or runner_plugin(plugin_names(value))
        facts.any_asyncio_mark = facts.any_asyncio_mark or facts.pytestmark.mentions_asyncio
        facts.runner_requests = _requested_through_runners(defs)
        return facts

    def _note_import(self, statement: ast.AST) -> None:
        if isinstance(statement, ast.Import):
            modules = [alias.name for alias in statement.names]
        else:
            assert isinstance(statement, ast.ImportFrom)
            modules = [statement.module or ""]
            if any(alias.name in ("*", "pytestmark") for alias in statement.names):
                # pytestmark may come from elsewhere: the module's marks cannot be known.
                self.pytestmark.unknown = self.pytestmark.unknown or ast.Name("*")
        for module in modules:
            if module.split(".", 1)[0] == "pytest_asyncio":
                self.imports_pytest_asyncio = True
            if module.split(".", 1)[0] in RUNNER_MODULES:
                self.imports_runner = self.imports_runner or module

    def _note_class(
        self, node: ast.ClassDef, outer: MarkSet, imports: ImportTable, defs: List["_Def"]
    ) -> None:
        marks = class_marks(node, imports)
        self.any_asyncio_mark = self.any_asyncio_mark or marks.mentions_asyncio
        marks.runner = marks.runner or outer.runner
        for member in node.body:
            if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                defs.append(self._note_def(member, marks, imports))
            elif isinstance(member, ast.ClassDef):
                self._note_class(member, marks, imports, defs)

    def _note_def(self, func: ast.AST, outer: MarkSet, imports: ImportTable) -> "_Def":
        marks = decorator_marks(func.decorator_list, imports)  # type: ignore[attr-defined]
        self.any_asyncio_mark = self.any_asyncio_mark or marks.mentions_asyncio
        spec = self._specs.get(func, _NOT_INDEXED)
        if spec is _NOT_INDEXED:
            spec = fixture_spec(func, imports)
        requested = set(parameter_names(func.args))  # type: ignore[attr-defined]
        by_runner = (outer.runner or marks.runner) is not None or bool(requested & RUNNER_FIXTURES)
        if by_runner:  # usefixtures("name") and the like
            requested |= _strings_in(func.decorator_list)  # type: ignore[attr-defined]
        return _Def(spec.name if spec is not None else None, frozenset(requested), by_runner)

    @property
    def test_runner(self) -> Optional[str]:
        """Why every async test of the module may be run by something other than
        pytest-asyncio, before looking at the test's own marks."""
        if self.pytestmark.runner is not None:
            return f"the module's pytestmark names {self.pytestmark.runner}"
        if self.pytestmark.unknown is not None:
            return "the module's pytestmark cannot be read"
        if self.plugin is not None:
            return f"pytest_plugins names {self.plugin}"
        if self.runner_fixture:
            return "the module defines an anyio_backend fixture"
        if self.imports_runner is not None and not self.any_asyncio_mark:
            return f"the module imports {self.imports_runner} and uses no asyncio mark"
        return None

    def fixture_runner(self, name: str) -> Optional[str]:
        """Why the module's async fixture ``name`` may be set up by something other than
        pytest-asyncio."""
        if self.pytestmark.runner is not None:
            return f"the module's pytestmark names {self.pytestmark.runner}"
        if self.plugin is not None:
            return f"pytest_plugins names {self.plugin}"
        if self.runner_fixture:
            return "the module defines an anyio_backend fixture"
        if self.imports_runner is not None:
            return f"the module imports {self.imports_runner}"
        if name in self.runner_requests:
            return "an anyio or trio test requests it"
        return None


@dataclass(frozen=True)
class _Def:
    fixture: Optional[str]  # the fixture's name, None for a test or helper
    requested: FrozenSet[str]
    by_runner: bool


def _requested_through_runners(defs: List[_Def]) -> Set[str]:
    """Names requested by runner-run defs, and by the fixtures they request, transitively."""
    requested: Set[str] = set()
    for definition in defs:
        if definition.by_runner:
            requested |= definition.requested
    grew = True
    while grew:
        grew = False
        for definition in defs:
            if definition.fixture in requested and not definition.requested <= requested:
                requested |= definition.requested
                grew = True
    return requested


def _strings_in(nodes: Iterable[ast.AST]) -> Set[str]:
    return {
        node.value
        for top in nodes
        for node in ast.walk(top)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def plugin_names(value: ast.expr) -> List[str]:
    items = value.elts if isinstance(value, (ast.List, ast.Tuple, ast.Set)) else [value]
    return [
        item.value
        for item in items
        if isinstance(item, ast.Constant) and isinstance(item.value, str)
    ]


def runner_plugin(names: Iterable[str]) -> Optional[str]:
    for name in names:
        if any(word in name for word in RUNNER_PLUGIN_WORDS):
            return name
    return None


# -- the project: config, conftest chain and the plugins they load ----------------------------


# The answer per project context; contexts are shared by the files of a directory.
_project_answers: Dict[int, Tuple[ProjectContext, Optional[str]]] = {}


def project_test_runner(project: ProjectContext) -> Optional[str]:
    """Why async tests anywhere in this directory may be run by something we cannot see."""
    cached = _project_answers.get(id(project))
    if cached is not None and cached[0] is project:
        return cached[1]
    answer = _project_test_runner(project)
    if len(_project_answers) > 256:
        _project_answers.clear()
    _project_answers[id(project)] = (project, answer)
    return answer


def _project_test_runner(project: ProjectContext) -> Optional[str]:
    if project.coroutines_handled_by_hook:
        return "a conftest hook collects or marks the tests"
    if project.uses_anyio:
        return "the conftest chain uses anyio or trio"
    if project.pytest_aiohttp_runs_coroutine_tests:
        return "pytest-aiohttp before 1.0 runs every coroutine test"
    plugin = runner_plugin(name for c in project.conftests for name in c.plugins)
    if plugin is not None:
        return f"pytest_plugins names {plugin}"
    plugin = runner_plugin(_addopts_plugins(project.config.addopts))
    if plugin is not None:
        return f"addopts loads {plugin}"
    if _trio_mode(project.config.path):
        return "trio_mode is on"
    if _anyio_auto_mode(project.config):
        return "anyio_mode is auto"
    for path in _local_plugin_files(project):
        facts = conftest_facts(path)  # a plugin module reads like a conftest.py
        if facts is not None and (facts.handles_coroutines or facts.uses_anyio):
            return f"the plugin {os.path.basename(path)} collects or runs the tests"
        plugin = runner_plugin(facts.plugins) if facts is not None else None
        if plugin is not None:
            return f"the plugin {os.path.basename(path)} loads {plugin}"
    return None


def project_fixture_runner(project: ProjectContext) -> Optional[str]:
    """Like ``project_test_runner``, also counting hooks that set fixtures up."""
    reason = project_test_runner(project)
    if reason is not None:
        return reason
    if any(hook in FIXTURE_HOOKS for c in project.conftests for hook in c.hooks):
        return "a conftest hook sets fixtures up"
    return None


def _addopts_plugins(args: Sequence[str]) -> Iterable[str]:
    """The plugins ``-p`` loads (not those ``-p no:`` blocks)."""
    return (name for name in pytest_config.plugin_arguments(args) if not name.startswith("no:"))


def _trio_mode(config_path: Optional[str]) -> bool:
    """pytest-trio's ``trio_mode = true`` runs every async test under trio."""
    value = _other_plugin_setting(config_path, "trio_mode")
    return value is not None and value.lower() in ("true", "1", "yes", "on")


def _anyio_auto_mode(config: PytestConfig) -> bool:
    """anyio's ``anyio_mode = auto`` (or ``--anyio-mode=auto`` in addopts) runs every async
    test under anyio."""
    args = config.addopts
    for index, arg in enumerate(args):
        if arg == "--anyio-mode=auto" or (
            arg == "--anyio-mode" and index + 1 < len(args) and args[index + 1] == "auto"
        ):
            return True
    return _other_plugin_setting(config.path, "anyio_mode") == "auto"


def _other_plugin_setting(config_path: Optional[str], key: str) -> Optional[str]:
    """A setting of another plugin in the pytest config file (read once, cached), as text."""
    if config_path is None:
        return None
    section = pytest_config.load_file(config_path).section
    setting = section.settings.get(key) if section is not None else None
    return None if setting is None else str(setting.value).strip()


def _local_plugin_files(project: ProjectContext) -> Iterable[str]:
    """Files of the project itself named by the conftest chain's pytest_plugins."""
    names = [name for c in project.conftests for name in c.plugins]
    if not names or project.root is None:
        return []
    bases = [project.root, os.path.join(project.root, "src")]
    bases += [os.path.dirname(c.path) for c in project.conftests]
    found = []
    for name in names:
        relative = name.replace(".", os.sep)
        candidates = (
            os.path.join(base, tail)
            for base in bases
            for tail in (relative + ".py", os.path.join(relative, "__init__.py"))
        )
        path = next((p for p in candidates if os.path.isfile(p)), None)
        if path is not None:
            found.append(path)
    return found


# -- one def --------------------------------------------------------------------------------


def requests_runner_fixture(
    params: Iterable[str], fixtures: AbstractSet[str] = RUNNER_FIXTURES
) -> Optional[str]:
    for name in params:
        if name in fixtures:
            return name
    return None


def enclosing_classes(scope: Scope) -> Optional[List[Scope]]:
    """The classes around a def, innermost first; None when a def encloses it (not collected)."""
    classes: List[Scope] = []
    parent = scope.parent
    while parent is not None and parent.kind == CLASS:
        classes.append(parent)
        parent = parent.parent
    if parent is None or parent.kind != MODULE:
        return None
    return classes


def spelling(imports: ImportTable, qualified: str) -> Optional[Tuple[str, Tuple[AddImport, ...]]]:
    """How to write ``qualified`` here, with the import it needs; None if a name is in the way."""
    parts = qualified.split(".")
    for cut in range(len(parts), 0, -1):
        alias = imports.alias_for(".".join(parts[:cut]))
        if alias is not None:
            return ".".join([alias, *parts[cut:]]), ()
    if imports.lookup(parts[0]) is None:
        return qualified, (AddImport(parts[0]),)
    return None


# pytest-asyncio 0.17 introduced strict mode; before it, unmarked tests ran in "legacy" mode.
FIRST_VERSION_WITH_STRICT_MODE = (0, 17)


def strict_mode(project: ProjectContext) -> bool:
    """pytest-asyncio runs only marked tests and ``pytest_asyncio`` fixtures."""
    version = project.pytest_asyncio_version
    if version is not None and version < FIRST_VERSION_WITH_STRICT_MODE:
        return False
    return project.config.asyncio_mode == "strict"


# What a rule that reports only what strict mode gets wrong cannot know, as its docs page
# says it (ALP401, ALP402: their own limitations follow).
STRICT_MODE_UNKNOWN = """
    With no pytest config file in sight the asyncio mode is unknown (a project checked out
    without its `pytest.ini`, as many sdists are, may well run in auto mode), and the rule
    is silent; a project that really has no config runs in strict mode, so add one (an empty
    `[pytest]` section will do) to get these findings. A `pyproject.toml` without a pytest
    table counts as a config with the defaults when no other config is found up the tree:
    pytest 8.1 and later take it as their config file. The mode is also unknown, and the
    rule silent, where a file of the project starts pytest with `--asyncio-mode=auto` or
    `-o asyncio_mode=auto`: a Makefile, justfile, tox, nox or task file, `pyproject.toml`,
    `setup.cfg`, a shell script, a CI workflow, or the README or a contributor guide, at the
    project root or above it up to the repository's top. A mode passed only where none of
    these says so (a CI setting kept elsewhere) is not seen. A config file that cannot be
    parsed (a project template's `pyproject.toml` with `{% if %}` lines in it) leaves the
    mode unknown too; ALP208 reports the file. So does a `pyproject.toml` without pytest
    settings of a uv workspace member (one that takes a sibling with `{ workspace = true }`
    and has no `[tool.uv.workspace]` table of its own) found with no config above it: pytest
    runs such a member from the workspace's root, with that root's config. And so does a
    `pyproject.toml` without pytest settings of a project that names pytest (or a plugin of
    it) in none of its dependency or lock files, Makefiles, tox or nox files, shell scripts
    or CI workflows: a package of a monorepo, or an sdist, whose test setup, settings
    included, is kept elsewhere; and so does one of an unpacked sdist (a `PKG-INFO` beside
    it), which may have left its `pytest.ini` out; unless the suite itself shows it is
    written for strict mode: at least half of its async tests carry an asyncio mark (their
    own, their class's or the module's `pytestmark`), and its test modules and conftest.py
    files do not declare async fixtures with plain `@pytest.fixture` (which only auto mode
    runs) without declaring any with `@pytest_asyncio.fixture`.
"""


def strict_mode_known(project: ProjectContext) -> bool:
    """Strict mode, in a project whose pytest settings were found: a pytest section, or a
    pyproject.toml without one, which pytest (8.1 and later) takes as its config file when
    no other is found up the tree, and so runs with the defaults. With neither in sight (an
    sdist often ships without its pytest.ini and has no pyproject.toml) the mode is unknown,
    and the rules that report something only strict mode gets wrong stay silent. So it is
    where a file of the project starts pytest with ``--asyncio-mode=auto``."""
    if not strict_mode(project) or project.asyncio_mode_on_command_line:
        return False
    config = project.config
    if config.unreadable:
        return False  # a config pytest cannot parse says nothing of the mode
    if config.workspace_member:
        return False  # the workspace root's config is not in sight
    if config.section_line is not None:
        return True
    # A pyproject.toml without pytest settings, of a project that declares its tests or
    # whose suite shows it is written for strict mode.
    pyproject = os.path.basename(config.path or "") == pytest_config.PYPROJECT
    return pyproject and (project.test_setup_in_sight or project.strict_by_its_marks)


def yields(func: ast.AST) -> Optional[ast.AST]:
    """The first ``yield`` of the function's own body (not of a def nested in it)."""
    # Several rules ask about the same def: the answer is kept while the tree lives.
    try:
        return _first_yields[func]
    except KeyError:
        pass
    found = _first_yield(func)
    _first_yields[func] = found
    return found


_first_yields: "WeakKeyDictionary[ast.AST, Optional[ast.AST]]" = WeakKeyDictionary()
_YIELDS = (ast.Yield, ast.YieldFrom)


def _first_yield(func: ast.AST) -> Optional[ast.AST]:
    return next((node for node in own_body_nodes(func) if isinstance(node, _YIELDS)), None)


class OwnYields:
    """Which defs hold a ``yield`` in their own body, learnt from the walk as it goes.

    ``yields`` answers the same question with a second walk of the body; a rule that can wait
    for the end of the def (its ``leave_`` handler) feeds this from its ``visit_Yield`` and
    ``visit_YieldFrom`` handlers instead, and pays nothing for defs without a yield.
    """

    def __init__(self) -> None:
        self._yielding: Set[ast.AST] = set()

    def saw(self, node: ast.AST, scope: Scope) -> None:
        """``node`` (a Yield or YieldFrom) was visited with ``scope`` innermost."""
        func = scope.node
        # A yield in the def's defaults or decorators is walked in its scope but is not in
        # its body; the body is all that comes at or after its first statement.
        if scope.kind != FUNCTION:
            return
        if _position(node) >= _position(func.body[0]):  # type: ignore[attr-defined]
            self._yielding.add(func)

    def __contains__(self, func: ast.AST) -> bool:
        return func in self._yielding


def _position(node: ast.AST) -> Tuple[int, int]:
    return node.lineno, node.col_offset  # type: ignore[attr-defined]


def module_runners(file: "FileState") -> ModuleRunners:
    """The module's runner facts, read once per file from its index (the statements, imports
    and fixture specs it already holds), shared by the rules that need them."""
    derived = file.module.derived
    runners = derived.get(_RUNNERS)
    if runners is None:
        module = file.module
        runners = derived[_RUNNERS] = ModuleRunners.read(
            module.statements, module.imports, module.fixtures, module.specs
        )
    return runners


_RUNNERS = "async_runners.module_runners"
_NOT_INDEXED = object()  # a def the module index did not look at
