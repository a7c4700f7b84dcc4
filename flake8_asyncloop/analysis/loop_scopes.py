"""Which loop pytest-asyncio 1.x runs a test or fixture on: its effective loop scope.

A fixture runs on the loop of its ``loop_scope=``, else of ``asyncio_default_fixture_loop_scope``,
else of its own caching scope (the default when the setting is unset or "fixture-scope").
A test runs on the loop of the ``loop_scope`` of its *closest* asyncio mark (its own, else
its class's, else the module's ``pytestmark``); a closest mark without one, or an unmarked
test in auto mode, gets ``asyncio_default_test_loop_scope`` (default "function").
"""

from __future__ import annotations

import ast
import dataclasses
from typing import TYPE_CHECKING, Iterable, List, Optional, Sequence, Tuple

from flake8_asyncloop.analysis.names import ImportTable
from flake8_asyncloop.analysis.testcode import SCOPES, keyword, mark_name, marks_in, scope_value
from flake8_asyncloop.context.model import PytestConfig

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

SCOPE_RANK = {scope: rank for rank, scope in enumerate(SCOPES)}
ASYNCIO = "asyncio"
DEFAULT_TEST_LOOP_SCOPE = "function"


def is_scope(value: Optional[str]) -> bool:
    return value in SCOPE_RANK


def wider(first: str, second: str) -> bool:
    """True when scope ``first`` lives longer than scope ``second``."""
    return SCOPE_RANK[first] > SCOPE_RANK[second]


def fixture_loop_scope(
    scope: Optional[str], loop_scope: Optional[str], config: PytestConfig
) -> Optional[str]:
    """The loop a fixture runs on; None when it cannot be read (a scope computed at run time)."""
    effective = loop_scope or config.fixture_loop_scope or scope
    return effective if is_scope(effective) else None


def default_test_loop_scope(config: PytestConfig) -> str:
    return config.test_loop_scope or DEFAULT_TEST_LOOP_SCOPE


class Unknown(Exception):
    """A mark whose loop scope the source does not tell (a variable, a mark in ``pytest.param``)."""


def mark_loop_scope(mark: ast.AST, config: PytestConfig) -> str:
    """The loop scope one asyncio mark gives the tests it is closest to. Raises Unknown."""
    if not isinstance(mark, ast.Call):
        return default_test_loop_scope(config)
    given = keyword(mark, "loop_scope") or keyword(mark, "scope")
    if given is None:
        if mark.args or any(kw.arg is None for kw in mark.keywords):
            raise Unknown  # a positional or ** argument: collection fails or we cannot see
        return default_test_loop_scope(config)
    value = scope_value(given.value)
    if not is_scope(value):
        raise Unknown
    return value  # type: ignore[return-value]


def asyncio_marks(decorators: Iterable[ast.AST], imports: ImportTable) -> List[ast.AST]:
    return [d for d in decorators if mark_name(d, imports) == ASYNCIO]


def class_asyncio_marks(node: ast.ClassDef, imports: ImportTable) -> List[ast.AST]:
    """Asyncio marks of a class: its decorators and a ``pytestmark`` in its body."""
    found = asyncio_marks(node.decorator_list, imports)
    for statement in node.body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in statement.targets
        ):
            found += [mark for name, mark in marks_in(statement.value, imports) if name == ASYNCIO]
    return found


def asyncio_mark_levels(
    function: ast.AST,
    classes: Iterable[ast.ClassDef],
    module_marks: Iterable[Tuple[str, ast.AST]],
    imports: ImportTable,
) -> List[List[ast.AST]]:
    """The asyncio marks a test gets, closest first (for ``closest_mark_scope``): its own,
    each enclosing class's (``classes`` innermost first), the module's ``pytestmark``."""
    levels = [asyncio_marks(function.decorator_list, imports)]  # type: ignore[attr-defined]
    levels += [class_asyncio_marks(owner, imports) for owner in classes]
    levels.append([mark for name, mark in module_marks if name == ASYNCIO])
    return levels


def closest_mark_scope(levels: Sequence[List[ast.AST]], config: PytestConfig) -> Optional[str]:
    """The loop scope given by the closest level (function, classes, module) that has an
    asyncio mark; None when no level has one. Raises Unknown when the closest level has
    several marks that disagree, or one that cannot be read.

    A conftest.py hook's mark (``config.marked_by_hook``) sits on the test itself: added
    before its own marks (``append=False``) it is the closest; appended, it comes after
    them and before its classes' and module's. A test with no mark at all is left to the
    caller, as without a hook: in strict mode pytest-asyncio never collected it as its own.
    """
    hook = config.marked_by_hook
    if hook is not None and any(levels):
        if config.hook_mark_first or not levels[0]:
            return hook
        levels = levels[:1]
        # the test's own mark, without a loop scope, gets the configured default
        config = dataclasses.replace(config, test_loop_scope=config.configured_test_loop_scope)
    for marks in levels:
        if not marks:
            continue
        scopes = {mark_loop_scope(mark, config) for mark in marks}
        if len(scopes) > 1:
            raise Unknown
        return scopes.pop()
    return None


# pytest-asyncio 1.0 removed the ``event_loop`` fixture, and with it the overrides.
_OVERRIDES_REMOVED = (1, 0)


def overridden_function_loop_scope(file: "FileState") -> Optional[str]:
    """The scope of the ``event_loop`` override the module sees (its own, else the nearest
    conftest.py's) where the suite runs a pytest-asyncio older than 1.0. There, what
    runs on a "function"-scoped loop runs on that fixture's loop: a session-scoped override
    gives every such test and fixture one loop for the whole run."""
    if not file.project.targets_pytest_asyncio_below(_OVERRIDES_REMOVED):
        return None
    own = file.module.fixtures.get("event_loop")
    if own:
        scopes = {spec.scope for _, spec in own}
        return scopes.pop() if len(scopes) == 1 else None
    in_conftests = file.project.conftest_fixtures("event_loop")
    return in_conftests[-1].scope if in_conftests else None
