"""Statement-level edits: deleting statements and inserting new ones in a block or module.

Every statement edit is planned against the block that holds the statement, and the block
is rewritten once with all of them, so two deletions that together empty a block still
leave a ``pass``. Inserted statements take the block's indentation from libcst.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from flake8_asyncloop.fixer.comments import merge_leading_lines
from flake8_asyncloop.fixer.errors import FixError


@dataclass
class BodyPlan:
    """What to change in one block; statements are keyed by ``id`` of the parsed node."""

    deletes: Set[int] = field(default_factory=set)
    after: Dict[int, List[cst.BaseStatement]] = field(default_factory=dict)
    before_index: Dict[int, List[cst.BaseStatement]] = field(default_factory=dict)
    spacing: Dict[int, int] = field(default_factory=dict)  # blank lines wanted above a statement
    # statements whose blank lines and comments above went to a statement inserted before them
    without_leading_lines: Set[int] = field(default_factory=set)

    def insert_after(self, statement: cst.CSTNode, new: Sequence[cst.BaseStatement]) -> None:
        self.after.setdefault(id(statement), []).extend(new)

    def insert_before(self, index: int, new: Sequence[cst.BaseStatement]) -> None:
        self.before_index.setdefault(index, []).extend(new)


def parse_statements(code: str) -> List[cst.BaseStatement]:
    text = textwrap.dedent(code).strip("\n") + "\n"
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        raise FixError(f"not valid statements: {code!r}") from error
    if not module.body:
        raise FixError(f"no statement in {code!r}")
    return list(module.body)


def is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def body_start(body: Sequence[cst.BaseStatement]) -> int:
    """Where a block's first statement goes: after its docstring, if it has one."""
    return 1 if body and is_docstring(body[0]) else 0


def rewrite_block(
    original: Sequence[cst.BaseStatement], updated: Sequence[cst.BaseStatement], plan: BodyPlan
) -> Tuple[List[cst.BaseStatement], List[cst.EmptyLine]]:
    """The block's new statements, and the comment lines left over from deleted statements."""
    out: List[cst.BaseStatement] = []
    carried: List[cst.EmptyLine] = []

    def emit(statement: cst.BaseStatement) -> None:
        nonlocal carried
        if carried:
            statement = statement.with_changes(
                leading_lines=merge_leading_lines(carried, statement.leading_lines)
            )
            carried = []
        out.append(statement)

    for index, (old, new) in enumerate(zip(original, updated)):
        for inserted in plan.before_index.get(index, ()):
            emit(inserted)
        kept = _without_deleted(old, new, plan.deletes)
        if kept is None:
            carried = [*carried, *new.leading_lines]
        else:
            if id(old) in plan.without_leading_lines:
                kept = kept.with_changes(leading_lines=[])
            blank_lines = plan.spacing.get(id(old), 0)
            if blank_lines:
                blank = [cst.EmptyLine() for _ in range(blank_lines)]
                kept = kept.with_changes(leading_lines=[*blank, *kept.leading_lines])
            emit(kept)
        for anchor in _anchors(old):
            for inserted in plan.after.get(id(anchor), ()):
                emit(inserted)
    for inserted in plan.before_index.get(len(original), ()):
        emit(inserted)
    return out, carried


def _without_deleted(
    old: cst.BaseStatement, new: cst.BaseStatement, deletes: Set[int]
) -> Optional[cst.BaseStatement]:
    """``new`` minus the deleted parts, or None when nothing of it is left."""
    if id(old) in deletes:
        return None
    if not isinstance(old, cst.SimpleStatementLine):
        return new
    assert isinstance(new, cst.SimpleStatementLine)
    small = _without_deleted_small(old.body, new.body, deletes)
    if not small:
        return None
    return new if len(small) == len(new.body) else new.with_changes(body=small)


def _without_deleted_small(
    old: Sequence[cst.BaseSmallStatement], new: Sequence[cst.BaseSmallStatement], deletes: Set[int]
) -> List[cst.BaseSmallStatement]:
    kept = [n for o, n in zip(old, new) if id(o) not in deletes]
    if kept and len(kept) < len(new):
        kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    return kept


def _anchors(statement: cst.BaseStatement) -> Sequence[cst.CSTNode]:
    """The nodes an insertion after this statement may be keyed on."""
    if isinstance(statement, cst.SimpleStatementLine):
        return [statement, *statement.body]
    return [statement]


def rewrite_indented_block(
    original: cst.IndentedBlock, updated: cst.IndentedBlock, plan: BodyPlan
) -> cst.IndentedBlock:
    body, carried = rewrite_block(original.body, updated.body, plan)
    if not body:
        # A block cannot be empty; the comments of what was deleted stay above the pass.
        body = [cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=carried)]
        carried = []
    return updated.with_changes(body=body, footer=_footer(carried, updated.footer))


def rewrite_module(original: cst.Module, updated: cst.Module, plan: BodyPlan) -> cst.Module:
    body, carried = rewrite_block(original.body, updated.body, plan)
    return updated.with_changes(body=body, footer=_footer(carried, updated.footer))


def rewrite_suite(
    original: cst.SimpleStatementSuite, updated: cst.SimpleStatementSuite, plan: BodyPlan
) -> cst.SimpleStatementSuite:
    """A one-line block (``if x: a(); b()``): only deletions are planned here."""
    small = _without_deleted_small(original.body, updated.body, plan.deletes)
    return updated.with_changes(body=small or [cst.Pass()])


def _footer(
    carried: Sequence[cst.EmptyLine], footer: Sequence[cst.EmptyLine]
) -> List[cst.EmptyLine]:
    if any(line.comment for line in carried):
        return merge_leading_lines(carried, footer)
    return list(footer)
