"""Installed versions of the packages whose behaviour the rules describe."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional, Tuple

Version = Tuple[int, ...]

_RELEASE = re.compile(r"\d+(?:\.\d+)*")


def parse_version(text: Optional[str]) -> Optional[Version]:
    """``(1, 5, 0)`` for ``"1.5.0"``; the release part only (``"1.0.0a1"`` -> ``(1, 0, 0)``)."""
    if not text:
        return None
    match = _RELEASE.match(text.strip().lstrip("vV"))
    if match is None:
        return None
    return tuple(int(part) for part in match.group().split("."))


@lru_cache(maxsize=None)
def installed_version(distribution: str) -> Optional[Version]:
    """The installed version of a distribution, or None when it is not installed."""
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover - Python 3.9+ always has it
        return None
    try:
        return parse_version(version(distribution))
    except PackageNotFoundError:
        return None
    except Exception:  # broken metadata must not stop the linter
        return None


def pytest_asyncio_version(pinned: Optional[str] = None) -> Optional[Version]:
    """The pytest-asyncio version to lint for: the pinned one if given, else the installed one."""
    if pinned:
        parsed = parse_version(pinned)
        if parsed is not None:
            return parsed
    return installed_version("pytest-asyncio")


def pytest_version() -> Optional[Version]:
    return installed_version("pytest")
