"""Which plugin a project declares to run its async tests, read from its dependency files.

pytest loads installed plugins through entry points, which a linter cannot see. What it can
see is what the project says it installs: a project whose dependency files name another
asyncio test runner (aiomisc's ``aiomisc-pytest``, ``pytest-aio``, ...) and never name
pytest-asyncio has its async tests run, and its ``event_loop`` fixture provided, by that
plugin. Whether they name pytest-asyncio at all is told too: it warns about settings a
suite that never installs it cannot see, and how far their pins let it go
(``dependency_pins``). Only the files at the project root are read, as text, without their
comments: a name only a comment gives (``# transitive dependency of "pytest-asyncio"``, a
requirement commented out) declares nothing.
"""

from __future__ import annotations

import os
import re
from typing import Dict, NamedTuple, Optional, Tuple

from flake8_asyncloop.context.dependency_pins import (
    Version,
    locked_below,
    locked_ceiling,
    locked_pytest_asyncio_ceiling,
    pinned_below,
    pinned_ceiling,
    pytest_asyncio_ceiling,
)
from flake8_asyncloop.context.text_files import read_text

PYTEST_ASYNCIO = "pytest-asyncio"
PYTEST = "pytest"
# Plugins that run asyncio (or trio) tests without pytest-asyncio (pytest-jupyter collects
# coroutine tests and runs them on its own loop; pytest-sanic does too, and sets a fresh
# current loop for every test, sync ones included). Not pytest-aiohttp: since 1.0 it depends
# on pytest-asyncio and runs through it.
OTHER_RUNNERS = (
    "aiomisc-pytest", "pytest-aio", "pytest-jupyter", "pytest-sanic", "pytest-tornasync",
    "pytest-trio",
)
# Of those, the ones whose plugin takes every coroutine test even beside pytest-asyncio
# (aiomisc-pytest's ``pytest_pyfunc_call`` runs first: data-agent's unmarked test ran in
# strict mode with both installed, and failed with ``-p no:aiomisc``).
TAKE_EVERY_COROUTINE_TEST = ("aiomisc-pytest",)
# Plugins that install pytest-asyncio with them: naming one names pytest-asyncio.
PYTEST_AIOHTTP = "pytest-aiohttp"
BRINGS_PYTEST_ASYNCIO = (PYTEST_AIOHTTP,)
# pytest-aiohttp 1.0 runs its tests through pytest-asyncio; before, it ran every coroutine
# test itself.
_PYTEST_AIOHTTP_ON_PYTEST_ASYNCIO = (1, 0)

_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "tox.ini", "Pipfile", "noxfile.py")
_REQUIREMENT_DIRS = ("requirements", "requirements.d", "reqs")
# Read for their resolved versions only: a lock names every package installed, plugins of
# plugins included, which says nothing of what the project itself declares.
_LOCK_FILES = ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock")


class _Declared(NamedTuple):
    runner: Optional[str]  # the runner declared instead of pytest-asyncio
    files: Tuple[str, ...]  # the dependency files read
    names_pytest_asyncio: bool  # one of them names pytest-asyncio
    pytest_asyncio_ceiling: Optional[Version]  # what their pins keep pytest-asyncio below
    # They name pytest-aiohttp, and nothing keeps it below 1.0, where it stopped running
    # coroutine tests itself.
    pytest_aiohttp_on_pytest_asyncio: bool = False
    # They name pytest-aiohttp and keep it below 1.0: its plugin runs every coroutine test.
    pytest_aiohttp_runs_coroutine_tests: bool = False
    # They name pytest but none of the above, and no lock file resolves pytest-asyncio.
    pytest_without_pytest_asyncio: bool = False
    # Beside pytest-asyncio they name a plugin that takes every coroutine test itself.
    runner_beside_pytest_asyncio: Optional[str] = None
    pytest_ceiling: Optional[Version] = None  # what pins and locks keep pytest below
    # They, or a lock file, name pytest or a plugin of it: the project declares its tests'
    # setup here.
    names_pytest: bool = False


# A comment as requirements files, TOML, INI and Python write it: ``#`` at the start of a
# line or after a blank (``pkg.git#egg=name`` keeps its fragment), to the end of the line.
_COMMENT = re.compile(r"(?:^|(?<=\s))#.*$", re.MULTILINE)

_NOTHING_DECLARED = _Declared(None, (), False, None)
_answers: Dict[str, _Declared] = {}  # by root


def runner_instead_of_pytest_asyncio(root: Optional[str]) -> Tuple[Optional[str], Tuple[str, ...]]:
    """The other runner the dependency files at ``root`` name when none names pytest-asyncio
    (None otherwise, or when there are none), and the paths of the files read."""
    answer = _answer(root)
    return answer.runner, answer.files


def names_pytest_asyncio(root: Optional[str]) -> bool:
    """Whether a dependency file at ``root`` names pytest-asyncio."""
    return _answer(root).names_pytest_asyncio


def names_pytest(root: Optional[str]) -> bool:
    """Whether a dependency file or lock file at ``root`` names pytest (or pytest-asyncio,
    or a plugin that runs async tests): where none does, the project's test setup, its
    pytest settings with it, is kept elsewhere (a monorepo's root, a CI script)."""
    return _answer(root).names_pytest


def pinned_pytest_asyncio_ceiling(root: Optional[str]) -> Optional[Version]:
    """The exclusive upper bound the pins of the dependency files at ``root`` put on
    pytest-asyncio (``dependency_pins``); None when they set none."""
    return _answer(root).pytest_asyncio_ceiling


def _answer(root: Optional[str]) -> _Declared:
    if root is None:
        return _NOTHING_DECLARED
    known = _answers.get(root)
    if known is None:
        known = _answers[root] = _read(root)
    return known


def pytest_aiohttp_on_pytest_asyncio(root: Optional[str]) -> bool:
    """Whether the project installs pytest-aiohttp 1.0 or later (named, not pinned below
    it), which leaves its fixtures' tests to pytest-asyncio and its asyncio mode."""
    return _answer(root).pytest_aiohttp_on_pytest_asyncio


def pytest_aiohttp_runs_coroutine_tests(root: Optional[str]) -> bool:
    """Whether the project keeps pytest-aiohttp below 1.0, whose plugin runs every
    coroutine test of the session, marked or not."""
    return _answer(root).pytest_aiohttp_runs_coroutine_tests


def pinned_pytest_ceiling(root: Optional[str]) -> Optional[Version]:
    """The exclusive upper bound the dependency files and lock files at ``root`` put on
    pytest itself; None when they set none."""
    return _answer(root).pytest_ceiling


def runner_beside_pytest_asyncio(root: Optional[str]) -> Optional[str]:
    """A plugin the dependency files name beside pytest-asyncio that takes every coroutine
    test itself, marked or not (aiomisc-pytest); None when they name none."""
    return _answer(root).runner_beside_pytest_asyncio


def tests_without_pytest_asyncio(root: Optional[str]) -> bool:
    """Whether the dependency files at ``root`` describe a pytest suite (they name pytest)
    without pytest-asyncio: none names it, a plugin that brings it, or another runner, and
    no lock file resolves it."""
    return _answer(root).pytest_without_pytest_asyncio


def clear_cache() -> None:
    _answers.clear()


# How far above a config directory with no dependency file of its own the project's are
# looked for (``tests/pytest.ini`` beside ``pyproject.toml`` and ``uv.lock`` one level up).
_LEVELS_UP = 3


def _files_of_the_project(root: str) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """The dependency files and lock files at ``root``; where it has none (a config kept in
    the tests' directory), those of the nearest directory above that has some, up to the
    repository's top (a ``.git`` beside them) or ``_LEVELS_UP`` levels."""
    directory = root
    for _ in range(_LEVELS_UP + 1):
        found = _dependency_files(directory), _lock_files(directory)
        if found[0] or found[1]:
            return found
        parent = os.path.dirname(directory)
        if parent == directory or os.path.exists(os.path.join(directory, ".git")):
            break
        directory = parent
    return (), ()


def _read(root: str) -> _Declared:
    names = set()
    read = []
    texts = []
    dependency_files, lock_files = _files_of_the_project(root)
    for path in dependency_files:
        text = read_text(path)
        if text is None:
            continue
        read.append(path)
        normalized = _COMMENT.sub("", text).lower().replace("_", "-")
        texts.append(normalized)
        names.update(
            n
            for n in (PYTEST_ASYNCIO, *BRINGS_PYTEST_ASYNCIO, *OTHER_RUNNERS)
            if _names(normalized, n)
        )
    locks = []
    for path in lock_files:
        text = read_text(path)
        if text is None:
            continue
        locks.append(text.lower().replace("_", "-"))
        read.append(path)
    bounds = [b for b in (pytest_asyncio_ceiling(texts), locked_pytest_asyncio_ceiling(locks)) if b]
    ceiling = min(bounds) if bounds else None
    aiohttp_on_pytest_asyncio = (
        PYTEST_AIOHTTP in names
        and not pinned_below(texts, PYTEST_AIOHTTP, _PYTEST_AIOHTTP_ON_PYTEST_ASYNCIO)
        and not locked_below(locks, PYTEST_AIOHTTP, _PYTEST_AIOHTTP_ON_PYTEST_ASYNCIO)
    )
    pytest_bounds = [
        b for b in (pinned_ceiling(texts, PYTEST), locked_ceiling(locks, PYTEST)) if b
    ]
    pytest_ceiling = min(pytest_bounds) if pytest_bounds else None
    if names.intersection((PYTEST_ASYNCIO, *BRINGS_PYTEST_ASYNCIO)):
        return _Declared(
            None, tuple(read), True, ceiling, aiohttp_on_pytest_asyncio,
            pytest_aiohttp_runs_coroutine_tests=(
                PYTEST_AIOHTTP in names and not aiohttp_on_pytest_asyncio
            ),
            pytest_ceiling=pytest_ceiling,
            names_pytest=True,
            runner_beside_pytest_asyncio=next(
                (name for name in TAKE_EVERY_COROUTINE_TEST if name in names), None
            ),
        )
    runner = next((name for name in OTHER_RUNNERS if name in names), None)
    without = (
        runner is None
        and any(_names(text, PYTEST) for text in texts)
        and not any(_names(lock, PYTEST_ASYNCIO) for lock in locks)
    )
    return _Declared(
        runner, tuple(read), False, ceiling,
        pytest_without_pytest_asyncio=without, pytest_ceiling=pytest_ceiling,
        names_pytest=bool(names) or any(_names(text, PYTEST) for text in [*texts, *locks]),
    )


def _names(text: str, name: str) -> bool:
    """``name`` occurs in ``text`` as a whole distribution name (``pytest-aio`` is not in
    ``pytest-aiohttp``). A substring search, then a look at each end: a regex with
    look-arounds took three times as long over real projects' dependency files."""
    start = text.find(name)
    while start != -1:
        end = start + len(name)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not _in_name(before) and not _in_name(after):
            return True
        start = text.find(name, start + 1)
    return False


def _in_name(character: str) -> bool:
    return character.isalnum() or character == "-"


def _lock_files(root: str) -> Tuple[str, ...]:
    try:
        entries = os.listdir(root)
    except OSError:
        return ()
    # rye writes requirements.lock and requirements-dev.lock
    names = [n for n in _LOCK_FILES if n in entries] + sorted(
        n for n in entries if n.startswith("requirements") and n.endswith(".lock")
    )
    paths = (os.path.join(root, name) for name in names)
    return tuple(path for path in paths if os.path.isfile(path))


def _dependency_files(root: str) -> Tuple[str, ...]:
    try:
        entries = os.listdir(root)
    except OSError:
        return ()
    found = [os.path.join(root, name) for name in _FILES if name in entries]
    found += [
        os.path.join(root, name)
        for name in sorted(entries)
        if "requirements" in name.lower() and name.endswith((".txt", ".in"))
    ]
    for directory in _REQUIREMENT_DIRS:
        if directory not in entries:
            continue
        folder = os.path.join(root, directory)
        try:
            inside = sorted(os.listdir(folder))
        except OSError:
            continue
        found += [os.path.join(folder, n) for n in inside if n.endswith((".txt", ".in"))]
    return tuple(path for path in found if os.path.isfile(path))
