"""Rules skipped by their ``trigger_words`` would have reported nothing anyway.

The engine leaves out, per file, the rules whose words the text lacks. These tests run every
rule example with and without the text (without it, no rule is skipped) and demand the same
findings, and check the skipping itself on a few small modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from flake8_asyncloop.context.discovery import context_for
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.rule import Rule
from flake8_asyncloop.rules import ALL_RULES
from support import write_example

ENGINE = Engine(ALL_RULES)
EXAMPLES = [
    pytest.param(rule, index, id=f"{rule.code}-{index}")
    for rule in ALL_RULES
    for index in range(len(rule.examples))
]


@pytest.mark.parametrize(("rule", "index"), EXAMPLES)
def test_skipping_by_words_changes_no_finding(rule: type, index: int, tmp_path: Path) -> None:
    example = rule.examples[index]
    path = write_example(example, tmp_path)
    tree = ast.parse(example.source)
    project = context_for(str(path))
    everything, errors = ENGINE.check(tree, str(path), project)
    skipping, skipping_errors = ENGINE.check(tree, str(path), project, source=example.source)
    assert not errors and not skipping_errors
    assert skipping == everything


def test_a_bad_example_holds_one_of_its_rules_words() -> None:
    for rule in ALL_RULES:
        if not rule.trigger_words:
            continue
        for example in rule.bad_examples():
            assert any(word in example.source for word in rule.trigger_words), rule.code


class _Reports(Rule):
    code = "ALP999"
    name = "reports-every-module"
    message = "module"
    test_code_only = False
    trigger_words = ("needle", "pin")

    def visit_Module(self, node: ast.Module) -> None:
        self.report(node.body[0] if node.body else node)


@pytest.mark.parametrize(
    ("source", "reported"),
    [
        ("x = 1\n", False),
        ("needle = 1\n", True),
        ("x = 'a pin in text'\n", True),  # words are looked for in the text, strings included
        ("import haystack as n\n", False),
    ],
)
def test_a_rule_runs_only_where_its_words_are(source: str, reported: bool) -> None:
    engine = Engine([_Reports])
    found, _ = engine.check(ast.parse(source), "module.py", source=source)
    assert bool(found) is reported
    assert engine.check(ast.parse(source), "module.py")[0]  # without the text: always runs


class _ReportsOnLongWords(_Reports):
    code = "ALP998"
    name = "reports-on-long-words"
    trigger_words = ("get_event_loop", "pinned")


@pytest.mark.parametrize(
    ("source", "codes"),
    [
        ("x = 1\n", set()),
        ("loop = needle\n", {"ALP999"}),
        ("pin = get_event_loop\n", {"ALP999", "ALP998"}),
        ("pinned = 1\n", {"ALP999", "ALP998"}),
        ("get_event_lo = 1\npin = 2\n", {"ALP999"}),
        ("event_loop = get = 1\n", set()),  # the parts of a word, apart, are not the word
    ],
)
def test_a_word_holding_a_shorter_word_is_found_as_itself(source: str, codes: set) -> None:
    """The engine skips looking for "pinned" when "pin" is missing; never more than that."""
    engine = Engine([_Reports, _ReportsOnLongWords])
    found, _ = engine.check(ast.parse(source), "module.py", source=source)
    assert {f.code for f in found} == codes
