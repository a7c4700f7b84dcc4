"""Whether ``asyncio.run(main())`` keeps what it makes to itself: ``main`` is the module's
own ``async def`` and stores nothing on objects that outlive the run. A run like that leaves
no loop-bound object behind for code on other loops to meet (ALP106, ALP304)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, List, Set

from flake8_asyncloop.analysis import scopes

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState


def runs_self_contained_coroutine(run: ast.Call, file: "FileState") -> bool:
    """``asyncio.run(main())`` where ``main`` is the module's own ``async def`` and neither
    declares ``global`` or ``nonlocal`` nor assigns to an attribute or an item of anything
    but an object it made itself: what it makes stays inside it."""
    if len(run.args) != 1 or not isinstance(run.args[0], ast.Call):
        return False
    callee = run.args[0].func
    if not isinstance(callee, ast.Name):
        return False
    function = file.module.functions.get(callee.id)
    if not isinstance(function, ast.AsyncFunctionDef):
        return False
    stored_on: List[ast.AST] = []
    for node in ast.walk(function):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            return False
        targets: List[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        stored_on.extend(t for t in targets if isinstance(t, (ast.Attribute, ast.Subscript)))
    if not stored_on:
        return True
    made_here = _names_of_new_objects(function)
    return all(_base_name(target) in made_here for target in stored_on)


def _names_of_new_objects(function: ast.AsyncFunctionDef) -> Set[str]:
    """Names that ``function`` binds only to objects it makes: an instance of a class
    (``proxy = Proxy()``, ``mock = MagicMock()``: a capitalised callee) or a literal list,
    dict or set. A name bound any other way, or a parameter, may be an object shared
    with the rest of the module."""
    fresh: Set[str] = set()
    other: Set[str] = set(scopes.parameter_names(function.args))
    assigned: Set[int] = set()  # the Name targets of ``name = value``, read here
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                (fresh if _makes_new_object(node.value) else other).add(target.id)
                assigned.add(id(target))
                continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            if id(node) not in assigned:
                other.add(node.id)  # any other binding: for, with, unpacking, del...
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            other.add(node.name)
        elif isinstance(node, ast.alias):
            other.add((node.asname or node.name).split(".")[0])
    return fresh - other


def _makes_new_object(value: ast.AST) -> bool:
    if isinstance(value, (ast.List, ast.Dict, ast.Set)):
        return True
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    if isinstance(func, ast.Attribute) and func.attr == "__new__":
        func = func.value  # ``Proxy.__new__(Proxy)``
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return name[:1].isupper()


def _base_name(target: ast.AST) -> str:
    """``proxy`` for ``proxy.a.b = ...`` and ``proxy["k"] = ...``; empty for anything else."""
    while isinstance(target, (ast.Attribute, ast.Subscript)):
        target = target.value
    return target.id if isinstance(target, ast.Name) else ""
