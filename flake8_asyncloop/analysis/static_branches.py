"""Branches of an ``if`` or a conditional expression (and ``except`` clauses) that can never
run, as the source says.

Code generated for both a sync and an async flavour keeps the other flavour's branch behind a
constant: ``if True:  # ASYNC ... else: ...`` (psycopg), or a module flag
``_IS_SYNC = False`` and ``if _IS_SYNC: ...`` (pymongo). What such a branch calls never
happens, so nothing in it is reported. Only what cannot change is read: a literal, an
upper-case module name bound once, at module level, to ``True`` or ``False`` (a flag that
code elsewhere rebinds with ``global`` hides findings here rather than inventing any), or a
comparison of ``sys.version_info`` that every supported Python answers alike (a branch for
Python 3.8 and older, ``if sys.version_info < (3, 8):``).
"""

from __future__ import annotations

import ast
from collections import Counter
from typing import TYPE_CHECKING, Dict, Iterable, Optional, Tuple, Union

from flake8_asyncloop.analysis.names import module_bindings

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

BODY, ORELSE = "body", "orelse"
_FLAGS = "static_branches.flags"


def dead_branch(node: Union[ast.If, ast.IfExp], file: "FileState") -> Optional[str]:
    """``"body"`` or ``"orelse"``: the branch of ``node`` that never runs; None: either may."""
    value = _static_value(node.test, file)
    if value is None:
        return None
    return ORELSE if value else BODY


def _static_value(test: ast.AST, file: "FileState") -> Optional[bool]:
    """The truth of ``test`` when the source fixes it: a literal, a module flag, and ``not``,
    ``and`` and ``or`` of them (``_IS_SYNC and connect`` is false whatever ``connect`` is)."""
    # ``not`` chains are unwound in a loop: the parser accepts thousands of them in a row.
    negated = False
    while test.__class__ is ast.UnaryOp and test.op.__class__ is ast.Not:  # type: ignore
        negated = not negated
        test = test.operand  # type: ignore[attr-defined]
    value = _plain_value(test, file)
    return None if value is None else value != negated


def _plain_value(test: ast.AST, file: "FileState") -> Optional[bool]:
    test_type = test.__class__
    if test_type is ast.Constant:
        return bool(test.value)  # type: ignore[attr-defined]
    if test_type is ast.Name:
        name = test.id  # type: ignore[attr-defined]
        function = file.function
        if function is not None and name in function.params:
            return None
        return module_flags(file).get(name)
    if test_type is ast.Compare:
        return _version_check(test)  # type: ignore[arg-type]
    if test_type is ast.BoolOp:
        # ``and`` is false if any operand is; ``or`` true if any is. Operands nest only
        # through parentheses, which the parser limits to a few hundred levels.
        deciding = test.op.__class__ is ast.Or  # type: ignore[attr-defined]
        values = [_static_value(operand, file) for operand in test.values]  # type: ignore
        if deciding in values:
            return deciding
        if all(value is not None for value in values):
            return not deciding
    return None


# The oldest Python this tool runs on, and the suites it checks with it: a comparison of
# ``sys.version_info`` that holds, or fails, on every Python from it on is fixed.
_OLDEST_SUPPORTED = (3, 9)


def _version_check(test: ast.Compare) -> Optional[bool]:
    """The truth of ``sys.version_info <op> (3, N)`` where it is the same on every
    supported Python: ``< (3, 8)`` is false, ``>= (3, 9)`` true; None for ``< (3, 10)``."""
    if len(test.ops) != 1 or not _is_version_info(test.left):
        return None
    bound = _version_tuple(test.comparators[0])
    if bound is None:
        return None
    op = test.ops[0].__class__
    if op is ast.Lt and bound <= _OLDEST_SUPPORTED:
        return False
    if op is ast.LtE and bound < _OLDEST_SUPPORTED:
        return False
    if op is ast.GtE and bound <= _OLDEST_SUPPORTED:
        return True
    if op is ast.Gt and bound < _OLDEST_SUPPORTED:
        return True
    return None


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


def module_flags(file: "FileState") -> Dict[str, bool]:
    """Upper-case module names bound once at module level, to ``True`` or ``False``."""
    derived = file.module.derived
    flags = derived.get(_FLAGS)
    if flags is None:
        flags = derived[_FLAGS] = _flags(file.module.statements, file.tree)
    return flags  # type: ignore[no-any-return]


def _flags(statements: Iterable[ast.stmt], tree: ast.Module) -> Dict[str, bool]:
    values: Dict[str, bool] = {}
    for statement in statements:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign):
            target, value = statement.target, statement.value  # type: ignore[assignment]
        else:
            continue
        if (
            isinstance(target, ast.Name)
            and target.id.isupper()
            and isinstance(value, ast.Constant)
            and isinstance(value.value, bool)
        ):
            values[target.id] = value.value
    if not values:
        return values
    bindings = Counter(
        name for name, _, _ in module_bindings(tree) if name in values or name == "*"
    )
    if bindings["*"]:
        return {}  # ``from x import *`` may bind any of them again
    return {name: value for name, value in values.items() if bindings[name] == 1}


# asyncio names every Python this tool runs on has (3.9+): a ``try`` that only looks them up
# is a probe for Python 3.6 and older, and its ``except AttributeError`` fallback never runs.
_ASYNCIO_SINCE_37 = frozenset(
    {"run", "get_running_loop", "create_task", "current_task", "all_tasks", "to_thread"}
)
_PROBE_ERRORS = frozenset({"AttributeError", "ImportError", "ModuleNotFoundError", "NameError"})


def dead_handlers(node: ast.Try, file: "FileState") -> bool:
    """True when the ``except`` clauses of ``node`` never run: its body only looks up asyncio
    names older than any supported Python (``runner = asyncio.run``, ``from asyncio import
    get_running_loop``), and every clause catches only the errors a missing name raises."""
    if not node.body or not node.handlers:
        return False
    for handler in node.handlers:
        caught = handler.type
        names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
        if not names or not all(
            isinstance(name, ast.Name) and name.id in _PROBE_ERRORS for name in names
        ):
            return False
    return all(_probes_asyncio(statement, file) for statement in node.body)


def _probes_asyncio(statement: ast.stmt, file: "FileState") -> bool:
    if isinstance(statement, ast.ImportFrom):
        return statement.module == "asyncio" and not statement.level and all(
            alias.name in _ASYNCIO_SINCE_37 for alias in statement.names
        )
    if isinstance(statement, (ast.Assign, ast.Expr)):
        value = statement.value
        if isinstance(value, ast.Call) and not value.args and not value.keywords:
            value = value.func  # ``asyncio.get_running_loop()`` probes by calling
        qualified = file.resolve(value) if isinstance(value, ast.Attribute) else None
        if qualified is None:
            return False
        module, _, name = qualified.rpartition(".")
        return module == "asyncio" and name in _ASYNCIO_SINCE_37
    return False
