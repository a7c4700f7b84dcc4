"""A fix killed at any moment leaves every file whole: exactly as it was, or exactly fixed.

The command is killed with SIGKILL (no cleanup runs) at random moments while it fixes a
directory of large files; after each kill every file must be byte for byte the original or
the fixed text. A temporary file may survive a kill (the new bytes are written beside the
file, then swapped in); it must carry the recognisable name and the next run removes it.
ASYNCLOOP_KILL_POINTS sets how many kills the random test makes (10 by default).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import pytest

from flake8_asyncloop.sourcefile import TEMPORARY_MARK

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

KILL_POINTS = int(os.environ.get("ASYNCLOOP_KILL_POINTS", "10"))
FILES = 40
FILLERS = 12  # tests around the finding in each module: some 130 lines, 3 kB
FIX = ("fix", "--isolated", "--no-cache", "--select=ALP101")
STRAY = re.compile(r"^\.(?P<name>.+)" + re.escape(TEMPORARY_MARK) + r"\w+$")


def module_text(number: int) -> str:
    """A test module of a few hundred lines with one finding ALP101's safe fix deletes."""
    fillers = "".join(
        f"def test_filler_{number}_{n}():\n    value = {n} * 2\n    assert value >= 0\n\n\n"
        for n in range(FILLERS)
    )
    closing = (
        f"def test_closes_{number}():\n"
        "    assert True\n"
        "    asyncio.get_event_loop().close()\n\n\n"
    )
    return "import asyncio\n\n\n" + fillers + closing + fillers.replace("filler", "more")


def run_fix(directory: Path, *extra: str, **popen: object) -> subprocess.Popen:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.Popen(
        [sys.executable, "-m", "flake8_asyncloop", *FIX, *extra, str(directory)],
        cwd=directory.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the kill reaches the workers too
        **popen,  # type: ignore[arg-type]
    )


def kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
    # The run's workers share its process group and may still be running for a moment (a
    # SIGKILL takes effect at their next entry to the kernel): until they are gone, one may
    # still rename its temporary file under the test's feet.
    deadline = time.monotonic() + 10
    while _group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.005)


def _group_alive(group: int) -> bool:
    """Whether a process of ``group`` still runs (zombies waiting to be reaped do not)."""
    if not os.path.isdir("/proc"):
        time.sleep(0.1)  # no process table to read: give the kill time to land
        return False
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


def lay_out(directory: Path, texts: Dict[str, bytes]) -> None:
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir()
    for name, data in texts.items():
        (directory / name).write_bytes(data)


def strays(directory: Path, names: List[str]) -> List[str]:
    return sorted(set(os.listdir(directory)) - set(names))


def assert_whole(directory: Path, original: Dict[str, bytes], fixed: Dict[str, bytes]) -> None:
    for name in original:
        data = (directory / name).read_bytes()
        assert data in (original[name], fixed[name]), f"{name} is neither original nor fixed"
    for stray in strays(directory, list(original)):
        match = STRAY.match(stray)
        assert match and match.group("name") in original, f"unrecognisable file left: {stray}"


@pytest.fixture(scope="module")
def texts(tmp_path_factory: pytest.TempPathFactory):
    """The original bytes, the fixed bytes (from a complete run), and how long a run takes."""
    original = {f"test_m{n:02}.py": module_text(n).encode() for n in range(FILES)}
    directory = tmp_path_factory.mktemp("expected") / "tests"
    lay_out(directory, original)
    started = time.monotonic()
    assert run_fix(directory, "-j1").wait() == 0
    duration = time.monotonic() - started
    fixed = {name: (directory / name).read_bytes() for name in original}
    assert all(fixed[name] != original[name] for name in original)
    assert strays(directory, list(original)) == []
    return original, fixed, duration


@pytest.mark.slow
def test_sigkill_at_random_moments_never_leaves_a_partial_file(tmp_path: Path, texts) -> None:
    original, fixed, duration = texts
    directory = tmp_path / "tests"
    generator = random.Random(int(os.environ.get("ASYNCLOOP_KILL_SEED", "0")) or None)
    for point in range(KILL_POINTS):
        if point % 3 == 0:  # from scratch now and then; otherwise go on from where it stopped
            lay_out(directory, original)
        # One process, or a parent and two workers that write files themselves.
        process = run_fix(directory, f"-j{1 + point % 2}")
        time.sleep(generator.uniform(0.05, duration))
        kill(process)
        assert_whole(directory, original, fixed)
    # A run left to finish fixes what remains and removes what the kills left behind.
    assert run_fix(directory, "-j2").wait() == 0
    assert {name: (directory / name).read_bytes() for name in original} == fixed
    assert strays(directory, list(original)) == []


_KILL_AFTER_WRITE = """
import os, sys, time
real_fsync = os.fsync

def fsync_then_wait(descriptor):
    real_fsync(descriptor)
    print("written", flush=True)  # the temporary is complete, the original not yet replaced
    time.sleep(600)

os.fsync = fsync_then_wait
from flake8_asyncloop.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_killed_between_write_and_replace(tmp_path: Path) -> None:
    directory = tmp_path / "tests"
    original = {"test_m00.py": module_text(0).encode()}
    lay_out(directory, original)
    process = subprocess.Popen(
        [sys.executable, "-c", _KILL_AFTER_WRITE, *FIX, "-j1", str(directory)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "written\n"
    finally:
        kill(process)
    # The original is untouched; the temporary is left, under a name that says what it is.
    assert (directory / "test_m00.py").read_bytes() == original["test_m00.py"]
    left = strays(directory, list(original))
    match = STRAY.match(left[0]) if len(left) == 1 else None
    assert match is not None and match.group("name") == "test_m00.py", left
    # The next run fixes the file and removes the leftover.
    assert run_fix(directory, "-j1").wait() == 0
    assert os.listdir(directory) == ["test_m00.py"]
    assert b"get_event_loop().close()" not in (directory / "test_m00.py").read_bytes()


def test_only_the_files_own_leftovers_are_removed(tmp_path: Path) -> None:
    from flake8_asyncloop.sourcefile import read_source, write_source

    target = tmp_path / "test_a.py"
    target.write_text("x = 1\n")
    own = tmp_path / f".test_a.py{TEMPORARY_MARK}k1ll3d_1"
    others = [
        tmp_path / f".test_ab.py{TEMPORARY_MARK}k1ll3d_2",  # another file's, maybe in flight
        tmp_path / ".test_a.py.orig",
        tmp_path / f"test_a.py{TEMPORARY_MARK}x",  # not hidden: not ours
    ]
    for path in [own, *others]:
        path.write_text("x = ")
    write_source(target, read_source(target), "x = 2\n")
    assert target.read_text() == "x = 2\n"
    assert not own.exists()
    assert all(path.exists() for path in others)
