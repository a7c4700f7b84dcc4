"""The top-level module names of the standard library, for the Python that runs the tool."""

from __future__ import annotations

import os
import sys
import sysconfig
from functools import lru_cache
from typing import FrozenSet


@lru_cache(maxsize=1)
def standard_library() -> FrozenSet[str]:
    names = getattr(sys, "stdlib_module_names", None)
    if names is None:  # Python 3.9: the names in the standard library's directory
        names = set(sys.builtin_module_names)
        try:
            for entry in os.listdir(sysconfig.get_paths()["stdlib"]):
                names.add(entry[:-3] if entry.endswith(".py") else entry)
        except (OSError, KeyError):
            pass
        names.discard("test")  # CPython's own test suite: a project's test/ wins
    return frozenset(names)


def in_standard_library(module: str) -> bool:
    """Whether the dotted ``module`` (``asyncio.events``) belongs to the standard library."""
    return module.partition(".")[0] in standard_library()
