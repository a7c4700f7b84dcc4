"""ALP304 in a test module whose tests all run without a loop: a fixture's ``asyncio.run``
serves sync tests, and what it leaves behind meets a loop again only where a test that gets
the value runs one, a helper does, or something starts a loop in a thread (Starlette's
``TestClient``). synapsekit's benchmark gates and vocal-helper's audio fixtures compute
plain results this way; a fixture annotated to return plain data is left alone even where
its tests run loops."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import check_path, run_pytest_isolated, write

MODULE = """\
import asyncio

import pytest
from bench import compare


class StubLLM(BaseLLM):
    async def generate(self, prompt):
        return prompt


@pytest.fixture(scope="module")
def results(){annotation}:
    return asyncio.run(compare(100, 42))


def test_quality(results):
    assert results["swarm"] >= 0.15
{extra}"""


@pytest.mark.parametrize(
    "annotation, extra, reported",
    [
        ("", "", False),
        # a test that does not get the value runs a loop of its own
        ("", "\n\ndef test_again():\n    assert asyncio.run(compare(1, 2))\n", False),
        # a test that gets the value runs a loop with it
        ("", "\n\ndef test_drive(results):\n    asyncio.run(results.close())\n", True),
        ("", "\n\n@pytest.fixture\ndef report(results):\n    return results\n\n\n"
             "def test_drive(report):\n    asyncio.get_event_loop().run_until_complete(report)\n",
         True),
        # ... unless the fixture says it hands out plain data
        (" -> dict[str, float]", "\n\ndef test_drive(results):\n    asyncio.run(go(results))\n",
         False),
        # a helper may run a loop with anything
        ("", "\n\ndef drive(value):\n    return asyncio.run(value)\n", True),
        # a loop in a thread of its own
        ("", "\n\nclient = TestClient(app)\n", True),
        # a test class pytest collects may inherit async tests
        ("", "\n\nclass TestMore(BaseTests):\n    pass\n", True),
        # an async test runs on a loop of pytest-asyncio's
        ("", "\n\nasync def test_async():\n    await asyncio.sleep(0)\n", True),
    ],
)
def test_sync_only_module(annotation: str, extra: str, reported: bool, tmp_path: Path) -> None:
    path = write(tmp_path / "test_bench.py", MODULE.format(annotation=annotation, extra=extra))
    found = [(line, code) for line, _, code in check_path(path) if code == "ALP304"]
    assert found == ([(14, "ALP304")] if reported else [])


def test_plain_results_of_a_fixture_run_pass_under_pytest(tmp_path: Path) -> None:
    write(
        tmp_path / "bench.py",
        "import asyncio\n\n\nasync def compare(tasks, seed):\n"
        "    await asyncio.sleep(0)\n    return {'swarm': 0.2}\n",
    )
    source = MODULE.format(annotation="", extra="").replace(
        "class StubLLM(BaseLLM)", "class StubLLM(dict)"
    )
    write(tmp_path / "test_bench.py", source)
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_mode = strict\n"
          "asyncio_default_fixture_loop_scope = function\npythonpath = .\n")
    result = run_pytest_isolated(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


RUNS = """\
import asyncio

import pytest
from bench import compare


@pytest.fixture(scope="module")
def results({params}):
    {local}
    return asyncio.run({run})


def test_quality(results):
    assert results
"""


@pytest.mark.parametrize(
    "params, local, run, reported",
    [
        # synapsekit: a path made by pytest's factory, given to an imported coroutine
        (
            "tmp_path_factory",
            "path = tmp_path_factory.mktemp('bench') / 'audit.jsonl'",
            "compare(path)",
            False,
        ),
        ("", "pass", "bench.compare(3)", False),
        # an async def of the fixture's own that reads only plain names
        ("tmp_path", "async def main():\n        return tmp_path", "main()", False),
        # what the fixture was given or made is driven on the run's loop and handed on
        ("server", "pass", "server.start()", True),
        ("server", "pass", "compare(server)", True),
        ("", "client = make_client()", "compare(client)", True),
        ("server", "async def main():\n        return await server.start()", "main()", True),
        ("", "pass", "Server().start()", True),
    ],
)
def test_a_run_on_no_object_of_the_fixture(
    params: str, local: str, run: str, reported: bool, tmp_path: Path
) -> None:
    source = RUNS.format(params=params, local=local, run=run)
    path = write(tmp_path / "test_bench.py", source)
    found = [code for _, _, code in check_path(path) if code == "ALP304"]
    assert found == (["ALP304"] if reported else [])
