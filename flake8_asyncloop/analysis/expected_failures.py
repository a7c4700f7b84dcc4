"""``with`` blocks whose code runs for the exception or warning it raises, not for its result.

``pytest.raises``, ``pytest.warns``, ``pytest.deprecated_call``, ``warnings.catch_warnings``,
unittest's ``assertRaises`` and ``assertWarns`` (and their ``Regex`` forms), test.support's
``check_warnings``, ``contextlib.suppress``: matched by the last part of the context manager's
name. A test that runs a loop inside a running one under ``pytest.raises(RuntimeError)``
checks that it fails; one that drops a coroutine under ``pytest.warns`` checks the warning.
Rules whose findings say a call fails, warns or is lost stay silent there: the test wants it,
and a fix would break it.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, List

from flake8_asyncloop.rule import Component

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

_EXPECTING_WORDS = ("raise", "warn", "suppress")
_EXPECTING_NAMES = frozenset({"deprecated_call"})


def expects_failure(expr: ast.AST) -> bool:
    """Whether ``expr``, a ``with`` item's context manager, expects an exception or warning."""
    if not isinstance(expr, ast.Call):
        return False
    func = expr.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    lowered = name.lower()
    return name in _EXPECTING_NAMES or any(word in lowered for word in _EXPECTING_WORDS)


class ExpectedFailures(Component):
    """The ``with`` blocks expecting an exception or warning that enclose the walk's position,
    innermost last (empty outside any)."""

    def __init__(self, file: "FileState") -> None:
        super().__init__(file)
        self.blocks: List[ast.With] = []

    def visit_With(self, node: ast.With) -> None:
        if any(expects_failure(item.context_expr) for item in node.items):
            self.blocks.append(node)

    def leave_With(self, node: ast.With) -> None:
        if self.blocks and self.blocks[-1] is node:
            self.blocks.pop()
