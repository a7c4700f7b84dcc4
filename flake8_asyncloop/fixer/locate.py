"""Find the libcst node an edit targets from its ``ast`` span.

Spans count columns in UTF-8 bytes (as ``ast`` does); libcst counts characters. Both leave
an expression's own parentheses out of its range and start a decorated def at ``def``, so
after the column conversion a span and a libcst range match exactly for the nodes edits
target.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple, Type, Union

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

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
    """A source parsed once with libcst, its nodes indexed by position, with their parents."""

    def __init__(self, source: str) -> None:
        too_deep = nesting_problem(source)
        if too_deep is not None:
            raise FixError(too_deep)
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError as error:
            raise FixError(f"libcst cannot parse the source: {error.message}") from error
        self.wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self.module = module
        self._lines = [line.encode("utf-8") for line in _LINE_BREAK.split(source)]
        self._ranges: Dict[int, CodeRange] = {}
        self._parents: Dict[int, cst.CSTNode] = {}
        self._by_start: Dict[Point, List[cst.CSTNode]] = {}
        self.wrapper.visit(_Indexer(self))

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
        code_range = self._ranges[id(node)]
        return (
            (code_range.start.line, code_range.start.column),
            (code_range.end.line, code_range.end.column),
        )

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self._parents.get(id(node))

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


class _Indexer(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, index: SourceIndex) -> None:
        super().__init__()
        self._index = index
        self._stack: List[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._stack:
            self._index._parents[id(node)] = self._stack[-1]
        self._stack.append(node)
        if isinstance(node, _TARGETS):
            code_range = self.get_metadata(PositionProvider, node)
            self._index._ranges[id(node)] = code_range
            start = (code_range.start.line, code_range.start.column)
            # Pre-order: an outer node is listed before the inner ones starting at the same point.
            self._index._by_start.setdefault(start, []).append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self._stack.pop()
