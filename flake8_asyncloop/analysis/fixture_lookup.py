"""Which definition of a fixture pytest gives the code of a module: the module's own, else
the nearest conftest.py's. Plugins' fixtures are out of sight."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Iterable, Iterator, List, Optional, Tuple

from flake8_asyncloop.analysis.testcode import FixtureSpec, requested_fixtures
from flake8_asyncloop.context.model import FixtureDef

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

ModuleDefinitions = List[Tuple[ast.AST, FixtureSpec]]


def fixture_definitions(
    file: "FileState", name: str
) -> Tuple[ModuleDefinitions, Optional[FixtureDef]]:
    """(the module's definitions of ``name``, or none; else the nearest conftest.py's, or
    None when no file in sight defines it)."""
    local = file.module.fixtures.get(name)
    if local:
        return local, None
    in_conftests = file.project.conftest_fixtures(name)
    return [], in_conftests[-1] if in_conftests else None


def requests_beyond(params: Iterable[str], file: "FileState") -> Iterator[List[str]]:
    """What each fixture reached from ``params`` requests in turn, following the definitions
    in sight (the module's, else the nearest conftest.py's), each fixture once."""
    seen = set(params)
    pending = list(seen)
    while pending:
        local, definition = fixture_definitions(file, pending.pop())
        requests = [r for func, _ in local for r in requested_fixtures(func)]
        if definition is not None:
            requests.extend(definition.requests)
        yield requests
        for requested in requests:
            if requested not in seen:
                seen.add(requested)
                pending.append(requested)
