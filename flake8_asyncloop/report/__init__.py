"""Reporters: how a run's results are shown. Each format is one ``Reporter`` subclass.

A reporter receives each file's result as soon as it is ready, side notices (a path skipped
because it is not Python), and the totals at the end. It writes; it decides nothing about
the exit status.
"""

from __future__ import annotations

from typing import Dict, TextIO, Type

from flake8_asyncloop.runner import FileResult, RunSummary


class Reporter:
    """Base of every output format; ``mode`` is "check", "fix" or "diff"."""

    def __init__(self, out: TextIO, err: TextIO, mode: str = "check", quiet: bool = False) -> None:
        self.out = out
        self.err = err
        self.mode = mode
        self.quiet = quiet

    def notice(self, message: str) -> None:
        """Something the user should know that is not a finding; never changes the outcome."""
        self.err.write(f"{message}\n")

    def file_result(self, result: FileResult) -> None:
        raise NotImplementedError

    def finish(self, summary: RunSummary) -> None:
        """Called once, after the last file."""


def reporters() -> Dict[str, Type[Reporter]]:
    """The output formats by name."""
    from flake8_asyncloop.report.github import GithubReporter
    from flake8_asyncloop.report.json import JsonReporter
    from flake8_asyncloop.report.junit import JunitReporter
    from flake8_asyncloop.report.sarif import SarifReporter
    from flake8_asyncloop.report.text import TextReporter

    return {
        "text": TextReporter,
        "json": JsonReporter,
        "sarif": SarifReporter,
        "github": GithubReporter,
        "junit": JunitReporter,
    }
