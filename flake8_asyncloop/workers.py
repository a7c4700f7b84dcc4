"""Checking files in a pool of processes, for ``--jobs N``.

Workers receive paths, not sources, and chunks of them at a time; each builds its own
``Runner`` (its engine, and its project contexts, cached per process as in a single run) and
stores what it computes in the result cache itself. Results come back in the order of the
paths, so the output is the same as with one job.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Iterator, Optional, Sequence, Tuple, Type

if TYPE_CHECKING:
    from flake8_asyncloop.rule import Rule
    from flake8_asyncloop.runner import FileResult, Runner
    from flake8_asyncloop.settings import Settings

# Below this many files per job, starting the workers and building their contexts costs more
# than it saves (measured: a forked worker is ready in a few milliseconds, a file takes one to
# ten; see benchmarks/README.md).
MIN_FILES_PER_JOB = 8
CHUNKS_PER_JOB = 8  # small enough to balance the load, large enough to keep messages few
MAX_CHUNK = 32


def default_jobs() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def worth_a_pool(files: int, jobs: int) -> bool:
    return jobs > 1 and files >= MIN_FILES_PER_JOB * jobs


def pooled_results(
    runner: "Runner", paths: Sequence[str], mode: str, unsafe: bool
) -> Iterator["FileResult"]:
    jobs = min(runner.jobs, len(paths))
    chunk = max(1, min(MAX_CHUNK, len(paths) // (jobs * CHUNKS_PER_JOB)))
    cache = runner.cache
    setup = (
        runner.settings,
        runner.engine.rules,
        None if cache is None else cache.directory,
    )
    with _context().Pool(jobs, initializer=_start_worker, initargs=setup) as pool:
        yield from pool.imap(_work, [(path, mode, unsafe) for path in paths], chunk)


def _context() -> Any:
    import multiprocessing  # here: a run without a pool never pays for importing it

    # Forking is the cheapest start (the parent has imported everything already) and is safe
    # here: the parent runs no threads. Elsewhere the platform's default is used.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


_runner: Optional["Runner"] = None


def _start_worker(
    settings: "Settings", rules: Tuple[Type["Rule"], ...], cache_dir: Optional[str]
) -> None:
    from flake8_asyncloop.runner import Runner

    global _runner
    _runner = Runner(settings, rules, jobs=1, cache_dir=cache_dir)


def _work(task: Tuple[str, str, bool]) -> "FileResult":
    assert _runner is not None
    path, mode, unsafe = task
    return _runner.result(path, mode, unsafe)
