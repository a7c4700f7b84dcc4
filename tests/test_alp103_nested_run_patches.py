"""ALP103 is silent in a module that patches asyncio to allow nested runs: nest_asyncio, its
fork nest_asyncio2 (nest-asyncio2's own tests import it in a def), and look-alikes that
keep its ``apply()`` (reloop)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import check_path, write

TEMPLATE = """\
import asyncio
{imports}


def test_nested():
{setup}
    async def outer():
        return asyncio.run(asyncio.sleep(0, 42))

    assert asyncio.run(outer()) == 42
"""


@pytest.mark.parametrize(
    "imports, setup, reported",
    [
        ("", "", True),
        ("import nest_asyncio", "    nest_asyncio.apply()", False),
        ("", "    import nest_asyncio2\n    nest_asyncio2.apply()", False),
        ("from nest_asyncio2 import apply", "    apply()", False),
        ("import reloop", "    reloop.apply()", False),
        ("import reloop as rl", "    rl.apply()", False),
        # an object's apply() is not a module's
        ("import pandas", "    frame = pandas.DataFrame()\n    frame.apply(len)", True),
        ("import reloop", "    reloop.revert()", True),
    ],
)
def test_a_module_that_allows_nested_runs(
    imports: str, setup: str, reported: bool, tmp_path: Path
) -> None:
    path = write(tmp_path / "test_a.py", TEMPLATE.format(imports=imports, setup=setup))
    found = [code for _, _, code in check_path(path) if code == "ALP103"]
    assert found == (["ALP103"] if reported else [])


FORKING = """\
import asyncio
import os
{imports}


async def serve(sockets):
    {fork}
    if {child}:
        asyncio.run(handle(sockets))
        return
    await asyncio.sleep(0)


async def handle(sockets):
    await asyncio.sleep(0)
"""


@pytest.mark.parametrize(
    "imports, fork, child, reported",
    [
        ("", "pid = os.fork()", "pid == 0", False),
        ("from tornado import process", "process.fork_processes(4)", "process.task_id()", False),
        # no fork: the run nests in the loop that runs ``serve``
        ("", "pid = os.getpid()", "pid", True),
    ],
)
def test_a_forked_child_may_start_its_own_loop(
    imports: str, fork: str, child: str, reported: bool, tmp_path: Path
) -> None:
    source = FORKING.format(imports=imports, fork=fork, child=child)
    path = write(tmp_path / "server.py", source)
    found = [(line, code) for line, _, code in check_path(path) if code == "ALP103"]
    assert found == ([(9, "ALP103")] if reported else [])


GUARDED = """\
import asyncio


async def execute(request):
    await asyncio.sleep(0)


async def wrapped(request):
    try:
        {probe}
    except {caught}:
        return asyncio.run(execute(request))
    return await execute(request)
"""


@pytest.mark.parametrize(
    "probe, caught, reported",
    [
        # hypern: a handler some other runtime drives, where no loop runs
        ("asyncio.get_running_loop()", "RuntimeError", False),
        ("loop = asyncio.get_running_loop()", "(RuntimeError, AttributeError)", False),
        ("asyncio.get_running_loop()", "Exception", False),
        # a handler that does not catch the no-loop error, or a try that never asks
        ("asyncio.get_running_loop()", "ValueError", True),
        ("request.validate()", "RuntimeError", True),
    ],
)
def test_a_run_where_no_loop_runs(probe: str, caught: str, reported: bool, tmp_path: Path) -> None:
    path = write(tmp_path / "app.py", GUARDED.format(probe=probe, caught=caught))
    found = [(line, code) for line, _, code in check_path(path) if code == "ALP103"]
    assert found == ([(12, "ALP103")] if reported else [])
