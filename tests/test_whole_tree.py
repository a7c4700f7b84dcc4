"""Whole trees of real code: no internal error, and every fix the tool would make parses.

The tree is ASYNCLOOP_TREE (directories separated by ``os.pathsep``); by default a small
sample: the standard library's ``asyncio`` and ``unittest`` packages and the installed
``pytest_asyncio``. Run with ``-s`` to see the figures, e.g. over the whole standard library:

    ASYNCLOOP_TREE="$(python -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')" \\
        pytest -q -s tests/test_whole_tree.py

Nothing is written: ``fix`` runs with ``--diff``, and the per-file fixes run in memory.
"""

from __future__ import annotations

import ast
import asyncio
import os
import time
import unittest
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import libcst
import pytest

from flake8_asyncloop.cli import main
from flake8_asyncloop.discover_files import discover
from flake8_asyncloop.runner import FileResult, Runner, RunSummary
from flake8_asyncloop.settings import Settings
from flake8_asyncloop.sourcefile import SourceError, read_source

pytestmark = pytest.mark.slow


def _tree() -> List[str]:
    configured = os.environ.get("ASYNCLOOP_TREE")
    if configured:
        return [path for path in configured.split(os.pathsep) if path]
    paths = [os.path.dirname(asyncio.__file__), os.path.dirname(unittest.__file__)]
    try:
        import pytest_asyncio
    except ImportError:  # pragma: no cover - a test dependency
        pass
    else:
        paths.append(os.path.dirname(pytest_asyncio.__file__))
    return paths


TREE = _tree()
SETTINGS = Settings(exclude=())  # everything in the tree, build/ and dist/ directories included


class _Collector:
    """A reporter that keeps the results instead of printing them."""

    def __init__(self) -> None:
        self.results: List[FileResult] = []
        self.notices: List[str] = []
        self.summary: Optional[RunSummary] = None

    def notice(self, message: str) -> None:
        self.notices.append(message)

    def file_result(self, result: FileResult) -> None:
        self.results.append(result)

    def finish(self, summary: RunSummary) -> None:
        self.summary = summary


def _internal_errors(results: List[FileResult]) -> List[str]:
    return [
        f"{r.path}:{e.line}: {e.code}: {e.reason}" for r in results for e in r.internal_errors
    ]


def test_check_over_the_tree() -> None:
    collector = _Collector()
    started = time.monotonic()
    summary = Runner(SETTINGS, jobs=1).run(TREE, collector, mode="check")
    elapsed = time.monotonic() - started
    unreadable = [f"{r.path}: {r.problem}" for r in collector.results if r.problem]
    print(
        f"\ncheck: {summary.files} files, {summary.findings} findings, "
        f"{len(unreadable)} unreadable, {len(_internal_errors(collector.results))} internal "
        f"errors, {elapsed:.1f}s"
    )
    assert _internal_errors(collector.results) == []
    assert summary.files > 0


def test_fix_diff_over_the_tree(capsys: pytest.CaptureFixture) -> None:
    argv = ["fix", "--diff", "--unsafe-fixes", "--isolated", "--no-cache", "-j1", "--exclude="]
    code = main(argv + TREE)
    captured = capsys.readouterr()
    assert "internal error" not in captured.err
    assert code in (0, 1, 2)  # 2 only for files that cannot be read, checked below
    for line in captured.err.splitlines()[:-1]:
        assert ": internal error" not in line, line


@dataclass
class _Survey:
    files: int = 0
    changed: int = 0
    fixes: int = 0
    unreadable: int = 0
    not_fixed: List[str] = field(default_factory=list)  # declined: too deeply nested
    crashes: List[str] = field(default_factory=list)
    unparsable: List[str] = field(default_factory=list)


def _fix_each_file(runner: Runner, path: str, survey: _Survey) -> None:
    try:
        text = read_source(path).text
    except SourceError:
        survey.unreadable += 1
        return
    survey.files += 1
    result = runner.fix_source(text, path, unsafe=True)
    survey.crashes += [f"{path}:{e.line}: {e.code}: {e.reason}" for e in result.internal_errors]
    if result.problem:
        survey.not_fixed.append(f"{path}: {result.problem}")
    if not result.changed:
        return
    survey.changed += 1
    survey.fixes += len(result.fixed)
    fixed = result.fixed_source or ""
    for parser in (ast.parse, libcst.parse_module):
        try:
            parser(fixed)
        except Exception as error:
            survey.unparsable.append(f"{path}: {parser.__module__}: {type(error).__name__}")


def test_every_fix_parses() -> None:
    runner = Runner(SETTINGS, jobs=1)
    survey = _Survey()
    started = time.monotonic()
    for path in discover(TREE, ()).files:
        _fix_each_file(runner, path, survey)
    elapsed = time.monotonic() - started
    print(
        f"\nfix --unsafe-fixes, per file: {survey.files} files checked, {survey.changed} with "
        f"fixes ({survey.fixes} fixes), {survey.unreadable} unreadable, "
        f"{len(survey.not_fixed)} declined, {len(survey.crashes)} crashes, "
        f"{len(survey.unparsable)} unparsable outputs, {elapsed:.1f}s"
    )
    for line in survey.not_fixed + survey.crashes + survey.unparsable:
        print("  " + line)
    assert survey.crashes == []
    assert survey.unparsable == []


def test_the_default_sample_is_not_empty() -> None:
    found = discover(TREE, ())
    counted: Tuple[int, int] = (len(found.files), len(found.missing))
    assert counted[0] > 0 and counted[1] == 0
