"""AddImport: make sure a module (or a name from it) is imported, once, next to the imports.

A standard-library import joins the module's standard-library imports where isort would
put it (plain imports first, then ``from`` imports, each in module order); without any, it
opens a block of its own above the other imports. Any other import goes after the last
module-level import.
"""

from __future__ import annotations

from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

import libcst as cst

from flake8_asyncloop.findings import AddImport
from flake8_asyncloop.fixer.bodies import BodyPlan, body_start, parse_statements
from flake8_asyncloop.stdlib_modules import in_standard_library


def plan_imports(module: cst.Module, wanted: Iterable[AddImport], plan: BodyPlan) -> None:
    """Plan the imports in ``wanted`` the module lacks."""
    present = set(_imported(module))
    missing: List[AddImport] = []
    for request in wanted:
        if _key(request) not in present and request not in missing:
            missing.append(request)
    if not missing:
        return
    statements = [parse_statements(_import_code(request))[0] for request in missing]
    last_import = _last_import_index(module.body)
    if last_import is None:
        # No import yet: open an import block after the docstring, set off by blank lines.
        index = body_start(module.body)
        if index:  # after a docstring
            statements[0] = statements[0].with_changes(leading_lines=[cst.EmptyLine()])
        plan.insert_before(index, statements)
        if index < len(module.body):
            _space_out(module.body[index], plan)
        return
    for request, statement in zip(missing, statements):
        if not in_standard_library(request.module) or not _place_in_stdlib_block(
            module.body, request, statement, plan
        ):
            plan.insert_before(last_import + 1, [statement])


def _place_in_stdlib_block(
    body: Sequence[cst.BaseStatement], request: AddImport, statement: cst.BaseStatement,
    plan: BodyPlan,
) -> bool:
    """Plan ``statement`` among the standard-library imports at the top of the module;
    False when the imports there are not one-statement lines this can read."""
    imports = [(i, _import_order(s)) for i, s in enumerate(body)]
    readable = [(i, order) for i, order in imports if order is not None]
    if not readable:
        return False
    wanted = (0 if request.name is None else 1, request.module.lower())
    stdlib = [
        (i, order) for i, order in readable
        if order[1] != "__future__" and in_standard_library(order[1])
    ]
    if not stdlib:
        # A section of its own above the first import (after any ``__future__`` import).
        first = next((i for i, order in readable if order[1] != "__future__"), None)
        if first is None:
            return False
        _insert_before(body, first, statement, plan)
        plan.spacing[id(body[first])] = 1
        return True
    for index, order in stdlib:
        if order > wanted:
            _insert_before(body, index, statement, plan)
            return True
    plan.insert_before(stdlib[-1][0] + 1, [statement])
    return True


def _insert_before(
    body: Sequence[cst.BaseStatement], index: int, statement: cst.BaseStatement, plan: BodyPlan
) -> None:
    """Insert ``statement`` above ``body[index]``, taking over the blank lines and comments
    above that statement."""
    following = body[index]
    plan.insert_before(index, [statement.with_changes(leading_lines=following.leading_lines)])
    plan.without_leading_lines.add(id(following))


def _import_order(statement: cst.BaseStatement) -> Optional[Tuple[int, str]]:
    """isort's order of a one-import line: (0 for ``import m``, 1 for ``from m import``,
    the module); None for anything else."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Import):
        return (0, _dotted(small.names[0].name).lower())
    if isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None:
        return (1, _dotted(small.module).lower())
    return None


def _import_code(request: AddImport) -> str:
    if request.name is None:
        return f"import {request.module}"
    return f"from {request.module} import {request.name}"


def _key(request: AddImport) -> tuple:
    return (request.module, request.name)


def _imported(module: cst.Module) -> Iterator[tuple]:
    """Keys of what the module imports at module level (aliases count: the name is bound)."""
    for statement in _module_level_small_statements(module.body):
        if isinstance(statement, cst.Import):
            for alias in statement.names:
                dotted = _dotted(alias.name)
                # `import a.b` binds `a` too, so it provides `import a`.
                parts = dotted.split(".")
                for end in range(1, len(parts) + 1):
                    yield (".".join(parts[:end]), None)
        elif isinstance(statement, cst.ImportFrom) and statement.module is not None:
            if statement.relative:
                continue
            source = _dotted(statement.module)
            if isinstance(statement.names, cst.ImportStar):
                continue
            for alias in statement.names:
                yield (source, _dotted(alias.name))


def _module_level_small_statements(body: Sequence[cst.BaseStatement]) -> Iterator[cst.CSTNode]:
    """Small statements run at import time, including those in module-level if/try/with."""
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            yield from statement.body
        elif (
            isinstance(statement, (cst.If, cst.Try, cst.With))
            or type(statement).__name__ == "TryStar"
        ):
            for block in _blocks(statement):
                if isinstance(block, cst.IndentedBlock):
                    yield from _module_level_small_statements(block.body)
                elif isinstance(block, cst.SimpleStatementSuite):
                    yield from block.body


def _blocks(statement: cst.CSTNode) -> Iterator[cst.BaseSuite]:
    body = getattr(statement, "body", None)
    if isinstance(body, cst.BaseSuite):
        yield body
    for handler in getattr(statement, "handlers", ()):
        yield handler.body
    for attribute in ("orelse", "finalbody"):
        clause = getattr(statement, attribute, None)
        if isinstance(clause, cst.If):  # elif
            yield from _blocks(clause)
        elif clause is not None:
            yield clause.body


def _dotted(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _last_import_index(body: Sequence[cst.BaseStatement]) -> Optional[int]:
    last = None
    for index, statement in enumerate(body):
        if isinstance(statement, cst.SimpleStatementLine) and any(
            isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
        ):
            last = index
    return last


def _space_out(following: cst.BaseStatement, plan: BodyPlan) -> None:
    """Give the code after a new import block the blank lines PEP 8 asks for."""
    if following.leading_lines and not following.leading_lines[0].comment:
        return
    wanted = 2 if isinstance(following, (cst.FunctionDef, cst.ClassDef)) else 1
    plan.spacing[id(following)] = wanted
