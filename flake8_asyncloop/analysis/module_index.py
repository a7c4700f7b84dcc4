"""A cheap index of a module's top level, built before the walk.

Rules sometimes need what is defined *below* the current point (a fixture defined after the
test that requests it). Reading the module body and class bodies is enough for that; it is
not a second walk of the tree. The module-level statements are listed once here, and the
facts several analyses need about them (imports, fixture decorators) are worked out once.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from flake8_asyncloop.analysis.names import ImportTable, module_level_statements
from flake8_asyncloop.analysis.testcode import FixtureSpec, fixture_spec, marks_in, pytestmark_value

FunctionNode = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass
class ModuleIndex:
    functions: Dict[str, ast.AST] = field(default_factory=dict)
    classes: Dict[str, ast.ClassDef] = field(default_factory=dict)
    # fixture name -> every (def, spec) defining it, module level and in classes
    fixtures: Dict[str, List[Tuple[ast.AST, FixtureSpec]]] = field(default_factory=dict)
    # module-level ``pytestmark`` marks: (mark name, node)
    pytestmark: List[Tuple[str, ast.AST]] = field(default_factory=list)
    # the statements run at import time (see ``module_level_statements``), in source order
    statements: List[ast.stmt] = field(default_factory=list)
    # every module-level import, as seen from the module's top level; shared: a user that
    # pushes a frame pops it before it returns
    imports: ImportTable = field(default_factory=ImportTable)
    # def -> its fixture spec (None: not a fixture), for the defs indexed above
    specs: Dict[ast.AST, Optional[FixtureSpec]] = field(default_factory=dict)
    # what analyses derive from the index, once per file (``async_runners.module_runners``)
    derived: Dict[str, Any] = field(default_factory=dict)
    # (first line, last line) of each top-level ``if __name__ == "__main__":`` body: code
    # that runs only when the file is run as a script, never when pytest imports it
    script_blocks: List[Tuple[int, int]] = field(default_factory=list)
    # (first line, last line) of each module-level branch that runs only on Python 3.8 or
    # older (``if sys.version_info < (3, 8):``): no Python this tool supports runs it
    old_python_blocks: List[Tuple[int, int]] = field(default_factory=list)

    @classmethod
    def build(cls, tree: ast.Module, imports: Optional[ImportTable] = None) -> "ModuleIndex":
        """The index of ``tree``; ``imports``, when given, must hold exactly its module-level
        imports (the index then shares it)."""
        statements = list(module_level_statements(tree.body))
        if imports is None:
            imports = ImportTable.of_statements(statements)
        index = cls(statements=statements, imports=imports)
        for statement in tree.body:
            if isinstance(statement, ast.If) and is_main_guard(statement.test):
                index.script_blocks.append(_lines_of(statement.body))
        for statement in statements:
            if isinstance(statement, ast.If):
                dead = _branch_for_old_python(statement)
                if dead:
                    index.old_python_blocks.append(_lines_of(dead))
            elif isinstance(statement, FunctionNode):
                index.functions[statement.name] = statement
                index._add_fixture(statement, imports)
            elif isinstance(statement, ast.ClassDef):
                index.classes[statement.name] = statement
                for member in statement.body:
                    if isinstance(member, FunctionNode):
                        index._add_fixture(member, imports)
            else:
                added = pytestmark_value(statement)
                if added is not None:
                    index.pytestmark.extend(marks_in(added, imports))
        return index

    def in_script_block(self, node: ast.AST) -> bool:
        """Whether ``node`` is in code that runs only when the file is run as a script."""
        line = node.lineno  # type: ignore[attr-defined]
        return any(first <= line <= last for first, last in self.script_blocks)

    def runs_only_on_old_python(self, line: int) -> bool:
        """Whether ``line`` is in a module-level branch for Python 3.8 or older."""
        return any(first <= line <= last for first, last in self.old_python_blocks)

    def _add_fixture(self, func: ast.AST, imports: ImportTable) -> None:
        spec = self.specs[func] = fixture_spec(func, imports)
        if spec is not None:
            self.fixtures.setdefault(spec.name, []).append((func, spec))


def is_main_guard(test: ast.AST) -> bool:
    """``__name__ == "__main__"``, either way round."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    has_name = any(isinstance(side, ast.Name) and side.id == "__name__" for side in sides)
    has_main = any(isinstance(side, ast.Constant) and side.value == "__main__" for side in sides)
    return has_name and has_main


# The oldest Python this tool runs on: a branch only older ones take is dead code here.
_OLDEST_SUPPORTED = (3, 9)


def _branch_for_old_python(statement: ast.If) -> List[ast.stmt]:
    """The branch of ``if sys.version_info <op> (3, N):`` that only Pythons older than 3.9
    take (the body of ``< (3, 8)``, the ``else`` of ``>= (3, 9)``); empty when neither."""
    test = statement.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return []
    if not _is_version_info(test.left):
        return []
    bound = _version_tuple(test.comparators[0])
    if bound is None:
        return []
    op = test.ops[0]
    if isinstance(op, ast.Lt) and bound <= _OLDEST_SUPPORTED:
        return statement.body
    if isinstance(op, ast.LtE) and bound < _OLDEST_SUPPORTED:
        return statement.body
    if isinstance(op, ast.GtE) and bound <= _OLDEST_SUPPORTED:
        return statement.orelse
    if isinstance(op, ast.Gt) and bound < _OLDEST_SUPPORTED:
        return statement.orelse
    return []


def _is_version_info(node: ast.AST) -> bool:
    """``sys.version_info`` or ``sys.version_info[:2]``."""
    if isinstance(node, ast.Subscript):
        node = node.value
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "version_info"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    )


def _version_tuple(node: ast.AST) -> Optional[Tuple[int, ...]]:
    if not isinstance(node, ast.Tuple) or not node.elts:
        return None
    parts = [e.value for e in node.elts if isinstance(e, ast.Constant)]
    if len(parts) != len(node.elts) or not all(type(part) is int for part in parts):
        return None
    return tuple(parts)


def _lines_of(statements: List[ast.stmt]) -> Tuple[int, int]:
    last = statements[-1]
    return statements[0].lineno, last.end_lineno or last.lineno
