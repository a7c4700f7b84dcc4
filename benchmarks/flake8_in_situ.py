"""Run flake8 as usual and time, inside that one process, the plugin and flake8's own parse.

    python benchmarks/flake8_in_situ.py [flake8 arguments...]

Prints one line to stderr: the seconds spent in the plugin's ``run()`` over every file and
in flake8's ``FileProcessor.build_ast`` (its ``ast.parse``) over the same files, and their
ratio. Unlike two flake8 runs with and without the plugin, whose difference is a few
percent of flake8's own time and drowns in the machine's noise, both sides here are timed
file by file in the same minute of the same process.
"""

from __future__ import annotations

import sys
import time
from typing import Dict, Iterator

from flake8 import processor
from flake8.main import cli

from flake8_asyncloop.plugin import AsyncLoopChecker

SPENT: Dict[str, float] = {"plugin": 0.0, "parse": 0.0}

_build_ast = processor.FileProcessor.build_ast
_run = AsyncLoopChecker.run


def _timed_build_ast(self):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    try:
        return _build_ast(self)
    finally:
        SPENT["parse"] += time.perf_counter() - start


def _timed_run(self: AsyncLoopChecker) -> Iterator:
    # flake8 drains the generator at once: timing the whole of it times the plugin's work.
    start = time.perf_counter()
    results = list(_run(self))
    SPENT["plugin"] += time.perf_counter() - start
    return iter(results)


def main(argv: list) -> int:
    processor.FileProcessor.build_ast = _timed_build_ast  # type: ignore[method-assign]
    AsyncLoopChecker.run = _timed_run  # type: ignore[method-assign]
    try:
        status = cli.main(argv)
    except SystemExit as leaving:
        status = leaving.code if isinstance(leaving.code, int) else 1
    plugin, parse = SPENT["plugin"], SPENT["parse"]
    ratio = plugin / parse if parse else float("nan")
    print(f"in-situ plugin {plugin:.3f} s, flake8 ast.parse {parse:.3f} s, {ratio:.3f}x",
          file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
