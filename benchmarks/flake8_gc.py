"""Run flake8, with this project's plugin or without it, and print the time its garbage
collections took, by generation, and the peak resident memory.

    python benchmarks/flake8_gc.py with [flake8 arguments...]
    python benchmarks/flake8_gc.py without [flake8 arguments...]

A full collection visits every object the collector tracks, flake8's and the plugin's
alike: what the plugin keeps for the whole run (its plans, its project contexts) makes
each of flake8's full collections longer, a cost that timing the plugin's own ``run()``
does not show.
"""

from __future__ import annotations

import gc
import os
import resource
import sys
import time
from typing import Dict, List

_started: Dict[int, float] = {}
COUNTS: List[int] = [0, 0, 0]
SECONDS: List[float] = [0.0, 0.0, 0.0]


def _timed(phase: str, info: Dict[str, int]) -> None:
    generation = info["generation"]
    if phase == "start":
        _started[generation] = time.perf_counter()
    else:
        COUNTS[generation] += 1
        SECONDS[generation] += time.perf_counter() - _started[generation]


def main(argv: List[str]) -> int:
    if not argv or argv[0] not in ("with", "without"):
        raise SystemExit(__doc__)
    mode, arguments = argv[0], argv[1:]
    if mode == "without":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import flake8_without_plugin  # noqa: F401  (leaves the plugin out as it is imported)
    from flake8.main import cli

    gc.callbacks.append(_timed)
    try:
        status = cli.main(arguments)
    except SystemExit as leaving:
        status = leaving.code if isinstance(leaving.code, int) else 1
    gc.callbacks.remove(_timed)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    by_generation = ", ".join(
        f"gen{g} {COUNTS[g]} in {SECONDS[g]:.2f} s" for g in range(3)
    )
    print(f"{mode} the plugin: collections {by_generation}; peak {peak:.1f} MiB", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
