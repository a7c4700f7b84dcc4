"""``--format sarif``: a SARIF 2.1.0 log with one run, for code scanning services.

The driver lists every registered rule with its documentation page; a result points at its
rule by ``ruleId`` and ``ruleIndex``. Paths are URIs relative to the working directory
(``uriBaseId`` ``%SRCROOT%``); columns count Unicode code points (``columnKind``), 1-based,
end exclusive. A finding with a fix carries it as text replacements, found by applying that
fix alone to the file and comparing the texts.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Type

from flake8_asyncloop import __version__
from flake8_asyncloop.docs import DOCS_URL, docs_url, paragraph, render_rule_markdown
from flake8_asyncloop.findings import Finding, Fix
from flake8_asyncloop.report.locations import (
    SYNTAX_ERROR_DESCRIPTION,
    SYNTAX_ERROR_NAME,
    LineIndex,
    Region,
    path_uri,
)
from flake8_asyncloop.report.machine import MachineReporter
from flake8_asyncloop.rule import Rule
from flake8_asyncloop.rules import ALL_RULES
from flake8_asyncloop.runner import SYNTAX_ERROR_CODE, FileResult, RunSummary

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SARIF_VERSION = "2.1.0"
TOOL = "flake8-asyncloop"
INFORMATION_URI = DOCS_URL.split("/blob/")[0]
SOURCE_ROOT = "%SRCROOT%"
LEVEL = "error"  # every finding is a test that fails, runs on the wrong loop or never runs


def rule_descriptor(rule: Type[Rule]) -> Dict[str, object]:
    page = render_rule_markdown(rule)
    return {
        "id": rule.code,
        "name": rule.name,
        # The message is a template (``{owner}``, ``{role}``): its name reads as a title.
        "shortDescription": {"text": rule.name.replace("-", " ").capitalize()},
        "fullDescription": {"text": paragraph(rule.what)},
        "help": {"text": markdown_as_text(page), "markdown": page},
        "helpUri": docs_url(rule.code),
        "defaultConfiguration": {"level": LEVEL, "enabled": rule.default_enabled},
        "properties": {"fixSafety": str(rule.fix_safety)},
    }


def code_descriptor(code: str) -> Dict[str, object]:
    """A result's rule that is not a registered rule: E999, or a rule added at run time."""
    if code == SYNTAX_ERROR_CODE:
        return {
            "id": code,
            "name": SYNTAX_ERROR_NAME,
            "shortDescription": {"text": SYNTAX_ERROR_DESCRIPTION},
            "defaultConfiguration": {"level": LEVEL},
        }
    return {"id": code}


def markdown_as_text(page: str) -> str:
    """The rule page for a plain-text viewer: no heading marks, code indented, no fences."""
    lines: List[str] = []
    in_code = False
    for line in page.splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            lines.append("    " + line if line else "")
        else:
            lines.append(re.sub(r"^#+ ", "", line))
    return "\n".join(lines) + "\n"


def sarif_region(region: Region) -> Dict[str, int]:
    return {
        "startLine": region.line,
        "startColumn": region.column,
        "endLine": region.end_line,
        "endColumn": region.end_column,
    }


def artifact_location(path: str) -> Dict[str, str]:
    uri = path_uri(path)
    if uri.startswith("file:"):
        return {"uri": uri}
    return {"uri": uri, "uriBaseId": SOURCE_ROOT}


def text_replacements(source: str, fix: Fix) -> List[Dict[str, object]]:
    """The fix as SARIF replacements on ``source``; empty when it cannot be worked out."""
    from flake8_asyncloop.fixer import apply_one_fix, parses

    try:
        fixed = apply_one_fix(source, fix)
    except Exception:  # a fix that cannot be applied alone is described, not shown
        return []
    if fixed == source or not parses(fixed):
        return []
    return [
        {
            "deletedRegion": sarif_region(_text_region(source, start, end)),
            "insertedContent": {"text": inserted},
        }
        for start, end, inserted in changed_ranges(source, fixed)
    ]


def changed_ranges(old: str, new: str) -> List[Tuple[int, int, str]]:
    """``(start, end, text)``: replacing ``old[start:end]`` by ``text``, in order, gives ``new``."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    old_starts = _offsets(old_lines)
    new_starts = _offsets(new_lines)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    ranges = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        start, end = old_starts[i1], old_starts[i2]
        inserted = new[new_starts[j1]:new_starts[j2]]
        # Narrow the changed lines to the characters that differ.
        prefix = _common_prefix(old[start:end], inserted)
        start += prefix
        inserted = inserted[prefix:]
        suffix = _common_prefix(old[start:end][::-1], inserted[::-1])
        ranges.append((start, end - suffix, inserted[: len(inserted) - suffix]))
    return ranges


def _offsets(lines: Sequence[str]) -> List[int]:
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    return offsets


def _common_prefix(a: str, b: str) -> int:
    return len(os.path.commonprefix([a, b]))


def _text_region(source: str, start: int, end: int) -> Region:
    """Character offsets as a region; a position just after a newline is on the next line."""
    line, column = _line_column(source, start)
    end_line, end_column = _line_column(source, end)
    return Region(line, column, end_line, end_column)


def _line_column(source: str, offset: int) -> Tuple[int, int]:
    line = source.count("\n", 0, offset) + 1
    line_start = source.rfind("\n", 0, offset) + 1
    return line, offset - line_start + 1


def _directory_uri(path: str) -> str:
    uri = Path(path).as_uri()
    return uri if uri.endswith("/") else uri + "/"


class SarifReporter(MachineReporter):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rules: List[Dict[str, object]] = [rule_descriptor(rule) for rule in ALL_RULES]
        self.rule_index: Dict[str, int] = {rule.code: i for i, rule in enumerate(ALL_RULES)}
        self.results: List[Dict[str, object]] = []
        self.notifications: List[Dict[str, object]] = []

    def add(self, result: FileResult) -> None:
        index = LineIndex.for_result(result)
        for finding in result.findings:
            self.results.append(self._result(result.path, finding, index, result.source))
        if result.problem is not None:
            self.notifications.append(self._notification(result.path, None, result.problem))
        for error in result.internal_errors:
            message = f"internal error in {error.code}: {error.reason}"
            self.notifications.append(self._notification(result.path, error.line, message))

    def _result(
        self, path: str, finding: Finding, index: LineIndex, source: Optional[str]
    ) -> Dict[str, object]:
        location = artifact_location(path)
        result: Dict[str, object] = {
            "ruleId": finding.code,
            "ruleIndex": self._index_of(finding.code),
            "level": LEVEL,
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": location,
                        "region": sarif_region(index.finding_region(finding)),
                    }
                }
            ],
        }
        fix = finding.fix
        if fix is None:
            return result
        # a fix that also sets config values cannot be given as this file's changes alone
        replacements = (
            text_replacements(source, fix) if source is not None and not fix.settings else []
        )
        if replacements:
            result["fixes"] = [
                {
                    "description": {"text": fix.description},
                    "artifactChanges": [
                        {"artifactLocation": location, "replacements": replacements}
                    ],
                    "properties": {"safety": str(fix.safety)},
                }
            ]
        else:  # SARIF's fix needs concrete changes: describe it instead
            result["properties"] = {
                "fix": {"description": fix.description, "safety": str(fix.safety)}
            }
        return result

    def _index_of(self, code: str) -> int:
        if code not in self.rule_index:
            self.rule_index[code] = len(self.rules)
            self.rules.append(code_descriptor(code))
        return self.rule_index[code]

    @staticmethod
    def _notification(path: str, line: Optional[int], message: str) -> Dict[str, object]:
        physical: Dict[str, object] = {"artifactLocation": artifact_location(path)}
        if line is not None:
            physical["region"] = {"startLine": line}
        return {
            "level": "error",
            "message": {"text": message},
            "locations": [{"physicalLocation": physical}],
        }

    def write(self, summary: RunSummary) -> None:
        invocation: Dict[str, object] = {"executionSuccessful": summary.errors == 0}
        if self.notifications:
            invocation["toolExecutionNotifications"] = self.notifications
        run = {
            "tool": {
                "driver": {
                    "name": TOOL,
                    "version": __version__,
                    "informationUri": INFORMATION_URI,
                    "rules": self.rules,
                }
            },
            "invocations": [invocation],
            "originalUriBaseIds": {SOURCE_ROOT: {"uri": _directory_uri(os.getcwd())}},
            "columnKind": "unicodeCodePoints",
            "results": self.results,
        }
        log = {"$schema": SCHEMA, "version": SARIF_VERSION, "runs": [run]}
        json.dump(log, self.out, indent=2, ensure_ascii=False)
        self.out.write("\n")
