"""ALP404's advice fits where the test is: a pytest test moves its setup and teardown into a
fixture; a unittest class has no fixtures, but setUp and tearDown methods (cached-property's
IsolatedAsyncioTestCase tests yield, and pass without running)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from support import write

from flake8_asyncloop.context.discovery import clear_caches, context_for
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.rules import RULES_BY_CODE

ENGINE = Engine([RULES_BY_CODE["ALP404"]])

SOURCE = """\
import unittest

import pytest


{owner}
    async def test_yields(self):
        yield 1
"""


@pytest.mark.parametrize(
    ("owner", "advice"),
    [
        ("@pytest.mark.asyncio\nclass TestPlain:", "move the setup and teardown into a fixture"),
        (
            "class TestAsync(unittest.IsolatedAsyncioTestCase):",
            "setup and teardown go in asyncSetUp() and asyncTearDown()",
        ),
        ("class TestSync(unittest.TestCase):", "setup and teardown go in setUp() and tearDown()"),
    ],
)
def test_the_advice_fits_the_class(tmp_path: Path, owner: str, advice: str) -> None:
    path = write(tmp_path / "tests" / "test_gen.py", SOURCE.format(owner=owner))
    clear_caches()
    text = path.read_text()
    found, errors = ENGINE.check(ast.parse(text), str(path), context_for(str(path)))
    assert not errors
    assert [f.code for f in found] == ["ALP404"]
    assert found[0].message.endswith(advice)
