"""The scope the walk is in: module, class body, or a def (sync, async or lambda).

A sync def nested in an async def is sync; a lambda is never async.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, FrozenSet, Optional

from flake8_asyncloop.analysis.testcode import FixtureSpec

if TYPE_CHECKING:
    from flake8_asyncloop.analysis.async_runners import MarkSet

MODULE = "module"
CLASS = "class"
FUNCTION = "function"
LAMBDA = "lambda"

TEST = "test"
FIXTURE = "fixture"
HELPER = "helper"


@dataclass
class Scope:
    kind: str
    node: ast.AST
    parent: Optional["Scope"] = None
    is_async: bool = False
    role: str = ""  # TEST, FIXTURE or HELPER for defs
    fixture: Optional[FixtureSpec] = None
    class_kind: str = ""  # for CLASS scopes: see testcode.class_kind
    collected: bool = False  # for CLASS scopes: a pytest-style class pytest collects
    # What async_runners reads once: a class's marks (owner_marks), a def's own (def_marks).
    marks: Optional["MarkSet"] = None
    params: FrozenSet[str] = frozenset()
    # Names bound in this scope to the qualified call that produced them ("asyncio.get_event_loop").
    bindings: Dict[str, str] = field(default_factory=dict)

    @property
    def is_function(self) -> bool:
        return self.kind in (FUNCTION, LAMBDA)

    @property
    def at_import_time(self) -> bool:
        """Module and class bodies run when the module is imported."""
        return self.kind in (MODULE, CLASS)

    def function(self) -> Optional["Scope"]:
        """The innermost def or lambda this scope is in (itself included)."""
        scope: Optional[Scope] = self
        while scope is not None and not scope.is_function:
            scope = scope.parent
        return scope

    def enclosing_class(self) -> Optional["Scope"]:
        """The class whose body directly holds this def, if any."""
        return self.parent if self.parent is not None and self.parent.kind == CLASS else None

    def binding(self, name: str) -> Optional[str]:
        """What ``name`` was last bound to in the nearest scope that binds it."""
        scope: Optional[Scope] = self
        while scope is not None:
            if name in scope.bindings:
                return scope.bindings[name]
            if name in scope.params:
                return None
            scope = scope.parent
            while scope is not None and scope.kind == CLASS:
                scope = scope.parent  # class bodies do not enclose their methods' names
        return None


def parameter_names(args: ast.arguments) -> FrozenSet[str]:
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    if args.vararg:
        names.append(args.vararg.arg)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return frozenset(names)
