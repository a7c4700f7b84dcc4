"""``--format github``: GitHub Actions workflow commands, shown as annotations on the diff.

One ``::error file=...,line=...,col=...,endLine=...,endColumn=...,title=CODE name::message``
line per finding. Columns are 1-based characters, ``endColumn`` exclusive; GitHub only takes
columns for a one-line annotation, so a finding spanning several lines gives lines only.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from flake8_asyncloop.report.locations import LineIndex, relative_path, rule_name
from flake8_asyncloop.report.machine import MachineReporter
from flake8_asyncloop.report.text import ISSUE_HINT
from flake8_asyncloop.runner import FileResult

TOOL = "flake8-asyncloop"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: Sequence[Tuple[str, object]], message: str) -> str:
    shown = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties)
    return f"::{name} {shown}::{escape_data(message)}"


class GithubReporter(MachineReporter):
    def add(self, result: FileResult) -> None:
        path = relative_path(result.path)
        index = LineIndex.for_result(result)
        for finding in result.findings:
            region = index.finding_region(finding)
            properties: List[Tuple[str, object]] = [("file", path), ("line", region.line)]
            if region.line == region.end_line:
                properties += [
                    ("col", region.column),
                    ("endLine", region.end_line),
                    ("endColumn", region.end_column),
                ]
            else:
                properties.append(("endLine", region.end_line))
            name = rule_name(finding.code)
            properties.append(("title", f"{finding.code} {name}" if name else finding.code))
            self.out.write(command("error", properties, finding.message) + "\n")
        if result.problem is not None:
            self._error(path, None, TOOL, result.problem)
        for error in result.internal_errors:
            title = f"internal error in {error.code}"
            self._error(path, error.line, title, f"{error.reason} ({ISSUE_HINT})")

    def _error(self, path: str, line: Optional[int], title: str, message: str) -> None:
        properties: List[Tuple[str, object]] = [("file", path)]
        if line is not None:
            properties.append(("line", line))
        properties.append(("title", title))
        self.out.write(command("error", properties, message) + "\n")
