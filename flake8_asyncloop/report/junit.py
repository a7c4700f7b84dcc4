"""``--format junit``: JUnit XML for CI systems that show test reports.

One ``testsuite``; one ``testcase`` per checked file, named by its path. A file with findings
gets one ``failure`` listing them (``line:column: CODE message``, columns 1-based characters);
a file that could not be read or met an internal error gets an ``error``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import List

from flake8_asyncloop.report.locations import LineIndex
from flake8_asyncloop.report.machine import MachineReporter
from flake8_asyncloop.report.text import ISSUE_HINT, plural
from flake8_asyncloop.runner import FileResult, RunSummary

TOOL = "flake8-asyncloop"
# Characters XML 1.0 does not allow, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


class JunitReporter(MachineReporter):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cases: List[ET.Element] = []
        self.failures = 0
        self.errors = 0

    def add(self, result: FileResult) -> None:
        case = ET.Element("testcase", classname=TOOL, name=xml_text(result.path))
        case.set("file", xml_text(result.path))
        if result.findings:
            index = LineIndex.for_result(result)
            lines = []
            for finding in result.findings:
                region = index.finding_region(finding)
                lines.append(f"{region.line}:{region.column}: {finding.code} {finding.message}")
            failure = ET.SubElement(
                case,
                "failure",
                message=plural(len(result.findings), "finding"),
                type=TOOL,
            )
            failure.text = xml_text("\n".join(lines) + "\n")
            self.failures += 1
        problems = [] if result.problem is None else [result.problem]
        problems += [
            f"{e.line}: internal error in {e.code}: {e.reason} ({ISSUE_HINT})"
            for e in result.internal_errors
        ]
        if problems:
            error = ET.SubElement(case, "error", message=xml_text(problems[0]), type=TOOL)
            error.text = xml_text("\n".join(problems) + "\n")
            self.errors += 1
        self.cases.append(case)

    def write(self, summary: RunSummary) -> None:
        counts = {
            "tests": str(len(self.cases)),
            "failures": str(self.failures),
            "errors": str(self.errors),
            "skipped": "0",
        }
        root = ET.Element("testsuites", name=TOOL, **counts)
        suite = ET.SubElement(root, "testsuite", name=TOOL, **counts)
        suite.extend(self.cases)
        ET.indent(root)
        self.out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.out.write(ET.tostring(root, encoding="unicode"))
        self.out.write("\n")
