"""Branches the source itself says never run are not walked, so nothing in them is reported.

Code generated in a sync and an async flavour (pymongo's ``_IS_SYNC`` flag, psycopg's
``if True:  # ASYNC``) keeps the other flavour's calls behind a constant test.
"""

from __future__ import annotations

import ast
import textwrap
from typing import List

import pytest

from flake8_asyncloop.engine import Engine
from flake8_asyncloop.rules import ALL_RULES

ENGINE = Engine(ALL_RULES)


def _alp301_lines(source: str) -> List[int]:
    source = textwrap.dedent(source)
    findings, errors = ENGINE.check(ast.parse(source), "tests/test_flavours.py", source=source)
    assert not errors, errors
    return [f.line for f in findings if f.code == "ALP301"]


# The flag is bound below its use: module flags are read from the whole module first.
HEADER = """\
import asyncio


async def fetch():
    return 1


def test_fetch():
    if {test}:
        fetch()
    else:
        fetch()


{flag}
"""


@pytest.mark.parametrize(
    ("flag", "test", "reported"),
    [
        # a literal
        ("", "True", [10]),
        ("", "False", [12]),
        ("", "not 0", [10]),
        # a module flag bound once to a bool, and what ``not``/``and``/``or`` make of it
        ("_IS_SYNC = False", "_IS_SYNC", [12]),
        ("_IS_SYNC = False", "not _IS_SYNC", [10]),
        ("_IS_SYNC = False", "_IS_SYNC and connect", [12]),
        ("_IS_SYNC = True", "_IS_SYNC or connect", [10]),
        ("IS_ASYNC: bool = True", "IS_ASYNC", [10]),
        # undecided: both branches may run
        ("_IS_SYNC = False", "_IS_SYNC or connect", [10, 12]),
        ("_IS_SYNC = True", "_IS_SYNC and connect", [10, 12]),
        ("", "connect", [10, 12]),
        # a flag bound twice, or not named like a constant, may change
        ("_IS_SYNC = False\n_IS_SYNC = True", "_IS_SYNC", [10, 12]),
        ("_IS_SYNC = False\nfor _IS_SYNC in (1, 2): pass", "_IS_SYNC", [10, 12]),
        ("is_sync = False", "is_sync", [10, 12]),
        ("_IS_SYNC = False\nfrom flavours import *", "_IS_SYNC", [10, 12]),
        ("_IS_SYNC = False\nif (_IS_SYNC := True): pass", "_IS_SYNC", [10, 12]),
        ("_IS_SYNC = 0", "_IS_SYNC", [10, 12]),
    ],
)
def test_a_branch_that_never_runs_reports_nothing(
    flag: str, test: str, reported: List[int]
) -> None:
    assert _alp301_lines(HEADER.format(flag=flag, test=test)) == reported


@pytest.mark.parametrize(
    ("test", "reported"), [("False", [8]), ("True", [6]), ("connect", [6, 8])]
)
def test_the_dead_side_of_a_conditional_expression_is_not_walked(
    test: str, reported: List[int]
) -> None:
    # djanorm: ``loop.run_until_complete(run()) if False else asyncio.run(run())``
    source = f"""\
import asyncio


def test_sync():
    loop = (
        asyncio.get_event_loop()
        if {test}
        else asyncio.get_event_loop()
    )
"""
    findings, errors = ENGINE.check(ast.parse(source), "tests/test_x.py", source=source)
    assert not errors, errors
    assert [f.line for f in findings if f.code == "ALP105"] == reported


def test_a_parameter_named_like_the_flag_is_not_the_flag() -> None:
    source = """\
        _IS_SYNC = False

        async def fetch():
            return 1

        def test_fetch(_IS_SYNC=True):
            if _IS_SYNC:
                fetch()
        """
    assert _alp301_lines(source) == [8]


def test_an_elif_chain_is_followed() -> None:
    source = """\
        _IS_SYNC = False

        async def fetch():
            return 1

        def test_fetch(kind):
            if kind == "a":
                fetch()
            elif _IS_SYNC:
                fetch()
            else:
                fetch()
        """
    assert _alp301_lines(source) == [8, 12]


def test_defs_in_a_branch_that_never_runs_are_not_walked() -> None:
    # pymongo defines the sync flavour's helpers only ``if not _IS_SYNC`` is false.
    source = """\
        _IS_SYNC = True

        async def fetch():
            return 1

        if not _IS_SYNC:
            def helper():
                fetch()
        """
    assert _alp301_lines(source) == []


PROBE = """\
import asyncio


async def run():
    return 1


def test_runner():
    try:
        {probe}
    except {errors}:
        asyncio.get_event_loop().run_until_complete(run())
"""


def _alp105_lines(source: str) -> List[int]:
    findings, errors = ENGINE.check(ast.parse(source), "tests/test_probe.py", source=source)
    assert not errors, errors
    return [f.line for f in findings if f.code == "ALP105"]


@pytest.mark.parametrize(
    ("probe", "errors", "reported"),
    [
        # a probe for Python 3.6 and older: the fallback never runs on a supported Python
        ("runner = asyncio.run", "AttributeError", []),
        ("from asyncio import get_running_loop", "ImportError", []),
        ("asyncio.get_running_loop", "(AttributeError, NameError)", []),
        # anything else may fail today, and its fallback run
        ("import uvloop", "ImportError", [12]),
        ("runner = asyncio.run", "Exception", [12]),
        ("runner = asyncio.Runner", "AttributeError", [12]),
        ("runner = asyncio.run\n        extra = load()", "AttributeError", [13]),
    ],
)
def test_the_fallback_of_a_probe_for_old_pythons_reports_nothing(
    probe: str, errors: str, reported: List[int]
) -> None:
    assert _alp105_lines(PROBE.format(probe=probe, errors=errors)) == reported


def test_long_not_chains_are_read_without_recursion() -> None:
    # The parser takes thousands of ``not`` in a row; reading them must not exhaust the stack.
    nots = "not " * 2000
    source = (
        "import asyncio\n\n_IS_SYNC = True\n\n\nasync def fetch():\n    return 1\n\n\n"
        f"async def test_fetch():\n    if {nots}_IS_SYNC:\n        fetch()\n"
        f"    assert {nots}fetch()\n"
    )
    findings, errors = ENGINE.check(ast.parse(source), "tests/test_deep.py", source=source)
    assert errors == []
    # an even number of ``not``: the branch runs, and both dropped coroutines are reported
    assert [(f.line, f.code) for f in findings if f.code == "ALP301"] == [
        (12, "ALP301"),
        (13, "ALP301"),
    ]
