"""A rule that raises is dropped for the rest of that file only.

The engine works out once per list of rules what runs at each node type and shares it
between files; a failure in one file must not leak into the tables the next file uses.
"""

from __future__ import annotations

import ast
import textwrap
from typing import List

from flake8_asyncloop.engine import Engine
from flake8_asyncloop.rule import Rule

SOURCE = textwrap.dedent(
    """\
    import asyncio


    async def test_a():
        asyncio.sleep(0)
        asyncio.sleep(1)


    async def test_b():
        asyncio.sleep(2)
    """
)


class _RaisesInBrokenFiles(Rule):
    """Reports every call; raises on the first call of a file named "broken"."""

    code = "ALP991"
    name = "raises-in-broken-files"
    message = "a call"
    test_code_only = False
    what = why = "a rule with a bug"

    def visit_Call(self, node: ast.Call) -> None:
        if "broken" in self.file.filename:
            raise ValueError("cannot handle this")
        self.report(node)

    def leave_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.report(node)  # in every file: silent in the broken one only if it was dropped


class _CountsCalls(Rule):
    """A healthy rule beside it: reports every call."""

    code = "ALP992"
    name = "counts-calls"
    message = "a call"
    test_code_only = False
    what = why = "a rule that works"

    def visit_Call(self, node: ast.Call) -> None:
        self.report(node)


def _check(engine: Engine, filename: str):
    findings, errors = engine.check(ast.parse(SOURCE), filename)
    return sorted((f.code, f.line) for f in findings), [(e.code, e.line) for e in errors]


def test_the_failing_rule_is_dropped_for_that_file_only() -> None:
    engine = Engine([_RaisesInBrokenFiles, _CountsCalls])
    healthy: List[tuple] = [
        ("ALP991", 4), ("ALP991", 5), ("ALP991", 6), ("ALP991", 9), ("ALP991", 10),
        ("ALP992", 5), ("ALP992", 6), ("ALP992", 10),
    ]
    assert _check(engine, "test_first.py") == (healthy, [])
    # One error for the file, at the first call; its later calls and leaves are not its.
    assert _check(engine, "test_broken.py") == (
        [("ALP992", 5), ("ALP992", 6), ("ALP992", 10)],
        [("ALP991", 5)],
    )
    # The next file runs every rule again, on the same engine.
    assert _check(engine, "test_after.py") == (healthy, [])
