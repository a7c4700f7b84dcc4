"""Modules that are scripts, not test code, though pytest may import them.

A suite often keeps a small server or tool beside its tests, started by a test as
``python tests/upstream_app.py``. When ``python_files`` matches it (``*.py``), pytest imports
it during collection and finds no test in it: its code runs, at import, in no test's loop,
and its ``main()`` runs in a process of its own. A hand-run check named ``test_*.py`` that
ends with ``asyncio.run(test())`` is a script too: its author runs its tests, not pytest.
"""

from __future__ import annotations

import ast
from typing import Dict, List, Sequence

from flake8_asyncloop.analysis.module_index import is_main_guard
from flake8_asyncloop.analysis.names import last_name, module_level_statements
from flake8_asyncloop.analysis.testcode import (
    is_test_class_name,
    is_test_name,
    may_import_tests,
)

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Module-level names through which a module gives pytest tests, fixtures or plugins.
_PYTEST_NAMES = frozenset({"pytest_plugins", "pytestmark"})


def is_script(
    tree: ast.Module, python_functions: Sequence[str], python_classes: Sequence[str]
) -> bool:
    """A script without tests (``is_script_without_tests``), or one that runs its own
    (``runs_its_own_tests``)."""
    return is_script_without_tests(tree, python_functions, python_classes) or (
        runs_its_own_tests(tree, python_functions)
    )


def runs_its_own_tests(tree: ast.Module, python_functions: Sequence[str]) -> bool:
    """A module whose import-time code, outside any ``if __name__ == "__main__":`` block,
    calls one of its own test functions (``run(test())``, ``result =
    asyncio.run(test_ssl())``, ``test_login()``) as a statement: run by hand, its tests
    were written for the script, not for pytest. Only the module's own statements are
    looked at, and in them only the call a statement makes and that call's arguments."""
    # a name called by import-time statements -> those statements; most modules have none
    called: Dict[str, List[ast.stmt]] = {}
    for statement in module_level_statements(tree.body):
        kind = statement.__class__
        if kind is ast.Expr or kind is ast.Assign:
            call = statement.value  # type: ignore[attr-defined]
            if call.__class__ is ast.Call:
                for part in (call, *call.args):
                    if part.__class__ is ast.Call and part.func.__class__ is ast.Name:
                        called.setdefault(part.func.id, []).append(statement)
    if not called:
        return False
    guarded = {
        id(statement)
        for guard in tree.body
        if isinstance(guard, ast.If) and is_main_guard(guard.test)
        for statement in module_level_statements(guard.body)
    }
    return any(
        isinstance(definition, _FUNCTIONS)
        and any(id(statement) not in guarded for statement in called.get(definition.name, ()))
        and is_test_name(definition.name, python_functions)
        for definition in tree.body
    )


def is_script_without_tests(
    tree: ast.Module, python_functions: Sequence[str], python_classes: Sequence[str]
) -> bool:
    """A module with a top-level ``if __name__ == "__main__":`` block that defines, imports
    and inherits no test, no test class and no fixture. Cheap when there is no such block:
    only the module's own statements are looked at."""
    guards = [s for s in tree.body if isinstance(s, ast.If) and is_main_guard(s.test)]
    if not guards:
        return False
    guarded = {id(statement) for guard in guards for statement in guard.body}
    for statement in module_level_statements(tree.body):
        if id(statement) in guarded:
            continue  # run by the script alone: pytest never sees what it defines
        if isinstance(statement, _FUNCTIONS):
            if is_test_name(statement.name, python_functions) or _fixture(statement):
                return False
        elif isinstance(statement, ast.ClassDef):
            if is_test_class_name(statement.name, python_classes) or any(
                "Test" in last_name(base) for base in statement.bases
            ):
                return False  # a unittest class is collected whatever its name
        elif isinstance(statement, ast.ImportFrom):
            if any(
                may_import_tests(alias.asname or alias.name, python_functions)
                for alias in statement.names
            ):
                return False
        elif isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if any(
                isinstance(t, ast.Name)
                and (t.id in _PYTEST_NAMES or is_test_name(t.id, python_functions))
                for t in targets
            ):
                return False  # pytest's names, or a test bound by assignment
    return True


def _fixture(function: ast.AST) -> bool:
    """Whether a decorator names a fixture (``pytest.fixture``, ``pytest_asyncio.fixture``,
    ``fixture(scope=...)``) or a hook."""
    for decorator in function.decorator_list:  # type: ignore[attr-defined]
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = last_name(target)
        if "fixture" in name or name == "hookimpl":
            return True
    return function.name.startswith("pytest_")  # type: ignore[attr-defined]
