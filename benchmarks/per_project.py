"""The in-process plugin cost against ``ast.parse``, project by project.

    python benchmarks/per_project.py path/to/projects     # one subdirectory per project

A corpus-wide ratio is weighted towards its largest projects. This prints, for each
subdirectory of the given directory, the time of ``AsyncLoopChecker(...).run()`` over its
Python files against the time of ``ast.parse`` of the same files, each file measured
``--rounds`` times and its best round kept, so a small project's fixed costs (its project
context, read once; the first file of each rule set) show where a large project hides them.
Projects are measured in name order in one process: the first pays the imports.
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
import tokenize
from pathlib import Path
from typing import List, Tuple

HERE = Path(__file__).resolve().parent


def project_cost(project: Path, rounds: int) -> Tuple[int, float, float]:
    """(lines, ast.parse seconds, plugin seconds) over the project's Python files."""
    sys.path.insert(0, str(HERE))
    from floor import python_files

    from flake8_asyncloop.plugin import AsyncLoopChecker

    lines = 0
    parse_time = plugin_time = 0.0
    for path in python_files([str(project)]):
        try:
            with tokenize.open(path) as handle:
                source = handle.read()
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        text_lines = source.splitlines(True)
        best_parse = best_plugin = float("inf")
        try:
            for _ in range(rounds):
                start = time.perf_counter()
                tree = ast.parse(source)
                parsed = time.perf_counter()
                for _finding in AsyncLoopChecker(tree, path, text_lines).run():
                    pass
                done = time.perf_counter()
                best_parse = min(best_parse, parsed - start)
                best_plugin = min(best_plugin, done - parsed)
        except (SyntaxError, ValueError, RecursionError):
            continue
        lines += len(text_lines)
        parse_time += best_parse
        plugin_time += best_plugin
    return lines, parse_time, plugin_time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path, help="a directory of projects")
    parser.add_argument("--rounds", type=int, default=2, help="measurements per file")
    args = parser.parse_args()
    rows: List[Tuple[float, str, int, float, float]] = []
    for project in sorted(p for p in args.directory.iterdir() if p.is_dir()):
        lines, parse_time, plugin_time = project_cost(project, args.rounds)
        if parse_time:
            rows.append((plugin_time / parse_time, project.name, lines, parse_time, plugin_time))
    total_parse = sum(row[3] for row in rows)
    total_plugin = sum(row[4] for row in rows)
    for ratio, name, lines, parse_time, plugin_time in sorted(rows):
        print(
            f"{ratio:5.2f}x  {name:32} {lines:8,} lines  "
            f"ast.parse {parse_time:6.2f} s  plugin {plugin_time:6.2f} s"
        )
    if total_parse:
        print(f"{total_plugin / total_parse:5.2f}x  all {len(rows)} projects")


if __name__ == "__main__":
    main()
