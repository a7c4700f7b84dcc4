"""Reporters: how a run's results are shown. Each format is one ``Reporter`` subclass.

A reporter receives each file's result as soon as it is ready, side notices (a path skipped
because it is not Python), and the totals at the end. It writes; it decides nothing about
the exit status.
"""

from __future__ import annotations

import importlib
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


# Output format -> the module and class that write it, imported only when chosen.
_FORMATS = {
    "text": ("text", "TextReporter"),
    "json": ("json", "JsonReporter"),
    "sarif": ("sarif", "SarifReporter"),
    "github": ("github", "GithubReporter"),
    "junit": ("junit", "JunitReporter"),
}


def reporter_class(name: str) -> Type[Reporter]:
    """The reporter of one output format."""
    module, attribute = _FORMATS[name]
    return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)


def reporters() -> Dict[str, Type[Reporter]]:
    """The output formats by name."""
    return {name: reporter_class(name) for name in _FORMATS}
