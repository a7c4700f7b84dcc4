"""How far the project's dependency files let pytest-asyncio go, read from their pins.

The installed pytest-asyncio is the linter's, which may not be the project's (a pre-commit
environment, a newer machine). A pin is the project's own word: ``pytest-asyncio==0.21.1``,
``pytest-asyncio<0.22``, Poetry's ``^0.21``, or a pytest too old for newer releases
(``pytest==6.1.0``: pytest-asyncio 0.24, the first with loop-scope defaults, needs pytest
8.2). Read as text, like ``declared_plugins``, from the same files, and the versions that
lock files (uv, Poetry, PDM, Pipenv) resolved.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Optional, Tuple

Version = Tuple[int, ...]

# pytest-asyncio 0.24 requires pytest >= 8.2: a pytest held below that holds it below 0.24.
_PYTEST_FOR_LOOP_SCOPE_DEFAULTS = (8, 2)
_LOOP_SCOPE_DEFAULTS = (0, 24)
# Past every release of a version given in full (``==0.21.1`` allows 0.21.1 and its
# post-releases, nothing above).
_AND_ITS_POST_RELEASES = 10**9

_VERSION = r"[0-9][0-9a-z.*+!-]*"
_SPECIFIER = rf"(?:===?|<=?|>=?|!=|~=|\^|~)\s*{_VERSION}"
# A distribution name, then (extras,) an optional ``=`` or ``:`` and quote (Pipfile, Poetry),
# then a comma-separated list of specifiers. The text is lower-cased, ``_`` made ``-``.
_PIN = re.compile(
    rf"(?<![\w.-])(pytest-asyncio|pytest)(?![\w.-])\s*(?:\[[^\]\n]*\])?\s*"
    rf"(?:[=:]\s*[\"']?\s*(?=[<>=!~^]))?[\"']?\s*({_SPECIFIER}(?:\s*,\s*{_SPECIFIER})*)"
)


def pytest_asyncio_ceiling(texts: Iterable[str]) -> Optional[Version]:
    """The lowest exclusive upper bound the pins in ``texts`` (normalised dependency files)
    put on pytest-asyncio; None when nothing bounds it."""
    ceiling: Optional[Version] = None
    for text in texts:
        for match in _PIN.finditer(text):
            name, specifiers = match.groups()
            bound = _exclusive_bound(specifiers)
            if bound is None:
                continue
            if name == "pytest":
                if bound > _PYTEST_FOR_LOOP_SCOPE_DEFAULTS:
                    continue
                bound = _LOOP_SCOPE_DEFAULTS
            if ceiling is None or bound < ceiling:
                ceiling = bound
    return ceiling


# A resolved package in a lock file: uv.lock, poetry.lock and pdm.lock write ``name`` then
# ``version`` on the next line; Pipfile.lock keys each package's table by its name.
_LOCKED = re.compile(
    r'^name = "(pytest-asyncio|pytest)"[ \t]*\r?\nversion = "([^"]+)"'
    r'|"(pytest-asyncio|pytest)": \{[^{}]*?"version": "==([^"]+)"',
    re.MULTILINE,
)


def pinned_below(texts: Iterable[str], name: str, version: Version) -> bool:
    """Whether a pin in ``texts`` (normalised dependency files) keeps distribution ``name``
    below ``version``: ``pytest-aiohttp<1``, ``pytest-aiohttp==0.3.0``."""
    pattern = _pin_pattern(name)
    for text in texts:
        for match in pattern.finditer(text):
            bound = _exclusive_bound(match.group(1))
            if bound is not None and bound <= version:
                return True
    return False


@lru_cache(maxsize=4)
def _pin_pattern(name: str) -> "re.Pattern[str]":
    return re.compile(
        rf"(?<![\w.-]){re.escape(name)}(?![\w.-])\s*(?:\[[^\]\n]*\])?\s*"
        rf"(?:[=:]\s*[\"']?\s*(?=[<>=!~^]))?[\"']?\s*({_SPECIFIER}(?:\s*,\s*{_SPECIFIER})*)"
    )


def locked_below(texts: Iterable[str], name: str, version: Version) -> bool:
    """Whether a lock in ``texts`` resolved distribution ``name`` only to releases below
    ``version`` (the newest it resolved, when it resolved several)."""
    pattern = re.compile(
        rf'^name = "{re.escape(name)}"[ \t]*\r?\nversion = "([^"]+)"'
        rf'|"{re.escape(name)}": \{{[^{{}}]*?"version": "==([^"]+)"',
        re.MULTILINE,
    )
    matches = [match for text in texts for match in pattern.finditer(text)]
    known = [v for v in (_parse(m.group(1) or m.group(2)) for m in matches) if v is not None]
    return bool(known) and max(known) < version


def locked_pytest_asyncio_ceiling(texts: Iterable[str]) -> Optional[Version]:
    """The same bound from lock files (normalised like the rest): the version a lock
    resolved is the one its suite runs. A lock may resolve a package once per range of
    Python versions; the newest of them is taken."""
    newest = {}
    for text in texts:
        for match in _LOCKED.finditer(text):
            name = match.group(1) or match.group(3)
            version = _parse(match.group(2) or match.group(4))
            if version is not None and version > newest.get(name, ()):
                newest[name] = version
    bounds = []
    if "pytest-asyncio" in newest:
        bounds.append(newest["pytest-asyncio"] + (_AND_ITS_POST_RELEASES,))
    if "pytest" in newest and newest["pytest"] < _PYTEST_FOR_LOOP_SCOPE_DEFAULTS:
        bounds.append(_LOOP_SCOPE_DEFAULTS)
    return min(bounds) if bounds else None


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
