"""Helpers shared by the tests: run the rules on an example, directly or through flake8."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterable, List, Sequence, Set, Tuple

import pytest

from flake8_asyncloop.context.discovery import context_for
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.findings import Fix
from flake8_asyncloop.rule import Example
from flake8_asyncloop.rules import ALL_RULES

Located = Tuple[int, int, str]  # (line, 1-based column, code), as flake8 prints them

ENGINE = Engine(ALL_RULES)


def not_parsed(files: int) -> str:
    """What the summary line adds for files reported with E999."""
    noun = "file" if files == 1 else "files"
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    return (
        f"; {files} {noun} not parsed by Python {running}, not checked "
        "(see 'flake8-asyncloop explain E999')"
    )


def write_example(example: Example, directory: Path) -> Path:
    """Lay the example out as a small project; return the path of the module under test."""
    return example.lay_out(directory)


def _installed_pytest_asyncio() -> Tuple[int, ...]:
    from flake8_asyncloop.context.versions import installed_version

    return tuple(installed_version("pytest-asyncio") or ())


# Before Python 3.10 asyncio's locks, events and queues take a loop when built.
LAZY_BINDING = pytest.mark.skipif(
    sys.version_info < (3, 10), reason="before Python 3.10 asyncio's primitives bind when built"
)


def needs_pytest_asyncio(*version: int) -> pytest.MarkDecorator:
    """Skip where the installed pytest-asyncio is older than ``version``."""
    shown = ".".join(map(str, version))
    return pytest.mark.skipif(
        _installed_pytest_asyncio() < version, reason=f"needs pytest-asyncio {shown}"
    )


def holds_here(example: Example) -> pytest.MarkDecorator:
    """A mark that skips the example where this Python or the installed pytest-asyncio is
    older than the example says it needs (``Example.python``, ``Example.pytest_asyncio``)."""
    python = sys.version_info[:2] < example.python
    plugin = _installed_pytest_asyncio() < example.pytest_asyncio
    needs = ".".join(map(str, example.python if python else example.pytest_asyncio))
    what = "Python" if python else "pytest-asyncio"
    return pytest.mark.skipif(python or plugin, reason=f"the example holds from {what} {needs}")


def syntax_col(col: int) -> int:
    """The column of a syntax error that Python 3.10+ (and flake8 there) shows at ``col``:
    on Python 3.9 flake8 shows the parser's offset as it is, one column further left."""
    return col if sys.version_info >= (3, 10) else col - 1


def write(path: Path, text: str) -> Path:
    """Write ``text`` to ``path``, making its directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def check_path(path: Path) -> List[Located]:
    """Findings for one file through the engine, with its real project context."""
    source = path.read_text(encoding="utf-8")
    findings, errors = ENGINE.check(ast.parse(source), str(path), context_for(str(path)))
    assert not errors, errors
    return [(f.line, f.col + 1, f.code) for f in findings]


def check_example(example: Example, directory: Path) -> Set[Located]:
    return set(check_path(write_example(example, directory)))


def expected(example: Example, code: str) -> Set[Located]:
    return {(line, col, code) for line, col in example.expect}


def run_flake8(paths: Iterable[Path], *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the real flake8 command in a subprocess."""
    command = [sys.executable, "-m", "flake8", "--format=%(path)s|%(row)d|%(col)d|%(code)s"]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        command + list(args) + [str(p) for p in paths],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
    )


def child_environment() -> dict:
    """The environment for a child process: no pytest or xdist state leaks from this run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _pytest_plugins() -> List[str]:
    """Load only the plugins the examples need; whatever else is installed stays out."""
    plugins = ["pytest_asyncio.plugin"]
    try:
        import anyio.pytest_plugin  # noqa: F401
    except ImportError:
        pass
    else:
        plugins.append("anyio.pytest_plugin")
    return plugins


def run_pytest_isolated(
    project: Path, *args: str, python_warnings: str = "", warnings_as_errors: bool = True
) -> subprocess.CompletedProcess:
    """Run real pytest on a small project with warnings as errors (unless the project's own
    filters are to decide) and no auto-loaded plugins.

    Plugin auto-loading is off so that a plugin installed on the machine (pytest-benchmark
    warns under xdist, for one) cannot turn into an error under ``-W error``.
    """
    env = child_environment()
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    if python_warnings:
        env["PYTHONWARNINGS"] = python_warnings
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    if warnings_as_errors:
        command += ["-W", "error"]
    for plugin in _pytest_plugins():
        command += ["-p", plugin]
    return subprocess.run(
        command + list(args), cwd=project, capture_output=True, text=True, env=env, timeout=120,
    )


def parse_flake8(stdout: str) -> List[Tuple[str, int, int, str]]:
    rows = []
    for line in stdout.splitlines():
        path, row, col, code = line.rsplit("|", 3)
        rows.append((path, int(row), int(col), code))
    return rows


def assert_runs_fix_as_the_whole_module(source: str, fixes: Sequence[Fix]) -> None:
    """All of ``fixes`` as one batch, and each alone, give the same outcome whether the fixer
    edits runs of statements or the whole module (a refusal counts as an outcome)."""
    from flake8_asyncloop.fixer import FixError
    from flake8_asyncloop.fixer.apply import apply_fixes_report

    def outcome(batch: Sequence[Fix], whole: bool) -> tuple:
        try:
            applied = apply_fixes_report(source, batch, whole=whole)
        except FixError as error:
            return ("refused", error.reason)
        return (applied.source, applied.applied, applied.deferred)

    for batch in ([fixes] if fixes else []) + [[fix] for fix in fixes]:
        assert outcome(batch, whole=False) == outcome(batch, whole=True)
