"""Bad input and internal errors: one clear line naming the file, the right exit status, no
traceback, no damaged file, and the run goes on with the other files.

Most cases run through ``main(argv)``; one real run of ``check`` and of ``fix`` goes over a
directory holding all of them, and real flake8 over the ones flake8 itself can read.
"""

from __future__ import annotations

import ast
import codecs
import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Tuple

import pytest
from support import not_parsed, syntax_col, write

from flake8_asyncloop import plugin as plugin_module
from flake8_asyncloop import runner as runner_module
from flake8_asyncloop import sourcefile
from flake8_asyncloop.cli import main
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.rule import Rule
from flake8_asyncloop.rules import ALL_RULES

# What ALP101 says of the sync test these files close the current loop in.
ALP101 = (
    "event loop closed by hand: it stays the current loop, closed, for the next code that "
    "gets it; remove the close()"
)
HINT = "(please report this at the project's issue tracker)"
# One rule keeps the expected output short; --no-cache and -j1 keep the run in this process.
RUN = ("--isolated", "--no-cache", "-j1", "--select=ALP101")

CLOSING = (
    "import asyncio\n"
    "\n"
    "\n"
    "def test_closes():\n"
    "    assert not asyncio.iscoroutine(None)\n"
    "    asyncio.get_event_loop().close()\n"
)
CLOSING_FIXED = "import asyncio\n\n\ndef test_closes():\n    assert not asyncio.iscoroutine(None)\n"
# ast.parse raises RecursionError from Python 3.11 on; 3.9 and 3.10 parse it.
DEEP_PLUS = "x = " + "+".join(["1"] * 100_000) + "\n"
# Every supported Python's parser gives up on this one (MemoryError).
DEEP_MINUS = "x = " + "-" * 100_000 + "1\n"
DEEP_PARENS = "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"  # the tokenizer stops at 200
# ast keeps a chain of `and` flat; libcst nests it pair by pair, deep enough to crash its parser.
LONG_AND_CHAIN = "ready = " + " and ".join(["a"] * 8000) + "\n"


def finding(path: str, line: int = 6, col: int = 5) -> str:
    return f"{path}:{line}:{col}: ALP101 {ALP101}"


Outcome = Tuple[int, List[str], List[str]]


def run(capsys: pytest.CaptureFixture, command: str, *argv: str) -> Outcome:
    code = main([command, *RUN, *argv])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def run_module(*argv: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, "-m", "flake8_asyncloop", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


# -- files that cannot be read as Python --------------------------------------------------------

# (file name, bytes, the line on stderr, for check and for fix)
UNREADABLE = [
    ("test_latin.py", b"x = 'caf\xe9'\n", "not valid utf-8: byte 0xe9 at offset 8"),
    ("test_nul.py", b"x = 1\n\0\n", "contains NUL bytes: not a Python source file"),
    (
        "test_hex.py",
        b"# coding: hex\nx = 1\n",
        "cannot decode as hex: 'hex' is not a text encoding; "
        "use codecs.decode() to handle arbitrary codecs",
    ),
    (
        "test_cookie.py",
        b"# coding: no-such-codec\nx = 1\n",
        "bad encoding declaration: unknown encoding: no-such-codec",
    ),
    (
        "test_deep.py",
        (CLOSING + DEEP_MINUS).encode(),
        "cannot parse: too deeply nested for Python's parser (MemoryError)",
    ),
]


@pytest.mark.parametrize("command", ["check", "fix"])
@pytest.mark.parametrize("name, data, reason", UNREADABLE, ids=[u[0] for u in UNREADABLE])
def test_unreadable_file_is_one_line_and_the_rest_goes_on(
    project: Path, capsys, command: str, name: str, data: bytes, reason: str
) -> None:
    (project / name).write_bytes(data)
    other = write(project / "test_other.py", CLOSING)
    code, out, err = run(capsys, command, name, "test_other.py")
    assert code == 2
    assert err[0] == f"{name}: {reason}"
    assert len(err) == 2 and err[1].endswith("; 1 error (see above)")
    assert (project / name).read_bytes() == data
    if command == "check":
        assert out == [finding("test_other.py")]
    else:
        assert other.read_text() == CLOSING_FIXED


def test_stdin_that_cannot_be_decoded(project: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x = '\xff'\n")))
    code, out, err = run(capsys, "check", "--stdin-filename=test_piped.py", "-")
    assert code == 2
    assert err[0] == "test_piped.py: cannot decode: invalid or missing encoding declaration"


def test_syntax_error_is_e999_and_the_rest_goes_on(project: Path, capsys) -> None:
    write(project / "test_a.py", "def test_broken(:\n    pass\n")
    other = write(project / "test_b.py", CLOSING)
    code, out, err = run(capsys, "check", ".")
    assert code == 1
    syntax = f"./test_a.py:1:{syntax_col(18)}: E999 SyntaxError: invalid syntax"
    assert out == [syntax, finding("./test_b.py")]
    code, out, err = run(capsys, "fix", ".")
    assert code == 1
    assert out == [f"./test_a.py:1:{syntax_col(18)}: E999 SyntaxError: invalid syntax"]
    assert other.read_text() == CLOSING_FIXED


def test_too_many_parentheses_is_e999(project: Path, capsys) -> None:
    write(project / "test_parens.py", CLOSING + DEEP_PARENS)
    for command in ("check", "fix"):
        code, out, err = run(capsys, command, "test_parens.py")
        assert code == 1
        col = syntax_col(206)
        assert out == [f"test_parens.py:7:{col}: E999 SyntaxError: too many nested parentheses"]


def test_empty_file(project: Path, capsys) -> None:
    write(project / "test_empty.py", "")
    assert run(capsys, "check", "test_empty.py") == (0, [], ["checked 1 file: no findings"])
    assert run(capsys, "fix", "test_empty.py")[:2] == (0, [])
    assert (project / "test_empty.py").read_bytes() == b""


# -- unusual but valid files --------------------------------------------------------------------


def test_bom_columns_and_fix_keeps_the_bom(project: Path, capsys) -> None:
    # On the first line, where a BOM could shift the columns.
    one_liner = "def test_x(): import asyncio; asyncio.get_event_loop().close()\n"
    path = project / "test_bom.py"
    path.write_bytes(codecs.BOM_UTF8 + (one_liner + CLOSING).encode())
    code, out, err = run(capsys, "check", "test_bom.py")
    assert out == [finding("test_bom.py", line=1, col=31), finding("test_bom.py", line=7)]
    assert run(capsys, "fix", "test_bom.py")[0] == 0
    assert path.read_bytes() == codecs.BOM_UTF8 + (
        "def test_x(): import asyncio\n" + CLOSING_FIXED
    ).encode()


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_fix_keeps_the_newline_style(project: Path, capsys, newline: str) -> None:
    path = project / "test_x.py"
    path.write_bytes(CLOSING.replace("\n", newline).encode())
    assert run(capsys, "check", "test_x.py")[:2] == (1, [finding("test_x.py")])
    assert run(capsys, "fix", "test_x.py")[:2] == (0, [])
    assert path.read_bytes() == CLOSING_FIXED.replace("\n", newline).encode()


@pytest.mark.parametrize("newline", ["\r\n", "\n"], ids=["crlf", "lf"])
def test_a_diff_keeps_the_newline_style(project: Path, newline: str) -> None:
    """The diff's lines of code end as the file's do, so that ``git apply`` and ``patch``
    find them; its headers end with a plain newline."""
    path = project / "test_x.py"
    original = CLOSING.replace("\n", newline).encode()
    path.write_bytes(original)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(
        [sys.executable, "-m", "flake8_asyncloop", "fix", "--diff", *RUN, "test_x.py"],
        cwd=project, capture_output=True, env=env, timeout=120,
    )
    assert result.returncode == 1, result.stderr
    diff = result.stdout
    headers, body = diff.split(b"\n", 3)[:3], diff.split(b"\n", 3)[3]
    assert headers == [b"--- a/test_x.py", b"+++ b/test_x.py", b"@@ -3,4 +3,3 @@"]
    lines = body.split(newline.encode())
    old = b"".join(line[1:] + newline.encode() for line in lines if line[:1] in (b" ", b"-"))
    new = b"".join(line[1:] + newline.encode() for line in lines if line[:1] in (b" ", b"+"))
    assert old in original
    assert new in CLOSING_FIXED.replace("\n", newline).encode()
    assert new != old
    if shutil.which("git") is not None:
        subprocess.run(["git", "init", "-q", "."], cwd=project, check=True)
        applied = subprocess.run(
            ["git", "apply", "-"], cwd=project, input=diff, capture_output=True, timeout=60
        )
        assert applied.returncode == 0, applied.stderr
        assert path.read_bytes() == CLOSING_FIXED.replace("\n", newline).encode()


def test_tabs_count_one_column_as_in_flake8(project: Path, capsys) -> None:
    path = write(project / "test_x.py", CLOSING.replace("    ", "\t"))
    assert run(capsys, "check", "test_x.py")[:2] == (1, [finding("test_x.py", col=2)])
    assert run(capsys, "fix", "test_x.py")[:2] == (0, [])
    assert path.read_text() == CLOSING_FIXED.replace("    ", "\t")


def test_a_hundred_thousand_lines(project: Path, capsys) -> None:
    body = "".join(f"def test_{n}():\n    assert {n} >= 0\n\n\n" for n in range(25_000))
    write(project / "test_big.py", CLOSING + "\n\n" + body)
    started = time.monotonic()
    code, out, err = run(capsys, "check", "test_big.py")
    assert (code, out) == (1, [finding("test_big.py")])
    assert time.monotonic() - started < 60


def test_an_and_chain_libcst_cannot_take_is_checked_but_not_fixed(project: Path, capsys) -> None:
    path = write(project / "test_chain.py", CLOSING + LONG_AND_CHAIN)
    other = write(project / "test_other.py", CLOSING)
    assert run(capsys, "check", "test_chain.py")[:2] == (1, [finding("test_chain.py")])
    code, out, err = run(capsys, "fix", "test_chain.py", "test_other.py")
    assert code == 2
    assert out == [finding("test_chain.py")]
    assert err[0] == "test_chain.py: not fixed: too deeply nested to edit safely (over 300 levels)"
    assert path.read_text() == CLOSING + LONG_AND_CHAIN
    assert other.read_text() == CLOSING_FIXED


def test_fixer_recursion_is_reported_as_nesting(project: Path, capsys, monkeypatch) -> None:
    import flake8_asyncloop.fixer as fixer

    def too_deep(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(fixer, "fix_source", too_deep)
    write(project / "test_x.py", CLOSING)
    code, out, err = run(capsys, "fix", "test_x.py")
    assert (code, out) == (2, [finding("test_x.py")])
    assert err[0] == "test_x.py: not fixed: too deeply nested to edit safely"


# -- files that change under the run ------------------------------------------------------------


def test_file_deleted_between_discovery_and_reading(project: Path, capsys, monkeypatch) -> None:
    write(project / "test_gone.py", CLOSING)
    other = write(project / "test_kept.py", CLOSING)
    real_discover = runner_module.discover

    def discover_then_delete(paths, exclude):
        found = real_discover(paths, exclude)
        os.unlink("test_gone.py")
        return found

    monkeypatch.setattr(runner_module, "discover", discover_then_delete)
    code, out, err = run(capsys, "fix", "test_gone.py", "test_kept.py")
    assert code == 2
    assert err[0] == "test_gone.py: cannot read: No such file or directory"
    assert other.read_text() == CLOSING_FIXED
    assert not (project / "test_gone.py").exists()  # not brought back by the fix


def test_file_changed_while_being_fixed_is_left_alone(project: Path, capsys, monkeypatch) -> None:
    path = write(project / "test_x.py", CLOSING)
    real_fix = runner_module.Runner.fix_source

    def edit_meanwhile(self, source, filename, unsafe):
        result = real_fix(self, source, filename, unsafe)
        path.write_text(CLOSING + "# saved by an editor meanwhile\n")
        return result

    monkeypatch.setattr(runner_module.Runner, "fix_source", edit_meanwhile)
    code, out, err = run(capsys, "fix", "test_x.py")
    assert code == 2
    assert err[0] == "test_x.py: changed on disk while being fixed, left unchanged"
    assert path.read_text() == CLOSING + "# saved by an editor meanwhile\n"


def test_unreadable_file_reported_by_read_source(project: Path, capsys, monkeypatch) -> None:
    # Running as root, chmod 000 does not stop a read: make the read itself fail.
    write(project / "test_locked.py", CLOSING)
    write(project / "test_open.py", CLOSING)
    real_read = sourcefile.read_source

    def refuse(path):
        if os.path.basename(path) == "test_locked.py":
            raise sourcefile.SourceError(path, "cannot read: Permission denied")
        return real_read(path)

    monkeypatch.setattr(runner_module, "read_source", refuse)
    code, out, err = run(capsys, "check", ".")
    assert code == 2
    assert out == [finding("./test_open.py")]
    assert err[0] == "./test_locked.py: cannot read: Permission denied"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_like_a_module_does_not_hang_the_run(tmp_path: Path) -> None:
    write(tmp_path / "tests" / "test_x.py", CLOSING)
    os.mkfifo(tmp_path / "tests" / "test_pipe.py")
    result = run_module("check", *RUN, "tests", cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert result.stdout.splitlines() == [finding("tests/test_x.py")]
    assert result.stderr.splitlines()[0] == "tests/test_pipe.py: cannot read: not a regular file"


def test_a_directory_named_like_a_module_is_walked(project: Path, capsys) -> None:
    write(project / "suite.py" / "test_x.py", CLOSING)
    assert run(capsys, "check", "suite.py")[:2] == (1, [finding("suite.py/test_x.py")])


def test_fix_through_a_symlink_keeps_the_link(project: Path, capsys) -> None:
    real = write(project / "shared" / "test_x.py", CLOSING)
    link = project / "tests" / "test_x.py"
    link.parent.mkdir()
    try:
        link.symlink_to(real)
    except OSError:
        pytest.skip("no symlinks here")
    assert run(capsys, "fix", "tests")[:2] == (0, [])
    assert link.is_symlink() and real.read_text() == CLOSING_FIXED


def test_fix_under_a_symlink_loop(project: Path, capsys) -> None:
    path = write(project / "pkg" / "test_x.py", CLOSING)
    try:
        os.symlink(project / "pkg", project / "pkg" / "again")
    except OSError:
        pytest.skip("no symlinks here")
    code, out, err = run(capsys, "fix", ".")
    assert (code, out) == (0, [])
    assert err == ["checked 1 file: fixed 1 finding in 1 file, 0 remain"]
    assert path.read_text() == CLOSING_FIXED


def test_non_python_file_named_explicitly(project: Path, capsys) -> None:
    (project / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    write(project / "test_x.py", CLOSING)
    code, out, err = run(capsys, "check", "image.png", "test_x.py")
    assert (code, out) == (1, [finding("test_x.py")])
    assert err[0] == "image.png: skipped, not a Python file (no .py suffix or python shebang)"


# -- config files -------------------------------------------------------------------------------

BROKEN_CONFIGS = [
    (
        "pyproject.toml",
        '[tool.flake8-asyncloop]\nselect = ["ALP101"\nignore = []\n',
        "pyproject.toml:3: invalid TOML: Unclosed array",
    ),
    (
        "setup.cfg",
        "[flake8]\nselect = ALP101\nthis line means nothing\n",
        "setup.cfg:3: invalid config file: cannot parse 'this line means nothing'",
    ),
    (
        "setup.cfg",
        "[flake8]\nselect = ALP101\nselect = ALP102\n",
        "setup.cfg:3: invalid config file: 'select' set twice in [flake8]",
    ),
    (
        "tox.ini",
        "[flake8]\nasyncloop-pytest-asyncio-version = soon\n",
        "tox.ini:2: bad value for 'asyncloop-pytest-asyncio-version': 'soon' is not a version "
        "such as '0.21' or '1.0'",
    ),
]


@pytest.mark.parametrize("command", ["check", "fix"])
@pytest.mark.parametrize("name, text, message", BROKEN_CONFIGS)
def test_broken_config_file_is_a_usage_error(
    project: Path, capsys, command: str, name: str, text: str, message: str
) -> None:
    write(project / name, text)
    path = write(project / "test_x.py", CLOSING)
    code = main([command, "--no-cache", "."])
    captured = capsys.readouterr()
    assert code == 2
    assert (captured.out, captured.err) == ("", f"flake8-asyncloop: error: {message}\n")
    assert path.read_text() == CLOSING


BROKEN_PYTEST_CONFIGS = [
    ("pytest.ini", "[pytest]\nasyncio_mode = auto\n[pytest]\n"),
    ("pytest.ini", "asyncio_mode = auto\n"),
    ("pyproject.toml", '[tool.pytest.ini_options]\nasyncio_mode = "auto\n'),
    ("setup.cfg", "[tool:pytest]\nasyncio_mode\n"),
    ("tox.ini", "[pytest]\nasyncio_mode = sideways\n"),
]


@pytest.mark.parametrize("name, text", BROKEN_PYTEST_CONFIGS)
def test_broken_pytest_config_does_not_stop_linting(
    project: Path, capsys, name: str, text: str
) -> None:
    write(project / name, text)
    path = write(project / "tests" / "test_x.py", CLOSING)
    code = main(["check", *RUN, "tests"])
    captured = capsys.readouterr()
    assert (code, captured.out.splitlines()) == (1, [finding("tests/test_x.py")])
    assert "error" not in captured.err
    assert main(["fix", *RUN, "tests"]) == 0
    assert path.read_text() == CLOSING_FIXED


# -- internal errors ------------------------------------------------------------------------------


class _FailsOnSecondFile(Rule):
    """Raises in files whose name holds "bad"; finds every asyncio call elsewhere."""

    code = "ALP990"
    name = "fails-on-some-files"
    message = "an asyncio call"
    test_code_only = False
    what = why = "a rule with a bug"

    def visit_Call(self, node: ast.Call) -> None:
        if "bad" in self.file.filename:
            raise ValueError("cannot handle this")
        if self.file.resolve(node.func) == "asyncio.get_event_loop":
            self.report(node)


def test_a_broken_rule_is_reported_and_the_rest_goes_on(project: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(runner_module, "ALL_RULES", ALL_RULES + (_FailsOnSecondFile,))
    write(project / "test_a.py", CLOSING)
    write(project / "test_bad.py", CLOSING)
    write(project / "test_c.py", CLOSING)
    code = main(["check", *RUN, "--select=ALP101,ALP990", "."])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out.splitlines() == [
        finding("./test_a.py"),
        "./test_a.py:6:5: ALP990 an asyncio call",
        finding("./test_bad.py"),  # the other rules still ran on the file
        finding("./test_c.py"),
        "./test_c.py:6:5: ALP990 an asyncio call",
    ]
    assert captured.err.splitlines() == [
        f"./test_bad.py:5: internal error in ALP990: ValueError: cannot handle this {HINT}",
        "checked 3 files: 5 findings (3 fixable with 'flake8-asyncloop fix'); 1 error (see above)",
    ]


def test_a_crash_outside_the_rules_is_reported_per_file(project: Path, capsys, monkeypatch) -> None:
    real_context_for = runner_module.context_for

    def failing_for_one(filename, *args, **kwargs):
        if "bad" in filename:
            raise RuntimeError("config cache corrupted")
        return real_context_for(filename, *args, **kwargs)

    monkeypatch.setattr(runner_module, "context_for", failing_for_one)
    write(project / "test_a.py", CLOSING)
    write(project / "test_bad.py", CLOSING)
    other = write(project / "test_c.py", CLOSING)
    code, out, err = run(capsys, "check", ".")
    assert code == 2
    assert out == [finding("./test_a.py"), finding("./test_c.py")]
    assert err[0] == (
        f"./test_bad.py:1: internal error in flake8-asyncloop: "
        f"RuntimeError: config cache corrupted {HINT}"
    )
    code, out, err = run(capsys, "fix", ".")
    assert code == 2
    assert (project / "test_bad.py").read_text() == CLOSING
    assert other.read_text() == CLOSING_FIXED


def test_a_fixer_crash_leaves_the_file_and_reports(project: Path, capsys, monkeypatch) -> None:
    import flake8_asyncloop.fixer as fixer

    def broken(*args, **kwargs):
        raise IndexError("list index out of range")

    monkeypatch.setattr(fixer, "fix_source", broken)
    path = write(project / "test_x.py", CLOSING)
    code, out, err = run(capsys, "fix", "test_x.py")
    assert (code, out) == (2, [finding("test_x.py")])
    assert err[0] == (
        f"test_x.py:1: internal error in fixer: IndexError: list index out of range {HINT}"
    )
    assert path.read_text() == CLOSING


def test_interrupt_and_closed_pipe_end_without_traceback(
    project: Path, capsys, monkeypatch
) -> None:
    write(project / "test_x.py", CLOSING)
    for error, status in ((KeyboardInterrupt, 130), (BrokenPipeError, 141)):

        def stop(*args, **kwargs):
            raise error()

        monkeypatch.setattr(runner_module.Runner, "run", stop)
        assert main(["check", *RUN, "test_x.py"]) == status
    assert capsys.readouterr().err == "flake8-asyncloop: error: interrupted\n"


def _plugin_lines(source: str, filename: str) -> List[str]:
    checker = plugin_module.AsyncLoopChecker(
        ast.parse(source), filename, source.splitlines(keepends=True)
    )
    return [f"{line}:{col + 1}: {text}" for line, col, text, _ in checker.run()]


def test_plugin_reports_a_broken_rule_as_alp000(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(
        plugin_module.AsyncLoopChecker, "_engine", Engine(ALL_RULES + (_FailsOnSecondFile,))
    )
    lines = _plugin_lines(CLOSING, str(tmp_path / "test_bad.py"))
    assert f"6:5: ALP101 {ALP101}" in lines
    assert lines[-1] == (
        "5:1: ALP000 internal error in ALP990: ValueError: cannot handle this; "
        "please report it to flake8-asyncloop"
    )


def test_plugin_reports_a_crash_outside_the_rules_as_alp000(monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("config cache corrupted")

    monkeypatch.setattr(plugin_module, "context_for", broken)
    assert _plugin_lines(CLOSING, "test_x.py") == [
        "1:1: ALP000 internal error in flake8-asyncloop: RuntimeError: config cache corrupted; "
        "please report it to flake8-asyncloop"
    ]


# -- all of it at once, for real ----------------------------------------------------------------


def _compile_raises_value_error_on_nul() -> bool:
    """Before Python 3.11.? ``compile`` raised ValueError for NUL bytes, which flake8 does
    not catch; later ones raise SyntaxError, which it reports as E999."""
    try:
        compile("x = 1\n\0\n", "<nul>", "exec")
    except ValueError:
        return True
    except SyntaxError:
        return False
    return False


# flake8 itself stops with a traceback on these, before any plugin runs.
FLAKE8_CRASHES_ON = ("test_deep.py", "test_hex.py") + (
    ("test_nul.py",) if _compile_raises_value_error_on_nul() else ()
)


def _bad_tree(root: Path, for_flake8: bool = False) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for name, data, _ in UNREADABLE:
        if not (for_flake8 and name in FLAKE8_CRASHES_ON):
            (root / name).write_bytes(data)
    write(root / "test_syntax.py", "def test_broken(:\n")
    write(root / "test_empty.py", "")
    write(root / "test_parens.py", CLOSING + DEEP_PARENS)
    write(root / "test_chain.py", CLOSING + LONG_AND_CHAIN)
    (root / "test_bom.py").write_bytes(codecs.BOM_UTF8 + CLOSING.encode())
    (root / "test_crlf.py").write_bytes(CLOSING.replace("\n", "\r\n").encode())
    (root / "test_cr.py").write_bytes(CLOSING.replace("\n", "\r").encode())
    write(root / "test_tabs.py", CLOSING.replace("    ", "\t"))
    write(root / "test_z.py", CLOSING)


def test_real_check_and_fix_over_every_kind_of_bad_file(tmp_path: Path) -> None:
    _bad_tree(tmp_path / "tests")
    check = run_module("check", *RUN, "tests", cwd=tmp_path)
    assert check.returncode == 2
    assert "Traceback" not in check.stderr
    assert check.stdout.splitlines() == [
        finding("tests/test_bom.py"),
        finding("tests/test_chain.py"),
        finding("tests/test_cr.py"),
        finding("tests/test_crlf.py"),
        f"tests/test_parens.py:7:{syntax_col(206)}: E999 SyntaxError: too many nested parentheses",
        f"tests/test_syntax.py:1:{syntax_col(18)}: E999 SyntaxError: invalid syntax",
        finding("tests/test_tabs.py", col=2),
        finding("tests/test_z.py"),
    ]
    assert check.stderr.splitlines()[-1] == (
        "checked 14 files: 8 findings (6 fixable with 'flake8-asyncloop fix')"
        + not_parsed(2)
        + "; 5 errors (see above)"
    )
    names = sorted(os.listdir(tmp_path / "tests"))
    fix = run_module("fix", *RUN, "tests", cwd=tmp_path)
    assert fix.returncode == 2
    assert "Traceback" not in fix.stderr
    assert fix.stderr.splitlines()[-1] == (
        "checked 14 files: fixed 5 findings in 5 files, 3 remain"
        + not_parsed(2)
        + "; 6 errors (see above)"
    )
    tests = tmp_path / "tests"
    assert (tests / "test_z.py").read_text() == CLOSING_FIXED
    assert (tests / "test_cr.py").read_bytes() == CLOSING_FIXED.replace("\n", "\r").encode()
    assert (tests / "test_chain.py").read_text() == CLOSING + LONG_AND_CHAIN
    assert sorted(os.listdir(tests)) == names  # nothing left beside them


def test_real_flake8_over_every_kind_of_bad_file(tmp_path: Path) -> None:
    _bad_tree(tmp_path, for_flake8=True)
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select=ALP,E9", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "ALP000" not in result.stdout
    assert "./test_z.py:6:5: ALP101" in result.stdout
    assert "./test_chain.py:6:5: ALP101" in result.stdout


def test_nesting_depth_counts_an_and_chain_as_libcst_nests_it() -> None:
    from flake8_asyncloop.fixer.limits import MAX_NESTING, nesting_depth, nesting_problem

    assert nesting_depth(ast.parse("x = a and b and c and d")) == nesting_depth(
        ast.parse("x = a and (b and (c and d))")
    )
    assert nesting_problem(CLOSING) is None
    assert nesting_problem(CLOSING + LONG_AND_CHAIN) == (
        f"too deeply nested to edit safely (over {MAX_NESTING} levels)"
    )
    assert nesting_problem(DEEP_PLUS) is not None  # past even ast's own limit
    assert nesting_problem("def broken(:\n") is None  # not a nesting problem
