"""Alias-aware resolution of names to the dotted names they were imported as.

``import asyncio as aio`` makes ``aio.get_event_loop`` resolve to ``asyncio.get_event_loop``;
``from asyncio import get_event_loop`` makes the bare name resolve to the same thing.
"""

from __future__ import annotations

import ast
from typing import AbstractSet, Dict, Iterable, Iterator, List, Optional, Set, Tuple


def dotted_name(node: ast.AST) -> Optional[str]:
    """The written dotted name of ``a.b.c`` (no alias resolution), else None."""
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def last_name(node: ast.AST) -> str:
    """``fetch`` for ``helpers.fetch`` and for ``fetch``; empty for anything else."""
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def may_end_with(func: ast.AST, last_names: AbstractSet[str]) -> bool:
    """False when ``func`` cannot resolve to a qualified name ending in one of
    ``last_names``: ``a.b.c`` resolves to a name that ends in ``c``. A bare name may be an
    alias of anything (``from asyncio import run as go``), so it may. A cheap test before
    ``resolve`` on the calls of a module, most of which end otherwise."""
    return func.__class__ is not ast.Attribute or func.attr in last_names  # type: ignore


def imports_in(node: ast.AST) -> Iterator[Dict[str, str]]:
    """Yield ``{local name: qualified name}`` for one import statement."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                yield {alias.asname: alias.name}
            else:
                # ``import a.b`` binds ``a``; ``a.b.c`` then resolves through the attribute chain.
                head = alias.name.split(".", 1)[0]
                yield {head: head}
    elif isinstance(node, ast.ImportFrom):
        module = "." * (node.level or 0) + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                continue
            yield {alias.asname or alias.name: f"{module}.{alias.name}"}


_UNKNOWN = object()  # not resolved yet (None is an answer)
_IMPORT_NODES = (ast.Import, ast.ImportFrom)


class ImportTable:
    """Imports visible at the current point of the walk: the module's, then each enclosing def's."""

    def __init__(self) -> None:
        self._frames: List[Dict[str, str]] = [{}]
        # Several rules resolve the same node; answers hold until the visible imports change.
        self._resolved: Dict[int, Optional[str]] = {}
        # Local names imported under another last name (``from asyncio import run as go``,
        # ``import numpy as np``), ever, in any frame: the only bare names whose resolved
        # last part differs from the name itself.
        self.renamed: Set[str] = set()

    def add(self, statement: ast.AST) -> None:
        frame = self._frames[-1]
        self._resolved.clear()
        for binding in imports_in(statement):
            frame.update(binding)
            self._note_renamed(binding)

    def _note_renamed(self, binding: Dict[str, str]) -> None:
        for local, qualified in binding.items():
            if qualified.rpartition(".")[2] != local:
                self.renamed.add(local)

    def add_module_imports(self, statements: Iterable[ast.stmt]) -> None:
        """Record imports anywhere at module level, so a def above an import still sees it."""
        self._add_imports(module_level_statements(statements))

    def _add_imports(self, statements: Iterable[ast.stmt]) -> None:
        frame = self._frames[0]
        for statement in statements:
            if isinstance(statement, _IMPORT_NODES):
                for binding in imports_in(statement):
                    frame.update(binding)
                    self._note_renamed(binding)
        self._resolved.clear()

    @classmethod
    def of_statements(cls, statements: Iterable[ast.stmt]) -> "ImportTable":
        """The module's imports, from its module-level statements already listed (see
        ``module_level_statements``)."""
        table = cls()
        table._add_imports(statements)
        return table

    def copy(self) -> "ImportTable":
        """A table of the same module-level imports (not those of the defs the walk is in),
        free to change on its own."""
        table = ImportTable()
        table._frames[0].update(self._frames[0])
        table.renamed.update(self.renamed)
        if len(self._frames) == 1:
            table._resolved.update(self._resolved)  # the same names answer the same
        return table

    def push(self) -> None:
        self._frames.append({})

    def pop(self) -> None:
        if self._frames.pop():
            self._resolved.clear()

    def lookup(self, name: str) -> Optional[str]:
        for frame in reversed(self._frames):
            qualified = frame.get(name)
            if qualified is not None:
                return qualified
        return None

    def resolve(self, node: ast.AST) -> Optional[str]:
        """The qualified dotted name ``node`` refers to, or None if it is not an imported name."""
        key = id(node)
        answer = self._resolved.get(key, _UNKNOWN)
        if answer is _UNKNOWN:
            answer = self._resolved[key] = self._resolve(node)
        return answer  # type: ignore[return-value]

    def _resolve(self, node: ast.AST) -> Optional[str]:
        # The head first: most chains (``self.client.get``) start with no imported name.
        attributes: List[str] = []
        while node.__class__ is ast.Attribute:
            attributes.append(node.attr)  # type: ignore[attr-defined]
            node = node.value  # type: ignore[attr-defined]
        if node.__class__ is not ast.Name:
            return None
        qualified = self.lookup(node.id)  # type: ignore[attr-defined]
        if qualified is None or not attributes:
            return qualified
        attributes.append(qualified)
        return ".".join(reversed(attributes))

    def alias_for(self, qualified: str) -> Optional[str]:
        """How this module can spell ``qualified`` (e.g. ``aio.get_running_loop``), if it can."""
        module, _, attr = qualified.rpartition(".")
        for frame in reversed(self._frames):
            for local, target in frame.items():
                if target == qualified:
                    return local
                if target == module and attr:
                    return f"{local}.{attr}"
        return None


def module_level_statements(statements: Iterable[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements executed at import time: the body, and the bodies of module-level if/try/with."""
    stack = list(statements)
    stack.reverse()
    while stack:
        statement = stack.pop()
        yield statement
        blocks = _BLOCKS.get(statement.__class__)
        if blocks is not None:
            nested: List[ast.stmt] = []
            for block in blocks:
                nested += getattr(statement, block)
            for handler in getattr(statement, "handlers", ()):
                nested += handler.body
            stack.extend(reversed(nested))


# The statement lists of a block statement, in the order they are listed (a try's handlers
# come last); looked up by type, since most statements are none of these.
_BLOCKS = {
    ast.If: ("body", "orelse"),
    ast.For: ("body", "orelse"),
    ast.While: ("body", "orelse"),
    ast.With: ("body",),
    ast.AsyncWith: ("body",),
    ast.Try: ("body", "orelse", "finalbody"),
}
if hasattr(ast, "TryStar"):  # Python 3.11+
    _BLOCKS[ast.TryStar] = _BLOCKS[ast.Try]  # type: ignore[attr-defined]


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# Their targets are local to them; a walrus inside one binding a function's name is not sought.
_SKIPPED = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def module_bindings(tree: ast.Module) -> Iterator[Tuple[str, ast.AST, str]]:
    """(name, binding node, name in the source module for an import) for each binding of a
    module-level name, in source order; ``*`` for a star import."""
    stack: List[ast.AST] = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        if isinstance(node, _SCOPES):
            yield node.name, node, ""
            continue
        if isinstance(node, _SKIPPED):
            continue
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                yield node.id, node, ""
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield from _import_bindings(node)
            continue
        bound = getattr(node, "name", None)  # except ... as name, match captures
        if isinstance(bound, str):
            yield bound, node, ""
        rest = getattr(node, "rest", None)  # match {**rest}
        if isinstance(rest, str):
            yield rest, node, ""
        children = list(ast.iter_child_nodes(node))
        stack.extend(reversed(children))


def _import_bindings(node: ast.AST) -> Iterator[Tuple[str, ast.AST, str]]:
    for alias in node.names:  # type: ignore[attr-defined]
        if alias.name == "*":
            yield "*", node, ""
        elif isinstance(node, ast.Import):
            yield alias.asname or alias.name.partition(".")[0], node, ""
        else:
            yield alias.asname or alias.name, node, alias.name
