"""tools/verify_fixes.py: a project's tests run before and after the fixes, compared test by
test. Here on small projects under the real pytest and pytest-asyncio of this interpreter: a
safe fix keeps every outcome; an unsafe one that makes a never-run test run is caught."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from support import write

TOOL = Path(__file__).resolve().parent.parent / "tools" / "verify_fixes.py"
_spec = importlib.util.spec_from_file_location("verify_fixes", TOOL)
verify_fixes = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(verify_fixes)  # type: ignore[union-attr]

STRICT = "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"


@pytest.fixture(autouse=True)
def no_pytest_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tool's pytest runs see no state of this run (xdist's, PYTEST_ADDOPTS)."""
    for key in list(os.environ):
        if key.startswith("PYTEST_"):
            monkeypatch.delenv(key)


@pytest.mark.e2e
def test_a_safe_fix_keeps_every_outcome(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    project = tmp_path / "project"
    write(project / "pytest.ini", STRICT)
    write(
        project / "tests" / "test_loop.py",
        "import asyncio\n\nimport pytest\n\n\n"
        "@pytest.mark.asyncio\n"
        "async def test_loop_runs():\n"
        "    loop = asyncio.get_event_loop()\n"
        "    assert loop.is_running()\n\n\n"
        "def test_plain():\n"
        "    assert True\n",
    )
    status = verify_fixes.main([str(project)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "tests/test_loop.py: ALP104" in out
    assert "before: 2 passed\nafter:  2 passed\n" in out
    assert out.endswith("same outcomes\n")
    # the original is never written
    assert "get_event_loop()" in (project / "tests" / "test_loop.py").read_text()


@pytest.mark.e2e
def test_an_unsafe_fix_that_changes_an_outcome_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    project = tmp_path / "project"
    write(project / "pytest.ini", STRICT)
    write(
        project / "tests" / "test_unmarked.py",
        "import asyncio\n\n\nasync def test_sleeps():\n    await asyncio.sleep(0)\n",
    )
    assert verify_fixes.main([str(project)]) == 2  # ALP401's fix is unsafe: nothing to apply
    assert "no fixable findings" in capsys.readouterr().out
    status = verify_fixes.main([str(project), "--unsafe-fixes"])
    out = capsys.readouterr().out
    assert status == 1, out
    # pytest fails an async test no plugin runs; with the mark, pytest-asyncio runs it
    assert "changed: tests.test_unmarked::test_sleeps: failed -> passed" in out


def test_outcomes_are_read_from_the_junit_report(tmp_path: Path) -> None:
    report = write(
        tmp_path / "report.xml",
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="t" name="ok"/>'
        '<testcase classname="t" name="bad"><failure message="x"/></testcase>'
        '<testcase classname="t" name="later"><skipped type="pytest.skip"/></testcase>'
        '<testcase classname="t" name="known"><skipped type="pytest.xfail"/></testcase>'
        '<testcase classname="t" name="ok"><error message="teardown"/></testcase>'
        "</testsuite></testsuites>",
    )
    found = verify_fixes.outcomes(report)
    assert found == {
        "t::ok": "passed", "t::bad": "failed", "t::later": "skipped", "t::known": "xfailed",
        "t::ok+": "error",
    }
    after = dict(found, **{"t::bad": "passed"})
    del after["t::later"]
    assert verify_fixes.changes(found, after) == [
        "t::bad: failed -> passed", "t::later: skipped -> not run"
    ]


def test_the_tests_to_run_are_the_fixed_test_modules_and_conftest_directories() -> None:
    files = ["tests/test_a.py", "tests/api/conftest.py", "src/pkg/helpers.py", "b_test.py"]
    assert verify_fixes.tests_to_run(files) == ["b_test.py", "tests/api", "tests/test_a.py"]
