"""ALP103 and a local coroutine that its test runs only to see the nested run fail.

CPython's own asyncio tests define ``async def main(): asyncio.run(...)`` and run it under
``assertRaises(RuntimeError)``, in a ``with`` block or in the callable form. The run inside
is what the test expects to fail; run anywhere else too, it is reported."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from support import check_path, write

SOURCE = """\
import asyncio
import unittest

import pytest


{test}
"""


def alp103_lines(path: Path, source: str) -> List[int]:
    """The lines ALP103 reports in ``source``, written to ``path``."""
    return [line for line, _, code in check_path(write(path, source)) if code == "ALP103"]


@pytest.mark.parametrize(
    ("test", "reported"),
    [
        (
            "def test_refused():\n"
            "    async def main():\n"
            "        asyncio.run(asyncio.sleep(0))\n"
            "    with pytest.raises(RuntimeError):\n"
            "        asyncio.run(main())\n",
            [],
        ),
        (
            "class TestNesting(unittest.TestCase):\n"
            "    def test_refused(self):\n"
            "        loop = asyncio.new_event_loop()\n"
            "        async def inner():\n"
            "            loop.run_until_complete(asyncio.sleep(0))\n"
            "        self.assertRaises(KeyError, loop.run_until_complete, inner())\n",
            [11],
        ),
        (
            "class TestNesting(unittest.TestCase):\n"
            "    def test_refused(self):\n"
            "        async def inner(loop):\n"
            "            loop.run_until_complete(asyncio.sleep(0))\n"
            "        loop = asyncio.new_event_loop()\n"
            "        self.assertRaises(RuntimeError, loop.run_until_complete, inner(loop))\n",
            [],
        ),
        (
            "def test_refused():\n"
            "    async def main():\n"
            "        asyncio.run(asyncio.sleep(0))\n"
            "    with pytest.raises(RuntimeError):\n"
            "        asyncio.run(main())\n"
            "    asyncio.run(main())\n",
            [9],
        ),
        (
            "def test_refused():\n"
            "    async def main():\n"
            "        asyncio.run(asyncio.sleep(0))\n"
            "    with pytest.raises(ValueError):\n"
            "        asyncio.run(main())\n",
            [9],
        ),
        (
            "def test_refused():\n"
            "    async def main():\n"
            "        asyncio.run(asyncio.sleep(0))\n"
            "    return main\n",
            [9],
        ),
    ],
)
def test_local_coroutine_run_where_runtime_error_is_expected(
    tmp_path: Path, test: str, reported: List[int]
) -> None:
    source = SOURCE.format(test=test)
    assert alp103_lines(tmp_path / "tests" / "test_nesting.py", source) == reported


@pytest.mark.parametrize(
    ("block", "reported"),
    [
        ("pytest.raises(RuntimeError)", []),
        ("contextlib.suppress(RuntimeError)", []),
        ("pytest.raises(ValueError)", [10]),
        # a warning check lets the RuntimeError through: the test fails (run under pytest-asyncio)
        ("pytest.warns(RuntimeWarning)", [10]),
    ],
)
def test_nested_run_in_a_block_that_expects_an_error(
    tmp_path: Path, block: str, reported: List[int]
) -> None:
    source = (
        "import asyncio\n"
        "import contextlib\n"
        "\n"
        "import pytest\n"
        "\n"
        "\n"
        "@pytest.mark.asyncio\n"
        "async def test_refused():\n"
        f"    with {block}:\n"
        "        asyncio.run(asyncio.sleep(0))\n"
    )
    assert alp103_lines(tmp_path / "tests" / "test_nesting.py", source) == reported


def test_nested_run_in_a_coroutine_defined_under_an_expected_error(tmp_path: Path) -> None:
    """The block is around the def, not around its run: the run fails where it is awaited."""
    source = (
        "import asyncio\n"
        "\n"
        "import pytest\n"
        "\n"
        "\n"
        "@pytest.mark.asyncio\n"
        "async def test_refused():\n"
        "    with pytest.raises(RuntimeError):\n"
        "        async def later():\n"
        "            asyncio.run(asyncio.sleep(0))\n"
        "        raise RuntimeError\n"
        "    await later()\n"
    )
    assert alp103_lines(tmp_path / "tests" / "test_nesting.py", source) == [10]


@pytest.mark.parametrize(
    ("guarded", "reported"),
    [
        # gitingest: the else branch runs only where no asyncio loop drives the coroutine
        (
            "    if asyncio.get_event_loop().is_running():\n"
            "        await job\n"
            "    else:\n"
            "        asyncio.run(job)\n",
            [],
        ),
        ("    if not asyncio.get_event_loop().is_running():\n        asyncio.run(job)\n", []),
        (
            "    loop = asyncio.get_event_loop()\n"
            "    if loop.is_running():\n"
            "        await job\n"
            "    else:\n"
            "        loop.run_until_complete(job)\n",
            [],
        ),
        # the branch taken while the loop runs, or a guard on another loop
        ("    if asyncio.get_event_loop().is_running():\n        asyncio.run(job)\n", [9]),
        (
            "    if self_loop.is_running():\n"
            "        await job\n"
            "    else:\n"
            "        asyncio.run(job)\n",
            [11],
        ),
    ],
)
def test_run_in_the_branch_for_no_running_loop(
    tmp_path: Path, guarded: str, reported: List[int]
) -> None:
    source = (
        "import asyncio\n"
        "\n"
        "self_loop = asyncio.new_event_loop()\n"
        "\n"
        "\n"
        "async def ingest(make_job):\n"
        "    job = make_job()\n"
        f"{guarded}"
    )
    assert alp103_lines(tmp_path / "src" / "ingest.py", source) == reported
