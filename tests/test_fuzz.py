"""Fuzzing: generated modules never crash a rule, and fixing them is sound (and the same
whether the fixer edits runs of statements or the whole module).

Two sources: hypothesmith's arbitrary valid Python, and modules assembled from a small
grammar of pytest/asyncio constructs (the code this linter actually meets). The example
counts are small by default; raise them with ASYNCLOOP_FUZZ_EXAMPLES for a long run.
"""

from __future__ import annotations

import ast
import os
from typing import List

import hypothesmith
import libcst
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support import assert_runs_fix_as_the_whole_module

from flake8_asyncloop.analysis.testcode import is_test_file
from flake8_asyncloop.context.model import DEFAULT_CONTEXT
from flake8_asyncloop.engine import Engine, worth_checking
from flake8_asyncloop.findings import Finding
from flake8_asyncloop.rules import ALL_RULES

# Generated code may be odd enough for Python to warn while parsing it (``1()``).
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::SyntaxWarning")]

EXAMPLES = int(os.environ.get("ASYNCLOOP_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large
    ],
)
ENGINE = Engine(ALL_RULES)

# -- a grammar of the constructs test suites are made of -------------------------------------
ALL_IMPORTS = (
    "import asyncio",
    "import asyncio as aio",
    "from asyncio import get_event_loop, new_event_loop, run",
    "import pytest",
    "import pytest_asyncio",
    "import pytest_asyncio as pa",
    "from pytest import fixture, mark",
    "import unittest",
    "import contextlib",
    "import aiohttp",
    "import httpx",
    "from sqlalchemy.ext.asyncio import create_async_engine",
)
DECORATORS = st.sampled_from(
    [
        "",
        "@pytest.mark.asyncio\n",
        "@pytest.mark.asyncio(loop_scope='module')\n",
        "@pytest.mark.asyncio(scope='module')\n",
        "@pytest.mark.asyncio('session')\n",
        "@pytest.fixture\n",
        "@pytest.fixture(scope='session')\n",
        "@pytest_asyncio.fixture(scope='module', loop_scope='function')\n",
        "@pa.fixture\n",
        "@fixture(name='event_loop')\n",
        "@pytest.mark.anyio\n",
        "@mark.parametrize('x', [1, 2])\n",
    ]
)
STATEMENTS = st.sampled_from(
    [
        "loop = asyncio.get_event_loop()",
        "loop = aio.new_event_loop()",
        "loop = asyncio.get_running_loop()",
        "loop.close()",
        "asyncio.get_event_loop().close()",
        "asyncio.set_event_loop(loop)",
        "asyncio.set_event_loop_policy(None)",
        "result = loop.run_until_complete(asyncio.sleep(0))",
        "asyncio.run(helper())",
        "run(helper())",
        "helper()",
        "assert helper()",
        "x = helper()",
        "await helper()",
        "task = asyncio.create_task(helper())",
        "asyncio.ensure_future(helper())",
        "loop.create_task(helper())",
        "loop.call_soon(helper)",
        "q = asyncio.Queue(loop=loop)",
        "await asyncio.sleep(0, loop=loop)",
        "lock = asyncio.Lock()",
        "yield loop",
        "yield",
        "return loop",
        "event_loop.close()",
        "request.getfixturevalue('event_loop')",
        "session = aiohttp.ClientSession()",
        # Engines and clients bound to no loop, through names (named_values).
        "engine = create_async_engine(DATABASE_URL)",
        "engine = create_async_engine(event_loop)",
        "transport = httpx.ASGITransport(app=None)",
        "client = httpx.AsyncClient(transport=transport)",
        "return httpx.AsyncClient(transport=request)",
        "loop = asyncio.get_event_loop() if _IS_SYNC else asyncio.new_event_loop()",
        "async with asyncio.TaskGroup() as tg:\n        tg.create_task(helper())",
        "with contextlib.suppress(Exception):\n        loop.close()",
        "def inner():\n        asyncio.get_event_loop()",
        "f = lambda: asyncio.get_event_loop()",
        # Branches the walk skips (static_branches): a literal test, a module flag, a probe.
        "if True:\n        loop.close()\n    else:\n        asyncio.get_event_loop()",
        "if not _IS_SYNC:\n        await helper()\n    else:\n        helper()",
        "try:\n        runner = asyncio.run\n"
        "    except AttributeError:\n        loop = asyncio.new_event_loop()",
        "pass",
    ]
)
NAMES = st.sampled_from(
    ["test_one", "test_two", "event_loop", "event_loop_policy", "helper", "fixture_value", "setUp"]
)
PARAMS = st.sampled_from(["", "event_loop", "request", "self", "self, event_loop", "anyio_backend"])


@st.composite
def functions(draw, indent: str = "") -> str:
    is_async = draw(st.booleans())
    body = draw(st.lists(STATEMENTS, min_size=1, max_size=6))
    if not is_async:
        body = [s for s in body if "await" not in s and "async with" not in s] or ["pass"]
    head = f"{draw(DECORATORS)}{'async ' if is_async else ''}def {draw(NAMES)}({draw(PARAMS)}):\n"
    lines = (head + "\n".join("    " + s for s in body)).splitlines()
    return "\n".join(indent + line for line in lines) + "\n"


@st.composite
def suite_modules(draw) -> str:
    # Every name the grammar uses is imported, in a drawn order: a fix that adds an import must
    # not be what makes an unresolved name (and so a new finding) appear.
    parts: List[str] = ["\n".join(draw(st.permutations(ALL_IMPORTS))) + "\n"]
    parts.append(draw(st.sampled_from(["", "_IS_SYNC = False", "_IS_SYNC = True"])))
    parts.append(draw(st.sampled_from(["", 'DATABASE_URL = "sqlite+aiosqlite://"'])))
    module_level = STATEMENTS.filter(
        lambda s: "await" not in s
        and "yield" not in s
        and "return" not in s
        and "async with" not in s
        and "else:" not in s
        and "except" not in s  # their indentation is a function body's
    )
    parts += draw(st.lists(module_level, max_size=2))
    parts.append("")
    for function in draw(st.lists(functions(), min_size=1, max_size=5)):
        parts.append(function)
    if draw(st.booleans()):
        base = draw(
            st.sampled_from(["", "unittest.TestCase", "unittest.IsolatedAsyncioTestCase", "Base"])
        )
        methods = draw(st.lists(functions(indent="    "), min_size=1, max_size=3))
        parts.append(f"class TestThing({base}):\n" + "".join(methods))
    if draw(st.booleans()):
        marks = [
            "pytest.mark.asyncio", "[pytest.mark.asyncio(loop_scope='module')]", "pytest.mark.anyio"
        ]
        parts.append("pytestmark = " + draw(st.sampled_from(marks)))
    return "\n".join(parts) + "\n"


def _check(source: str, filename: str) -> List[Finding]:
    tree = ast.parse(source)
    findings, errors = ENGINE.check(tree, filename)
    assert not errors, errors
    return findings


@FUZZ
@given(source=hypothesmith.from_grammar())
def test_arbitrary_python_never_crashes_a_rule(source: str) -> None:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return  # hypothesmith can produce code the running Python rejects
    _check(source, "test_generated.py")
    _check(source, "generated.py")


@FUZZ
@given(source=suite_modules())
def test_test_like_modules_never_crash_a_rule(source: str) -> None:
    try:
        ast.parse(source)
    except SyntaxError:
        return  # e.g. `yield` inside an async def that the grammar made a test
    findings = _check(source, "test_generated.py")
    for finding in findings:
        assert 1 <= finding.line <= source.count("\n") + 1
    _check(source, "conftest.py")


@FUZZ
@given(source=suite_modules())
def test_skipping_by_the_text_changes_no_finding(source: str) -> None:
    """The text gates (``worth_checking``, ``trigger_words``, ``applies_to``) only leave out
    what would report nothing. These modules always say ``async``: the word itself is
    tested in ``test_text_gates.py``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    for filename in ("test_generated.py", "conftest.py", "generated.py"):
        everything, errors = ENGINE.check(tree, filename)
        gated, gated_errors = ENGINE.check(tree, filename, source=source)
        assert not errors and not gated_errors
        assert gated == everything
        test_code = is_test_file(filename, DEFAULT_CONTEXT.config.python_files)
        if not worth_checking(source, test_code):
            assert everything == []


def _fix_sound(source: str) -> None:
    from flake8_asyncloop.fixer import fix_source

    check = lambda text: _check(text, "test_generated.py")  # noqa: E731
    before = {f.code for f in check(source)}
    result = fix_source(source, check, unsafe=True)
    ast.parse(result.source)
    libcst.parse_module(result.source)
    again = fix_source(result.source, check, unsafe=True)
    assert again.source == result.source, "a second fix changed the file again"
    introduced = {f.code for f in check(result.source)} - before
    assert not introduced, f"fix introduced {introduced}"


@FUZZ
@given(source=suite_modules())
# ALP107's fix took away the ``loop=`` that ALP102 had counted as handing the loop on.
@example(
    source="import asyncio\nimport asyncio as aio\nimport pytest\nimport pytest_asyncio\n\n\n"
    "@pytest.fixture(scope='session')\nasync def test_one():\n    loop = aio.new_event_loop()\n"
    "    q = asyncio.Queue(loop=loop)\n"
)
# ALP203 dropped the event_loop parameter of a test that also called getfixturevalue on it:
# the call would then set the fixture up inside the running test (ALP103).
@example(
    source="import asyncio\nimport pytest\n\n\n"
    "async def test_one(event_loop, request):\n    request.getfixturevalue('event_loop')\n\n"
    "class TestThing():\n    @pytest.fixture\n    async def event_loop():\n        pass\n"
)
# ALP201 deleted an override that shadowed a test of the same name, bringing it back (ALP203).
@example(
    source="import asyncio\nimport pytest\nfrom pytest import fixture\n\n\n"
    "def test_one(event_loop):\n    pass\n\n@fixture(name='event_loop')\ndef test_one():\n"
    "    loop = asyncio.new_event_loop()\n"
)
# ALP201 deleted an override a sync test still asked for through getfixturevalue (ALP203).
@example(
    source="import asyncio\nimport pytest\nfrom pytest import fixture\n\n\n"
    "class TestThing():\n    @fixture(name='event_loop')\n    def test_one():\n"
    "        loop = asyncio.new_event_loop()\n    def test_two():\n"
    "        request.getfixturevalue('event_loop')\n"
)
def test_fixing_test_like_modules_is_sound(source: str) -> None:
    try:
        ast.parse(source)
    except SyntaxError:
        return
    _fix_sound(source)


@FUZZ
@given(source=suite_modules())
def test_fixing_by_runs_gives_what_fixing_the_whole_module_gives(source: str) -> None:
    try:
        ast.parse(source)
    except SyntaxError:
        return
    fixes = [
        f.fix
        for f in _check(source, "test_generated.py")
        if f.fix is not None and (f.fix.edits or f.fix.imports)
    ]
    assert_runs_fix_as_the_whole_module(source, fixes)
