"""Whether pytest-asyncio's loop is the current loop while a sync test or fixture runs.

While one of its async fixtures is set up (or a sync one made with ``pytest_asyncio.fixture``),
pytest-asyncio keeps that fixture's loop current: ``asyncio.get_event_loop()`` in a sync test
or fixture that requests one (directly or through other fixtures), or under an autouse one,
returns that loop, and what it runs there shares the loop with the async fixtures. Such code
neither fails for want of a loop nor may be moved onto a loop of its own.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Set

from flake8_asyncloop.analysis.fixture_lookup import fixture_definitions
from flake8_asyncloop.analysis.scopes import CLASS, Scope
from flake8_asyncloop.analysis.testcode import decorator_words, is_autouse, requested_fixtures

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

# Fixtures of pytest and of common plugins that are sync and request no async fixture.
KNOWN_SYNC_FIXTURES = frozenset(
    {
        "request", "pytestconfig", "cache", "doctest_namespace", "monkeypatch", "recwarn",
        "tmp_path", "tmp_path_factory", "tmpdir", "tmpdir_factory", "capsys", "capsysbinary",
        "capfd", "capfdbinary", "caplog", "record_property", "record_xml_attribute",
        "record_testsuite_property", "pytester", "testdir", "subtests",
        "mocker", "class_mocker", "module_mocker", "package_mocker", "session_mocker",
        "benchmark", "freezer", "faker", "snapshot", "requests_mock", "httpserver",
        "datadir", "shared_datadir",
    }
)


def pytest_asyncio_loop_may_be_current(file: "FileState", scope: Scope) -> bool:
    """True when an async fixture may be set up while the def of ``scope`` runs: one among
    the fixtures it requests or the autouse ones in sight (or what they request in turn),
    or such a fixture the linter cannot see (it may be async). Answered once per def for
    every rule that asks (ALP105, ALP304)."""
    answers: Dict[ast.AST, bool] = file.module.derived.setdefault(_ANSWERS, {})
    answer = answers.get(scope.node)
    if answer is None:
        answer = answers[scope.node] = _may_be_current(file, scope)
    return answer


_ANSWERS = "current_loop.answers"
# Before 1.0 an asyncio mark on a sync test requested ``event_loop`` for it.
_FIRST_VERSION_NOT_LOOPING_SYNC_TESTS = (1, 0)
# A sync fixture made with ``@pytest_asyncio.fixture`` runs with pytest-asyncio's loop
# current too (ipykernel's ``kernel``).
_PYTEST_ASYNCIO = "pytest_asyncio"


def _may_be_current(file: "FileState", scope: Scope) -> bool:
    module = file.module
    project = file.project
    if scope.fixture is not None and scope.fixture.provider == _PYTEST_ASYNCIO:
        return True  # pytest-asyncio sets it up with its runner's loop current
    if project.targets_pytest_asyncio_below(_FIRST_VERSION_NOT_LOOPING_SYNC_TESTS) and (
        _marked_asyncio(file, scope)
    ):
        return True  # the mark requested ``event_loop`` for the test: a current loop
    # Words in its decorators: parametrized names (no fixtures), or ``usefixtures`` ones.
    supplied = decorator_words(scope.node)
    pending: List[str] = [n for n in requested_fixtures(scope.node) if n not in supplied]
    pending += [w for w in supplied if w in module.fixtures or project.conftest_fixtures(w)]
    # Autouse fixtures are requested by every test, with what they request in turn.
    pending += [
        name
        for name, definitions in module.fixtures.items()
        if any(is_autouse(spec) for _, spec in definitions)
    ]
    pending += [f.name for c in project.conftests for f in c.fixtures if f.autouse]
    seen: Set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen or name in KNOWN_SYNC_FIXTURES:
            continue
        seen.add(name)
        local, definition = fixture_definitions(file, name)
        if local:
            for func, spec in local:
                if isinstance(func, ast.AsyncFunctionDef) or spec.provider == _PYTEST_ASYNCIO:
                    return True
                pending.extend(requested_fixtures(func))
            continue
        if definition is None:
            return True  # a plugin's fixture, or one the linter cannot see: may be async
        if definition.is_async or definition.provider == _PYTEST_ASYNCIO:
            return True
        pending.extend(definition.requests)
    return False


def _marked_asyncio(file: "FileState", scope: Scope) -> bool:
    """Whether an asyncio mark reaches the def: its own, its classes' or the module's."""
    from flake8_asyncloop.analysis.async_runners import def_marks, owner_marks

    if def_marks(scope.node, file).asyncio:
        return True
    owner = scope.parent
    while owner is not None and owner.kind == CLASS:
        if owner_marks(owner, file.imports).asyncio:
            return True
        owner = owner.parent
    return any(name == "asyncio" for name, _ in file.module.pytestmark)
