"""``--jobs`` and the result cache: same output as a plain run, whatever state the cache is in.

No test here measures time; benchmarks/run.py does that.
"""

from __future__ import annotations

import ast
import gc
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest

from flake8_asyncloop import cache as cache_module
from flake8_asyncloop import runner as runner_module
from flake8_asyncloop.cache import CACHE_DIR_NAME, decode_finding, encode_finding
from flake8_asyncloop.cli import main
from flake8_asyncloop.context.discovery import clear_caches, context_for
from flake8_asyncloop.discover_files import discover
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.rules import ALL_RULES
from flake8_asyncloop.settings import DEFAULT_EXCLUDE

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from generate_corpus import write_corpus  # noqa: E402

Outcome = Tuple[int, str, str]

ASYNC_TEST_WITHOUT_MARK = """\
async def test_unmarked():
    assert True
"""
STRICT_INI = "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
AUTO_INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
COROUTINE_HOOK_CONFTEST = """\
def pytest_pyfunc_call(pyfuncitem):
    return None
"""


def command(*argv: str, cwd: Path) -> Outcome:
    """The command as a real process (a process pool is then the command's own)."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run(
        [sys.executable, "-m", "flake8_asyncloop", *argv],
        cwd=cwd, capture_output=True, text=True, env=env,
    )
    return done.returncode, done.stdout, done.stderr


def in_process(capsys: pytest.CaptureFixture, *argv: str) -> Outcome:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "suite"
    write_corpus(root, 60, seed=3, broken_percent=25.0)
    return root


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small project, the current directory; context caches start empty."""
    monkeypatch.chdir(tmp_path)
    clear_caches()
    (tmp_path / "pytest.ini").write_text(STRICT_INI)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text(ASYNC_TEST_WITHOUT_MARK)
    (tmp_path / "tests" / "test_b.py").write_text(ASYNC_TEST_WITHOUT_MARK)
    return tmp_path


def entries(root: Path) -> List[Path]:
    return sorted((root / CACHE_DIR_NAME).glob("*/*.json"))


def count_checks(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The files actually checked (not taken from the cache) from now on."""
    checked: List[str] = []
    original = runner_module.Runner.check_source

    def counting(self, source, filename):
        checked.append(filename)
        return original(self, source, filename)

    monkeypatch.setattr(runner_module.Runner, "check_source", counting)
    return checked


# -- --jobs --------------------------------------------------------------------------------------


def test_jobs_two_gives_the_output_of_jobs_one(corpus: Path) -> None:
    one = command("check", "--jobs", "1", "--no-cache", ".", cwd=corpus)
    two = command("check", "--jobs", "2", "--no-cache", ".", cwd=corpus)
    assert one[0] == 1 and one[1].count("\n") > 10, one
    assert two == one


def test_fix_diff_with_jobs_two_gives_the_output_of_jobs_one(corpus: Path) -> None:
    one = command("fix", "--diff", "--jobs", "1", "--no-cache", ".", cwd=corpus)
    two = command("fix", "--diff", "--jobs", "2", "--no-cache", ".", cwd=corpus)
    assert one[0] == 1 and "+++ b/" in one[1], one
    assert two == one


def test_fix_with_jobs_two_writes_what_jobs_one_writes(corpus: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(corpus, copy)
    one = command("fix", "--jobs", "1", "--no-cache", ".", cwd=corpus)
    two = command("fix", "--jobs", "2", "--no-cache", ".", cwd=copy)
    assert two == one
    files = sorted(p.relative_to(corpus) for p in corpus.rglob("*.py"))
    assert files == sorted(p.relative_to(copy) for p in copy.rglob("*.py"))
    assert all((corpus / f).read_bytes() == (copy / f).read_bytes() for f in files)


def test_jobs_must_be_a_positive_number(project: Path, capsys: pytest.CaptureFixture) -> None:
    assert in_process(capsys, "check", "--jobs", "0", ".")[0] == 2
    assert in_process(capsys, "check", "--jobs", "many", ".")[0] == 2


# -- the result cache: warm runs -------------------------------------------------------------------


def test_warm_run_gives_the_cold_output_without_checking(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(corpus)
    plain = in_process(capsys, "check", "--jobs", "1", "--no-cache", ".")
    assert not (corpus / CACHE_DIR_NAME).exists()
    cold = in_process(capsys, "check", "--jobs", "1", ".")
    assert cold == plain
    checked = count_checks(monkeypatch)
    warm = in_process(capsys, "check", "--jobs", "1", ".")
    assert warm == plain
    assert checked == []
    cache_dir = corpus / CACHE_DIR_NAME
    tag = (cache_dir / "CACHEDIR.TAG").read_text()
    assert tag.startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (cache_dir / ".gitignore").read_text() == "*\n"
    assert len(entries(corpus)) == len(discover(["."], DEFAULT_EXCLUDE).files)


def test_cache_directory_is_excluded_by_default() -> None:
    assert CACHE_DIR_NAME in DEFAULT_EXCLUDE


def test_editing_a_file_checks_only_that_file(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    first = in_process(capsys, "check", ".")
    assert first[1].count("ALP401") == 2
    (project / "tests" / "test_a.py").write_text("def test_sync():\n    assert True\n")
    checked = count_checks(monkeypatch)
    second = in_process(capsys, "check", ".")
    assert checked == ["./tests/test_a.py"]
    assert "test_a.py" not in second[1] and "test_b.py" in second[1]


def test_editing_the_pytest_config_invalidates_its_files(
    project: Path, capsys: pytest.CaptureFixture
) -> None:
    assert in_process(capsys, "check", ".")[1].count("ALP401") == 2
    (project / "pytest.ini").write_text(AUTO_INI)  # auto mode runs unmarked async tests
    assert "ALP401" not in in_process(capsys, "check", ".")[1]
    (project / "pytest.ini").write_text(STRICT_INI)
    assert in_process(capsys, "check", ".")[1].count("ALP401") == 2


def test_editing_a_conftest_invalidates_the_files_below_it(
    project: Path, capsys: pytest.CaptureFixture
) -> None:
    (project / "other").mkdir()
    (project / "other" / "test_c.py").write_text(ASYNC_TEST_WITHOUT_MARK)
    assert in_process(capsys, "check", ".")[1].count("ALP401") == 3
    # A hook that runs coroutines itself: the tests below it are run, by something unseen.
    (project / "tests" / "conftest.py").write_text(COROUTINE_HOOK_CONFTEST)
    output = in_process(capsys, "check", ".")[1]
    assert output.count("ALP401") == 1 and "other/test_c.py" in output
    (project / "tests" / "conftest.py").unlink()
    assert in_process(capsys, "check", ".")[1].count("ALP401") == 3


def test_editing_the_settings_invalidates_every_file(
    project: Path, capsys: pytest.CaptureFixture
) -> None:
    assert in_process(capsys, "check", ".")[1].count("ALP401") == 2
    (project / "setup.cfg").write_text("[flake8]\nextend-ignore = ALP401\n")
    assert in_process(capsys, "check", ".")[1] == ""
    assert in_process(capsys, "check", "--isolated", ".")[1].count("ALP401") == 2


def test_fix_never_takes_a_file_it_fixes_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "test_loop.py"
    target.write_text(
        "import asyncio\n\n\ndef test_closes():\n    asyncio.get_event_loop().close()\n"
    )
    (tmp_path / "test_clean.py").write_text("def test_fine():\n    assert True\n")
    assert in_process(capsys, "check", "--select=ALP101", ".")[0] == 1  # fills the cache
    checked = count_checks(monkeypatch)
    code, _, err = in_process(capsys, "fix", "--select=ALP101", ".")
    assert code == 0, err
    assert ".close()" not in target.read_text()
    assert "./test_loop.py" in checked and "./test_clean.py" not in checked


# -- the result cache: robustness ------------------------------------------------------------------


def test_concurrent_runs_agree_and_leave_whole_entries(corpus: Path) -> None:
    expected = command("check", "--jobs", "1", "--no-cache", ".", cwd=corpus)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    argv = [sys.executable, "-m", "flake8_asyncloop", "check", "--jobs", "1", "."]
    pipe = subprocess.PIPE
    runs = [
        subprocess.Popen(argv, cwd=corpus, stdout=pipe, stderr=pipe, text=True, env=env)
        for _ in range(2)
    ]
    outcomes = [(run.wait(), *run.communicate()) for run in runs]
    assert outcomes == [expected, expected]
    assert not list((corpus / CACHE_DIR_NAME).rglob("*.tmp"))
    for entry in entries(corpus):
        json.loads(entry.read_text())
    assert command("check", "--jobs", "1", ".", cwd=corpus) == expected


def test_corrupt_entries_are_ignored_and_replaced(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(corpus)
    expected = in_process(capsys, "check", "--jobs", "1", ".")
    stored = entries(corpus)
    damage = [b"", b"{not json", b'{"format": 1}', b"[]", b'{"format": 1, "key": 3}']
    for index, entry in enumerate(stored):
        data = entry.read_bytes()
        entry.write_bytes(damage[index % len(damage)] if index % 3 else data[: len(data) // 2])
    assert in_process(capsys, "check", "--jobs", "1", ".") == expected
    for entry in entries(corpus):
        json.loads(entry.read_text())
    checked = count_checks(monkeypatch)
    assert in_process(capsys, "check", "--jobs", "1", ".") == expected
    assert checked == []


def test_an_entry_with_an_unknown_edit_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "test_loop.py").write_text(
        "import asyncio\n\n\ndef test_closes():\n    asyncio.get_event_loop().close()\n"
    )
    expected = in_process(capsys, "check", "--jobs", "1", ".")
    (entry,) = entries(tmp_path)
    data = json.loads(entry.read_text())
    data["findings"][0]["fix"]["edits"][0]["type"] = "os.system"
    entry.write_text(json.dumps(data))
    checked = count_checks(monkeypatch)
    assert in_process(capsys, "check", "--jobs", "1", ".") == expected
    assert checked == ["./test_loop.py"]


def test_no_cache_writes_nothing(corpus: Path) -> None:
    command("check", "--no-cache", ".", cwd=corpus)
    command("fix", "--no-cache", "--diff", ".", cwd=corpus)
    assert not (corpus / CACHE_DIR_NAME).exists()


def test_a_cache_that_cannot_be_created_is_harmless(corpus: Path) -> None:
    expected = command("check", "--jobs", "1", "--no-cache", ".", cwd=corpus)
    (corpus / CACHE_DIR_NAME).write_text("a file where the cache directory would go\n")
    assert command("check", "--jobs", "1", ".", cwd=corpus) == expected
    assert command("check", "--jobs", "2", ".", cwd=corpus) == expected


def test_a_cache_that_cannot_be_written_is_harmless(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    expected = in_process(capsys, "check", "--no-cache", ".")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cache_module.ResultCache, "_temporary_file", refuse)
    assert in_process(capsys, "check", ".") == expected
    assert entries(project) == []


def test_a_taken_temporary_name_falls_back_to_mkstemp(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    # Another machine sharing the cache directory may run a process of the same number.
    real_open = os.open

    def taken(path, flags, *args):  # os is one module: mkstemp's own names must pass
        if f".entry.{os.getpid()}." in str(path):
            raise FileExistsError(17, "File exists")
        return real_open(path, flags, *args)

    monkeypatch.setattr(cache_module.os, "open", taken)
    expected = in_process(capsys, "check", "--no-cache", ".")
    assert in_process(capsys, "check", ".") == expected
    assert len(entries(project)) == len(list(project.rglob("test_*.py")))
    assert not list(project.rglob("*.tmp"))


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes anyway")
def test_a_read_only_cache_directory_is_harmless(
    project: Path, capsys: pytest.CaptureFixture
) -> None:
    expected = in_process(capsys, "check", "--no-cache", ".")
    (project / CACHE_DIR_NAME).mkdir()
    os.chmod(project / CACHE_DIR_NAME, 0o555)
    try:
        assert in_process(capsys, "check", ".") == expected
    finally:
        os.chmod(project / CACHE_DIR_NAME, 0o755)


# -- findings survive the round trip ---------------------------------------------------------------


def test_every_example_finding_survives_the_json_round_trip(tmp_path: Path) -> None:
    engine = Engine(ALL_RULES)
    seen_fixes = 0
    for rule in ALL_RULES:
        for index, example in enumerate(rule.bad_examples()):
            directory = tmp_path / f"{rule.code}_{index}"
            directory.mkdir()
            for relative, text in example.files.items():
                (directory / relative).parent.mkdir(parents=True, exist_ok=True)
                (directory / relative).write_text(text)
            path = directory / example.filename
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(example.source)
            found, _ = engine.check(ast.parse(example.source), str(path), context_for(str(path)))
            for finding in found:
                copy = decode_finding(json.loads(json.dumps(encode_finding(finding))))
                assert copy == finding and copy.fix == finding.fix
                seen_fixes += finding.fix is not None
    assert seen_fixes > 10


def test_results_keep_the_order_of_the_paths(
    project: Path, capsys: pytest.CaptureFixture
) -> None:
    for name in ("test_0.py", "test_z.py", "test_m.py"):
        (project / "tests" / name).write_text(ASYNC_TEST_WITHOUT_MARK)
    in_process(capsys, "check", "tests/test_m.py")  # some cached, some not
    output = in_process(capsys, "check", "tests/test_z.py", "tests/test_m.py", "tests")[1]
    paths = [line.split(":")[0] for line in output.splitlines()]
    assert paths == [
        "tests/test_z.py",
        "tests/test_m.py",
        "tests/test_0.py",
        "tests/test_a.py",
        "tests/test_b.py",
    ]


def test_stdin_is_never_cached(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(ASYNC_TEST_WITHOUT_MARK.encode()))
    monkeypatch.setattr(sys, "stdin", stdin)
    code, out, _ = in_process(capsys, "check", "--stdin-filename", "tests/test_in.py", "-")
    assert code == 1 and "ALP401" in out
    assert entries(project) == []


# -- memory ----------------------------------------------------------------------------------------


def test_a_checked_tree_is_freed_without_the_garbage_collector(tmp_path: Path) -> None:
    """Checking a file leaves no reference cycle behind: its tree goes when the caller drops
    it, instead of waiting for (and slowing) the cyclic garbage collector."""
    write_corpus(tmp_path / "suite", 12, seed=5, broken_percent=50.0)
    engine = Engine(ALL_RULES)
    paths = sorted((tmp_path / "suite").rglob("*.py"))
    sources = [(str(path), path.read_text()) for path in paths]

    def check_all() -> int:
        found = 0
        for path, source in sources:
            found += len(engine.check(ast.parse(source), path, context_for(path), source=source)[0])
        return found

    assert check_all() > 0  # the rules ran and reported (caches are warm from now on)
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        assert check_all() > 0
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()


def test_the_command_leaves_the_callers_garbage_collector_as_it_was(
    project: Path, capsys: pytest.CaptureFixture
) -> None:
    before = gc.get_threshold()
    assert in_process(capsys, "check", "tests")[0] == 1
    assert gc.get_threshold() == before
