"""ALP201's migration of a wide ``event_loop`` override to pytest-asyncio 1.x loop scopes.

In a test module the override served that module's async tests and fixtures: the fix gives
them its scope through ``loop_scope=``. In the conftest.py beside the pytest config it served
the whole project: the fix sets the config's default loop scopes. Anything the fix cannot
express exactly leaves the finding without a fix.
"""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Optional

import pytest
from support import child_environment, run_pytest_isolated

from flake8_asyncloop.cli import main
from flake8_asyncloop.config_edit import ConfigEditError, with_settings
from flake8_asyncloop.context.discovery import clear_caches, context_for
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.fixer import fix_source
from flake8_asyncloop.findings import Finding
from flake8_asyncloop.rules import RULES_BY_CODE

ENGINE = Engine([RULES_BY_CODE["ALP201"]])
STRICT_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
FIX_ALP201 = ("fix", "--isolated", "--select=ALP201", "--unsafe-fixes", "--no-cache")
TEST_KEY = "asyncio_default_test_loop_scope"
AUTO_INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"

OVERRIDE = """
import asyncio

import pytest
import pytest_asyncio


@pytest.fixture(scope="module")
def event_loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()

"""


def _finding(
    tmp_path: Path, source: str, ini: str = STRICT_INI, version: Optional[str] = None
) -> Finding:
    clear_caches()
    (tmp_path / "pytest.ini").write_text(ini)
    module = tmp_path / "test_module.py"
    module.write_text(source)
    context = context_for(str(module), version)
    findings, errors = ENGINE.check(ast.parse(source), str(module), context)
    assert not errors
    assert [f.code for f in findings] == ["ALP201"]
    return findings[0]


def _fixed(tmp_path: Path, body: str, ini: str = STRICT_INI) -> Optional[str]:
    """The module after ALP201's fix, or None when the finding has no fix."""
    source = OVERRIDE + textwrap.dedent(body)
    finding = _finding(tmp_path, source, ini)
    if finding.fix is None:
        return None
    module = str(tmp_path / "test_module.py")

    def check(text: str):
        return ENGINE.check(ast.parse(text), module, context_for(module))[0]

    result = fix_source(source, check, unsafe=True)
    # The override was the module's only use of asyncio: its import goes with it.
    imports, _, rest = result.source.partition("\n\n\n")
    assert "import asyncio" not in imports or "asyncio." in rest
    return rest


# -- a function-scoped override ---------------------------------------------------------------

FUNCTION_OVERRIDE = """
import asyncio

import pytest


@pytest.fixture
def event_loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


"""


@pytest.mark.parametrize(
    "sync_user",
    [
        "def test_sync(event_loop):\n    pass\n",
        "@pytest.mark.usefixtures('event_loop')\ndef test_sync():\n    pass\n",
        "def test_sync(request):\n    loop = request.getfixturevalue('event_loop')\n",
        "pytestmark = pytest.mark.usefixtures('event_loop')\n",
    ],
)
def test_an_override_sync_code_still_requests_is_not_deleted(
    tmp_path: Path, sync_user: str
) -> None:
    # Deleted, it would leave the sync test asking for a fixture pytest-asyncio 1.x removed.
    assert _finding(tmp_path, FUNCTION_OVERRIDE + sync_user).fix is None


def test_an_override_that_shadows_a_def_of_its_name_is_not_deleted(tmp_path: Path) -> None:
    # Deleted, it would bring back the test it replaced, which asks for ``event_loop``.
    source = FUNCTION_OVERRIDE.replace("def event_loop():", "def loop_maker():").replace(
        "@pytest.fixture", "@pytest.fixture(name='event_loop')"
    )
    shadowed = "def loop_maker(event_loop):\n    pass\n\n\n"
    at = source.index("@pytest.fixture")
    assert _finding(tmp_path, source[:at] + shadowed + source[at:]).fix is None
    assert _finding(tmp_path, source).fix is not None


def test_an_override_only_async_code_requests_is_deleted(tmp_path: Path) -> None:
    user = "@pytest.mark.asyncio\nasync def test_async():\n    pass\n"
    fix = _finding(tmp_path, FUNCTION_OVERRIDE + user).fix
    assert fix is not None and fix.description == "delete the override"


# -- a module's override ---------------------------------------------------------------------


def test_marks_and_fixtures_get_the_loop_scope(tmp_path: Path) -> None:
    fixed = _fixed(
        tmp_path,
        """
        @pytest_asyncio.fixture
        async def client():
            return object()


        @pytest.mark.asyncio
        async def test_bare(client):
            pass


        @pytest.mark.asyncio()
        async def test_called():
            pass


        @pytest.mark.asyncio(loop_scope="module")
        async def test_already():
            pass


        def test_sync():
            pass
        """,
    )
    assert fixed == textwrap.dedent(
        """
        @pytest_asyncio.fixture(loop_scope="module")
        async def client():
            return object()


        @pytest.mark.asyncio(loop_scope="module")
        async def test_bare(client):
            pass


        @pytest.mark.asyncio(loop_scope="module")
        async def test_called():
            pass


        @pytest.mark.asyncio(loop_scope="module")
        async def test_already():
            pass


        def test_sync():
            pass
        """
    ).lstrip("\n")


def test_a_shared_module_mark_is_edited_once(tmp_path: Path) -> None:
    fixed = _fixed(
        tmp_path,
        """
        pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


        async def test_one():
            pass


        class TestGroup:
            async def test_two(self):
                pass
        """,
    )
    assert fixed is not None
    assert 'pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]' in fixed
    assert fixed.count("loop_scope") == 1


def test_a_class_mark_is_the_closest_one(tmp_path: Path) -> None:
    fixed = _fixed(
        tmp_path,
        """
        pytestmark = pytest.mark.asyncio


        @pytest.mark.asyncio
        class TestGroup:
            async def test_two(self):
                pass
        """,
    )
    assert fixed is not None
    assert '@pytest.mark.asyncio(loop_scope="module")\nclass TestGroup' in fixed
    assert "pytestmark = pytest.mark.asyncio\n" in fixed  # no test is closest to it


def test_auto_mode_marks_unmarked_tests_and_converts_async_pytest_fixtures(tmp_path: Path) -> None:
    fixed = _fixed(
        tmp_path,
        """
        @pytest.fixture
        async def client():
            return object()


        async def test_one(client):
            pass
        """,
        ini=AUTO_INI,
    )
    assert fixed is not None
    assert '@pytest_asyncio.fixture(loop_scope="module")\nasync def client' in fixed
    assert '@pytest.mark.asyncio(loop_scope="module")\nasync def test_one' in fixed


def test_strict_mode_leaves_tests_pytest_asyncio_never_ran(tmp_path: Path) -> None:
    fixed = _fixed(
        tmp_path,
        """
        async def test_unmarked():
            pass


        @pytest.mark.asyncio
        async def test_marked():
            pass
        """,
    )
    assert fixed is not None
    assert 'loop_scope="module")\nasync def test_unmarked' not in fixed
    assert '@pytest.mark.asyncio(loop_scope="module")\nasync def test_marked' in fixed


@pytest.mark.parametrize(
    "body, ini",
    [
        pytest.param(
            '@pytest.mark.asyncio(loop_scope="function")\nasync def test_own_loop():\n    pass\n',
            STRICT_INI,
            id="a test that chose another loop",
        ),
        pytest.param(
            '@pytest_asyncio.fixture(scope="session")\nasync def pool():\n    return object()\n',
            STRICT_INI,
            id="a fixture that outlives the loop",
        ),
        pytest.param(
            "@pytest.mark.asyncio\nasync def test_loop(event_loop):\n    pass\n",
            STRICT_INI,
            id="event_loop still requested",
        ),
        pytest.param(
            '@pytest.mark.usefixtures("event_loop")\n@pytest.mark.asyncio\n'
            "async def test_x():\n    pass\n",
            STRICT_INI,
            id="event_loop requested through usefixtures",
        ),
        pytest.param(
            "@pytest.mark.asyncio\n@pytest.mark.asyncio\nasync def test_twice():\n    pass\n",
            STRICT_INI,
            id="two asyncio marks on one level",
        ),
    ],
)
def test_no_fix_when_the_migration_cannot_be_exact(tmp_path: Path, body: str, ini: str) -> None:
    assert _fixed(tmp_path, body, ini) is None


def test_no_fix_for_a_class_override(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """
        import asyncio

        import pytest


        class TestGroup:
            @pytest.fixture(scope="class")
            def event_loop(self):
                loop = asyncio.new_event_loop()
                yield loop
                loop.close()
        """
    )
    assert _finding(tmp_path, source).fix is None


def test_no_fix_when_the_target_version_lacks_loop_scope(tmp_path: Path) -> None:
    source = OVERRIDE + "\n@pytest.mark.asyncio\nasync def test_x():\n    pass\n"
    finding = _finding(tmp_path, source, version="0.23")
    assert finding.fix is None
    assert "deprecated since pytest-asyncio 0.22 and removed in 1.0" in finding.message
    assert "removed this fixture" in _finding(tmp_path, source, version="1.0").message


def test_silent_before_the_override_was_deprecated(tmp_path: Path) -> None:
    clear_caches()
    source = OVERRIDE
    module = tmp_path / "test_module.py"
    module.write_text(source)
    findings, _ = ENGINE.check(ast.parse(source), str(module), context_for(str(module), "0.21"))
    assert findings == []


# -- the project's override in the root conftest.py --------------------------------------------

CONFTEST = """import asyncio

import pytest


@pytest.fixture(scope="session")
def event_loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()
"""

SHARED_LOOP_TESTS = """import asyncio

import pytest_asyncio


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def server_loop():
    return asyncio.get_running_loop()


async def test_one(server_loop):
    assert server_loop is asyncio.get_running_loop()


async def test_two(server_loop):
    assert server_loop is asyncio.get_running_loop()
"""

CONFIGS = {
    "pytest.ini": ("[pytest]\nasyncio_mode = auto\n", "[pytest]\n{settings}asyncio_mode = auto\n"),
    "tox.ini": (
        "[tox]\nenvlist = py\n\n[pytest]\nasyncio_mode = auto\n",
        "[tox]\nenvlist = py\n\n[pytest]\n{settings}asyncio_mode = auto\n",
    ),
    "setup.cfg": (
        "[metadata]\nname = x\n\n[tool:pytest]\nasyncio_mode = auto\n",
        "[metadata]\nname = x\n\n[tool:pytest]\n{settings}asyncio_mode = auto\n",
    ),
    "pyproject.toml": (
        '[project]\nname = "x"\n\n[tool.pytest.ini_options]\nasyncio_mode = "auto"\n',
        '[project]\nname = "x"\n\n[tool.pytest.ini_options]\n{settings}asyncio_mode = "auto"\n',
    ),
}


def _project(tmp_path: Path, config_name: str) -> Path:
    before, _ = CONFIGS[config_name]
    (tmp_path / config_name).write_text(before)
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_server.py").write_text(SHARED_LOOP_TESTS)
    return tmp_path


def _settings_text(config_name: str) -> str:
    quote = '"' if config_name.endswith(".toml") else ""
    return (
        f"asyncio_default_fixture_loop_scope = {quote}session{quote}\n"
        f"asyncio_default_test_loop_scope = {quote}session{quote}\n"
    )


@pytest.mark.parametrize("config_name", sorted(CONFIGS))
def test_root_conftest_override_moves_to_the_config(
    tmp_path: Path, monkeypatch, config_name: str
) -> None:
    clear_caches()
    project = _project(tmp_path, config_name)
    monkeypatch.chdir(project)
    assert main([*FIX_ALP201, "."]) == 0
    assert "def event_loop" not in (project / "conftest.py").read_text()
    _, after = CONFIGS[config_name]
    assert (project / config_name).read_text() == after.format(settings=_settings_text(config_name))


def test_diff_shows_the_config_change_and_writes_nothing(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    clear_caches()
    project = _project(tmp_path, "pytest.ini")
    monkeypatch.chdir(project)
    assert main([*FIX_ALP201, "--diff", "."]) == 1
    out = capsys.readouterr().out
    assert "-def event_loop():" in out
    assert "+asyncio_default_test_loop_scope = session" in out
    assert (project / "pytest.ini").read_text() == CONFIGS["pytest.ini"][0]
    assert "def event_loop" in (project / "conftest.py").read_text()


def test_a_chosen_default_keeps_the_fix_out(tmp_path: Path) -> None:
    clear_caches()
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = module\n")
    conftest = tmp_path / "conftest.py"
    conftest.write_text(CONFTEST)
    findings, _ = ENGINE.check(ast.parse(CONFTEST), str(conftest), context_for(str(conftest)))
    assert [f.code for f in findings] == ["ALP201"] and findings[0].fix is None


def test_a_lower_conftest_served_part_of_the_project_only(tmp_path: Path) -> None:
    clear_caches()
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "tests").mkdir()
    conftest = tmp_path / "tests" / "conftest.py"
    conftest.write_text(CONFTEST)
    findings, _ = ENGINE.check(ast.parse(CONFTEST), str(conftest), context_for(str(conftest)))
    assert [f.code for f in findings] == ["ALP201"] and findings[0].fix is None


def test_stdin_never_gets_half_of_the_fix(tmp_path: Path, monkeypatch, capsys) -> None:
    clear_caches()
    project = _project(tmp_path, "pytest.ini")
    monkeypatch.chdir(project)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(CONFTEST.encode())))
    main(["fix", "--isolated", "--unsafe-fixes", "--no-cache", "--stdin-filename=conftest.py", "-"])
    assert capsys.readouterr().out == CONFTEST


@pytest.mark.e2e
def test_the_migrated_project_passes_under_pytest_asyncio(tmp_path: Path) -> None:
    clear_caches()
    project = _project(tmp_path, "pytest.ini")
    # as most suites have it: "function" silences pytest-asyncio's warning about the unset key
    (project / "pytest.ini").write_text(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    assert run_pytest_isolated(project).returncode in (1, 2)  # ScopeMismatch without the override
    subprocess.run(
        [sys.executable, "-m", "flake8_asyncloop", *FIX_ALP201, "."],
        cwd=project, env=child_environment(), capture_output=True, text=True, check=False,
    )
    after = run_pytest_isolated(project)
    assert after.returncode == 0, after.stdout + after.stderr


# -- the config writer -----------------------------------------------------------------------


def test_config_writer_replaces_a_one_line_value_and_keeps_crlf() -> None:
    text = "[pytest]\r\nasyncio_default_fixture_loop_scope = function  # silence the warning\r\n"
    assert with_settings(text, "pytest.ini", {"asyncio_default_fixture_loop_scope": "session"}) == (
        "[pytest]\r\nasyncio_default_fixture_loop_scope = session  # silence the warning\r\n"
    )


def test_config_writer_refuses_what_it_cannot_edit_exactly() -> None:
    with pytest.raises(ConfigEditError):
        with_settings("[flake8]\nmax-line-length = 99\n", "setup.cfg", {TEST_KEY: "session"})
    with pytest.raises(ConfigEditError):
        with_settings(f"[pytest]\n{TEST_KEY} =\n    session\n", "pytest.ini", {TEST_KEY: "module"})
    with pytest.raises(ConfigEditError):
        with_settings("[pytest]\n", "README.md", {"a": "b"})


def test_config_writer_quotes_toml_values_and_finds_native_tables() -> None:
    text = '[tool.pytest]\nasyncio_mode = "auto"\n'
    fixed = with_settings(text, "pyproject.toml", {"asyncio_mode": "strict"})
    assert fixed == '[tool.pytest]\nasyncio_mode = "strict"\n'


# -- what the message advises --------------------------------------------------------------

SYNC_LOOP_FIXTURE = """
import asyncio

import pytest


@pytest.fixture
def event_loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def test_run(event_loop):
    async def run():
        return 42

    assert event_loop.run_until_complete(run()) == 42
"""


def test_sync_tests_using_the_override_are_told_to_rename_it(tmp_path: Path) -> None:
    # asgiref's benchmark module: deleting the fixture would break every test that uses it.
    finding = _finding(tmp_path, SYNC_LOOP_FIXTURE)
    assert finding.message.endswith(
        "; sync tests here use it as their own loop: rename it"
    ), finding.message
    assert "delete" not in finding.message and finding.fix is None


def test_a_wide_override_serving_sync_and_async_tests_keeps_its_scope_advice(
    tmp_path: Path,
) -> None:
    source = OVERRIDE + textwrap.dedent(
        """
        def test_sync(event_loop):
            assert event_loop.run_until_complete(asyncio.sleep(0, 1)) == 1


        @pytest.mark.asyncio
        async def test_async():
            await asyncio.sleep(0)
        """
    )
    message = _finding(tmp_path, source).message
    assert message.endswith(
        'rename it; give the async tests and fixtures it served loop_scope="module"'
    ), message


def test_a_helper_coroutine_is_not_an_async_test_the_override_served(tmp_path: Path) -> None:
    # google-cloud-storage: a module of sync tests with one async helper
    source = OVERRIDE + textwrap.dedent(
        """
        async def make_client():
            return object()


        def test_sync(event_loop):
            assert event_loop.run_until_complete(make_client()) is not None
        """
    )
    message = _finding(tmp_path, source).message
    assert message.endswith("; sync tests here use it as their own loop: rename it"), message


POLICY_OVERRIDE = """
import asyncio

import pytest


@pytest.fixture(scope="session", params=["default", "uvloop"])
def event_loop(request):
    if request.param == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    loop = asyncio.get_event_loop_policy().new_event_loop()
    yield loop
    loop.close()
"""


@pytest.mark.parametrize(
    "source",
    [
        POLICY_OVERRIDE,
        POLICY_OVERRIDE.replace(', params=["default", "uvloop"]', ""),
        POLICY_OVERRIDE.replace("asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())", "pass"),
    ],
    ids=["params-and-policy", "policy", "params"],
)
def test_an_override_choosing_the_loop_type_points_at_the_loop_factories_hook(
    tmp_path: Path, source: str
) -> None:
    # aioodbc ran its whole suite on the default loop and on uvloop this way.
    finding = _finding(tmp_path, source)
    assert finding.message.endswith(
        "; choose the kind of loop with a pytest_asyncio_loop_factories hook (1.4+)"
    ), finding.message
    assert finding.fix is None


def test_a_plain_override_does_not_mention_the_hook(tmp_path: Path) -> None:
    assert "loop_factories" not in _finding(tmp_path, OVERRIDE).message


SESSION_OVERRIDE = (
    "import asyncio\n\nimport pytest\n\n\n"
    '@pytest.fixture(scope="session")\ndef event_loop():\n'
    "    loop = asyncio.new_event_loop()\n    yield loop\n    loop.close()\n"
)


def _conftest_findings(root: Path, *relative: str) -> dict:
    """ALP201's finding in each conftest.py, written (one after another, each seeing those
    before it) under ``root`` with a pytest.ini beside them."""
    (root / "pytest.ini").write_text(STRICT_INI)
    found = {}
    for name in relative:
        conftest = root / name
        conftest.parent.mkdir(parents=True, exist_ok=True)
        conftest.write_text(SESSION_OVERRIDE)
        clear_caches()
        (found[name],) = ENGINE.check(
            ast.parse(SESSION_OVERRIDE), str(conftest), context_for(str(conftest))
        )[0]
    return found


def test_config_defaults_are_advised_for_the_root_conftest_only(tmp_path: Path) -> None:
    found = _conftest_findings(tmp_path, "conftest.py", "tests/ens/conftest.py")
    assert "in the pytest config" in found["conftest.py"].message
    assert found["conftest.py"].fix is not None
    lower = found["tests/ens/conftest.py"]
    assert 'give the tests and fixtures it served loop_scope="session"' in lower.message
    assert lower.fix is None


def test_the_outermost_conftest_in_tests_serves_the_whole_project(tmp_path: Path) -> None:
    found = _conftest_findings(tmp_path, "tests/conftest.py", "tests/users/conftest.py")
    assert "in the pytest config" in found["tests/conftest.py"].message
    assert 'loop_scope="session"' in found["tests/users/conftest.py"].message
