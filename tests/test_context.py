"""Project context discovery: pytest config, rootdir, conftest chain, versions, caching."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from flake8_asyncloop.context import conftest_facts as conftest_module
from flake8_asyncloop.context.discovery import context_for
from flake8_asyncloop.context.pytest_config import ConfigError, load_pytest_config
from flake8_asyncloop.context.versions import installed_version, parse_version


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def project(tmp_path: Path, files: dict) -> Path:
    """Lay out ``files`` under a fresh project directory; return a test module's path in it."""
    root = tmp_path / "proj"
    for relative, text in files.items():
        write(root / relative, text)
    test_file = root / "tests" / "test_it.py"
    if not test_file.exists():
        write(test_file, "def test_it(): pass\n")
    return test_file


# -- the four config files --------------------------------------------------------------------

ONE_FILE_CONFIGS = {
    "pytest.ini": """
        [pytest]
        asyncio_mode = auto
        """,
    "pyproject.toml": """
        [project]
        name = "x"

        [tool.pytest.ini_options]
        asyncio_mode = "auto"
        """,
    "tox.ini": """
        [tox]
        envlist = py311

        [pytest]
        asyncio_mode = auto
        """,
    "setup.cfg": """
        [metadata]
        name = x

        [tool:pytest]
        asyncio_mode = auto
        """,
}


@pytest.mark.parametrize("name", sorted(ONE_FILE_CONFIGS))
def test_each_config_file_is_read(tmp_path: Path, name: str) -> None:
    test_file = project(tmp_path, {name: ONE_FILE_CONFIGS[name]})
    context = context_for(str(test_file))
    assert context.config.path == str(tmp_path / "proj" / name)
    assert context.config.asyncio_mode == "auto"
    assert context.config.auto_mode
    assert context.root == str(tmp_path / "proj")


def test_pytest_9_native_toml_table(tmp_path: Path) -> None:
    test_file = project(
        tmp_path,
        {
            "pyproject.toml": """
                [tool.pytest]
                asyncio_mode = "auto"
                python_files = ["check_*.py"]
                """
        },
    )
    config = context_for(str(test_file)).config
    assert config.asyncio_mode == "auto"
    assert config.python_files == ("check_*.py",)


def test_pytest_toml_file(tmp_path: Path) -> None:
    test_file = project(tmp_path, {"pytest.toml": '[pytest]\nasyncio_mode = "auto"\n'})
    assert context_for(str(test_file)).config.auto_mode


def test_empty_pytest_ini_counts(tmp_path: Path) -> None:
    """An empty pytest.ini is the config file: the pyproject.toml next to it is ignored."""
    test_file = project(
        tmp_path,
        {"pytest.ini": "", "pyproject.toml": '[tool.pytest.ini_options]\nasyncio_mode = "auto"\n'},
    )
    config = context_for(str(test_file)).config
    assert config.path == str(tmp_path / "proj" / "pytest.ini")
    assert config.asyncio_mode == "strict"


def test_no_config_gives_defaults(tmp_path: Path) -> None:
    test_file = project(tmp_path, {})
    context = context_for(str(test_file))
    assert context.config.path is None
    assert context.config.asyncio_mode == "strict"
    assert context.config.fixture_loop_scope_line is None
    assert context.config.python_files == ("test_*.py", "*_test.py")


# -- precedence and the walk ------------------------------------------------------------------

INI_AUTO = "[pytest]\nasyncio_mode = auto\n"
PYPROJECT_STRICT = '[tool.pytest.ini_options]\nasyncio_mode = "strict"\n'
TOX_STRICT = "[pytest]\nasyncio_mode = strict\n"
SETUP_STRICT = "[tool:pytest]\nasyncio_mode = strict\n"


@pytest.mark.parametrize(
    "files, winner",
    [
        ({"pytest.ini": INI_AUTO, "pyproject.toml": PYPROJECT_STRICT}, "pytest.ini"),
        ({"pytest.ini": INI_AUTO, "tox.ini": TOX_STRICT, "setup.cfg": SETUP_STRICT}, "pytest.ini"),
        ({"pyproject.toml": PYPROJECT_STRICT, "tox.ini": INI_AUTO}, "pyproject.toml"),
        ({"tox.ini": TOX_STRICT, "setup.cfg": "[tool:pytest]\nasyncio_mode = auto\n"}, "tox.ini"),
    ],
)
def test_precedence_in_one_directory(tmp_path: Path, files: dict, winner: str) -> None:
    test_file = project(tmp_path, files)
    assert context_for(str(test_file)).config.path == str(tmp_path / "proj" / winner)


def test_files_without_the_section_do_not_stop_the_walk(tmp_path: Path) -> None:
    test_file = project(
        tmp_path,
        {
            "pytest.ini": INI_AUTO,
            "tests/tox.ini": "[tox]\nenvlist = py311\n",
            "tests/setup.cfg": "[flake8]\nmax-line-length = 100\n",
            "tests/pyproject.toml": '[tool.black]\nline-length = 100\n',
        },
    )
    context = context_for(str(test_file))
    assert context.config.path == str(tmp_path / "proj" / "pytest.ini")
    assert context.config.auto_mode


def test_walk_up_finds_the_nearest_config(tmp_path: Path) -> None:
    test_file = project(
        tmp_path,
        {"pytest.ini": INI_AUTO, "tests/tox.ini": TOX_STRICT, "tests/unit/test_deep.py": ""},
    )
    near = context_for(str(test_file))
    deep = context_for(str(tmp_path / "proj" / "tests" / "unit" / "test_deep.py"))
    top = context_for(str(tmp_path / "proj" / "test_top.py"))
    assert near.config.path == deep.config.path == str(tmp_path / "proj" / "tests" / "tox.ini")
    assert near.root == str(tmp_path / "proj" / "tests")
    assert not deep.config.auto_mode
    assert top.config.auto_mode


def test_pyproject_without_table_is_the_rootdir_when_nothing_else_is_found(tmp_path: Path) -> None:
    test_file = project(
        tmp_path,
        {"pyproject.toml": '[project]\nname = "x"\n', "conftest.py": "", "tests/conftest.py": ""},
    )
    context = context_for(str(test_file))
    assert context.root == str(tmp_path / "proj")
    assert context.config.path == str(tmp_path / "proj" / "pyproject.toml")
    assert context.config.asyncio_mode == "strict"
    assert [Path(c.path).parent.name for c in context.conftests] == ["proj", "tests"]


# -- values -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "addopts",
    [
        "--asyncio-mode=auto",
        "--asyncio-mode auto",
        "-ra -o asyncio_mode=auto",
        "-ra --override-ini=asyncio_mode=auto",
        "-q\n  --asyncio-mode=auto",
    ],
)
def test_addopts_mode_wins_over_the_setting(tmp_path: Path, addopts: str) -> None:
    test_file = project(
        tmp_path, {"pytest.ini": f"[pytest]\nasyncio_mode = strict\naddopts = {addopts}\n"}
    )
    assert context_for(str(test_file)).config.asyncio_mode == "auto"


def test_addopts_as_a_toml_list(tmp_path: Path) -> None:
    test_file = project(
        tmp_path,
        {"pyproject.toml": '[tool.pytest.ini_options]\naddopts = ["-ra", "--asyncio-mode=auto"]\n'},
    )
    config = context_for(str(test_file)).config
    assert config.auto_mode
    assert config.addopts == ("-ra", "--asyncio-mode=auto")


def test_loop_scopes_are_read(tmp_path: Path) -> None:
    test_file = project(
        tmp_path,
        {
            "pytest.ini": """
                [pytest]
                asyncio_default_fixture_loop_scope = module
                asyncio_default_test_loop_scope = session
                """
        },
    )
    config = context_for(str(test_file)).config
    assert config.fixture_loop_scope == "module"
    assert config.fixture_loop_scope_line == 2
    assert config.test_loop_scope == "session"
    assert config.section_line == 1
    assert config.problems == ()


def test_fixture_scope_value_means_the_fixtures_own_scope(tmp_path: Path) -> None:
    test_file = project(
        tmp_path, {"pytest.ini": "[pytest]\nasyncio_default_fixture_loop_scope = fixture-scope\n"}
    )
    config = context_for(str(test_file)).config
    assert config.fixture_loop_scope is None
    assert config.fixture_loop_scope_line == 2
    assert config.problems == ()


def test_python_files_ini_and_toml(tmp_path: Path) -> None:
    ini = "[pytest]\npython_files = check_*.py\n  *_spec.py\n"
    ini_file = project(tmp_path / "a", {"pytest.ini": ini})
    toml = '[tool.pytest.ini_options]\npython_files = ["check_*.py", "test_*.py"]\n'
    toml_file = project(tmp_path / "b", {"pyproject.toml": toml})
    assert context_for(str(ini_file)).config.python_files == ("check_*.py", "*_spec.py")
    assert context_for(str(toml_file)).config.python_files == ("check_*.py", "test_*.py")


def test_python_classes_and_functions(tmp_path: Path) -> None:
    ini = "[pytest]\npython_classes = test_* Check\npython_functions = check_*\n"
    config = context_for(str(project(tmp_path / "a", {"pytest.ini": ini}))).config
    assert (config.python_classes, config.python_functions) == (("test_*", "Check"), ("check_*",))
    default = context_for(str(project(tmp_path / "b", {"pytest.ini": "[pytest]\n"}))).config
    assert (default.python_classes, default.python_functions) == (("Test",), ("test",))


def test_invalid_values_are_problems_at_their_lines(tmp_path: Path) -> None:
    test_file = project(
        tmp_path,
        {
            "pyproject.toml": """
                [project]
                name = "x"

                [tool.pytest.ini_options]
                testpaths = ["tests"]
                asyncio_mode = "Auto"
                asyncio_default_fixture_loop_scope = "modul"
                asyncio_default_test_loop_scope = "fixture-scope"
                """
        },
    )
    config = context_for(str(test_file)).config
    problems = {(p.key, p.line) for p in config.problems}
    assert problems == {
        ("asyncio_mode", 6),
        ("asyncio_default_fixture_loop_scope", 7),
        ("asyncio_default_test_loop_scope", 8),
    }
    assert all(p.path == str(tmp_path / "proj" / "pyproject.toml") for p in config.problems)
    assert "'Auto' is not a valid asyncio_mode" in config.problems[0].message
    # pytest would stop; the rules see the defaults
    assert config.asyncio_mode == "strict"
    assert config.fixture_loop_scope is None
    assert config.fixture_loop_scope_line == 7


def test_invalid_mode_in_addopts_is_reported_at_addopts(tmp_path: Path) -> None:
    setup_cfg = "[metadata]\nname = x\n\n[tool:pytest]\naddopts = -ra --asyncio-mode=fast\n"
    test_file = project(tmp_path, {"setup.cfg": setup_cfg})
    (problem,) = context_for(str(test_file)).config.problems
    assert (problem.key, problem.line) == ("--asyncio-mode", 5)


def test_invalid_setting_overridden_by_addopts_is_no_problem(tmp_path: Path) -> None:
    """pytest-asyncio reads the command-line value only, so the bad setting is never used."""
    test_file = project(
        tmp_path, {"tox.ini": "[pytest]\nasyncio_mode = bogus\naddopts = --asyncio-mode=auto\n"}
    )
    config = context_for(str(test_file)).config
    assert config.problems == ()
    assert config.auto_mode


# -- broken files -----------------------------------------------------------------------------

BROKEN = {
    "pyproject.toml": '[tool.pytest.ini_options]\nasyncio_mode = "auto\n',
    "pytest.ini": "[pytest]\nasyncio_mode = auto\nasyncio_mode = strict\n",
    "setup.cfg": "name = x\n[tool:pytest]\n",
    "tox.ini": "[pytest]\nthis line has no delimiter\n",
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_config_does_not_crash_context_for(tmp_path: Path, name: str) -> None:
    test_file = project(tmp_path, {name: BROKEN[name]})
    config = context_for(str(test_file)).config
    assert config.path == str(tmp_path / "proj" / name)
    assert config.asyncio_mode == "strict"
    (problem,) = config.problems
    assert problem.line >= 1


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_load_pytest_config_raises_for_broken_files(tmp_path: Path, name: str) -> None:
    test_file = project(tmp_path, {name: BROKEN[name]})
    for target in (tmp_path / "proj" / name, test_file, test_file.parent):
        with pytest.raises(ConfigError) as raised:
            load_pytest_config(str(target))
        assert raised.value.path == str(tmp_path / "proj" / name)


def test_broken_toml_error_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n[tool.pytest.ini_options\n')
    with pytest.raises(ConfigError) as raised:
        load_pytest_config(str(path))
    assert raised.value.line == 3


def test_both_pyproject_tables_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        '[tool.pytest]\nminversion = "9"\n\n[tool.pytest.ini_options]\nasyncio_mode = "auto"\n',
    )
    with pytest.raises(ConfigError):
        load_pytest_config(str(path))


@pytest.mark.parametrize(
    ("toml", "section_line"),
    [
        # responder's pyproject.toml: dotted keys under [tool.pytest]
        ('[project]\nname = "x"\n\n[tool.pytest]\nini_options.asyncio_mode = "auto"\n', 4),
        ('[tool]\npytest.ini_options.asyncio_mode = "auto"\n', 1),
        ('tool.pytest.ini_options.asyncio_mode = "auto"\n', 1),
    ],
)
def test_dotted_ini_options_keys_are_a_config_section(
    tmp_path: Path, toml: str, section_line: int
) -> None:
    config = load_pytest_config(str(write(tmp_path / "pyproject.toml", toml)))
    assert config.section_line == section_line
    assert config.asyncio_mode == "auto"


def test_load_pytest_config_reads_a_good_file(tmp_path: Path) -> None:
    path = write(tmp_path / "pytest.ini", "[pytest]\nasyncio_mode = auto\n")
    assert load_pytest_config(str(path)).auto_mode
    assert load_pytest_config(str(tmp_path)).auto_mode


def test_percent_signs_and_bom_are_fine(tmp_path: Path) -> None:
    tox_ini = '\ufeff[pytest]\naddopts = -k "not 100%%"\nasyncio_mode = auto\n'
    test_file = project(tmp_path, {"tox.ini": tox_ini})
    config = context_for(str(test_file)).config
    assert config.problems == ()
    assert config.auto_mode


# -- rootdir and the conftest chain -----------------------------------------------------------


def test_conftest_chain_is_root_first_and_ancestors_only(tmp_path: Path) -> None:
    test_file = project(
        tmp_path,
        {
            "pytest.ini": "",
            "conftest.py": "",
            "tests/conftest.py": "",
            "tests/unit/conftest.py": "",
            "tests/unit/test_it.py": "",
            "tests/other/conftest.py": "",
            "docs/conftest.py": "",
        },
    )
    context = context_for(str(test_file.parent / "unit" / "test_it.py"))
    proj = tmp_path / "proj"
    assert [c.path for c in context.conftests] == [
        str(proj / "conftest.py"),
        str(proj / "tests" / "conftest.py"),
        str(proj / "tests" / "unit" / "conftest.py"),
    ]


def test_conftests_above_the_rootdir_are_not_loaded(tmp_path: Path) -> None:
    files = {"conftest.py": "", "tests/pytest.ini": "", "tests/conftest.py": ""}
    test_file = project(tmp_path, files)
    context = context_for(str(test_file))
    assert context.root == str(tmp_path / "proj" / "tests")
    assert [c.path for c in context.conftests] == [str(tmp_path / "proj" / "tests" / "conftest.py")]


def test_without_config_the_contiguous_conftest_run_is_the_rootdir(tmp_path: Path) -> None:
    test_file = project(
        tmp_path,
        {
            "conftest.py": "",  # separated from tests/ by proj/pkg without conftest or __init__
            "pkg/tests/conftest.py": "",
            "pkg/tests/unit/__init__.py": "",
            "pkg/tests/unit/deep/test_it.py": "",
        },
    )
    target = tmp_path / "proj" / "pkg" / "tests" / "unit" / "deep" / "test_it.py"
    context = context_for(str(target))
    assert context.root == str(tmp_path / "proj" / "pkg" / "tests")
    assert [c.path for c in context.conftests] == [str(context.root) + os.sep + "conftest.py"]
    # proj/tests has neither file, but it is where the walk starts: proj's conftest is next to it
    assert context_for(str(test_file)).root == str(tmp_path / "proj")


def test_without_config_setup_py_marks_the_rootdir(tmp_path: Path) -> None:
    test_file = project(tmp_path, {"setup.py": "", "conftest.py": "", "tests/conftest.py": ""})
    context = context_for(str(test_file))
    assert context.root == str(tmp_path / "proj")
    assert len(context.conftests) == 2


def test_unparsable_conftest_is_skipped(tmp_path: Path) -> None:
    test_file = project(
        tmp_path,
        {"pytest.ini": "", "conftest.py": "def broken(:\n", "tests/conftest.py": "import pytest\n"},
    )
    (write(tmp_path / "proj" / "tests" / "bad" / "conftest.py", "")).write_bytes(b"\xff\xfe\x00bad")
    context = context_for(str(test_file))
    assert [c.path for c in context.conftests] == [str(tmp_path / "proj" / "tests" / "conftest.py")]
    below_bad = context_for(str(tmp_path / "proj" / "tests" / "bad" / "test_x.py"))
    assert below_bad.conftests[-1].path == str(tmp_path / "proj" / "tests" / "conftest.py")


# -- what a conftest says ---------------------------------------------------------------------

FIXTURES = """
import aiohttp
import pytest
import pytest_asyncio as pa
from pytest_asyncio import fixture as async_fixture


@pa.fixture(scope="module", loop_scope="module")
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture(name="client")
async def _client():
    return aiohttp.ClientSession()


@async_fixture
async def pool():
    import asyncpg
    created = await asyncpg.create_pool()
    return created


@pytest.fixture(scope="session")
def event_loop():
    def inner():
        yield 1
    loop = make_loop()
    return loop


@pytest.fixture("package")
def old_style():
    return 1


def helper():
    pass


async def async_helper():
    pass
"""


def fixtures_of(tmp_path: Path, source: str):
    path = write(tmp_path / "conftest.py", source)
    facts = conftest_module.conftest_facts(str(path))
    assert facts is not None
    return facts, {f.name: f for f in facts.fixtures}


def test_fixture_requests_and_autouse(tmp_path: Path) -> None:
    _, fixtures = fixtures_of(
        tmp_path,
        """
        import pytest


        @pytest.fixture(autouse=True)
        def clean(tmp_path, db, *, user, retries=3):
            yield


        @pytest.fixture(autouse=False)
        def plain(request, limit=1):
            return request
        """,
    )
    assert fixtures["clean"].requests == ("tmp_path", "db", "user")
    assert fixtures["clean"].autouse
    assert fixtures["plain"].requests == ("request",)
    assert not fixtures["plain"].autouse


def test_fixture_facts(tmp_path: Path) -> None:
    facts, fixtures = fixtures_of(tmp_path, FIXTURES)
    assert list(fixtures) == ["session", "client", "pool", "event_loop", "old_style"]

    session = fixtures["session"]
    assert session.provider == "pytest_asyncio"
    assert (session.scope, session.loop_scope) == ("module", "module")
    assert session.is_async and session.is_generator
    assert session.builds == "aiohttp.ClientSession"
    assert (session.line, session.col) == (8, 0)
    assert session.path == str(tmp_path / "conftest.py")

    client = fixtures["client"]
    assert (client.provider, client.scope, client.loop_scope) == ("pytest", "function", None)
    assert client.is_async and not client.is_generator
    assert client.builds == "aiohttp.ClientSession"

    pool = fixtures["pool"]
    assert pool.provider == "pytest_asyncio"
    assert pool.builds == "asyncpg.create_pool"  # imported inside the fixture, awaited

    loop = fixtures["event_loop"]
    assert loop.scope == "session"
    assert not loop.is_async
    assert not loop.is_generator  # the yield belongs to the nested def
    assert loop.builds is None  # make_loop is not an imported name

    assert fixtures["old_style"].scope == "package"
    assert facts.async_functions == ("async_helper",)
    assert not facts.handles_coroutines
    assert not facts.uses_anyio


def test_marks_and_plugins(tmp_path: Path) -> None:
    facts, _ = fixtures_of(
        tmp_path,
        """
        import pytest
        pytest_plugins = ["myproject.fixtures", "pytester"]
        pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]
        """,
    )
    assert facts.marks == ("asyncio", "slow")
    assert facts.plugins == ("myproject.fixtures", "pytester")
    assert not facts.uses_anyio


@pytest.mark.parametrize(
    "hook", ["pytest_pycollect_makeitem", "pytest_collection_modifyitems", "pytest_pyfunc_call"]
)
def test_collection_hooks_mean_coroutines_are_handled(tmp_path: Path, hook: str) -> None:
    facts, _ = fixtures_of(
        tmp_path,
        f"""
        import pytest

        if True:
            @pytest.hookimpl(tryfirst=True)
            def {hook}(*args):
                pass
        """,
    )
    assert facts.handles_coroutines
    assert facts.hooks == (hook,)


@pytest.mark.parametrize(
    ("body", "handles"),
    [
        ("item.obj = wrap(item.obj)\n    yield", True),  # falcon's runs_sync
        ("if inspect.iscoroutinefunction(item.function):\n        pass", True),
        ("if iscoroutinefunction(item.obj):\n        pass", True),
        ("print(item.obj)\n    yield", False),  # only reads it
        ("item.add_marker('slow')", False),
    ],
)
def test_item_hooks_that_wrap_coroutine_tests_mean_they_are_handled(
    tmp_path: Path, body: str, handles: bool
) -> None:
    facts, _ = fixtures_of(tmp_path, f"def pytest_runtest_call(item):\n    {body}\n")
    assert facts.handles_coroutines is handles


def test_other_hooks_do_not(tmp_path: Path) -> None:
    facts, _ = fixtures_of(tmp_path, "def pytest_configure(config):\n    pass\n")
    assert not facts.handles_coroutines
    assert facts.hooks == ("pytest_configure",)


@pytest.mark.parametrize(
    "source",
    [
        "import pytest\n\n@pytest.fixture\ndef anyio_backend():\n    return 'asyncio'\n",
        "import pytest\n\npytestmark = pytest.mark.anyio\n",
        "from pytest import mark\n\n@mark.anyio\nasync def test_x():\n    pass\n",
        "pytest_plugins = ('anyio',)\n",
        "pytest_plugins = 'pytest_trio.plugin'\n",
    ],
)
def test_anyio_detection(tmp_path: Path, source: str) -> None:
    facts, _ = fixtures_of(tmp_path, source)
    assert facts.uses_anyio


def test_context_exposes_chain_facts(tmp_path: Path) -> None:
    test_file = project(
        tmp_path,
        {
            "pytest.ini": "",
            "conftest.py": "import pytest\n\n@pytest.fixture\ndef event_loop():\n    pass\n",
            "tests/conftest.py": (
                "import pytest\n\n@pytest.fixture(scope='module')\ndef event_loop():\n    pass\n\n"
                "def pytest_collection_modifyitems(items):\n    pass\n"
            ),
        },
    )
    context = context_for(str(test_file))
    assert [f.scope for f in context.conftest_fixtures("event_loop")] == ["function", "module"]
    assert context.coroutines_handled_by_hook


# -- caching ----------------------------------------------------------------------------------


def bump(path: Path, text: str) -> None:
    """Rewrite a file and move its mtime, even on filesystems with coarse timestamps."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def test_conftest_change_is_seen(tmp_path: Path) -> None:
    test_file = project(tmp_path, {"pytest.ini": "", "tests/conftest.py": "import pytest\n"})
    conftest = tmp_path / "proj" / "tests" / "conftest.py"
    first = context_for(str(test_file))
    assert first.conftests[0].fixtures == ()
    assert context_for(str(test_file)) is first  # cached

    bump(conftest, "import pytest\n\n@pytest.fixture\ndef db():\n    pass\n")
    second = context_for(str(test_file))
    assert [f.name for f in second.conftests[0].fixtures] == ["db"]


def test_new_conftest_is_seen(tmp_path: Path) -> None:
    test_file = project(tmp_path, {"pytest.ini": ""})
    assert context_for(str(test_file)).conftests == ()
    write(tmp_path / "proj" / "tests" / "conftest.py", "")
    assert len(context_for(str(test_file)).conftests) == 1


def test_config_change_is_seen(tmp_path: Path) -> None:
    test_file = project(tmp_path, {"pytest.ini": "[pytest]\n"})
    assert not context_for(str(test_file)).config.auto_mode
    bump(tmp_path / "proj" / "pytest.ini", "[pytest]\nasyncio_mode = auto\n")
    assert context_for(str(test_file)).config.auto_mode


def test_dependency_file_change_is_seen(tmp_path: Path) -> None:
    test_file = project(
        tmp_path, {"pytest.ini": "[pytest]\n", "requirements-dev.txt": "aiomisc-pytest\n"}
    )
    assert context_for(str(test_file)).declared_runner == "aiomisc-pytest"
    assert context_for(str(test_file)).without_pytest_asyncio
    bump(tmp_path / "proj" / "requirements-dev.txt", "aiomisc-pytest\npytest-asyncio\n")
    assert context_for(str(test_file)).declared_runner is None
    assert not context_for(str(test_file)).without_pytest_asyncio


def test_conftest_is_parsed_once_for_many_directories(tmp_path: Path, monkeypatch) -> None:
    files = {"pytest.ini": "", "tests/conftest.py": "import pytest\n"}
    for index in range(5):
        files[f"tests/d{index}/test_x.py"] = ""
    project(tmp_path, files)
    parsed = []
    real_read = conftest_module._read

    def counting_read(path: str):
        parsed.append(path)
        return real_read(path)

    monkeypatch.setattr(conftest_module, "_read", counting_read)
    for index in range(5):
        for name in ("test_x.py", "test_y.py"):
            context_for(str(tmp_path / "proj" / "tests" / f"d{index}" / name))
    assert parsed == [str(tmp_path / "proj" / "tests" / "conftest.py")]


# -- versions ---------------------------------------------------------------------------------


def test_version_pin_overrides_the_installed_version(tmp_path: Path) -> None:
    test_file = project(tmp_path, {"pytest.ini": ""})
    assert context_for(str(test_file), "0.21").pytest_asyncio_version == (0, 21)
    assert context_for(str(test_file), "1.0").pytest_asyncio_version == (1, 0)
    installed = context_for(str(test_file))
    assert installed.pytest_asyncio_version == installed_version("pytest-asyncio")
    assert installed.pytest_version is not None and installed.pytest_version >= (8,)


@pytest.mark.parametrize(
    "text, parsed",
    [
        ("1.5.0", (1, 5, 0)),
        ("0.21", (0, 21)),
        ("1.0.0a1", (1, 0, 0)),
        ("v2", (2,)),
        ("", None),
        ("x", None),
    ],
)
def test_parse_version(text: str, parsed) -> None:
    assert parse_version(text) == parsed


def test_deleted_config_file_is_seen(tmp_path: Path) -> None:
    test_file = project(tmp_path, {"pytest.ini": INI_AUTO, "pyproject.toml": PYPROJECT_STRICT})
    assert context_for(str(test_file)).config.auto_mode
    (tmp_path / "proj" / "pytest.ini").unlink()
    config = context_for(str(test_file)).config
    assert config.path == str(tmp_path / "proj" / "pyproject.toml")
    assert config.problems == ()


@pytest.mark.parametrize(
    ("relative", "hidden"),
    [
        (".claude/skills/test_site.py", True),  # shiny: a standalone script, never collected
        ("tests/.cache/test_x.py", True),
        ("tests/test_x.py", False),
        ("test_x.py", False),
    ],
)
def test_pytest_does_not_collect_from_hidden_directories(
    tmp_path: Path, relative: str, hidden: bool
) -> None:
    from flake8_asyncloop.context.collection_ignores import in_hidden_directory

    root = tmp_path / ".work" / "project"  # hidden directories above the root do not count
    assert in_hidden_directory(str(root / relative), str(root)) is hidden
    assert not in_hidden_directory(str(root / relative), None)


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ('testpaths = ["tests", "integration"]', ["tests"]),  # only what exists
        ('testpaths = ["tes*"]', ["tests"]),
        ('testpaths = "tests scripts"', ["scripts", "tests"]),
        ('testpaths = ["missing"]', []),  # pytest then searches the whole directory
        ("", []),
    ],
)
def test_testpaths_are_the_existing_paths_they_name(
    tmp_path: Path, setting: str, expected: list
) -> None:
    pyproject = f"[tool.pytest.ini_options]\n{setting}\n"
    test_file = project(tmp_path, {"pyproject.toml": pyproject, "scripts/run.py": ""})
    root = tmp_path / "proj"
    config = context_for(str(test_file)).config
    assert sorted(config.testpaths) == [str(root / name) for name in expected]
