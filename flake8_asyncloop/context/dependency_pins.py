"""How far the project's dependency files let pytest-asyncio go, read from their pins.

The installed pytest-asyncio is the linter's, which may not be the project's (a pre-commit
environment, a newer machine). A pin is the project's own word: ``pytest-asyncio==0.21.1``,
``pytest-asyncio<0.22``, Poetry's ``^0.21``, or a pytest too old for newer releases
(``pytest==6.1.0``: pytest-asyncio 0.24, the first with loop-scope defaults, needs pytest
8.2). Read as text, like ``declared_plugins``, from the same files, and the versions that
lock files (uv, Poetry, PDM, Pipenv, rye) resolved.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, Iterable, Optional, Tuple

Version = Tuple[int, ...]

# pytest-asyncio 0.24 requires pytest >= 8.2: a pytest held below that holds it below 0.24.
_PYTEST_FOR_LOOP_SCOPE_DEFAULTS = (8, 2)
_LOOP_SCOPE_DEFAULTS = (0, 24)
# pytest-asyncio 0.22.0 is yanked, and 0.23.0 was the next release: a bound up to 0.23.0
# keeps the suite on 0.21.
_YANKED_0_22 = (0, 22)
_RELEASE_AFTER_0_22 = (0, 23, 0)
# Past every release of a version given in full (``==0.21.1`` allows 0.21.1 and its
# post-releases, nothing above).
_AND_ITS_POST_RELEASES = 10**9

_VERSION = r"[0-9][0-9a-z.*+!-]*"
_SPECIFIER = rf"(?:===?|<=?|>=?|!=|~=|\^|~)\s*{_VERSION}"
_PYTEST_ASYNCIO = ("pytest-asyncio", "pytest")


@lru_cache(maxsize=4)
def _pin_pattern(names: Tuple[str, ...]) -> "re.Pattern[str]":
    """A distribution name of ``names``, then (extras,) an optional ``=`` or ``:`` and quote
    (Pipfile, Poetry), then a comma-separated list of specifiers. The text is lower-cased,
    ``_`` made ``-``. Groups: the name, the specifiers."""
    alternatives = "|".join(re.escape(name) for name in names)
    return re.compile(
        rf"(?<![\w.-])({alternatives})(?![\w.-])\s*(?:\[[^\]\n]*\])?\s*"
        rf"(?:[=:]\s*[\"']?\s*(?=[<>=!~^]))?[\"']?\s*({_SPECIFIER}(?:\s*,\s*{_SPECIFIER})*)"
    )


@lru_cache(maxsize=4)
def _locked_pattern(names: Tuple[str, ...]) -> "re.Pattern[str]":
    """A resolved package of ``names`` in a lock file: uv.lock, poetry.lock and pdm.lock write
    ``name`` then ``version`` on the next line; Pipfile.lock keys each package's table by
    its name; rye's ``requirements*.lock`` are requirements files of ``name==version``
    lines. Groups: name and version, in one of the three alternatives."""
    alternatives = "|".join(re.escape(name) for name in names)
    return re.compile(
        rf'^name = "({alternatives})"[ \t]*\r?\nversion = "([^"]+)"'
        rf'|"({alternatives})": \{{[^{{}}]*?"version": "==([^"]+)"'
        rf"|^({alternatives})==([0-9][^\s;#\\]*)",
        re.MULTILINE,
    )


def pytest_asyncio_ceiling(texts: Iterable[str]) -> Optional[Version]:
    """The lowest exclusive upper bound the pins in ``texts`` (normalised dependency files)
    put on pytest-asyncio; None when nothing bounds it."""
    ceiling: Optional[Version] = None
    for text in texts:
        for match in _pin_pattern(_PYTEST_ASYNCIO).finditer(text):
            name, specifiers = match.groups()
            bound = _exclusive_bound(specifiers)
            if bound is None:
                continue
            if name == "pytest":
                if bound > _PYTEST_FOR_LOOP_SCOPE_DEFAULTS:
                    continue
                bound = _LOOP_SCOPE_DEFAULTS
            elif _YANKED_0_22 < bound <= _RELEASE_AFTER_0_22:
                bound = _YANKED_0_22  # pip passes over a yanked release: 0.21 is installed
            if ceiling is None or bound < ceiling:
                ceiling = bound
    return ceiling


def pinned_ceiling(texts: Iterable[str], name: str) -> Optional[Version]:
    """The lowest exclusive upper bound the pins in ``texts`` put on distribution ``name``;
    None when nothing bounds it."""
    bounds = [
        bound
        for text in texts
        for match in _pin_pattern((name,)).finditer(text)
        for bound in (_exclusive_bound(match.group(2)),)
        if bound is not None
    ]
    return min(bounds) if bounds else None


def locked_ceiling(texts: Iterable[str], name: str) -> Optional[Version]:
    """The same bound from lock files: just above the release a lock resolved."""
    newest = _newest_locked(texts, (name,)).get(name)
    return None if newest is None else newest + (_AND_ITS_POST_RELEASES,)


def pinned_below(texts: Iterable[str], name: str, version: Version) -> bool:
    """Whether a pin in ``texts`` (normalised dependency files) keeps distribution ``name``
    below ``version``: ``pytest-aiohttp<1``, ``pytest-aiohttp==0.3.0``."""
    ceiling = pinned_ceiling(texts, name)
    return ceiling is not None and ceiling <= version


def locked_below(texts: Iterable[str], name: str, version: Version) -> bool:
    """Whether a lock in ``texts`` resolved distribution ``name`` only to releases below
    ``version`` (the newest it resolved, when it resolved several)."""
    ceiling = locked_ceiling(texts, name)
    return ceiling is not None and ceiling <= version


def locked_pytest_asyncio_ceiling(texts: Iterable[str]) -> Optional[Version]:
    """The same bound from lock files (normalised like the rest): the version a lock
    resolved is the one its suite runs."""
    newest = _newest_locked(texts, _PYTEST_ASYNCIO)
    bounds = []
    if "pytest-asyncio" in newest:
        bounds.append(newest["pytest-asyncio"] + (_AND_ITS_POST_RELEASES,))
    if "pytest" in newest and newest["pytest"] < _PYTEST_FOR_LOOP_SCOPE_DEFAULTS:
        bounds.append(_LOOP_SCOPE_DEFAULTS)
    return min(bounds) if bounds else None


def _newest_locked(texts: Iterable[str], names: Tuple[str, ...]) -> Dict[str, Version]:
    """The version locks resolved for each of ``names``. A lock may resolve a package once
    per range of Python versions; the newest of them is taken."""
    newest: Dict[str, Version] = {}
    pattern = _locked_pattern(names)
    for text in texts:
        for match in pattern.finditer(text):
            name = match.group(1) or match.group(3) or match.group(5)
            version = _parse(match.group(2) or match.group(4) or match.group(6))
            if version is not None and version > newest.get(name, ()):
                newest[name] = version
    return newest


def _exclusive_bound(specifiers: str) -> Optional[Version]:
    """The lowest version the specifiers exclude from above (every version allowed is
    below it); None when they set no upper bound."""
    bounds = []
    for specifier in specifiers.split(","):
        operator, version_text = _split(specifier.strip())
        version = _parse(version_text)
        if version is None:
            continue
        if operator == "<":
            # ``<1.0.0`` is ``<1.0``: as tuples (1, 0, 0) would sort above (1, 0)
            while len(version) > 2 and version[-1] == 0:
                version = version[:-1]
            bounds.append(version)
        elif operator in ("<=", "==", "==="):
            if version_text.endswith(".*"):
                bounds.append(version[:-1] + (version[-1] + 1,))
            else:
                bounds.append(version + (_AND_ITS_POST_RELEASES,))
        elif operator == "~=" and len(version) >= 2:
            bounds.append(version[:-2] + (version[-2] + 1,))
        elif operator == "^":
            # Poetry: the leftmost non-zero component may not change (^0.21 is <0.22)
            index = next((i for i, part in enumerate(version) if part), len(version) - 1)
            bounds.append(version[:index] + (version[index] + 1,))
        elif operator == "~":
            # Poetry: ~1.2 is <1.3, ~1 is <2
            index = min(1, len(version) - 1)
            bounds.append(version[:index] + (version[index] + 1,))
    return min(bounds) if bounds else None


def _split(specifier: str) -> Tuple[str, str]:
    for operator in ("===", "==", "<=", ">=", "!=", "~=", "<", ">", "^", "~"):
        if specifier.startswith(operator):
            return operator, specifier[len(operator):].strip()
    return "", specifier


def _parse(text: str) -> Optional[Version]:
    """The leading numeric release of a version (``0.21.1a1`` -> (0, 21, 1))."""
    parts = []
    for part in text.split("."):
        digits = re.match(r"[0-9]+", part)
        if digits is None:
            break
        parts.append(int(digits.group()))
        if digits.end() != len(part):
            break  # a pre-release or local tag ends the release
    return tuple(parts) if parts else None
