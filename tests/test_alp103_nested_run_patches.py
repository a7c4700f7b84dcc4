"""ALP103 is silent in a module that patches asyncio to allow nested runs: nest_asyncio, its
fork nest_asyncio2 (nest-asyncio2's own tests import it in a def), and look-alikes that
keep its ``apply()`` (reloop)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import check_path, write

TEMPLATE = """\
import asyncio
{imports}


def test_nested():
{setup}
    async def outer():
        return asyncio.run(asyncio.sleep(0, 42))

    assert asyncio.run(outer()) == 42
"""


@pytest.mark.parametrize(
    "imports, setup, reported",
    [
        ("", "", True),
        ("import nest_asyncio", "    nest_asyncio.apply()", False),
        ("", "    import nest_asyncio2\n    nest_asyncio2.apply()", False),
        ("from nest_asyncio2 import apply", "    apply()", False),
        ("import reloop", "    reloop.apply()", False),
        ("import reloop as rl", "    rl.apply()", False),
        # an object's apply() is not a module's
        ("import pandas", "    frame = pandas.DataFrame()\n    frame.apply(len)", True),
        ("import reloop", "    reloop.revert()", True),
    ],
)
def test_a_module_that_allows_nested_runs(
    imports: str, setup: str, reported: bool, tmp_path: Path
) -> None:
    path = write(tmp_path / "test_a.py", TEMPLATE.format(imports=imports, setup=setup))
    found = [code for _, _, code in check_path(path) if code == "ALP103"]
    assert found == (["ALP103"] if reported else [])
