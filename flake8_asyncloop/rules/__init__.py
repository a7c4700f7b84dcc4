"""The registry: every ``Rule`` subclass defined in a module of this package, ordered by code."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Dict, Tuple, Type

from flake8_asyncloop.rule import Rule


def _discover() -> Tuple[Type[Rule], ...]:
    found: Dict[str, Type[Rule]] = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule:
                if value.__module__ != module.__name__:
                    continue  # imported, not defined here
                if value.code in found and found[value.code] is not value:
                    raise RuntimeError(f"two rules claim {value.code}")
                found[value.code] = value
    return tuple(found[code] for code in sorted(found))


ALL_RULES: Tuple[Type[Rule], ...] = _discover()
RULES_BY_CODE: Dict[str, Type[Rule]] = {rule.code: rule for rule in ALL_RULES}
DEFAULT_DISABLED: Tuple[str, ...] = tuple(r.code for r in ALL_RULES if not r.default_enabled)
