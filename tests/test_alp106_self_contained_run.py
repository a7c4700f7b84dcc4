"""ALP106 leaves ``asyncio.run(main())`` alone when ``main`` stores only on objects it made, or
only literals elsewhere (nothing of its loop outlives it there)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from support import check_path, write

HEADER = """\
import asyncio


class Proxy:
    version = None


SHARED = Proxy()


async def main():
"""


RUN = "asyncio.run(main())"


def alp106_lines(tmp_path: Path, body: str) -> tuple:
    """The lines ALP106 reports, and the line of the module's ``asyncio.run(main())``."""
    source = HEADER + textwrap.indent(textwrap.dedent(body), "    ") + f"\n\n{RUN}\n"
    path = write(tmp_path / "test_script.py", source)
    found = [line for line, _, code in check_path(path) if code == "ALP106"]
    return found, source.splitlines().index(RUN) + 1


@pytest.mark.parametrize(
    "body",
    [
        "proxy = Proxy()\nproxy.version = '1.0'",
        "proxy = Proxy.__new__(Proxy)\nproxy.version = '1.0'",
        "seen = {}\nseen['a'] = asyncio.Queue()",
        "proxy = Proxy()\nproxy.child = Proxy()\nproxy.child.version = '1.0'",
        # a literal on a shared object keeps nothing of the run's loop there
        "SHARED.version = '1.0'",
        "SHARED.engine = None",
    ],
)
def test_stores_on_objects_made_here_are_silent(tmp_path: Path, body: str) -> None:
    found, _ = alp106_lines(tmp_path, body)
    assert found == []


@pytest.mark.parametrize(
    "body",
    [
        "proxy = SHARED\nproxy.version = asyncio.Queue()",  # an alias of a module object
        "proxy = make_proxy()\nproxy.queue = asyncio.Queue()",  # a factory may share one
        "SHARED.queue = asyncio.Queue()",
        "proxy = Proxy()\nfor proxy in [SHARED]:\n    proxy.queue = asyncio.Queue()",  # rebound
        "def helper(proxy):\n    proxy.queue = asyncio.Queue()\nhelper(SHARED)",  # a parameter
    ],
)
def test_stores_on_other_objects_are_reported(tmp_path: Path, body: str) -> None:
    found, run_line = alp106_lines(tmp_path, body)
    assert found == [run_line]


PROBE = """\
import asyncio

import pytest


async def stack_available():
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", 5433)
    except OSError:
        return {returned}
    writer.close()
    await writer.wait_closed()
    return True


STACK_UP = asyncio.run(stack_available())

pytestmark = pytest.mark.skipif(not STACK_UP, reason="database down")


def test_reads():
    assert STACK_UP
"""


@pytest.mark.parametrize(
    ("returned", "reported"),
    [
        ("False", []),
        ("f'no stack on {5433}'", []),
        # a result that may hold what the run made (its streams) is kept past the run
        ("(reader, writer)", [16]),
    ],
)
def test_a_kept_answer_of_a_self_contained_probe(
    tmp_path: Path, returned: str, reported: list
) -> None:
    # nodii-dsar: ``STACK_AVAILABLE = asyncio.run(_stack_available())`` before a skipif
    path = write(tmp_path / "test_stack.py", PROBE.format(returned=returned))
    assert [line for line, _, code in check_path(path) if code == "ALP106"] == reported
