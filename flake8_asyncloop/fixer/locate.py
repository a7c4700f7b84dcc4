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
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional, Tuple, Type, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from flake8_asyncloop.findings import Span
from flake8_asyncloop.fixer.errors import FixError
from flake8_asyncloop.fixer.limits import nesting_problem

Point = Tuple[int, int]  # (1-based line, 0-based character column)
NodeTypes = Union[Type[cst.CSTNode], Tuple[Type[cst.CSTNode], ...]]

# The tokenizer's line breaks; str.splitlines() knows more (form feed, U+2028...) than Python does.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

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
    """A source parsed once with libcst, its nodes indexed by position, with their parents.

    With ``lines`` (ranges of 1-based lines, both ends included), only the top-level
    statements that overlap one of them are indexed; without, the whole module.
    """

    def __init__(self, source: str, lines: Optional[Iterable[Tuple[int, int]]] = None) -> None:
        too_deep = nesting_problem(source)
        if too_deep is not None:
            raise FixError(too_deep)
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError as error:
            raise FixError(f"libcst cannot parse the source: {error.message}") from error
        self.module = module
        self._lines = [line.encode("utf-8") for line in _LINE_BREAK.split(source)]
        self._ranges: Dict[int, Tuple[Point, Point]] = {}
        self._parents: Dict[int, cst.CSTNode] = {}
        self._by_start: Dict[Point, List[cst.CSTNode]] = {}
        if lines is None:
            MetadataWrapper(module, unsafe_skip_copy=True).visit(_Indexer(self, module, 0))
            return
        for statement, shift in _statements_over(module, sorted(lines)):
            alone = module.with_changes(body=(statement,), header=(), footer=())
            indexer = _Indexer(self, module, shift)
            MetadataWrapper(alone, unsafe_skip_copy=True).visit(indexer)

    # -- positions ------------------------------------------------------------------------

    def point(self, line: int, byte_col: int) -> Point:
        """An ``ast`` position (byte column) as a libcst one (character column)."""
        if not 1 <= line <= len(self._lines):
            raise FixError(f"line {line} is outside the source")
        encoded = self._lines[line - 1]
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


def _statements_over(
    module: cst.Module, lines: List[Tuple[int, int]]
) -> Iterable[Tuple[cst.BaseStatement, int]]:
    """The top-level statements whose lines overlap ``lines`` (sorted), each with the number
    of lines before it."""
    shift = sum(_line_count(module.code_for_node(line)) for line in module.header)
    pending = iter(lines)
    wanted = next(pending, None)
    for statement in module.body:
        if wanted is None:
            return
        count = _line_count(module.code_for_node(statement))
        first, last = shift + 1, shift + count  # the statement's code ends with a line break
        while wanted is not None and wanted[1] < first:
            wanted = next(pending, None)
        if wanted is not None and wanted[0] <= last:
            yield statement, shift
        shift += count


def _line_count(code: str) -> int:
    return len(_LINE_BREAK.findall(code))


class _Indexer(cst.CSTVisitor):
    """Records ranges (shifted down ``shift`` lines) and parents; a statement standing alone
    in a module of its own gets the real ``module`` as its parent."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, index: SourceIndex, module: cst.Module, shift: int) -> None:
        super().__init__()
        self._index = index
        self._module = module
        self._shift = shift
        self._stack: List[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._stack:
            self._index._parents[id(node)] = self._stack[-1]
        else:
            node = self._module  # the real module stands in for a statement's own
        self._stack.append(node)
        if isinstance(node, _TARGETS):
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
