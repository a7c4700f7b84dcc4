"""``python -m flake8_asyncloop``: the same as the ``flake8-asyncloop`` command."""

import sys

from flake8_asyncloop.cli import main

if __name__ == "__main__":
    sys.exit(main())
