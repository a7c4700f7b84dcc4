"""Settings of the standalone command: config file values, overridden by the command line.

The config file is the first one found walking up from the current directory (flake8 does
not look in the home directory, nor do we): a ``pyproject.toml`` with a
``[tool.flake8-asyncloop]`` table, else a ``setup.cfg``, ``tox.ini`` or ``.flake8`` with a
``[flake8]`` section (flake8's order). Keys are the plugin's flake8 option names
(``asyncloop-loop-bound-names``) plus flake8's selection and exclusion keys; dashes and
underscores are interchangeable. A ``[flake8]`` section is shared with flake8 and its other
plugins, so only its ``asyncloop-*`` keys are validated there; in ``[tool.flake8-asyncloop]``
every key must be known. Every error names the file, the line when it can, and the key.
"""

from __future__ import annotations

import configparser
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from flake8_asyncloop.option_defs import OPTION_DEFS, OptionDef
from flake8_asyncloop.options import DEFAULT_OPTIONS, Options

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on older Pythons only
    import tomli as tomllib

PYPROJECT = "pyproject.toml"
TOML_TABLE = "tool.flake8-asyncloop"
INI_FILES = ("setup.cfg", "tox.ini", ".flake8")  # flake8's order within one directory
INI_SECTION = "flake8"
PLUGIN_KEY_PREFIX = "asyncloop-"

DEFAULT_EXCLUDE: Tuple[str, ...] = (
    ".git",
    ".venv",
    "venv",
    "build",
    "dist",
    "node_modules",
    # Installed packages: a virtualenv under another name (``env/``), or PEP 582's folder.
    "site-packages",
    "dist-packages",
    "__pypackages__",
    "__pycache__",
    ".tox",
    ".nox",
    ".eggs",
    "*.egg-info",
    ".flake8-asyncloop_cache",
)

# flake8 accepts codes and code prefixes of this shape in select/ignore (flake8/defaults.py).
_VALID_CODE_PREFIX = re.compile(r"^[A-Z]{1,3}[0-9]{0,3}$")
_LIST_SEPARATOR = re.compile(r"[,\s]")


class SettingsError(Exception):
    """A config file or command-line value the command cannot use; the message says where."""


@dataclass(frozen=True)
class Settings:
    select: Optional[Tuple[str, ...]] = None  # None: every rule enabled by default
    ignore: Tuple[str, ...] = ()
    extend_select: Tuple[str, ...] = ()
    extend_ignore: Tuple[str, ...] = ()
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: Tuple[str, ...] = ()
    options: Options = DEFAULT_OPTIONS
    config_path: Optional[str] = None  # the config file the values came from, if any

    @property
    def exclude_patterns(self) -> Tuple[str, ...]:
        return self.exclude + self.extend_exclude


@dataclass(frozen=True)
class Value:
    """One raw setting and where it came from: ``setup.cfg:12`` or ``--select``."""

    raw: Any
    origin: str
    base_dir: str  # relative exclude patterns are relative to this directory
    # False for flake8's own keys read from a [flake8] section: flake8 validates those, and
    # codes we cannot parse are simply not ours.
    strict: bool = True


@dataclass(frozen=True)
class ConfigFile:
    path: str
    values: Mapping[str, Value] = field(default_factory=dict)


# -- turning raw values into settings ----------------------------------------------------


def _split(raw: Any, what: str) -> List[str]:
    if isinstance(raw, str):
        return [item for item in _LIST_SEPARATOR.split(raw) if item]
    if isinstance(raw, (list, tuple)) and all(isinstance(item, str) for item in raw):
        return [part for item in raw for part in _LIST_SEPARATOR.split(item) if part]
    raise ValueError(f"expected {what} as a list of strings or a comma-separated string")


def _codes(value: Value) -> Tuple[str, ...]:
    codes = []
    for code in _split(value.raw, "codes"):
        code = code.upper()
        if _VALID_CODE_PREFIX.match(code):
            codes.append(code)
        elif value.strict:
            raise ValueError(f"{code!r} is not an error code or prefix such as 'ALP' or 'ALP101'")
    return tuple(codes)


def _patterns(value: Value) -> Tuple[str, ...]:
    # As flake8 does: a pattern with a slash is a path, relative to where it was written.
    patterns = []
    for pattern in _split(value.raw, "patterns"):
        if "/" in pattern:
            pattern = os.path.abspath(os.path.join(value.base_dir, pattern)).rstrip("/")
        patterns.append(pattern)
    return tuple(patterns)


def _option_converter(option: OptionDef) -> Callable[[Value], Any]:
    def convert(value: Value) -> Any:
        if option.comma_separated:
            return option.convert(_split(value.raw, "names"))
        if isinstance(value.raw, (list, tuple, dict, bool)):
            raise ValueError(f"expected a single {option.metavar.lower()}")
        return option.convert(value.raw)

    return convert


_SETTINGS_KEYS: Dict[str, Tuple[str, Callable[[Value], Any]]] = {
    "select": ("select", _codes),
    "ignore": ("ignore", _codes),
    "extend-select": ("extend_select", _codes),
    "extend-ignore": ("extend_ignore", _codes),
    "exclude": ("exclude", _patterns),
    "extend-exclude": ("extend_exclude", _patterns),
}
_OPTION_KEYS: Dict[str, Tuple[str, Callable[[Value], Any]]] = {
    option.config_key: (option.field, _option_converter(option)) for option in OPTION_DEFS
}
KNOWN_KEYS: Tuple[str, ...] = tuple(_SETTINGS_KEYS) + tuple(_OPTION_KEYS)


def normalise_key(key: str) -> str:
    return key.strip().lower().replace("_", "-")


def build_settings(values: Mapping[str, Value], config_path: Optional[str] = None) -> Settings:
    """Settings from raw values keyed by normalised name; raises SettingsError on a bad one."""
    settings: Dict[str, Any] = {}
    options: Dict[str, Any] = {}
    for key, value in values.items():
        if key in _SETTINGS_KEYS:
            target, convert = _SETTINGS_KEYS[key]
            destination = settings
        elif key in _OPTION_KEYS:
            target, convert = _OPTION_KEYS[key]
            destination = options
        else:
            raise SettingsError(f"{value.origin}: unknown option {key!r}")
        try:
            destination[target] = convert(value)
        except ValueError as error:
            raise SettingsError(f"{value.origin}: bad value for {key!r}: {error}") from None
    return Settings(options=Options(**options), config_path=config_path, **settings)


def resolve(
    command_line: Mapping[str, Value],
    cwd: Optional[str] = None,
    config: Optional[str] = None,
    isolated: bool = False,
) -> Settings:
    """The settings in force: the config file's values, each overridden by the command line."""
    cwd = os.path.abspath(cwd or os.getcwd())
    found: Optional[ConfigFile] = None
    if config is not None:
        found = read_config(os.path.join(cwd, config), cwd)
    elif not isolated:
        found = find_config(cwd)
    values: Dict[str, Value] = dict(found.values) if found else {}
    values.update(command_line)
    return build_settings(values, found.path if found else None)


# -- finding and reading config files ---------------------------------------------------


def find_config(start: str) -> Optional[ConfigFile]:
    """The first config file with our section, walking up from ``start`` (home excluded)."""
    home = os.path.expanduser("~")
    home_key = _stat_key(home) if home != "~" else None
    directory = os.path.abspath(start)
    while True:
        for name in (PYPROJECT,) + INI_FILES:
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                found = read_config(path, start)
                if found is not None:
                    return found
        parent = os.path.dirname(directory)
        if parent == directory or (home_key is not None and _stat_key(parent) == home_key):
            return None
        directory = parent


def read_config(path: str, cwd: str) -> Optional[ConfigFile]:
    """Our values in ``path``, or None when it has no section for us."""
    shown = _shown_path(path, cwd)
    try:
        with open(path, "rb") as stream:
            data = stream.read()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"{shown}: cannot read config file: {_reason(error)}") from None
    if os.path.basename(path).endswith(".toml"):
        return _read_toml(path, shown, text)
    return _read_ini(path, shown, text)


def _read_toml(path: str, shown: str, text: str) -> Optional[ConfigFile]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(_toml_error(shown, text, str(error))) from None
    table = document.get("tool", {}).get("flake8-asyncloop")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise SettingsError(f"{shown}: [{TOML_TABLE}] must be a table")
    base_dir = os.path.dirname(path)
    lines = _key_lines(text, _is_toml_header)
    values = {}
    for key, raw in table.items():
        name = normalise_key(key)
        origin = f"{shown}:{lines[name]}" if name in lines else shown
        if name not in KNOWN_KEYS:
            raise SettingsError(
                f"{origin}: unknown option {key!r} in [{TOML_TABLE}]; known options: "
                + ", ".join(KNOWN_KEYS)
            )
        values[name] = Value(raw, origin, base_dir)
    return ConfigFile(path, values)


_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")


def _toml_error(shown: str, text: str, message: str) -> str:
    """``file:line: invalid TOML: reason``; the parser puts the position in its message."""
    position = _TOML_POSITION.search(message)
    if position is None:
        return f"{shown}: invalid TOML: {message}"
    line = position.group(1) or str(max(1, len(text.splitlines())))
    return f"{shown}:{line}: invalid TOML: {message[: position.start()]}"


def _read_ini(path: str, shown: str, text: str) -> Optional[ConfigFile]:
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text, source=path)
    except configparser.Error as error:
        line = getattr(error, "lineno", None)
        if line is None and getattr(error, "errors", None):
            line = error.errors[0][0]  # type: ignore[attr-defined]
        where = f"{shown}:{line}" if line else shown
        summary = _ini_error_summary(error, text, line)
        raise SettingsError(f"{where}: invalid config file: {summary}") from None
    if not parser.has_section(INI_SECTION):
        return None
    base_dir = os.path.dirname(path)
    lines = _key_lines(text, _is_ini_header)
    values = {}
    for key, raw in parser.items(INI_SECTION):
        name = normalise_key(key)
        origin = f"{shown}:{lines[name]}" if name in lines else shown
        if name.startswith(PLUGIN_KEY_PREFIX) and name not in KNOWN_KEYS:
            raise SettingsError(
                f"{origin}: unknown option {key!r} in [{INI_SECTION}]; flake8-asyncloop options: "
                + ", ".join(k for k in KNOWN_KEYS if k.startswith(PLUGIN_KEY_PREFIX))
            )
        if name in KNOWN_KEYS:  # the rest belongs to flake8 and its other plugins
            values[name] = Value(raw, origin, base_dir, strict=name.startswith(PLUGIN_KEY_PREFIX))
    return ConfigFile(path, values)


def _ini_error_summary(error: configparser.Error, text: str, line: Optional[int]) -> str:
    """The reason, without the file name configparser's messages repeat."""
    if isinstance(error, configparser.DuplicateOptionError):
        return f"{error.option!r} set twice in [{error.section}]"
    if isinstance(error, configparser.DuplicateSectionError):
        return f"section [{error.section}] appears twice"
    if type(error) is configparser.ParsingError and line:
        lines = text.splitlines()
        if line <= len(lines):
            return f"cannot parse {lines[line - 1].strip()!r}"
    return str(error).splitlines()[0]


_HEADER = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")
_KEY = re.compile(r"""^\s*["']?([A-Za-z0-9_.-]+)["']?\s*[=:]""")


def _is_toml_header(name: str) -> bool:
    return name.replace('"', "").replace("'", "").replace(" ", "") == TOML_TABLE


def _is_ini_header(name: str) -> bool:
    return name == INI_SECTION


def _key_lines(text: str, is_our_header: Callable[[str], bool]) -> Dict[str, int]:
    """Line of each key in our section, found by reading the text (the parsers do not say)."""
    lines: Dict[str, int] = {}
    inside = False
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            inside = is_our_header(header.group(1))
            continue
        key = _KEY.match(line) if inside else None
        if key:
            lines.setdefault(normalise_key(key.group(1)), number)
    return lines


def _shown_path(path: str, cwd: str) -> str:
    relative = os.path.relpath(path, cwd)
    return path if relative.startswith(os.pardir) else relative


def _stat_key(path: str) -> Optional[Tuple[int, int]]:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_dev


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)
