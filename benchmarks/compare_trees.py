"""Compare the plugin's in-process cost between checkouts of the project, on one corpus.

    python benchmarks/compare_trees.py CORPUS TREE [TREE ...] [--rounds 5]

Each TREE is a directory holding a ``flake8_asyncloop`` package (a checkout, or a
``git worktree add`` of another commit). Every round runs each tree once, in a fresh
process, alternating, so that the machine's load falls on all of them alike; for each tree
the best round is printed: the seconds of the plugin over every file and of ``ast.parse``
of the same files, file by file (``run.py``'s in-process line).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

HERE = Path(__file__).resolve().parent


def measure(tree: str, corpus: str) -> Tuple[float, float]:
    """(plugin seconds, ast.parse seconds) for ``tree``'s package, measured in this process
    by ``run.py``'s in-process line."""
    sys.path.insert(0, tree)
    sys.path.insert(0, str(HERE))
    import flake8_asyncloop
    from run import in_process_plugin_cost

    if not Path(flake8_asyncloop.__file__).resolve().is_relative_to(Path(tree).resolve()):
        raise SystemExit(f"{tree}: imported {flake8_asyncloop.__file__} instead")
    _, _, parse, plugin = in_process_plugin_cost(Path(corpus))
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
        print(f"{tree}: plugin {plugin:.2f}s, ast.parse {parse:.2f}s, {ratio:.2f}x")


if __name__ == "__main__":
    main()
