"""ALP305 holds a loop API's name to event loops: a receiver the module binds only to an
instance of another class (async-kernel's ``Caller``, whose ``call_soon`` awaits coroutine
functions) is left alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import check_path, write

TEMPLATE = """\
import asyncio

from kernel import Caller


async def job():
    return 2


{binding}


async def test_it({params}):
    {receiver}.call_soon(job)
"""


@pytest.mark.parametrize(
    "binding, params, receiver, reported",
    [
        ("", "", "asyncio.get_running_loop()", True),
        ("", "loop", "loop", True),
        ("caller = Caller()", "", "caller", False),
        ("caller = None\ncaller = Caller()", "", "caller", False),
        ("", "caller: Caller", "caller", False),
        # also bound to a loop somewhere: it may be one
        ("caller = Caller()\ncaller = asyncio.get_event_loop()", "", "caller", True),
        ("", "caller: asyncio.AbstractEventLoop", "caller", True),
        ("", "caller", "caller", True),
    ],
)
def test_a_receiver_of_another_class(
    binding: str, params: str, receiver: str, reported: bool, tmp_path: Path
) -> None:
    source = TEMPLATE.format(binding=binding, params=params, receiver=receiver)
    path = write(tmp_path / "test_a.py", source)
    found = [code for _, _, code in check_path(path) if code == "ALP305"]
    assert found == (["ALP305"] if reported else [])
