"""``with`` blocks whose code runs for the exception or warning it raises, not for its result.

``pytest.raises``, ``pytest.warns``, ``pytest.deprecated_call``, ``warnings.catch_warnings``,
unittest's ``assertRaises`` and ``assertWarns`` (and their ``Regex`` forms), test.support's
``check_warnings``, ``contextlib.suppress``: matched by the last part of the context manager's
name. A test that runs a loop inside a running one under ``pytest.raises(RuntimeError)``
checks that it fails; one that drops a coroutine under ``pytest.warns`` checks the warning.
Rules whose findings say a call fails, warns or is lost stay silent there: the test wants it,
and a fix would break it. A rule whose call raises asks ``may_catch`` instead: a block that
expects only built-in exceptions the error is not one of (``pytest.raises(ConnectionError)``
around a ``RuntimeError``) is no reason for silence, since the error escapes it.
"""

from __future__ import annotations

import ast
import builtins
from typing import TYPE_CHECKING, List, Optional

from flake8_asyncloop.analysis.names import last_name
from flake8_asyncloop.rule import Component

if TYPE_CHECKING:
    from flake8_asyncloop.analysis.scopes import Scope
    from flake8_asyncloop.engine import FileState

_EXPECTING_WORDS = ("raise", "warn", "suppress")
_EXPECTING_NAMES = frozenset({"deprecated_call"})


def expects_failure(expr: ast.AST) -> bool:
    """Whether ``expr``, a ``with`` item's context manager, expects an exception or warning."""
    if not isinstance(expr, ast.Call):
        return False
    lowered = last_name(expr.func).lower()
    return lowered in _EXPECTING_NAMES or any(word in lowered for word in _EXPECTING_WORDS)


def _calls_for_the_error(call: ast.Call) -> bool:
    """The callable form of an exception check: ``assertRaises(RuntimeError, f, arg)``,
    ``pytest.raises(RuntimeError, f, arg)``, which calls ``f(arg)`` and expects it to raise."""
    return len(call.args) >= 2 and "raise" in last_name(call.func).lower()


def _expected_types(call: ast.Call) -> Optional[List[ast.AST]]:
    """The exception types ``pytest.raises(...)``, ``assertRaises(...)`` or ``suppress(...)``
    expects (a tuple spread out); None for a warning check or a form not read here."""
    name = last_name(call.func).lower()
    if "raise" in name:
        first = call.args[0] if call.args else next(
            (k.value for k in call.keywords if k.arg == "expected_exception"), None
        )
        if first is None:
            return None
        return list(first.elts) if isinstance(first, ast.Tuple) else [first]
    if name == "suppress":
        return list(call.args)
    return None


class ExpectedFailures(Component):
    """The ``with`` blocks expecting an exception or warning that enclose the walk's position,
    innermost last (empty outside any)."""

    def __init__(self, file: "FileState") -> None:
        super().__init__(file)
        self.blocks: List[ast.With] = []
        self._owners: List[Optional[Scope]] = []  # the def or lambda each block is in

    def visit_With(self, node: ast.With) -> None:
        if any(expects_failure(item.context_expr) for item in node.items):
            self.blocks.append(node)
            self._owners.append(self.file.function)

    def leave_With(self, node: ast.With) -> None:
        if self.blocks and self.blocks[-1] is node:
            self.blocks.pop()
            self._owners.pop()

    def raises_here(self, error: type) -> bool:
        """Whether a block of the def the walk is in expects an exception that may be
        ``error`` (``pytest.raises``, ``assertRaises``, ``suppress``): not a warning check,
        which lets the call go on, and not a block around the def, whose code runs when it
        is called (a callback), not inside the block."""
        here = self.file.function
        return any(
            _expected_types(item.context_expr) is not None  # type: ignore[arg-type]
            and self._may_catch(item.context_expr, error)  # type: ignore[arg-type]
            for block, owner in zip(self.blocks, self._owners)
            if owner is here
            for item in block.items
            if expects_failure(item.context_expr)
        )

    def may_catch(self, error: type) -> bool:
        """Whether an enclosing block may be there for ``error``: it checks a warning, names
        a type the linter cannot see into, or names a built-in ``error`` is an instance of."""
        return any(
            self._may_catch(item.context_expr, error)  # type: ignore[arg-type]
            for block in self.blocks
            for item in block.items
            if expects_failure(item.context_expr)
        )

    def runs_only_where_expected(self, outer: ast.AST, nested: ast.AST, error: type) -> bool:
        """Whether ``nested``, a def inside ``outer``, is called only where ``error`` is
        expected: each read of its name in ``outer`` lies in a ``with`` block that may catch
        the error, or among the arguments of the callable form (``assertRaises(RuntimeError,
        loop.run_until_complete, main())``). A coroutine run there is run to see it fail."""
        name = nested.name  # type: ignore[attr-defined]
        reads = 0
        stack = [(child, False) for child in outer.body]  # type: ignore[attr-defined]
        while stack:
            node, expected = stack.pop()
            if node is nested:
                continue  # its own body calling itself runs nothing
            if node.__class__ is ast.Name:
                if node.id == name and node.ctx.__class__ is ast.Load:  # type: ignore
                    if not expected:
                        return False
                    reads += 1
                continue
            inside = expected
            if node.__class__ is ast.With and not expected:
                inside = any(
                    expects_failure(item.context_expr)
                    and self._may_catch(item.context_expr, error)  # type: ignore[arg-type]
                    for item in node.items  # type: ignore[attr-defined]
                )
                stack.extend((item, False) for item in node.items)  # type: ignore[attr-defined]
                stack.extend((child, inside) for child in node.body)  # type: ignore[attr-defined]
                continue
            if node.__class__ is ast.Call and not expected and _calls_for_the_error(node):
                if self._may_catch(node, error):  # type: ignore[arg-type]
                    called = node.args[1:]  # type: ignore[attr-defined]
                    stack.extend((child, True) for child in called)
                    stack.extend((child, True) for child in node.keywords)  # type: ignore
                    stack.append((node.func, False))  # type: ignore[attr-defined]
                    stack.append((node.args[0], False))  # type: ignore[attr-defined]
                    continue
            stack.extend((child, inside) for child in ast.iter_child_nodes(node))
        return reads > 0

    def _may_catch(self, call: ast.Call, error: type) -> bool:
        types = _expected_types(call)
        if types is None:
            return True
        for expr in types:
            known = self._builtin(expr)
            if known is None or issubclass(error, known):
                return True
        return False

    def _builtin(self, expr: ast.AST) -> Optional[type]:
        """The built-in exception class ``expr`` names, when no import or module-level
        class of the file takes that name."""
        if not isinstance(expr, ast.Name):
            return None
        found = getattr(builtins, expr.id, None)
        if not (isinstance(found, type) and issubclass(found, BaseException)):
            return None
        module = self.file.module
        if self.file.imports.lookup(expr.id) is not None or expr.id in module.classes:
            return None
        return found
