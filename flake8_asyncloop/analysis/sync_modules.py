"""Test modules whose tests run on no loop of pytest-asyncio's: every test and fixture of
theirs is sync, and none comes from elsewhere. What such a module drives on a loop of its
own (a fixture's ``asyncio.run``, a module's ``LOOP.run_until_complete``) meets only its
own sync tests (ALP106, ALP304)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flake8_asyncloop.analysis.module_index import ModuleIndex
from flake8_asyncloop.analysis.names import last_name
from flake8_asyncloop.analysis.testcode import is_test_class_name, may_import_tests
from flake8_asyncloop.context.model import PytestConfig

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState


def runs_no_loop_for_tests(file: "FileState") -> bool:
    """A test module (not a conftest.py) with no async test or fixture, and no test it may
    get from elsewhere (a base class, an imported test); worked out once per file."""
    derived = file.module.derived
    answer = derived.get(_KEY)
    if answer is None:
        answer = derived[_KEY] = not (
            file.is_conftest
            or _async_tests_or_fixtures(file.module)
            or _may_get_tests_from_elsewhere(file.module, file.project.config)
        )
    return answer  # type: ignore[return-value]


_KEY = "sync_modules.runs_no_loop_for_tests"


def _async_tests_or_fixtures(module: ModuleIndex) -> bool:
    """Whether the module defines an async test or an async fixture, at module level or in
    a class."""
    for func, spec in module.specs.items():
        if isinstance(func, ast.AsyncFunctionDef) and (
            spec is not None or func.name.startswith("test")
        ):
            return True
    return False


def _may_get_tests_from_elsewhere(module: ModuleIndex, config: PytestConfig) -> bool:
    """Whether a class pytest collects (by its name, or a unittest class by a base named
    ``...Test...``) has a base whose tests it inherits, or the module imports a name pytest
    would collect as a test (``from base import test_ping``, ``*``; not a library's test
    helper such as ``TestClient``)."""
    for cls in module.classes.values():
        bases = [b for b in cls.bases if not (isinstance(b, ast.Name) and b.id == "object")]
        if bases and (
            is_test_class_name(cls.name, config.python_classes)
            or any("Test" in last_name(b) for b in bases)
        ):
            return True
    return any(
        may_import_tests(alias.asname or alias.name, config.python_functions)
        for statement in module.statements
        if isinstance(statement, ast.ImportFrom)
        for alias in statement.names
    )
