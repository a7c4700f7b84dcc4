"""The registry, the docs, the rule catalog and the examples must name the same rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flake8_asyncloop import docs
from flake8_asyncloop.findings import Safety
from flake8_asyncloop.rules import ALL_RULES, RULES_BY_CODE

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT.parent / "shared" / "RULES.md"


def test_codes_are_unique_and_well_formed() -> None:
    assert len(RULES_BY_CODE) == len(ALL_RULES)
    for rule in ALL_RULES:
        assert re.fullmatch(r"ALP[1-9]\d\d", rule.code), rule.code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), rule.name


def test_each_rule_lives_in_a_module_named_after_it() -> None:
    for rule in ALL_RULES:
        expected = f"{rule.code.lower()}_{rule.name.replace('-', '_')}"
        assert rule.__module__.rsplit(".", 1)[1] == expected


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_is_documented_and_exemplified(rule) -> None:
    assert "\n" not in rule.message and not rule.message.endswith(".")
    for section in (rule.what, rule.why):
        assert docs.paragraph(section), f"{rule.code} lacks a documentation section"
    assert rule.bad_examples(), f"{rule.code} has no bad example"
    assert rule.good_examples(), f"{rule.code} has no good example"
    for example in rule.good_examples():
        assert example.reason, f"{rule.code}: every good example says why it is fine"
    if rule.fix_safety is Safety.NONE:
        assert all(e.fixed is None for e in rule.examples), f"{rule.code} has no fix but shows one"
    else:
        assert any(e.fixed is not None for e in rule.examples), f"{rule.code} never shows its fix"
        assert docs.paragraph(rule.fix_notes), f"{rule.code} must explain its fix's safety"


def test_committed_docs_match_the_rules() -> None:
    stale = docs.differences(ROOT / "docs", docs.generate())
    assert not stale, f"run `python -m flake8_asyncloop.docs`; stale: {stale}"


def test_docs_pages_name_the_registered_codes() -> None:
    pages = {p.stem for p in (ROOT / "docs" / "rules").glob("*.md")}
    assert pages == set(RULES_BY_CODE)


@pytest.mark.skipif(not CATALOG.exists(), reason="the rule catalog lies beside the project")
def test_codes_and_names_match_the_catalog() -> None:
    rows = re.findall(r"^\| (ALP\d{3}) \| ([a-z0-9-]+) \|", CATALOG.read_text(), re.MULTILINE)
    catalog = dict(rows)
    for rule in ALL_RULES:
        assert catalog.get(rule.code) == rule.name, rule.code
