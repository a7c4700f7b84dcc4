"""A call that cannot bind its arguments raises TypeError before any coroutine exists:
ALP301 does not report it as a coroutine never awaited."""

from __future__ import annotations

from pathlib import Path

from support import check_path, write

SOURCE = """\
import pytest


async def handle(call, span, *, flag=False):
    return call, span, flag


class Client:
    async def close(self, reason):
        return reason

    async def test_closes(self):
        self.close()
        self.close("done")


@pytest.mark.asyncio
async def test_handles():
    handle()
    handle(1)
    handle(1, 2)
    handle(1, span=2)
    handle(1, 2, 3)
    handle(*[1, 2])
    handle(1, 2, flag=True)
"""


def test_only_calls_that_bind_are_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "test_calls.py", SOURCE)
    lines = sorted(line for line, _, code in check_path(path) if code == "ALP301")
    assert lines == [14, 21, 22, 24, 25]
