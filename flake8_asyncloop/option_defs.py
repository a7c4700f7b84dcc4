"""The plugin's options, defined once for flake8, the standalone command and the docs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Optional, Tuple

from flake8_asyncloop.options import Options


def _dotted_names(value: Any) -> Tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value or ())
    names = tuple(item.strip() for item in items if item.strip())
    for name in names:
        if not all(part.isidentifier() for part in name.split(".")):
            raise ValueError(f"{name!r} is not a dotted name such as 'mylib.Client'")
    return names


# A release as pip shows it: ``1.0``, ``1.4.1.post1``, ``1.0.0rc1``, ``0.23.dev0+local``.
_VERSION = re.compile(
    r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?(\+[a-z0-9.]+)?", re.IGNORECASE
)


def _version(value: Any) -> Optional[str]:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if _VERSION.fullmatch(text) is None:
        raise ValueError(f"{text!r} is not a version such as '0.21' or '1.0'")
    return text


@dataclass(frozen=True)
class OptionDef:
    flag: str  # command-line flag; the config key is the flag without dashes
    field: str  # the Options field it sets
    help: str
    metavar: str
    convert: Callable[[Any], Any]
    comma_separated: bool = False

    @property
    def config_key(self) -> str:
        return self.flag.lstrip("-")


OPTION_DEFS: Tuple[OptionDef, ...] = (
    OptionDef(
        "--asyncloop-loop-bound-names",
        "loop_bound_names",
        "Constructors of your own whose objects are bound to the event loop they were made "
        "on (dotted names such as myapp.db.Pool, comma-separated); ALP206, ALP501 and ALP502 "
        "use them besides asyncio's and the known libraries'.",
        "NAMES",
        _dotted_names,
        comma_separated=True,
    ),
    OptionDef(
        "--asyncloop-pytest-asyncio-version",
        "pytest_asyncio_version",
        "The pytest-asyncio version to lint for (such as 0.23 or 1.0), when it is not the "
        "installed one; the rules about deprecated or removed pytest-asyncio features word "
        "their findings for it, or stay silent where it still supports them.",
        "VERSION",
        _version,
    ),
)


def register_flake8_options(manager: Any) -> None:
    for option in OPTION_DEFS:
        manager.add_option(
            option.flag,
            default="",
            metavar=option.metavar,
            help=option.help,
            parse_from_config=True,
            comma_separated_list=option.comma_separated,
        )


def options_from_flake8(namespace: Any) -> Options:
    values = {}
    for option in OPTION_DEFS:
        raw = getattr(namespace, option.config_key.replace("-", "_"), None)
        try:
            values[option.field] = option.convert(raw)
        except ValueError as error:
            import argparse

            raise argparse.ArgumentTypeError(f"{option.flag}: {error}") from None
    return Options(**values)
