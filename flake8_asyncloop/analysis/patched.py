"""Whether a test may have replaced a function before calling it: a patch target in reach.

``with patch("asyncio.create_task") as fake:``, ``@patch.object(asyncio, "create_task")``
or ``monkeypatch.setattr(asyncio, "create_task", fake)`` all name the function in a string.
A call under such a patch reaches the stand-in, not the function a rule knows.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from flake8_asyncloop.analysis import scopes

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState


def patched_in_reach(file: "FileState", name: str) -> bool:
    """Whether a string in the outermost def around the current point (its decorators
    included), or in the decorators of a class around it, names ``name`` as a patch target
    does: the name alone, or a dotted path that ends in it. Asked only before a finding."""
    scope: Optional[scopes.Scope] = file.scope
    while scope is not None:
        if scope.kind == scopes.CLASS:
            decorators = scope.node.decorator_list  # type: ignore[attr-defined]
            if any(_names(decorator, name) for decorator in decorators):
                return True
        scope = scope.parent
    outermost = outermost_def(file)
    return outermost is not None and _names(outermost, name)


def outermost_def(file: "FileState") -> Optional[ast.AST]:
    """The outermost def around the current point of the walk (a test, a fixture, a
    helper); None at module or class level."""
    scope: Optional[scopes.Scope] = file.scope
    outermost = None
    while scope is not None:
        if scope.kind == scopes.FUNCTION:
            outermost = scope.node
        scope = scope.parent
    return outermost


def _names(tree: ast.AST, name: str) -> bool:
    suffix = "." + name
    for node in ast.walk(tree):
        if node.__class__ is ast.Constant:
            value = node.value  # type: ignore[attr-defined]
            if value.__class__ is str and (value == name or value.endswith(suffix)):
                return True
    return False
