"""The pytest-asyncio 1.x migration of a wide ``event_loop`` override in a test module.

Before 1.0, a module that overrode ``event_loop`` with ``scope="module"`` (or wider) ran all
its async tests and async fixtures on that one loop. pytest-asyncio 1.x says the same thing
with ``loop_scope=``: on the asyncio mark each test is closest to, and on each async fixture.
This module works out those edits from the module index, or gives up (returns None) whenever
it cannot tell what the override served or the module already asks for another loop.
"""

from __future__ import annotations

import ast
from typing import Dict, List, Optional, Sequence, Tuple

from flake8_asyncloop.analysis.async_runners import (
    RUNNER_MARKS,
    class_marks,
    decorator_marks,
    spelling,
    strict_mode,
)
from flake8_asyncloop.analysis.loop_scopes import Unknown, is_scope, wider
from flake8_asyncloop.analysis.loops import EVENT_LOOP_FIXTURE
from flake8_asyncloop.analysis.names import ImportTable
from flake8_asyncloop.analysis.testcode import (
    FixtureSpec,
    class_kind,
    is_test_name,
    keyword,
    scope_value,
)
from flake8_asyncloop.findings import (
    AddDecorator,
    AddImport,
    AddKeyword,
    Edit,
    ReplaceExpression,
    Span,
)

ASYNCIO_MARK = "pytest.mark.asyncio"
ASYNCIO_FIXTURE = "pytest_asyncio.fixture"
LOOP_SCOPE = "loop_scope"
# The mark keywords that name a loop scope (``scope`` is the pre-0.24 spelling).
LOOP_SCOPE_KEYWORDS = ("loop_scope", "scope")


class _GiveUp(Exception):
    """The module asks for something the migration cannot express safely."""


class _Plan:
    def __init__(self, loop_scope: str, imports: ImportTable) -> None:
        self.wanted = f'"{loop_scope}"'
        self.loop_scope = loop_scope
        self.imports = imports
        self.edits: List[Edit] = []
        self.new_imports: Dict[str, AddImport] = {}
        self._marks_done: set = set()

    def spell(self, qualified: str) -> str:
        spelled = spelling(self.imports, qualified)
        if spelled is None:
            raise _GiveUp  # a local name hides the module we would need
        for added in spelled[1]:
            self.new_imports[added.module] = added
        return spelled[0]

    def call_with_loop_scope(self, node: ast.expr, callee: str) -> None:
        """Replace ``node`` (a bare mark or decorator) by a call of ``callee`` with the scope."""
        text = f"{callee}({LOOP_SCOPE}={self.wanted})"
        self.edits.append(ReplaceExpression(Span.of(node), text))

    # -- tests ------------------------------------------------------------------------------
    def test(self, func: ast.AST, levels: List[List[ast.expr]], auto_mode: bool) -> None:
        """Give ``func`` the loop scope through its closest asyncio mark (or a new one)."""
        for marks in levels:
            if not marks:
                continue
            if len(marks) > 1:
                raise _GiveUp  # several asyncio marks on one level: which one wins is unclear
            self.mark(marks[0])
            return
        if not auto_mode:
            return  # strict mode and no mark: pytest-asyncio does not run it (ALP401's case)
        decorator = f"{self.spell(ASYNCIO_MARK)}({LOOP_SCOPE}={self.wanted})"
        self.edits.append(AddDecorator(Span.of(func), decorator))

    def mark(self, mark: ast.expr) -> None:
        if id(mark) in self._marks_done:
            return  # a class or module mark shared by several tests
        self._marks_done.add(id(mark))
        if not isinstance(mark, ast.Call):
            self.call_with_loop_scope(mark, _source(mark))
            return
        if mark.args or any(kw.arg is None for kw in mark.keywords):
            raise _GiveUp
        given = next(filter(None, (keyword(mark, name) for name in LOOP_SCOPE_KEYWORDS)), None)
        if given is None:
            self.edits.append(AddKeyword(Span.of(mark), LOOP_SCOPE, self.wanted))
        elif scope_value(given.value) != self.loop_scope:
            raise _GiveUp  # the test already chose a loop of its own

    # -- fixtures ---------------------------------------------------------------------------
    def fixture(self, spec: FixtureSpec, auto_mode: bool) -> None:
        if not is_scope(spec.scope) or wider(spec.scope, self.loop_scope):  # type: ignore[arg-type]
            raise _GiveUp  # a fixture outliving the loop: it could not have used the override
        decorator = spec.decorator
        call = decorator if isinstance(decorator, ast.Call) else None
        if call is not None and (call.args or any(kw.arg is None for kw in call.keywords)):
            raise _GiveUp
        if spec.provider == "pytest_asyncio":
            if call is None:
                self.call_with_loop_scope(decorator, _source(decorator))
            elif keyword(call, LOOP_SCOPE) is None:
                self.edits.append(AddKeyword(Span.of(call), LOOP_SCOPE, self.wanted))
            elif spec.loop_scope != self.loop_scope:
                raise _GiveUp
            return
        if not auto_mode:
            return  # strict mode: pytest-asyncio never ran this fixture
        asyncio_fixture = self.spell(ASYNCIO_FIXTURE)
        if call is None:
            self.call_with_loop_scope(decorator, asyncio_fixture)
        else:
            self.edits.append(ReplaceExpression(Span.of(call.func), asyncio_fixture))
            self.edits.append(AddKeyword(Span.of(call), LOOP_SCOPE, self.wanted))


def migrate_module_override(
    override: ast.AST,
    loop_scope: str,
    module,
    imports: ImportTable,
    project,
) -> Optional[Tuple[Tuple[Edit, ...], Tuple[AddImport, ...]]]:
    """Edits that give what ``override`` served (the module's async tests and fixtures)
    ``loop_scope``, without deleting the override itself; None when that is not safe to say."""
    if any(name in RUNNER_MARKS for name, _ in module.pytestmark):
        return None  # anyio or trio runs this module
    if _requested_by_name(module, override):
        return None  # something still asks for event_loop
    auto_mode = not strict_mode(project)
    plan = _Plan(loop_scope, imports)
    module_marks = [mark for name, mark in module.pytestmark if name == "asyncio"]
    try:
        config = project.config
        for func in module.functions.values():
            if _is_async_test(func, imports, config.python_functions):
                own_marks = decorator_marks(func.decorator_list, imports).asyncio
                plan.test(func, [own_marks, module_marks], auto_mode)
        for cls in module.classes.values():
            if class_kind(cls, imports, config.python_classes) != "pytest":
                continue  # not a test class, or one whose base runs its own coroutines
            own = class_marks(cls, imports)
            if own.handled_elsewhere:
                continue
            for member in cls.body:
                if _is_async_test(member, imports, config.python_functions):
                    own_marks = decorator_marks(member.decorator_list, imports).asyncio
                    plan.test(member, [own_marks, own.asyncio, module_marks], auto_mode)
        for definitions in module.fixtures.values():
            for func, spec in definitions:
                if func is not override and isinstance(func, ast.AsyncFunctionDef):
                    plan.fixture(spec, auto_mode)
    except (_GiveUp, Unknown):
        return None
    return tuple(plan.edits), tuple(plan.new_imports.values())


def _is_async_test(func: ast.AST, imports: ImportTable, python_functions: Sequence[str]) -> bool:
    if not isinstance(func, ast.AsyncFunctionDef) or not is_test_name(func.name, python_functions):
        return False
    return not decorator_marks(func.decorator_list, imports).handled_elsewhere


def module_defs(module) -> List[ast.AST]:
    """The defs of the module's top level and of its classes' bodies."""
    functions = list(module.functions.values())
    for cls in module.classes.values():
        functions += [m for m in cls.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return functions


def takes_event_loop(func: ast.AST) -> bool:
    """Whether the def asks for ``event_loop`` as a parameter."""
    args = func.args  # type: ignore[attr-defined]
    return any(a.arg == EVENT_LOOP_FIXTURE for a in args.posonlyargs + args.args + args.kwonlyargs)


def _requested_by_name(module, override: ast.AST) -> bool:
    """Whether a def of the module takes ``event_loop`` as a parameter or names it in a mark
    (``usefixtures("event_loop")``). ``request.getfixturevalue`` in a body is not looked at."""
    for func in module_defs(module):
        if func is override:
            continue
        if takes_event_loop(func) or any(names_event_loop(d) for d in func.decorator_list):
            return True
    return any(names_event_loop(mark) for _, mark in module.pytestmark)


def requested_by_sync_code(module, override: ast.AST, tests_only: bool = False) -> bool:
    """Whether sync code of the module reaches ``event_loop`` (the override, its own loop
    fixture): a sync def taking it as a parameter or naming it in a string (its
    ``usefixtures`` mark, ``request.getfixturevalue("event_loop")`` in its body), or the
    module's ``pytestmark``; with ``tests_only``, a def named like a test."""
    for func in module_defs(module):
        if func is override or not isinstance(func, ast.FunctionDef):
            continue
        if tests_only and not func.name.startswith("test"):
            continue
        if takes_event_loop(func) or names_event_loop(func):
            return True
    return any(names_event_loop(mark) for _, mark in module.pytestmark)


def names_event_loop(node: ast.AST) -> bool:
    """Whether ``event_loop`` is named in a string under ``node`` (a ``usefixtures`` mark, a
    ``getfixturevalue`` call). A decorator, a mark or a def: read only beside a request or
    an override."""
    return any(
        isinstance(n, ast.Constant) and n.value == EVENT_LOOP_FIXTURE for n in ast.walk(node)
    )


def _source(node: ast.expr) -> str:
    return ast.unparse(node)
