"""Write a realistic pytest-asyncio test suite of a chosen size, for benchmarking.

    python benchmarks/generate_corpus.py OUT_DIR --modules 2000 [--seed 1] [--broken-percent 3]

The suite has a package tree with a conftest.py at each level (a chain up to six deep), async
and sync tests, fixtures of several scopes, helpers, and, in a few percent of the modules, the
mistakes the linter reports (hand-closed loops, get_event_loop in async code, loop= arguments,
an event_loop override, asyncio marks with scope=).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

HEADER = '''\
"""Tests for the {area} service ({index})."""

import asyncio
import json

import pytest
import pytest_asyncio

from {package}.helpers import make_payload
'''

FIXTURES = '''

@pytest_asyncio.fixture
async def client_{index}():
    client = {{"connected": True, "calls": []}}
    yield client
    client["connected"] = False


@pytest.fixture(scope="module")
def settings_{index}():
    return {{"timeout": 0.01, "retries": 3, "name": "{area}"}}
'''

ASYNC_TEST = '''

@pytest.mark.asyncio
async def test_{area}_{index}_{n}(client_{index}, settings_{index}):
    payload = make_payload({n})
    for attempt in range(settings_{index}["retries"]):
        await asyncio.sleep(0)
        client_{index}["calls"].append((attempt, json.dumps(payload)))
    assert len(client_{index}["calls"]) == settings_{index}["retries"]
    results = await asyncio.gather(*(asyncio.sleep(0, i) for i in range(3)))
    assert results == [0, 1, 2]
'''

SYNC_TEST = '''

def test_{area}_{index}_{n}_payload(settings_{index}):
    payload = make_payload({n})
    assert payload["id"] == {n}
    assert json.loads(json.dumps(payload)) == payload
    assert settings_{index}["name"] == "{area}"
'''

CLASS_TESTS = '''

class Test{Area}{index}:
    @pytest.mark.asyncio
    async def test_roundtrip(self, client_{index}):
        queue = asyncio.Queue()
        await queue.put(make_payload(1))
        assert (await queue.get())["id"] == 1

    def test_plain(self):
        assert make_payload(2)["id"] == 2
'''

BROKEN = [
    '''

@pytest.mark.asyncio
async def test_{area}_{index}_closes_loop():
    loop = asyncio.get_event_loop()
    await asyncio.sleep(0)
    loop.close()
''',
    '''

@pytest.mark.asyncio(scope="module")
async def test_{area}_{index}_queue_with_loop():
    queue = asyncio.Queue(loop=asyncio.get_running_loop())
    await queue.put(1)
''',
    '''

def test_{area}_{index}_sync_runner():
    result = asyncio.get_event_loop().run_until_complete(asyncio.sleep(0, 5))
    assert result == 5
''',
]

CONFTEST = '''\
import asyncio

import pytest
import pytest_asyncio


@pytest.fixture(scope="session")
def level_{depth}_config():
    return {{"depth": {depth}}}


@pytest_asyncio.fixture
async def level_{depth}_resource():
    await asyncio.sleep(0)
    yield {{"depth": {depth}}}
'''

EVENT_LOOP_OVERRIDE = '''

@pytest.fixture(scope="session")
def event_loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()
'''

HELPERS = '''\
def make_payload(n):
    return {"id": n, "items": list(range(n % 7))}
'''

AREAS = ["billing", "orders", "search", "users", "inventory", "auth", "media", "chat"]


def write_corpus(out: Path, modules: int, seed: int, broken_percent: float) -> int:
    rng = random.Random(seed)
    package = "app"
    (out / package).mkdir(parents=True, exist_ok=True)
    (out / package / "__init__.py").write_text("")
    (out / package / "helpers.py").write_text(HELPERS)
    (out / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    directories = []
    for branch in range(max(1, modules // 60)):
        depth = 1 + branch % 6
        parts = [f"{AREAS[branch % len(AREAS)]}_{branch}"] + [f"level{d}" for d in range(1, depth)]
        directory = out / "tests"
        (directory).mkdir(exist_ok=True)
        conftest = directory / "conftest.py"
        if not conftest.exists():
            conftest.write_text(CONFTEST.format(depth=0))
        for level, part in enumerate(parts, start=1):
            directory = directory / part
            directory.mkdir(exist_ok=True)
            conftest = directory / "conftest.py"
            if not conftest.exists():
                text = CONFTEST.format(depth=level)
                if branch % 17 == 3 and level == 1:
                    text += EVENT_LOOP_OVERRIDE
                conftest.write_text(text)
        directories.append(directory)
    lines = 0
    for index in range(modules):
        area = AREAS[index % len(AREAS)]
        parts = [
            HEADER.format(area=area, index=index, package=package),
            FIXTURES.format(index=index, area=area),
        ]
        for n in range(rng.randint(3, 8)):
            parts.append((ASYNC_TEST if n % 3 else SYNC_TEST).format(area=area, index=index, n=n))
        parts.append(CLASS_TESTS.format(Area=area.title(), index=index))
        if rng.random() * 100 < broken_percent:
            parts.append(rng.choice(BROKEN).format(area=area, index=index))
        text = "".join(parts)
        lines += text.count("\n")
        target = directories[index % len(directories)] / f"test_{area}_{index}.py"
        target.write_text(text)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--modules", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--broken-percent", type=float, default=3.0)
    args = parser.parse_args()
    lines = write_corpus(args.out, args.modules, args.seed, args.broken_percent)
    print(f"wrote {args.modules} test modules, {lines} lines, under {args.out}")


if __name__ == "__main__":
    main()
