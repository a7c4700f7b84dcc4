"""Check or fix a set of files and collect what happened to each, for a reporter to show.

The findings are the flake8 plugin's: the same engine, rules, project context and options,
then filtered the way flake8 filters them (``--select``/``--ignore`` and ``# noqa``).
"""

from __future__ import annotations

import io
import os
import stat
import sys
import tokenize
from dataclasses import dataclass, field, replace
from typing import Dict, Iterable, Iterator, List, Optional, Protocol, Sequence, Type

from flake8_asyncloop import sourcefile
from flake8_asyncloop.analysis.testcode import is_test_file
from flake8_asyncloop.cache import ResultCache, run_key
from flake8_asyncloop.context.discovery import CONFTEST, context_for
from flake8_asyncloop.context.model import ProjectContext
from flake8_asyncloop.discover_files import (
    Discovered,
    discover,
    holds_tests,
    is_excluded,
    is_test_module_name,
)
from flake8_asyncloop.engine import Engine, InternalError, worth_checking
from flake8_asyncloop.findings import ConfigSetting, Finding, Safety
from flake8_asyncloop.noqa import NoqaMap
from flake8_asyncloop.parsing import forget as forget_trees
from flake8_asyncloop.parsing import parse_source
from flake8_asyncloop.rule import Rule
from flake8_asyncloop.rules import ALL_RULES, DEFAULT_DISABLED
from flake8_asyncloop.settings import DEFAULT_EXCLUDE, Settings
from flake8_asyncloop.sourcefile import SourceError, read_source

SYNTAX_ERROR_CODE = "E999"  # flake8's code for a file that does not parse
PLUGIN_PREFIX = "ALP"
STDIN = "-"
DEFAULT_STDIN_NAME = "stdin"  # what flake8 calls it
PROGRAM = "flake8-asyncloop"  # where an internal error outside any rule happened
TOO_DEEP_TO_PARSE = "cannot parse: too deeply nested for Python's parser"


class Selection:
    """flake8's select/ignore decision: the longest matching prefix wins, ignore on a tie.

    Rules that are off by default need a select entry longer than the plugin's prefix
    (``ALP410`` or ``ALP4``), as under flake8 where they sit in the default ignore list.
    A syntax error (E999) is always shown unless ignored explicitly.
    """

    def __init__(self, settings: Settings, default_disabled: Iterable[str] = DEFAULT_DISABLED):
        select = settings.select if settings.select is not None else (PLUGIN_PREFIX,)
        self.select = tuple(select) + settings.extend_select
        self.ignore = settings.ignore + settings.extend_ignore
        self.default_disabled = frozenset(default_disabled)
        self._cache: Dict[str, bool] = {}

    def __call__(self, code: str) -> bool:
        if code not in self._cache:
            self._cache[code] = self._decide(code)
        return self._cache[code]

    def _decide(self, code: str) -> bool:
        ignored = _longest_prefix(code, self.ignore)
        if code == SYNTAX_ERROR_CODE:
            return ignored is None
        selected = _longest_prefix(code, self.select)
        if selected is None:
            return False
        if code in self.default_disabled and len(selected) <= len(PLUGIN_PREFIX):
            return False
        return ignored is None or len(selected) > len(ignored)


def _longest_prefix(code: str, prefixes: Sequence[str]) -> Optional[str]:
    matching = [prefix for prefix in prefixes if code.startswith(prefix)]
    return max(matching, key=len) if matching else None


@dataclass
class FileResult:
    """What happened to one file."""

    path: str  # as shown to the user
    findings: List[Finding] = field(default_factory=list)  # after filtering; remaining, for fix
    internal_errors: List[InternalError] = field(default_factory=list)
    problem: Optional[str] = None  # why the file could not be read or written
    fixed: List[Finding] = field(default_factory=list)  # fix: what the fixes removed
    changed: bool = False  # fix: the text changed (or, with --diff, would change)
    diff: str = ""  # fix --diff: the unified diff
    fixed_source: Optional[str] = None  # fix of stdin: the new text
    source: Optional[str] = None  # the text the findings' positions refer to (for reporters)

    @property
    def fixable(self) -> int:
        return sum(1 for f in self.findings if f.fix is not None and f.fix.safety is Safety.SAFE)

    @property
    def unsafe_fixable(self) -> int:
        return sum(1 for f in self.findings if f.fix is not None and f.fix.safety is Safety.UNSAFE)


@dataclass
class RunSummary:
    """Totals over a run, and its exit status."""

    mode: str  # "check", "fix" or "diff"
    files: int = 0
    findings: int = 0
    fixable: int = 0
    unsafe_fixable: int = 0
    fixed: int = 0
    files_changed: int = 0
    errors: int = 0  # files that could not be read or written, internal errors, usage errors
    unparsed: int = 0  # files reported with E999

    def add(self, result: FileResult) -> None:
        self.files += 1
        self.findings += len(result.findings)
        self.unparsed += any(f.code == SYNTAX_ERROR_CODE for f in result.findings)
        self.fixable += result.fixable
        self.unsafe_fixable += result.unsafe_fixable
        self.fixed += len(result.fixed)
        self.files_changed += int(result.changed)
        self.errors += int(result.problem is not None) + len(result.internal_errors)

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        if self.mode == "diff":
            return 1 if self.files_changed else 0
        return 1 if self.findings else 0


class SourceReadError(Exception):
    """Text on stdin that cannot be decoded; the message says why."""


class ReporterLike(Protocol):
    def notice(self, message: str) -> None: ...

    def file_result(self, result: FileResult) -> None: ...

    def finish(self, summary: RunSummary) -> None: ...


class Runner:
    def __init__(
        self,
        settings: Settings,
        rules: Optional[Sequence[Type[Rule]]] = None,
        jobs: int = 1,
        cache_dir: Optional[str] = None,
    ) -> None:
        """``jobs`` > 1 checks many files in that many processes; ``cache_dir`` keeps results."""
        if rules is None:
            rules = ALL_RULES
        self.settings = settings
        self.selection = Selection(settings, [r.code for r in rules if not r.default_enabled])
        self.engine = Engine(rules)
        self.jobs = max(1, jobs)
        self.cache: Optional[ResultCache] = None
        if cache_dir is not None:
            self.cache = ResultCache(cache_dir, run_key(settings, self.engine.rules))

    def run(
        self,
        paths: Sequence[str],
        reporter: ReporterLike,
        mode: str = "check",
        unsafe: bool = False,
        stdin_name: Optional[str] = None,
    ) -> RunSummary:
        """Check (mode "check") or fix ("fix", or "diff" to only show the changes) ``paths``."""
        summary = RunSummary(mode)
        if not any(self.selection(rule.code) for rule in self.engine.rules):
            # flake8 would be as silent; here the user asked for this tool by name
            config = self.settings.config_path
            where = f" in {os.path.relpath(config)}" if config else ""
            reporter.notice(
                f"note: the select/ignore settings{where} turn every ALP rule off; "
                "add --extend-select ALP, or --isolated to leave the config out"
            )
        found = discover(paths, self.settings.exclude_patterns)
        self._note_excluded_tests(found, reporter)
        for path, why in found.skipped:
            reporter.notice(f"{path}: skipped, {why}")
        for path, why in found.missing:
            reporter.notice(f"{path}: {why}")
            summary.errors += 1
        settings: List[ConfigSetting] = []
        batches = _conftests_first(found.files) if mode == "fix" else [found.files]
        for batch in batches:
            for result in self.results(batch, mode, unsafe, stdin_name):
                summary.add(result)
                reporter.file_result(result)
                if result.changed:
                    settings += [
                        s for f in result.fixed if f.fix is not None for s in f.fix.settings
                    ]
        for result in config_setting_results(settings, diff_only=mode == "diff"):
            summary.add(result)
            reporter.file_result(result)
        for result in self.config_file_results(found.files):
            summary.add(result)
            reporter.file_result(result)
        reporter.finish(summary)
        return summary

    def _note_excluded_tests(self, found: Discovered, reporter: ReporterLike) -> None:
        """Say so when the exclude patterns of a ``[flake8]`` section leave out test
        modules (written for style checks, they often do): "checked 6 files" would read as
        a clean suite. One note per directory: left out whole, or its test files."""
        config = self.settings.config_path
        if config is None or os.path.basename(config) == "pyproject.toml":
            return  # defaults, the command line, or this tool's own table: meant for it
        configured = [p for p in self.settings.exclude_patterns if p not in DEFAULT_EXCLUDE]
        directories = [
            d for d in found.excluded_dirs if holds_tests(d) and is_excluded(d, configured)
        ]
        for path in found.excluded_files:  # ``exclude = tests/*`` leaves the directory in
            directory = os.path.dirname(path)
            if (
                directory not in directories
                and is_test_module_name(os.path.basename(path))
                and is_excluded(path, configured)
            ):
                directories.append(directory)
        for directory in sorted(directories):
            reporter.notice(
                f"note: {directory}: left out by the [flake8] exclude setting in "
                f"{os.path.relpath(config)}, so its tests are not checked; "
                "--isolated leaves the config out"
            )

    def config_file_results(self, paths: Sequence[str]) -> List[FileResult]:
        """ALP208: the pytest config files the checked files use, each reported once."""
        from flake8_asyncloop.rules.alp208_loop_scope_config import LoopScopeConfig, config_results

        if LoopScopeConfig not in self.engine.rules or not self.selection(LoopScopeConfig.code):
            return []
        checked = [path for path in paths if path != STDIN]
        version = self.settings.options.pytest_asyncio_version
        return [FileResult(path, findings) for path, findings in config_results(checked, version)]

    # -- many files: the result cache and the process pool ----------------------------------

    def results(
        self, paths: Sequence[str], mode: str, unsafe: bool, stdin_name: Optional[str] = None
    ) -> Iterator[FileResult]:
        """Each file's result, in the order of ``paths`` whatever the number of jobs."""
        from flake8_asyncloop import workers

        cached: Dict[int, FileResult] = {}
        if self.cache is not None and self.cache.exists():
            for index, path in enumerate(paths):
                hit = self.cached_result(path, mode, unsafe)
                if hit is not None:
                    cached[index] = hit
        missing = [p for i, p in enumerate(paths) if i not in cached]
        if workers.worth_a_pool(len(missing), self.jobs) and STDIN not in missing:
            computed = workers.pooled_results(self, missing, mode, unsafe)
        else:
            computed = (self.result(p, mode, unsafe, stdin_name) for p in missing)
        for index in range(len(paths)):
            yield cached[index] if index in cached else next(computed)

    def result(
        self, path: str, mode: str, unsafe: bool, stdin_name: Optional[str] = None
    ) -> FileResult:
        """The file checked or fixed now, its result stored in the cache when it can be."""
        try:
            if mode == "check":
                result = self.check_path(path, stdin_name)
            else:
                result = self.fix_path(path, unsafe, mode == "diff", stdin_name)
            forget_trees()  # the next file's texts are others: its trees need none of these
        except Exception as error:  # a bug: report it on this file, go on with the others
            shown = (stdin_name or DEFAULT_STDIN_NAME) if path == STDIN else path
            return FileResult(shown, internal_errors=[_internal_error(PROGRAM, error)])
        cache = self.cache
        if cache is None or path == STDIN or result.problem is not None or result.changed:
            return result
        if mode != "check" and any(_applies(f, unsafe) for f in result.findings):
            return result  # a fix that could not be applied: check the file again next time
        if result.source is not None:
            key = cache.key(_key_bytes(result.source), path, self._project(path))
            cache.store(key, result.findings, result.internal_errors)
        return result

    def cached_result(self, path: str, mode: str, unsafe: bool) -> Optional[FileResult]:
        """The stored result for the file as it is now; None to check it.

        Under ``fix`` only a file with nothing to fix is taken from the cache: a file the fix
        modifies is always checked and fixed afresh.
        """
        assert self.cache is not None
        if path == STDIN:
            return None
        try:
            source = read_source(path).text
        except SourceError:
            return None  # checked the usual way, which reports why it cannot be read
        entry = self.cache.load(self.cache.key(_key_bytes(source), path, self._project(path)))
        if entry is None:
            return None
        findings, errors = entry
        if mode != "check" and any(_applies(f, unsafe) for f in findings):
            return None
        return FileResult(path, findings=findings, internal_errors=errors, source=source)

    def _project(self, path: str) -> ProjectContext:
        return context_for(path, self.settings.options.pytest_asyncio_version)

    # -- check ------------------------------------------------------------------------------

    def check_path(self, path: str, stdin_name: Optional[str] = None) -> FileResult:
        shown = (stdin_name or DEFAULT_STDIN_NAME) if path == STDIN else path
        try:
            source = read_stdin() if path == STDIN else read_source(path).text
        except (SourceReadError, SourceError) as error:
            return FileResult(shown, problem=_reason(error))
        return self.check_source(source, shown)

    def check_source(self, source: str, filename: str) -> FileResult:
        result = FileResult(filename, source=source)
        try:
            result.findings = self._findings(source, filename, result.internal_errors)
        except SourceError as error:  # too deeply nested for Python's parser
            result.problem = error.reason
        return result

    def _findings(self, source: str, filename: str, errors: List[InternalError]) -> List[Finding]:
        """Selected findings not silenced by noqa; a file that does not parse gives E999."""
        noqa = NoqaMap.from_source(source)
        if noqa.whole_file:
            return []
        try:
            tree = parse_source(source)
        except (SyntaxError, ValueError) as error:
            finding = syntax_error_finding(error)
            return [finding] if self.selection(finding.code) else []
        except (RecursionError, MemoryError) as error:
            raise SourceError(filename, f"{TOO_DEEP_TO_PARSE} ({type(error).__name__})") from None
        options = self.settings.options
        project = context_for(filename, options.pytest_asyncio_version)
        test_code = is_test_file(filename, project.config.python_files)
        if not worth_checking(source, test_code, options.loop_bound_names):
            return []
        findings, internal = self.engine.check(tree, filename, project, options, source)
        errors.extend(internal)
        return [
            f for f in findings if self.selection(f.code) and not noqa.silences(f.line, f.code)
        ]

    # -- fix --------------------------------------------------------------------------------

    def fix_path(
        self, path: str, unsafe: bool, diff_only: bool, stdin_name: Optional[str] = None
    ) -> FileResult:
        if path == STDIN:
            shown = stdin_name or DEFAULT_STDIN_NAME
            try:
                raw = read_stdin(normalise=False)
            except SourceReadError as error:
                return FileResult(shown, problem=str(error))
            source = sourcefile.normalize_newlines(raw)
            result = self.fix_source(source, shown, unsafe, config_settings=False)
            if diff_only:
                result.diff = unified_diff(
                    source, result.fixed_source or source, shown, _newline_of(raw)
                )
                result.fixed_source = None
            elif result.fixed_source is not None:
                result.fixed_source = _with_newlines_of(raw, result.fixed_source)
            return result

        try:
            original = read_source(path)
        except SourceError as error:
            return FileResult(path, problem=_reason(error))
        result = self.fix_source(original.text, path, unsafe)
        new_text = result.fixed_source
        result.fixed_source = None
        if not result.changed or new_text is None:
            return result
        if diff_only:
            result.diff = unified_diff(original.text, new_text, path, original.newline)
            return result
        try:
            if is_read_only(path):
                raise SourceError(path, "read-only file, left unchanged")
            sourcefile.write_source(path, original, new_text)
        except (SourceError, OSError) as error:
            # Nothing was written: report the file as it still is.
            result = self.check_source(original.text, path)
            result.problem = _reason(error)
        return result

    def fix_source(
        self, source: str, filename: str, unsafe: bool, config_settings: bool = True
    ) -> FileResult:
        """Apply the fixes to ``source``; ``fixed_source`` is the new text (or the old one).

        Without ``config_settings`` (text on stdin, an editor's buffer), fixes that also need
        a setting in the pytest config file are left out: half of such a fix is worse than none.
        """
        from flake8_asyncloop.fixer import fix_source

        from flake8_asyncloop.fixer.limits import nesting_problem

        result = FileResult(filename, fixed_source=source, source=source)
        first_pass = self.check_source(source, filename)
        result.internal_errors = first_pass.internal_errors
        result.problem = first_pass.problem
        result.findings = first_pass.findings
        if not any(_applies(f, unsafe) for f in first_pass.findings):
            return result  # nothing to fix, E999, or too deep to parse
        too_deep = nesting_problem(source)
        if too_deep is not None:
            result.problem = f"not fixed: {too_deep}"
            return result

        def usable(findings: List[Finding]) -> List[Finding]:
            if config_settings:
                return findings
            return [
                replace(f, fix=None) if f.fix is not None and f.fix.settings else f
                for f in findings
            ]

        def check(text: str) -> List[Finding]:
            return usable(self._findings(text, filename, []))

        try:
            # The first pass's findings are the ones just computed: no second check of them.
            outcome = fix_source(source, check, unsafe=unsafe, findings=usable(first_pass.findings))
        except RecursionError:  # libcst recursing over code nested just under the limit
            result.problem = "not fixed: too deeply nested to edit safely"
            return result
        except Exception as error:  # a fixer bug must not lose the user's file or stop the run
            result.internal_errors.append(_internal_error("fixer", error))
            return result
        result.findings = sorted(outcome.remaining, key=Finding.sort_key)
        result.fixed = list(outcome.fixed)
        result.fixed_source = outcome.source
        result.source = outcome.source
        result.changed = outcome.source != source
        return result


def config_setting_results(settings: Sequence[ConfigSetting], diff_only: bool) -> List[FileResult]:
    """Write (or, with ``diff_only``, show) the config settings the applied fixes need: one
    result per config file, written after the Python files."""
    grouped: Dict[str, Dict[str, str]] = {}
    conflicts: Dict[str, str] = {}
    for setting in settings:
        values = grouped.setdefault(setting.path, {})
        if values.get(setting.key, setting.value) != setting.value:
            conflicts[setting.path] = f"fixes need two values of {setting.key}"
        values[setting.key] = setting.value
    from flake8_asyncloop.config_edit import ConfigEditError, with_settings

    results = []
    for path, values in grouped.items():
        wanted = ", ".join(f"{key} = {value}" for key, value in values.items())
        shown = _shown(path)
        try:
            if path in conflicts:
                raise ConfigEditError(conflicts[path])
            original = read_source(path)
            new_text = with_settings(original.text, path, values)
            result = FileResult(shown, changed=new_text != original.text)
            if diff_only:
                result.diff = unified_diff(original.text, new_text, shown, original.newline)
            elif result.changed:
                if is_read_only(path):
                    raise SourceError(path, "read-only file")
                sourcefile.write_source(path, original, new_text, is_python=False)
        except (ConfigEditError, SourceError, OSError) as error:
            problem = f"{_reason(error)}: set {wanted} by hand, the fixed files need it"
            result = FileResult(shown, problem=problem)
        results.append(result)
    return results


def _conftests_first(paths: Sequence[str]) -> List[List[str]]:
    """Two batches for ``fix``: the conftest.py files, outermost first, then the rest, in
    their order. A conftest's fix can change what the files below it need (a deleted
    ``event_loop`` override leaves its requesters asking for nothing, ALP203): written
    before they are checked, it is what they are checked against, whatever the order of
    the paths or the number of jobs."""
    conftests = sorted(
        (p for p in paths if os.path.basename(p) == CONFTEST),
        key=lambda p: os.path.abspath(p).count(os.sep),
    )
    return [conftests, [p for p in paths if os.path.basename(p) != CONFTEST]]


def _shown(path: str) -> str:
    """A config file's path as the user would write it: relative when under the cwd."""
    relative = os.path.relpath(path)
    return path if relative.startswith(os.pardir) else relative


def _internal_error(where: str, error: Exception) -> InternalError:
    return InternalError(where, 1, f"{type(error).__name__}: {error}")


def _key_bytes(source: str) -> bytes:
    return source.encode("utf-8", "surrogatepass")


def _applies(finding: Finding, unsafe: bool) -> bool:
    if finding.fix is None:
        return False
    return finding.fix.safety is Safety.SAFE or (unsafe and finding.fix.safety is Safety.UNSAFE)


# -- reading and parsing ----------------------------------------------------------------------


def is_read_only(path: str) -> bool:
    """No one may write the file (the atomic replace would still succeed: refuse first)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not os.access(path, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def read_stdin(normalise: bool = True) -> str:
    stream = sys.stdin
    data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
    text = decode(data) if isinstance(data, bytes) else data
    return sourcefile.normalize_newlines(text) if normalise else text


def _with_newlines_of(raw: str, text: str) -> str:
    """``text`` (``\n`` newlines) written with the line breaks ``raw`` uses."""
    newline = _newline_of(raw)
    return text if newline == "\n" else text.replace("\n", newline)


def _newline_of(raw: str) -> str:
    for newline in ("\r\n", "\r"):
        if newline in raw:
            return newline
    return "\n"


def decode(data: bytes) -> str:
    """Text of a Python source file, in the encoding it declares (PEP 263), else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeError) as error:
        raise SourceReadError(f"cannot decode: {error}") from None
    return text[1:] if text.startswith("\ufeff") else text


def syntax_error_finding(error: Exception) -> Finding:
    """The error as flake8 reports it: E999 at the parser's line and (1-based) offset."""
    line = getattr(error, "lineno", None) or 1
    col = getattr(error, "offset", None) or 0
    details = error.args[1] if len(error.args) > 1 else None
    if col > 0 and isinstance(details, tuple) and len(details) == 4:
        # Python 3.9's parser gives the text of a line that may run on from earlier ones,
        # and flake8 moves the place back as follows there: the two must agree.
        text = details[3]
        if isinstance(text, str):
            lines = text.rstrip("\n").split("\n")
            line -= len(lines) - 1
            col = min(col, len(lines[0]))
        col -= 1
    reason = error.args[0] if error.args else str(error)
    message = f"{type(error).__name__}: {reason}"
    return Finding(SYNTAX_ERROR_CODE, message, line, col, line, col)


def unified_diff(old: str, new: str, path: str, newline: str = "\n") -> str:
    """A unified diff of two ``\n`` texts. In a CRLF file (``newline``, the file's own line
    break) its lines of code end with ``\r\n``, so that ``patch`` and ``git apply`` find
    them; a diff of a CR file stays in lines of ``\n``, the only lines those tools read."""
    if old == new:
        return ""
    import difflib  # only a diff needs it

    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{_diff_path(path)}",
        tofile=f"b/{_diff_path(path)}",
    )
    no_newline = "\n\\ No newline at end of file\n"
    shown = []
    for number, line in enumerate(lines):
        if not line.endswith("\n"):
            line += no_newline
        elif newline == "\r\n" and number >= 2 and not line.startswith("@@"):
            line = line[:-1] + newline  # a line of code; the two file headers and @@ stay
        shown.append(line)
    return "".join(shown)


def _diff_path(path: str) -> str:
    return path[2:] if path.startswith("./") else path.lstrip(os.sep)


def _reason(error: BaseException) -> str:
    if isinstance(error, SourceError):
        return error.reason
    if isinstance(error, OSError) and error.strerror:
        return f"cannot write: {error.strerror}"
    return str(error)
