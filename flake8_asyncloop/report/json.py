"""``--format json``: one JSON object with every finding, the problems and the totals.

Each finding has ``code``, ``name`` (``null`` for a code no rule owns), ``message``,
``file`` (the path as the text format prints it), ``line``/``column``/``end_line``/
``end_column`` (1-based; columns count characters and the end column is exclusive: see
``report/locations.py``), ``applicability`` (``safe``, ``unsafe`` or ``none``), ``fix``
(``null``, or the fix's ``description``, its ``edits`` as ``type``, ``span`` and ``params``,
and the ``imports`` it adds) and ``url`` (the rule's documentation page).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Dict, List, Optional

from flake8_asyncloop import __version__
from flake8_asyncloop.docs import docs_url
from flake8_asyncloop.findings import Edit, Finding, Fix
from flake8_asyncloop.report.locations import LineIndex, rule_name
from flake8_asyncloop.report.machine import MachineReporter
from flake8_asyncloop.rules import RULES_BY_CODE
from flake8_asyncloop.runner import FileResult, RunSummary

TOOL = "flake8-asyncloop"


def finding_record(path: str, finding: Finding, index: LineIndex) -> Dict[str, object]:
    record: Dict[str, object] = {
        "code": finding.code,
        "name": rule_name(finding.code),
        "message": finding.message,
        "file": path,
    }
    record.update(index.finding_region(finding).as_dict())
    record["applicability"] = str(finding.fix.safety) if finding.fix is not None else "none"
    record["fix"] = None if finding.fix is None else fix_record(finding.fix, index)
    record["url"] = docs_url(finding.code) if finding.code in RULES_BY_CODE else None
    return record


def fix_record(fix: Fix, index: LineIndex) -> Dict[str, object]:
    return {
        "description": fix.description,
        "edits": [edit_record(edit, index) for edit in fix.edits],
        "imports": [{"module": i.module, "name": i.name} for i in fix.imports],
        "config_settings": [{"file": c.path, "key": c.key, "value": c.value} for c in fix.settings],
    }


def edit_record(edit: Edit, index: LineIndex) -> Dict[str, object]:
    params = {
        f.name: getattr(edit, f.name) for f in dataclasses.fields(edit) if f.name != "span"
    }
    return {
        "type": type(edit).__name__,
        "span": index.span_region(edit.span).as_dict(),
        "params": params,
    }


def error_records(result: FileResult) -> List[Dict[str, object]]:
    records: List[Dict[str, object]] = []
    if result.problem is not None:
        records.append(_error(result.path, None, "unreadable", None, result.problem))
    for error in result.internal_errors:
        records.append(_error(result.path, error.line, "internal", error.code, error.reason))
    return records


def _error(
    path: str, line: Optional[int], kind: str, code: Optional[str], message: str
) -> Dict[str, object]:
    return {"file": path, "line": line, "kind": kind, "code": code, "message": message}


class JsonReporter(MachineReporter):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.findings: List[Dict[str, object]] = []
        self.errors: List[Dict[str, object]] = []

    def add(self, result: FileResult) -> None:
        index = LineIndex.for_result(result)
        self.findings += [finding_record(result.path, f, index) for f in result.findings]
        self.errors += error_records(result)

    def write(self, summary: RunSummary) -> None:
        document = {
            "tool": TOOL,
            "version": __version__,
            "findings": self.findings,
            "errors": self.errors,
            "summary": {
                "files": summary.files,
                "findings": summary.findings,
                "fixable": summary.fixable,
                "unsafe_fixable": summary.unsafe_fixable,
                "errors": summary.errors,
            },
        }
        json.dump(document, self.out, indent=2, ensure_ascii=False)
        self.out.write("\n")
