"""Compare the plugin's in-process cost between checkouts of the project, on one corpus.

    python benchmarks/compare_trees.py CORPUS TREE [TREE ...] [--rounds 5]

Each TREE is a directory holding a ``flake8_asyncloop`` package (a checkout, or a
``git worktree add`` of another commit). Every round runs each tree once, in a fresh
process, alternating, so that the machine's load falls on all of them alike; for each tree
the best round is printed: CPU seconds of the plugin over every file and of ``ast.parse``
of the same files, file by file (as ``run.py``'s in-process line).
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
import time
import tokenize
from pathlib import Path
from typing import Dict, List, Tuple

HERE = Path(__file__).resolve().parent


def measure(tree: str, corpus: str) -> Tuple[float, float]:
    """(plugin CPU seconds, ast.parse CPU seconds) for ``tree``'s package in this process."""
    sys.path.insert(0, tree)
    sys.path.insert(0, str(HERE))
    from floor import python_files

    import flake8_asyncloop
    from flake8_asyncloop.plugin import AsyncLoopChecker

    if not Path(flake8_asyncloop.__file__).resolve().is_relative_to(Path(tree).resolve()):
        raise SystemExit(f"{tree}: imported {flake8_asyncloop.__file__} instead")
    parse = plugin = 0.0
    for path in python_files([corpus]):
        try:
            with tokenize.open(path) as handle:
                source = handle.read()
            start = time.process_time()
            module = ast.parse(source)
            parsed = time.process_time()
        except (SyntaxError, UnicodeDecodeError, ValueError, OSError):
            continue
        lines = source.splitlines(True)
        start_plugin = time.process_time()
        for _ in AsyncLoopChecker(module, path, lines).run():
            pass
        plugin += time.process_time() - start_plugin
        parse += parsed - start
    return plugin, parse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus")
    parser.add_argument("trees", nargs="+")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child process: measure one tree
    args = parser.parse_args()
    if args.one:
        plugin, parse = measure(args.one, args.corpus)
        print(plugin, parse)
        return
    best: Dict[str, Tuple[float, float]] = {}
    for _ in range(args.rounds):
        for tree in args.trees:
            command: List[str] = [sys.executable, __file__, args.corpus, tree, "--one", tree]
            output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            plugin, parse = (float(x) for x in output.split())
            if tree not in best or plugin < best[tree][0]:
                best[tree] = (plugin, parse)
    for tree, (plugin, parse) in best.items():
        ratio = plugin / parse
        print(f"{tree}: plugin {plugin:.2f}s cpu, ast.parse {parse:.2f}s cpu, {ratio:.2f}x")


if __name__ == "__main__":
    main()
