"""Calls passed over before resolving their names: only those that cannot resolve to a name
a rule looks for (``may_end_with``), never an alias of one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from flake8_asyncloop.analysis.names import may_end_with
from flake8_asyncloop.context.discovery import context_for
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.rules import ALL_RULES

ENGINE = Engine(ALL_RULES)


def _callee(source: str) -> ast.AST:
    return ast.parse(source).body[0].value.func  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("asyncio.run(main())", True),
        ("aio.runners.run(main())", True),
        ("self.assertEqual(a, b)", False),
        ("loop.run_until_complete(main())", False),
        ("go(main())", True),  # a bare name may be ``from asyncio import run as go``
        ("handlers[0](main())", True),  # not a dotted name: left to the rule
    ],
)
def test_a_dotted_name_may_only_end_with_its_attribute(call: str, expected: bool) -> None:
    assert may_end_with(_callee(call), frozenset({"run"})) is expected


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("from asyncio import run as go\n\nasync def test_it():\n    go(main())\n", "ALP103"),
        ("import asyncio as aio\n\nasync def test_it():\n    aio.run(main())\n", "ALP103"),
        (
            "import asyncio\n\n\ndef test_it():\n"
            "    loop = asyncio.get_event_loop()\n    loop.call_soon(asyncio.sleep)\n",
            "ALP305",
        ),
    ],
)
def test_calls_named_or_aliased_as_what_a_rule_looks_for_are_still_found(
    tmp_path: Path, source: str, code: str
) -> None:
    path = tmp_path / "test_it.py"
    path.write_text(source, encoding="utf-8")
    project = context_for(str(path))
    findings, errors = ENGINE.check(ast.parse(source), str(path), project, source=source)
    assert not errors
    assert code in {finding.code for finding in findings}
