"""Cut a source into the runs of top-level statements a batch of fixes needs.

libcst costs about ten times ``ast.parse``, and a fix touches a few statements of a file.
So the fixer parses, edits and regenerates only runs of neighbouring top-level statements
that hold an edit, and splices each run's new text over its old lines; the rest of the file
is never handed to libcst.

A run is whole lines: from the line after the statement before it to the last line of its
own last statement, so the comments and blank lines above a statement come with it, as
libcst would give them to it in the whole module. Statements sharing a line (``a; b``) stay
in one run. Where an edit's effect reaches past its own statement, the run reaches too:

- deleting or inserting after a top-level statement carries its comments and blank lines
  onto the next statement, and the deleted one's first line may be libcst's module header:
  the statements on both sides come with it;
- an import a fix needs is planned against the module's imports and inserted after the
  last one (or after the docstring): every statement from the top of the file to the one
  after the last module-level import comes with it.

Statements a fix builds take libcst's default indentation and line break, which libcst
detects in what it parses: a run whose own differ from the whole file's is not used (the
whole module is edited instead), so new code is indented as the whole file would give it.
"""

from __future__ import annotations

import ast
import bisect
import io
import re
import tokenize
from dataclasses import dataclass
from typing import Iterable, List, Sequence, Set, Tuple

from flake8_asyncloop.findings import DeleteStatement, Fix, InsertAfterStatement
from flake8_asyncloop.parsing import parse_source

# A line and its break; the tokenizer's line breaks (str.splitlines() knows more).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_FIRST_BREAK = re.compile(r"\r\n|\r|\n")
_FALLBACK_INDENT = "    "  # what libcst assumes when a file has no indented block


@dataclass(frozen=True)
class Run:
    """Lines ``first_line`` to ``last_line`` (1-based, both included) of the source."""

    first_line: int
    last_line: int
    text: str


class SourceLines:
    """A source's lines with their line breaks, to cut runs from and splice them back."""

    def __init__(self, source: str) -> None:
        self.lines: List[str] = _LINE.findall(source)

    def text(self, first_line: int, last_line: int) -> str:
        start = first_line - 1
        return "".join(self.lines[start:last_line])

    def splice(self, replacements: Sequence[Run]) -> str:
        """The source with each run's lines replaced by its text (runs in order, disjoint)."""
        parts: List[str] = []
        line = 1
        for run in replacements:
            parts.append(self.text(line, run.first_line - 1))
            parts.append(run.text)
            line = run.last_line + 1
        parts.append(self.text(line, len(self.lines)))
        return "".join(parts)


def select_runs(source: str, lines: SourceLines, fixes: Sequence[Fix]) -> List[Run]:
    """The runs of top-level statements ``fixes`` need, in source order.

    Raises ``SyntaxError`` (or ``ValueError``) when the source does not parse.
    """
    body = parse_source(source).body
    units = _units(body)
    if not units:
        return [Run(1, len(lines.lines), source)] if source else []
    ends = [unit.end for unit in units]
    chosen: Set[int] = set()
    for fix in fixes:
        for edit in fix.edits:
            first = _unit_at(ends, edit.span.line)
            last = _unit_at(ends, edit.span.end_line)
            chosen.update(range(first, last + 1))
            if isinstance(edit, (DeleteStatement, InsertAfterStatement)) and edit.span.col == 0:
                chosen.update((first - 1, last + 1))
        if fix.imports:
            chosen.update(range(_import_block_end(body, units) + 2))
    chosen = {i for i in chosen if 0 <= i < len(units)}
    runs: List[Run] = []
    for first, last in _consecutive(sorted(chosen)):
        first_line = units[first - 1].end + 1 if first else 1
        last_line = len(lines.lines) if last == len(units) - 1 else units[last].end
        runs.append(Run(first_line, last_line, lines.text(first_line, last_line)))
    return runs


def file_style(source: str) -> Tuple[str, str]:
    """The default indentation and line break libcst detects in the whole of ``source``.

    A run parsed alone may detect others (its own first indented block, its own first line
    break), and libcst takes no override: the caller compares and, when they differ, edits
    the whole module instead.
    """
    newline = _FIRST_BREAK.search(source)
    return _first_indent(source), newline.group(0) if newline else "\n"


@dataclass(frozen=True)
class _Unit:
    """Top-level statements that no line break separates, as indices into the body."""

    first: int
    last: int
    end: int  # the last line of the last statement


def _units(body: Sequence[ast.stmt]) -> List[_Unit]:
    units: List[_Unit] = []
    for position, statement in enumerate(body):
        start = min(
            [statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", ()))]
        )
        end = statement.end_lineno or statement.lineno
        if units and start <= units[-1].end:  # shares a line with the statement before
            previous = units[-1]
            units[-1] = _Unit(previous.first, position, max(previous.end, end))
        else:
            units.append(_Unit(position, position, end))
    return units


def _unit_at(ends: List[int], line: int) -> int:
    """The unit whose lines hold ``line``: the first one ending on or after it."""
    return min(bisect.bisect_left(ends, line), len(ends) - 1)


def _import_block_end(body: Sequence[ast.stmt], units: Sequence[_Unit]) -> int:
    """The unit holding the last module-level import (0 when there is none)."""
    last_statement = max(
        (i for i, statement in enumerate(body) if _imports_at_module_level(statement)),
        default=0,
    )
    return next(u for u, unit in enumerate(units) if unit.last >= last_statement)


def _imports_at_module_level(statement: ast.stmt) -> bool:
    """An import, or an if/try/with at module level holding one (run at import time)."""
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return True
    if isinstance(statement, (ast.If, ast.Try, ast.With)) or type(statement).__name__ == "TryStar":
        blocks: Iterable[Sequence[ast.stmt]] = (
            getattr(statement, "body", ()),
            getattr(statement, "orelse", ()),
            getattr(statement, "finalbody", ()),
            *(handler.body for handler in getattr(statement, "handlers", ())),
        )
        return any(_imports_at_module_level(inner) for block in blocks for inner in block)
    return False


def _consecutive(indices: Sequence[int]) -> Iterable[tuple]:
    """(first, last) of each run of consecutive integers in sorted ``indices``."""
    start = previous = None
    for index in indices:
        if start is None:
            start = previous = index
        elif index == previous + 1:
            previous = index
        else:
            yield start, previous
            start = previous = index
    if start is not None:
        yield start, previous


def _first_indent(source: str) -> str:
    """The indentation of the first indented block, as libcst detects its default indent."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(source, newline=None).readline):
            if token.type == tokenize.INDENT:
                return token.string
    except (tokenize.TokenError, SyntaxError):
        pass
    return _FALLBACK_INDENT
