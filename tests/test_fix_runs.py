"""The fixer parses and regenerates only the runs of top-level statements a batch needs;
what it writes must be exactly what editing the whole module gives."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from typing import List, Sequence, Tuple

import pytest
from support import assert_runs_fix_as_the_whole_module, write_example

from flake8_asyncloop.context.discovery import context_for
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.findings import (
    AddImport,
    AwaitExpression,
    DeleteStatement,
    Fix,
    InsertAfterStatement,
    Safety,
    Span,
)
from flake8_asyncloop.fixer import FixError
from flake8_asyncloop.fixer.apply import _index_of_runs, apply_fixes_report
from flake8_asyncloop.fixer.runs import SourceLines, file_style, select_runs
from flake8_asyncloop.rules import ALL_RULES

ENGINE = Engine(ALL_RULES)
PROJECT = Path(__file__).resolve().parent.parent


def _both(source: str, fixes: Sequence[Fix]) -> Tuple[str, str]:
    runs = apply_fixes_report(source, fixes)
    whole = apply_fixes_report(source, fixes, whole=True)
    assert (runs.applied, runs.deferred) == (whole.applied, whole.deferred)
    return runs.source, whole.source


def _same_as_whole(source: str, fixes: Sequence[Fix]) -> str:
    by_runs, by_whole = _both(source, fixes)
    assert by_runs == by_whole
    assert by_runs != source, "the case must change something"
    ast.parse(by_runs)
    return by_runs


def _fix(*edits, imports: Tuple[AddImport, ...] = ()) -> Fix:
    return Fix(Safety.SAFE, "test", tuple(edits), imports)


def _statement_span(source: str, text: str) -> Span:
    """The span of the first statement (at any depth) whose code starts with ``text``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.stmt) and ast.get_source_segment(source, node).startswith(text):
            return Span.of(node)
    raise AssertionError(f"no statement {text!r}")


def _expression_span(source: str, text: str) -> Span:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.expr) and ast.get_source_segment(source, node) == text:
            return Span.of(node)
    raise AssertionError(f"no expression {text!r}")


def _run_lines(source: str, fixes: Sequence[Fix]) -> List[Tuple[int, int]]:
    runs = select_runs(source, SourceLines(source), fixes)
    return [(run.first_line, run.last_line) for run in runs]


MODULE = textwrap.dedent(
    """\
    # header comment

    \"\"\"Docstring.\"\"\"
    import asyncio


    def first():
        return 1


    # comment above second
    # and another
    async def second():
        fetch()
        # footer comment in second's body


    x = 1; y = (2,
        3)


    class Tests:
        async def test_one(self):
            fetch()

        async def test_two(self):
            fetch()
    # comment at the end
    """
)


def test_an_edit_in_one_def_parses_only_that_def_with_the_lines_above_it() -> None:
    fix = _fix(AwaitExpression(_expression_span(MODULE, "fetch()")))
    assert _run_lines(MODULE, [fix]) == [(9, 14)]
    index = _index_of_runs(MODULE, SourceLines(MODULE), [(14, 14)], [fix])
    assert index is not None and [run.first_line for _, run in index.parts] == [9]
    assert "    await fetch()\n    # footer" in _same_as_whole(MODULE, [fix])


def test_edits_far_apart_are_separate_runs() -> None:
    second = _fix(AwaitExpression(_expression_span(MODULE, "fetch()")))
    test_two = ast.parse(MODULE).body[-1].body[1]  # type: ignore[attr-defined]
    class_fix = _fix(AwaitExpression(Span.of(test_two.body[0].value)))
    assert _run_lines(MODULE, [second, class_fix]) == [(9, 14), (20, 28)]
    fixed = _same_as_whole(MODULE, [second, class_fix])
    assert fixed.count("await fetch()") == 2


def test_statements_sharing_a_line_stay_together() -> None:
    fix = _fix(AwaitExpression(_expression_span(MODULE, "(2,\n    3)")))
    assert _run_lines(MODULE, [fix]) == [(15, 19)]


def test_deleting_a_top_level_statement_brings_its_neighbours() -> None:
    fix = _fix(DeleteStatement(_statement_span(MODULE, "async def second")))
    assert _run_lines(MODULE, [fix]) == [(5, 19)]
    fixed = _same_as_whole(MODULE, [fix])
    assert "# comment above second" in fixed and "\n\n\n\n" not in fixed


@pytest.mark.parametrize("target", ["# header", "import asyncio", "class Tests", "x = 1"])
def test_deleting_any_top_level_statement_matches_the_whole_module(target: str) -> None:
    if target == "# header":
        source = MODULE.replace("import asyncio\n", "")
        span = _statement_span(source, '"""Docstring')
    else:
        source, span = MODULE, _statement_span(MODULE, target)
    _same_as_whole(source, [_fix(DeleteStatement(span))])


def test_inserting_after_a_top_level_statement_matches_the_whole_module() -> None:
    span = _statement_span(MODULE, "def first")
    _same_as_whole(MODULE, [_fix(InsertAfterStatement(span, "def added():\n    pass"))])


@pytest.mark.parametrize(
    "layout",
    [
        "imports at the top",
        "an import in a try block below the code",
        "docstring, no import",
        "no import at all",
        "the import already there, late in the file",
    ],
)
def test_an_added_import_lands_where_the_whole_module_puts_it(layout: str) -> None:
    body = "def helper():\n    pass\n\n\nasync def test_it():\n    fetch()\n"
    source = {
        "imports at the top": "import os\nimport sys\n\n\n" + body,
        "an import in a try block below the code": (
            "import os\n\n" + body + "\ntry:\n    import uvloop\nexcept ImportError:\n    pass\n"
        ),
        "docstring, no import": '"""Tests."""\n' + body,
        "no import at all": body,
        "the import already there, late in the file": body + "\nimport contextlib\n",
    }[layout]
    fix = _fix(
        AwaitExpression(_expression_span(source, "fetch()")), imports=(AddImport("contextlib"),)
    )
    fixed = _same_as_whole(source, [fix])
    assert fixed.count("import contextlib") == 1


@pytest.mark.parametrize(
    "indent, newline",
    [("\t", "\n"), ("  ", "\n"), ("   ", "\r\n"), ("   ", "\r")],
)
def test_new_blocks_take_the_files_indentation_and_line_breaks(indent: str, newline: str) -> None:
    # The first def sets the file's indentation; the edited def alone would give another.
    source = (
        "import asyncio\n\ndef first():\n{i}return 1\n\n"
        "async def test_it():\n    task = start()\n    await task\n"
    ).format(i=indent)
    source = source.replace("\n", newline)
    inserted = "with suppress(Exception):\n    await task"
    fix = _fix(InsertAfterStatement(_statement_span(source, "task = start()"), inserted))
    (run,) = select_runs(source, SourceLines(source), [fix])
    assert run.first_line > 4
    assert file_style(source) == (indent, newline)
    # The run alone detects another indentation: the whole module is edited instead.
    assert _index_of_runs(source, SourceLines(source), [(7, 7)], [fix]) is None
    fixed = _same_as_whole(source, [fix])
    block = f"{newline}    with suppress(Exception):{newline}    {indent}await task{newline}"
    assert block in fixed


def test_a_tab_indented_file_is_edited_by_runs() -> None:
    source = "import asyncio\n\n\ndef first():\n\treturn 1\n\n\nasync def test_it():\n\tfetch()\n"
    fix = _fix(AwaitExpression(_expression_span(source, "fetch()")))
    assert _index_of_runs(source, SourceLines(source), [(9, 9)], [fix]) is not None
    assert "\tawait fetch()\n" in _same_as_whole(source, [fix])


def test_a_file_without_a_final_line_break() -> None:
    source = "import asyncio\n\n\nasync def test_it():\n    fetch()"
    _same_as_whole(source, [_fix(AwaitExpression(_expression_span(source, "fetch()")))])


def test_a_source_that_does_not_parse_is_refused() -> None:
    fix = _fix(AwaitExpression(Span(1, 0, 1, 7)))
    with pytest.raises(FixError):
        apply_fixes_report("fetch(\n", [fix])


# -- every fix the rules make, on the project's own examples ----------------------------------


def _fixes_of(path: Path) -> List[Fix]:
    source = path.read_text(encoding="utf-8")
    findings, errors = ENGINE.check(ast.parse(source), str(path), context_for(str(path)))
    assert not errors
    return [
        f.fix
        for f in findings
        if f.fix is not None and f.fix.safety is not Safety.NONE and (f.fix.edits or f.fix.imports)
    ]


def _example_files() -> List[Path]:
    return sorted((PROJECT / "examples" / "broken").rglob("*.py")) + sorted(
        (PROJECT / "tests" / "eval_files").rglob("*.py")
    )


def _bad_examples():
    for rule in ALL_RULES:
        for number, example in enumerate(rule.examples):
            if example.expect:
                yield pytest.param(example, id=f"{rule.code}-{number}")


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: p.name)
def test_runs_match_the_whole_module_on_the_example_suites(path: Path) -> None:
    _compare_every_way(path)


@pytest.mark.parametrize("example", list(_bad_examples()))
def test_runs_match_the_whole_module_on_every_rules_bad_examples(example, tmp_path: Path) -> None:
    _compare_every_way(write_example(example, tmp_path))


def _compare_every_way(path: Path) -> None:
    assert_runs_fix_as_the_whole_module(path.read_text(encoding="utf-8"), _fixes_of(path))
