"""Check on a real project that flake8-asyncloop's fixes keep what its tests do.

    python tools/verify_fixes.py PROJECT_DIR
    python tools/verify_fixes.py PROJECT_DIR --python path/to/venv/bin/python
    python tools/verify_fixes.py PROJECT_DIR --unsafe-fixes --tests tests/

The project is copied to a scratch directory (the original is never written). In the copy,
the tests that hold fixable findings are run with pytest (from the interpreter given by
``--python``, where the project and its test dependencies are installed), the fixes are
applied with ``flake8-asyncloop fix``, and the same tests are run again. The outcome of
every test is compared, by its JUnit XML report. Exit status: 0 when no test changed, 1 when
one did, 2 when the check could not be made (no fixable findings, pytest did not run).

Safe fixes must never change an outcome; unsafe ones may, and the report shows which.
The pytest-asyncio version the fixes are made for is the one the test interpreter has.
The tests import the project as that interpreter has it installed: a fix to the project's
own modules (not tests or conftest.py files) is exercised only where they import the copy.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

# Directories never worth copying: environments, caches, build output.
SKIPPED = shutil.ignore_patterns(
    ".git", ".hg", ".tox", ".nox", ".venv", "venv", "node_modules", "__pycache__",
    ".pytest_cache", ".mypy_cache", ".flake8-asyncloop_cache", "*.egg-info", "build", "dist",
)
Outcomes = Dict[str, str]


def outcomes(report: Path) -> Outcomes:
    """Each test's outcome in a pytest JUnit XML report: passed, failed, error, skipped or
    xfailed, by ``classname::name``."""
    found: Outcomes = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag == "failure":
                outcome = "failed"
            elif child.tag == "error":
                outcome = "error"
            elif child.tag == "skipped":
                outcome = "xfailed" if child.get("type") == "pytest.xfail" else "skipped"
        key = f"{case.get('classname')}::{case.get('name')}"
        while key in found:  # a test reported twice (a teardown error after a pass)
            key += "+"
        found[key] = outcome
    return found


def changes(before: Outcomes, after: Outcomes) -> List[str]:
    """One line per test whose outcome differs, or that is only on one side."""
    return [
        f"{test}: {before.get(test, 'not run')} -> {after.get(test, 'not run')}"
        for test in sorted(set(before) | set(after))
        if before.get(test) != after.get(test)
    ]


def summary(results: Outcomes) -> str:
    counts = collections.Counter(results.values())
    return ", ".join(f"{counts[kind]} {kind}" for kind in sorted(counts)) or "no tests"


def fixable_files(project: Path, options: Sequence[str], unsafe: bool) -> Dict[str, List[str]]:
    """The files with findings ``fix`` would change, relative to ``project``, with the codes."""
    result = _lint(project, ["check", "--format", "json", "--exit-zero", *options, "."])
    report = json.loads(result.stdout)
    wanted = {"safe", "unsafe"} if unsafe else {"safe"}
    files: Dict[str, List[str]] = {}
    for finding in report["findings"]:
        if finding.get("applicability") in wanted:
            files.setdefault(os.path.normpath(finding["file"]), []).append(finding["code"])
    return files


def tests_to_run(files: Iterable[str]) -> List[str]:
    """The test modules among ``files``; for a conftest.py, the directory it serves."""
    targets = set()
    for path in files:
        name = os.path.basename(path)
        if name == "conftest.py":
            targets.add(os.path.dirname(path) or ".")
        elif name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py")):
            targets.add(path)
    return sorted(targets)


def run_pytest(python: str, project: Path, targets: Sequence[str], report: Path) -> int:
    command = [
        python, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", *targets
    ]
    result = subprocess.run(command, cwd=project, capture_output=True, text=True)
    # pytest's summary is the last line of its output; warnings may follow on stderr
    tail = (result.stdout.strip() or result.stderr.strip()).splitlines()[-1:]
    print(f"  pytest exit {result.returncode}: {tail[0] if tail else ''}")
    return result.returncode


def pytest_asyncio_version(python: str) -> Optional[str]:
    """The pytest-asyncio release the test interpreter has, as major.minor."""
    code = "import importlib.metadata as m; print(m.version('pytest-asyncio'))"
    result = subprocess.run([python, "-c", code], capture_output=True, text=True)
    if result.returncode != 0:
        return None
    return ".".join(result.stdout.strip().split(".")[:2])


def _lint(project: Path, arguments: Sequence[str]) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "flake8_asyncloop", *arguments]
    return subprocess.run(command, cwd=project, capture_output=True, text=True)


def verify(
    source: Path, python: str, unsafe: bool, tests: Sequence[str], scratch: Path
) -> int:
    project = scratch / source.name
    shutil.copytree(source, project, ignore=SKIPPED, symlinks=True)
    options = ["--no-cache", "--jobs", "1"]
    version = pytest_asyncio_version(python)
    if version is not None:
        options += ["--asyncloop-pytest-asyncio-version", version]
    files = fixable_files(project, options, unsafe)
    if not files:
        print("no fixable findings: nothing to verify")
        return 2
    for path, codes in sorted(files.items()):
        print(f"  {path}: {', '.join(sorted(codes))}")
    targets = list(tests) or tests_to_run(files)
    if not targets:
        print("no test module or conftest.py among the fixed files: give --tests")
        return 2
    print(f"pytest-asyncio {version or 'not installed'}; running {' '.join(targets)}")
    before_report, after_report = scratch / "before.xml", scratch / "after.xml"
    print("before the fixes:")
    run_pytest(python, project, targets, before_report)
    fix = ["fix", *options, *(["--unsafe-fixes"] if unsafe else []), *sorted(files)]
    fixed = _lint(project, fix)
    if fixed.returncode not in (0, 1):
        print(f"fix failed (exit {fixed.returncode}): {fixed.stderr.strip()}")
        return 2
    print("after the fixes:")
    run_pytest(python, project, targets, after_report)
    if not (before_report.exists() and after_report.exists()):
        print("pytest wrote no report: the tests did not run")
        return 2
    before, after = outcomes(before_report), outcomes(after_report)
    print(f"before: {summary(before)}\nafter:  {summary(after)}")
    changed = changes(before, after)
    for line in changed:
        print(f"  changed: {line}")
    print("same outcomes" if not changed else f"{len(changed)} tests changed")
    return 1 if changed else 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path, help="the project's root directory")
    parser.add_argument(
        "--python", default=sys.executable,
        help="the interpreter that runs the tests (default: this one)",
    )
    parser.add_argument("--unsafe-fixes", action="store_true", help="apply unsafe fixes too")
    parser.add_argument(
        "--tests", nargs="+", default=(),
        help="what pytest runs, relative to the project (default: the fixed test files)",
    )
    args = parser.parse_args(argv)
    if not args.project.is_dir():
        parser.error(f"{args.project} is not a directory")
    with tempfile.TemporaryDirectory(prefix="verify-fixes-") as scratch:
        return verify(
            args.project.resolve(), args.python, args.unsafe_fixes, args.tests, Path(scratch)
        )


if __name__ == "__main__":
    sys.exit(main())
