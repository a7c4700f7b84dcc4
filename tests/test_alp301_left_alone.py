"""Two calls ALP301 leaves alone.

``self.method()`` in a class whose own ``method`` is async makes a coroutine, unless a
subclass may put a plain def in its place: fasttcpapi's async ``_ClientCore`` calls
``self.connect()`` for the sync ``Client`` that derives from it, and says so by calling
``_ClientCore.connect(self)`` where it wants its own. And a coroutine of an ``async def``
that does nothing is made for the warning dropping it gives (telix's tests of that
warning): no code of it is lost."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import List

import pytest
from support import check_path, write

from flake8_asyncloop.context.discovery import context_for
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.rules import ALL_RULES

SOURCE = """\
class Core:
    async def connect(self):
        return None

    async def reconnect(self):
{reconnect}

    async def call(self):
        self.connect()
        return None
{subclass}
"""


@pytest.mark.parametrize(
    ("reconnect", "subclass", "reported"),
    [
        ("        await self.connect()", "", [9]),
        # the class names its own method where it wants it, not an override
        ("        await Core.connect(self)", "", []),
        ("        await super().connect()", "", [9]),
        # a subclass of the module puts a plain def in its place
        (
            "        pass",
            "\n\nclass Client(Core):\n    def connect(self):\n        return None",
            [],
        ),
        # a subclass whose override is async too
        (
            "        pass",
            "\n\nclass Client(Core):\n    async def connect(self):\n        return None",
            [9],
        ),
        # a plain def of another name
        ("        pass", "\n\nclass Client(Core):\n    def close(self):\n        return None", [9]),
    ],
)
def test_alp301_leaves_alone_a_method_a_subclass_may_override(
    tmp_path: Path, reconnect: str, subclass: str, reported: List[int]
) -> None:
    path = write(
        tmp_path / "client.py", SOURCE.format(reconnect=reconnect, subclass=subclass)
    )
    found = [line for line, _, code in check_path(path) if code == "ALP301"]
    assert found == reported


EMPTY_BODIES = """\
import asyncio


async def test_the_warning_is_captured():
    async def inner():
        {body}

    inner()
    await asyncio.sleep(0)
"""


@pytest.mark.parametrize(
    ("body", "reported"),
    [
        # telix: a coroutine made only for the "never awaited" warning it gives
        ("pass", []),
        ("...", []),
        ('"""Does nothing."""', []),
        ('"""Does nothing."""\n        pass', []),
        ("await asyncio.sleep(0)", [8]),
        ("return 1", [8]),
    ],
)
def test_alp301_leaves_alone_a_coroutine_that_does_nothing(
    tmp_path: Path, body: str, reported: List[int]
) -> None:
    path = write(tmp_path / "test_warning.py", EMPTY_BODIES.format(body=body))
    found = [line for line, _, code in check_path(path) if code == "ALP301"]
    assert found == reported


def test_alp301_reports_a_coroutine_that_does_nothing_outside_test_code(
    tmp_path: Path,
) -> None:
    # library code that drops one gives its users the "never awaited" warning
    path = write(tmp_path / "warning.py", EMPTY_BODIES.format(body="pass"))
    assert [line for line, _, code in check_path(path) if code == "ALP301"] == [8]


IGNORED = """\
async def sub(x):
    return x


async def flow():
    sub("a"){comment}
    return await sub("b")
"""


@pytest.mark.parametrize(
    ("comment", "reported"),
    [
        ("", [6]),
        # contraagent: the forgotten await is the sample its own checker must find
        ("  # pyright: ignore[reportUnusedCoroutine]  # the await forgotten", []),
        ("  # type: ignore[unused-coroutine]", []),
        # later: pyre's "unawaited awaitable", on the line or on a comment line above
        ("  # pyre-ignore[1001]", []),
        ("\n    # pyre-fixme[1001]: dropped on purpose\n    sub('c')", [6]),
        ("\n    x = 1  # pyre-ignore[1001]\n    sub('c')", [6, 8]),
        # another checker's other code, or our own words in a plain comment, silence nothing
        ("  # pyright: ignore[reportUnusedExpression]", [6]),
        ("  # unused coroutine", [6]),
    ],
)
def test_a_line_another_checker_is_told_to_ignore(
    tmp_path: Path, comment: str, reported: List[int]
) -> None:
    source = IGNORED.format(comment=comment)
    path = write(tmp_path / "app" / "flows.py", source)
    # the text goes with the tree, as flake8 and the command give it
    findings, errors = Engine(ALL_RULES).check(
        ast.parse(source), str(path), context_for(str(path)), source=source
    )
    assert not errors
    assert [f.line for f in findings if f.code == "ALP301"] == reported
