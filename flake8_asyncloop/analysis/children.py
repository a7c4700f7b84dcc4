"""Which fields of a node can hold child nodes: the one answer every hand-rolled walk uses.

``ast.iter_child_nodes`` is a generator that also yields the Load/Store contexts and the
operator singletons, which are most of a tree's nodes and never interest a rule; walking by
these fields instead is the cheap way through a tree.
"""

from __future__ import annotations

import ast
from typing import Dict, Iterator, List, Tuple

# Fields that never hold a node a rule listens to: names, flags, and the Load/Store contexts
# and operator singletons.
_SCALAR_FIELDS = frozenset(
    {"ctx", "op", "ops", "id", "attr", "name", "arg", "module", "level", "kind", "type_comment",
     "is_async", "conversion", "lineno", "col_offset", "end_lineno", "end_col_offset"}
)
# Filled as types are met; hot loops may read it directly before calling child_fields().
CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {}


def child_fields(node_type: type) -> Tuple[str, ...]:
    """The fields of ``node_type`` that can hold child nodes, last first."""
    fields = CHILD_FIELDS.get(node_type)
    if fields is None:
        all_fields = node_type._fields  # type: ignore[attr-defined]
        names = [f for f in all_fields if f not in _SCALAR_FIELDS]
        if node_type is ast.Constant:
            names = []
        fields = CHILD_FIELDS[node_type] = tuple(reversed(names))
    return fields


_NEW_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def own_body_nodes(func: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's body in source order, not entering nested defs or classes."""
    stack: List[ast.AST] = list(reversed(func.body))  # type: ignore[attr-defined]
    pop, push, AST = stack.pop, stack.append, ast.AST
    while stack:
        node = pop()
        yield node
        if isinstance(node, _NEW_SCOPES):
            continue
        # ast.iter_child_nodes, inlined (it is most of the cost), pushed last child first.
        for name in child_fields(type(node)):
            value = getattr(node, name, None)
            if isinstance(value, AST):
                push(value)
            elif value.__class__ is list:
                for index in range(len(value) - 1, -1, -1):
                    item = value[index]
                    if isinstance(item, AST):
                        push(item)
