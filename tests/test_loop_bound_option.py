"""The list of loop-bound constructors, and the option that extends it.

Users add their own clients with ``--asyncloop-loop-bound-names`` (or the same key in a
``[flake8]`` config section); ALP501 and ALP502 then treat them like the built-in ones.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from support import parse_flake8, run_flake8

from flake8_asyncloop.analysis.loop_bound import (
    CREATE_FUTURE,
    binds_at_construction,
    keeps_no_connections,
    loop_bound_constructor,
)
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.options import Options
from flake8_asyncloop.rules import RULES_BY_CODE

# The client is imported by its last name only, so the file never spells "mylib.Client".
SOURCE = """\
import pytest
from mylib import Client

CLIENT = Client()


@pytest.fixture(scope="module")
def client():
    return Client()
"""
FINDINGS = [(4, 10, "ALP501"), (9, 12, "ALP502")]
# No pytest, no asyncio, no "loop": only the added name makes the file worth reading.
PLAIN_SOURCE = "from mylib import Client\n\nCLIENT = Client()\n"

ENGINE = Engine([RULES_BY_CODE["ALP501"], RULES_BY_CODE["ALP502"]])


def _engine_findings(source: str, options: Options = Options()) -> list:
    findings, errors = ENGINE.check(ast.parse(source), "tests/test_client.py", options=options)
    assert not errors, errors
    return [(f.line, f.col + 1, f.code) for f in findings]


@pytest.mark.parametrize(
    "name",
    [
        "asyncio.Event",
        "asyncio.locks.Lock",
        "asyncio.queues.Queue",
        "asyncio.Future",
        "aiohttp.ClientSession",
        "httpx.AsyncClient",
        "redis.asyncio.from_url",
        "asyncpg.create_pool",
        "motor.motor_asyncio.AsyncIOMotorClient",
        "sqlalchemy.ext.asyncio.create_async_engine",
        "aiokafka.AIOKafkaProducer",
    ],
)
def test_built_in_constructors(name: str) -> None:
    assert loop_bound_constructor(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "threading.Lock",
        "asyncpg.connect",  # a coroutine function: nothing is built until it is awaited
        "aio_pika.connect_robust",
        "sqlalchemy.ext.asyncio.async_sessionmaker",  # a factory holding no connection
        "mylib.Client",
    ],
)
def test_not_loop_bound_by_default(name: str) -> None:
    assert loop_bound_constructor(name) is None


def test_extra_names_extend_the_list() -> None:
    assert loop_bound_constructor("mylib.Client", ("mylib.Client",)) == "mylib.Client"
    assert loop_bound_constructor("asyncio.Lock", ("mylib.Client",)) == "asyncio.Lock"


def test_when_objects_bind() -> None:
    for name in ("asyncio.Future", CREATE_FUTURE, "aiohttp.ClientSession", "asyncpg.create_pool"):
        assert binds_at_construction(name), name
    for name in ("httpx.AsyncClient", "mylib.Client"):
        assert not binds_at_construction(name), name
    # before Python 3.10 asyncio's primitives took the current loop when built
    for name in ("asyncio.Lock", "asyncio.Queue"):
        assert binds_at_construction(name) is (sys.version_info < (3, 10)), name


@pytest.mark.parametrize(
    ("call", "keeps_none"),
    [
        ("create_async_engine(url, poolclass=NullPool)", True),
        ("create_async_engine(url, poolclass=pool.NullPool)", True),
        ("create_async_engine(url)", False),
        ("create_async_engine(url, poolclass=AsyncAdaptedQueuePool)", False),
    ],
)
def test_an_engine_without_a_pool_is_bound_to_no_loop(call: str, keeps_none: bool) -> None:
    source = f"from sqlalchemy.ext.asyncio import create_async_engine\n\nENGINE = {call}\n"
    assert _engine_findings(source) == ([] if keeps_none else [(3, 10, "ALP501")])
    expression = ast.parse(call, mode="eval").body
    assert keeps_no_connections(expression, "sqlalchemy.ext.asyncio.create_async_engine") is (
        keeps_none
    )


def test_only_sqlalchemy_engines_are_judged_by_their_pool() -> None:
    expression = ast.parse("make_engine(url, poolclass=NullPool)", mode="eval").body
    assert not keeps_no_connections(expression, "mylib.make_engine")


def test_option_through_the_engine() -> None:
    assert _engine_findings(SOURCE) == []
    assert _engine_findings(SOURCE, Options(loop_bound_names=("mylib.Client",))) == FINDINGS


def test_option_on_the_flake8_command_line(tmp_path: Path) -> None:
    (tmp_path / "test_client.py").write_text(SOURCE)
    (tmp_path / "test_plain.py").write_text(PLAIN_SOURCE)
    files = ["test_client.py", "test_plain.py"]
    without = run_flake8(files, "--select=ALP5", "--isolated", cwd=tmp_path)
    assert without.returncode == 0, without.stdout + without.stderr
    option = "--asyncloop-loop-bound-names=mylib.Client"
    result = run_flake8(files, "--select=ALP5", "--isolated", option, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    found = sorted((path, line, col, code) for path, line, col, code in parse_flake8(result.stdout))
    expected = [("test_client.py", *f) for f in FINDINGS] + [("test_plain.py", 3, 10, "ALP501")]
    assert found == sorted(expected)


def test_option_from_a_setup_cfg(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(
        "[flake8]\nselect = ALP5\nasyncloop-loop-bound-names =\n    other.Pool,\n    mylib.Client\n"
    )
    (tmp_path / "test_client.py").write_text(SOURCE)
    result = run_flake8(["test_client.py"], cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert [(line, col, code) for _, line, col, code in parse_flake8(result.stdout)] == FINDINGS


def test_invalid_names_are_refused(tmp_path: Path) -> None:
    (tmp_path / "test_client.py").write_text(SOURCE)
    result = run_flake8(
        ["test_client.py"], "--isolated", "--asyncloop-loop-bound-names=my-lib.Client", cwd=tmp_path
    )
    assert result.returncode != 0
    assert "'my-lib.Client' is not a dotted name" in result.stderr
    assert not result.stdout
