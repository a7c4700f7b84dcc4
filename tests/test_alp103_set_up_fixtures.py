"""ALP103 leaves ``getfixturevalue`` alone where pytest set the fixture up before the body
ran: it then hands back the cached value and runs no loop (aiodabpumps)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import check_path, write

FIXTURES = """\
import pytest
import pytest_asyncio


@pytest_asyncio.fixture{autouse}
async def context():
    yield {{}}


@pytest.fixture
def session(context):
    return context

"""

FETCH = """\
    context = request.getfixturevalue("context")
    assert context is not None
"""


@pytest.mark.parametrize(
    "autouse, test, reported",
    [
        ("", '@pytest.mark.asyncio\nasync def test_it(request):\n', True),
        (
            "",
            '@pytest.mark.asyncio\n@pytest.mark.usefixtures("context")\n'
            "async def test_it(request):\n",
            False,
        ),
        (
            "",
            'pytestmark = pytest.mark.usefixtures("other", "context")\n\n\n'
            "@pytest.mark.asyncio\nasync def test_it(request):\n",
            False,
        ),
        (
            "",
            'class TestIt:\n    pytestmark = [pytest.mark.usefixtures("context")]\n\n'
            "    @pytest.mark.asyncio\n    async def test_it(self, request):\n",
            False,
        ),
        (
            "",
            '@pytest.mark.usefixtures("context")\nclass TestIt:\n'
            "    @pytest.mark.asyncio\n    async def test_it(self, request):\n",
            False,
        ),
        # another name in usefixtures sets up nothing of this one
        (
            "",
            '@pytest.mark.asyncio\n@pytest.mark.usefixtures("other")\n'
            "async def test_it(request):\n",
            True,
        ),
        ("(autouse=True)", '@pytest.mark.asyncio\nasync def test_it(request):\n', False),
        ("", '@pytest.mark.asyncio\nasync def test_it(request, session):\n', False),
    ],
)
def test_getfixturevalue_of_a_fixture_set_up_before_the_test(
    autouse: str, test: str, reported: bool, tmp_path: Path
) -> None:
    body = FETCH if "class " not in test else "".join(
        "    " + line + "\n" for line in FETCH.splitlines()
    )
    source = FIXTURES.format(autouse=autouse) + test + body
    path = write(tmp_path / "test_a.py", source)
    found = [code for _, _, code in check_path(path)]
    assert found == (["ALP103"] if reported else [])
