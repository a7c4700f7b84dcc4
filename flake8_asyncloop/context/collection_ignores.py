"""Whether pytest leaves a file uncollected because a conftest.py's ``collect_ignore`` or
``collect_ignore_glob`` names it or a directory above it, because it sits in a hidden
directory, which pytest's default ``norecursedirs`` (``.*``) never enters, or because it
lies outside the config's ``testpaths``.

pytest asks, for each path it is about to collect (directories on the way included), the
nearest conftest.py that defines each list: an entry of ``collect_ignore`` is a path
relative to that conftest's directory, one of ``collect_ignore_glob`` an ``fnmatch``
pattern, also relative to it, matched against the whole path (so ``*`` crosses ``/``).
"""

from __future__ import annotations

import fnmatch
import os
from functools import lru_cache
from typing import Optional, Sequence

from flake8_asyncloop.context.model import ConftestFacts, PytestConfig


def ignored_by_conftest(path: str, conftests: Sequence[ConftestFacts]) -> bool:
    """Whether ``path`` or a directory above it, up to the outermost conftest.py's
    directory, is one pytest does not collect. ``conftests`` is the file's chain, outermost
    first."""
    if not any(c.collect_ignore or c.collect_ignore_glob for c in conftests):
        return False
    top = os.path.dirname(os.path.abspath(conftests[0].path))
    candidate = os.path.abspath(path)
    while candidate != top and os.path.dirname(candidate) != candidate:
        parent = os.path.dirname(candidate)
        plain = _nearest(conftests, parent, "collect_ignore")
        if plain is not None and any(
            os.path.normpath(os.path.join(_directory(plain), entry)) == candidate
            for entry in plain.collect_ignore
        ):
            return True
        globbed = _nearest(conftests, parent, "collect_ignore_glob")
        if globbed is not None and any(
            fnmatch.fnmatch(candidate, os.path.join(_directory(globbed), pattern))
            for pattern in globbed.collect_ignore_glob
        ):
            return True
        candidate = parent
    return False


def _nearest(
    conftests: Sequence[ConftestFacts], directory: str, name: str
) -> Optional[ConftestFacts]:
    """The innermost conftest.py at or above ``directory`` that sets the list ``name``."""
    for conftest in reversed(conftests):
        if getattr(conftest, name) and _contains(_directory(conftest), directory):
            return conftest
    return None


def _directory(conftest: ConftestFacts) -> str:
    return os.path.dirname(os.path.abspath(conftest.path))


def _contains(directory: str, path: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def in_hidden_directory(path: str, root: Optional[str]) -> bool:
    """Whether a directory between the project root and ``path`` is hidden (``.claude/``,
    ``.tools/``): pytest does not recurse into it, so a ``test_*.py`` there is a script or
    a template, not a test module. A config that sets ``norecursedirs`` without ``.*`` is
    not read."""
    if root is None:
        return False
    directory = os.path.dirname(path)
    # The working directory matters only to a relative path (asking for it is a system call).
    return _hidden_between(directory, root, "" if os.path.isabs(directory) else os.getcwd())


@lru_cache(maxsize=256)  # asked for every file: once per directory (and working directory)
def _hidden_between(directory: str, root: str, cwd: str) -> bool:
    relative = os.path.relpath(os.path.join(cwd, directory), root)
    if relative == "." or relative.startswith(".."):
        return False
    return any(part.startswith(".") for part in relative.split(os.sep))


def outside_testpaths(path: str, config: PytestConfig) -> bool:
    """Whether a test module lies outside every path of the config's ``testpaths``: a run
    of ``pytest`` with no paths given never collects it (``scripts/test_models.py``, a
    script run by hand). When no entry exists on disk pytest searches the whole directory
    instead, and so does this answer."""
    roots = config.testpaths
    if not roots:
        return False
    candidate = os.path.abspath(path)
    return not any(candidate == root or candidate.startswith(root + os.sep) for root in roots)
