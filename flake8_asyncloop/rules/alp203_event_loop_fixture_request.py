"""ALP203: a test or fixture requests ``event_loop``, a fixture pytest-asyncio 0.22 deprecated
and 1.0 removed."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Optional, Set

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.async_runners import (
    decorator_marks,
    enclosing_classes,
    module_runners,
    owner_marks,
    project_test_runner,
    requests_runner_fixture,
    yields,
)
from flake8_asyncloop.analysis.event_loop_migration import names_event_loop
from flake8_asyncloop.analysis.loop_scopes import Unknown, asyncio_marks, mark_loop_scope
from flake8_asyncloop.analysis.loops import EVENT_LOOP_FIXTURE, GET_RUNNING_LOOP
from flake8_asyncloop.analysis.names import may_end_with
from flake8_asyncloop.analysis.testcode import requested_parameters, scope_value
from flake8_asyncloop.findings import (
    AddImport,
    Edit,
    Fix,
    InsertAtBodyStart,
    RemoveParameter,
    Safety,
    Span,
)
from flake8_asyncloop.rule import Bad, Good, Rule

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

# Where an ``event_loop`` fixture visible to the requester comes from.
NOT_DEFINED = "not defined"  # nowhere: pytest-asyncio 1.x has none
USER_DEFINED = "user-defined"  # the module or its conftest chain defines one
UNSEEN = "unseen"  # it may come from somewhere the linter cannot read

# pytest-asyncio's own fixture by version: 0.22.0 (yanked) started warning when async code
# requests it, 0.23.0 is the first release with that warning still on PyPI, 1.0 removed it.
FIRST_VERSION_DEPRECATING_REQUEST = (0, 22)
FIRST_VERSION_KEEPING_DEPRECATION = (0, 23)
FIRST_VERSION_WITHOUT_FIXTURE = (1, 0)

# Which of those the target version is in.
DEPRECATED = "deprecated"
REMOVED = "removed"
# The last names of the calls looked at: ``pytest.mark.usefixtures``, ``request.getfixturevalue``.
_LAST_NAMES = frozenset({"usefixtures", "getfixturevalue"})
_GETS_CURRENT_LOOP = frozenset({"get_event_loop"})

DEPRECATED_PROBLEM = "deprecated, and removed in pytest-asyncio 1.0"
PROBLEMS = {
    NOT_DEFINED: "pytest-asyncio 1.x has no such fixture (fixture 'event_loop' not found)",
    USER_DEFINED: "the suite's own `event_loop` is not the loop this async code runs on",
    UNSEEN: "pytest-asyncio 1.x has none, and any other is not the loop this async code runs on",
}
USE_RUNNING_LOOP = "use asyncio.get_running_loop() instead"
DROP_UNUSED = "nothing here uses it: remove the parameter"
MAKE_ASYNC = "make it async and await instead of driving a loop, or use a loop fixture of your own"
DROP_USEFIXTURE = 'drop "event_loop" from usefixtures'

# A conftest.py giving sync tests a loop of the suite's own, for the examples.
CONFTEST_WITH_LOOP = """\
import asyncio

import pytest


@pytest.fixture
def event_loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()
"""

# Class kinds whose test methods take no pytest fixtures.
NO_FIXTURE_CLASSES = frozenset({"unittest", "async_testcase"})


class EventLoopFixtureRequest(Rule):
    code = "ALP203"
    name = "event-loop-fixture-request"
    # Needed in the text for a finding: only requests of ``event_loop`` are reported
    trigger_words = ("event_loop",)
    call_names = _LAST_NAMES
    message = "`event_loop` fixture requested: {problem}; {action}"
    fix_safety = Safety.SAFE

    what = """
    Flags a test or fixture that requests `event_loop` (a parameter of that name,
    `@pytest.mark.usefixtures("event_loop")`, or `request.getfixturevalue("event_loop")`)
    when no `event_loop` fixture of the suite's own is visible from the module or its
    conftest chain. An `async def` requester is flagged even when the suite defines one.
    A sync requester of the suite's own fixture is silent: ALP201 speaks once, at the
    definition. The message depends on the target pytest-asyncio version (the installed
    one, or `--asyncloop-pytest-asyncio-version`): from 1.0 it says why the request fails
    or gets the wrong loop; from 0.22 up to 1.0 it says the fixture is deprecated and
    removed in 1.0; before 0.22 the rule is silent. Pins in the project's dependency files
    count too: `pytest-asyncio<1.0` (or a pytest older than 8.2) gives the deprecation
    message, `pytest-asyncio==0.21.1` silence.
    """
    why = """
    pytest-asyncio 0.22 deprecated requesting `event_loop` from async tests and fixtures (a
    `PytestDeprecationWarning` from 0.23 on, the first of those releases still on PyPI), and
    1.0 removed the fixture, so a request for it fails with
    `fixture 'event_loop' not found` and the test errors before it starts. When the suite
    defines its own `event_loop`, a sync test gets that loop and is fine, but async code gets
    a loop that is *not* the one it runs on: work scheduled there never runs, and futures
    made on it are `attached to a different loop`. Inside `async def`, the loop the code runs
    on is `asyncio.get_running_loop()`.
    """
    fix_notes = """
    In `async def` only: the parameter is removed and, if the body uses it,
    `event_loop = asyncio.get_running_loop()` becomes the first statement (after a
    docstring), spelled the way the module imports asyncio. From pytest-asyncio 1.0 on, safe
    when no `event_loop` fixture is visible, since the request fails today; unsafe when the
    suite defines one (that fixture no longer runs for the test) or may get one from a place
    the linter cannot read. From 0.23 up to 1.0, where the request still works, the fix is
    offered (as safe) only where it provably changes nothing: an async test, not a fixture,
    that pytest-asyncio runs on its own function-scoped `event_loop` (its own asyncio mark
    names no wider loop, no other runner is in sight, the suite defines no `event_loop`), and
    that requests `event_loop` last. That fixture is then the running loop, and pytest-asyncio
    sets it up after the test's other fixtures whether requested or not, so neither the value
    nor the setup order changes. Everywhere else in that range there is no fix. A sync
    requester that neither uses the name nor calls `get_event_loop()` loses the parameter:
    safe from 1.0 on, where the request only fails; unsafe before, where the fixture also
    made a loop current for the test, which code the def calls may rely on. Other sync
    requesters, `usefixtures` and `getfixturevalue` are not fixed: a sync test that drives a
    loop must be rewritten as an async test. Nor is a parameter whose def also calls
    `request.getfixturevalue("event_loop")`: without it, that call would set the fixture up
    inside the running test.
    """
    limitations = """
    Fixtures from plugins (`pytest_plugins`, installed packages), star imports (in the module
    or a conftest.py), imports of a fixture named `event_loop`, module-level assignments and
    test base classes defined elsewhere cannot be seen; when one of them may provide
    `event_loop`, sync requesters are left alone. Parametrizing `event_loop` is
    recognised on the function's own decorators only. Before pytest-asyncio 0.22, when
    requesting the fixture was the documented way to reach the loop, the rule is silent. From
    0.22 up to 1.0 a sync request of pytest-asyncio's own fixture is reported although
    pytest-asyncio itself does not warn about it: it is deprecated with the fixture, and
    fails once 1.0 is installed. A module-level def that a later def of the same name
    replaces is never collected, and is left alone (flake8's F811 reports the
    redefinition).
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_executor_sum(event_loop):
                result = await event_loop.run_in_executor(None, sum, [1, 2])
                assert result == 3
            """,
            (7, 29),
            fixed="""
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_executor_sum():
                event_loop = asyncio.get_running_loop()
                result = await event_loop.run_in_executor(None, sum, [1, 2])
                assert result == 3
            """,
            runs=True,
        ),
        Bad(
            """
            from asyncio import get_running_loop, sleep

            import pytest


            @pytest.mark.asyncio
            async def test_call_soon(event_loop):
                \"\"\"Callbacks run before the next await returns.\"\"\"
                seen = []
                event_loop.call_soon(seen.append, 1)
                await sleep(0)
                assert seen == [1]
            """,
            (7, 26),
            fixed="""
            from asyncio import get_running_loop, sleep

            import pytest


            @pytest.mark.asyncio
            async def test_call_soon():
                \"\"\"Callbacks run before the next await returns.\"\"\"
                event_loop = get_running_loop()
                seen = []
                event_loop.call_soon(seen.append, 1)
                await sleep(0)
                assert seen == [1]
            """,
            runs=True,
        ),
        Bad(
            """
            import pytest_asyncio

            from myapp.server import make_server


            @pytest_asyncio.fixture
            async def server(event_loop, unused_tcp_port):
                async with make_server(port=unused_tcp_port) as srv:
                    yield srv
            """,
            (7, 18),
            fixed="""
            import pytest_asyncio

            from myapp.server import make_server


            @pytest_asyncio.fixture
            async def server(unused_tcp_port):
                async with make_server(port=unused_tcp_port) as srv:
                    yield srv
            """,
        ),
        Bad(
            """
            import asyncio


            def test_sleep_result(event_loop):
                assert event_loop.run_until_complete(asyncio.sleep(0, 3)) == 3
            """,
            (4, 23),
            runs=True,
        ),
        Bad(
            """
            import pytest


            class Dispatcher:
                def __init__(self):
                    self.listeners = {}


            @pytest.fixture
            def dispatcher(event_loop):
                return Dispatcher()


            def test_starts_empty(dispatcher):
                assert dispatcher.listeners == {}
            """,
            (10, 16),
            fixed="""
            import pytest


            class Dispatcher:
                def __init__(self):
                    self.listeners = {}


            @pytest.fixture
            def dispatcher():
                return Dispatcher()


            def test_starts_empty(dispatcher):
                assert dispatcher.listeners == {}
            """,
            runs=True,
        ),
        Bad(
            """
            import pytest


            @pytest.mark.usefixtures("event_loop")
            class TestLegacyClient:
                def test_connects(self, client):
                    assert client.connect()
            """,
            (4, 26),
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
            async def test_future_result(event_loop):
                future = event_loop.create_future()
                event_loop.call_soon(future.set_result, 1)
                assert await future == 1
            """,
            (14, 30),
            runs=True,
        ),
        Bad(
            """
            def run_on_fixture_loop(request, coro):
                loop = request.getfixturevalue("event_loop")
                return loop.run_until_complete(coro)
            """,
            (2, 12),
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_executor_sum():
                loop = asyncio.get_running_loop()
                assert await loop.run_in_executor(None, sum, [1, 2]) == 3
            """,
            reason="the running loop asked for directly",
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.fixture
            def event_loop():
                loop = asyncio.new_event_loop()
                yield loop
                loop.close()


            def test_sync_runner(event_loop):
                assert event_loop.run_until_complete(asyncio.sleep(0, 1)) == 1
            """,
            reason="a sync user of the suite's own event_loop fixture (ALP201 flags the def)",
            runs=True,
        ),
        Good(
            """
            def test_loop_is_fresh(event_loop):
                assert not event_loop.is_running()
            """,
            reason="the conftest.py defines the suite's own event_loop for sync tests",
            files={"conftest.py": CONFTEST_WITH_LOOP},
            runs=True,
        ),
        Good(
            """
            import pytest


            @pytest.mark.parametrize("event_loop", ["selector", "proactor"])
            def test_loop_names(event_loop):
                assert event_loop in {"selector", "proactor"}
            """,
            reason="a parametrized argument is not a fixture request",
            runs=True,
        ),
        Good(
            """
            def test_default_loop(event_loop=None):
                assert event_loop is None


            def drive(event_loop, coro):
                return event_loop.run_until_complete(coro)
            """,
            reason="pytest does not inject parameters with defaults, nor into helpers",
            runs=True,
        ),
        Good(
            """
            from tests.fixtures import *


            def test_uses_shared_loop(event_loop):
                assert not event_loop.is_closed()
            """,
            reason="a star import may bring the suite's own event_loop fixture",
        ),
    )

    _fixture_may_be_hidden = False

    def visit_Module(self, node: ast.Module) -> None:
        self._fixture_may_be_hidden = _module_may_hide_fixture(self.file.module.statements)

    def visit_FunctionDef(self, node: ast.AST) -> None:
        scope = self.file.scope
        if scope.node is not node or scope.role not in (scopes.TEST, scopes.FIXTURE):
            return
        if scope.fixture is not None and scope.fixture.name == EVENT_LOOP_FIXTURE:
            return  # an override extending another event_loop: ALP201's business
        if _replaced_later(node, self.file):
            return  # pytest collects only the last def of a name
        owner = scope.enclosing_class()
        if owner is not None and owner.class_kind in NO_FIXTURE_CLASSES:
            return
        param = _requested_parameter(node, in_class=owner is not None)
        if param is None or _parametrizes_event_loop(node, self.file.resolve):
            return
        definition = self._definition()
        if definition is None or (definition != NOT_DEFINED and not scope.is_async):
            return
        problem = self._problem(definition)
        if scope.is_async:
            fix = self._fix(node, definition, param, scope)
            uses_it = _uses_name(node, EVENT_LOOP_FIXTURE) or any(
                names_event_loop(s) for s in node.body  # type: ignore[attr-defined]
            )
            action = USE_RUNNING_LOOP if uses_it else DROP_UNUSED
            self.report(param, fix, problem=problem, action=action)
        elif (
            _uses_name(node, EVENT_LOOP_FIXTURE)
            or _asks_for_the_current_loop(node)
            or any(names_event_loop(s) for s in node.body)  # type: ignore[attr-defined]
        ):
            self.report(param, problem=problem, action=MAKE_ASYNC)
        else:
            self.report(param, self._drop_unused(node), problem=problem, action=DROP_UNUSED)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not may_end_with(func, _LAST_NAMES):
            return
        if self.file.resolve(func) == "pytest.mark.usefixtures":
            for arg in node.args:
                if scope_value(arg) == EVENT_LOOP_FIXTURE and self._definition() == NOT_DEFINED:
                    self.report(arg, problem=self._problem(NOT_DEFINED), action=DROP_USEFIXTURE)
        elif (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "getfixturevalue"
            and len(node.args) == 1
            and scope_value(node.args[0]) == EVENT_LOOP_FIXTURE
        ):
            definition = self._definition()
            if definition is None:
                return
            if self.file.in_async_function:
                self.report(node, problem=self._problem(definition), action=USE_RUNNING_LOOP)
            elif definition == NOT_DEFINED:
                self.report(node, problem=self._problem(NOT_DEFINED), action=MAKE_ASYNC)

    # -- helpers ------------------------------------------------------------------------------
    def _stage(self) -> Optional[str]:
        """Where the target pytest-asyncio stands with the fixture; None: it is not deprecated."""
        project = self.file.project
        version = project.pytest_asyncio_version
        if project.pins_pytest_asyncio_below(FIRST_VERSION_DEPRECATING_REQUEST):
            return None  # the project's own release still has the fixture, undeprecated
        if project.pins_pytest_asyncio_below(FIRST_VERSION_WITHOUT_FIXTURE) and (
            version is None or version >= FIRST_VERSION_DEPRECATING_REQUEST
        ):
            return DEPRECATED
        if version is None or version >= FIRST_VERSION_WITHOUT_FIXTURE:
            return REMOVED
        if version >= FIRST_VERSION_DEPRECATING_REQUEST:
            return DEPRECATED
        return None

    def _problem(self, definition: str) -> str:
        return DEPRECATED_PROBLEM if self._stage() == DEPRECATED else PROBLEMS[definition]

    def _definition(self) -> Optional[str]:
        """Which ``event_loop`` the current point sees; None when the rule should keep quiet."""
        if self._stage() is None:
            return None
        if self.file.module.fixtures.get(EVENT_LOOP_FIXTURE):
            return USER_DEFINED
        if self.file.project.conftest_fixtures(EVENT_LOOP_FIXTURE):
            return USER_DEFINED
        if (
            self._fixture_may_be_hidden
            or any(
                conftest.plugins or "*" in conftest.imported
                or EVENT_LOOP_FIXTURE in conftest.imported
                for conftest in self.file.project.conftests
            )
            or self.file.imports.lookup(EVENT_LOOP_FIXTURE) is not None
            or self._inside_class_with_unseen_base()
        ):
            return UNSEEN
        return NOT_DEFINED

    def _inside_class_with_unseen_base(self) -> bool:
        classes = self.file.module.classes
        scope: Optional[scopes.Scope] = self.file.scope
        while scope is not None:
            if scope.kind == scopes.CLASS and _has_unseen_base(scope.node, classes):
                return True
            scope = scope.parent
        return False

    def _fix(
        self, func: ast.AST, definition: str, param: ast.arg, scope: scopes.Scope
    ) -> Optional[Fix]:
        if any(names_event_loop(statement) for statement in func.body):  # type: ignore
            # ``request.getfixturevalue("event_loop")``: without the parameter it would set
            # the fixture up there, inside the running test, instead of returning it.
            return None
        if self._stage() == DEPRECATED:
            if definition != NOT_DEFINED or not self._fix_changes_nothing(func, param, scope):
                return None
            safety = Safety.SAFE
        else:
            safety = Safety.SAFE if definition == NOT_DEFINED else Safety.UNSAFE
        span = Span.of(func)
        edits: List[Edit] = [RemoveParameter(span, EVENT_LOOP_FIXTURE)]
        imports = ()
        if _uses_name(func, EVENT_LOOP_FIXTURE):
            spelled = self.file.imports.alias_for(GET_RUNNING_LOOP)
            if spelled is None:
                spelled = GET_RUNNING_LOOP
                imports = (AddImport("asyncio"),)
            edits.append(InsertAtBodyStart(span, f"{EVENT_LOOP_FIXTURE} = {spelled}()"))
            description = "drop the event_loop parameter and bind the running loop to that name"
        else:
            description = "drop the unused event_loop parameter"
        return Fix(safety, description, tuple(edits), imports)

    def _drop_unused(self, func: ast.AST) -> Fix:
        """A sync requester that never reads the loop: from 1.0 the request only fails; before,
        the fixture also made a loop current for the test, which code it calls may use."""
        safety = Safety.UNSAFE if self._stage() == DEPRECATED else Safety.SAFE
        edits = (RemoveParameter(Span.of(func), EVENT_LOOP_FIXTURE),)
        return Fix(safety, "drop the unused event_loop parameter", edits)

    def _fix_changes_nothing(self, func: ast.AST, param: ast.arg, scope: scopes.Scope) -> bool:
        """Before 1.0: pytest-asyncio runs this test on its own function-scoped ``event_loop``
        and would set that fixture up at the same point without the request.

        pytest-asyncio 0.23 to 0.26 append ``event_loop`` to a marked test's fixtures when the
        test does not request it, so the request must already be the last one; 0.22 (yanked)
        read other marks for the loop and is left out.
        """
        version = self.file.project.pytest_asyncio_version
        if version is None or version < FIRST_VERSION_KEEPING_DEPRECATION:
            return False
        if scope.role != scopes.TEST or yields(func) is not None:
            return False
        requested = requested_parameters(func, in_class=scope.enclosing_class() is not None)
        if requested[-1] is not param:
            return False
        file = self.file
        classes = enclosing_classes(scope)
        if classes is None or any(c.class_kind != "pytest" for c in classes):
            return False
        decorators = func.decorator_list  # type: ignore[attr-defined]
        if decorator_marks(decorators, file.imports).handled_elsewhere:
            return False
        if requests_runner_fixture(scope.params):
            return False
        for owner in classes:
            if owner_marks(owner, file.imports).handled_elsewhere:
                return False
        if project_test_runner(file.project) or module_runners(file).test_runner is not None:
            return False
        own_marks = asyncio_marks(decorators, file.imports)
        if len(own_marks) != 1:
            return False  # the closest mark must be the test's own
        try:
            return mark_loop_scope(own_marks[0], file.project.config) == "function"
        except Unknown:
            return False


def _requested_parameter(func: ast.AST, in_class: bool) -> Optional[ast.arg]:
    """The ``event_loop`` parameter pytest would fill with a fixture, if there is one."""
    for arg in requested_parameters(func, in_class):
        if arg.arg == EVENT_LOOP_FIXTURE:
            return arg
    return None


def _parametrizes_event_loop(func: ast.AST, resolve) -> bool:
    """True when a ``parametrize`` decorator supplies ``event_loop`` as a plain argument."""
    for decorator in getattr(func, "decorator_list", ()):
        if not isinstance(decorator, ast.Call) or not decorator.args:
            continue
        if resolve(decorator.func) != "pytest.mark.parametrize":
            continue
        argnames = decorator.args[0]
        if isinstance(argnames, (ast.List, ast.Tuple)):
            names = [scope_value(e) for e in argnames.elts]
        else:
            text = scope_value(argnames)
            if text is None:
                return True  # names we cannot read may include it
            names = [part.strip() for part in text.split(",")]
        if EVENT_LOOP_FIXTURE in names:
            return True
    return False


def _module_may_hide_fixture(statements: List[ast.stmt]) -> bool:
    """A star import, ``pytest_plugins`` or a module-level assignment may define the fixture."""
    for statement in statements:
        if isinstance(statement, ast.ImportFrom) and any(a.name == "*" for a in statement.names):
            return True
        targets: List[ast.AST] = []
        if isinstance(statement, ast.Assign):
            targets = list(statement.targets)
        elif isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        for target in targets:
            if isinstance(target, ast.Name) and target.id in ("pytest_plugins", EVENT_LOOP_FIXTURE):
                return True
    return False


def _has_unseen_base(
    node: ast.AST, classes: Dict[str, ast.ClassDef], seen: Optional[Set[str]] = None
) -> bool:
    """True when a base class (or a base of a base) is not defined in this module."""
    seen = set() if seen is None else seen
    for base in getattr(node, "bases", ()):
        if isinstance(base, ast.Name):
            if base.id == "object" or base.id in seen:
                continue
            local = classes.get(base.id)
            if local is not None:
                seen.add(base.id)
                if _has_unseen_base(local, classes, seen):
                    return True
                continue
        return True
    return False


def _asks_for_the_current_loop(func: ast.AST) -> bool:
    """Whether the body calls ``get_event_loop()``: before 1.0 the fixture made its loop the
    current one, so such a def relies on it without naming it."""
    for statement in func.body:  # type: ignore[attr-defined]
        for node in ast.walk(statement):
            if isinstance(node, ast.Call) and _last_name(node.func) in _GETS_CURRENT_LOOP:
                return True
    return False


def _last_name(func: ast.AST) -> Optional[str]:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _uses_name(func: ast.AST, name: str) -> bool:
    """Whether the body of ``func`` reads or writes ``name`` (nested defs included)."""
    for statement in func.body:  # type: ignore[attr-defined]
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and node.id == name:
                return True
    return False


def _replaced_later(node: ast.AST, file: "FileState") -> bool:
    """A def of the module's body that a later def of the same name, also in its body,
    replaces before pytest collects the module."""
    body = file.tree.body
    last = file.module.functions.get(node.name)  # type: ignore[attr-defined]
    return last is not None and last is not node and node in body and last in body
