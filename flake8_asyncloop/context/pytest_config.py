"""Finding and reading the pytest config file the way pytest does.

Walking up from a directory, the first directory holding one of these wins, checked in this
order (pytest 9's order; the ``pytest.toml`` names and ``[tool.pytest]`` are pytest 9's):

- ``pytest.toml`` / ``.pytest.toml``: always counts, settings in ``[pytest]``;
- ``pytest.ini`` / ``.pytest.ini``: always counts, even empty, settings in ``[pytest]``;
- ``pyproject.toml``: counts with a ``[tool.pytest.ini_options]`` table or pytest 9's native
  ``[tool.pytest]`` table;
- ``tox.ini``: counts with a ``[pytest]`` section;
- ``setup.cfg``: counts with a ``[tool:pytest]`` section.

A file that cannot be parsed stops the walk (pytest stops there with an error). When no file
counts, pytest falls back to the nearest ``pyproject.toml`` without a table as its rootdir,
with no settings; ``locate`` reports that file separately.

Only the settings pytest-asyncio reads are interpreted: ``asyncio_mode`` (``--asyncio-mode``
and ``-o asyncio_mode=`` in ``addopts`` win, as on the command line),
``asyncio_default_fixture_loop_scope``, ``asyncio_default_test_loop_scope``, and pytest's
``python_files``, ``python_classes``, ``python_functions``, ``testpaths``, ``addopts`` and
``filterwarnings``. ``PYTEST_ADDOPTS`` is not
read: the environment the linter runs in says nothing about the one the tests run in.
"""

from __future__ import annotations

import configparser
import glob
import os
import re
import shlex
import sys
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from flake8_asyncloop.analysis.testcode import (
    DEFAULT_PYTHON_CLASSES,
    DEFAULT_PYTHON_FILES,
    DEFAULT_PYTHON_FUNCTIONS,
    SCOPES,
)
from flake8_asyncloop.context.model import ConfigProblem, PytestConfig
from flake8_asyncloop.context.warning_filters import command_line_filters

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.9/3.10
    import tomli as tomllib

PYTEST_TOML_NAMES = ("pytest.toml", ".pytest.toml")
PYTEST_INI_NAMES = ("pytest.ini", ".pytest.ini")
# The key of the problem a pytest.ini's ignored ``[tool:pytest]`` section gives (ALP208).
IGNORED_SECTION = "tool:pytest"
PYPROJECT = "pyproject.toml"
CONFIG_FILE_NAMES: Tuple[str, ...] = PYTEST_TOML_NAMES + PYTEST_INI_NAMES + (
    PYPROJECT,
    "tox.ini",
    "setup.cfg",
)
VALID_MODES: Tuple[str, ...] = ("strict", "auto")
# pytest-asyncio's value for "the fixture's own scope", accepted for the fixture loop scope only.
MATCH_FIXTURE_SCOPE = "fixture-scope"

FIXTURE_LOOP_SCOPE = "asyncio_default_fixture_loop_scope"
TEST_LOOP_SCOPE = "asyncio_default_test_loop_scope"
MODE_OPTION = "--asyncio-mode"
OVERRIDE_OPTIONS = ("-o", "--override-ini")


class ConfigError(Exception):
    """A config file pytest cannot read: pytest stops with a usage error."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Setting:
    value: Any  # a string from ini files; any TOML value from TOML files
    line: int


@dataclass(frozen=True)
class Section:
    """The pytest settings of one config file."""

    path: str
    line: Optional[int]  # the section header's line, None for a ``pytest.ini`` without one
    settings: Dict[str, Setting]
    # A pytest.ini's ``[tool:pytest]`` section that sets asyncio options: pytest reads only
    # ``[pytest]`` there, and ignores it (its header's line).
    ignored_line: Optional[int] = None


@dataclass(frozen=True)
class Loaded:
    """What one file holds: a pytest section, nothing for pytest (None), or an error."""

    section: Optional[Section]
    error: Optional[ConfigError] = None
    # a pyproject.toml that takes a sibling from its uv workspace (``_takes_workspace_sources``)
    workspace_member: bool = False
    # a file pytest cannot read because it is a project template's, rendered before use
    template: bool = False

    @property
    def counts(self) -> bool:
        """Whether pytest's walk stops at this file."""
        return self.section is not None or self.error is not None


# -- reading one file -------------------------------------------------------------------------

_loaded: Dict[str, Tuple[Tuple[int, int], Loaded]] = {}


def load_file(path: str) -> Loaded:
    """Read one config file (cached on its mtime and size); never raises."""
    try:
        stat = os.stat(path)
    except OSError as error:
        return Loaded(None, ConfigError(path, 1, f"cannot read: {error.strerror or error}"))
    signature = (stat.st_mtime_ns, stat.st_size)
    cached = _loaded.get(path)
    if cached is not None and cached[0] == signature:
        return cached[1]
    text: Optional[str] = None
    try:
        text = _read_text(path)
        section, workspace_member = _section_of(path, text)
        loaded = Loaded(section, workspace_member=workspace_member)
    except ConfigError as error:
        loaded = Loaded(None, error, template=text is not None and _is_template(path, text))
    _loaded[path] = (signature, loaded)
    return loaded


_TEMPLATE_MARKUP = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")


def _is_template(path: str, text: str) -> bool:
    """Whether a file pytest cannot read is a project template's (cookiecutter, copier): its
    text holds Jinja markup, or a directory above it is named with some. pytest only ever
    reads the rendered copy."""
    return _TEMPLATE_MARKUP.search(text) is not None or _TEMPLATE_MARKUP.search(path) is not None


def read_section(path: str) -> Optional[Section]:
    """The pytest section of a config file, None when it has none. Raises ConfigError."""
    return _section_of(path, _read_text(path))[0]


def _section_of(path: str, text: str) -> Tuple[Optional[Section], bool]:
    """The pytest section of the file's text, and whether it is a pyproject.toml of a uv
    workspace member. Raises ConfigError."""
    name = os.path.basename(path)
    if name in PYTEST_TOML_NAMES:
        table = _parse_toml(path, text).get("pytest")
        section = _toml_section(path, text, table if isinstance(table, dict) else {}, _PYTEST_TABLE)
        return section, False
    if name == PYPROJECT:
        document = _parse_toml(path, text)
        return _pyproject_section(path, text, document), _takes_workspace_sources(document)
    if name == "setup.cfg":
        return _ini_section(path, text, "tool:pytest"), False
    section = _ini_section(path, text, "pytest")
    if section is None and name in PYTEST_INI_NAMES:
        misplaced = _ini_section(path, text, "tool:pytest")
        ignored = misplaced is not None and any(
            key.startswith("asyncio_") or "asyncio" in setting.value
            for key, setting in misplaced.settings.items()
        )
        return Section(path, None, {}, misplaced.line if ignored else None), False
    return section, False


def _takes_workspace_sources(document: Dict[str, Any]) -> bool:
    """Whether the project takes a sibling from its uv workspace (``[tool.uv.sources]``,
    ``name = { workspace = true }``): pytest then runs from the workspace's root, whose
    config a checkout of the member alone (an sdist) lacks. A project that is the root
    itself (a ``[tool.uv.workspace]`` table, or a source naming the project itself, as
    crawl4ai's does for its dev group) is not a member."""
    tool = document.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    if not isinstance(uv, dict) or "workspace" in uv:
        return False
    sources = uv.get("sources")
    project = document.get("project")
    own_name = _normalized(project.get("name", "")) if isinstance(project, dict) else ""
    return isinstance(sources, dict) and any(
        isinstance(source, dict)
        and source.get("workspace") is True
        and _normalized(str(name)) != own_name
        for name, source in sources.items()
    )


def _normalized(name: str) -> str:
    """A distribution name as packaging compares them (``Foo_Bar`` is ``foo-bar``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.read()
    except UnicodeDecodeError as error:
        raise ConfigError(path, 1, f"not UTF-8: {error.reason}") from error
    except OSError as error:
        raise ConfigError(path, 1, f"cannot read: {error.strerror or error}") from error


def _parse_toml(path: str, text: str) -> Dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None) or _line_in_message(str(error))
        message = str(error).split(" (at line", 1)[0]
        raise ConfigError(path, line, f"invalid TOML: {message}") from error


def _line_in_message(message: str) -> int:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else 1


_PYTEST_TABLE = re.compile(r"^\s*\[\s*pytest\s*\]")
_TOOL_PYTEST_TABLE = re.compile(r"^\s*\[\s*tool\s*\.\s*pytest\s*\]")
_TOOL_TABLE = re.compile(r"^\s*\[\s*tool\s*\]")
_INI_OPTIONS_TABLE = re.compile(r"^\s*\[\s*tool\s*\.\s*pytest\s*\.\s*ini_options\s*\]")


def _pyproject_section(path: str, text: str, document: Dict[str, Any]) -> Optional[Section]:
    tool = document.get("tool")
    tool_pytest = tool.get("pytest") if isinstance(tool, dict) else None
    if not isinstance(tool_pytest, dict):
        return None
    native = {key: value for key, value in tool_pytest.items() if key != "ini_options"}
    ini_options = tool_pytest.get("ini_options")
    if native and ini_options is not None:
        line = _header_line(text, _TOOL_PYTEST_TABLE) or 1
        raise ConfigError(
            path, line, "[tool.pytest] and [tool.pytest.ini_options] cannot be used together"
        )
    if native:
        return _toml_section(path, text, native, _TOOL_PYTEST_TABLE)
    if isinstance(ini_options, dict):
        # pytest reads this table like an ini file: every value but a list becomes a string.
        values = {k: v if isinstance(v, list) else str(v) for k, v in ini_options.items()}
        return _toml_section(path, text, values, _INI_OPTIONS_TABLE)
    return None


def _toml_section(
    path: str, text: str, table: Dict[str, Any], header: "re.Pattern[str]"
) -> Section:
    lines = text.splitlines()
    # The table may have no header of its own: dotted keys under ``[tool.pytest]``
    # (``ini_options.addopts = ...``, as responder writes them) or under ``[tool]``.
    header_line = (
        _header_line(text, header)
        or _header_line(text, _TOOL_PYTEST_TABLE)
        or _header_line(text, _TOOL_TABLE)
        or 1
    )
    settings = {
        key: Setting(value, _key_line(lines, header_line, key, toml=True) or header_line)
        for key, value in table.items()
    }
    return Section(path, header_line, settings)


def _ini_section(path: str, text: str, name: str) -> Optional[Section]:
    # No interpolation (``%`` is common in addopts) and no DEFAULT section, like pytest's parser.
    parser = configparser.ConfigParser(
        interpolation=None, default_section="\x00", strict=True, delimiters=("=", ":")
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text, source=path)
    except configparser.Error as error:
        raise ConfigError(path, _ini_error_line(error), _ini_error_message(error)) from error
    if not parser.has_section(name):
        return None
    lines = text.splitlines()
    header = re.compile(r"^\[\s*" + re.escape(name) + r"\s*\]")
    header_line = _header_line(text, header)
    settings = {
        key: Setting(value, _key_line(lines, header_line, key, toml=False) or header_line or 1)
        for key, value in parser.items(name)
    }
    return Section(path, header_line, settings)


def _ini_error_line(error: configparser.Error) -> int:
    line = getattr(error, "lineno", None)
    if line is None and isinstance(error, configparser.ParsingError) and error.errors:
        line = error.errors[0][0]
    return line or 1


def _ini_error_message(error: configparser.Error) -> str:
    if isinstance(error, configparser.MissingSectionHeaderError):
        return "text before the first [section] header"
    if isinstance(error, configparser.ParsingError):
        return f"cannot parse line {error.errors[0][1]}" if error.errors else "cannot parse"
    if isinstance(error, configparser.DuplicateOptionError):
        return f"{error.option!r} set twice in [{error.section}]"
    if isinstance(error, configparser.DuplicateSectionError):
        return f"section [{error.section}] appears twice"
    return str(error).splitlines()[0]


def _header_line(text: str, header: "re.Pattern[str]") -> Optional[int]:
    for number, line in enumerate(text.splitlines(), 1):
        if header.match(line):
            return number
    return None


_TOML_HEADER = re.compile(r"^\s*\[\[?[^\[\]]+\]\]?\s*(#.*)?$")
_INI_HEADER = re.compile(r"^\[")


def _key_line(lines: List[str], header_line: Optional[int], key: str, toml: bool) -> Optional[int]:
    """The line setting ``key``: inside the section when it can be found there, else anywhere."""
    escaped = re.escape(key)
    if toml:
        in_section = re.compile(r"""^\s*["']?""" + escaped + r"""["']?\s*=""")
        anywhere = re.compile(r"""(^|[.\s"'])""" + escaped + r"""["']?\s*=""")
    else:
        in_section = re.compile("^" + escaped + r"\s*[=:]")
        anywhere = in_section
    next_header = _TOML_HEADER if toml else _INI_HEADER
    if header_line is not None:
        for number in range(header_line, len(lines)):
            line = lines[number]
            if next_header.match(line):
                break
            if in_section.match(line):
                return number + 1
    for number, line in enumerate(lines, 1):
        if anywhere.search(line):
            return number
    return None


# -- interpreting a section -------------------------------------------------------------------


def interpret(section: Section) -> PytestConfig:
    """The settings pytest-asyncio would use, with a problem for each value it would reject."""
    settings = dict(section.settings)
    problems: List[ConfigProblem] = []
    addopts: Tuple[str, ...] = ()
    cli_mode: Optional[Setting] = None
    addopts_setting = settings.get("addopts")
    if addopts_setting is not None:
        addopts = tuple(_as_args(addopts_setting.value))
        cli_mode, overrides = _command_line_settings(addopts, addopts_setting.line)
        settings.update(overrides)

    if section.ignored_line is not None:
        problems.append(
            ConfigProblem(
                section.path,
                section.ignored_line,
                IGNORED_SECTION,
                "pytest reads only a [pytest] section in pytest.ini and ignores [tool:pytest]: "
                "its asyncio settings are not applied, and the tests run in strict mode; "
                "rename it to [pytest]",
            )
        )

    mode = "strict"
    mode_key = MODE_OPTION if cli_mode is not None else "asyncio_mode"
    mode_setting = cli_mode if cli_mode is not None else settings.get("asyncio_mode")
    if mode_setting is not None:
        if mode_setting.value in VALID_MODES:
            mode = mode_setting.value
        else:
            problems.append(
                _invalid(section.path, mode_setting, mode_key, "asyncio_mode", VALID_MODES)
            )

    fixture_scope: Optional[str] = None
    fixture_setting = settings.get(FIXTURE_LOOP_SCOPE)
    if fixture_setting is not None and fixture_setting.value != MATCH_FIXTURE_SCOPE:
        fixture_scope = _scope(section.path, fixture_setting, FIXTURE_LOOP_SCOPE, problems)

    test_scope: Optional[str] = None
    test_setting = settings.get(TEST_LOOP_SCOPE)
    if test_setting is not None:
        test_scope = _scope(section.path, test_setting, TEST_LOOP_SCOPE, problems)

    python_files = DEFAULT_PYTHON_FILES
    files_setting = settings.get("python_files")
    if files_setting is not None:
        python_files = tuple(_as_args(files_setting.value))
    classes_setting = settings.get("python_classes")
    python_classes = DEFAULT_PYTHON_CLASSES
    if classes_setting is not None:
        python_classes = tuple(_as_args(classes_setting.value))
    functions_setting = settings.get("python_functions")
    python_functions = DEFAULT_PYTHON_FUNCTIONS
    if functions_setting is not None:
        python_functions = tuple(_as_args(functions_setting.value))

    testpaths: Tuple[str, ...] = ()
    testpaths_setting = settings.get("testpaths")
    if testpaths_setting is not None:
        rootdir = os.path.dirname(os.path.abspath(section.path))
        testpaths = existing_testpaths(rootdir, _as_args(testpaths_setting.value))

    filters: List[str] = []
    filters_setting = settings.get("filterwarnings")
    if filters_setting is not None:
        filters.extend(_as_lines(filters_setting.value))
    filters.extend(command_line_filters(addopts))
    if "no:warnings" in plugin_arguments(addopts):
        filters = []

    return PytestConfig(
        path=section.path,
        sets_asyncio_options=mode_setting is not None
        or any(key.startswith("asyncio_") for key in settings),
        asyncio_mode=mode,
        fixture_loop_scope=fixture_scope,
        test_loop_scope=test_scope,
        python_files=python_files,
        python_classes=python_classes,
        python_functions=python_functions,
        testpaths=testpaths,
        problems=tuple(problems),
        fixture_loop_scope_line=fixture_setting.line if fixture_setting is not None else None,
        section_line=section.line,
        addopts=addopts,
        pytest_asyncio_disabled=any(
            name[3:] in PYTEST_ASYNCIO_PLUGIN_NAMES
            for name in plugin_arguments(addopts)
            if name.startswith("no:")
        ),
        warning_filters=tuple(filters),
    )


# What ``-p no:NAME`` may call pytest-asyncio: its entry point's name, and its modules'.
PYTEST_ASYNCIO_PLUGIN_NAMES = frozenset({"asyncio", "pytest_asyncio", "pytest_asyncio.plugin"})


def plugin_arguments(args: Sequence[str]) -> Iterator[str]:
    """What ``-p`` is given in ``args``: a plugin to load, or ``no:NAME`` for one blocked."""
    for index, arg in enumerate(args):
        if arg == "-p" and index + 1 < len(args):
            yield args[index + 1]
        elif arg.startswith("-p") and len(arg) > 2:
            yield arg[2:]


def _scope(path: str, setting: Setting, key: str, problems: List[ConfigProblem]) -> Optional[str]:
    if setting.value in SCOPES:
        return str(setting.value)
    problems.append(_invalid(path, setting, key, key, SCOPES))
    return None


def _invalid(
    path: str, setting: Setting, key: str, meaning: str, valid: Tuple[str, ...]
) -> ConfigProblem:
    message = f"{setting.value!r} is not a valid {meaning} (valid: {', '.join(valid)})"
    return ConfigProblem(path, setting.line, key, message)


def existing_testpaths(rootdir: str, entries: List[str]) -> Tuple[str, ...]:
    """The paths ``testpaths`` entries name under ``rootdir`` that exist, absolute, globs
    expanded as pytest expands them. None existing: pytest searches the whole directory."""
    found: List[str] = []
    for entry in entries:
        pattern = os.path.join(rootdir, entry)
        if any(character in entry for character in "*?["):
            found.extend(sorted(glob.glob(pattern, recursive=True)))
        elif os.path.exists(pattern):
            found.append(pattern)
    return tuple(os.path.normpath(item) for item in found)


def _as_args(value: Any) -> List[str]:
    """An ``args``-type setting: a TOML list as is, a string split like a shell would."""
    if isinstance(value, list):
        return [str(item) for item in value]
    text = str(value)
    try:
        return shlex.split(text)
    except ValueError:  # unbalanced quotes: pytest would fail too; keep what can be read
        return text.split()


def _as_lines(value: Any) -> List[str]:
    """A ``linelist`` setting: a TOML list as is, a string split into its non-blank lines."""
    if isinstance(value, list):
        return [str(item).strip() for item in value]
    return [line.strip() for line in str(value).splitlines() if line.strip()]


def _command_line_settings(
    args: Tuple[str, ...], line: int
) -> Tuple[Optional[Setting], Dict[str, Setting]]:
    """``--asyncio-mode`` and ``-o key=value`` in addopts; the last occurrence wins."""
    mode: Optional[Setting] = None
    overrides: Dict[str, Setting] = {}
    index = 0
    while index < len(args):
        name, value, index = _option_at(args, index)
        if name == MODE_OPTION and value is not None:
            mode = Setting(value, line)
        elif name in OVERRIDE_OPTIONS and value is not None and "=" in value:
            key, _, setting = value.partition("=")
            overrides[key.strip()] = Setting(setting, line)
    return mode, overrides


def _option_at(args: Tuple[str, ...], index: int) -> Tuple[str, Optional[str], int]:
    """The option at ``args[index]`` with its value, and the index after them."""
    arg = args[index]
    for option in (MODE_OPTION,) + OVERRIDE_OPTIONS:
        if arg == option:
            value = args[index + 1] if index + 1 < len(args) else None
            return option, value, index + 2
        if option.startswith("--") and arg.startswith(option + "="):
            return option, arg[len(option) + 1:], index + 1
        if option == "-o" and arg.startswith("-o") and len(arg) > 2:
            return option, arg[2:].lstrip("="), index + 1
    return arg, None, index + 1


# -- the walk ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where the walk up from a directory ends."""

    config_file: Optional[str]  # the first file that counts (or cannot be parsed)
    nearest_pyproject: Optional[str]  # pytest's rootdir fallback when nothing counts


_locations: Dict[str, Location] = {}


def locate(directory: str) -> Location:
    """The config file pytest would use for tests in ``directory`` (cached per directory)."""
    directory = os.path.abspath(directory)
    pending: List[Tuple[str, Optional[str]]] = []
    found: Optional[Location] = None
    current = directory
    while found is None:
        cached = _locations.get(current)
        if cached is not None:
            found = cached
            break
        config_file, pyproject = _config_file_in(current)
        if config_file is not None:
            found = Location(config_file, None)
            _locations[current] = found
            break
        pending.append((current, pyproject))
        parent = os.path.dirname(current)
        if parent == current:
            found = Location(None, None)
            break
        current = parent
    # Fill the directories walked through, from the top down, so each reuses its parent's answer.
    for walked, pyproject in reversed(pending):
        if found.config_file is None and pyproject is not None:
            found = Location(None, pyproject)
        _locations[walked] = found
    return _locations[directory]


def _config_file_in(directory: str) -> Tuple[Optional[str], Optional[str]]:
    """The file that counts in this directory, and its pyproject.toml if one is there."""
    pyproject: Optional[str] = None
    for name in CONFIG_FILE_NAMES:
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            continue
        if name == PYPROJECT:
            pyproject = path
        if load_file(path).counts:
            return path, pyproject
    return None, pyproject


def config_from(loaded: Loaded, path: Optional[str]) -> PytestConfig:
    """The config a loaded file gives; a broken file gives the defaults and one problem."""
    if loaded.error is not None:
        if loaded.template:
            return PytestConfig(path=path, unreadable=True)  # nothing to report on a template
        error = loaded.error
        problem = ConfigProblem(error.path, error.line, "", error.message)
        return PytestConfig(path=path, problems=(problem,), unreadable=True)
    if loaded.section is None:
        return PytestConfig(path=path)
    return interpret(loaded.section)


def config_for_directory(directory: str) -> Tuple[Optional[str], PytestConfig]:
    """(the file pytest would treat as its config file, the settings); never raises.

    The file is the pyproject.toml fallback, with default settings, when nothing else counts.
    """
    location = locate(directory)
    config_file = location.config_file
    if config_file is not None:
        return config_file, config_from(load_file(config_file), config_file)
    pyproject = location.nearest_pyproject
    if pyproject is not None:
        member = load_file(pyproject).workspace_member
        return pyproject, PytestConfig(path=pyproject, workspace_member=member)
    return None, PytestConfig()


def load_pytest_config(path: str) -> PytestConfig:
    """The pytest config for ``path``: a config file itself, or the one pytest would use for a
    file or directory. Raises ConfigError when that file cannot be read or parsed."""
    path = os.path.abspath(path)
    if os.path.isfile(path) and os.path.basename(path) in CONFIG_FILE_NAMES:
        section = read_section(path)
        return interpret(section) if section is not None else PytestConfig()
    directory = path if os.path.isdir(path) else os.path.dirname(path)
    config_file, _ = config_for_directory(directory)
    if config_file is None:
        return PytestConfig()
    loaded = load_file(config_file)
    if loaded.error is not None:
        raise loaded.error
    return config_from(loaded, config_file)


def forget_locations() -> None:
    """Walk again next time: a config file may have appeared or gone away."""
    _locations.clear()


def clear_cache() -> None:
    _loaded.clear()
    _locations.clear()
