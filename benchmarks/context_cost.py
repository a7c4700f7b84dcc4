"""What the project context costs per file: config discovery, the conftest chain, versions.

    python benchmarks/context_cost.py [--modules 3000] [--runs 5] [DIR]

Builds (or takes) a suite, then times ``context_for`` for every Python file in it: cold
(caches cleared first, so every config file and conftest.py is read and parsed once) and warm
(the caches filled, as for the second file of a directory and for every later file in a
run). Prints the median per-file cost of each and the deepest conftest chain seen, next to
the median ``ast.parse`` time per file of the same files for scale.
"""

from __future__ import annotations

import argparse
import ast
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flake8_asyncloop.context.discovery import clear_caches, context_for  # noqa: E402


def python_files(root: Path) -> List[str]:
    return sorted(str(p) for p in root.rglob("*.py"))


def time_contexts(files: List[str], cold: bool) -> float:
    if cold:
        clear_caches()
    start = time.perf_counter()
    for path in files:
        context_for(path)
    return time.perf_counter() - start


def time_parse(files: List[str]) -> float:
    sources = [Path(p).read_text(encoding="utf-8") for p in files]
    start = time.perf_counter()
    for source in sources:
        ast.parse(source)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("directory", nargs="?", help="a suite to measure (default: generate one)")
    parser.add_argument("--modules", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        if args.directory:
            root = Path(args.directory)
        else:
            root = Path(scratch) / "suite"
            generator = Path(__file__).resolve().parent / "generate_corpus.py"
            status = os.system(
                f'"{sys.executable}" "{generator}" "{root}" --modules {args.modules} > /dev/null'
            )
            if status:
                return 1
        files = python_files(root)
        cold = [time_contexts(files, cold=True) for _ in range(args.runs)]
        time_contexts(files, cold=True)
        warm = [time_contexts(files, cold=False) for _ in range(args.runs)]
        parse = [time_parse(files) for _ in range(args.runs)]
        deepest = max(len(context_for(p).conftests) for p in files)

    count = len(files)

    def per_file(seconds: List[float]) -> float:
        return statistics.median(seconds) / count * 1e6

    print(f"{count} files, conftest chain up to {deepest} deep, median of {args.runs} runs")
    print(f"context, cold (caches cleared): {per_file(cold):8.1f} µs per file")
    print(f"context, warm (caches filled):  {per_file(warm):8.1f} µs per file")
    print(f"ast.parse of the same files:    {per_file(parse):8.1f} µs per file")
    cold_ratio = statistics.median(cold) / statistics.median(parse)
    print(f"cold context / ast.parse:       {cold_ratio:8.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
