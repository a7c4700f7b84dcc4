"""Write pytest settings into the config file pytest uses, changing nothing else in it.

Used by ``fix`` for fixes that need a setting (ALP201's migration of a project-wide
``event_loop`` override sets the default loop scopes). Only a one-line ``key = value`` is
ever replaced; a new key goes right below the section header. Anything unusual (no such
section, the key spread over lines, a value that would have to be merged) leaves the file
alone and says why.
"""

from __future__ import annotations

import configparser
import os
import re
import sys
from typing import List, Mapping, Optional, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

# The section pytest reads in each kind of file (see context/pytest_config.py).
INI_SECTIONS = {
    "pytest.ini": ("pytest",),
    ".pytest.ini": ("pytest",),
    "tox.ini": ("pytest",),
    "setup.cfg": ("tool:pytest",),
}
TOML_SECTIONS = {
    "pyproject.toml": ("tool.pytest.ini_options", "tool.pytest"),
    "pytest.toml": ("pytest",),
    ".pytest.toml": ("pytest",),
}
_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:[#;].*)?$")


class ConfigEditError(Exception):
    """The settings cannot be written safely; the message says why."""


def with_settings(text: str, path: str, settings: Mapping[str, str]) -> str:
    """``text`` of the config file at ``path`` with each of ``settings`` set."""
    name = os.path.basename(path)
    is_toml = name in TOML_SECTIONS
    wanted = TOML_SECTIONS.get(name) or INI_SECTIONS.get(name)
    if wanted is None:
        raise ConfigEditError(f"{name} is not a pytest config file")
    lines = text.splitlines(keepends=True)
    header, end = _section(lines, wanted)
    newline = _newline_of(lines)
    inserted: List[str] = []
    for key, value in settings.items():
        written = f'"{value}"' if is_toml else value
        existing = _key_line(lines, header + 1, end, key, is_toml)
        if existing is None:
            inserted.append(f"{key} = {written}{newline}")
            continue
        match = existing[1]
        if _continues(lines, existing[0] + 1, end, is_toml, match):
            raise ConfigEditError(f"{key} spans several lines in {name}; set it to {value} by hand")
        line = lines[existing[0]]
        lines[existing[0]] = line[: match.start("value")] + written + line[match.end("value"):]
    if not lines[header].endswith(("\n", "\r")):
        lines[header] += newline
    lines[header + 1:header + 1] = inserted
    new_text = "".join(lines)
    _check_parses(new_text, is_toml, name)
    return new_text


def _check_parses(text: str, is_toml: bool, name: str) -> None:
    """Never hand back a config file its reader would reject."""
    try:
        if is_toml:
            tomllib.loads(text)
        else:
            configparser.ConfigParser(interpolation=None).read_string(text)
    except (tomllib.TOMLDecodeError, configparser.Error) as error:
        raise ConfigEditError(f"{name} would not parse after the change ({error})") from error


def _section(lines: List[str], wanted: Tuple[str, ...]) -> Tuple[int, int]:
    """Index of the section's header line and of the line after the section."""
    headers = [(i, m.group(1)) for i, line in enumerate(lines) for m in [_HEADER.match(line)] if m]
    for name in wanted:
        found = [i for i, title in headers if _normalise(title) == name]
        if len(found) == 1:
            start = found[0]
            end = next((i for i, _ in headers if i > start), len(lines))
            return start, end
        if len(found) > 1:
            raise ConfigEditError(f"[{name}] appears more than once")
    raise ConfigEditError(f"no [{wanted[0]}] section")


def _normalise(title: str) -> str:
    return re.sub(r"\s*\.\s*", ".", title.strip())


def _key_line(
    lines: List[str], start: int, end: int, key: str, is_toml: bool
) -> Optional[Tuple[int, "re.Match[str]"]]:
    separator = "=" if is_toml else "[=:]"
    value = r'"[^"\n]*"' + r"|'[^'\n]*'" + r'|[^\s#;"\']*' if is_toml else r"[^\r\n]*?"
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*{separator}\s*(?P<value>{value})\s*(?:[#;].*)?$")
    for index in range(start, end):
        match = pattern.match(lines[index].rstrip("\r\n"))
        if match:
            return index, match
    return None


def _continues(
    lines: List[str], index: int, end: int, is_toml: bool, match: "re.Match[str]"
) -> bool:
    """Whether the value goes on below its key line (an indented ini continuation, or an
    empty value whose text is on the next lines)."""
    if not match.group("value"):
        return True
    if is_toml or index >= end:
        return False
    following = lines[index]
    return bool(following.strip()) and following[:1] in (" ", "\t")


def _newline_of(lines: List[str]) -> str:
    for line in lines:
        if line.endswith("\r\n"):
            return "\r\n"
        if line.endswith("\n"):
            return "\n"
    return "\n"
