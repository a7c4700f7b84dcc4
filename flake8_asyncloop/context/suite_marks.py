"""What a suite's own text says of the asyncio mode it runs in, where its config does not.

A monorepo package, or an sdist, may ship its tests without the pytest settings they run
with. The tests still show what they were written for: a suite that marks most of its
async tests is written for strict mode, and its unmarked tests are the ones that do not
run; unless it declares async fixtures with plain ``@pytest.fixture`` (which only auto mode
runs) and never with ``@pytest_asyncio.fixture``: that suite runs in auto mode somewhere,
and marks out of habit. One that uses both has mistaken the plain ones. A suite that marks
few of its async tests runs in auto mode too.

The test modules and conftest.py files under the project root are read as text (not
parsed), once per root and run, and only for a project whose settings are out of sight.
"""

from __future__ import annotations

import os
import re
from typing import Dict, Iterator

from flake8_asyncloop.context.text_files import HEAD_BYTES, read_text

_ASYNC_TEST = re.compile(r"^[ \t]*async[ \t]+def[ \t]+test\w*[ \t]*\(", re.M)
_MARK = re.compile(r"@(?:pytest\.)?mark\.asyncio\b")
# A module-level ``pytestmark`` naming the asyncio mark, or a marked class: the whole file.
_FILE_MARK = re.compile(r"^pytestmark[ \t]*(?::[^=\n]*)?=[^\n]*asyncio", re.M)
_CLASS_MARK = re.compile(r"@(?:pytest\.)?mark\.asyncio\b[^\n]*\n(?:[ \t]*@[^\n]*\n)*[ \t]*class\b")
# ``@pytest.fixture`` (arguments and other decorators allowed) on an ``async def``.
_PLAIN_ASYNC_FIXTURE = re.compile(
    r"^[ \t]*@pytest\.fixture\b[^\n]*\n(?:[ \t]*@[^\n]*\n)*[ \t]*async[ \t]+def\b", re.M
)
_STRICT_FIXTURE = re.compile(
    r"@pytest_asyncio\.fixture\b|from[ \t]+pytest_asyncio[ \t]+import[^\n]*\bfixture\b"
)
_SKIPPED_DIRS = frozenset(
    {".git", ".tox", ".nox", ".venv", "venv", "node_modules", "site-packages", "__pycache__",
     "build", "dist"}
)
_MAX_FILES = 5000

_answers: Dict[str, bool] = {}


def written_for_strict_mode(root: str) -> bool:
    """Whether the suite under ``root`` marks at least half of its async tests, and declares
    no async fixture with plain ``@pytest.fixture`` unless it declares some with
    ``@pytest_asyncio.fixture`` too."""
    known = _answers.get(root)
    if known is None:
        known = _answers[root] = _read(root)
    return known


def clear_cache() -> None:
    _answers.clear()


def _read(root: str) -> bool:
    tests = marked = 0
    plain_fixtures = strict_fixtures = False
    for path in _test_files(root):
        text = read_text(path, HEAD_BYTES)
        if text is None:
            continue
        plain_fixtures = plain_fixtures or _PLAIN_ASYNC_FIXTURE.search(text) is not None
        strict_fixtures = strict_fixtures or _STRICT_FIXTURE.search(text) is not None
        in_file = len(_ASYNC_TEST.findall(text))
        tests += in_file
        if _FILE_MARK.search(text) or _CLASS_MARK.search(text):
            marked += in_file
        else:
            marked += min(in_file, len(_MARK.findall(text)))
    if plain_fixtures and not strict_fixtures:
        return False  # fixtures only auto mode runs, and none written for strict mode
    return tests > 0 and 2 * marked >= tests


def _test_files(root: str) -> Iterator[str]:
    seen = 0
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in _SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(names):
            if name == "conftest.py" or (
                name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))
            ):
                seen += 1
                if seen > _MAX_FILES:
                    return
                yield os.path.join(directory, name)
