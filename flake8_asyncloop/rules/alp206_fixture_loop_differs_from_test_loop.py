"""ALP206: a test uses a fixture's loop-bound value on a different event loop from the fixture's."""

from __future__ import annotations

import ast
import os
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.async_runners import (
    def_marks,
    enclosing_classes,
    module_runners,
    owner_marks,
    project_fixture_runner,
    project_test_runner,
    requests_runner_fixture,
    strict_mode,
    yields,
)
from flake8_asyncloop.analysis.children import own_body_nodes
from flake8_asyncloop.analysis.loop_bound import loop_bound_constructor
from flake8_asyncloop.analysis.loop_scopes import (
    Unknown,
    asyncio_mark_levels,
    closest_mark_scope,
    default_test_loop_scope,
    fixture_loop_scope,
    is_scope,
    overridden_function_loop_scope,
    wider,
)
from flake8_asyncloop.analysis.named_values import module_values
from flake8_asyncloop.analysis.names import ImportTable
from flake8_asyncloop.analysis.testcode import (
    FixtureSpec,
    decorator_words,
    fixture_spec,
    keyword,
    requested_parameters,
)
from flake8_asyncloop.analysis.text_gates import mentions_async
from flake8_asyncloop.context.conftest_facts import fixture_def
from flake8_asyncloop.context.model import FixtureDef, PytestConfig
from flake8_asyncloop.rule import Bad, Good, Rule

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

FUNCTION_DEFAULT_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
SESSION_DEFAULT_INI = "[pytest]\nasyncio_default_fixture_loop_scope = session\n"

SESSION_CLIENT_CONFTEST = """\
import httpx
import pytest_asyncio


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def api():
    async with httpx.AsyncClient(base_url="http://localhost:8080") as client:
        yield client
"""


class FixtureLoopDiffersFromTestLoop(Rule):
    code = "ALP206"
    name = "fixture-loop-differs-from-test-loop"
    message = (
        'fixture `{fixture}` ({where}) gives {value}, bound to its "{fixture_loop}"-scoped event '
        'loop, but this {user} runs on a "{test_loop}"-scoped one; give the {user} '
        'loop_scope="{fixture_loop}"'
    )

    @classmethod
    def applies_to(cls, source: str, file: "FileState") -> bool:
        # a fixture of the file or of a conftest.py
        if not mentions_async(source):  # only async tests are reported
            return False
        return "fixture" in source or any(c.fixtures for c in file.project.conftests)

    what = """
    Flags a fixture parameter of an async test when the fixture is set up by pytest-asyncio
    on one event loop, its value is bound to that loop, and the test runs on another; and
    the same parameter of an async fixture that pytest-asyncio runs on another loop and
    whose body awaits something that reads it, or a name bound from it by an assignment, a
    `for` or `with` target or a comprehension (a function-scoped `session` fixture doing
    `async with AsyncSession(engine)` on a session-scoped engine): its own code meets the
    value there. A value
    is loop-bound when it comes from a loop-bound constructor (asyncio futures, streams,
    locks and queues, async clients: the list ALP501 uses, extended by
    `--asyncloop-loop-bound-names`), or when an async generator fixture whose value several
    tests share (`scope="class"` and wider) yields what its async set-up made: what a class,
    or a call named for a connection or something opened on a loop, opened or gave (`async
    with connect() as db: yield db`, `yield db, path`, `pool = await create_pool()`, `async
    with engine.begin() as conn`, `await p.chromium.launch()`), or an object set up by
    awaiting its methods (`bot = Bot(); await bot.login(); yield bot`). The test's loop
    scope comes from its closest asyncio mark (its own, its class's, the module's
    `pytestmark`), else from `asyncio_default_test_loop_scope`. A conftest.py's
    `pytest_collection_modifyitems` that marks every async test with a loop scope
    (pytest-asyncio's recipe for one loop per session) puts its mark on the test itself:
    with the recipe's `append=False` it is the closest mark of all; appended, it comes
    after the test's own marks and before its class's and module's. The fixture's loop
    scope comes from its `loop_scope=`, else `asyncio_default_fixture_loop_scope`, else its
    own scope. Before pytest-asyncio 1.0 (the version linted for, or the project's pins) a
    "function" loop is the `event_loop` fixture, so an override of a wider scope in sight
    puts such tests and fixtures on its loop. Fixtures are looked up as pytest does: the
    test's class, the module, then the conftest.py chain, nearest first.
    """
    why = """
    In pytest-asyncio 1.x each loop scope has its own loop: a module-scoped fixture on the
    module's loop and a test on its function's loop run on two different loops. Futures,
    streams and connections belong to the loop they were made on; awaiting them from another
    loop fails with `got Future attached to a different loop`, aiohttp raises `Timeout
    context manager should be used inside a task`, and a server started on the fixture's loop
    never answers, because that loop does not run while the test does.
    """
    fix_notes = """
    There is no automatic fix: running the test on the fixture's loop (the message names the
    `loop_scope=` to give it, usually through a module `pytestmark` or a class mark) or the
    fixture on the test's loop are both reasonable, and only the suite's author knows which
    other tests and fixtures share that loop.
    """
    limitations = """
    Only the parameters of tests and async fixtures are followed: not `usefixtures`, and
    not a fixture that hands another fixture's value on to the test (a sync one, or an
    async one that awaits nothing that reads it). A fixture
    returning (rather than yielding) an awaited value, or building its value in a helper,
    is not recognised; fixtures that return plain data are
    never reported. A function-scoped fixture on a wider loop is reported only for a listed
    constructor: what `async with client() as c: yield c` makes may bind to no loop until
    the test first uses it (aiobotocore's clients), and the linter cannot tell which. What
    a method of a fixture the fixture requests gave (`space = await client.create_space()`;
    `yield space`) is taken for data: the requested fixture's own object is the loop-bound
    one, reported where a test requests it. A resource handed out that way (`conn = await
    pool.acquire()`) is missed unless it comes from a listed constructor. An object built
    on an aiosqlite URL (a project's `Database("sqlite+aiosqlite:///:memory:")`) counts as
    bound to no loop, as ALP501's aiosqlite engines do; whatever else it holds is not
    looked at. So does an `httpx.AsyncClient` on an in-process `ASGITransport` opened with
    `async with`: it keeps no connection. What the app it serves made on the fixture's
    loop (a pool its lifespan opened in the same fixture) is not looked at. What a helper
    named for something else opened or gave (`async with sshd_container() as info`, `await
    Classifier.new()`) is taken for plain set-up (a host and port, a loaded model), and is
    missed where it does hold a connection. A
    `loop_scope=` given by a variable in a conftest.py is read as absent.
    Tests run by anyio, trio, a decorator or a conftest hook are left alone, and so is a
    test that only calls sync methods of the value or reads its attributes, awaiting
    nothing that reads it and handing it to no call but built-ins that only look at it
    (`len`, `sorted`): a sync method that still reaches the fixture's loop (one that
    schedules a callback on it) is missed there.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture(scope="module", loop_scope="module")
            async def greeting():
                future = asyncio.Future()
                asyncio.get_running_loop().call_later(0.01, future.set_result, "hello")
                yield future


            @pytest.mark.asyncio
            async def test_greeting(greeting):
                assert await greeting == "hello"
            """,
            (15, 25),
            files={"pytest.ini": FUNCTION_DEFAULT_INI},
            runs=True,
        ),
        Bad(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture
            async def reader():
                reader = asyncio.StreamReader()
                asyncio.get_running_loop().call_later(0.01, reader.feed_data, b"ping")
                yield reader


            @pytest.mark.asyncio(loop_scope="module")
            async def test_read(reader):
                assert await reader.read(4) == b"ping"
            """,
            (15, 21),
            files={"pytest.ini": FUNCTION_DEFAULT_INI},
            runs=True,
        ),
        Bad(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture(scope="module", loop_scope="module")
            async def greeting():
                future = asyncio.Future()
                asyncio.get_running_loop().call_later(0.01, future.set_result, "hello")
                yield future


            @pytest_asyncio.fixture
            async def shout(greeting):
                return (await greeting).upper()


            @pytest.mark.asyncio
            async def test_shout(shout):
                assert shout == "HELLO"
            """,
            (15, 17),
            files={"pytest.ini": FUNCTION_DEFAULT_INI},
            runs=True,
        ),
        Bad(
            """
            import pytest

            pytestmark = pytest.mark.asyncio


            async def test_health(api):
                assert (await api.get("/health")).status_code == 200
            """,
            (6, 23),
            files={"pytest.ini": FUNCTION_DEFAULT_INI, "conftest.py": SESSION_CLIENT_CONFTEST},
        ),
        Bad(
            """
            import pytest
            import pytest_asyncio

            from myapp.db import connect


            @pytest_asyncio.fixture(scope="module", loop_scope="module")
            async def db():
                async with connect() as connection:
                    yield connection


            @pytest.mark.asyncio(loop_scope="class")
            class TestUsers:
                async def test_insert(self, db):
                    await db.execute("insert into users values (1)")
            """,
            (15, 33),
            files={"pytest.ini": FUNCTION_DEFAULT_INI},
        ),
        Good(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture(scope="module", loop_scope="module")
            async def greeting():
                future = asyncio.Future()
                asyncio.get_running_loop().call_later(0.01, future.set_result, "hello")
                yield future


            @pytest.mark.asyncio(loop_scope="module")
            async def test_greeting(greeting):
                assert await greeting == "hello"
            """,
            reason="the test runs on the loop the future belongs to",
            files={"pytest.ini": FUNCTION_DEFAULT_INI},
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture(scope="module", loop_scope="module")
            async def greeting():
                future = asyncio.Future()
                asyncio.get_running_loop().call_later(0.01, future.set_result, "hello")
                yield future


            @pytest_asyncio.fixture(loop_scope="module")
            async def shout(greeting):
                return (await greeting).upper()


            @pytest.mark.asyncio
            async def test_shout(shout):
                assert shout == "HELLO"
            """,
            reason=(
                "the fixture awaits the future on the loop it belongs to, and hands the test "
                "a string"
            ),
            files={"pytest.ini": FUNCTION_DEFAULT_INI},
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture(scope="module", loop_scope="module")
            async def settings():
                await asyncio.sleep(0)
                return {"retries": 3}


            @pytest_asyncio.fixture(scope="module", loop_scope="module")
            async def workdir(tmp_path_factory):
                await asyncio.sleep(0)
                yield tmp_path_factory.mktemp("work")


            @pytest.mark.asyncio
            async def test_settings(settings, workdir):
                assert settings["retries"] == 3 and workdir.exists()
            """,
            reason="plain data and paths belong to no loop",
            files={"pytest.ini": FUNCTION_DEFAULT_INI},
            runs=True,
        ),
        Good(
            """
            import pytest
            import pytest_asyncio
            from sqlalchemy import text
            from sqlalchemy.ext.asyncio import create_async_engine
            from sqlalchemy.pool import NullPool


            @pytest_asyncio.fixture(scope="session", loop_scope="session")
            async def engine():
                engine = create_async_engine("sqlite+aiosqlite://", poolclass=NullPool)
                yield engine
                await engine.dispose()


            @pytest.mark.asyncio
            async def test_select(engine):
                async with engine.connect() as connection:
                    assert (await connection.execute(text("select 1"))).scalar() == 1
            """,
            reason="with NullPool the engine keeps no connection: each opens on the test's loop",
            files={"pytest.ini": FUNCTION_DEFAULT_INI},
        ),
        Good(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            class Client:
                # Connects on its first request, on the loop that makes it.
                async def __aenter__(self):
                    return self

                async def __aexit__(self, *exc_info):
                    return None

                async def get(self, path):
                    await asyncio.sleep(0)
                    return 200


            @pytest_asyncio.fixture
            async def client():
                async with Client() as client:
                    yield client


            @pytest.mark.asyncio
            async def test_health(client):
                assert await client.get("/health") == 200
            """,
            reason=(
                "each test gets its own client, made on the session loop but bound to none "
                "before the test uses it"
            ),
            files={"pytest.ini": SESSION_DEFAULT_INI},
            runs=True,
        ),
        Good(
            """
            import pytest

            pytestmark = pytest.mark.asyncio(loop_scope="session")


            async def test_health(api):
                assert (await api.get("/health")).status_code == 200
            """,
            reason="the module's tests run on the session loop the client was made on",
            files={"pytest.ini": FUNCTION_DEFAULT_INI, "conftest.py": SESSION_CLIENT_CONFTEST},
        ),
        Good(
            """
            import asyncio

            import pytest_asyncio


            @pytest_asyncio.fixture(scope="module", loop_scope="module")
            async def greeting():
                future = asyncio.Future()
                future.set_result("hello")
                yield future


            def test_greeting_ready(greeting):
                assert greeting.result() == "hello"
            """,
            reason="a sync test runs on no loop; it only reads the finished future",
            files={"pytest.ini": FUNCTION_DEFAULT_INI},
            runs=True,
        ),
        Good(
            """
            import pytest

            from myapp.db import connect


            @pytest.fixture(scope="module")
            async def db():
                async with connect() as connection:
                    yield connection


            @pytest.mark.anyio
            async def test_insert(db):
                await db.execute("insert into users values (1)")
            """,
            reason="anyio runs the test and its fixtures, on one loop",
            files={"pytest.ini": FUNCTION_DEFAULT_INI},
        ),
    )

    _imports: Optional[ImportTable] = None
    _unseen_fixtures = False

    def visit_Module(self, node: ast.Module) -> None:
        # Fixture bodies are read with the module's imports, not those of the def being visited.
        self._imports = self.file.module.imports
        self._unseen_fixtures = _may_bring_fixtures(self.file.module.statements)
        # (fixture name, id of the test's class) -> the definition pytest would use, with
        # its loop-bound value, when pytest-asyncio sets it up and its value is loop-bound
        self._fixture_cache: Dict[
            Tuple[str, Optional[int]], Optional[Tuple[FixtureDef, str]]
        ] = {}
        self._definitions: Dict[ast.AST, FixtureDef] = {}  # local fixture def -> its facts

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        file = self.file
        scope = file.scope
        if scope.node is not node:
            return
        if scope.role == scopes.FIXTURE:
            self._check_fixture(node, scope)
            return
        if scope.role != scopes.TEST or file.is_conftest:
            return
        # Cheap first: the requested fixtures that hold loop-bound state. Only when there are
        # some is the test's own loop scope worked out.
        candidates = []
        parametrized = None
        for param in requested_parameters(node, in_class=scope.enclosing_class() is not None):
            found = self._loop_bound_fixture(param.arg, scope)
            if found is None:
                continue
            if parametrized is None:
                parametrized = decorator_words(node)
            if param.arg not in parametrized:
                candidates.append((param, *found))
        if not candidates:
            return
        test_loop = self._test_loop_scope(node, scope)
        if test_loop is None:
            return
        overridden = _function_loop_override(file)
        for param, fixture, value in candidates:
            fixture_loop = _other_loop(fixture, test_loop, file.project.config, overridden)
            if fixture_loop is None or _only_read_synchronously(node, param.arg):
                continue
            self.report(
                param, fixture=fixture.name, where=self._where(fixture), value=value,
                fixture_loop=fixture_loop, test_loop=test_loop, user="test",
            )

    def _check_fixture(self, node: ast.AsyncFunctionDef, scope: scopes.Scope) -> None:
        """An async fixture pytest-asyncio runs on one loop that requests a fixture whose
        value is bound to another: its own code meets that value on the wrong loop."""
        spec = scope.fixture
        if spec is None or not self._runs_under_pytest_asyncio(
            True, spec.provider, spec.name, local=True
        ):
            return
        if not _tells_loop_scope(spec):
            return
        config = self.file.project.config
        own_loop = fixture_loop_scope(spec.scope, spec.loop_scope, config)
        if own_loop is None or spec.scope is None or wider(spec.scope, own_loop):
            return  # unknown, or a ScopeMismatch before any test runs (ALP205)
        overridden = _UNKNOWN
        for param in requested_parameters(node, in_class=scope.enclosing_class() is not None):
            if param.arg == spec.name:
                continue  # the definition it overrides, which the lookup would not find
            found = self._loop_bound_fixture(param.arg, scope)
            if found is None:
                continue
            fixture, value = found
            if overridden is _UNKNOWN:
                overridden = _function_loop_override(self.file)  # once, for the first one
            fixture_loop = _other_loop(fixture, own_loop, config, overridden)  # type: ignore
            if fixture_loop is None or not _awaits_with(node, param.arg):
                continue  # the same loop, or handed on without being awaited on here
            self.report(
                param, fixture=fixture.name, where=self._where(fixture), value=value,
                fixture_loop=fixture_loop, test_loop=own_loop, user="fixture",
            )

    # -- the test's loop ------------------------------------------------------------------------
    def _test_loop_scope(self, node: ast.AsyncFunctionDef, scope: scopes.Scope) -> Optional[str]:
        """The loop scope pytest-asyncio runs the test on; None when it does not run it, or
        when the source does not tell which loop it gets."""
        file = self.file
        if yields(node) is not None:
            return None  # an async generator test never runs (ALP404)
        classes = enclosing_classes(scope)
        if classes is None or any(c.class_kind != "pytest" for c in classes):
            return None
        own = def_marks(node, file)
        if own.handled_elsewhere or requests_runner_fixture(scope.params):
            return None
        for owner in classes:
            if owner_marks(owner, file.imports).handled_elsewhere:
                return None
        if project_test_runner(file.project) or module_runners(file).test_runner is not None:
            return None
        levels = asyncio_mark_levels(
            node, [c.node for c in classes], file.module.pytestmark, file.imports  # type: ignore
        )
        if own.mentions_asyncio and not levels[0]:
            return None  # an asyncio mark inside pytest.param(marks=...): per parameter
        config = file.project.config
        try:
            marked = closest_mark_scope(levels, config)
        except Unknown:
            return None
        if marked is not None:
            return marked
        return None if strict_mode(file.project) else default_test_loop_scope(config)

    # -- the fixture ----------------------------------------------------------------------------
    def _loop_bound_fixture(
        self, name: str, scope: scopes.Scope
    ) -> Optional[Tuple[FixtureDef, str]]:
        """The definition pytest gives the test for ``name`` (its classes', the module's, then
        the nearest conftest.py's) with what in its value is loop-bound, when pytest-asyncio
        sets it up and its value is bound to its loop; the same for every test of a class."""
        owner = scope.enclosing_class()
        key = (name, id(owner.node) if owner is not None else None)
        if key in self._fixture_cache:
            return self._fixture_cache[key]
        found = None
        fixture = self._find_fixture(name, owner)
        if fixture is not None and self._set_up_by_pytest_asyncio(fixture):
            value = self._loop_bound_value(fixture)
            if value is not None:
                found = (fixture, value)
        self._fixture_cache[key] = found
        return found

    def _find_fixture(self, name: str, owner: Optional[scopes.Scope]) -> Optional[FixtureDef]:
        """The fixture's definition; None also for a local one pytest-asyncio does not set up
        (its body is then never read)."""
        while owner is not None and owner.kind == scopes.CLASS:
            found = self._local_fixture(name, owner.node.body)  # type: ignore[attr-defined]
            if found is not None:
                return self._local_definition(*found)
            outer = owner.parent
            owner = outer if outer is not None and outer.kind == scopes.CLASS else None
        module_level = [
            func for func, _ in self.file.module.fixtures.get(name, ())
            if self.file.module.functions.get(func.name) is func  # type: ignore[attr-defined]
        ]
        if module_level:
            found = self._local_fixture(name, module_level)
            return None if found is None else self._local_definition(*found)
        if self.file.module.fixtures.get(name):
            return None  # defined in a class that is not this test's: pytest would not use it
        if self._unseen_fixtures or self.file.imports.lookup(name) is not None:
            return None  # the module may get its own definition from elsewhere
        in_conftests = self.file.project.conftest_fixtures(name)
        return in_conftests[-1] if in_conftests else None

    def _local_fixture(
        self, name: str, candidates: List[ast.AST]
    ) -> Optional[Tuple[ast.AST, FixtureSpec]]:
        """The def of this module that defines fixture ``name`` among ``candidates`` (the last
        one wins), with its spec; None when there is none, or when one has a loop scope the
        source does not tell."""
        imports = self._imports or self.file.imports
        specs = self.file.module.specs
        found: Optional[Tuple[ast.AST, FixtureSpec]] = None
        for func in candidates:
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            spec = specs[func] if func in specs else fixture_spec(func, imports)
            if spec is None or spec.name != name:
                continue
            if not _tells_loop_scope(spec):
                return None
            found = (func, spec)
        return found

    def _local_definition(self, func: ast.AST, spec: FixtureSpec) -> Optional[FixtureDef]:
        """The fixture's definition, its body read; None (body unread) when pytest-asyncio
        does not set it up, which is all the caller would have learnt from it."""
        is_async = isinstance(func, ast.AsyncFunctionDef)
        if not self._runs_under_pytest_asyncio(is_async, spec.provider, spec.name, local=True):
            return None
        # The same def serves the module's tests and those of its classes: its body is
        # read once.
        definition = self._definitions.get(func)
        if definition is None:
            imports = self._imports or self.file.imports
            definition = self._definitions[func] = fixture_def(
                func, spec, imports, self.file.filename, self._module_value
            )
        return definition

    def _module_value(self, name: str) -> Optional[ast.AST]:
        """What a module-level name of the file was bound to: worked out only when a
        fixture's body asks (most never do)."""
        return module_values(self.file).get(name)

    def _set_up_by_pytest_asyncio(self, fixture: FixtureDef) -> bool:
        local = fixture.path == self.file.filename
        return self._runs_under_pytest_asyncio(
            fixture.is_async, fixture.provider, fixture.name, local
        )

    def _runs_under_pytest_asyncio(
        self, is_async: bool, provider: str, name: str, local: bool
    ) -> bool:
        if not is_async:
            return False
        if provider == "pytest_asyncio":
            return True
        file = self.file
        if strict_mode(file.project) or project_fixture_runner(file.project):
            return False
        return not local or module_runners(file).fixture_runner(name) is None

    def _loop_bound_value(self, fixture: FixtureDef) -> Optional[str]:
        """What in the fixture's value is bound to its loop, in words; None for plain data."""
        if fixture.builds is not None:
            constructor = loop_bound_constructor(fixture.builds, self.file.options.loop_bound_names)
            if constructor is not None:
                return f"an object built by `{constructor}`"
        # What async set-up made may hold no loop state yet (aiobotocore's client makes its
        # session on its first request, in the test): only a value several tests share,
        # each on its own loop, is sure to meet a second loop.
        if fixture.is_generator and fixture.yields_async_value and _shared_by_tests(fixture):
            return "what its async set-up made"
        return None

    def _where(self, fixture: FixtureDef) -> str:
        if fixture.path == self.file.filename:
            return f"line {fixture.line}"
        # As seen from the test's directory: ``conftest.py``, ``../conftest.py``.
        shown = os.path.relpath(fixture.path, os.path.dirname(os.path.abspath(self.file.filename)))
        return f"{shown}:{fixture.line}"


def _tells_loop_scope(spec: FixtureSpec) -> bool:
    """False for a ``loop_scope=`` the source does not tell (a variable)."""
    call = spec.decorator if isinstance(spec.decorator, ast.Call) else None
    return call is None or keyword(call, "loop_scope") is None or spec.loop_scope is not None


_UNKNOWN = object()


def _function_loop_override(file: "FileState") -> Optional[str]:
    """Before pytest-asyncio 1.0 a "function" loop is the ``event_loop`` fixture: the scope
    of an override in sight, where it is wider (czzopenai's session override under 0.21,
    which runs every test and fixture on one loop); None otherwise."""
    overridden = overridden_function_loop_scope(file)
    if is_scope(overridden) and overridden != "function":
        return overridden
    return None


def _other_loop(
    fixture: FixtureDef, loop: str, config: PytestConfig, overridden: Optional[str] = None
) -> Optional[str]:
    """The fixture's loop scope when it differs from ``loop``; None when it is the same, is
    not known, or is narrower than the fixture's scope (a ScopeMismatch before any test
    runs: ALP205's business). With ``overridden``, a "function" loop is that one."""
    fixture_loop = fixture_loop_scope(fixture.scope, fixture.loop_scope, config)
    if fixture_loop is None:
        return None
    if overridden is not None and {fixture_loop, loop} <= {"function", overridden}:
        return None  # both on the override's loop
    if fixture_loop == loop:
        return None
    if fixture.scope is None or wider(fixture.scope, fixture_loop):
        return None
    return fixture_loop


def _awaits_with(fixture: ast.AST, name: str) -> bool:
    """Whether the fixture's own body awaits something that reads ``name``, or a name bound
    from it (``async with AsyncSession(engine) as s``, ``await greeting``, ``client =
    pair[0]; await client.get()``): its code meets the value on its own loop."""
    body = list(own_body_nodes(fixture))
    aliases = _names_bound_from(body, name)
    return any(_awaits_reading(node, aliases) for node in body)


def _awaits_reading(node: ast.AST, names: Set[str]) -> bool:
    """``node`` awaits something that reads one of ``names``: an ``await``, an ``async
    with`` item, the iterable of an ``async for`` or of an async comprehension."""
    kind = node.__class__
    if kind is ast.Await:
        return _reads(node.value, names)  # type: ignore[attr-defined]
    if kind is ast.AsyncWith:
        return any(_reads(item.context_expr, names) for item in node.items)  # type: ignore
    if kind is ast.AsyncFor or (kind is ast.comprehension and node.is_async):  # type: ignore
        return _reads(node.iter, names)  # type: ignore[attr-defined]
    return False


def _only_read_synchronously(test: ast.AsyncFunctionDef, name: str) -> bool:
    """Whether the test touches the value only with sync calls and reads (``manager.
    get_server_names()``): nothing that reads it, or a name bound from it, is awaited,
    entered with ``async with`` or iterated with ``async for``; nor handed to a call
    (``asyncio.create_task(use(manager))``) other than a built-in that only looks at it,
    nor read in a nested def or lambda. Such a test does no async work with it on its own
    loop."""
    nodes = list(ast.walk(test))
    aliases = _names_bound_from(nodes, name)
    for node in nodes:
        kind = node.__class__
        if _awaits_reading(node, aliases):
            return False
        if kind is ast.Call:
            if not _plain_builtin(node.func):  # type: ignore[attr-defined]
                arguments = [*node.args, *(k.value for k in node.keywords)]  # type: ignore
                if any(_reads(argument, aliases) for argument in arguments):
                    return False
        elif kind in _NESTED_CODE and node is not test and _reads(node, aliases):
            return False
    return True


def _names_bound_from(nodes: List[ast.AST], name: str) -> Set[str]:
    """``name`` and every name ``nodes`` bind from what reads it, however far along
    (``conns = client.pool``; ``for conn in conns``; ``with conn.cursor() as c``)."""
    aliases = {name}
    changed = True
    while changed:
        changed = False
        for node in nodes:
            for target, value in _bindings(node):
                if _reads(value, aliases):
                    bound = {t.id for t in ast.walk(target) if isinstance(t, ast.Name)}
                    if not bound <= aliases:
                        aliases |= bound
                        changed = True
    return aliases


def _bindings(node: ast.AST) -> List[Tuple[ast.AST, ast.AST]]:
    """(target, value) of each name binding ``node`` makes from a value."""
    kind = node.__class__
    if kind is ast.Assign:
        return [(target, node.value) for target in node.targets]  # type: ignore
    if kind is ast.AnnAssign or kind is ast.NamedExpr:
        value = node.value  # type: ignore[attr-defined]
        return [] if value is None else [(node.target, value)]  # type: ignore[attr-defined]
    if kind is ast.For or kind is ast.AsyncFor or kind is ast.comprehension:
        return [(node.target, node.iter)]  # type: ignore[attr-defined]
    if kind is ast.With or kind is ast.AsyncWith:
        return [
            (item.optional_vars, item.context_expr)
            for item in node.items  # type: ignore[attr-defined]
            if item.optional_vars is not None
        ]
    return []


_NESTED_CODE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
# Built-in functions that only look at what they are given (``len(apis)``, ``list(names)``).
_PLAIN_BUILTINS = frozenset(
    {
        "abs", "all", "any", "bool", "callable", "dict", "enumerate", "float", "format",
        "frozenset", "getattr", "hasattr", "hash", "id", "int", "isinstance", "iter", "len",
        "list", "max", "min", "next", "print", "repr", "reversed", "round", "set", "sorted",
        "str", "sum", "tuple", "type", "zip",
    }
)


def _plain_builtin(func: ast.AST) -> bool:
    return isinstance(func, ast.Name) and func.id in _PLAIN_BUILTINS


def _reads(value: ast.AST, names: Set[str]) -> bool:
    return any(isinstance(node, ast.Name) and node.id in names for node in ast.walk(value))


def _shared_by_tests(fixture: FixtureDef) -> bool:
    """Whether pytest hands the same value to more than one test (a scope wider than a test)."""
    return fixture.scope is not None and fixture.scope != "function"


def _may_bring_fixtures(statements: List[ast.stmt]) -> bool:
    """A star import or ``pytest_plugins`` may define fixtures that override the conftest's."""
    for statement in statements:
        if isinstance(statement, ast.ImportFrom) and any(a.name == "*" for a in statement.names):
            return True
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytest_plugins" for t in statement.targets
        ):
            return True
    return False
