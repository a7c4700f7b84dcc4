"""Which code is test code, and what role a def plays in it: test, fixture or helper.

Follows pytest's defaults (``python_files = test_*.py *_test.py``, ``python_classes = Test``,
``python_functions = test``) unless the project's config says otherwise.
"""

from __future__ import annotations

import ast
import fnmatch
import os
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from flake8_asyncloop.analysis.names import ImportTable

DEFAULT_PYTHON_FILES: Tuple[str, ...] = ("test_*.py", "*_test.py")
DEFAULT_PYTHON_CLASSES: Tuple[str, ...] = ("Test",)
DEFAULT_PYTHON_FUNCTIONS: Tuple[str, ...] = ("test",)
# Libraries' test helpers whose names pytest's default ``Test`` prefix matches, imported
# into test modules by the thousand (``from fastapi.testclient import TestClient``): pytest
# collects no test from them (they have an ``__init__``, or no test method).
LIBRARY_TEST_HELPERS = frozenset(
    {"TestClient", "TestServer", "TestCase", "TestApp", "TestLoader", "TestSuite", "TestResult"}
)
SCOPES: Tuple[str, ...] = ("function", "class", "module", "package", "session")

PYTEST_FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest.yield_fixture"})
ASYNCIO_FIXTURE_DECORATORS = frozenset({"pytest_asyncio.fixture"})
_FIXTURE_LAST_NAMES = frozenset(
    name.rpartition(".")[2] for name in PYTEST_FIXTURE_DECORATORS | ASYNCIO_FIXTURE_DECORATORS
)

# The fixture through which anyio picks a test's backends, and the name of trio's backend.
ANYIO_BACKEND = "anyio_backend"
TRIO_BACKEND = "trio"

# Base classes whose async test methods are run by the class itself, not by pytest-asyncio.
ASYNC_TESTCASE_BASES = frozenset(
    {
        "unittest.IsolatedAsyncioTestCase",
        "unittest.async_case.IsolatedAsyncioTestCase",
        "asynctest.TestCase",
        "asynctest.case.TestCase",
        "aiounittest.AsyncTestCase",
        "aiohttp.test_utils.AioHTTPTestCase",
        "tornado.testing.AsyncTestCase",
        "tornado.testing.AsyncHTTPTestCase",
        "django.test.TestCase",
        "django.test.TransactionTestCase",
        "django.test.SimpleTestCase",
        "twisted.trial.unittest.TestCase",
    }
)
SYNC_TESTCASE_BASES = frozenset({"unittest.TestCase", "unittest.case.TestCase"})


def is_test_file(filename: str, python_files: Sequence[str] = DEFAULT_PYTHON_FILES) -> bool:
    """True for files pytest collects as tests, and for every ``conftest.py``."""
    base = os.path.basename(filename)
    return base == "conftest.py" or any(fnmatch.fnmatch(base, pattern) for pattern in python_files)


def is_test_name(name: str, python_functions: Sequence[str] = DEFAULT_PYTHON_FUNCTIONS) -> bool:
    """Whether pytest collects a function of this name (``python_functions``)."""
    return _matches_prefix_or_glob(name, python_functions)


def may_import_tests(name: str, python_functions: Sequence[str]) -> bool:
    """Whether ``from x import <name>`` may bring pytest a test: ``*``, a test function's
    name, or a ``Test...`` class (unittest classes are collected whatever
    ``python_classes`` says), but not a library's test helper (``TestClient``)."""
    return (
        name == "*"
        or is_test_name(name, python_functions)
        or (name.startswith("Test") and name not in LIBRARY_TEST_HELPERS)
    )


def is_test_class_name(name: str, python_classes: Sequence[str] = DEFAULT_PYTHON_CLASSES) -> bool:
    """Whether pytest collects a class of this name (``python_classes``)."""
    return _matches_prefix_or_glob(name, python_classes)


def _matches_prefix_or_glob(name: str, patterns: Sequence[str]) -> bool:
    """pytest's reading of ``python_classes`` and ``python_functions``: each entry is a
    prefix, or a glob when it holds a glob character."""
    for pattern in patterns:
        if name.startswith(pattern):
            return True
        if ("*" in pattern or "?" in pattern or "[" in pattern) and fnmatch.fnmatch(name, pattern):
            return True
    return False


def scope_value(node: Optional[ast.AST]) -> Optional[str]:
    """The scope a literal names, or None when it is not a literal string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def keyword(call: ast.Call, name: str) -> Optional[ast.keyword]:
    for kw in call.keywords:
        if kw.arg == name:
            return kw
    return None


@dataclass(frozen=True)
class FixtureSpec:
    """What a fixture decorator says: who runs the fixture, under which name and scopes."""

    provider: str  # "pytest" or "pytest_asyncio"
    name: str
    scope: Optional[str]  # None when not a literal (e.g. a callable)
    loop_scope: Optional[str]  # explicit loop_scope=, else None
    decorator: ast.expr


def fixture_spec(func: ast.AST, imports: ImportTable) -> Optional[FixtureSpec]:
    """The fixture declared by one of ``func``'s decorators, if any."""
    for decorator in getattr(func, "decorator_list", ()):
        call = decorator if isinstance(decorator, ast.Call) else None
        callee = call.func if call else decorator
        if callee.__class__ is ast.Attribute and callee.attr not in _FIXTURE_LAST_NAMES:
            continue  # ``pytest.mark.asyncio``: a dotted name resolves to its own last part
        target = imports.resolve(callee)
        if target in PYTEST_FIXTURE_DECORATORS:
            provider = "pytest"
        elif target in ASYNCIO_FIXTURE_DECORATORS:
            provider = "pytest_asyncio"
        else:
            continue
        name = func.name  # type: ignore[attr-defined]
        scope: Optional[str] = "function"
        loop_scope: Optional[str] = None
        if call is not None:
            name_kw = keyword(call, "name")
            if name_kw is not None and scope_value(name_kw.value):
                name = scope_value(name_kw.value) or name
            scope_kw = keyword(call, "scope")
            if scope_kw is not None:
                scope = scope_value(scope_kw.value)
            elif call.args:
                scope = scope_value(call.args[0])
            loop_kw = keyword(call, "loop_scope")
            if loop_kw is not None:
                loop_scope = scope_value(loop_kw.value)
        return FixtureSpec(provider, name, scope, loop_scope, decorator)
    return None


def requested_parameters(func: ast.AST, in_class: bool) -> List[ast.arg]:
    """The parameters pytest fills with fixtures, in order.

    Mirrors pytest's ``getfuncargnames``: positional-or-keyword and keyword-only parameters
    without a default, minus ``self``/``cls`` of a method that is not a staticmethod.
    """
    args: ast.arguments = func.args  # type: ignore[attr-defined]
    positional = args.posonlyargs + args.args
    first_default = len(positional) - len(args.defaults)
    names = args.args[: max(first_default - len(args.posonlyargs), 0)]
    names = names + [a for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is None]
    if in_class and not args.posonlyargs and not is_staticmethod(func):
        names = names[1:]
    return names


def requested_fixtures(func: ast.AST) -> Tuple[str, ...]:
    """The names of ``requested_parameters``, for a def whose class is not at hand: a first
    parameter named ``self`` or ``cls`` marks a method."""
    positional = func.args.posonlyargs + func.args.args  # type: ignore[attr-defined]
    in_class = bool(positional) and positional[0].arg in ("self", "cls")
    return tuple(a.arg for a in requested_parameters(func, in_class))


def is_staticmethod(func: ast.AST) -> bool:
    return any(
        isinstance(d, ast.Name) and d.id == "staticmethod"
        for d in getattr(func, "decorator_list", ())
    )


def decorator_words(func: ast.AST) -> Dict[str, bool]:
    """Names a decorator may parametrize (or otherwise supply): every word of its strings."""
    found: Dict[str, bool] = {}
    for decorator in getattr(func, "decorator_list", ()):
        for node in ast.walk(decorator):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for word in node.value.replace(",", " ").split():
                    found[word] = True
    return found


def offers_trio_backend(values: ast.AST) -> bool:
    """Whether a list of anyio backends (``params=`` of an ``anyio_backend`` fixture, the
    values of a ``parametrize("anyio_backend", ...)``) holds ``"trio"``: bare, first of a
    tuple (``("trio", {...})``) or first argument of ``pytest.param``."""
    return isinstance(values, (ast.List, ast.Tuple)) and any(_is_trio(v) for v in values.elts)


def anyio_backend_offers_trio(func: ast.AST, decorator: ast.expr) -> bool:
    """Whether an ``anyio_backend`` fixture hands out trio: ``"trio"`` in its ``params=``, or
    returned (``return "trio"``, ``return ("trio", {...})``)."""
    if isinstance(decorator, ast.Call):
        params = keyword(decorator, "params")
        if params is not None and offers_trio_backend(params.value):
            return True
    return any(
        isinstance(node, ast.Return) and node.value is not None and _is_trio(node.value)
        for statement in func.body  # type: ignore[attr-defined]
        for node in ast.walk(statement)
    )


def _is_trio(backend: ast.AST) -> bool:
    """``"trio"``, ``("trio", {options})`` or ``pytest.param("trio", ...)``."""
    if isinstance(backend, ast.Tuple) and backend.elts:
        backend = backend.elts[0]
    elif isinstance(backend, ast.Call) and backend.args:
        backend = backend.args[0]
    return isinstance(backend, ast.Constant) and backend.value == TRIO_BACKEND


def is_autouse(spec: FixtureSpec) -> bool:
    call = spec.decorator if isinstance(spec.decorator, ast.Call) else None
    found = keyword(call, "autouse") if call is not None else None
    return found is not None and isinstance(found.value, ast.Constant) and found.value.value is True


def mark_name(decorator: ast.AST, imports: ImportTable) -> Optional[str]:
    """``asyncio`` for ``@pytest.mark.asyncio``, with or without a call; None if no mark."""
    target = imports.resolve(decorator.func if isinstance(decorator, ast.Call) else decorator)
    if target and target.startswith("pytest.mark."):
        return target[len("pytest.mark."):]
    return None


def pytestmark_value(statement: ast.stmt) -> Optional[ast.expr]:
    """The marks a module- or class-level statement adds to ``pytestmark``, if it does."""
    return added_to_list(statement, "pytestmark")


def added_to_list(statement: ast.stmt, name: str) -> Optional[ast.expr]:
    """What a statement adds to the list bound to ``name``, if it does.

    Covers ``name = ...``, ``name += [...]`` and ``name.extend([...])`` / ``.append(item)`` /
    ``.insert(i, item)`` (pytest's lists, such as ``pytestmark``, are often built in steps).
    """
    if isinstance(statement, ast.Assign):
        if any(isinstance(t, ast.Name) and t.id == name for t in statement.targets):
            return statement.value
    elif isinstance(statement, (ast.AugAssign, ast.AnnAssign)):
        if isinstance(statement.target, ast.Name) and statement.target.id == name:
            return statement.value
    elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        call = statement.value
        func = call.func
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == name
            and func.attr in ("extend", "append", "insert")
            and call.args
        ):
            return call.args[-1]
    return None


def marks_in(expr: ast.AST, imports: ImportTable) -> Iterable[Tuple[str, ast.AST]]:
    """Marks in a ``pytestmark`` value: a single mark, or a list or tuple of marks."""
    items = expr.elts if isinstance(expr, (ast.List, ast.Tuple)) else [expr]
    for item in items:
        name = mark_name(item, imports)
        if name is not None:
            yield name, item


def defines_init(node: ast.ClassDef) -> bool:
    """pytest does not collect a test class with an ``__init__``."""
    return any(
        isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and member.name == "__init__"
        for member in node.body
    )


def class_kind(
    node: ast.ClassDef, imports: ImportTable, python_classes: Sequence[str] = DEFAULT_PYTHON_CLASSES
) -> str:
    """How a class's tests are run.

    ``pytest``: a plain ``Test*`` class; ``unittest``: a ``unittest.TestCase`` subclass (sync);
    ``async_testcase``: a base that runs coroutines itself; ``unknown``: a base we cannot see
    into (assumed to handle its own async tests); ``other``: not a test class.
    """
    kinds = set()
    for base in node.bases:
        qualified = imports.resolve(base)
        if qualified in ASYNC_TESTCASE_BASES:
            return "async_testcase"
        if qualified in SYNC_TESTCASE_BASES:
            kinds.add("unittest")
        elif qualified == "object" or (isinstance(base, ast.Name) and base.id == "object"):
            continue
        else:
            kinds.add("unknown")
    if "unknown" in kinds:
        return "unknown"
    if "unittest" in kinds:
        return "unittest"
    return "pytest" if is_test_class_name(node.name, python_classes) else "other"
