"""ALP201: test code defines a fixture named ``event_loop``, which pytest-asyncio 1.0 removed."""

from __future__ import annotations

import ast
import os
from typing import Optional

from flake8_asyncloop.analysis.event_loop_migration import (
    migrate_module_override,
    module_defs,
    requested_by_sync_code,
)
from flake8_asyncloop.analysis.loop_scopes import is_scope
from flake8_asyncloop.analysis.loops import EVENT_LOOP_FIXTURE
from flake8_asyncloop.analysis.names import last_name
from flake8_asyncloop.analysis.scopes import MODULE
from flake8_asyncloop.analysis.testcode import fixture_spec, is_test_name
from flake8_asyncloop.context.model import ProjectContext, PytestConfig
from flake8_asyncloop.findings import ConfigSetting, DeleteStatement, Fix, Safety, Span
from flake8_asyncloop.rule import Bad, Good, Rule

# The only calls a plain "new loop, yield it, close it" override makes.
LOOP_FACTORY_CALLS = frozenset(
    {
        "new_event_loop",
        "get_event_loop_policy",
        "set_event_loop",
        "close",
        "run_until_complete",
        "shutdown_asyncgens",
        "shutdown_default_executor",
        "is_closed",
        "is_running",
        "stop",
    }
)

# Before 0.22 overriding ``event_loop`` was pytest-asyncio's documented way to widen the loop.
FIRST_VERSION_DEPRECATING_OVERRIDE = (0, 22)
FIRST_VERSION_WITHOUT_FIXTURE = (1, 0)
# ``loop_scope=`` on marks and fixtures, which the migration writes, came in 0.24;
# ``asyncio_default_test_loop_scope`` in 0.26.
FIRST_VERSION_WITH_LOOP_SCOPE = (0, 24)
FIRST_VERSION_WITH_TEST_LOOP_SCOPE = (0, 26)
FIXTURE_DEFAULT_KEY = "asyncio_default_fixture_loop_scope"
TEST_DEFAULT_KEY = "asyncio_default_test_loop_scope"

AUTO_MODE_INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
# Code a plain "make a loop" override never holds.
NOT_A_PLAIN_LOOP = (
    ast.Await, ast.AsyncWith, ast.AsyncFor, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef
)

REMOVED = "pytest-asyncio 1.0 removed this fixture and runs no async code in it"
CHOOSE_LOOP_TYPE = "choose the kind of loop with a pytest_asyncio_loop_factories hook (1.4+)"
DEPRECATED = "deprecated since pytest-asyncio 0.22 and removed in 1.0"


class EventLoopFixtureOverride(Rule):
    code = "ALP201"
    name = "event-loop-fixture-override"
    # Needed in the text for a finding: only fixtures named ``event_loop`` are reported
    trigger_words = ("event_loop",)
    message = "`event_loop` fixture defined: {status}; {action}"
    fix_safety = Safety.UNSAFE

    what = """
    Flags a fixture named `event_loop` defined in a test module or `conftest.py`, whatever
    the decorator is spelled (`@pytest.fixture`, `@fixture`, `@pytest_asyncio.fixture`, an
    alias) and including a fixture renamed to it with `name="event_loop"`. The message says
    what to do instead: delete a function-scoped override, and move a wider one's scope to
    `loop_scope=` on the tests and fixtures it served (or, for the conftest.py that serves
    the whole project, beside the pytest config or the outermost one in a directory just
    below it, such as `tests/`, to the config's default loop scopes). When
    sync tests of the module request the fixture (their own loop), it says to rename it
    instead (not in conftest.py, whose sync requesters are fixtures that may hand the loop
    on to async code); when the override picks the kind of loop
    (a loop policy, uvloop, or `params=`), it points at the `pytest_asyncio_loop_factories`
    hook of pytest-asyncio 1.4, which makes that choice now. When the target pytest-asyncio
    is 0.22 to 0.26, the message says the override is deprecated and removed in 1.0.
    """
    why = """
    Up to pytest-asyncio 0.21, overriding `event_loop` was how a suite gave its tests a
    module- or session-wide loop; 0.22 to 0.26 warned that it was deprecated, and 1.0 removed
    the fixture. An override is now an ordinary fixture that pytest-asyncio never looks at:
    async tests and fixtures run on pytest-asyncio's own function-scoped loop, so objects
    shared across tests end up `attached to a different loop`, and fixtures that were widened
    to match the override fail with ScopeMismatch. Nothing warns about it any more.
    """
    fix_notes = """
    Unsafe, and offered only for an override that does nothing but create a loop, yield (or
    return) it and close it, that has no `params=`, and that no sync code of the same module
    requests (as a parameter, in `usefixtures`, through `request.getfixturevalue("event_loop")`,
    or in the module's `pytestmark`: such tests use it as their own loop; rename it instead),
    and whose
    function name no other def of its block has (deleted, it would bring that one back). The
    fix is the pytest-asyncio 1.x migration:

    - **function scope**: the override is deleted; pytest-asyncio already gives every test a
      fresh function-scoped loop.
    - **wider scope, in a test module**: the override served that module's async tests and
      async fixtures, so the fix deletes it and gives them its scope: `loop_scope=` is added
      to the asyncio mark each test is closest to (its own, its class's or the module's
      `pytestmark`; in auto mode an unmarked test gets `@pytest.mark.asyncio(loop_scope=...)`)
      and to each `@pytest_asyncio.fixture` (in auto mode an async `@pytest.fixture` becomes
      one). No fix when a test or fixture already asks for another loop scope, a fixture
      outlives the override's scope, or something in the module still requests `event_loop`.
    - **wider scope, in the conftest.py beside the pytest config**: the override served the
      whole project, so the fix deletes it and sets `asyncio_default_fixture_loop_scope` and
      `asyncio_default_test_loop_scope` to its scope in that config file (`pytest.ini`,
      `pyproject.toml`, `tox.ini` or `setup.cfg`; a one-line edit, the file otherwise
      untouched). Only `flake8-asyncloop fix` applies it, since it writes two files; editors
      and SARIF reports do not offer it. No fix when the config already sets another loop
      scope than `function`, or for a conftest.py lower down, which served part of the tests.

    No fix, for a wider scope, where a conftest.py's `pytest_collection_modifyitems` marks
    the async tests with a loop scope (pytest-asyncio's recipe for one loop per session):
    that mark, not the ones the fix would write, decides their loop. With the recipe's
    `append=False` the hook's mark wins over every mark of the test's own, so the message
    only says to delete the override, and to give the async fixtures the hook's loop scope
    where the config's fixture default differs.

    A sync test elsewhere that requests a deleted conftest override fails with
    `fixture 'event_loop' not found` (ALP203 points at each); that is why the fix is unsafe.
    """
    limitations = """
    Some suites define `event_loop` to hand sync tests a loop of their own; that still works,
    but the name invites async code to request it (ALP203), so the rule still reports it and
    asks for another name. Only sync tests of the same module are seen: a conftest.py
    override whose sync users are elsewhere gets the advice to delete it. A fixture made
    without a decorator (`event_loop = pytest.fixture(make_loop)`) or defined in a plugin
    module outside the test code is not seen. When the target
    pytest-asyncio version is known to be older than 0.22, where the override was the
    documented way to change the loop, the rule is silent. The module migration does not
    see `request.getfixturevalue("event_loop")` in a body, nor tests in other modules that
    a module-level override could not serve anyway; it needs pytest-asyncio 0.24 (0.26 for
    the config migration, which adds `asyncio_default_test_loop_scope`).
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest


            @pytest.fixture(scope="module")
            def event_loop():
                loop = asyncio.new_event_loop()
                yield loop
                loop.close()


            @pytest.mark.asyncio
            async def test_ping(server):
                assert await server.ping()
            """,
            (7, 1),
        ),
        Bad(
            """
            import asyncio

            import pytest


            @pytest.fixture
            def event_loop():
                loop = asyncio.new_event_loop()
                yield loop
                loop.close()


            @pytest.mark.asyncio
            async def test_sleep():
                assert await asyncio.sleep(0, "done") == "done"
            """,
            (7, 1),
            fixed="""
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_sleep():
                assert await asyncio.sleep(0, "done") == "done"
            """,
        ),
        Bad(
            """
            import asyncio

            import pytest_asyncio as pa


            class TestStream:
                @pa.fixture(scope="class", name="event_loop")
                def class_loop(self):
                    loop = asyncio.new_event_loop()
                    yield loop
                    loop.close()
            """,
            (8, 5),
        ),
        Bad(
            """
            import asyncio

            import pytest_asyncio


            @pytest_asyncio.fixture(scope="session")
            async def event_loop():
                yield asyncio.get_running_loop()
            """,
            (7, 1),
            filename="conftest.py",
        ),
        Bad(
            """
            import asyncio

            from pytest import fixture


            @fixture(scope="session")
            def event_loop(request):
                return asyncio.get_event_loop_policy().new_event_loop()
            """,
            (7, 1),
        ),
        Bad(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest.fixture(scope="module")
            def event_loop():
                loop = asyncio.new_event_loop()
                yield loop
                loop.close()


            @pytest_asyncio.fixture(scope="module")
            async def server_ready():
                loop = asyncio.get_running_loop()
                ready = loop.create_future()
                loop.call_soon(ready.set_result, "listening")
                return ready


            @pytest.mark.asyncio
            async def test_server_starts(server_ready):
                assert await server_ready == "listening"
            """,
            (8, 1),
            fixed="""
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture(scope="module", loop_scope="module")
            async def server_ready():
                loop = asyncio.get_running_loop()
                ready = loop.create_future()
                loop.call_soon(ready.set_result, "listening")
                return ready


            @pytest.mark.asyncio(loop_scope="module")
            async def test_server_starts(server_ready):
                assert await server_ready == "listening"
            """,
            runs=True,
        ),
        Bad(
            """
            import asyncio

            import pytest

            pytestmark = pytest.mark.asyncio


            @pytest.fixture(scope="session")
            def event_loop():
                loop = asyncio.new_event_loop()
                yield loop
                loop.close()


            @pytest.fixture(scope="session")
            async def shared_loop():
                return asyncio.get_running_loop()


            class TestLoop:
                async def test_same_loop(self, shared_loop):
                    assert shared_loop is asyncio.get_running_loop()


            async def test_sleep():
                await asyncio.sleep(0)
            """,
            (9, 1),
            fixed="""
            import asyncio

            import pytest
            import pytest_asyncio

            pytestmark = pytest.mark.asyncio(loop_scope="session")


            @pytest_asyncio.fixture(scope="session", loop_scope="session")
            async def shared_loop():
                return asyncio.get_running_loop()


            class TestLoop:
                async def test_same_loop(self, shared_loop):
                    assert shared_loop is asyncio.get_running_loop()


            async def test_sleep():
                await asyncio.sleep(0)
            """,
            files={"pytest.ini": AUTO_MODE_INI},
            runs=True,
        ),
        Good(
            """
            import pytest


            @pytest.mark.asyncio(loop_scope="module")
            async def test_ping(server):
                assert await server.ping()
            """,
            reason="the loop's scope is given on the tests that share it, not by a fixture",
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.fixture
            def fresh_loop():
                loop = asyncio.new_event_loop()
                yield loop
                loop.close()


            def test_sync_runner(fresh_loop):
                assert fresh_loop.run_until_complete(asyncio.sleep(0, 1)) == 1
            """,
            reason="a loop fixture of the suite's own under another name collides with nothing",
        ),
        Good(
            """
            import asyncio


            def event_loop():
                return asyncio.new_event_loop()


            def test_helper_loop():
                loop = event_loop()
                loop.close()
            """,
            reason="a plain helper function named event_loop is not a fixture",
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.fixture(name="loop")
            def event_loop():
                loop = asyncio.new_event_loop()
                yield loop
                loop.close()
            """,
            reason="name= gives the fixture another name; event_loop is only the function's",
        ),
    )

    def visit_FunctionDef(self, node: ast.AST) -> None:
        scope = self.file.scope
        if scope.node is not node or scope.fixture is None:
            return
        if scope.fixture.name != EVENT_LOOP_FIXTURE:
            return
        project = self.file.project
        if project.targets_pytest_asyncio_below(FIRST_VERSION_DEPRECATING_OVERRIDE):
            return
        deprecated = project.targets_pytest_asyncio_below(FIRST_VERSION_WITHOUT_FIXTURE)
        fixture = scope.fixture
        # Sync tests, not fixtures: a sync fixture that requests it may hand it on to async
        # code, where a new name would not help.
        if not self.file.is_conftest and requested_by_sync_code(
            self.file.module, node, tests_only=True
        ):
            action = _rename_action(fixture.scope, self._module_has_async_defs())
        elif fixture.scope != "function" and project.config.hook_mark_first:
            action = _hook_action(project.config)
        else:
            project_wide = self.file.is_conftest and _at_project_root(self.file.filename, project)
            action = _action(fixture.scope, project_wide)
        chooses = _chooses_loop_type(node, fixture.decorator)
        if chooses:
            action += f"; {CHOOSE_LOOP_TYPE}"
        self.report(
            node,
            None if chooses else self._fix(node, fixture.scope),
            status=DEPRECATED if deprecated else REMOVED,
            action=action,
        )

    def _fix(self, node: ast.AST, loop_scope: Optional[str]) -> Optional[Fix]:
        if not _only_makes_a_loop(node) or self._sync_users(node) or self._redefines(node):
            return None
        delete = DeleteStatement(Span.of(node))
        if loop_scope == "function":
            return Fix(Safety.UNSAFE, "delete the override", (delete,))
        file = self.file
        if file.project.config.marked_by_hook is not None:
            # A conftest hook's mark decides the tests' loops: the loop scopes the fix
            # would write on marks or in the config may not be the ones they run on.
            return None
        parent = file.scope.parent
        if parent is None or parent.kind != MODULE:
            return None  # a class's override served that class only
        if file.is_conftest:
            return _project_wide_fix(file.filename, loop_scope, file.project, delete)
        version = file.project.pytest_asyncio_version
        too_old = version is not None and version < FIRST_VERSION_WITH_LOOP_SCOPE
        if not is_scope(loop_scope) or too_old:
            return None
        migration = migrate_module_override(
            node, loop_scope, file.module, file.imports, file.project  # type: ignore[arg-type]
        )
        if migration is None:
            return None
        edits, imports = migration
        description = (
            "delete the override; run the module's async tests and fixtures with "
            f'loop_scope="{loop_scope}"'
        )
        return Fix(Safety.UNSAFE, description, (delete, *edits), imports)

    visit_AsyncFunctionDef = visit_FunctionDef

    def _redefines(self, fixture: ast.AST) -> bool:
        """Whether another def or class of the same block has the override's function name:
        deleted, the override would bring an earlier one back into use."""
        parent = self.file.scope.parent
        block = parent.node.body if parent is not None and parent.kind != MODULE else None
        statements = block if block is not None else self.file.tree.body
        name = fixture.name  # type: ignore[attr-defined]
        return any(
            isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and s is not fixture
            and s.name == name
            for s in statements
        )

    def _module_has_async_defs(self) -> bool:
        """Whether an async test or fixture sits at the module's top level or in a class of
        it: one the override may have served. A helper coroutine is neither (google-cloud-
        storage's ``create_async_grpc_client``)."""
        file = self.file
        functions = file.project.config.python_functions
        return any(
            isinstance(f, ast.AsyncFunctionDef)
            and (is_test_name(f.name, functions) or fixture_spec(f, file.imports) is not None)
            for f in module_defs(file.module)
        )

    def _sync_users(self, fixture: ast.AST) -> bool:
        """Whether sync code in this module requests ``event_loop`` (its own loop fixture):
        deleting the override would leave it asking for a fixture that is gone."""
        return requested_by_sync_code(self.file.module, fixture)


def _project_wide_fix(
    conftest: str, loop_scope: Optional[str], project, delete: DeleteStatement
) -> Optional[Fix]:
    """The override in the conftest.py beside the pytest config served every test of the
    project: the config's default loop scopes say the same in pytest-asyncio 1.x."""
    config = project.config
    version = project.pytest_asyncio_version
    if (
        not is_scope(loop_scope)
        or config.path is None
        or config.problems
        or config.unreadable
        or (version is not None and version < FIRST_VERSION_WITH_TEST_LOOP_SCOPE)
        or _directory(conftest) != _directory(config.path)
    ):
        return None  # a conftest lower down served only part of the project
    # "function" is what most suites set only to silence the warning; under the override
    # those fixtures ran on its loop anyway. Another value was a choice: keep out of it.
    fixture_default_set = config.fixture_loop_scope_line is not None
    if fixture_default_set and config.fixture_loop_scope not in ("function", loop_scope):
        return None
    if config.test_loop_scope not in (None, "function", loop_scope):
        return None
    settings = (
        ConfigSetting(config.path, FIXTURE_DEFAULT_KEY, loop_scope),  # type: ignore[arg-type]
        ConfigSetting(config.path, TEST_DEFAULT_KEY, loop_scope),  # type: ignore[arg-type]
    )
    name = os.path.basename(config.path)
    description = f'delete the override; set the default loop scopes to "{loop_scope}" in {name}'
    return Fix(Safety.UNSAFE, description, (delete,), settings=settings)


def _directory(path: str) -> str:
    return os.path.dirname(os.path.abspath(path))


def _at_project_root(conftest: str, project: ProjectContext) -> bool:
    """Whether the conftest.py serves the project's tests as a whole: it sits at the
    project's root (the pytest config's directory), or in a directory just below it
    (``tests/``) with no conftest.py above it. One further down serves part of them."""
    if project.root is None or not project.conftests:
        return False
    root = os.path.abspath(project.root)
    directory = _directory(conftest)
    outermost = _directory(project.conftests[0].path) == directory
    return directory == root or (outermost and os.path.dirname(directory) == root)


def _only_makes_a_loop(node: ast.AST) -> bool:
    """True for the classic override body: new loop, yield or return it, close it."""
    makes_loop = False
    # the body only: the decorator is a call too; a fixture body is a few statements
    body = node.body  # type: ignore[attr-defined]
    for inner in (n for statement in body for n in ast.walk(statement)):
        if isinstance(inner, ast.Call):
            name = last_name(inner.func)
            if name not in LOOP_FACTORY_CALLS:
                return False
            makes_loop = makes_loop or name == "new_event_loop"
        elif isinstance(inner, NOT_A_PLAIN_LOOP):
            return False
    return makes_loop


def _rename_action(scope: Optional[str], served_async_code: bool) -> str:
    """Sync tests of the module use the override as their own loop: deleting it would break
    them, and the name invites async code to request it (ALP203)."""
    action = "sync tests here use it as their own loop: rename it"
    if served_async_code and is_scope(scope) and scope != "function":
        action += f'; give the async tests and fixtures it served loop_scope="{scope}"'
    return action


def _chooses_loop_type(node: ast.AST, decorator: ast.expr) -> bool:
    """Whether the override picks the kind of loop (a policy, uvloop, or one loop per
    ``params=`` value): deleting it loses that choice, which 1.4 moved to a hook."""
    if isinstance(decorator, ast.Call) and any(k.arg == "params" for k in decorator.keywords):
        return True
    body = node.body  # type: ignore[attr-defined]
    for inner in (n for statement in body for n in ast.walk(statement)):
        name = inner.attr if isinstance(inner, ast.Attribute) else getattr(inner, "id", "")
        if name == "set_event_loop_policy" or name.endswith("EventLoopPolicy") or name == "uvloop":
            return True
    return False


def _hook_action(config: PytestConfig) -> str:
    """A conftest.py hook puts its asyncio mark first on every async test: they run on its
    loop whatever their own marks say, so only the fixtures may need a loop scope."""
    hook = config.marked_by_hook
    if config.fixture_loop_scope == hook:
        return f'delete it: the async tests and fixtures already run on the "{hook}" loop'
    return (
        f'delete it; a conftest.py hook runs the async tests on the "{hook}" loop: give '
        f'the async fixtures it served loop_scope="{hook}"'
    )


def _action(scope: Optional[str], project_wide: bool) -> str:
    if scope == "function":
        return "delete it (rename it instead if sync tests use it as their own loop)"
    if scope is None:
        return "delete it and give the tests and fixtures it served a matching loop_scope="
    if project_wide:
        return (
            "delete it; set asyncio_default_test_loop_scope and "
            f'asyncio_default_fixture_loop_scope to "{scope}" in the pytest config'
        )
    return f'delete it and give the tests and fixtures it served loop_scope="{scope}"'
