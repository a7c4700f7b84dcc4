"""ALP408 across files: auto mode, set in the pytest config, hands pytest-asyncio the async
fixtures that anyio and pytest-trio tests request, from the module or the conftest chain."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from flake8_asyncloop.context.discovery import context_for
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.rules import RULES_BY_CODE

ENGINE = Engine([RULES_BY_CODE["ALP408"]])

AUTO_INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
STRICT_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"

Found = Tuple[int, int, str]  # (line, 1-based column, message)


def check(tmp_path: Path, files: Dict[str, str], module: str = "test_module.py") -> List[Found]:
    for relative, text in files.items():
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    path = tmp_path / module
    source = path.read_text(encoding="utf-8")
    findings, errors = ENGINE.check(ast.parse(source), str(path), context_for(str(path)))
    assert not errors, errors
    return [(f.line, f.col + 1, f.message) for f in findings]


def places(found: List[Found]) -> List[Tuple[int, int]]:
    return [(line, col) for line, col, _ in found]


MODULE_FIXTURE = """
import asyncio

import pytest


@pytest.fixture
async def ready():
    return asyncio.get_running_loop().create_future()


@pytest.mark.anyio
async def test_ready(ready):
    asyncio.get_running_loop().call_soon(ready.set_result, 1)
    assert await ready == 1


async def test_asyncio_ready(ready):
    assert not ready.done()
"""


def test_module_fixture_of_an_anyio_test_in_auto_mode(tmp_path: Path) -> None:
    found = check(tmp_path, {"pytest.ini": AUTO_INI, "test_module.py": MODULE_FIXTURE})
    assert places(found) == [(7, 1)]
    message = found[0][2]
    assert "'ready'" in message and "anyio runs test 'test_ready'" in message


@pytest.mark.parametrize(
    "config",
    [
        {"pytest.ini": STRICT_INI},
        {"pyproject.toml": "[tool.pytest.ini_options]\nasyncio_mode = 'strict'\n"},
        {},
    ],
    ids=["pytest.ini", "pyproject", "no-config"],
)
def test_silent_in_strict_mode(tmp_path: Path, config: Dict[str, str]) -> None:
    assert check(tmp_path, {**config, "test_module.py": MODULE_FIXTURE}) == []


@pytest.mark.parametrize(
    "config",
    [
        {"pyproject.toml": "[tool.pytest.ini_options]\nasyncio_mode = 'auto'\n"},
        {"setup.cfg": "[tool:pytest]\nasyncio_mode = auto\n"},
        {"tox.ini": "[pytest]\naddopts = --asyncio-mode=auto\n"},
    ],
    ids=["pyproject", "setup.cfg", "addopts"],
)
def test_auto_mode_from_any_config_file(tmp_path: Path, config: Dict[str, str]) -> None:
    assert places(check(tmp_path, {**config, "test_module.py": MODULE_FIXTURE})) == [(7, 1)]


CONFTEST_FIXTURE = """
import asyncio

import pytest


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
async def running_loop():
    return asyncio.get_running_loop()
"""

USES_CONFTEST_FIXTURE = """
import asyncio

import pytest


@pytest.mark.anyio
async def test_same_loop(running_loop):
    assert running_loop is asyncio.get_running_loop()


@pytest.mark.anyio
async def test_same_loop_again(running_loop):
    assert running_loop is asyncio.get_running_loop()
"""


def test_conftest_fixture_is_reported_once_where_the_module_requests_it(tmp_path: Path) -> None:
    files = {
        "pytest.ini": AUTO_INI,
        "conftest.py": CONFTEST_FIXTURE,
        "tests/test_module.py": USES_CONFTEST_FIXTURE,
    }
    found = check(tmp_path, files, "tests/test_module.py")
    assert places(found) == [(7, 26)]
    assert "'running_loop' (../conftest.py:12)" in found[0][2]


def test_a_closer_conftest_can_shadow_the_async_fixture(tmp_path: Path) -> None:
    files = {
        "pytest.ini": AUTO_INI,
        "conftest.py": CONFTEST_FIXTURE,
        "tests/conftest.py": (
            "import pytest\n\n\n@pytest.fixture\ndef running_loop():\n    return None\n"
        ),
        "tests/test_module.py": USES_CONFTEST_FIXTURE,
    }
    assert check(tmp_path, files, "tests/test_module.py") == []


def test_conftest_fixture_that_requests_anyio_backend(tmp_path: Path) -> None:
    conftest = """
    import asyncio

    import pytest


    @pytest.fixture
    async def server(anyio_backend):
        server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
        yield server
        server.close()
    """
    found = check(tmp_path, {"pytest.ini": AUTO_INI, "conftest.py": conftest}, "conftest.py")
    assert places(found) == [(7, 1)]
    assert "anyio runs the tests that use it" in found[0][2]


def test_through_a_sync_fixture_of_the_module(tmp_path: Path) -> None:
    module = """
    import asyncio

    import pytest


    @pytest.fixture
    async def running_loop():
        return asyncio.get_running_loop()


    @pytest.fixture
    def loop_holder(running_loop):
        return [running_loop]


    @pytest.mark.parametrize("anyio_backend", ["asyncio"])
    async def test_same_loop(loop_holder):
        assert loop_holder[0] is asyncio.get_running_loop()
    """
    assert places(check(tmp_path, {"pytest.ini": AUTO_INI, "test_module.py": module})) == [(7, 1)]


def test_marks_on_the_class_and_module(tmp_path: Path) -> None:
    module = """
    import pytest


    @pytest.fixture
    async def first():
        return 1


    @pytest.fixture
    async def second():
        return 2


    @pytest.mark.anyio
    class TestMarkedClass:
        async def test_first(self, first):
            assert first == 1


    class TestClassPytestmark:
        pytestmark = [pytest.mark.anyio]

        @pytest.mark.usefixtures("second")
        async def test_second(self):
            assert True
    """
    found = check(tmp_path, {"pytest.ini": AUTO_INI, "test_module.py": module})
    assert places(found) == [(5, 1), (10, 1)]


def test_trio_marked_tests(tmp_path: Path) -> None:
    module = """
    import pytest

    pytestmark = pytest.mark.trio


    @pytest.fixture
    async def nursery_helper():
        return object()


    async def test_helper(nursery_helper):
        assert nursery_helper is not None
    """
    found = check(tmp_path, {"pytest.ini": AUTO_INI, "test_module.py": module})
    assert places(found) == [(7, 1)]
    assert "pytest-trio runs test 'test_helper'" in found[0][2]


def test_look_alikes(tmp_path: Path) -> None:
    module = """
    import asyncio

    import pytest
    import pytest_asyncio


    @pytest_asyncio.fixture
    async def declared_for_pytest_asyncio():
        return asyncio.get_running_loop()


    @pytest.fixture
    async def used_by_a_sync_test():
        return 1


    @pytest.fixture
    async def used_by_asyncio_tests_only():
        return 2


    @pytest.fixture
    def anyio_backend():
        return "asyncio"


    @pytest.fixture
    async def shadowed():
        return 3


    @pytest.mark.anyio
    async def test_pytest_asyncio_fixture(declared_for_pytest_asyncio):
        assert declared_for_pytest_asyncio


    @pytest.mark.anyio
    def test_sync(used_by_a_sync_test):
        assert used_by_a_sync_test == 1


    async def test_asyncio(used_by_asyncio_tests_only):
        assert used_by_asyncio_tests_only == 2


    @pytest.mark.anyio
    async def test_no_fixtures():
        await asyncio.sleep(0)


    @pytest.mark.anyio
    class TestShadowing:
        @pytest.fixture
        def shadowed(self):
            return 4

        async def test_shadowed(self, shadowed):
            assert shadowed == 4


    class HelperNotCollected:
        @pytest.mark.anyio
        async def test_like(self, used_by_asyncio_tests_only):
            pass
    """
    assert check(tmp_path, {"pytest.ini": AUTO_INI, "test_module.py": module}) == []


def test_silent_in_modules_that_are_not_test_code(tmp_path: Path) -> None:
    files = {"pytest.ini": AUTO_INI, "helpers.py": MODULE_FIXTURE}
    assert check(tmp_path, files, "helpers.py") == []


# -- the trio case of an anyio test runs on asyncio ----------------------------------------

ANYIO_TEST = """
import pytest


@pytest.mark.anyio
async def test_backend(anyio_backend):
    assert anyio_backend
"""
TRIO_CASE = (
    "pytest-asyncio runs anyio test 'test_backend' in auto mode, so its trio case runs on "
    "asyncio; use asyncio_mode = strict"
)


def backend_project(
    body: str, decorator: str = "@pytest.fixture", module: str = ANYIO_TEST, ini: str = AUTO_INI
) -> Dict[str, str]:
    conftest = f"import pytest\n\n\n{decorator}\ndef anyio_backend(request):\n    {body}\n"
    return {"pytest.ini": ini, "conftest.py": conftest, "test_module.py": module}


@pytest.mark.parametrize(
    "body",
    ['return "trio"', 'return ("trio", {"restrict_keyboard_interrupt_to_checkpoints": True})'],
)
def test_a_conftest_backend_of_trio(tmp_path: Path, body: str) -> None:
    assert check(tmp_path, backend_project(body)) == [(5, 1, TRIO_CASE)]


@pytest.mark.parametrize(
    "params",
    ['["asyncio", "trio"]', '[pytest.param("trio", id="t"), "asyncio"]', '[("trio", {}),]'],
)
def test_backend_params_that_include_trio(tmp_path: Path, params: str) -> None:
    project = backend_project("return request.param", f"@pytest.fixture(params={params})")
    assert places(check(tmp_path, project)) == [(5, 1)]


def test_the_module_backend_hides_the_conftest_one(tmp_path: Path) -> None:
    module = ANYIO_TEST + '\n\n@pytest.fixture\ndef anyio_backend():\n    return "asyncio"\n'
    assert check(tmp_path, backend_project('return "trio"', module=module)) == []


def test_a_trio_backend_is_silent_in_strict_mode(tmp_path: Path) -> None:
    assert check(tmp_path, backend_project('return "trio"', ini=STRICT_INI)) == []


def test_silent_on_asyncio_alone(tmp_path: Path) -> None:
    assert check(tmp_path, backend_project('return "asyncio"')) == []


def test_a_parametrized_backend_on_the_test_decides(tmp_path: Path) -> None:
    module = ANYIO_TEST.replace(
        "@pytest.mark.anyio\n",
        '@pytest.mark.anyio\n@pytest.mark.parametrize("anyio_backend", ["asyncio"])\n',
    )
    assert check(tmp_path, backend_project('return "trio"', module=module)) == []
