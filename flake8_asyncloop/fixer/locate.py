"""Find the libcst node an edit targets from its ``ast`` span.

Spans count columns in UTF-8 bytes (as ``ast`` does); libcst counts characters. Both leave
an expression's own parentheses out of its range and start a decorated def at ``def``, so
after the column conversion a span and a libcst range match exactly for the nodes edits
target.

Positions come from libcst's ``PositionProvider``, which generates the code of what it
covers. Given the lines the edits point into, only the top-level statements holding those
lines are indexed: each is positioned on its own, as a module of that one statement, and
its lines shifted by the lines before it. A top-level statement starts at column 0 after a
line break, so its positions do not depend on what precedes it but for that shift.

A class or def is narrowed the same way when every edit into it falls inside the statements
of its body (a method of a large unittest class, a statement of a long test): positioned is
a copy of it holding only the members edited, one at a time, each shifted by the lines of
the members dropped before it. The copies stand in for the real statement and block as
parents.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Type, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from flake8_asyncloop.findings import Span
from flake8_asyncloop.fixer.errors import FixError
from flake8_asyncloop.fixer.limits import nesting_problem
from flake8_asyncloop.fixer.runs import Run

Point = Tuple[int, int]  # (1-based line, 0-based character column)
NodeTypes = Union[Type[cst.CSTNode], Tuple[Type[cst.CSTNode], ...]]

# The tokenizer's line breaks; str.splitlines() knows more (form feed, U+2028...) than Python does.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Statements whose body can be positioned one member at a time: one block, nothing after it.
_NARROWABLE = (cst.ClassDef, cst.FunctionDef)

# Node kinds an edit can target; whitespace, operators and the like are not indexed.
_TARGETS = (
    cst.BaseExpression,
    cst.BaseSmallStatement,
    cst.BaseCompoundStatement,
    cst.SimpleStatementLine,
    cst.Decorator,
    cst.Param,
    cst.Arg,
    cst.BaseSuite,
)


class SourceIndex:
    """A source parsed with libcst, its nodes indexed by position, with their parents.

    With ``lines`` (ranges of 1-based lines, both ends included), only the top-level
    statements that overlap one of them are indexed; without, the whole module. With
    ``runs``, only those runs of the source are parsed (each its own module, see ``runs``);
    positions are still the source's. ``style`` is the whole file's default indentation and
    line break: a run that detects other ones raises ``StyleMismatch``.
    """

    def __init__(
        self,
        source: str,
        lines: Optional[Iterable[Tuple[int, int]]] = None,
        runs: Optional[Sequence[Run]] = None,
        style: Optional[Tuple[str, str]] = None,
    ) -> None:
        too_deep = nesting_problem(source)
        if too_deep is not None:
            raise FixError(too_deep)
        self._lines = _LINE_BREAK.split(source)  # encoded one at a time, as edits ask
        self._ranges: Dict[int, Tuple[Point, Point]] = {}
        self._parents: Dict[int, cst.CSTNode] = {}
        self._by_start: Dict[Point, List[cst.CSTNode]] = {}
        # Each parsed module with the run of the source it holds.
        self.parts: List[Tuple[cst.Module, Run]] = []
        wanted = None if lines is None else sorted(lines)
        for run in runs if runs is not None else [Run(1, len(self._lines), source)]:
            module = _parse(run.text)
            if style is not None and (module.default_indent, module.default_newline) != style:
                raise StyleMismatch(run)
            self.parts.append((module, run))
            self._index(module, run.first_line - 1, wanted)
        # The module the file's imports are planned against: the first run's, from line 1.
        self.module = self.parts[0][0] if self.parts else cst.Module(body=[])

    def _index(
        self, module: cst.Module, above: int, wanted: Optional[List[Tuple[int, int]]]
    ) -> None:
        """Index ``module``, whose first line is line ``above`` + 1 of the source."""
        if wanted is None:
            MetadataWrapper(module, unsafe_skip_copy=True).visit(_Indexer(self, {}, above))
            return
        for statement, shift, layout in _statements_over(module, wanted, above):
            for narrowed, real, dropped in _narrowed(module, statement, shift, layout, wanted):
                alone = module.with_changes(body=(narrowed,), header=(), footer=())
                real[id(alone)] = module
                indexer = _Indexer(self, real, shift + dropped)
                MetadataWrapper(alone, unsafe_skip_copy=True).visit(indexer)

    # -- positions ------------------------------------------------------------------------

    def point(self, line: int, byte_col: int) -> Point:
        """An ``ast`` position (byte column) as a libcst one (character column)."""
        if not 1 <= line <= len(self._lines):
            raise FixError(f"line {line} is outside the source")
        encoded = self._lines[line - 1].encode("utf-8")
        if byte_col > len(encoded):
            raise FixError(f"column {byte_col} is past the end of line {line}")
        try:
            return line, len(encoded[:byte_col].decode("utf-8"))
        except UnicodeDecodeError as error:
            raise FixError(f"column {byte_col} of line {line} splits a character") from error

    def range_of(self, node: cst.CSTNode) -> Tuple[Point, Point]:
        return self._ranges[id(node)]

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self._parents.get(id(node))

    def parent_by_id(self, key: int) -> Optional[cst.CSTNode]:
        return self._parents.get(key)

    # -- lookup ---------------------------------------------------------------------------

    def find(self, span: Span, types: NodeTypes, what: str) -> cst.CSTNode:
        """The outermost node of ``types`` whose range is ``span``.

        A node starting at the span with another end is accepted when it is the only
        candidate: the ends of compound statements are where ``ast`` and libcst could differ.
        """
        start = self.point(span.line, span.col)
        end = self.point(span.end_line, span.end_col)
        candidates = [node for node in self._by_start.get(start, ()) if isinstance(node, types)]
        exact = [node for node in candidates if self.range_of(node)[1] == end]
        if exact:
            return exact[0]
        if len(candidates) == 1:
            return candidates[0]
        raise FixError(f"no {what} at {span.line}:{span.col}-{span.end_line}:{span.end_col}")


class StyleMismatch(Exception):
    """A run parsed alone detects another default indentation or line break than its file."""


def _parse(text: str) -> cst.Module:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        raise FixError(f"libcst cannot parse the source: {error.message}") from error


def _statements_over(
    module: cst.Module, lines: List[Tuple[int, int]], above: int
) -> Iterable[Tuple[cst.BaseStatement, int, "_Layout"]]:
    """The top-level statements whose lines overlap ``lines`` (sorted), each with the number
    of lines before it and its layout; the module starts after line ``above``."""
    shift = above + sum(_line_count(module.code_for_node(line)) for line in module.header)
    pending = iter(lines)
    wanted = next(pending, None)
    for statement in module.body:
        if wanted is None:
            return
        layout = _Layout.of(module, statement)
        first, last = shift + 1, shift + layout.count  # its code ends with a line break
        while wanted is not None and wanted[1] < first:
            wanted = next(pending, None)
        if wanted is not None and wanted[0] <= last:
            yield statement, shift, layout
        shift += layout.count


def _line_count(code: str) -> int:
    return len(_LINE_BREAK.findall(code))


class _Layout:
    """How many lines a statement's code takes; for a class or def with an indented body,
    also its own lines above the first member and each member's: its code is generated
    once, member by member."""

    def __init__(self, count: int, above: int = 0, members: Tuple[int, ...] = ()) -> None:
        self.count = count
        self.above = above
        self.members = members  # empty for anything but a class or def with a block

    @classmethod
    def of(cls, module: cst.Module, statement: cst.BaseStatement) -> "_Layout":
        body = statement.body if isinstance(statement, _NARROWABLE) else None
        if not isinstance(body, cst.IndentedBlock) or not body.body:
            return cls(_line_count(module.code_for_node(statement)))
        members = tuple(_line_count(module.code_for_node(member)) for member in body.body)
        # Above the first member: the lines of a copy holding only that member, less its own.
        only_first = statement.with_changes(body=body.with_changes(body=body.body[:1], footer=()))
        above = _line_count(module.code_for_node(only_first)) - members[0]
        footer = sum(_line_count(module.code_for_node(line)) for line in body.footer)
        return cls(above + sum(members) + footer, above, members)


# A statement as positioned, the real node of each copy made for it (by the copy's id), and
# the lines dropped above what is kept. A copy holds one statement or member that is
# positioned whole; its other parts (a class or def's decorators, bases, parameters) are not.
_Narrowed = Tuple[cst.BaseStatement, Dict[int, cst.CSTNode], int]


def _narrowed(
    module: cst.Module,
    statement: cst.BaseStatement,
    shift: int,
    layout: _Layout,
    lines: List[Tuple[int, int]],
) -> Iterable[_Narrowed]:
    """``statement`` (starting after ``shift`` lines) as it is to be positioned: whole, or,
    for a class or def whose edited lines all fall inside its members, a copy per edited member."""
    if not layout.members:
        yield statement, {}, 0
        return
    spans = []  # (first line, last line, lines of the members before it) of each member
    before = 0
    for count in layout.members:
        top = shift + layout.above + before + 1
        spans.append((top, top + count - 1, before))
        before += count
    first, last = shift + 1, shift + layout.count
    chosen: Dict[int, List[Tuple[int, int]]] = {}
    for a, b in lines:
        if b < first or a > last:
            continue
        holder = next((j for j, (top, end, _) in enumerate(spans) if top <= a and b <= end), None)
        if holder is None:
            yield statement, {}, 0  # an edit in its own lines: position it whole
            return
        chosen.setdefault(holder, []).append((a, b))
    block = statement.body  # type: ignore[attr-defined]
    for j in sorted(chosen):
        top, _, dropped = spans[j]
        member = block.body[j]
        # Only a class or def can be narrowed further (its count is not needed otherwise).
        inner = _Layout.of(module, member) if isinstance(member, _NARROWABLE) else _Layout(0)
        for kept, real, inner_dropped in _narrowed(module, member, top - 1, inner, chosen[j]):
            copy_block = block.with_changes(body=(kept,), footer=())
            copy = statement.with_changes(body=copy_block)  # type: ignore[attr-defined]
            real = {**real, id(copy_block): block, id(copy): statement}
            yield copy, real, dropped + inner_dropped


class _Indexer(cst.CSTVisitor):
    """Records ranges (shifted down ``shift`` lines) and parents. The copies made to position
    a statement alone (its module, a narrowed class or def and its block) are recorded as
    the real nodes they stand for (``real``, by the copy's id), without ranges; of a copied
    class or def only the copied block is entered: its own lines (decorators, bases,
    parameters) do not move with the members dropped from it."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, index: SourceIndex, real: Dict[int, cst.CSTNode], shift: int) -> None:
        super().__init__()
        self._index = index
        self._real = real
        # ids of the real classes a narrowed copy stands for
        self._narrowed = {id(n) for n in real.values() if isinstance(n, _NARROWABLE)}
        self._shift = shift
        self._stack: List[Optional[cst.CSTNode]] = []  # None for a node not entered

    def on_visit(self, node: cst.CSTNode) -> bool:
        original = self._real.get(id(node))
        parent = self._stack[-1] if self._stack else None
        if original is None and id(parent) in self._narrowed:
            self._stack.append(None)
            return False
        if parent is not None:
            self._index._parents[id(original or node)] = parent
        self._stack.append(original or node)
        if original is None and isinstance(node, _TARGETS):
            code_range = self.get_metadata(PositionProvider, node)
            shift = self._shift
            start = (code_range.start.line + shift, code_range.start.column)
            end = (code_range.end.line + shift, code_range.end.column)
            self._index._ranges[id(node)] = (start, end)
            # Pre-order: an outer node is listed before the inner ones starting at the same point.
            self._index._by_start.setdefault(start, []).append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self._stack.pop()
