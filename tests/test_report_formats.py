"""``check --format json|sarif|github|junit``, ``--output-file`` and ``--exit-zero``."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from support import not_parsed, syntax_col

from flake8_asyncloop import __version__
from flake8_asyncloop.cli import FORMATS, main
from flake8_asyncloop.docs import docs_url
from flake8_asyncloop.engine import InternalError
from flake8_asyncloop.findings import DeleteStatement, Finding, Fix, Safety, Span
from flake8_asyncloop.report import reporters
from flake8_asyncloop.report.github import escape_data, escape_property
from flake8_asyncloop.report.sarif import changed_ranges
from flake8_asyncloop.rules import ALL_RULES
from flake8_asyncloop.runner import FileResult, RunSummary

SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sarif-schema-2.1.0.json"
# What ALP101 says of the sync test these files close the current loop in.
MESSAGE = (
    "event loop closed by hand: it stays the current loop, closed, for the next code that "
    "gets it; remove the close()"
)
SELECT = "--select=ALP101"

# "é" is two bytes in UTF-8: columns after it differ between bytes and characters.
CLOSING_TEST = """\
import asyncio


def test_closes():
    assert "é"; asyncio.get_event_loop().close()


def test_sleep_is_a_coroutine_function():
    assert asyncio.iscoroutinefunction(asyncio.sleep)
"""
CLOSING_TEST_FIXED = """\
import asyncio


def test_closes():
    assert "é"


def test_sleep_is_a_coroutine_function():
    assert asyncio.iscoroutinefunction(asyncio.sleep)
"""
BROKEN = "def broken(:\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "tests" / "test_x.py", CLOSING_TEST)
    write(tmp_path / "tests" / "test_ok.py", "def test_adds():\n    assert 1 + 1 == 2\n")
    write(tmp_path / "broken.py", BROKEN)
    return tmp_path


def check(capsys, *argv: str) -> Tuple[int, str, List[str]]:
    code = main(["check", "--isolated", SELECT, *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err.splitlines()


def test_every_format_has_a_reporter() -> None:
    assert sorted(FORMATS) == sorted(reporters())


# -- json -------------------------------------------------------------------------------------


def test_json(project: Path, capsys) -> None:
    code, out, err = check(capsys, "--format=json", "broken.py", "tests")
    assert code == 1
    assert err == [
        "checked 3 files: 2 findings (1 fixable with 'flake8-asyncloop fix')" + not_parsed(1)
    ]
    assert json.loads(out) == {
        "tool": "flake8-asyncloop",
        "version": __version__,
        "findings": [
            {
                "code": "E999",
                "name": "syntax-error",
                "message": "SyntaxError: invalid syntax",
                "file": "broken.py",
                "line": 1,
                "column": syntax_col(12),  # the ":" (the text format prints 13, as flake8 does)
                "end_line": 1,
                "end_column": syntax_col(12),
                "applicability": "none",
                "fix": None,
                "url": None,
            },
            {
                "code": "ALP101",
                "name": "loop-closed-by-hand",
                "message": MESSAGE,
                "file": "tests/test_x.py",
                "line": 5,
                "column": 17,  # characters: the text format prints byte column 18
                "end_line": 5,
                "end_column": 49,
                "applicability": "safe",
                "fix": {
                    "description": "remove the close() call",
                    "edits": [
                        {
                            "type": "DeleteStatement",
                            "span": {"line": 5, "column": 17, "end_line": 5, "end_column": 49},
                            "params": {},
                        }
                    ],
                    "imports": [],
                    "config_settings": [],
                },
                "url": docs_url("ALP101"),
            },
        ],
        "errors": [],
        "summary": {"files": 3, "findings": 2, "fixable": 1, "unsafe_fixable": 0, "errors": 0},
    }
    text = main(["check", "--isolated", SELECT, "tests"])
    assert text == 1 and ":5:18: ALP101" in capsys.readouterr().out


def test_json_clean_run(project: Path, capsys) -> None:
    code, out, err = check(capsys, "--format=json", "tests/test_ok.py")
    assert code == 0
    assert json.loads(out)["findings"] == []


# -- sarif ------------------------------------------------------------------------------------


def sarif_validator():
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra")
    if not SARIF_SCHEMA.is_file():
        # It lives beside the project (../shared/data), never in it: a checkout elsewhere
        # has no schema to validate against.
        pytest.skip(f"the SARIF 2.1.0 schema is not beside the project: {SARIF_SCHEMA}")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def assert_valid_sarif(log: dict) -> None:
    errors = sorted(sarif_validator().iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def apply_replacements(source: str, replacements: List[dict]) -> str:
    lines = source.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    for replacement in reversed(replacements):
        region = replacement["deletedRegion"]
        start = offset(region["startLine"], region["startColumn"])
        end = offset(region["endLine"], region["endColumn"])
        source = source[:start] + replacement["insertedContent"]["text"] + source[end:]
    return source


def test_sarif(project: Path, capsys) -> None:
    code, out, err = check(capsys, "--format=sarif", "broken.py", "tests")
    assert code == 1
    log = json.loads(out)
    assert_valid_sarif(log)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("flake8-asyncloop", __version__)
    assert driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert [r["id"] for r in rules[: len(ALL_RULES)]] == [rule.code for rule in ALL_RULES]
    alp101 = rules[0]
    assert alp101["name"] == "loop-closed-by-hand"
    assert alp101["shortDescription"] == {"text": "Loop closed by hand"}
    assert alp101["helpUri"] == docs_url("ALP101")
    assert alp101["help"]["markdown"].startswith("# ALP101 `loop-closed-by-hand`")
    assert "## What it does" not in alp101["help"]["text"]
    assert "What it does" in alp101["help"]["text"]
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"
    assert run["invocations"] == [{"executionSuccessful": True}]

    syntax_error, closing = run["results"]
    assert syntax_error["ruleId"] == "E999"
    assert rules[syntax_error["ruleIndex"]]["id"] == "E999"
    assert syntax_error["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1, "startColumn": syntax_col(12), "endLine": 1, "endColumn": syntax_col(12),
    }
    assert "fixes" not in syntax_error
    assert closing["ruleId"] == "ALP101"
    assert rules[closing["ruleIndex"]]["id"] == "ALP101"
    assert closing["level"] == "error"
    assert closing["message"] == {"text": MESSAGE}
    location = closing["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "tests/test_x.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {
        "startLine": 5, "startColumn": 17, "endLine": 5, "endColumn": 49,
    }
    (fix,) = closing["fixes"]
    assert fix["description"] == {"text": "remove the close() call"}
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"] == location["artifactLocation"]
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 5, "startColumn": 15, "endLine": 5, "endColumn": 49},
            "insertedContent": {"text": ""},
        }
    ]
    assert apply_replacements(CLOSING_TEST, change["replacements"]) == CLOSING_TEST_FIXED


def _fixable_examples():
    for rule in ALL_RULES:
        for number, example in enumerate(rule.bad_examples()):
            if example.fixed is not None and len(example.expect) == 1 and not example.files:
                yield pytest.param(rule, example, id=f"{rule.code}-{number}")


@pytest.mark.parametrize("rule, example", list(_fixable_examples()))
def test_sarif_fixes_turn_each_example_into_its_fixed_twin(
    rule, example, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / example.filename, example.source)
    argv = ["check", "--isolated", f"--select={rule.code}", "--format=sarif", example.filename]
    assert main(argv) == 1
    log = json.loads(capsys.readouterr().out)
    assert_valid_sarif(log)
    (result,) = log["runs"][0]["results"]
    (fix,) = result["fixes"]
    assert fix["properties"] == {"safety": str(rule.fix_safety)}
    replacements = fix["artifactChanges"][0]["replacements"]
    assert apply_replacements(example.source, replacements) == example.fixed


def test_sarif_describes_a_fix_it_cannot_turn_into_text() -> None:
    nowhere = Span(9, 0, 9, 4)  # no node there: the fixer cannot apply it
    fix = Fix(Safety.SAFE, "remove it", (DeleteStatement(nowhere),))
    finding = Finding("ALP101", MESSAGE, 1, 0, 1, 1, fix)
    out = io.StringIO()
    reporter = reporters()["sarif"](out, io.StringIO())
    reporter.file_result(FileResult("t.py", findings=[finding], source="x = 1\n"))
    reporter.finish(RunSummary("check", files=1, findings=1))
    log = json.loads(out.getvalue())
    assert_valid_sarif(log)
    (result,) = log["runs"][0]["results"]
    assert "fixes" not in result
    assert result["properties"] == {"fix": {"description": "remove it", "safety": "safe"}}


@pytest.mark.parametrize(
    "old, new",
    [
        ("a\nb\nc\n", "a\nc\n"),
        ("a\nb\n", "a\nb\nc\n"),
        ("x = f(scope=1)\n", "x = f(loop_scope=1)\n"),
        ("a\nb\n", ""),
        ("", "a\n"),
        ("é\n", "é é\n"),
    ],
)
def test_changed_ranges_rebuild_the_new_text(old: str, new: str) -> None:
    rebuilt = old
    for start, end, text in reversed(changed_ranges(old, new)):
        rebuilt = rebuilt[:start] + text + rebuilt[end:]
    assert rebuilt == new


def test_sarif_reports_problems_as_notifications(project: Path, capsys) -> None:
    (project / "tests" / "test_latin.py").write_bytes(b"x = '\xe9'\n")
    code, out, err = check(capsys, "--format=sarif", "tests")
    assert code == 2
    log = json.loads(out)
    assert_valid_sarif(log)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["message"]["text"].startswith("not valid utf-8")
    assert err[0].startswith("tests/test_latin.py: not valid utf-8")


# -- github -----------------------------------------------------------------------------------

GITHUB_COMMAND = re.compile(
    r"^::error (?P<properties>(?:[A-Za-z]+=[^,:\r\n]*)(?:,[A-Za-z]+=[^,:\r\n]*)*)"
    r"::(?P<message>[^\r\n]*)$"
)


def github_properties(line: str) -> Dict[str, str]:
    match = GITHUB_COMMAND.match(line)
    assert match, line
    return dict(pair.split("=", 1) for pair in match.group("properties").split(","))


def test_github(project: Path, capsys) -> None:
    code, out, err = check(capsys, "--format=github", "./broken.py", "tests")
    assert code == 1
    assert out.splitlines() == [
        f"::error file=broken.py,line=1,col={syntax_col(12)},endLine=1,endColumn={syntax_col(12)},"
        "title=E999 syntax-error::SyntaxError: invalid syntax",
        "::error file=tests/test_x.py,line=5,col=17,endLine=5,endColumn=49,"
        f"title=ALP101 loop-closed-by-hand::{MESSAGE}",
    ]
    for line in out.splitlines():
        github_properties(line)
    assert err == [
        "checked 3 files: 2 findings (1 fixable with 'flake8-asyncloop fix')" + not_parsed(1)
    ]


def test_github_escaping() -> None:
    assert escape_data("100%, a: b\r\nc") == "100%25, a: b%0D%0Ac"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"
    finding = Finding("ALP990", "one, two: 50%\nthree", 2, 0, 2, 3)
    result = FileResult("dir,with:odd%/test_x.py", findings=[finding], source="x\nabc\n")
    out = io.StringIO()
    reporter = reporters()["github"](out, io.StringIO())
    reporter.file_result(result)
    (line,) = out.getvalue().splitlines()
    assert line == (
        "::error file=dir%2Cwith%3Aodd%25/test_x.py,line=2,col=1,endLine=2,endColumn=4,"
        "title=ALP990::one, two: 50%25%0Athree"
    )
    assert github_properties(line)["file"] == "dir%2Cwith%3Aodd%25/test_x.py"


def test_github_multi_line_finding_has_no_columns() -> None:
    finding = Finding("ALP101", MESSAGE, 2, 4, 3, 1)
    out = io.StringIO()
    reporters()["github"](out, io.StringIO()).file_result(
        FileResult("t.py", findings=[finding], source="\n    x(\n)\n")
    )
    assert out.getvalue() == (
        f"::error file=t.py,line=2,endLine=3,title=ALP101 loop-closed-by-hand::{MESSAGE}\n"
    )


# -- junit ------------------------------------------------------------------------------------


def test_junit(project: Path, capsys) -> None:
    write(project / "tests" / "test_y.py", CLOSING_TEST.replace("é", "<&>\x0c"))
    (project / "tests" / "test_latin.py").write_bytes(b"x = '\xe9'\n")
    code, out, err = check(capsys, "--format=junit", "broken.py", "tests")
    assert code == 2
    root = ET.fromstring(out.encode("utf-8"))
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [
        "broken.py",
        "tests/test_latin.py",
        "tests/test_ok.py",
        "tests/test_x.py",
        "tests/test_y.py",
    ]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "3", "1")
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "3", "1")
    by_name = {c.get("name"): c for c in cases}
    assert by_name["tests/test_ok.py"].findall("*") == []
    failure = by_name["tests/test_x.py"].find("failure")
    assert failure.get("message") == "1 finding"
    assert failure.text == f"5:17: ALP101 {MESSAGE}\n"
    syntax = f"1:{syntax_col(12)}: E999 SyntaxError: invalid syntax\n"
    assert by_name["broken.py"].find("failure").text == syntax
    error = by_name["tests/test_latin.py"].find("error")
    assert error.get("message").startswith("not valid utf-8")


def test_junit_escapes_what_xml_cannot_hold() -> None:
    finding = Finding("ALP990", 'a <b> & "c" \x0c\x00 é', 1, 0, 1, 1)
    out = io.StringIO()
    reporter = reporters()["junit"](out, io.StringIO())
    reporter.file_result(FileResult("t<&>.py", findings=[finding], source="x\n"))
    reporter.finish(RunSummary("check", files=1, findings=1))
    root = ET.fromstring(out.getvalue().encode("utf-8"))
    case = root.find("testsuite/testcase")
    assert case.get("name") == "t<&>.py"
    assert case.find("failure").text == '1:1: ALP990 a <b> & "c" \ufffd\ufffd é\n'


# -- every format -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_findings_in_other_files_than_python(name: str, tmp_path, monkeypatch) -> None:
    """A config file (pytest.ini) can carry a finding; a reporter takes it like any path."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_mode = sometimes\n")
    results = [
        FileResult("pytest.ini", findings=[Finding("ALP208", "bad mode", 2, 15, 2, 24)]),
        FileResult(
            "test_x.py",
            internal_errors=[InternalError("ALP101", 3, "KeyError: 'boom'")],
            source="",
        ),
    ]
    out, err = io.StringIO(), io.StringIO()
    reporter = reporters()[name](out, err)
    summary = RunSummary("check")
    for result in results:
        summary.add(result)
        reporter.file_result(result)
    reporter.finish(summary)
    assert "pytest.ini" in out.getvalue()
    assert "internal error in ALP101" in err.getvalue()
    if name == "sarif":
        log = json.loads(out.getvalue())
        assert_valid_sarif(log)
        region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
        assert (region["startColumn"], region["endColumn"]) == (16, 25)


# -- output file and exit status --------------------------------------------------------------


def test_output_file(project: Path, capsys) -> None:
    code, out, err = check(capsys, "--format=json", "--output-file=reports/out.json", "tests")
    assert (code, out) == (1, "")
    assert err == ["checked 2 files: 1 finding (1 fixable with 'flake8-asyncloop fix')"]
    report = json.loads((project / "reports" / "out.json").read_text(encoding="utf-8"))
    assert [f["code"] for f in report["findings"]] == ["ALP101"]


def test_output_file_in_text_format(project: Path, capsys) -> None:
    code, out, err = check(capsys, "--output-file=out.txt", "tests")
    assert (code, out) == (1, "")
    written = (project / "out.txt").read_text(encoding="utf-8")
    assert written == f"tests/test_x.py:5:18: ALP101 {MESSAGE}\n"


def test_output_file_that_cannot_be_written(project: Path, capsys) -> None:
    code, out, err = check(capsys, "--output-file=tests/test_x.py/out.json", "tests")
    assert code == 2
    assert err[0].startswith("flake8-asyncloop: error: cannot write tests/test_x.py/out.json")


def test_exit_zero(project: Path, capsys) -> None:
    assert check(capsys, "--exit-zero", "tests")[0] == 0
    assert check(capsys, "--exit-zero", "--format=sarif", "broken.py")[0] == 0
    # Errors still fail the run.
    assert check(capsys, "--exit-zero", "gone.py", "tests")[0] == 2
    assert check(capsys, "--exit-zero", "--format=nonsense", "tests")[0] == 2


def test_format_flags_belong_to_check(capsys) -> None:
    assert main(["fix", "--format=json"]) == 2
