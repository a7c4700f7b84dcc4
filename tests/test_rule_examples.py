"""Each rule's examples are its tests: bad ones flag exactly the given places, good ones nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import (
    check_example,
    expected,
    holds_here,
    parse_flake8,
    run_flake8,
    write_example,
)

from flake8_asyncloop.rules import ALL_RULES

CASES = [
    pytest.param(
        rule,
        index,
        example,
        id=f"{rule.code}-{'bad' if example.is_bad else 'good'}{index}",
        marks=holds_here(example),
    )
    for rule in ALL_RULES
    for index, example in enumerate(rule.examples)
]


def _skipped(case) -> bool:
    return any(mark.args and mark.args[0] for mark in case.marks)


def expected_in_module(rule, example):
    """What the rule reports in the example's Python file. A config-file rule (ALP208) speaks
    only about the config file, through the standalone command (tests/test_alp208_config.py
    checks its examples there): in the Python file it must say nothing."""
    if getattr(rule, "config_file_rule", False):
        return set()
    return expected(example, rule.code)


@pytest.mark.parametrize("rule, index, example", CASES)
def test_example_through_engine(rule, index, example, tmp_path: Path) -> None:
    found = check_example(example, tmp_path)
    # Only this rule's findings are asserted exactly; other rules may also speak on an example.
    assert {f for f in found if f[2] == rule.code} == expected_in_module(rule, example)


def test_examples_through_flake8(tmp_path: Path) -> None:
    """One real flake8 run over every example, laid out as separate little projects."""
    layout = {}
    for rule, index, example in (case.values for case in CASES if not _skipped(case)):
        module = write_example(example, tmp_path / f"{rule.code}_{index}")
        layout[str(module)] = (rule, example)
    enabled = ",".join(rule.code for rule in ALL_RULES)
    result = run_flake8(
        layout, "--select=ALP", f"--extend-select={enabled}", "--isolated", cwd=tmp_path
    )
    assert result.returncode in (0, 1), result.stderr
    found = {}
    for path, line, col, code in parse_flake8(result.stdout):
        found.setdefault(path, set()).add((line, col, code))
    for path, (rule, example) in layout.items():
        own = {f for f in found.get(path, set()) if f[2] == rule.code}
        assert own == expected_in_module(rule, example), path
