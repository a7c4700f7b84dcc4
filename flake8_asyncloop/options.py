"""Options every entry point (flake8 plugin, standalone command) hands to the rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple


@dataclass(frozen=True)
class Options:
    # Extra dotted names of constructors that build loop-bound objects (ALP5xx).
    loop_bound_names: Tuple[str, ...] = ()
    # The pytest-asyncio version to lint for, when it is not the installed one ("0.21", "1.0").
    pytest_asyncio_version: Optional[str] = None


DEFAULT_OPTIONS = Options()
