"""The standalone command, run for real in a few cases and through ``main(argv)`` for the rest."""

from __future__ import annotations

import ast
import io
import os
import platform
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List, Tuple

import pytest
from support import not_parsed, syntax_col, write

from flake8_asyncloop import runner as runner_module
from flake8_asyncloop.cli import main
from flake8_asyncloop.findings import DeleteStatement, Fix, Safety, Span
from flake8_asyncloop.rule import Rule
from flake8_asyncloop.rules import ALL_RULES, RULES_BY_CODE
from flake8_asyncloop.settings import DEFAULT_EXCLUDE

# What ALP101 says of the sync test these files close the current loop in.
MESSAGE = (
    "event loop closed by hand: it stays the current loop, closed, for the next code that "
    "gets it; remove the close()"
)
SELECT = "--select=ALP101"  # other rules may also speak on these files; the tests pin ALP101

CLOSING_TEST = """\
import asyncio


def test_closes():
    assert not asyncio.iscoroutine(None)
    asyncio.get_event_loop().close()
"""
CLOSING_TEST_FIXED = """\
import asyncio


def test_closes():
    assert not asyncio.iscoroutine(None)
"""
CLEAN_TEST = """\
def test_adds():
    assert 1 + 1 == 2
"""


def finding(path: str, line: int = 6, col: int = 5) -> str:
    return f"{path}:{line}:{col}: ALP101 {MESSAGE}"


Outcome = Tuple[int, List[str], List[str]]


def run(capsys: pytest.CaptureFixture, *argv: str) -> Outcome:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def check(capsys: pytest.CaptureFixture, *argv: str) -> Outcome:
    return run(capsys, "check", "--isolated", SELECT, *argv)


def feed_stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))


def run_module(*argv: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, "-m", "flake8_asyncloop", *argv],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
    )


# -- real runs --------------------------------------------------------------------------------


def test_check_as_a_real_command(tmp_path: Path) -> None:
    write(tmp_path / "tests" / "test_x.py", CLOSING_TEST)
    write(tmp_path / "tests" / "test_ok.py", CLEAN_TEST)
    result = run_module("check", "--isolated", SELECT, "tests", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [finding("tests/test_x.py")]
    assert result.stderr.splitlines() == [
        "checked 2 files: 1 finding (1 fixable with 'flake8-asyncloop fix')"
    ]


def test_clean_run_as_a_real_command(tmp_path: Path) -> None:
    write(tmp_path / "test_ok.py", CLEAN_TEST)
    result = run_module("check", "--isolated", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr.splitlines() == ["checked 1 file: no findings"]


def test_stdin_as_a_real_command(tmp_path: Path) -> None:
    argv = ("check", "--isolated", SELECT, "-")
    named = run_module(
        *argv, "--stdin-filename", "tests/test_x.py", cwd=tmp_path, stdin=CLOSING_TEST
    )
    assert named.returncode == 1, named.stderr
    assert named.stdout.splitlines() == [finding("tests/test_x.py")]
    # Without a name it is "stdin", which is not a test module: test-code rules stay silent.
    unnamed = run_module(*argv, cwd=tmp_path, stdin=CLOSING_TEST)
    assert (unnamed.returncode, unnamed.stdout) == (0, "")


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run_module(cwd=tmp_path).returncode == 2
    assert run_module("check", "--no-such-flag", cwd=tmp_path).returncode == 2
    assert run_module("frobnicate", cwd=tmp_path).returncode == 2


def test_help_and_version_exit_0(capsys) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("flake8-asyncloop ")
    assert main(["check", "--help"]) == 0
    assert "--unsafe-fixes" not in capsys.readouterr().out
    assert main(["fix", "--help"]) == 0
    assert "--unsafe-fixes" in capsys.readouterr().out


def test_fix_without_libcst_says_so_once(tmp_path: Path, capsys, monkeypatch) -> None:
    for name in ("test_a.py", "test_b.py"):
        write(tmp_path / name, CLOSING_TEST)
    monkeypatch.setitem(sys.modules, "libcst", None)  # ``import libcst`` now fails
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "fix", "--isolated", "--no-cache", SELECT, ".")
    assert code == 2
    assert out == []
    assert len(err) == 1 and "fix needs libcst" in err[0] and "pip install libcst" in err[0]
    assert (tmp_path / "test_a.py").read_text() == CLOSING_TEST
    code, out, err = run(capsys, "check", "--isolated", "--no-cache", SELECT, ".")
    assert code == 1 and len(out) == 2  # check needs no libcst: it reports both files


# -- which files ------------------------------------------------------------------------------


def test_directories_are_walked_for_python_files(project: Path, capsys) -> None:
    write(project / "b" / "test_x.py", CLOSING_TEST)
    write(project / "a" / "deep" / "er" / "test_y.py", CLOSING_TEST)
    write(project / "a" / "test_z.txt", CLOSING_TEST)
    write(project / "a" / "test_w.pyi", CLOSING_TEST)  # only named files may be stubs
    code, out, err = check(capsys, ".")
    assert code == 1
    assert out == [finding("./a/deep/er/test_y.py"), finding("./b/test_x.py")]


def test_default_excludes(project: Path, capsys) -> None:
    for directory in (".git", ".venv", "venv", "build", "dist", "node_modules", "__pycache__",
                      ".tox", ".nox", ".eggs", "thing.egg-info", ".flake8-asyncloop_cache",
                      "env/Lib/site-packages", "env/lib/python3.11/site-packages",
                      "usr/lib/python3/dist-packages", "__pypackages__"):
        write(project / directory / "test_x.py", CLOSING_TEST)
    write(project / "src" / "build" / "test_x.py", CLOSING_TEST)
    write(project / "test_kept.py", CLOSING_TEST)
    code, out, err = check(capsys, ".")
    assert out == [finding("./test_kept.py")]
    assert err == ["checked 1 file: 1 finding (1 fixable with 'flake8-asyncloop fix')"]


def test_readme_names_every_default_exclude() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    sentence = readme.split("Directories left out unless `exclude` says otherwise:", 1)[1]
    sentence = sentence.split("and the result cache.", 1)[0]
    named = {part.strip(" `,\n") for part in sentence.replace(" and ", ",").split(",")}
    assert named - {""} == set(DEFAULT_EXCLUDE) - {".flake8-asyncloop_cache"}


def test_exclude_replaces_the_defaults_and_extend_exclude_adds(project: Path, capsys) -> None:
    write(project / ".venv" / "test_x.py", CLOSING_TEST)
    write(project / "legacy" / "test_x.py", CLOSING_TEST)
    write(project / "tests" / "old" / "test_x.py", CLOSING_TEST)
    write(project / "tests" / "test_x.py", CLOSING_TEST)
    assert check(capsys, "--exclude=legacy", ".")[1] == [
        finding("./.venv/test_x.py"),
        finding("./tests/old/test_x.py"),
        finding("./tests/test_x.py"),
    ]
    assert check(capsys, "--extend-exclude=legacy,tests/old", ".")[1] == [
        finding("./tests/test_x.py")
    ]
    assert check(capsys, "--extend-exclude=test_*.py", ".")[1] == []


def test_symlink_loops_are_walked_once(project: Path, capsys) -> None:
    write(project / "pkg" / "test_x.py", CLOSING_TEST)
    try:
        os.symlink(project / "pkg", project / "pkg" / "again")
        os.symlink(project / "pkg", project / "alias")
    except OSError:
        pytest.skip("no symlinks here")
    code, out, err = check(capsys, ".")
    assert out in ([finding("./alias/test_x.py")], [finding("./pkg/test_x.py")])


def test_named_files_must_look_like_python(project: Path, capsys) -> None:
    write(project / "script", "#!/usr/bin/env python3\ndef broken(:\n")
    write(project / "notes.txt", "def broken(:\n")
    code, out, err = check(capsys, "script", "notes.txt")
    assert code == 1
    assert out == [f"script:2:{syntax_col(13)}: E999 SyntaxError: invalid syntax"]
    assert err == [
        "notes.txt: skipped, not a Python file (no .py suffix or python shebang)",
        "checked 1 file: 1 finding" + not_parsed(1),
    ]


def test_a_file_named_twice_is_checked_once(project: Path, capsys) -> None:
    write(project / "test_x.py", CLOSING_TEST)
    assert check(capsys, "test_x.py", "./test_x.py")[1] == [finding("test_x.py")]


def test_missing_path_is_an_error_but_the_rest_is_checked(project: Path, capsys) -> None:
    write(project / "test_x.py", CLOSING_TEST)
    code, out, err = check(capsys, "gone.py", "test_x.py")
    assert code == 2
    assert out == [finding("test_x.py")]
    assert err == [
        "gone.py: no such file or directory",
        "checked 1 file: 1 finding (1 fixable with 'flake8-asyncloop fix'); 1 error (see above)",
    ]


def test_undecodable_file_is_an_error_but_the_rest_is_checked(project: Path, capsys) -> None:
    (project / "test_latin.py").write_bytes(b"x = 1\ny = 2\nz = '\xe9'\n")
    write(project / "test_x.py", CLOSING_TEST)
    code, out, err = check(capsys, ".")
    assert code == 2
    assert out == [finding("./test_x.py")]
    assert err[0] == "./test_latin.py: not valid utf-8: byte 0xe9 at offset 17"


def test_declared_encodings_are_honoured(project: Path, capsys) -> None:
    source = "# -*- coding: latin-1 -*-\n" + CLOSING_TEST.replace("True", "'\xe9'")
    (project / "test_latin.py").write_bytes(source.encode("latin-1"))
    assert check(capsys, "test_latin.py")[1] == [finding("test_latin.py", line=7)]


def test_stdin_in_process(project: Path, capsys, monkeypatch) -> None:
    feed_stdin(monkeypatch, CLOSING_TEST)
    code, out, err = check(capsys, "--stdin-filename=test_piped.py", "-")
    assert (code, out) == (1, [finding("test_piped.py")])


# -- what is reported -------------------------------------------------------------------------


def test_syntax_error_is_e999_and_the_run_goes_on(project: Path, capsys) -> None:
    write(project / "test_a.py", "def test_broken(:\n    pass\n")
    write(project / "test_b.py", CLOSING_TEST)
    code, out, err = check(capsys, ".")
    assert code == 1
    syntax = f"./test_a.py:1:{syntax_col(18)}: E999 SyntaxError: invalid syntax"
    assert out == [syntax, finding("./test_b.py")]
    assert err == [
        "checked 2 files: 2 findings (1 fixable with 'flake8-asyncloop fix')" + not_parsed(1)
    ]


def test_syntax_error_alone_exits_1(project: Path, capsys) -> None:
    write(project / "broken.py", "  x = 1\n")
    code, out, err = check(capsys, "broken.py")
    indent = f"broken.py:1:{syntax_col(3)}: E999 IndentationError: unexpected indent"
    assert (code, out) == (1, [indent])


def test_e999_matches_flake8(project: Path) -> None:
    write(project / "broken.py", "value = (1,\n")
    ours = run_module("check", "--isolated", "broken.py", cwd=project)
    flake8 = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select=E999", "broken.py"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert ours.stdout == flake8.stdout != ""


class _Exploding(Rule):
    code = "ALP990"
    name = "exploding"
    message = "never shown"
    test_code_only = False
    what = why = "a rule with a bug"

    def visit_Call(self, node: ast.Call) -> None:
        raise KeyError("boom")


class _OffByDefault(Rule):
    code = "ALP991"
    name = "off-by-default"
    message = "a call"
    default_enabled = False
    test_code_only = False
    what = why = "an opt-in rule"

    def visit_Call(self, node: ast.Call) -> None:
        self.report(node)


def test_internal_error_is_reported_and_exits_2(project: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(runner_module, "ALL_RULES", ALL_RULES + (_Exploding,))
    write(project / "test_x.py", CLOSING_TEST)
    code, out, err = run(capsys, "check", "--isolated", "--select=ALP101,ALP990", "test_x.py")
    assert code == 2
    assert out == [finding("test_x.py")]
    assert err == [
        "test_x.py:5: internal error in ALP990: KeyError: 'boom' "
        "(please report this at the project's issue tracker)",
        "checked 1 file: 1 finding (1 fixable with 'flake8-asyncloop fix'); 1 error (see above)",
    ]


def test_select_and_ignore_match_prefixes(project: Path, capsys) -> None:
    write(project / "test_x.py", CLOSING_TEST)
    expected = [finding("test_x.py")]

    def out(*argv: str) -> List[str]:
        lines = run(capsys, "check", "--isolated", *argv, "test_x.py")[1]
        return [line for line in lines if " ALP101 " in line]  # other rules speak here too

    assert out("--select=ALP101") == expected
    assert out("--select=ALP1") == expected
    assert out() == expected
    assert out("--select=ALP101", "--ignore=ALP1") == expected  # the longer prefix wins
    assert out("--select=ALP1", "--ignore=ALP101") == []
    assert out("--select=ALP1", "--ignore=ALP1") == []  # a tie goes to ignore
    assert out("--select=ALP2") == []
    assert out("--select=ALP2", "--extend-select=ALP101") == expected
    assert out("--select=ALP1", "--extend-ignore=ALP10") == []
    assert out("--select=E,W") == []


def test_rules_off_by_default_need_an_explicit_select(project: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(runner_module, "ALL_RULES", ALL_RULES + (_OffByDefault,))
    write(project / "x.py", "# async\nprint()\n")
    shown = "x.py:2:1: ALP991 a call"

    def out(*argv: str) -> List[str]:
        return run(capsys, "check", "--isolated", *argv, "x.py")[1]

    assert out() == []
    assert out("--select=ALP") == []
    assert out("--extend-select=ALP") == []
    assert out("--extend-select=ALP9") == [shown]
    assert out("--select=ALP991") == [shown]
    assert out("--select=ALP99", "--ignore=ALP991") == []


def test_noqa_is_applied(project: Path, capsys) -> None:
    write(
        project / "test_x.py",
        CLOSING_TEST
        + "    asyncio.get_event_loop().close()  # noqa: ALP101\n"
        + "    asyncio.get_event_loop().close()  # noqa: ALP203\n",
    )
    assert check(capsys, "test_x.py")[1] == [finding("test_x.py"), finding("test_x.py", line=8)]


def test_file_level_noqa(project: Path, capsys) -> None:
    write(project / "test_x.py", "# flake8: noqa\n" + CLOSING_TEST)
    assert check(capsys, "test_x.py")[:2] == (0, [])


def test_options_reach_the_rules(project: Path, capsys) -> None:
    write(project / "test_x.py", CLOSING_TEST)
    code, out, err = check(capsys, "--asyncloop-pytest-asyncio-version=0.21", "test_x.py")
    assert out == [finding("test_x.py")]
    code, out, err = check(capsys, "--asyncloop-pytest-asyncio-version=new", "test_x.py")
    assert code == 2
    assert err == [
        "flake8-asyncloop: error: --asyncloop-pytest-asyncio-version: bad value for "
        "'asyncloop-pytest-asyncio-version': 'new' is not a version such as '0.21' or '1.0'"
    ]


def test_summary_counts_unsafe_fixes(project: Path, capsys, monkeypatch) -> None:
    class UnsafeCall(_OffByDefault):
        code = "ALP992"
        default_enabled = True

        def visit_Call(self, node: ast.Call) -> None:
            if isinstance(node.func, ast.Name) and node.func.id == "print":
                fix = Fix(Safety.UNSAFE, "drop it", (DeleteStatement(Span.of(node)),))
                self.report(node, fix)

    monkeypatch.setattr(runner_module, "ALL_RULES", ALL_RULES + (UnsafeCall,))
    write(project / "test_x.py", CLOSING_TEST + "    print()\n")
    code, out, err = run(capsys, "check", "--isolated", "--select=ALP101,ALP992", "test_x.py")
    assert err == [
        "checked 1 file: 2 findings (1 fixable with 'flake8-asyncloop fix', "
        "1 more with 'flake8-asyncloop fix --unsafe-fixes')"
    ]
    code, out, err = run(capsys, "check", "--isolated", "--select=ALP992", "-q", "test_x.py")
    assert (code, out, err) == (1, ["test_x.py:7:5: ALP992 a call"], [])


# -- fix --------------------------------------------------------------------------------------


def test_fix_writes_files_and_exits_0_when_nothing_remains(project: Path, capsys) -> None:
    target = write(project / "tests" / "test_x.py", CLOSING_TEST)
    untouched = write(project / "tests" / "test_ok.py", CLEAN_TEST)
    code, out, err = run(capsys, "fix", "--isolated", SELECT, "tests")
    assert (code, out) == (0, [])
    assert err == ["checked 2 files: fixed 1 finding in 1 file, 0 remain"]
    assert target.read_text() == CLOSING_TEST_FIXED
    assert untouched.read_text() == CLEAN_TEST


def test_fix_reports_what_remains_and_exits_1(project: Path, capsys) -> None:
    target = write(
        project / "test_x.py", CLOSING_TEST + "    asyncio.get_event_loop().close()  # noqa\n"
    )
    write(project / "broken.py", "def broken(:\n")
    code, out, err = run(capsys, "fix", "--isolated", SELECT, ".")
    assert code == 1
    assert out == [f"./broken.py:1:{syntax_col(13)}: E999 SyntaxError: invalid syntax"]
    assert err == ["checked 2 files: fixed 1 finding in 1 file, 1 remains" + not_parsed(1)]
    # The line with a noqa comment is left alone.
    assert target.read_text() == CLOSING_TEST_FIXED + "    asyncio.get_event_loop().close()  # noqa\n"


def test_fix_respects_ignore(project: Path, capsys) -> None:
    target = write(project / "test_x.py", CLOSING_TEST)
    code, out, err = run(capsys, "fix", "--isolated", SELECT, "--ignore=ALP101", ".")
    assert (code, out) == (0, [])
    assert target.read_text() == CLOSING_TEST


def test_every_finding_a_shared_fix_resolves_is_counted(project: Path, capsys) -> None:
    """Two async tests of one TestCase class share the fix (the new base class): the edit is
    made once, and both findings are counted as fixed."""
    write(
        project / "tests" / "test_x.py",
        "import unittest\n\n\nclass TestX(unittest.TestCase):\n"
        "    async def test_one(self):\n        pass\n\n"
        "    async def test_two(self):\n        pass\n",
    )
    code, out, err = run(
        capsys, "fix", "--isolated", "--select=ALP405", "--unsafe-fixes", "--diff", "tests"
    )
    assert code == 1
    assert "+class TestX(unittest.IsolatedAsyncioTestCase):" in out
    assert err == ["checked 1 file: would fix 2 findings in 1 file, 0 would remain"]


def test_fix_diff_writes_nothing(project: Path, capsys) -> None:
    target = write(project / "tests" / "test_x.py", CLOSING_TEST)
    code, out, err = run(capsys, "fix", "--isolated", SELECT, "--diff", "tests")
    assert code == 1
    assert out == [
        "--- a/tests/test_x.py",
        "+++ b/tests/test_x.py",
        "@@ -3,4 +3,3 @@",
        " ",
        " def test_closes():",
        "     assert not asyncio.iscoroutine(None)",
        "-    asyncio.get_event_loop().close()",
    ]
    assert err == ["checked 1 file: would fix 1 finding in 1 file, 0 would remain"]
    assert target.read_text() == CLOSING_TEST
    write(project / "tests" / "test_x.py", CLOSING_TEST_FIXED)
    assert run(capsys, "fix", "--isolated", SELECT, "--diff", "tests")[:2] == (0, [])


def test_fix_stdin_prints_the_fixed_source(project: Path, capsys, monkeypatch) -> None:
    feed_stdin(monkeypatch, CLOSING_TEST)
    code, out, err = run(capsys, "fix", "--isolated", SELECT, "--stdin-filename=test_x.py", "-")
    assert code == 0
    assert out == CLOSING_TEST_FIXED.splitlines()
    assert not (project / "test_x.py").exists()


def test_fix_stdin_as_a_real_command(tmp_path: Path) -> None:
    argv = ("fix", "--isolated", SELECT, "--stdin-filename=test_x.py", "-")
    result = run_module(*argv, cwd=tmp_path, stdin=CLOSING_TEST)
    assert (result.returncode, result.stdout) == (0, CLOSING_TEST_FIXED), result.stderr


def test_fix_stdin_keeps_windows_newlines(project: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(
        sys, "stdin", io.TextIOWrapper(io.BytesIO(CLOSING_TEST.replace("\n", "\r\n").encode()))
    )
    code = main(["fix", "--isolated", SELECT, "--stdin-filename=test_x.py", "-"])
    assert code == 0
    assert capsys.readouterr().out == CLOSING_TEST_FIXED.replace("\n", "\r\n")


def test_fix_unwritable_file_is_an_error_and_the_rest_is_fixed(
    project: Path, capsys, monkeypatch
) -> None:
    import flake8_asyncloop.sourcefile as sourcefile

    locked = write(project / "a" / "test_x.py", CLOSING_TEST)
    other = write(project / "b" / "test_x.py", CLOSING_TEST)
    real_write = sourcefile.write_source

    def refuse_locked(path, original, new_text):
        if Path(path).resolve() == locked.resolve():
            raise PermissionError(13, "Permission denied")
        return real_write(path, original, new_text)

    monkeypatch.setattr(sourcefile, "write_source", refuse_locked)
    code, out, err = run(capsys, "fix", "--isolated", SELECT, ".")
    assert code == 2
    assert out == [finding("./a/test_x.py")]
    assert err == [
        "./a/test_x.py: cannot write: Permission denied",
        "checked 2 files: fixed 1 finding in 1 file, 1 remains; 1 error (see above)",
    ]
    assert locked.read_text() == CLOSING_TEST
    assert other.read_text() == CLOSING_TEST_FIXED


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX file permissions")
def test_fix_read_only_file(project: Path, capsys) -> None:
    locked = write(project / "a" / "test_x.py", CLOSING_TEST)
    other = write(project / "b" / "test_x.py", CLOSING_TEST)
    locked.chmod(stat.S_IRUSR | stat.S_IRGRP)
    code, out, err = run(capsys, "fix", "--isolated", SELECT, ".")
    assert code == 2
    assert out == [finding("./a/test_x.py")]
    assert err == [
        "./a/test_x.py: read-only file, left unchanged",
        "checked 2 files: fixed 1 finding in 1 file, 1 remains; 1 error (see above)",
    ]
    assert locked.read_text() == CLOSING_TEST
    assert other.read_text() == CLOSING_TEST_FIXED


# -- explain and rules ------------------------------------------------------------------------


def test_explain(capsys) -> None:
    code, out, err = run(capsys, "explain", "alp101")
    assert code == 0
    assert out[0] == "# ALP101 `loop-closed-by-hand`"
    headings = [line for line in out if line.startswith("## ")]
    assert headings == [
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## Use instead",
        "## Fix safety",
        "## Known problems",
    ]
    rule = RULES_BY_CODE["ALP101"]
    assert textwrap.dedent(rule.bad_examples()[0].source).splitlines()[0] in out
    assert rule.good_examples()[0].source.splitlines()[-1] in out


def test_explain_unknown_code(capsys) -> None:
    code, out, err = run(capsys, "explain", "ALP999")
    assert (code, out) == (2, [])
    assert err == [
        "flake8-asyncloop: error: unknown rule 'ALP999'; `flake8-asyncloop rules` lists the codes"
    ]


def test_explain_syntax_errors(capsys) -> None:
    code, out, err = run(capsys, "explain", "e999")
    assert (code, err) == (0, [])
    assert out[0] == "# E999: the file does not parse"
    assert f"(here {platform.python_version()})" in " ".join(out)


def test_rules(capsys) -> None:
    code, out, err = run(capsys, "rules")
    assert code == 0
    assert out[0].split() == ["CODE", "NAME", "FIX", "DEFAULT"]
    rows = [line.split() for line in out[1:]]
    assert rows == [
        [rule.code, rule.name, str(rule.fix_safety), "on" if rule.default_enabled else "off"]
        for rule in ALL_RULES
    ]
    assert ["ALP101", "loop-closed-by-hand", "safe", "on"] in rows


def test_a_config_that_excludes_the_tests_says_so(project: Path, capsys) -> None:
    # s3fs's setup.cfg: "exclude = __init__.py,versioneer.py,s3fs/tests/", a style setting
    write(project / "setup.cfg", "[flake8]\nexclude = versioneer.py,pkg/tests/\n")
    write(project / "pkg" / "tests" / "test_x.py", CLOSING_TEST)
    write(project / "pkg" / "helpers" / "util.py", "VALUE = 1\n")  # excluded nowhere
    code, out, err = run(capsys, "check", ".")
    assert (code, out) == (0, [])
    assert err == [
        "note: ./pkg/tests: left out by the [flake8] exclude setting in setup.cfg, so its "
        "tests are not checked; --isolated leaves the config out",
        "checked 1 file: no findings",
    ]
    code, out, err = run(capsys, "check", "--isolated", ".")
    assert code == 1 and finding("./pkg/tests/test_x.py") in out


def test_a_pattern_that_excludes_the_test_files_but_not_their_directory(
    project: Path, capsys
) -> None:
    # fastapi-azure-auth's .flake8: "exclude = tests/*" leaves tests/ itself walked
    write(project / ".flake8", "[flake8]\nexclude = tests/*\n")
    write(project / "tests" / "test_x.py", CLOSING_TEST)
    write(project / "tests" / "unit" / "test_y.py", CLOSING_TEST)
    code, out, err = run(capsys, "check", ".")
    assert (code, out) == (0, [])
    notes = [line for line in err if line.startswith("note:")]
    assert [note.split(":")[1].strip() for note in notes] == ["./tests", "./tests/unit"]


def test_excluded_directories_without_tests_go_unmentioned(project: Path, capsys) -> None:
    write(project / "setup.cfg", "[flake8]\nexclude = docs,.venv\n")
    write(project / "docs" / "conf.py", "VALUE = 1\n")
    write(project / ".venv" / "lib" / "test_site.py", CLOSING_TEST)  # no note: not a test dir
    write(project / "test_x.py", CLOSING_TEST)
    code, out, err = run(capsys, "check", ".")
    assert code == 1 and finding("./test_x.py") in out
    assert all(line.startswith("./test_x.py:") for line in out), out
    assert not any(line.startswith("note:") for line in err), err


def test_a_config_that_selects_no_alp_rule_says_so(project: Path, capsys) -> None:
    # opsdroid's setup.cfg: flake8 runs other plugins only; the check would be silent
    write(project / "setup.cfg", "[flake8]\nselect = C,E,F,W,B,B950\n")
    write(project / "test_x.py", CLOSING_TEST)
    code, out, err = run(capsys, "check", ".")
    assert (code, out) == (0, [])
    assert err == [
        "note: the select/ignore settings in setup.cfg turn every ALP rule off; "
        "add --extend-select ALP, or --isolated to leave the config out",
        "checked 1 file: no findings",
    ]
    code, out, err = run(capsys, "check", "--extend-select", "ALP101", ".")
    assert (code, out) == (1, [finding("./test_x.py")])
