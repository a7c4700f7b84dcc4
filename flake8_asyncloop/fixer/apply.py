"""Apply a batch of fixes to one source in a single libcst transform.

Each fix is planned first: its edits' nodes are found by span and each edit notes the region
of the source it rewrites. Fixes are then taken in source order, and a fix touching a region
an earlier fix already claimed waits for a later pass. The surviving edits are registered
per node and applied in one walk of the tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from flake8_asyncloop.findings import (
    AddDecorator,
    AddKeyword,
    AwaitArgument,
    DeleteStatement,
    Edit,
    Fix,
    InsertAfterStatement,
    InsertAtBodyStart,
    PositionalToKeyword,
    RemoveDecorator,
    RemoveKeyword,
    RemoveParameter,
    RenameKeyword,
    UnwrapCall,
)
from flake8_asyncloop.fixer import edits as node_edits
from flake8_asyncloop.fixer.bodies import (
    BodyPlan,
    body_start,
    parse_statements,
    rewrite_indented_block,
    rewrite_module,
    rewrite_suite,
)
from flake8_asyncloop.fixer.errors import FixError
from flake8_asyncloop.fixer.imports import plan_imports
from flake8_asyncloop.fixer.locate import Point, SourceIndex, StyleMismatch
from flake8_asyncloop.fixer.precedence import operand_slots, parenthesize, precedence
from flake8_asyncloop.fixer.runs import Run, SourceLines, file_style, select_runs

Region = Tuple[Point, Point]  # start == end for an insertion point


@dataclass(frozen=True)
class Applied:
    """The outcome of one batch: the new source and which fixes (by index) made it in."""

    source: str
    applied: Tuple[int, ...]
    deferred: Tuple[int, ...]  # overlapped an earlier fix; try again on the new source


def apply_fixes(source: str, fixes: Sequence[Fix]) -> str:
    """``source`` with ``fixes`` applied; a fix overlapping an earlier one is left out.

    Raises ``FixError`` (naming the fix) when an edit's node cannot be found.
    """
    return apply_fixes_report(source, fixes).source


def apply_fixes_report(source: str, fixes: Sequence[Fix], whole: bool = False) -> Applied:
    """Like ``apply_fixes``, also telling which fixes were applied and which deferred.

    Only the runs of top-level statements the fixes need are parsed and regenerated (see
    ``runs``); ``whole`` parses and regenerates the whole module instead (same result).
    """
    if not fixes:
        return Applied(source, (), ())
    lines = [(e.span.line, e.span.end_line) for f in fixes for e in f.edits]
    source_lines = SourceLines(source)
    index = None if whole else _index_of_runs(source, source_lines, lines, fixes)
    if index is None:
        # Only the top-level statements the edits point into are indexed.
        index = SourceIndex(source, lines)
    plans = []
    for fix in fixes:
        try:
            plans.append(_plan_fix(index, fix))
        except FixError as error:
            raise error.for_fix(fix) from error
    chosen, deferred = _choose(plans)
    operations = _Operations()
    for position in chosen:
        for _, register in plans[position]:
            register(operations)
    wanted_imports = [request for position in chosen for request in fixes[position].imports]
    if wanted_imports:
        plan_imports(index.module, wanted_imports, operations.body(index.module))
    touched = _touched(index, operations)
    rewritten: List[Run] = []
    for module, run in index.parts:
        if touched is not None and id(module) not in touched:
            continue  # nothing chosen in this run
        new_module = module.visit(_Editor(operations, touched))
        rewritten.append(Run(run.first_line, run.last_line, new_module.code))
    new_source = source_lines.splice(rewritten)
    return Applied(new_source, tuple(chosen), tuple(deferred))


def _index_of_runs(
    source: str, source_lines: SourceLines, lines: List[Tuple[int, int]], fixes: Sequence[Fix]
) -> Optional[SourceIndex]:
    """An index of the runs ``fixes`` need; None when a run would indent new code otherwise
    than the whole file."""
    try:
        runs = select_runs(source, source_lines, fixes)
    except (SyntaxError, ValueError) as error:
        raise FixError(f"the source does not parse: {error}") from None
    try:
        return SourceIndex(source, lines, runs, file_style(source))
    except StyleMismatch:
        return None


# -- planning ---------------------------------------------------------------------------------


@dataclass
class _Operations:
    """Every change to make, keyed by ``id`` of the parsed node it applies to."""

    node_edits: Dict[int, List[Edit]] = field(default_factory=dict)
    doomed_decorators: Dict[int, Set[int]] = field(default_factory=dict)
    bodies: Dict[int, BodyPlan] = field(default_factory=dict)

    def edit(self, node: cst.CSTNode, edit: Edit) -> None:
        self.node_edits.setdefault(id(node), []).append(edit)

    def body(self, container: cst.CSTNode) -> BodyPlan:
        return self.bodies.setdefault(id(container), BodyPlan())

    def targets(self) -> Set[int]:
        return {*self.node_edits, *self.doomed_decorators, *self.bodies}


def _touched(index: SourceIndex, operations: _Operations) -> Optional[Set[int]]:
    """The ids of the nodes to edit and of every node above them: the transform need not
    enter anything else. None when a target's line of parents is unknown (visit all)."""
    touched: Set[int] = set()
    roots = {id(module) for module, _ in index.parts}
    for target in operations.targets():
        key = target
        while key not in touched:
            touched.add(key)
            if key in roots:
                break
            parent = index.parent_by_id(key)
            if parent is None:
                return None
            key = id(parent)
    return touched


Register = Callable[[_Operations], None]
PlannedEdit = Tuple[Region, Register]


def _choose(plans: Sequence[Sequence[PlannedEdit]]) -> Tuple[List[int], List[int]]:
    """Fixes in source order; one that overlaps an already chosen fix is deferred."""
    order = sorted(
        range(len(plans)),
        key=lambda i: min((region[0] for region, _ in plans[i]), default=(0, 0)),
    )
    claimed: List[Region] = []
    chosen: List[int] = []
    deferred: List[int] = []
    for position in order:
        regions = [region for region, _ in plans[position]]
        if any(_overlap(mine, theirs) for mine in regions for theirs in claimed):
            deferred.append(position)
            continue
        chosen.append(position)
        claimed.extend(regions)
    return sorted(chosen), sorted(deferred)


def _overlap(first: Region, second: Region) -> bool:
    (a, b), (c, d) = first, second
    if a == b and c == d:  # two insertions at one point: their order would be a guess
        return a == c
    if a == b:
        return c < a < d
    if c == d:
        return a < c < b
    return a < d and c < b


def _plan_fix(index: SourceIndex, fix: Fix) -> List[PlannedEdit]:
    return [_plan_edit(index, edit) for edit in fix.edits]


def _plan_edit(index: SourceIndex, edit: Edit) -> PlannedEdit:
    if isinstance(edit, DeleteStatement):
        return _plan_delete(index, edit)
    if isinstance(edit, InsertAfterStatement):
        return _plan_insert_after(index, edit)
    if isinstance(edit, InsertAtBodyStart):
        return _plan_insert_at_start(index, edit)
    if isinstance(edit, RemoveDecorator):
        return _plan_remove_decorator(index, edit)
    if isinstance(edit, AddDecorator):
        definition = index.find(edit.span, (cst.FunctionDef, cst.ClassDef), "function or class")
        assert isinstance(definition, (cst.FunctionDef, cst.ClassDef))
        first = definition.decorators[0] if definition.decorators else definition
        point = index.range_of(first)[0]
        return (point, point), _register_node_edit(definition, edit)
    if isinstance(edit, RemoveParameter):
        return _plan_remove_parameter(index, edit)
    if isinstance(edit, (RemoveKeyword, RenameKeyword, PositionalToKeyword)):
        return _plan_call_argument(index, edit)
    if isinstance(edit, AddKeyword):
        call = index.find(edit.span, cst.Call, "call")
        end = index.range_of(call)[1]  # an insertion just before the closing parenthesis
        return (end, end), _register_node_edit(call, edit)
    if type(edit) in node_edits.NODE_EDITS:  # expression replacements
        node = index.find(edit.span, cst.BaseExpression, "expression")
        if not isinstance(node, cst.Call) and _needs_call(edit):
            raise FixError(f"the node at {edit.span.line}:{edit.span.col} is not a call")
        return index.range_of(node), _register_node_edit(node, edit)
    raise FixError(f"unknown edit {type(edit).__name__}")


def _needs_call(edit: Edit) -> bool:
    return isinstance(edit, (AwaitArgument, UnwrapCall))


def _register_node_edit(node: cst.CSTNode, edit: Edit) -> Register:
    return lambda operations: operations.edit(node, edit)


def _statement(index: SourceIndex, edit: Edit) -> Tuple[cst.CSTNode, cst.CSTNode]:
    """The statement at the edit's span and the block (or one-line suite) holding it."""
    node = index.find(edit.span, (cst.BaseSmallStatement, cst.BaseCompoundStatement), "statement")
    parent = index.parent(node)
    if isinstance(parent, cst.SimpleStatementLine):
        parent = index.parent(parent)
    if not isinstance(parent, (cst.IndentedBlock, cst.Module, cst.SimpleStatementSuite)):
        raise FixError("the statement is not in a block")
    return node, parent


def _plan_delete(index: SourceIndex, edit: DeleteStatement) -> PlannedEdit:
    node, container = _statement(index, edit)

    def register(operations: _Operations) -> None:
        operations.body(container).deletes.add(id(node))

    return index.range_of(node), register


def _plan_insert_after(index: SourceIndex, edit: InsertAfterStatement) -> PlannedEdit:
    node, container = _statement(index, edit)
    if isinstance(container, cst.SimpleStatementSuite):
        raise FixError("cannot insert statements into a one-line block")
    statements = parse_statements(edit.statements)
    end = index.range_of(node)[1]

    def register(operations: _Operations) -> None:
        operations.body(container).insert_after(node, statements)

    return (end, end), register


def _plan_insert_at_start(index: SourceIndex, edit: InsertAtBodyStart) -> PlannedEdit:
    function = index.find(edit.span, cst.FunctionDef, "function")
    assert isinstance(function, cst.FunctionDef)
    block = function.body
    if not isinstance(block, cst.IndentedBlock):
        raise FixError("cannot insert statements into a one-line function body")
    statements = parse_statements(edit.statement)
    position = body_start(block.body)
    if position < len(block.body):
        point = index.range_of(block.body[position])[0]
    else:
        point = index.range_of(block.body[-1])[1]

    def register(operations: _Operations) -> None:
        operations.body(block).insert_before(position, statements)

    return (point, point), register


def _plan_remove_decorator(index: SourceIndex, edit: RemoveDecorator) -> PlannedEdit:
    expression = index.find(edit.span, cst.BaseExpression, "decorator")
    decorator = index.parent(expression)
    definition = index.parent(decorator) if decorator is not None else None
    if not isinstance(decorator, cst.Decorator) or not isinstance(
        definition, (cst.FunctionDef, cst.ClassDef)
    ):
        raise FixError(f"no decorator at {edit.span.line}:{edit.span.col}")

    def register(operations: _Operations) -> None:
        operations.doomed_decorators.setdefault(id(definition), set()).add(id(decorator))

    return index.range_of(decorator), register


def _plan_remove_parameter(index: SourceIndex, edit: RemoveParameter) -> PlannedEdit:
    function = index.find(edit.span, cst.FunctionDef, "function")
    assert isinstance(function, cst.FunctionDef)
    parameters = function.params
    candidates = [
        *parameters.posonly_params,
        *parameters.params,
        parameters.star_arg,
        *parameters.kwonly_params,
        parameters.star_kwarg,
    ]
    for param in candidates:
        if isinstance(param, cst.Param) and param.name.value == edit.name:
            return index.range_of(param), _register_node_edit(function, edit)
    raise FixError(f"the function has no parameter {edit.name!r}")


def _plan_call_argument(index: SourceIndex, edit: Edit) -> PlannedEdit:
    call = index.find(edit.span, cst.Call, "call")
    assert isinstance(call, cst.Call)
    argument: Optional[cst.Arg] = None
    if isinstance(edit, (RemoveKeyword, RenameKeyword)):
        name = edit.keyword if isinstance(edit, RemoveKeyword) else edit.old
        argument = next(
            (a for a in call.args if a.keyword is not None and a.keyword.value == name), None
        )
    elif isinstance(edit, PositionalToKeyword):
        positional = [a for a in call.args if a.keyword is None and not a.star]
        argument = positional[edit.index] if edit.index < len(positional) else None
    if argument is None:
        raise FixError(f"the call at {edit.span.line}:{edit.span.col} has no such argument")
    return index.range_of(argument), _register_node_edit(call, edit)


# -- the transform ----------------------------------------------------------------------------


class _Editor(cst.CSTTransformer):
    def __init__(self, operations: _Operations, touched: Optional[Set[int]] = None) -> None:
        super().__init__()
        self._operations = operations
        self._touched = touched
        # Expressions put in place of others, held so their ids stay theirs.
        self._replaced: Dict[int, cst.CSTNode] = {}

    def on_visit(self, node: cst.CSTNode) -> bool:
        # A subtree with nothing to edit comes out as it went in: it is left unvisited.
        return self._touched is None or id(node) in self._touched

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode:
        key = id(original_node)
        result = updated_node
        doomed = self._operations.doomed_decorators.get(key)
        if doomed:
            result = node_edits.drop_decorators(original_node, result, doomed)
        pending = self._operations.node_edits.get(key, ())
        for edit in sorted(pending, key=lambda e: node_edits.ORDER[type(e)]):
            result = node_edits.NODE_EDITS[type(edit)](original_node, result, edit)
        if any(type(edit) in node_edits.REPLACEMENTS for edit in pending):
            self._replaced[id(result)] = result
        plan = self._operations.bodies.get(key)
        if plan is not None:
            result = self._rewrite_body(original_node, result, plan)
        return self._parenthesize_replaced(result)

    @staticmethod
    def _rewrite_body(original: cst.CSTNode, updated: cst.CSTNode, plan: BodyPlan) -> cst.CSTNode:
        if isinstance(original, cst.Module):
            return rewrite_module(original, updated, plan)  # type: ignore[arg-type]
        if isinstance(original, cst.IndentedBlock):
            return rewrite_indented_block(original, updated, plan)  # type: ignore[arg-type]
        if isinstance(original, cst.SimpleStatementSuite):
            return rewrite_suite(original, updated, plan)  # type: ignore[arg-type]
        raise AssertionError(f"a body plan on {type(original).__name__}")

    def _parenthesize_replaced(self, node: cst.CSTNode) -> cst.CSTNode:
        """Put parentheses around a replacement that would bind differently where it now sits."""
        if not self._replaced:
            return node
        for attribute, level in operand_slots(node):
            child = getattr(node, attribute)
            if id(child) in self._replaced and precedence(child) < level:
                node = node.with_changes(**{attribute: parenthesize(child)})
        return node
