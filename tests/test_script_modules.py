"""A script kept beside the tests is not test code, even when ``python_files`` matches it.

woodglue collects ``*.py`` and keeps ``tests/ui_upstream_app.py``, a tornado server a test
starts as ``python ui_upstream_app.py``: pytest imports it and finds no test, and the
``asyncio.Event()`` it builds at import serves only the server's own loop. A module with
tests, a fixture or a unittest class stays test code, whatever its ``__main__`` block does,
unless its import-time code runs one of its tests itself (rusium-async's
``test_ssl_local.py``, which ends with ``run(test())``).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import List

import pytest
from support import check_path, write

from flake8_asyncloop.analysis.scripts import is_script_without_tests, runs_its_own_tests
from flake8_asyncloop.analysis.testcode import DEFAULT_PYTHON_CLASSES, DEFAULT_PYTHON_FUNCTIONS
from flake8_asyncloop.context.discovery import clear_caches

SERVER = """\
import asyncio

RELEASE = asyncio.Event()


async def main():
    await RELEASE.wait()
{extra}

if __name__ == "__main__":
    asyncio.run(main())
"""


@pytest.mark.parametrize(
    ("extra", "reported"),
    [
        ("", []),
        # a test of its own: the event serves it, on a loop of pytest-asyncio's
        ("\n\nasync def test_release():\n    RELEASE.set()\n", [3]),
        ("\n\nimport pytest\n\n\n@pytest.fixture\ndef release():\n    return RELEASE\n", [3]),
        (
            "\n\nimport unittest\n\n\nclass Release(unittest.IsolatedAsyncioTestCase):\n"
            "    pass\n",
            [3],
        ),
        ("\n\nfrom helpers import *\n", [3]),
    ],
)
def test_alp501_is_silent_in_a_script_pytest_collects_nothing_from(
    tmp_path: Path, extra: str, reported: List[int]
) -> None:
    write(tmp_path / "pytest.ini", '[pytest]\npython_files = *.py\nasyncio_mode = auto\n')
    path = write(tmp_path / "tests" / "upstream_app.py", SERVER.format(extra=extra))
    clear_caches()
    assert [line for line, _, code in check_path(path) if code == "ALP501"] == reported


def _script(source: str) -> bool:
    return is_script_without_tests(
        ast.parse(source), DEFAULT_PYTHON_FUNCTIONS, DEFAULT_PYTHON_CLASSES
    )


def test_no_main_block_is_no_script() -> None:
    assert not _script("import asyncio\nLOCK = asyncio.Lock()\n")


def test_tests_under_the_main_block_do_not_count() -> None:
    assert _script('if __name__ == "__main__":\n    def test_x():\n        pass\n')


@pytest.mark.parametrize(
    "definition",
    [
        "def test_ping():\n    pass\n",
        "class TestPing:\n    pass\n",
        "class Ping(TestBase):\n    pass\n",
        "@fixture(scope='module')\ndef ping():\n    pass\n",
        "def pytest_configure(config):\n    pass\n",
        "from base import test_ping\n",
        "pytest_plugins = ['helpers']\n",
        "test_ping = make_test('ping')\n",
        "if True:\n    def test_ping():\n        pass\n",
    ],
)
def test_a_module_pytest_gets_tests_from_is_no_script(definition: str) -> None:
    assert not _script(definition + '\nif __name__ == "__main__":\n    main()\n')


def test_classes_and_decorated_functions_of_a_server_leave_it_a_script() -> None:
    source = (
        "class Health(RequestHandler):\n    def get(self):\n        pass\n\n"
        "@app.route('/')\ndef index():\n    pass\n\n"
        'if __name__ == "__main__":\n    app.run()\n'
    )
    assert _script(source)


HAND_RUN = """\
import asyncio


async def test():
    await asyncio.sleep(0)
{ending}
"""


@pytest.mark.parametrize(
    ("ending", "reported"),
    [
        # rusium-async: run by hand, its test never meant for pytest
        ("\n\ntry:\n    asyncio.run(test())\nfinally:\n    print('done')", []),
        ("\n\nresult = asyncio.run(test())", []),
        ("\n\nasyncio.get_event_loop().run_until_complete(test())", []),
        # under a main block the module stays test code (ALP401 itself leaves alone a test
        # the block runs, not one it does not name)
        ('\n\nif __name__ == "__main__":\n    asyncio.run(test())', []),
        ('\n\nif __name__ == "__main__":\n    print("hello")', [4]),
        ("", [4]),
        # a call of something else, or the test only named
        ("\n\nasyncio.run(main())", [4]),
        ("\n\nprint(test)", [4]),
    ],
)
def test_alp401_is_silent_in_a_script_that_runs_its_own_test(
    tmp_path: Path, ending: str, reported: List[int]
) -> None:
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_mode = strict\n")
    path = write(tmp_path / "test_ssl_local.py", HAND_RUN.format(ending=ending))
    clear_caches()
    assert [line for line, _, code in check_path(path) if code == "ALP401"] == reported


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def test_x():\n    pass\n\ntest_x()\n", True),
        ("def helper():\n    pass\n\nhelper()\n", False),
        # a nested call of a test is not looked for: only the statement's call and its arguments
        ("def test_x():\n    pass\n\nprint(len([test_x()]))\n", False),
        ("class TestX:\n    def test_x(self):\n        pass\n\ntest_x()\n", False),
        ('def test_x():\n    pass\n\nif __name__ == "__main__":\n    test_x()\n', False),
    ],
)
def test_runs_its_own_tests(source: str, expected: bool) -> None:
    assert runs_its_own_tests(ast.parse(source), DEFAULT_PYTHON_FUNCTIONS) is expected


def test_a_call_under_the_main_block_does_not_hide_one_outside_it() -> None:
    source = (
        "def test_x():\n    pass\n\n"
        'if __name__ == "__main__":\n    test_x()\n\n'
        "test_x()\n"
    )
    assert runs_its_own_tests(ast.parse(source), DEFAULT_PYTHON_FUNCTIONS)


WORKER_BLOCK = """\
import asyncio
import sys


async def test_erasure():
    await asyncio.sleep(0)


if {guard}:
    WORKER_LOOP = asyncio.new_event_loop()
"""


@pytest.mark.parametrize(
    ("guard", "reported"),
    [
        # spaps-server-quickstart: a test module that is also a worker script
        ('__name__ == "__main__" and "--worker" in sys.argv', []),
        ('"--worker" in sys.argv and "__main__" == __name__', []),
        ('__name__ == "__main__"', []),
        # run on import whenever the flag is given
        ('__name__ == "__main__" or "--worker" in sys.argv', [10]),
        ('"--worker" in sys.argv', [10]),
    ],
)
def test_alp106_is_silent_in_a_block_only_a_script_runs(
    tmp_path: Path, guard: str, reported: List[int]
) -> None:
    path = write(tmp_path / "test_worker.py", WORKER_BLOCK.format(guard=guard))
    assert [line for line, _, code in check_path(path) if code == "ALP106"] == reported
