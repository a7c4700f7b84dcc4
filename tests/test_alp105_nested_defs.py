"""ALP105 follows a def nested in a sync test into the test only when the test calls it."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import check_path, write

TEMPLATE = """\
import asyncio
import threading


def test_server():
    def serve():
        return asyncio.get_event_loop()

{use}
"""


@pytest.mark.parametrize(
    "use, reported",
    [
        ("    serve()", True),
        ("    assert serve() is not None", True),
        (
            "    thread = threading.Thread(target=serve)\n    thread.start()\n    thread.join()",
            False,
        ),
        ("    callbacks = [serve]\n    assert callbacks", False),
    ],
)
def test_a_nested_def_counts_where_the_test_calls_it(use: str, reported: bool, tmp_path) -> None:
    path = write(Path(tmp_path) / "test_a.py", TEMPLATE.format(use=use))
    found = [(line, code) for line, _, code in check_path(path) if code == "ALP105"]
    assert found == ([(7, "ALP105")] if reported else [])
