"""A def nested in a test and never called makes no coroutine; one that is called does.

silkworm-rs keeps the calls a type checker should read in a nested def that its test only
passes to ``callable()``: the body never runs, so no coroutine is ever made.
"""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from support import check_path, write

SOURCE = """\
async def crawl(url):
    return url


def test_crawl():
    def type_check_only():
        _ = crawl("https://example.org")
{use}
"""


@pytest.mark.parametrize(
    ("use", "reported"),
    [
        ("    assert callable(type_check_only)", []),
        ("    pass", []),
        ("    type_check_only()", [7]),
        ("    assert callable(type_check_only)\n    type_check_only()", [7]),
        ("    callbacks = [type_check_only]", [7]),
        ("    loop.call_soon(type_check_only)", [7]),
    ],
)
def test_alp301_skips_a_nested_def_that_never_runs(
    tmp_path: Path, use: str, reported: List[int]
) -> None:
    path = write(tmp_path / "test_typing.py", SOURCE.format(use=use))
    assert [line for line, _, code in check_path(path) if code == "ALP301"] == reported


def test_a_decorated_nested_def_may_run(tmp_path: Path) -> None:
    source = SOURCE.replace("    def type_check_only", "    @register\n    def type_check_only")
    path = write(tmp_path / "test_typing.py", source.format(use="    pass"))
    assert [line for line, _, code in check_path(path) if code == "ALP301"] == [8]
