"""Positions and paths as the machine-readable formats give them.

Findings keep ``ast`` positions: 1-based lines, 0-based columns counted in UTF-8 bytes. The
formats made for programs (json, sarif, github, junit) give 1-based columns counted in
characters (Unicode code points), with the end column exclusive: the column just after the
last character of the finding. On a line of ASCII text that is the byte column plus one, as
the text format prints it.

E999 (a file that does not parse) is the exception in storage: its column is the parser's
1-based character offset already, and it marks a point, so it starts and ends there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional
from urllib.parse import quote

from flake8_asyncloop.findings import Finding, Span
from flake8_asyncloop.rules import RULES_BY_CODE
from flake8_asyncloop.runner import SYNTAX_ERROR_CODE, FileResult
from flake8_asyncloop.sourcefile import SourceError, read_source

SYNTAX_ERROR_NAME = "syntax-error"
SYNTAX_ERROR_DESCRIPTION = "The file does not parse: nothing else in it can be checked."


@dataclass(frozen=True)
class Region:
    """1-based lines and character columns; ``end_column`` is exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }


class LineIndex:
    """Turns byte columns into character columns using the text the positions refer to.

    Without the text (it could not be had) columns are taken as they are: exact for ASCII.
    """

    def __init__(self, source: Optional[str]) -> None:
        self.lines: Optional[List[str]] = None if source is None else source.split("\n")

    @classmethod
    def for_result(cls, result: FileResult) -> "LineIndex":
        source = result.source
        if source is None and os.path.isfile(result.path):  # a result made without its text
            try:
                source = read_source(result.path).text
            except (SourceError, OSError):
                source = None
        return cls(source)

    def characters(self, line: int, byte_col: int) -> int:
        """How many characters of ``line`` come before ``byte_col``."""
        if self.lines is None or not 1 <= line <= len(self.lines):
            return byte_col
        encoded = self.lines[line - 1].encode("utf-8")
        return len(encoded[:byte_col].decode("utf-8", errors="ignore"))

    def span_region(self, span: Span) -> Region:
        return Region(
            span.line,
            self.characters(span.line, span.col) + 1,
            span.end_line,
            self.characters(span.end_line, span.end_col) + 1,
        )

    def finding_region(self, finding: Finding) -> Region:
        if finding.code == SYNTAX_ERROR_CODE:
            column = max(finding.col, 1)
            return Region(finding.line, column, finding.line, column)
        return self.span_region(
            Span(finding.line, finding.col, finding.end_line, finding.end_col)
        )


def rule_name(code: str) -> Optional[str]:
    if code == SYNTAX_ERROR_CODE:
        return SYNTAX_ERROR_NAME
    rule = RULES_BY_CODE.get(code)
    return rule.name if rule is not None else None


def relative_path(path: str) -> str:
    """``path`` relative to the working directory with ``/`` separators, when it lies below it."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute)
    except ValueError:  # another drive on Windows
        return absolute.replace(os.sep, "/")
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return absolute.replace(os.sep, "/")
    return relative.replace(os.sep, "/")


def path_uri(path: str) -> str:
    """A URI reference for ``path``: relative (to the working directory) when it lies below it."""
    shown = relative_path(path)
    if os.path.isabs(shown):
        return Path(shown).as_uri()
    return quote(shown)
