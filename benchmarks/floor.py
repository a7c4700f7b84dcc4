"""The floor any Python linter stands on: read each file, ast.parse it, walk it once.

    python benchmarks/floor.py PATH...
"""

from __future__ import annotations

import ast
import os
import sys
import tokenize

SKIP = {".git", ".venv", "venv", "build", "dist", "node_modules", "__pycache__", ".tox"}


def python_files(paths):
    for path in paths:
        if os.path.isfile(path):
            yield path
            continue
        for directory, subdirectories, files in os.walk(path):
            subdirectories[:] = sorted(d for d in subdirectories if d not in SKIP)
            for name in sorted(files):
                if name.endswith(".py"):
                    yield os.path.join(directory, name)


def main(paths) -> int:
    count = 0
    for path in python_files(paths):
        try:
            with tokenize.open(path) as handle:
                tree = ast.parse(handle.read())
        except (SyntaxError, UnicodeDecodeError, ValueError, OSError):
            continue
        for _ in ast.walk(tree):
            pass
        count += 1
    print(f"{count} files", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
