"""Imports the fixes left unused are removed; anything else is left as it was."""

from __future__ import annotations

import pytest

from flake8_asyncloop.fixer.unused_imports import drop_imports_made_unused

CLOSES = "def test_x():\n    asyncio.get_event_loop().close()\n"
PASSES = "def test_x():\n    pass\n"


@pytest.mark.parametrize(
    "before, after, expected",
    [
        # the only use went: the import goes, with the blank lines that set it apart
        ("import asyncio\n\n\n" + CLOSES, "import asyncio\n\n\n" + PASSES, PASSES),
        (
            '"""Tests."""\n\nimport asyncio\n\nimport pytest\n\n\n@pytest.mark.x\n' + CLOSES,
            '"""Tests."""\n\nimport asyncio\n\nimport pytest\n\n\n@pytest.mark.x\n' + PASSES,
            '"""Tests."""\n\nimport pytest\n\n\n@pytest.mark.x\n' + PASSES,
        ),
        # two blank lines above a def stay two
        (
            "import os\n\nimport pytest\n\n\n@pytest.fixture\ndef f():\n    return os.sep\n",
            "import os\n\nimport pytest\n\n\ndef f():\n    return os.sep\n",
            "import os\n\n\ndef f():\n    return os.sep\n",
        ),
        # one name of several
        (
            "from asyncio import get_event_loop, sleep\n\nx = get_event_loop, sleep\n",
            "from asyncio import get_event_loop, sleep\n\nx = sleep\n",
            "from asyncio import sleep\n\nx = sleep\n",
        ),
        (
            "import pytest_asyncio as pa\nx = pa\n",
            "import pytest_asyncio as pa\nx = 1\n",
            "x = 1\n",
        ),
        # an attribute of that name is no use of it
        (
            "import asyncio\n\nimport pytest\n\n\n@pytest.mark.asyncio\nasync def test_x():\n"
            "    asyncio.get_event_loop()\n",
            "import asyncio\n\nimport pytest\n\n\n@pytest.mark.asyncio\nasync def test_x():\n"
            "    pass\n",
            "import pytest\n\n\n@pytest.mark.asyncio\nasync def test_x():\n    pass\n",
        ),
        # a form feed is not a line break for Python
        (
            "import os\nimport asyncio\n\x0c\nx = os, asyncio\n",
            "import os\nimport asyncio\n\x0c\nx = os\n",
            "import os\n\x0c\nx = os\n",
        ),
        (
            "import asyncio\r\nimport os\r\n\r\nx = os, asyncio\r\n",
            "import asyncio\r\nimport os\r\n\r\nx = os\r\n",
            "import os\r\n\r\nx = os\r\n",
        ),
        # nothing left at all
        ("import asyncio\n\nasyncio.run\n", "import asyncio\n\n", ""),
        ("x = 1\n\nimport asyncio\nasyncio.run\n", "x = 1\n\nimport asyncio\n", "x = 1\n"),
    ],
)
def test_an_import_the_fixes_left_unused_is_removed(before, after, expected) -> None:
    assert drop_imports_made_unused(before, after) == expected


@pytest.mark.parametrize(
    "before, after",
    [
        ("import asyncio\n\n\n" + PASSES, "import asyncio\n\n\n" + PASSES),  # unused already
        ("import asyncio\n" + CLOSES, "import asyncio\n# asyncio is imported for\n" + PASSES),
        ("import asyncio\n" + CLOSES, 'import asyncio\n__all__ = ["asyncio"]\n' + PASSES),
        ("import asyncio  # noqa: F401\n" + CLOSES, "import asyncio  # noqa: F401\n" + PASSES),
        ("import aiohttp\nx = aiohttp\n", "import aiohttp\nx = 1\n"),  # not ours to judge
        ("from . import helpers\nx = helpers\n", "from . import helpers\nx = 1\n"),
        (
            "from __future__ import annotations\nx: annotations\n",
            "from __future__ import annotations\nx = 1\n",
        ),
        (
            "from asyncio import (\n    sleep,\n)\nx = sleep\n",
            "from asyncio import (\n    sleep,\n)\nx = 1\n",
        ),
        ("import os; x = os\n", "import os; x = 1\n"),  # more than the import on the line
        ("if True:\n    import os\nx = os\n", "if True:\n    import os\nx = 1\n"),
        ("from asyncio import *\nx = sleep\n", "from asyncio import *\nx = 1\n"),
    ],
)
def test_anything_else_is_left_alone(before, after) -> None:
    assert drop_imports_made_unused(before, after) == after


def test_source_that_does_not_parse_is_returned_as_it_is() -> None:
    broken = "import os\ndef (:\n"
    assert drop_imports_made_unused("import os\nos\n", broken) == broken
