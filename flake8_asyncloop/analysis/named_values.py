"""What a bare name stands for, where the code says so once: the value of a def's one plain
assignment, of a module's one top-level assignment, or of the one value a fixture of the
module returns (a ``database_url`` fixture handing out a URL). Read only when a rule asks
about a name, never on the walk's way."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, Iterable, Optional, Set

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.children import own_body_nodes
from flake8_asyncloop.analysis.names import module_bindings

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def named_value(
    name: ast.Name, function: Optional[ast.AST], file: "FileState"
) -> Optional[ast.AST]:
    """The expression ``name`` stands for in ``function`` (None: at module level), or None
    when it is bound more than once, in another way, or nowhere the module shows. A
    parameter of a fixture or a test stands for the value of the module's fixture of that
    name."""
    if function is not None:
        if name.id in scopes.parameter_names(function.args):  # type: ignore[attr-defined]
            return _fixture_value(name.id, file) if _gets_fixtures(function, file) else None
        if not isinstance(function, ast.Lambda):
            bindings = own_bindings(function)
            if name.id in bindings:
                return bindings[name.id]
    return module_values(file).get(name.id)


def _gets_fixtures(function: ast.AST, file: "FileState") -> bool:
    """Whether pytest fills ``function``'s parameters with fixtures: a fixture or a test."""
    if file.module.specs.get(function) is not None:
        return True
    return isinstance(function, _DEFINITIONS[:2]) and function.name.startswith("test")


def _fixture_value(fixture: str, file: "FileState") -> Optional[ast.AST]:
    """The one value the module's one fixture named ``fixture`` returns or yields; a name
    there stands for its module-level value."""
    defined = file.module.fixtures.get(fixture, ())
    if len(defined) != 1:
        return None
    values = [
        node.value
        for node in own_body_nodes(defined[0][0])
        if isinstance(node, (ast.Return, ast.Yield))
    ]
    if len(values) != 1 or values[0] is None:
        return None
    value = values[0]
    if isinstance(value, ast.Name):
        return module_values(file).get(value.id)
    return value


def module_values(file: "FileState") -> Dict[str, Optional[ast.AST]]:
    """Module-level names bound once, to the value of a plain assignment or to a def or
    class (None: bound more than once or otherwise), worked out once per file."""
    derived = file.module.derived
    values = derived.get("module_values")
    if values is None:
        values = derived["module_values"] = _module_bindings(file)
    return values  # type: ignore[no-any-return]


def _module_bindings(file: "FileState") -> Dict[str, Optional[ast.AST]]:
    return values_of_module_names(file.tree, file.module.statements)


def values_of_module_names(
    tree: ast.Module, statements: Iterable[ast.stmt]
) -> Dict[str, Optional[ast.AST]]:
    """``module_values`` of a module not being walked; ``statements`` are its module-level
    statements (``names.module_level_statements``)."""
    assigned: Dict[int, ast.AST] = {}  # target of a plain assignment -> its value
    for statement in statements:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            assigned[id(statement.targets[0])] = statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            assigned[id(statement.target)] = statement.value
    values: Dict[str, Optional[ast.AST]] = {}
    for name, node, _ in module_bindings(tree):
        value = node if isinstance(node, _DEFINITIONS) else assigned.get(id(node))
        values[name] = None if name in values else value
    return values


def own_bindings(function: ast.AST) -> Dict[str, Optional[ast.AST]]:
    """The names ``function`` binds in its own body: to the value of its one plain
    assignment (``engine = create_async_engine(...)``, annotated or not), to the def of a
    nested def, or to None (a parameter, a second binding, any other way of binding)."""
    bindings: Dict[str, Optional[ast.AST]] = {name: None for name in scopes.parameter_names(
        function.args  # type: ignore[attr-defined]
    )}

    def bind(name: str, value: Optional[ast.AST]) -> None:
        bindings[name] = None if name in bindings else value

    assigned: Set[int] = set()  # the targets of the plain assignments bound above
    for node in own_body_nodes(function):
        target = plain_assignment_target(node)
        if target is not None:
            bind(target.id, node.value)  # type: ignore[attr-defined]
            assigned.add(id(target))
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bind(node.name, node)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            if id(node) not in assigned:
                bind(node.id, None)
    return bindings


def plain_assignment_target(node: ast.AST) -> Optional[ast.Name]:
    """The name ``node`` binds when it is ``name = value`` or ``name: T = value``."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        target = node.target
    else:
        return None
    return target if isinstance(target, ast.Name) else None
