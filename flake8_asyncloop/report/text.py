"""The default output: findings as flake8 prints them, problems and totals on stderr."""

from __future__ import annotations

import sys
from typing import Sequence, Type

from flake8_asyncloop.engine import InternalError
from flake8_asyncloop.findings import Finding
from flake8_asyncloop.report import Reporter
from flake8_asyncloop.rule import Rule
from flake8_asyncloop.runner import FileResult, RunSummary

FIX_COMMAND = "flake8-asyncloop fix"
ISSUE_HINT = "please report this at the project's issue tracker"


def finding_line(path: str, finding: Finding) -> str:
    return f"{path}:{finding.line}:{finding.col + 1}: {finding.code} {finding.message}"


def internal_error_line(path: str, error: InternalError) -> str:
    return f"{path}:{error.line}: internal error in {error.code}: {error.reason} ({ISSUE_HINT})"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class TextReporter(Reporter):
    def file_result(self, result: FileResult) -> None:
        if result.problem is not None:
            self.err.write(f"{result.path}: {result.problem}\n")
        for error in result.internal_errors:
            self.err.write(internal_error_line(result.path, error) + "\n")
        if self.mode == "diff":
            self.out.write(result.diff)
            return
        # Fixing stdin: the fixed text is the output, so the findings go to stderr.
        stream = self.out
        if result.fixed_source is not None:
            self.out.write(result.fixed_source)
            stream = self.err
        for finding in result.findings:
            stream.write(finding_line(result.path, finding) + "\n")

    def finish(self, summary: RunSummary) -> None:
        if not self.quiet:
            self.err.write(summary_line(summary) + "\n")


def summary_line(summary: RunSummary) -> str:
    checked = f"checked {plural(summary.files, 'file')}"
    if summary.mode == "check":
        if not summary.findings:
            text = f"{checked}: no findings"
        else:
            text = f"{checked}: {plural(summary.findings, 'finding')}"
            fixable = []
            if summary.fixable:
                fixable.append(f"{summary.fixable} fixable with '{FIX_COMMAND}'")
            if summary.unsafe_fixable:
                more = "more " if summary.fixable else ""
                fixable.append(
                    f"{summary.unsafe_fixable} {more}with '{FIX_COMMAND} --unsafe-fixes'"
                )
            if fixable:
                text += f" ({', '.join(fixable)})"
    else:
        would = "would fix" if summary.mode == "diff" else "fixed"
        if summary.mode == "diff":
            remain = "would remain"
        else:
            remain = "remains" if summary.findings == 1 else "remain"
        text = (
            f"{checked}: {would} {plural(summary.fixed, 'finding')} "
            f"in {plural(summary.files_changed, 'file')}, {summary.findings} {remain}"
        )
        if summary.unsafe_fixable:
            text += f" ({summary.unsafe_fixable} fixable with '{FIX_COMMAND} --unsafe-fixes')"
    if summary.unparsed:
        # Most often syntax newer than the Python running the check (``type X = ...``).
        text += (
            f"; {plural(summary.unparsed, 'file')} not parsed by Python "
            f"{sys.version_info.major}.{sys.version_info.minor}, not checked "
            "(see 'flake8-asyncloop explain E999')"
        )
    if summary.errors:
        text += f"; {plural(summary.errors, 'error')} (see above)"
    return text


def rules_table(rules: Sequence[Type[Rule]]) -> str:
    """One line per rule: code, name, fix safety, on or off by default."""
    rows = [("CODE", "NAME", "FIX", "DEFAULT")]
    for rule in rules:
        default = "on" if rule.default_enabled else "off"
        rows.append((rule.code, rule.name, str(rule.fix_safety), default))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + f"  {row[3]}\n"
        for row in rows
    )
