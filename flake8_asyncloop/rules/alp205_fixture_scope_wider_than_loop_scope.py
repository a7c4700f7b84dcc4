"""ALP205: a fixture pytest-asyncio sets up is cached longer than the loop it runs on lives."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, List, Optional, Tuple

from flake8_asyncloop.analysis.async_runners import (
    def_marks,
    module_runners,
    project_fixture_runner,
    requests_runner_fixture,
    spelling,
    strict_mode,
)
from flake8_asyncloop.analysis.loop_scopes import (
    fixture_loop_scope,
    is_scope,
    overridden_function_loop_scope,
    wider,
)
from flake8_asyncloop.analysis.testcode import FixtureSpec, keyword
from flake8_asyncloop.analysis.text_gates import mentions_async
from flake8_asyncloop.findings import (
    AddImport,
    AddKeyword,
    Edit,
    Fix,
    ReplaceExpression,
    Safety,
    Span,
)
from flake8_asyncloop.rule import Bad, Good, Rule

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

PYTEST_FIXTURE = "pytest.fixture"
ASYNCIO_FIXTURE = "pytest_asyncio.fixture"
LOOP_SCOPE = "loop_scope"
# pytest-asyncio 0.24 added loop_scope= and asyncio_default_fixture_loop_scope.
FIRST_VERSION_WITH_LOOP_SCOPE = (0, 24)

FUNCTION_DEFAULT_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
PYPROJECT_FUNCTION_DEFAULT = (
    '[tool.pytest.ini_options]\nasyncio_default_fixture_loop_scope = "function"\n'
)
AUTO_MODE_INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"


class FixtureScopeWiderThanLoopScope(Rule):
    code = "ALP205"
    name = "fixture-scope-wider-than-loop-scope"
    message = (
        'fixture `{fixture}` has scope "{scope}" but runs on a "{loop}"-scoped event loop '
        "({source}): pytest-asyncio fails with ScopeMismatch; {action}"
    )
    fix_safety = Safety.SAFE

    @classmethod
    def applies_to(cls, source: str, file: "FileState") -> bool:
        # only fixtures the file defines that pytest-asyncio sets up (async def, pytest_asyncio)
        return "fixture" in source and mentions_async(source)

    what = """
    Flags a fixture that pytest-asyncio sets up (any `@pytest_asyncio.fixture`, and in auto
    mode an `async def` under `@pytest.fixture`) whose caching `scope` is wider than the
    scope of the event loop it runs on. That loop scope is the fixture's `loop_scope=`, else
    the config's `asyncio_default_fixture_loop_scope`, else the fixture's own scope (what
    pytest-asyncio 1.x does when the setting is unset or `fixture-scope`).
    """
    why = """
    pytest-asyncio runs a fixture on the loop of its loop scope, and that loop is itself a
    fixture of that scope. A module-scoped fixture on a function-scoped loop would outlive its
    loop, so pytest refuses to set it up: every test that uses it errors with `ScopeMismatch:
    You tried to access the function scoped fixture _function_scoped_runner with a module
    scoped request object`. It happens most often after a suite sets
    `asyncio_default_fixture_loop_scope = function`, as pytest-asyncio's warning suggests:
    every wider async fixture without its own `loop_scope=` breaks at once.
    """
    fix_notes = """
    Safe, since the fixture cannot be set up as it is: `loop_scope=` is added with the
    fixture's scope (or an existing narrower one is widened to it). In auto mode an
    `@pytest.fixture`, which takes no `loop_scope=`, becomes `@pytest_asyncio.fixture` with it.
    A sync function under `@pytest_asyncio.fixture` needs no loop at all: its decorator becomes
    `@pytest.fixture`. Imports are added as needed. There is no fix when the decorator passes
    arguments by position.
    """
    limitations = """
    A scope given by a variable or a callable (`scope=determine_scope`) cannot be read: such
    fixtures are skipped. Fixtures run by anyio, trio or a conftest hook are left alone. When
    the target pytest-asyncio version is known to be older than 0.24, which had no loop
    scopes, the rule is silent. Before 1.0 the "function" loop is the `event_loop` fixture:
    where the module or its conftest.py files override it with a scope at least as wide as
    the fixture's, the fixture runs on that loop and is not reported.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture(scope="module")
            async def jobs():
                queue = asyncio.Queue()
                await queue.put("build")
                return queue


            @pytest.mark.asyncio(loop_scope="module")
            async def test_first_job(jobs):
                assert await jobs.get() == "build"
            """,
            (7, 2),
            fixed="""
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture(scope="module", loop_scope="module")
            async def jobs():
                queue = asyncio.Queue()
                await queue.put("build")
                return queue


            @pytest.mark.asyncio(loop_scope="module")
            async def test_first_job(jobs):
                assert await jobs.get() == "build"
            """,
            files={"pytest.ini": FUNCTION_DEFAULT_INI},
            runs=True,
        ),
        Bad(
            """
            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture(
                scope="session",
                loop_scope="module",
            )
            async def settings():
                return {"retries": 3}


            @pytest.mark.asyncio
            async def test_retries(settings):
                assert settings["retries"] == 3
            """,
            (5, 2),
            fixed="""
            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture(
                scope="session",
                loop_scope="session",
            )
            async def settings():
                return {"retries": 3}


            @pytest.mark.asyncio
            async def test_retries(settings):
                assert settings["retries"] == 3
            """,
            files={"pytest.ini": FUNCTION_DEFAULT_INI},
            runs=True,
        ),
        Bad(
            """
            import pytest_asyncio


            @pytest_asyncio.fixture(scope="module")
            def settings():
                return {"retries": 3}


            def test_retries(settings):
                assert settings["retries"] == 3
            """,
            (4, 2),
            fixed="""
            import pytest


            @pytest.fixture(scope="module")
            def settings():
                return {"retries": 3}


            def test_retries(settings):
                assert settings["retries"] == 3
            """,
            files={"pytest.ini": FUNCTION_DEFAULT_INI},
            runs=True,
        ),
        Bad(
            """
            import asyncio

            import pytest


            @pytest.fixture(scope="module")
            async def cache():
                await asyncio.sleep(0)
                return {}


            async def test_empty(cache):
                assert cache == {}
            """,
            (6, 2),
            fixed="""
            import asyncio

            import pytest_asyncio


            @pytest_asyncio.fixture(scope="module", loop_scope="module")
            async def cache():
                await asyncio.sleep(0)
                return {}


            async def test_empty(cache):
                assert cache == {}
            """,
            files={"pytest.ini": AUTO_MODE_INI},
            runs=True,
        ),
        Bad(
            """
            import pytest_asyncio

            from myapp.db import connect


            @pytest_asyncio.fixture(scope="session")
            async def database():
                async with connect() as db:
                    yield db
            """,
            (6, 2),
            fixed="""
            import pytest_asyncio

            from myapp.db import connect


            @pytest_asyncio.fixture(scope="session", loop_scope="session")
            async def database():
                async with connect() as db:
                    yield db
            """,
            filename="conftest.py",
            files={"pyproject.toml": PYPROJECT_FUNCTION_DEFAULT},
        ),
        Good(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture(scope="module", loop_scope="module")
            async def jobs():
                queue = asyncio.Queue()
                await queue.put("build")
                return queue


            @pytest.mark.asyncio(loop_scope="module")
            async def test_first_job(jobs):
                assert await jobs.get() == "build"
            """,
            reason="the loop lives as long as the fixture it serves",
            files={"pytest.ini": FUNCTION_DEFAULT_INI},
            runs=True,
        ),
        Good(
            """
            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture(scope="module")
            async def settings():
                return {"retries": 3}


            @pytest.mark.asyncio
            async def test_retries(settings):
                assert settings["retries"] == 3
            """,
            reason=(
                '"fixture-scope" (like the unset setting) runs each fixture on a loop of its own'
                " scope"
            ),
            files={"pytest.ini": "[pytest]\nasyncio_default_fixture_loop_scope = fixture-scope\n"},
            runs=True,
            pytest_asyncio=(1, 5),
        ),
        Good(
            """
            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture(loop_scope="module")
            async def request_id():
                return 7


            @pytest.mark.asyncio(loop_scope="module")
            async def test_request_id(request_id):
                assert request_id == 7
            """,
            reason="a function-scoped fixture may run on a wider loop",
            files={"pytest.ini": FUNCTION_DEFAULT_INI},
            runs=True,
        ),
        Good(
            """
            import pytest


            @pytest.fixture(scope="module")
            def anyio_backend():
                return "asyncio"


            @pytest.fixture(scope="module")
            async def server():
                return object()
            """,
            reason="anyio sets up async fixtures of a module with an anyio_backend fixture",
            files={"pytest.ini": AUTO_MODE_INI},
        ),
        Good(
            """
            import pytest


            @pytest.fixture(scope="session")
            async def server():
                return object()
            """,
            reason="in strict mode pytest-asyncio does not run an @pytest.fixture (ALP402 speaks)",
            files={"pytest.ini": FUNCTION_DEFAULT_INI},
        ),
    )

    def visit_FunctionDef(self, node: ast.AST) -> None:
        file = self.file
        scope = file.scope
        spec = scope.fixture
        if scope.node is not node or spec is None or not isinstance(spec.decorator, ast.Call):
            return  # a bare decorator gives the function scope, which no loop is narrower than
        version = file.project.pytest_asyncio_version
        if version is not None and version < FIRST_VERSION_WITH_LOOP_SCOPE:
            return
        is_async = isinstance(node, ast.AsyncFunctionDef)
        if not is_scope(spec.scope) or not self._run_by_pytest_asyncio(node, spec, is_async):
            return
        explicit = keyword(spec.decorator, LOOP_SCOPE)
        if explicit is not None and (
            spec.provider != "pytest_asyncio" or not is_scope(spec.loop_scope)
        ):
            return  # a loop scope we cannot read, or one pytest.fixture would reject anyway
        loop = fixture_loop_scope(spec.scope, spec.loop_scope, file.project.config)
        if loop is None or not wider(spec.scope, loop):  # type: ignore[arg-type]
            return
        if loop == "function":
            # Before 1.0 the "function" loop is the event_loop fixture, which may be overridden.
            overridden = overridden_function_loop_scope(file)
            if is_scope(overridden) and not wider(spec.scope, overridden):  # type: ignore
                return
        source = "its loop_scope" if explicit is not None else "asyncio_default_fixture_loop_scope"
        action, fix = self._action_and_fix(spec, explicit, is_async)
        self.report(
            spec.decorator, fix, fixture=spec.name, scope=spec.scope, loop=loop, source=source,
            action=action,
        )

    visit_AsyncFunctionDef = visit_FunctionDef

    def _run_by_pytest_asyncio(self, node: ast.AST, spec: FixtureSpec, is_async: bool) -> bool:
        if spec.provider == "pytest_asyncio":
            return True
        file = self.file
        if not is_async or strict_mode(file.project):
            return False
        marks = def_marks(node, file)
        if marks.handled_elsewhere:
            return False
        if requests_runner_fixture(file.scope.params) or project_fixture_runner(file.project):
            return False
        return module_runners(file).fixture_runner(spec.name) is None

    def _action_and_fix(
        self, spec: FixtureSpec, explicit: Optional[ast.keyword], is_async: bool
    ) -> Tuple[str, Optional[Fix]]:
        call = spec.decorator
        assert isinstance(call, ast.Call)
        wanted = f'"{spec.scope}"'
        edits: List[Edit] = []
        imports: Tuple[AddImport, ...] = ()
        if explicit is not None:
            action = f"set loop_scope={wanted}"
            edits.append(ReplaceExpression(Span.of(explicit.value), wanted))
        elif not is_async and spec.provider == "pytest_asyncio":
            action = "declare it with @pytest.fixture: a sync fixture needs no event loop"
            spelled = None if call.args else spelling(self.file.imports, PYTEST_FIXTURE)
            if spelled is None:
                return action, None
            edits.append(ReplaceExpression(Span.of(call.func), spelled[0]))
            imports = spelled[1]
        elif spec.provider == "pytest_asyncio":
            action = f"add loop_scope={wanted}"
            edits.append(AddKeyword(Span.of(call), LOOP_SCOPE, wanted))
        else:
            action = f"declare it with @pytest_asyncio.fixture(..., loop_scope={wanted})"
            spelled = None if call.args else spelling(self.file.imports, ASYNCIO_FIXTURE)
            if spelled is None:
                return action, None
            edits.append(ReplaceExpression(Span.of(call.func), spelled[0]))
            edits.append(AddKeyword(Span.of(call), LOOP_SCOPE, wanted))
            imports = spelled[1]
        return action, Fix(Safety.SAFE, action, tuple(edits), imports)
