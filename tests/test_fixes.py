"""Every fix does what its rule's examples say, once, and only where it should."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import List

import pytest
from support import write_example

from flake8_asyncloop.context.discovery import context_for
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.findings import Finding, Safety
from flake8_asyncloop.fixer import fix_source
from flake8_asyncloop.rules import ALL_RULES

FIXABLE = [rule for rule in ALL_RULES if rule.fix_safety is not Safety.NONE]


def _checker(rule, path: Path):
    engine = Engine([rule])
    project = context_for(str(path))

    def check(source: str) -> List[Finding]:
        findings, errors = engine.check(ast.parse(source), str(path), project)
        assert not errors, errors
        return findings

    return check


def _cases(kind):
    for rule in FIXABLE:
        for index, example in enumerate(rule.examples):
            if kind == "good" and not example.is_bad:
                yield pytest.param(rule, example, id=f"{rule.code}-{index}")
            if example.fixed is None:
                continue
            if kind == "fixed" or (kind == "unsafe" and rule.fix_safety is Safety.UNSAFE):
                yield pytest.param(rule, example, id=f"{rule.code}-{index}")


@pytest.mark.parametrize("rule, example", list(_cases("fixed")))
def test_fix_gives_the_documented_result(rule, example, tmp_path: Path) -> None:
    path = write_example(example, tmp_path)
    check = _checker(rule, path)
    result = fix_source(example.source, check, unsafe=rule.fix_safety is Safety.UNSAFE)
    assert result.source == example.fixed
    assert not [f for f in check(result.source) if f.fix is not None], "fixable findings remain"
    again = fix_source(result.source, check, unsafe=True)
    assert again.source == result.source, "a second fix changed the file again"


@pytest.mark.parametrize("rule, example", list(_cases("unsafe")))
def test_safe_run_leaves_unsafe_fixes_alone(rule, example, tmp_path: Path) -> None:
    path = write_example(example, tmp_path)
    result = fix_source(example.source, _checker(rule, path), unsafe=False)
    assert result.source == example.source


@pytest.mark.parametrize("rule, example", list(_cases("good")))
def test_fix_leaves_good_examples_byte_for_byte(rule, example, tmp_path: Path) -> None:
    path = write_example(example, tmp_path)
    result = fix_source(example.source, _checker(rule, path), unsafe=True)
    assert result.source == example.source


# -- ALP104: safe only where no test can be patching the call ----------------------------------

GET_EVENT_LOOP_IN_A_COROUTINE = """\
import asyncio


async def wait_briefly():
    return await asyncio.sleep(0, asyncio.get_event_loop())
"""
PATCHING_TEST = """\
import asyncio
from unittest import mock


async def test_fallback():
    with mock.patch("asyncio.get_event_loop"):
        assert asyncio.get_event_loop() is not None
"""


@pytest.mark.parametrize(
    ("filename", "source", "safe"),
    [
        ("test_waiting.py", GET_EVENT_LOOP_IN_A_COROUTINE, True),
        # azure-identity's tests patch asyncio.get_event_loop to fake the loop its library
        # code sees: rewritten there, the patch no longer reaches the call.
        ("waiting.py", GET_EVENT_LOOP_IN_A_COROUTINE, False),
        ("test_fallback.py", PATCHING_TEST, False),
    ],
)
def test_get_running_loop_rewrite_is_unsafe_where_a_test_may_patch_the_call(
    filename: str, source: str, safe: bool, tmp_path: Path
) -> None:
    rule = next(rule for rule in ALL_RULES if rule.code == "ALP104")
    path = tmp_path / filename
    path.write_text(source)
    check = _checker(rule, path)
    [finding] = check(source)
    assert finding.fix is not None
    assert finding.fix.safety is (Safety.SAFE if safe else Safety.UNSAFE)
    rewritten = source.replace("get_event_loop()", "get_running_loop()")
    assert fix_source(source, check, unsafe=False).source == (rewritten if safe else source)
    assert fix_source(source, check, unsafe=True).source == rewritten
