"""Which files a run checks: the paths given, directories walked for ``*.py``, minus excludes.

Exclude patterns match as flake8's do: against a file's or directory's name, and against its
absolute path (patterns holding a slash were made absolute when read). Paths named on the
command line are subject to them too, as under flake8; stdin (``-``) never is.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Set, Tuple

STDIN = "-"
_PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass
class Discovered:
    files: List[str] = field(default_factory=list)  # as they will be shown, in order; "-" is stdin
    skipped: List[Tuple[str, str]] = field(default_factory=list)  # (path, why), not errors
    missing: List[Tuple[str, str]] = field(default_factory=list)  # (path, why): errors
    excluded_dirs: List[str] = field(default_factory=list)  # left out by an exclude pattern
    excluded_files: List[str] = field(default_factory=list)  # .py files left out by one


def discover(paths: Sequence[str], exclude: Sequence[str]) -> Discovered:
    found = Discovered()
    seen_files: Set[object] = set()

    def add(path: str) -> None:
        # One file reached twice (named twice, or through a symlink) is checked once. Told
        # by device and inode: one stat, where realpath looks at every part of the path.
        try:
            status = os.stat(path)
            identity: object = (status.st_dev, status.st_ino)
        except OSError:
            identity = os.path.abspath(path)  # the checker reports why it cannot be read
        if identity not in seen_files:
            seen_files.add(identity)
            found.files.append(path)

    for path in paths:
        if path == STDIN:
            found.files.append(path)
        elif is_excluded(path, exclude):
            if os.path.isdir(path):
                found.excluded_dirs.append(path)
        elif os.path.isdir(path):
            for file in _walk(path, exclude, found):
                add(file)
        elif os.path.isfile(path):
            if looks_like_python(path):
                add(path)
            else:
                found.skipped.append((path, "not a Python file (no .py suffix or python shebang)"))
        elif os.path.lexists(path):
            found.missing.append((path, "not a regular file or directory"))
        else:
            found.missing.append((path, "no such file or directory"))
    return found


def is_excluded(path: str, patterns: Sequence[str]) -> bool:
    if not patterns:
        return False
    name = os.path.basename(os.path.normpath(path))
    if name not in (".", "..", "") and _matches(name, patterns):
        return True
    return _matches(os.path.abspath(path), patterns)


def holds_tests(directory: str) -> bool:
    """Whether a directory holds a conftest.py or a ``test_*.py`` module at its top."""
    try:
        names = os.listdir(directory)
    except OSError:
        return False
    return any(is_test_module_name(n) for n in names)


def is_test_module_name(name: str) -> bool:
    return name == "conftest.py" or (name.startswith("test_") and name.endswith(".py"))


def looks_like_python(path: str) -> bool:
    if path.endswith(_PYTHON_SUFFIXES):
        return True
    try:
        with open(path, "rb") as stream:
            first = stream.readline(200)
    except OSError:
        return True  # let the checker report why it cannot be read
    return first.startswith(b"#!") and b"python" in first


def _walk(top: str, exclude: Sequence[str], found: Discovered) -> List[str]:
    files: List[str] = []
    # Symlinked directories are followed; a directory reached again (a symlink loop, or two
    # links to one place) is not entered twice.
    visited: Set[Tuple[int, int]] = set()
    root_key = _dir_key(top)
    if root_key is not None:
        visited.add(root_key)
    for directory, subdirs, names in os.walk(top, followlinks=True):
        kept = []
        for subdir in sorted(subdirs):
            path = os.path.join(directory, subdir)
            if is_excluded(path, exclude):
                found.excluded_dirs.append(path)
                continue
            key = _dir_key(path)
            if key is None or key in visited:
                continue
            visited.add(key)
            kept.append(subdir)
        subdirs[:] = kept
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                if is_excluded(path, exclude):
                    found.excluded_files.append(path)
                else:
                    files.append(path)
    return sorted(files)  # flake8 reports in path order


def _matches(text: str, patterns: Sequence[str]) -> bool:
    return _pattern(tuple(patterns)).match(os.path.normcase(text)) is not None


@functools.lru_cache(maxsize=16)
def _pattern(patterns: Tuple[str, ...]) -> "re.Pattern[str]":
    """The patterns as one expression: ``fnmatch.fnmatch`` against each, for every path."""
    return re.compile("|".join(fnmatch.translate(os.path.normcase(p)) for p in patterns))


def _dir_key(path: str) -> Optional[Tuple[int, int]]:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino
