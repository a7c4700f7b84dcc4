"""The pre-commit hooks, run by the real ``pre-commit try-repo`` and without the network.

pre-commit installs a ``language: python`` hook by making a virtualenv and running
``pip install .`` in a clone of the hook repository. Offline, pip is pointed (``PIP_NO_INDEX``,
``PIP_FIND_LINKS``) at a directory of wheels made here: setuptools, the build backend, from
the wheels virtualenv carries, and each runtime dependency packed back into a wheel from the
files of its installed distribution. The hook repository is a snapshot of the work tree, so
what is tested is the code as it is now, committed or not.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Dict, List

import pytest
from packaging.requirements import Requirement  # pytest depends on packaging
from packaging.tags import sys_tags
from packaging.utils import canonicalize_name

pytest.importorskip("pre_commit", reason="pre-commit is in the test extra")
pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "flake8-asyncloop"
# Left out of the snapshot: version control, caches and build leftovers.
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".hypothesis", ".pytest_cache", "__pycache__", "*.pyc", "*.egg-info", "build", "dist",
    ".venv", ".tox", ".nox", ".flake8-asyncloop_cache",
)
NOT_PACKED = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}

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


# -- wheels from installed distributions --------------------------------------------------------


def runtime_dependencies(project: str) -> List[metadata.Distribution]:
    """The installed distributions ``project`` needs at run time, itself excluded."""
    found: Dict[str, metadata.Distribution] = {}
    pending = _requirements(metadata.distribution(project))
    while pending:
        name = canonicalize_name(pending.pop())
        if name in found:
            continue
        try:
            found[name] = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            pytest.fail(f"{name}, needed by {project}, is not installed: cannot build its wheel")
        pending += _requirements(found[name])
    return list(found.values())


def _requirements(dist: metadata.Distribution) -> List[str]:
    names = []
    for text in dist.requires or ():
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            names.append(requirement.name)
    return names


def repack(dist: metadata.Distribution, directory: Path) -> Path:
    """A wheel holding the files ``dist`` installed (per its RECORD), scripts left out."""
    if dist.files is None:
        pytest.fail(f"{dist.metadata['Name']} has no RECORD: cannot pack it into a wheel")
    dist_info = next(f.parts[0] for f in dist.files if f.parts[0].endswith(".dist-info"))
    wheel_file = dist.read_text("WHEEL") or ""
    tags = re.findall(r"^Tag: (\S+)$", wheel_file, re.MULTILINE)
    supported = {str(tag) for tag in sys_tags()}
    tag = next((t for t in tags if t in supported), "py3-none-any")  # what this Python takes
    name = canonicalize_name(dist.metadata["Name"]).replace("-", "_")
    target = directory / f"{name}-{dist.version}-{tag}.whl"
    record = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as wheel:
        for file in dist.files:
            parts = file.parts
            if ".." in parts or "__pycache__" in parts or file.suffix == ".pyc":
                continue  # scripts and caches: pip makes its own
            if parts[0] == dist_info and parts[-1] in NOT_PACKED:
                continue
            data = Path(dist.locate_file(file)).read_bytes()
            arcname = "/".join(parts)
            wheel.writestr(arcname, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{arcname},sha256={digest.decode()},{len(data)}")
        record.append(f"{dist_info}/RECORD,,")
        wheel.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return target


def setuptools_wheel(directory: Path) -> None:
    """The build backend, for pip's isolated build of the project."""
    from virtualenv.seed.wheels.embed import get_embed_wheel

    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    embedded = get_embed_wheel("setuptools", python)
    if embedded is not None:
        shutil.copy(str(embedded.path), directory)
        return
    try:  # an older virtualenv without it: the installed setuptools (and wheel) will do
        for name in ("setuptools", "wheel"):
            repack(metadata.distribution(name), directory)
    except metadata.PackageNotFoundError as error:
        pytest.fail(f"no setuptools wheel to build the project offline: {error}")


# -- repositories --------------------------------------------------------------------------------


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=tests", "-c", "user.email=tests@example.invalid",
         "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env=_without_git_variables(),
    )


def _without_git_variables() -> Dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def snapshot(destination: Path) -> Path:
    """The project's work tree as a one-commit repository."""
    shutil.copytree(ROOT, destination, ignore=NOT_COPIED)
    git("init", "-q", cwd=destination)
    git("add", "-A", cwd=destination)
    git("commit", "-q", "-m", "snapshot", cwd=destination)
    return destination


class HookRunner:
    def __init__(self, hook_repo: Path, env: Dict[str, str]) -> None:
        self.hook_repo = hook_repo
        self.env = env

    def try_repo(self, hook_id: str, work: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(self.hook_repo), hook_id,
             "--all-files", "--color=never"],
            cwd=work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> HookRunner:
    if shutil.which("git") is None:
        pytest.fail("git is needed to run pre-commit")
    base = tmp_path_factory.mktemp("pre-commit")
    wheels = base / "wheels"
    wheels.mkdir()
    setuptools_wheel(wheels)
    for dist in runtime_dependencies(PROJECT):
        repack(dist, wheels)
    env = {k: v for k, v in _without_git_variables().items() if not k.startswith("PIP_")}
    env.update(
        PRE_COMMIT_HOME=str(base / "cache"),
        PIP_CONFIG_FILE=os.devnull,  # no index or constraints from the machine's pip config
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheels),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        VIRTUALENV_NO_PERIODIC_UPDATE="1",
    )
    return HookRunner(snapshot(base / "hook-repo"), env)


def user_repo(path: Path, files: Dict[str, str]) -> Path:
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text, encoding="utf-8")
    git("init", "-q", cwd=path)
    git("add", "-A", cwd=path)
    return path


# -- the hooks -----------------------------------------------------------------------------------


def test_check_hook_fails_on_findings_and_passes_clean_code(hooks: HookRunner, tmp_path) -> None:
    broken = user_repo(tmp_path / "broken", {"tests/test_x.py": CLOSING_TEST})
    result = hooks.try_repo("flake8-asyncloop", broken)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "tests/test_x.py:6:5: ALP101 event loop closed by hand" in result.stdout
    assert re.search(r"flake8-asyncloop\.+Failed", result.stdout)

    clean = user_repo(tmp_path / "clean", {"tests/test_x.py": CLOSING_TEST_FIXED})
    result = hooks.try_repo("flake8-asyncloop", clean)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"flake8-asyncloop\.+Passed", result.stdout)


def test_fix_hook_rewrites_the_file_and_fails_so_the_fix_is_reviewed(
    hooks: HookRunner, tmp_path
) -> None:
    repo = user_repo(tmp_path / "repo", {"tests/test_x.py": CLOSING_TEST})
    result = hooks.try_repo("flake8-asyncloop-fix", repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "files were modified by this hook" in result.stdout
    assert (repo / "tests" / "test_x.py").read_text(encoding="utf-8") == CLOSING_TEST_FIXED

    # Once the fix is in, the hook passes and leaves the file alone.
    git("add", "-A", cwd=repo)
    result = hooks.try_repo("flake8-asyncloop-fix", repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (repo / "tests" / "test_x.py").read_text(encoding="utf-8") == CLOSING_TEST_FIXED
