"""Run flake8 exactly as usual but with this project's plugin left out (the benchmark's baseline).

    python benchmarks/flake8_without_plugin.py [flake8 arguments...]
"""

from __future__ import annotations

import sys

from flake8.main import cli
from flake8.plugins import finder

_find = finder._find_importlib_plugins


def _without_asyncloop():
    for plugin in _find():
        if plugin.package != "flake8-asyncloop":
            yield plugin


finder._find_importlib_plugins = _without_asyncloop

if __name__ == "__main__":
    sys.exit(cli.main(sys.argv[1:]))
