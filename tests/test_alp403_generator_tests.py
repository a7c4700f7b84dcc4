"""A test written as a generator-based coroutine (``yield from client.get()``, Python
3.4's kind) is one pytest refuses to collect: "'yield' keyword is allowed in fixtures, but
not in tests" fails its whole module. ALP403's advice, to drop the asyncio mark, would not
make it run, so the rule leaves it alone (aipfs, aiodcard); a plain sync test under the
same mark is still reported."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from support import check_path, write

SOURCE = """\
import pytest

{module_mark}

{decorator}
def test_wantlist(client):
    {body}
"""


@pytest.mark.parametrize(
    ("module_mark", "decorator", "body", "reported"),
    [
        ("", "@pytest.mark.asyncio", "yield from client.wantlist()", []),
        ("", "@pytest.mark.asyncio", "result = yield client.wantlist()", []),
        ("pytestmark = pytest.mark.asyncio", "", "yield from client.wantlist()", []),
        ("", "@pytest.mark.asyncio", "client.wantlist()", [5]),
        ("pytestmark = pytest.mark.asyncio", "", "client.wantlist()", [6]),
    ],
)
def test_alp403_leaves_a_generator_test_alone(
    tmp_path: Path, module_mark: str, decorator: str, body: str, reported: List[int]
) -> None:
    source = SOURCE.format(module_mark=module_mark, decorator=decorator, body=body)
    path = write(tmp_path / "test_bitswap.py", source)
    assert [line for line, _, code in check_path(path) if code == "ALP403"] == reported
