"""ALP408: auto mode hands pytest-asyncio the async fixtures of anyio and trio tests."""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

from flake8_asyncloop.analysis.async_runners import assignment
from flake8_asyncloop.analysis.names import ImportTable
from flake8_asyncloop.analysis.testcode import (
    ANYIO_BACKEND,
    FixtureSpec,
    anyio_backend_offers_trio,
    class_kind,
    fixture_spec,
    is_test_name,
    mark_name,
    marks_in,
    offers_trio_backend,
)
from flake8_asyncloop.context.model import FixtureDef, PytestConfig
from flake8_asyncloop.rule import Bad, Good, Rule

FIXTURE_ON_ANOTHER_LOOP = (
    "async fixture '{fixture}'{defined} is set up by pytest-asyncio in auto mode, "
    "but {runner} runs {user} on another event loop"
)
TRIO_CASE_ON_ASYNCIO = (
    "pytest-asyncio runs anyio test '{test}' in auto mode, so its trio case runs on asyncio"
)

# Marks through which a plugin other than pytest-asyncio runs an async test and sets up the
# async fixtures it requests: mark name -> the plugin.
RUNNER_MARKS = {"anyio": "anyio", "trio": "pytest-trio"}
PARAMETRIZE = "parametrize"
USEFIXTURES = "usefixtures"

AUTO_INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
STRICT_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
# anyio runs a marked test on every backend it can import; suites written for asyncio pin it.
ASYNCIO_BACKEND = '@pytest.fixture\ndef anyio_backend():\n    return "asyncio"\n'
ASYNCIO_BACKEND_CONFTEST = "import pytest\n\n\n" + ASYNCIO_BACKEND
TRIO_BACKEND_CONFTEST = ASYNCIO_BACKEND_CONFTEST.replace('"asyncio"', '"trio"')

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]


@dataclass
class _Def:
    """A test or fixture of the module, with what it requests and who runs it."""

    node: FunctionNode
    owner: Optional[ast.ClassDef]  # the class whose body holds it
    spec: Optional[FixtureSpec]
    is_test: bool
    runner: Optional[str]  # the plugin its marks (own, class, module) hand it to
    # fixture name -> the node that requests it (a parameter, or a string in a mark)
    requests: Dict[str, ast.AST] = field(default_factory=dict)

    @property
    def is_async(self) -> bool:
        return isinstance(self.node, ast.AsyncFunctionDef)

    @property
    def claimed_in_auto_mode(self) -> bool:
        """An async ``@pytest.fixture``: anyio or pytest-trio set it up for their tests in
        strict mode; in auto mode pytest-asyncio claims it first."""
        spec = self.spec
        return (
            spec is not None
            and spec.provider == "pytest"
            and spec.name != ANYIO_BACKEND
            and self.is_async
        )


class AutoModeWithAnyio(Rule):
    code = "ALP408"
    name = "auto-mode-with-anyio"
    message = "{problem}; use asyncio_mode = strict"

    what = """
    In auto mode, flags an async fixture declared with `@pytest.fixture` that serves a test
    run by anyio or pytest-trio: a test marked `anyio` or `trio` (on the function, its class
    or the module's `pytestmark`), or one whose fixtures include `anyio_backend` (requested
    as a parameter, through `usefixtures`, by parametrizing it, or through fixtures of the
    module). The fixture may be requested directly or through other fixtures of the module.
    A fixture of the module is reported once, at its definition; a conftest fixture is
    reported in each test module that uses it, at the first place that requests it.

    Also flags, in auto mode, an anyio test that anyio would run with the trio backend: the
    `anyio_backend` fixture it sees (its class's, the module's or a conftest.py's) returns
    `"trio"` or has it among its `params=`, or the test parametrizes `anyio_backend` with it.
    An anyio test on the asyncio backend alone that uses no async fixture is fine in auto
    mode and is not reported.
    """
    why = """
    anyio's pytest plugin (and pytest-trio) run a marked test and also set up the async
    fixtures it requests, all in one event loop. In auto mode pytest-asyncio claims every
    async fixture first: it sets the fixture up on its own asyncio loop and hands anyio a
    finished value. The test then runs on anyio's loop (or under trio) while the fixture's
    futures, locks, connections and tasks belong to another loop: `got Future ... attached
    to a different loop`, servers that never answer, or trio code that finds no trio run.
    pytest-asyncio documents strict mode as the one for suites that use several async
    frameworks: there each plugin sets up the fixtures of its own tests.

    In auto mode pytest-asyncio also claims the anyio test itself and runs every one of its
    cases on asyncio: the `[trio]` case never meets trio. It passes when the code is
    backend-neutral and fails where it is not (`'asyncio' == 'trio'`), so the trio half of
    the matrix tests nothing.
    """
    limitations = """
    Fixtures requested through conftest fixtures are not followed, nor are tests marked by
    conftest hooks. Fixtures declared with `@pytest_asyncio.fixture` and requested by
    anyio tests are wrong in any mode and left alone here, as are pytest-trio's
    `trio_fixture`s. anyio's own auto mode (`anyio_mode = auto`), which claims every async
    test, is not looked at. Without an `anyio_backend` fixture in sight, anyio picks the
    backends itself (recent versions: every one installed, trio included); the rule does
    not assume trio there, and is silent.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest


            @pytest.fixture
            async def ready():
                return asyncio.get_running_loop().create_future()


            @pytest.mark.anyio
            async def test_ready(ready):
                asyncio.get_running_loop().call_soon(ready.set_result, 1)
                assert await ready == 1
            """,
            (7, 1),
            files={"pytest.ini": AUTO_INI, "conftest.py": ASYNCIO_BACKEND_CONFTEST},
            runs=True,
        ),
        Bad(
            """
            import asyncio

            import pytest

            pytestmark = pytest.mark.anyio


            @pytest.fixture
            async def running_loop():
                return asyncio.get_running_loop()


            @pytest.fixture
            def loop_of_fixture(running_loop):
                return running_loop


            class TestLoops:
                async def test_same_loop(self, loop_of_fixture):
                    assert loop_of_fixture is asyncio.get_running_loop()
            """,
            (9, 1),
            files={"pytest.ini": AUTO_INI, "conftest.py": ASYNCIO_BACKEND_CONFTEST},
            runs=True,
        ),
        Bad(
            """
            import asyncio


            async def test_same_loop(running_loop, anyio_backend):
                assert running_loop is asyncio.get_running_loop()
            """,
            (4, 26),
            files={
                "pytest.ini": AUTO_INI,
                "conftest.py": (
                    "import asyncio\n\nimport pytest\n\n\n"
                    "@pytest.fixture\nasync def running_loop():\n"
                    "    return asyncio.get_running_loop()\n\n\n" + ASYNCIO_BACKEND
                ),
            },
            runs=True,
        ),
        Bad(
            """
            import asyncio

            import pytest


            @pytest.mark.anyio
            async def test_no_asyncio_loop_under_trio():
                with pytest.raises(RuntimeError):
                    asyncio.get_running_loop()
            """,
            (7, 1),
            files={"pytest.ini": AUTO_INI, "conftest.py": TRIO_BACKEND_CONFTEST},
            runs=True,
        ),
        Bad(
            """
            import pytest


            @pytest.mark.anyio
            @pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
            async def test_backend(anyio_backend):
                assert anyio_backend
            """,
            (6, 1),
            files={"pytest.ini": AUTO_INI},
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.mark.anyio
            async def test_no_asyncio_loop_under_trio():
                with pytest.raises(RuntimeError):
                    asyncio.get_running_loop()
            """,
            reason="in strict mode anyio runs the test under trio",
            files={"pytest.ini": STRICT_INI, "conftest.py": TRIO_BACKEND_CONFTEST},
        ),
        Good(
            """
            import pytest


            @pytest.mark.anyio
            async def test_backend(anyio_backend):
                assert anyio_backend
            """,
            reason="no anyio_backend fixture in sight: which backends anyio picks is not known",
            files={"pytest.ini": AUTO_INI},
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.fixture
            async def ready():
                return asyncio.get_running_loop().create_future()


            @pytest.mark.anyio
            async def test_ready(ready):
                asyncio.get_running_loop().call_soon(ready.set_result, 1)
                assert await ready == 1
            """,
            reason="in strict mode anyio sets the fixture up on the test's loop",
            files={"pytest.ini": STRICT_INI, "conftest.py": ASYNCIO_BACKEND_CONFTEST},
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.mark.anyio
            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            reason="an anyio test with no async fixture runs on one loop, auto mode or not",
            files={"pytest.ini": AUTO_INI, "conftest.py": ASYNCIO_BACKEND_CONFTEST},
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.fixture
            async def running_loop():
                return asyncio.get_running_loop()


            async def test_same_loop(running_loop):
                assert running_loop is asyncio.get_running_loop()


            @pytest.mark.anyio
            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            reason="only pytest-asyncio's tests use the async fixture",
            files={"pytest.ini": AUTO_INI, "conftest.py": ASYNCIO_BACKEND_CONFTEST},
            runs=True,
        ),
    )

    def visit_Module(self, node: ast.Module) -> None:
        file = self.file
        if not file.project.config.auto_mode:
            return
        module = file.module
        defs = _read_defs(
            module.statements,
            file.imports,
            _mark_runner(n for n, _ in module.pytestmark),
            file.project.config,
        )
        if not any(d.runner is not None or ANYIO_BACKEND in d.requests for d in defs):
            return  # nothing in the module is run by anyio or trio (by what it shows)
        fixtures = _FixtureTable(defs)
        reported: Set[int] = set()  # module fixtures reported, by id
        reported_conftest: Set[str] = set()
        for root in defs:
            if not root.is_async or (not root.is_test and root.spec is None):
                continue
            reachable = fixtures.reachable(root)
            runner = root.runner
            if runner is None and ANYIO_BACKEND in reachable:
                runner = "anyio"
            if runner is None:
                continue
            if root.is_test and runner == "anyio" and self._offers_trio(root, fixtures):
                self.report(root.node, problem=TRIO_CASE_ON_ASYNCIO.format(test=root.node.name))
            user = f"test '{root.node.name}'" if root.is_test else "the tests that use it"
            served: List[_Def] = [] if root.is_test else [root]
            for name, (requester, where) in reachable.items():
                visible = fixtures.visible(name, requester)
                served.extend(visible)
                if not visible and name not in reported_conftest:
                    conftest = self._conftest_fixture(name)
                    if conftest is not None:
                        reported_conftest.add(name)
                        self._report_conftest(conftest, where, runner, user)
            for fixture in served:
                if id(fixture) in reported or not fixture.claimed_in_auto_mode:
                    continue
                reported.add(id(fixture))
                problem = FIXTURE_ON_ANOTHER_LOOP.format(
                    fixture=fixture.spec.name,  # type: ignore[union-attr]
                    defined="",
                    runner=runner,
                    user=user,
                )
                self.report(fixture.node, problem=problem)

    def _offers_trio(self, test: _Def, fixtures: "_FixtureTable") -> bool:
        """Whether anyio runs the test with the trio backend by what the source shows: a
        ``parametrize("anyio_backend", ...)`` on it, else the ``anyio_backend`` fixture it
        sees (its class's, the module's, the nearest conftest.py's). anyio's own default,
        which depends on the installed backends and anyio version, is not assumed."""
        for decorator in test.node.decorator_list:
            if (
                isinstance(decorator, ast.Call)
                and mark_name(decorator, self.file.imports) == PARAMETRIZE
                and len(decorator.args) >= 2
                and isinstance(decorator.args[0], ast.Constant)
                and decorator.args[0].value == ANYIO_BACKEND
            ):
                return offers_trio_backend(decorator.args[1])
        local = fixtures.visible(ANYIO_BACKEND, test)
        if local:
            last = local[-1]
            return anyio_backend_offers_trio(last.node, last.spec.decorator)  # type: ignore
        in_conftests = self.file.project.conftest_fixtures(ANYIO_BACKEND)
        return bool(in_conftests) and in_conftests[-1].offers_trio

    def _conftest_fixture(self, name: str) -> Optional[FixtureDef]:
        """The conftest definition of ``name`` the module sees, if pytest-asyncio would claim it."""
        found = self.file.project.conftest_fixtures(name)
        if not found:
            return None
        last = found[-1]
        return last if last.is_async and last.provider == "pytest" else None

    def _report_conftest(
        self, conftest: FixtureDef, where: ast.AST, runner: str, user: str
    ) -> None:
        directory = os.path.dirname(os.path.abspath(self.file.filename))
        path = os.path.relpath(conftest.path, directory)
        problem = FIXTURE_ON_ANOTHER_LOOP.format(
            fixture=conftest.name,
            defined=f" ({path}:{conftest.line})",
            runner=runner,
            user=user,
        )
        self.report(where, problem=problem)


class _FixtureTable:
    """The module's fixtures, found the way pytest finds them: the class's own, then the
    module's."""

    def __init__(self, defs: Sequence[_Def]) -> None:
        self.module: Dict[str, List[_Def]] = {}
        self.in_class: Dict[Tuple[int, str], List[_Def]] = {}
        for d in defs:
            if d.spec is None:
                continue
            if d.owner is None:
                self.module.setdefault(d.spec.name, []).append(d)
            else:
                self.in_class.setdefault((id(d.owner), d.spec.name), []).append(d)

    def visible(self, name: str, requester: _Def) -> List[_Def]:
        if requester.owner is not None:
            own = self.in_class.get((id(requester.owner), name))
            if own:
                return own
        return self.module.get(name, [])

    def reachable(self, root: _Def) -> Dict[str, Tuple[_Def, ast.AST]]:
        """Every fixture name ``root`` requests, directly or through module fixtures, with
        the first def that requests it and where."""
        found: Dict[str, Tuple[_Def, ast.AST]] = {}
        pending = [root]
        seen: Set[int] = {id(root)}
        while pending:
            current = pending.pop()
            for name, where in current.requests.items():
                if name in found:
                    continue
                found[name] = (current, where)
                for fixture in self.visible(name, current):
                    if id(fixture) not in seen:
                        seen.add(id(fixture))
                        pending.append(fixture)
        return found


def _read_defs(
    statements: List[ast.stmt],
    imports: ImportTable,
    module_runner: Optional[str],
    config: PytestConfig,
) -> List[_Def]:
    defs: List[_Def] = []
    for statement in statements:
        if isinstance(statement, _FUNCTIONS):
            defs.append(_read_def(statement, None, module_runner, True, imports, config))
        elif isinstance(statement, ast.ClassDef):
            _read_class(statement, module_runner, imports, defs, config)
    return defs


def _read_class(
    node: ast.ClassDef,
    outer_runner: Optional[str],
    imports: ImportTable,
    defs: List[_Def],
    config: PytestConfig,
) -> None:
    marks: List[ast.expr] = list(node.decorator_list)
    for statement in node.body:
        target, value = assignment(statement)
        if target == "pytestmark" and value is not None:
            marks.extend(item for _, item in marks_in(value, imports))
    runner = _mark_runner(mark_name(m, imports) for m in marks) or outer_runner
    collects = class_kind(node, imports, config.python_classes) == "pytest"
    for member in node.body:
        if isinstance(member, _FUNCTIONS):
            defs.append(_read_def(member, node, runner, collects, imports, config))
        elif isinstance(member, ast.ClassDef):
            _read_class(member, runner, imports, defs, config)


def _read_def(
    node: FunctionNode,
    owner: Optional[ast.ClassDef],
    outer_runner: Optional[str],
    collects: bool,
    imports: ImportTable,
    config: PytestConfig,
) -> _Def:
    spec = fixture_spec(node, imports)
    is_test = spec is None and collects and is_test_name(node.name, config.python_functions)
    runner = _mark_runner(mark_name(d, imports) for d in node.decorator_list) or outer_runner
    requests: Dict[str, ast.AST] = {}
    args = node.args
    for arg in list(args.posonlyargs) + list(args.args) + list(args.kwonlyargs):
        requests.setdefault(arg.arg, arg)
    for decorator in node.decorator_list:
        for name, where in _mark_requests(decorator, imports):
            requests.setdefault(name, where)
    return _Def(node, owner, spec, is_test, runner if is_test else None, requests)


def _mark_runner(names: Iterable[Optional[str]]) -> Optional[str]:
    for name in names:
        if name is not None and name.split(".", 1)[0] in RUNNER_MARKS:
            return RUNNER_MARKS[name.split(".", 1)[0]]
    return None


def _mark_requests(decorator: ast.expr, imports: ImportTable) -> Iterable[Tuple[str, ast.AST]]:
    """Fixture names a mark requests: ``usefixtures("a", "b")``, and ``anyio_backend`` when a
    ``parametrize`` provides it."""
    if not isinstance(decorator, ast.Call) or not decorator.args:
        return
    name = mark_name(decorator, imports)
    first = decorator.args[0]
    if name == USEFIXTURES:
        for arg in decorator.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                yield arg.value, arg
    elif name == PARAMETRIZE and isinstance(first, ast.Constant) and isinstance(first.value, str):
        if ANYIO_BACKEND in (part.strip() for part in first.value.split(",")):
            yield ANYIO_BACKEND, first
