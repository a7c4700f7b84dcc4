"""ALP305 holds a loop API's name to event loops: a receiver the module binds only to an
instance of another class (async-kernel's ``Caller``, whose ``call_soon`` awaits coroutine
functions) is left alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import check_path, write

TEMPLATE = """\
import asyncio

import pytest
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
        # kafka-python: a parameter named for a fixture that gives another class's instance
        ("@pytest.fixture\ndef caller():\n    return Caller()", "caller", "caller", False),
        (
            "@pytest.fixture\ndef caller():\n    made = Caller()\n    yield made",
            "caller",
            "caller",
            False,
        ),
        (
            "@pytest.fixture\ndef caller():\n    return asyncio.new_event_loop()",
            "caller",
            "caller",
            True,
        ),
        ("@pytest.fixture\ndef caller():\n    return make()", "caller", "caller", True),
    ],
)
def test_a_receiver_of_another_class(
    binding: str, params: str, receiver: str, reported: bool, tmp_path: Path
) -> None:
    source = TEMPLATE.format(binding=binding, params=params, receiver=receiver)
    path = write(tmp_path / "test_a.py", source)
    found = [code for _, _, code in check_path(path) if code == "ALP305"]
    assert found == (["ALP305"] if reported else [])


def test_a_parameter_named_for_a_conftest_fixture_of_another_class(tmp_path: Path) -> None:
    write(
        tmp_path / "conftest.py",
        "import pytest\nfrom kafka.net.selector import NetworkSelector\n\n\n"
        "@pytest.fixture\ndef net():\n    return NetworkSelector()\n",
    )
    source = TEMPLATE.format(binding="", params="net", receiver="net")
    path = write(tmp_path / "test_a.py", source)
    assert [code for _, _, code in check_path(path) if code == "ALP305"] == []
