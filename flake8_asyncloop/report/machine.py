"""The base of the formats made for programs: one document on the output, the rest as text.

Problems (unreadable files, internal errors) go to stderr as the text format writes them, so
that a person reading a CI log sees them, and into the document where the format has a place
for them. The summary line stays on stderr.
"""

from __future__ import annotations

from flake8_asyncloop.report import Reporter
from flake8_asyncloop.report.text import internal_error_line, summary_line
from flake8_asyncloop.runner import FileResult, RunSummary


class MachineReporter(Reporter):
    def file_result(self, result: FileResult) -> None:
        if result.problem is not None:
            self.err.write(f"{result.path}: {result.problem}\n")
        for error in result.internal_errors:
            self.err.write(internal_error_line(result.path, error) + "\n")
        self.add(result)

    def finish(self, summary: RunSummary) -> None:
        self.write(summary)
        if not self.quiet:
            self.err.write(summary_line(summary) + "\n")

    def add(self, result: FileResult) -> None:
        """Take in one file's result."""
        raise NotImplementedError

    def write(self, summary: RunSummary) -> None:
        """Write what was gathered (or what is left to write) to ``self.out``."""
