"""Calls reach a ``visit_Call`` handler by their callee's last name (``Listener.call_names``).

The walk hands a handler that names its callees only the calls that may concern it: the
attribute ``name`` of ``a.b.name(...)``, a bare ``name(...)``, or a bare name imported as
something ending in ``name``. These tests check that choice on a small module, and that every
rule example gives the same findings when every call goes to every handler.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import List

import pytest

from flake8_asyncloop.context.discovery import context_for
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.rule import Rule
from flake8_asyncloop.rules import ALL_RULES
from support import write_example

SOURCE = """\
from mylib import target as renamed
from mylib import target
import mylib

mylib.target(1)
target(2)
renamed(3)
mylib.other(4)
other(5)
factory()(6)
handlers[0](7)
mylib.target.other(8)
"""


class _RecordsTargetCalls(Rule):
    code = "ALP998"
    name = "records-target-calls"
    message = "call"
    test_code_only = False
    assumes_pytest_asyncio = False
    call_names = frozenset({"target"})

    def visit_Call(self, node: ast.Call) -> None:
        self.report(node)


class _RecordsEveryCall(_RecordsTargetCalls):
    code = "ALP997"
    call_names = None


def _lines(rule: type) -> List[int]:
    findings, errors = Engine([rule]).check(ast.parse(SOURCE), "tests/test_calls.py")
    assert not errors, errors
    return [finding.line for finding in findings]


def test_a_handler_gets_the_calls_its_callee_names_pick() -> None:
    assert _lines(_RecordsTargetCalls) == [5, 6, 7]


def test_a_handler_without_names_gets_every_call() -> None:
    # ``factory()(6)`` holds two calls, both on line 10.
    assert _lines(_RecordsEveryCall) == [5, 6, 7, 8, 9, 10, 10, 11, 12]


def test_both_kinds_in_one_walk() -> None:
    findings, errors = Engine([_RecordsTargetCalls, _RecordsEveryCall]).check(
        ast.parse(SOURCE), "tests/test_calls.py"
    )
    assert not errors, errors
    by_code = {code: [f.line for f in findings if f.code == code] for code in ("ALP998", "ALP997")}
    assert by_code == {"ALP998": [5, 6, 7], "ALP997": [5, 6, 7, 8, 9, 10, 10, 11, 12]}


def test_a_handler_whose_callees_are_none_gets_every_call(monkeypatch: pytest.MonkeyPatch) -> None:
    # What the test below does to every rule, shown to take effect.
    monkeypatch.setattr(_RecordsTargetCalls, "callees", classmethod(lambda cls, options: None))
    assert _lines(_RecordsTargetCalls) == [5, 6, 7, 8, 9, 10, 10, 11, 12]


EXAMPLES = [
    pytest.param(rule, index, id=f"{rule.code}-{index}")
    for rule in ALL_RULES
    if any("visit_Call" in vars(c) for c in rule.__mro__)
    for index in range(len(rule.examples))
]


@pytest.mark.parametrize(("rule", "index"), EXAMPLES)
def test_picking_calls_changes_no_finding(
    rule: type, index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = rule.examples[index]
    path = write_example(example, tmp_path)
    tree = ast.parse(example.source)
    project = context_for(str(path))
    picked, errors = Engine(ALL_RULES).check(tree, str(path), project, source=example.source)
    listeners = {c for r in ALL_RULES for c in (r, *r.components)}
    for listener in listeners:
        monkeypatch.setattr(listener, "callees", classmethod(lambda cls, options: None))
    every, every_errors = Engine(ALL_RULES).check(tree, str(path), project, source=example.source)
    assert not errors and not every_errors
    assert picked == every
