"""ALP301 knows the coroutine functions of the project modules a file imports.

Each test lays out a small project (a pytest.ini at its root) and checks a test file of it
through the engine, real flake8 (one job and two) or the standalone command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest
from support import check_path, child_environment, parse_flake8, run_flake8

from flake8_asyncloop.context import project_modules
from flake8_asyncloop.context.discovery import clear_caches, context_for, set_files_may_change

HELPERS = """\
async def fetch(key):
    return key


def load(key):
    return key
"""
SYNC_HELPERS = """\
def fetch(key):
    return key
"""


def lay_out(root: Path, files: Dict[str, str]) -> Path:
    """Write the files under ``root`` (a pytest.ini unless given); return the root."""
    files = {"pytest.ini": "[pytest]\n", **files}
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def alp301(path: Path) -> List[tuple]:
    return sorted((line, col) for line, col, code in check_path(path) if code == "ALP301")


def test_dropped_asserted_and_unused_like_a_local_async_def(tmp_path: Path) -> None:
    test = """\
import pytest

from helpers import fetch, load


@pytest.mark.asyncio
async def test_fetch():
    fetch("a")
    assert fetch("b")
    value = fetch("c")
    kept = fetch("d")
    load("e")
    return kept
"""
    lay_out(tmp_path, {"helpers.py": HELPERS, "test_fetch.py": test})
    assert alp301(tmp_path / "test_fetch.py") == [(8, 5), (9, 12), (10, 13)]


@pytest.mark.parametrize(
    "imports, call",
    [
        ("import helpers", "helpers.fetch(1)"),
        ("from pkg import helpers", "helpers.fetch(1)"),
        ("import pkg.helpers as h", "h.fetch(1)"),
        ("import pkg.helpers", "pkg.helpers.fetch(1)"),
        ("from pkg.helpers import fetch as get", "get(1)"),
        ("from pkg import fetch", "fetch(1)"),  # pkg/__init__.py takes it from .helpers
        ("from app.client import fetch", "fetch(1)"),  # src layout
    ],
)
def test_ways_to_reach_the_function(tmp_path: Path, imports: str, call: str) -> None:
    test = f"import pytest\n\n{imports}\n\n\nasync def test_it():\n    {call}\n"
    lay_out(
        tmp_path,
        {
            "helpers.py": HELPERS,
            "pkg/__init__.py": "from .helpers import fetch\n",
            "pkg/helpers.py": HELPERS,
            "src/app/__init__.py": "",
            "src/app/client.py": HELPERS,
            "tests/test_it.py": test,
        },
    )
    assert alp301(tmp_path / "tests" / "test_it.py") == [(7, 5)]


def test_relative_imports_in_a_test_package(tmp_path: Path) -> None:
    test = """\
import pytest

from . import helpers
from .helpers import fetch
from .. import shared


async def test_it():
    helpers.fetch(1)
    fetch(2)
    shared.fetch(3)
"""
    lay_out(
        tmp_path,
        {
            "tests/__init__.py": "",
            "tests/shared.py": HELPERS,
            "tests/unit/__init__.py": "",
            "tests/unit/helpers.py": HELPERS,
            "tests/unit/test_it.py": test,
        },
    )
    assert alp301(tmp_path / "tests" / "unit" / "test_it.py") == [(9, 5), (10, 5), (11, 5)]


def test_helpers_next_to_a_conftest_above(tmp_path: Path) -> None:
    """pytest puts a conftest.py's directory on sys.path: its sibling modules import."""
    test = "import pytest\nfrom helpers import fetch\n\n\nasync def test_it():\n    fetch(1)\n"
    lay_out(
        tmp_path,
        {"tests/conftest.py": "", "tests/helpers.py": HELPERS, "tests/unit/test_it.py": test},
    )
    assert alp301(tmp_path / "tests" / "unit" / "test_it.py") == [(6, 5)]


def test_functions_imported_from_a_conftest(tmp_path: Path) -> None:
    conftest = "import pytest\n\n\nasync def seed(db):\n    db.append(1)\n"
    test = "import pytest\nfrom conftest import seed\n\n\nasync def test_it():\n    seed([])\n"
    lay_out(tmp_path, {"tests/conftest.py": conftest, "tests/test_it.py": test})
    assert alp301(tmp_path / "tests" / "test_it.py") == [(6, 5)]


def test_a_test_package_is_imported_from_above_it(tmp_path: Path) -> None:
    """With tests/__init__.py pytest puts the root on sys.path, not tests/."""
    test = """\
import pytest
from helpers import fetch
from tests.helpers import fetch as get


async def test_it():
    fetch(1)
    get(2)
"""
    files = {"tests/__init__.py": "", "tests/helpers.py": HELPERS, "tests/test_it.py": test}
    lay_out(tmp_path, files)
    assert alp301(tmp_path / "tests" / "test_it.py") == [(8, 5)]


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"helpers.py": SYNC_HELPERS}, id="sync-function"),
        pytest.param({}, id="module-not-found"),
        pytest.param({"pkg/helpers.py": HELPERS}, id="other-module"),
        pytest.param({"helpers/__init__.py": "", "helpers/fetch.py": HELPERS}, id="a-submodule"),
        pytest.param({"helpers/fetch.py": HELPERS}, id="namespace-package"),
    ],
)
def test_silent_unless_the_module_defines_it(tmp_path: Path, files: Dict[str, str]) -> None:
    test = "import pytest\nfrom helpers import fetch\n\n\nasync def test_it():\n    fetch(1)\n"
    lay_out(tmp_path, {**files, "test_it.py": test})
    assert alp301(tmp_path / "test_it.py") == []


def test_module_outside_the_root_is_not_read(tmp_path: Path) -> None:
    test = "import pytest\nfrom helpers import fetch\n\n\nasync def test_it():\n    fetch(1)\n"
    (tmp_path / "helpers.py").write_text(HELPERS)
    lay_out(tmp_path / "project", {"test_it.py": test})
    assert alp301(tmp_path / "project" / "test_it.py") == []


def test_installed_packages_and_standard_library_names_are_not_read(tmp_path: Path) -> None:
    test = """\
import pytest
import json
from fetcher import fetch


async def test_it():
    json.loads("1")
    fetch(1)
"""
    lay_out(
        tmp_path,
        {
            "json.py": "async def loads(text):\n    return text\n",
            "lib/site-packages/fetcher.py": HELPERS,
            "lib/site-packages/test_it.py": test,
        },
    )
    assert alp301(tmp_path / "lib" / "site-packages" / "test_it.py") == []


@pytest.mark.parametrize(
    "test",
    [
        pytest.param(
            "from helpers import fetch\n\n\nasync def test_it():\n"
            "    def fetch(key):\n        return key\n\n    fetch(1)\n",
            id="local-def",
        ),
        pytest.param(
            "from helpers import fetch\n\nfetch = print\n\n\n"
            "async def test_it():\n    fetch(1)\n",
            id="module-level-assignment",
        ),
        pytest.param(
            "try:\n    from helpers import fetch\nexcept ImportError:\n    from other import fetch"
            "\n\n\nasync def test_it():\n    fetch(1)\n",
            id="conditional-import",
        ),
        pytest.param(
            "import helpers\n\n\nasync def test_it(monkeypatch):\n"
            "    monkeypatch.setattr(helpers, 'fetch', print)\n    helpers.fetch(1)\n",
            id="monkeypatched-attribute",
        ),
        pytest.param(
            "import helpers\n\n\nasync def test_it(monkeypatch):\n"
            "    monkeypatch.setattr('helpers.fetch', print)\n    helpers.fetch(1)\n",
            id="monkeypatched-by-string",
        ),
        pytest.param(
            "from unittest import mock\nimport helpers\n\n\n"
            "@mock.patch('helpers.fetch', new=print)\nasync def test_it():\n    helpers.fetch(1)\n",
            id="patched-with-new",
        ),
        pytest.param(
            "import helpers\n\nhelpers.fetch = print\n\n\n"
            "async def test_it():\n    helpers.fetch(1)\n",
            id="assigned-attribute",
        ),
        pytest.param(
            "from helpers import fetch\nfrom other import *\n\n\n"
            "async def test_it():\n    fetch(1)\n",
            id="star-import-may-rebind",
        ),
        pytest.param(
            "import fetch\n\n\nasync def test_it():\n    fetch(1)\n",
            id="calling-a-module",
        ),
    ],
)
def test_shadowed_or_replaced_names_are_unknown(tmp_path: Path, test: str) -> None:
    lay_out(tmp_path, {"helpers.py": HELPERS, "fetch.py": HELPERS, "test_it.py": test})
    assert alp301(tmp_path / "test_it.py") == []


def test_a_plain_patch_keeps_a_coroutine_function(tmp_path: Path) -> None:
    """``patch`` of an async def without ``new`` puts an AsyncMock there: still a coroutine."""
    test = """\
from unittest import mock

import helpers


@mock.patch("helpers.fetch")
async def test_it(fetch):
    helpers.fetch(1)
"""
    lay_out(tmp_path, {"helpers.py": HELPERS, "test_it.py": test})
    assert alp301(tmp_path / "test_it.py") == [(8, 5)]


@pytest.mark.parametrize(
    "module",
    [
        pytest.param("async def fetch(key):\n    return key\n\n\nfetch = print\n", id="rebound"),
        pytest.param(
            "import functools\n\n\n@functools.lru_cache()\nasync def fetch(key):\n    return key\n",
            id="decorated",
        ),
        pytest.param("async def fetch(key):\n    yield key\n", id="async-generator"),
        pytest.param(
            "async def fetch(key):\n    return key\n\nfrom other import *\n", id="star-import-after"
        ),
        pytest.param(
            "async def fetch(key):\n    return key\n\n\ndef swap():\n    global fetch\n"
            "    fetch = print\n",
            id="global-rebinding",
        ),
        pytest.param(
            "if True:\n    async def fetch(key):\n        return key\nelse:\n"
            "    def fetch(key):\n        return key\n",
            id="two-versions",
        ),
        pytest.param("from .client import fetch\n", id="re-export-two-steps-away"),
        pytest.param("class Client:\n    async def fetch(self):\n        pass\n", id="a-method"),
    ],
)
def test_unsure_definitions_in_the_imported_module(tmp_path: Path, module: str) -> None:
    test = "import pytest\nfrom pkg import fetch\n\n\nasync def test_it():\n    fetch(1)\n"
    lay_out(
        tmp_path,
        {
            "pkg/__init__.py": module,
            "pkg/client.py": "from .inner import fetch\n",  # a re-export of a re-export
            "pkg/inner.py": HELPERS,
            "test_it.py": test,
        },
    )
    assert alp301(tmp_path / "test_it.py") == []


def test_decorators_that_keep_a_coroutine_function(tmp_path: Path) -> None:
    module = "import pytest\n\n\n@pytest.mark.slow\nasync def fetch(key):\n    return key\n"
    test = "import pytest\nfrom helpers import fetch\n\n\nasync def test_it():\n    fetch(1)\n"
    lay_out(tmp_path, {"helpers.py": module, "test_it.py": test})
    assert alp301(tmp_path / "test_it.py") == [(6, 5)]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"async def fetch(key:\n    return key\n", id="syntax-error"),
        pytest.param(b"async def fetch(key):\n    return '\xff\xfe'\n", id="undecodable"),
        pytest.param(b"async def fetch(key):\n    return 1\n\x00\n", id="null-byte"),
        pytest.param(b"async def fetch(key):\n    return 1\n" + b"#" * 1_000_001, id="too-large"),
        pytest.param(b"(" * 2000 + b"async def fetch(key): ...", id="too-deep"),
    ],
)
def test_unreadable_modules_tell_nothing(tmp_path: Path, content: bytes) -> None:
    test = "import pytest\nfrom helpers import fetch\n\n\nasync def test_it():\n    fetch(1)\n"
    lay_out(tmp_path, {"test_it.py": test})
    (tmp_path / "helpers.py").write_bytes(content)
    assert alp301(tmp_path / "test_it.py") == []


def test_a_directory_named_like_the_module_tells_nothing(tmp_path: Path) -> None:
    test = "import pytest\nfrom helpers import fetch\n\n\nasync def test_it():\n    fetch(1)\n"
    lay_out(tmp_path, {"test_it.py": test})
    (tmp_path / "helpers.py").mkdir()
    assert alp301(tmp_path / "test_it.py") == []


# -- the cache ------------------------------------------------------------------------------


def _rewrite(path: Path, text: str) -> None:
    """Write and move the mtime on, so that even a same-size edit is seen."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def test_an_edited_module_is_read_again(tmp_path: Path, monkeypatch) -> None:
    reads = []
    original = project_modules._read
    monkeypatch.setattr(project_modules, "_read", lambda *a: reads.append(a) or original(*a))
    test = "import pytest\nfrom helpers import fetch\n\n\nasync def test_it():\n    fetch(1)\n"
    lay_out(tmp_path, {"helpers.py": HELPERS, "test_it.py": test})
    helpers = tmp_path / "helpers.py"
    assert alp301(tmp_path / "test_it.py") == [(6, 5)]
    assert alp301(tmp_path / "test_it.py") == [(6, 5)]
    assert len(reads) == 1  # unchanged: read once
    _rewrite(helpers, "def fetch(key):\n    return key\n")
    assert alp301(tmp_path / "test_it.py") == []
    _rewrite(helpers, "async def fetch(key):\n    return key\n")
    assert alp301(tmp_path / "test_it.py") == [(6, 5)]
    assert len(reads) == 3


def test_dependencies_are_recorded_and_checked(tmp_path: Path) -> None:
    lay_out(tmp_path, {"helpers.py": HELPERS})
    project_modules.take_dependencies()
    importer = str(tmp_path / "test_it.py")
    context = context_for(importer)
    assert context.async_functions_of("helpers", 0, importer) == frozenset({"fetch"})
    assert context.async_functions_of("missing", 0, importer) == frozenset()
    recorded = project_modules.take_dependencies()
    paths = {path for path, _ in recorded}
    assert str(tmp_path / "helpers.py") in paths
    assert str(tmp_path / "missing.py") in paths  # looked for in vain: its arrival counts
    as_json = [[path, list(seen) if isinstance(seen, tuple) else seen] for path, seen in recorded]
    assert project_modules.dependencies_unchanged(as_json)
    (tmp_path / "missing.py").write_text(HELPERS)
    assert not project_modules.dependencies_unchanged(as_json)


def test_answers_kept_for_a_run_still_record_what_they_rest_on(tmp_path: Path) -> None:
    """A run that trusts its files answers a question once per directory, and every file
    that asks it still records the paths the answer rests on, for its result cache entry."""
    lay_out(tmp_path, {"helpers.py": HELPERS})
    first, second = str(tmp_path / "test_one.py"), str(tmp_path / "test_two.py")
    previous = set_files_may_change(False)
    try:
        project_modules.take_dependencies()
        context = context_for(first)
        assert context.async_functions_of("helpers", 0, first) == frozenset({"fetch"})
        asked_first = project_modules.take_dependencies()
        _rewrite(tmp_path / "helpers.py", SYNC_HELPERS)  # not seen until the run ends
        assert context.async_functions_of("helpers", 0, second) == frozenset({"fetch"})
        asked_second = project_modules.take_dependencies()
    finally:
        set_files_may_change(previous)
        clear_caches()
    assert str(tmp_path / "helpers.py") in {path for path, _ in asked_first}
    assert asked_second == asked_first
    assert context_for(first).async_functions_of("helpers", 0, first) == frozenset()


def test_a_run_that_trusts_its_files_looks_at_each_dependency_once(tmp_path, monkeypatch) -> None:
    lay_out(tmp_path, {"helpers.py": HELPERS})
    importer = str(tmp_path / "test_it.py")
    project_modules.take_dependencies()
    context_for(importer).async_functions_of("helpers", 0, importer)
    recorded = project_modules.take_dependencies()
    looked_at = []
    probe = project_modules._probe
    monkeypatch.setattr(
        project_modules, "_probe", lambda path: looked_at.append(path) or probe(path)
    )
    previous = set_files_may_change(False)
    try:
        assert project_modules.dependencies_unchanged(recorded)
        assert project_modules.dependencies_unchanged(recorded)  # a second file's entry
    finally:
        set_files_may_change(previous)
        clear_caches()
    assert sorted(looked_at) == sorted(path for path, _ in recorded)
    # Files that may change are looked at again each time.
    assert project_modules.dependencies_unchanged(recorded)
    assert len(looked_at) == 2 * len(recorded)


# -- modules whose text never says "async" ------------------------------------------------------


PKG_TEST = "import pytest\nfrom pkg import fetch\n\n\nasync def test_it():\n    fetch(1)\n"


@pytest.mark.parametrize(
    "init",
    [
        "import os\nfrom .client import fetch\n",
        "try:\n    from .client import fetch\nexcept ImportError:\n    raise\n",
        "from .client import \\\n    fetch\n",  # a continued line: parsed
        "from \\\n    .client import fetch\n",
        "\ufefffrom .client import fetch\n",  # a byte-order mark
        "# -*- coding: latin-1 -*-\nNAME = '\xe9'\nfrom .client import fetch\n",
        "x = 1; from .client import fetch\n",
        "if True: from .client import fetch\r\n",
        "if True:\r    from . import client\r    from .client import fetch\r",  # old Mac lines
    ],
)
def test_a_module_without_async_still_passes_one_on(tmp_path: Path, init: str) -> None:
    lay_out(tmp_path, {"pkg/client.py": HELPERS, "test_it.py": PKG_TEST})
    encoding = "latin-1" if "latin-1" in init else "utf-8"
    (tmp_path / "pkg" / "__init__.py").write_bytes(init.encode(encoding))
    assert alp301(tmp_path / "test_it.py") == [(6, 5)]


def test_a_module_without_async_is_parsed_only_when_it_may_pass_one_on(
    tmp_path: Path, monkeypatch
) -> None:
    parsed = []
    original = project_modules.module_facts

    def module_facts(tree, **options):
        parsed.append(tree)
        return original(tree, **options)

    monkeypatch.setattr(project_modules, "module_facts", module_facts)
    init = "import os\nfrom .client import fetch\nfrom .other import load\nN = 1 + \\\n    2\n"
    lay_out(
        tmp_path,
        {
            "pkg/__init__.py": init,
            "pkg/client.py": SYNC_HELPERS,
            "pkg/other.py": "def load(key):\n    return key\n",
            "test_it.py": PKG_TEST,
        },
    )
    assert alp301(tmp_path / "test_it.py") == []
    assert parsed == []  # no module says "async": none is parsed
    # The module it imports from gains a coroutine function: now it is parsed, and passes it on.
    _rewrite(tmp_path / "pkg" / "client.py", HELPERS)
    assert alp301(tmp_path / "test_it.py") == [(6, 5)]
    assert len(parsed) == 2  # pkg/client.py, then pkg/__init__.py


def test_a_module_without_async_records_what_it_imports_from(tmp_path: Path) -> None:
    lay_out(tmp_path, {"pkg/__init__.py": "from .client import fetch\n"})
    importer = str(tmp_path / "test_it.py")
    project_modules.take_dependencies()
    assert context_for(importer).async_functions_of("pkg", 0, importer) == frozenset()
    recorded = project_modules.take_dependencies()
    # Its arrival would give pkg a coroutine function: a result cache must see it.
    assert (str(tmp_path / "pkg" / "client.py"), None) in recorded


# -- through the commands ----------------------------------------------------------------------


def _test_module(imports: str, test: str, line: str) -> str:
    return f"import pytest\n{imports}\n\n\n{test}:\n    {line}\n"


ASYNC_TEST = "async def test_it()"


MANY_TESTS = {
    "helpers.py": HELPERS,
    "pkg/__init__.py": "from .client import fetch as pkg_fetch\n",
    "pkg/client.py": HELPERS,
    "tests/conftest.py": "",
    "tests/test_one.py": _test_module("from helpers import fetch", ASYNC_TEST, "fetch(1)"),
    "tests/test_two.py": _test_module("import pkg", ASYNC_TEST, "assert pkg.pkg_fetch(1)"),
    "tests/test_three.py": _test_module("from helpers import load", ASYNC_TEST, "load(1)"),
    "tests/sub/test_four.py": _test_module("import pkg.client as c", "def test_it()", "c.fetch(1)"),
}
EXPECTED = [
    ("tests/sub/test_four.py", 6, 5, "ALP301"),
    ("tests/test_one.py", 6, 5, "ALP301"),
    ("tests/test_two.py", 6, 12, "ALP301"),
]


def _normalised(stdout: str) -> List[tuple]:
    rows = parse_flake8(stdout)
    return sorted(
        (os.path.normpath(path).replace(os.sep, "/"), line, col, code)
        for path, line, col, code in rows
    )


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_flake8_jobs_agree(tmp_path: Path, jobs: str) -> None:
    lay_out(tmp_path, MANY_TESTS)
    result = run_flake8(["tests"], "--select=ALP301", f"--jobs={jobs}", "--isolated", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert _normalised(result.stdout) == EXPECTED


def _check(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "flake8_asyncloop", "check", "--select=ALP301", *args]
    return subprocess.run(
        command + ["tests"], cwd=tmp_path, capture_output=True, text=True,
        env=child_environment(), timeout=120,
    )


def _located(stdout: str) -> List[tuple]:
    found = []
    for line in stdout.splitlines():
        parts = line.split(":", 4)
        if len(parts) == 5 and parts[3].strip().startswith("ALP"):
            found.append((parts[0], int(parts[1]), int(parts[2]), parts[3].split()[0]))
    return sorted(found)


def test_standalone_check(tmp_path: Path) -> None:
    lay_out(tmp_path, MANY_TESTS)
    for jobs in ("1", "2"):
        result = _check(tmp_path, "--no-cache", f"--jobs={jobs}")
        assert result.returncode == 1, result.stderr
        assert _located(result.stdout) == EXPECTED


def test_standalone_check_cache_sees_module_edits(tmp_path: Path) -> None:
    """A cached result is not reused once a module it rests on changed or appeared."""
    lay_out(tmp_path, MANY_TESTS)
    assert _located(_check(tmp_path, "--jobs=1").stdout) == EXPECTED
    assert _located(_check(tmp_path, "--jobs=1").stdout) == EXPECTED  # from the cache
    _rewrite(tmp_path / "helpers.py", SYNC_HELPERS)
    assert _located(_check(tmp_path, "--jobs=1").stdout) == EXPECTED[0::2]
    (tmp_path / "tests" / "helpers.py").write_text(HELPERS)  # now found first, next to the tests
    assert _located(_check(tmp_path, "--jobs=1").stdout) == EXPECTED
