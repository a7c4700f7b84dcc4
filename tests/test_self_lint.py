"""The project passes its own flake8 configuration (setup.cfg), so it stays that way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support import child_environment

ROOT = Path(__file__).resolve().parent.parent
LINTED = ("flake8_asyncloop", "tests", "benchmarks", "tools")


def test_the_project_passes_its_own_flake8_config() -> None:
    # Run from the project root so that flake8 reads setup.cfg, as a contributor's run does.
    result = subprocess.run(
        [sys.executable, "-m", "flake8", *LINTED],
        cwd=ROOT, capture_output=True, text=True, env=child_environment(), timeout=300,
    )
    assert result.stdout == "", result.stdout
    assert result.stderr == "", result.stderr
    assert result.returncode == 0
