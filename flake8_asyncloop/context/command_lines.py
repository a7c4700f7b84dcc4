"""Whether the project starts pytest in auto mode from a command line.

A project may leave ``asyncio_mode`` out of its pytest config and pass it where pytest is
started: ``pytest --asyncio-mode=auto`` in a Makefile, a tox or nox session, a CI
workflow, or the README's instructions for running the tests. The config then says strict
mode, while every run the project describes is in auto mode, and the rules that report
what only strict mode gets wrong would flag each unmarked async test. Where such a command
line is found, the asyncio mode counts as unknown.

The files looked at are the usual homes of test commands: make, just, tox, nox and task
files, ``pyproject.toml`` and ``setup.cfg`` (script tables), shell scripts, CI workflows,
and the README and contributor guides. They are looked for at the project root and, when
a ``.git`` up to three levels above marks the repository's top, in the directories up to
it (a monorepo keeps its CI at the top). Each is read once per run, and at most its first
megabyte.

The same files, guides left out, also say whether the project runs pytest at all
(``runs_pytest``): with the dependency files, that tells a project that keeps its test
setup in sight from a monorepo package shipped without it.
"""

from __future__ import annotations

import os
import re
from typing import Dict, Iterator, List, Optional, Tuple

from flake8_asyncloop.context.text_files import HEAD_BYTES, read_text

# ``--asyncio-mode=auto``, ``--asyncio-mode auto``, ``-o asyncio_mode=auto``
_AUTO_ON_COMMAND_LINE = re.compile(
    r"--asyncio-mode(?:=|[ \t]+)[\"']?auto\b|-o[ \t]*[\"']?asyncio_mode[ \t]*=[ \t]*auto\b"
)
_COMMAND_FILES = frozenset(
    {"makefile", "gnumakefile", "justfile", "taskfile.yml", "taskfile.yaml", "tox.ini",
     "noxfile.py", "pyproject.toml", "setup.cfg", ".gitlab-ci.yml", "azure-pipelines.yml",
     ".pre-commit-config.yaml"}
)
_GUIDE_PREFIXES = ("readme", "contributing", "development", "hacking", "agents", "claude")
_GUIDE_SUFFIXES = ("", ".md", ".rst", ".txt")
_CI_DIRECTORIES = (os.path.join(".github", "workflows"), ".circleci")
# How far above the project root the repository's top (``.git``) is looked for.
_LEVELS_ABOVE = 3

_answers: Dict[str, Tuple[bool, bool]] = {}  # by root: (says auto mode, runs pytest)


def asyncio_mode_on_command_line(root: Optional[str]) -> bool:
    """Whether a file at ``root`` or above it starts pytest with ``--asyncio-mode=auto``."""
    return root is not None and _answer(root)[0]


def runs_pytest(root: Optional[str]) -> bool:
    """Whether a file at ``root`` or above it that runs commands (a Makefile, a tox or nox
    file, a shell script, a CI workflow; not a guide) names pytest: the project keeps its
    test setup in sight."""
    return root is not None and _answer(root)[1]


def clear_cache() -> None:
    _answers.clear()


_PYTEST_WORD = re.compile(r"\bpytest\b")


def _answer(root: str) -> Tuple[bool, bool]:
    """Both answers for ``root``, from one reading of each file."""
    known = _answers.get(root)
    if known is None:
        says_auto = runs = False
        for path, guide in _command_files(root):
            text = read_text(path, HEAD_BYTES) or ""
            says_auto = says_auto or _AUTO_ON_COMMAND_LINE.search(text) is not None
            runs = runs or (not guide and _PYTEST_WORD.search(text) is not None)
            if says_auto and runs:
                break
        known = _answers[root] = (says_auto, runs)
    return known


def _command_files(root: str) -> Iterator[Tuple[str, bool]]:
    """(path, whether it is a guide) for each file that may hold a test command."""
    for directory in _project_directories(os.path.abspath(root)):
        yield from _files_in(directory)
        for ci in _CI_DIRECTORIES:
            yield from _files_in(os.path.join(directory, ci), every=True)


def _project_directories(root: str) -> List[str]:
    """The root, and the directories above it up to the repository's top (the first that
    holds ``.git``, at most ``_LEVELS_ABOVE`` up); the root alone when none is found, so
    that nothing outside the project (a home directory, ``/tmp``) is read."""
    directories = [root]
    directory = root
    for _ in range(_LEVELS_ABOVE + 1):
        if os.path.exists(os.path.join(directory, ".git")):
            return directories
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
        directories.append(directory)
    return [root]


def _files_in(directory: str, every: bool = False) -> Iterator[Tuple[str, bool]]:
    """(path, whether it is a guide) for the files of ``directory`` that may hold a test
    command (``every``: all of them, none a guide)."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return
    for name in names:
        lowered = name.lower()
        stem, suffix = os.path.splitext(lowered)
        guide = not every and stem.startswith(_GUIDE_PREFIXES) and suffix in _GUIDE_SUFFIXES
        if every or guide or lowered in _COMMAND_FILES or suffix == ".sh":
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                yield path, guide
