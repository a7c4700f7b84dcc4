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
            if isinstance(statement, FunctionNode):
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

    def _add_fixture(self, func: ast.AST, imports: ImportTable) -> None:
        spec = self.specs[func] = fixture_spec(func, imports)
        if spec is not None:
            self.fixtures.setdefault(spec.name, []).append((func, spec))


def is_main_guard(test: ast.AST) -> bool:
    """``__name__ == "__main__"``, either way round, alone or as a part of an ``and``
    (``__name__ == "__main__" and "--worker" in sys.argv``): the body runs only in a script."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(is_main_guard(value) for value in test.values)
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    has_name = any(isinstance(side, ast.Name) and side.id == "__name__" for side in sides)
    has_main = any(isinstance(side, ast.Constant) and side.value == "__main__" for side in sides)
    return has_name and has_main


def _lines_of(statements: List[ast.stmt]) -> Tuple[int, int]:
    last = statements[-1]
    return statements[0].lineno, last.end_lineno or last.lineno
