"""Time each rule's handlers over a corpus, to find the expensive ones.

    python benchmarks/rule_costs.py PATH... [--top 15]

Every handler of every rule is wrapped in a timer, so the totals include the timers' own
cost (the same for every call): read the ranking and the call counts, not the seconds. The
walk itself (scope bookkeeping, dispatch) is the rest of the engine's time.
"""

from __future__ import annotations

import argparse
import ast
import collections
import sys
import time
import tokenize
from pathlib import Path
from typing import Callable, Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

from floor import python_files  # noqa: E402

from flake8_asyncloop.analysis.testcode import is_test_file  # noqa: E402
from flake8_asyncloop.context.discovery import context_for  # noqa: E402
from flake8_asyncloop.engine import Engine, worth_checking  # noqa: E402
from flake8_asyncloop.rules import ALL_RULES  # noqa: E402

seconds: Dict[Tuple[str, str], float] = collections.defaultdict(float)
calls: Dict[Tuple[str, str], int] = collections.defaultdict(int)


def _timed(code: str, name: str, method: Callable) -> Callable:
    key = (code, name)
    clock = time.perf_counter

    def wrapper(self, node):
        start = clock()
        try:
            return method(self, node)
        finally:
            seconds[key] += clock() - start
            calls[key] += 1

    return wrapper


def instrument() -> None:
    for rule in ALL_RULES:
        for kind, node_types in rule.handlers().items():
            for node_type in node_types:
                name = f"{kind}_{node_type}"
                setattr(rule, name, _timed(rule.code, name, getattr(rule, name)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    instrument()
    engine = Engine(ALL_RULES)
    walked = 0
    start = time.perf_counter()
    for path in python_files(args.paths):
        try:
            with tokenize.open(path) as handle:
                source = handle.read()
            tree = ast.parse(source)
        except (SyntaxError, UnicodeDecodeError, ValueError, OSError):
            continue
        project = context_for(path)
        if not worth_checking(source, is_test_file(path, project.config.python_files)):
            continue
        engine.check(tree, path, project, source=source)  # as the plugin and the command do
        walked += 1
    total = time.perf_counter() - start
    per_rule: Dict[str, float] = collections.defaultdict(float)
    for (code, _), spent in seconds.items():
        per_rule[code] += spent
    print(f"{walked} files walked in {total:.2f}s (parse, walk and handlers, timers included)")
    print("\nper rule:")
    for code, spent in sorted(per_rule.items(), key=lambda item: -item[1]):
        print(f"  {code:<8} {spent:7.3f}s")
    print(f"\ntop {args.top} handlers:")
    ranked: List[Tuple[Tuple[str, str], float]] = sorted(seconds.items(), key=lambda item: -item[1])
    for (code, name), spent in ranked[: args.top]:
        print(f"  {code:<8} {name:<28} {spent:7.3f}s  {calls[(code, name)]:>9} calls")


if __name__ == "__main__":
    main()
