"""ALP203 by pytest-asyncio version: silent before 0.22, "deprecated" up to 1.0, "removed" after.

pytest-asyncio 0.22.0 (yanked) began warning when async code requests ``event_loop``; 0.23.0
is the first release with that warning still on PyPI; 1.0.0 removed the fixture.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List, Optional, Tuple

import pytest
from support import child_environment

from flake8_asyncloop.cli import main
from flake8_asyncloop.context.discovery import clear_caches, context_for
from flake8_asyncloop.context.model import ProjectContext
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.findings import Finding, Safety
from flake8_asyncloop.rules import RULES_BY_CODE

ENGINE = Engine([RULES_BY_CODE["ALP203"]])

REQUESTS = """\
import asyncio

import pytest


@pytest.mark.asyncio
async def test_async(event_loop):
    assert event_loop is asyncio.get_running_loop()


def test_sync(event_loop):
    assert event_loop.run_until_complete(asyncio.sleep(0, 1)) == 1


@pytest.mark.usefixtures("event_loop")
def test_used():
    pass


def test_by_request(request):
    assert request.getfixturevalue("event_loop") is not None
"""

ASYNC_PARAM, SYNC_PARAM, USEFIXTURES, GETFIXTUREVALUE = (7, 22), (11, 15), (15, 26), (21, 12)

DEPRECATED = (
    "ALP203 `event_loop` fixture requested: deprecated, and removed in pytest-asyncio 1.0; "
)
REMOVED = (
    "ALP203 `event_loop` fixture requested: pytest-asyncio 1.x has no such fixture "
    "(fixture 'event_loop' not found); "
)
USE_RUNNING_LOOP = "use asyncio.get_running_loop() instead"
MAKE_ASYNC = "make it async and await instead of driving a loop, or use a loop fixture of your own"
DROP_USEFIXTURE = 'drop "event_loop" from usefixtures'


def expected_messages(prefix: str) -> List[Tuple[Tuple[int, int], str]]:
    return [
        (ASYNC_PARAM, prefix + USE_RUNNING_LOOP),
        (SYNC_PARAM, prefix + MAKE_ASYNC),
        (USEFIXTURES, prefix + DROP_USEFIXTURE),
        (GETFIXTUREVALUE, prefix + MAKE_ASYNC),
    ]


def check(source: str, version: Optional[Tuple[int, ...]], tmp_path: Path) -> List[Finding]:
    path = tmp_path / "test_requests.py"
    project = ProjectContext(root=str(tmp_path), pytest_asyncio_version=version)
    found, errors = ENGINE.check(ast.parse(source), str(path), project)
    assert not errors
    return sorted(found, key=lambda f: (f.line, f.col))


def located(found: List[Finding]) -> List[Tuple[Tuple[int, int], str]]:
    return [((f.line, f.col + 1), f.text) for f in found]


# -- the message per version range ----------------------------------------------------------


@pytest.mark.parametrize("version", [(0, 17), (0, 21), (0, 21, 2)], ids=str)
def test_silent_before_the_deprecation(version, tmp_path: Path) -> None:
    assert check(REQUESTS, version, tmp_path) == []


@pytest.mark.parametrize("version", [(0, 22), (0, 23), (0, 23, 8), (0, 25, 3), (0, 26)], ids=str)
def test_deprecated_from_0_22_until_1_0(version, tmp_path: Path) -> None:
    assert located(check(REQUESTS, version, tmp_path)) == expected_messages(DEPRECATED)


@pytest.mark.parametrize("version", [(1, 0), (1, 0, 0), (1, 5, 0), None], ids=str)
def test_removed_from_1_0_and_when_the_version_is_unknown(version, tmp_path: Path) -> None:
    assert located(check(REQUESTS, version, tmp_path)) == expected_messages(REMOVED)


def test_pinned_version_reaches_the_rule_through_discovery(tmp_path: Path) -> None:
    module = tmp_path / "test_requests.py"
    module.write_text(REQUESTS, encoding="utf-8")
    for pinned, prefix in (("0.23", DEPRECATED), ("1.0", REMOVED)):
        found, _ = ENGINE.check(ast.parse(REQUESTS), str(module), context_for(str(module), pinned))
        assert located(sorted(found, key=lambda f: (f.line, f.col))) == expected_messages(prefix)
    found, _ = ENGINE.check(ast.parse(REQUESTS), str(module), context_for(str(module), "0.21"))
    assert found == []


def test_async_requester_of_the_suites_own_fixture_is_deprecated_too(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        import asyncio

        import pytest


        @pytest.fixture
        def event_loop():
            loop = asyncio.new_event_loop()
            yield loop
            loop.close()


        @pytest.mark.asyncio
        async def test_timer(event_loop):
            event_loop.call_later(10, print).cancel()


        def test_sync(event_loop):
            assert not event_loop.is_running()
        """
    )
    found = check(source, (0, 23), tmp_path)
    assert located(found) == [((14, 22), DEPRECATED + USE_RUNNING_LOOP)]
    assert found[0].fix is None  # the suite's own loop: setup order and scope may differ


# -- the fix before 1.0: only where it provably changes nothing ------------------------------


def fix_of(source: str, version: Tuple[int, ...], tmp_path: Path):
    found = check(textwrap.dedent(source), version, tmp_path)
    assert len(found) == 1, found
    return found[0].fix


MARKED_TEST = """\
import asyncio

import pytest


@pytest.mark.asyncio
async def test_executor_sum(tmp_path, event_loop):
    assert await event_loop.run_in_executor(None, sum, [1, 2]) == 3
"""


@pytest.mark.parametrize("version", [(0, 23), (0, 26, 0)], ids=str)
def test_safe_fix_for_a_marked_test_requesting_event_loop_last(version, tmp_path: Path) -> None:
    fix = fix_of(MARKED_TEST, version, tmp_path)
    assert fix is not None and fix.safety is Safety.SAFE


def test_no_fix_under_the_yanked_0_22(tmp_path: Path) -> None:
    assert fix_of(MARKED_TEST, (0, 22), tmp_path) is None


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            """
            import pytest

            @pytest.mark.asyncio
            async def test_x(event_loop, tmp_path):
                assert event_loop
            """,
            id="not-requested-last",
        ),
        pytest.param(
            """
            import pytest

            @pytest.mark.asyncio(scope="module")
            async def test_x(event_loop):
                assert event_loop
            """,
            id="wider-loop",
        ),
        pytest.param(
            """
            import pytest

            pytestmark = pytest.mark.asyncio

            async def test_x(event_loop):
                assert event_loop
            """,
            id="module-mark-only",
        ),
        pytest.param(
            """
            import pytest

            @pytest.mark.anyio
            @pytest.mark.asyncio
            async def test_x(event_loop):
                assert event_loop
            """,
            id="other-runner",
        ),
        pytest.param(
            """
            import pytest_asyncio

            @pytest_asyncio.fixture
            async def server(event_loop):
                yield event_loop
            """,
            id="async-fixture",
        ),
        pytest.param(
            """
            import pytest

            @pytest.mark.asyncio
            async def test_x(request):
                assert request.getfixturevalue("event_loop")
            """,
            id="getfixturevalue",
        ),
    ],
)
def test_no_fix_before_1_0_where_behaviour_could_change(source: str, tmp_path: Path) -> None:
    assert fix_of(source, (0, 23), tmp_path) is None


def test_fix_before_1_0_through_the_command(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    module = tmp_path / "test_sum.py"
    module.write_text(MARKED_TEST, encoding="utf-8")
    code = main(["fix", "--no-cache", "--asyncloop-pytest-asyncio-version=0.23", str(module)])
    capsys.readouterr()
    assert code == 0
    assert module.read_text(encoding="utf-8") == MARKED_TEST.replace(
        "(tmp_path, event_loop):\n",
        "(tmp_path):\n    event_loop = asyncio.get_running_loop()\n",
    )


# -- real flake8 -----------------------------------------------------------------------------


def run_flake8(tmp_path: Path, *options: str) -> List[str]:
    module = tmp_path / "test_requests.py"
    module.write_text(REQUESTS, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select=ALP203",
         "--format=%(row)d:%(col)d: %(code)s %(text)s", *options, module.name],
        cwd=tmp_path, capture_output=True, text=True, env=child_environment(),
    )
    assert result.returncode in (0, 1), result.stderr
    assert not result.stderr
    return result.stdout.splitlines()


def as_printed(messages: List[Tuple[Tuple[int, int], str]]) -> List[str]:
    return [f"{line}:{col}: {text}" for (line, col), text in messages]


def test_flake8_with_a_pinned_deprecating_version(tmp_path: Path) -> None:
    printed = run_flake8(tmp_path, "--asyncloop-pytest-asyncio-version=0.23")
    assert printed == as_printed(expected_messages(DEPRECATED))


def test_flake8_with_a_pinned_old_version(tmp_path: Path) -> None:
    assert run_flake8(tmp_path, "--asyncloop-pytest-asyncio-version=0.21") == []


def test_flake8_with_a_pinned_version_without_the_fixture(tmp_path: Path) -> None:
    printed = run_flake8(tmp_path, "--asyncloop-pytest-asyncio-version=1.0")
    assert printed == as_printed(expected_messages(REMOVED))


def test_a_parameter_the_body_also_asks_for_by_name_is_not_dropped(tmp_path: Path) -> None:
    # Without the parameter, getfixturevalue would set the fixture up inside the running test.
    source = textwrap.dedent(
        """\
        import pytest


        @pytest.mark.asyncio
        async def test_both(event_loop, request):
            request.getfixturevalue("event_loop")


        @pytest.mark.asyncio
        async def test_param_only(event_loop):
            pass
        """
    )
    fixes = {f.line: f.fix for f in check(source, (1, 0), tmp_path) if f.line in (5, 10)}
    assert fixes[5] is None
    assert fixes[10] is not None and fixes[10].description == "drop the unused event_loop parameter"


@pytest.mark.parametrize(
    ("pins", "stage"),
    [
        ("pytest-asyncio==0.21.1\n", None),  # dbus-next, python-telegram-bot: silent
        ("pytest<8\npytest-asyncio\n", "deprecated"),  # faust-streaming: at most 0.23
        ("pytest-asyncio>=0.23.7,<1.0.0\n", "deprecated"),  # biar: 1.0.0 in full
        ("pytest-asyncio>=0.23\n", "removed"),
    ],
)
def test_dependency_pins_set_the_stage(tmp_path: Path, pins: str, stage: Optional[str]) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "requirements-dev.txt").write_text(pins)
    module = tmp_path / "test_module.py"
    module.write_text(REQUESTS)
    clear_caches()
    found, errors = ENGINE.check(ast.parse(REQUESTS), str(module), context_for(str(module)))
    assert not errors
    messages = [f.message for f in found]
    if stage is None:
        assert messages == []
    elif stage == "deprecated":
        assert messages
        assert all("deprecated, and removed in pytest-asyncio 1.0" in m for m in messages)
    else:
        assert messages and all("1.x has no such fixture" in m for m in messages), messages


def test_an_explicit_version_wins_over_the_pins(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "requirements-dev.txt").write_text("pytest-asyncio==0.21.1\n")
    module = tmp_path / "test_module.py"
    module.write_text(REQUESTS)
    clear_caches()
    project = context_for(str(module), "1.5.0")
    assert project.pinned_pytest_asyncio_ceiling is None
    found, _ = ENGINE.check(ast.parse(REQUESTS), str(module), project)
    assert found


# -- a sync requester that never uses the loop ----------------------------------------------

UNUSED = """\
import asyncio

import pytest


@pytest.fixture
def dispatcher(event_loop):
    return {}


def test_current_loop(event_loop):
    assert not asyncio.get_event_loop().is_closed()
"""


@pytest.mark.parametrize(
    ("version", "safety"), [((1, 5), Safety.SAFE), ((0, 23, 8), Safety.UNSAFE)], ids=str
)
def test_an_unused_request_is_dropped(version, safety, tmp_path: Path) -> None:
    unused, relied_on = check(UNUSED, version, tmp_path)
    assert unused.text.endswith("nothing here uses it: remove the parameter")
    assert unused.fix is not None and unused.fix.safety is safety
    # get_event_loop() relies on the loop the fixture made current before 1.0
    assert relied_on.text.endswith(MAKE_ASYNC) and relied_on.fix is None


UNUSED_BY_ASYNC_TEST = """\
import pytest


@pytest.mark.asyncio
async def test_sleeps(event_loop):
    assert True
"""


def test_an_async_test_that_never_uses_the_loop_is_told_to_drop_it(tmp_path: Path) -> None:
    (finding,) = check(UNUSED_BY_ASYNC_TEST, (1, 5), tmp_path)
    assert finding.text == REMOVED + "nothing here uses it: remove the parameter"
    assert finding.fix is not None and finding.fix.safety is Safety.SAFE
