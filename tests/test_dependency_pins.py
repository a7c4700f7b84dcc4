"""What a project's dependency pins let pytest-asyncio be: an exclusive upper bound."""

from __future__ import annotations

from typing import Optional, Tuple

import pytest

from flake8_asyncloop.context.dependency_pins import (
    locked_below,
    locked_pytest_asyncio_ceiling,
    pinned_below,
    pytest_asyncio_ceiling,
)

UP_TO_0_21_1 = (0, 21, 1, 10**9)  # 0.21.1 and its post-releases, nothing above


@pytest.mark.parametrize(
    ("text", "ceiling"),
    [
        ("pytest-asyncio==0.21.1\n", UP_TO_0_21_1),
        ('pytest-asyncio = "==0.21.1"\n', UP_TO_0_21_1),  # Pipfile
        ('dev = ["pytest-asyncio>=0.20,<0.22"]\n', (0, 22)),
        ('pytest-asyncio = "^0.21.0"\n', (0, 22)),  # Poetry
        ("pytest-asyncio~=0.21.0\n", (0, 22)),
        ("pytest-asyncio==0.21.*\n", (0, 22)),
        ("pytest-asyncio[testing] <1.0\n", (1, 0)),
        # the same bound written in full (biar): not above 1.0 as a tuple would be
        ('"pytest-asyncio>=0.23.7,<1.0.0",\n', (1, 0)),
        ("pytest-asyncio<0.24.0\n", (0, 24)),
        ("pytest-asyncio<=0.23.8\n", (0, 23, 8, 10**9)),
        # 0.22.0 is yanked: below 0.23 pip installs 0.21 (asyncord)
        ('"pytest-asyncio>=0.19.0,<0.23.0",\n', (0, 22)),
        ("pytest-asyncio<0.23\n", (0, 22)),
        ("pytest-asyncio<0.22.5\n", (0, 22)),
        ("pytest-asyncio<0.23.1\n", (0, 23, 1)),
        # a pytest older than 8.2 cannot run pytest-asyncio 0.24 or later
        ("'test': ['pytest==6.1.0', 'pytest-asyncio', 'pytest-mock']", (0, 24)),
        ('pytest = "^7.0"\n', (0, 24)),
        ("pytest<8\n", (0, 24)),
        ("pytest~=7.4\n", (0, 24)),
        # no upper bound
        ("pytest>=8\npytest-asyncio>=0.23\n", None),
        ("pytest<9\n", None),
        ("pytest-asyncio\n", None),
        ("pytest-asyncio>=1.0\n", None),
        # other distributions, commands and config sections
        ("pytest-cov==2.0\npytest-mock<3\n", None),
        ("commands = python -m pytest -x\n", None),
        ("[tool:pytest]\nminversion = 6.0\n", None),
        ("[tool.pytest.ini_options]\n", None),
    ],
)
def test_ceiling_of_one_file(text: str, ceiling: Optional[Tuple[int, ...]]) -> None:
    assert pytest_asyncio_ceiling([text]) == ceiling


def test_the_lowest_bound_of_all_files_wins() -> None:
    assert pytest_asyncio_ceiling(["pytest-asyncio<1.0\n", "pytest==7.4.0\n"]) == (0, 24)
    assert pytest_asyncio_ceiling([]) is None


@pytest.mark.parametrize(
    ("text", "ceiling"),
    [
        ('[[package]]\nname = "pytest-asyncio"\nversion = "0.23.6"\n', (0, 23, 6, 10**9)),
        # one resolution per range of Python versions: the newest is the one that matters
        (
            '[[package]]\nname = "pytest-asyncio"\nversion = "0.23.8"\n'
            '[[package]]\nname = "pytest-asyncio"\nversion = "1.5.0"\n',
            (1, 5, 0, 10**9),
        ),
        ('[[package]]\nname = "pytest"\nversion = "7.4.4"\n', (0, 24)),
        ('[[package]]\nname = "pytest"\nversion = "8.4.2"\n', None),
        ('"pytest-asyncio": {\n "hashes": [],\n "version": "==0.21.1"\n}', UP_TO_0_21_1),
        # a dependency's own requirement is not what the lock resolved
        ('[package.dependencies]\npytest = ">=5.4.0,<8"\n', None),
        ('dependencies = [\n    { name = "pytest-asyncio" },\n]\n', None),
    ],
)
def test_ceiling_of_a_lock_file(text: str, ceiling: Optional[Tuple[int, ...]]) -> None:
    assert locked_pytest_asyncio_ceiling([text]) == ceiling


def test_pins_and_locks_of_another_distribution() -> None:
    below_1 = (1, 0)
    assert pinned_below(["pytest-aiohttp==0.3.0\n"], "pytest-aiohttp", below_1)
    assert pinned_below(['pytest-aiohttp = "^0.3"\n'], "pytest-aiohttp", below_1)
    assert not pinned_below(["pytest-aiohttp>=1.0.4\n"], "pytest-aiohttp", below_1)
    assert not pinned_below(["pytest-aiohttp\npytest-asyncio<1\n"], "pytest-aiohttp", below_1)
    lock = '[[package]]\nname = "pytest-aiohttp"\nversion = "{}"\n'
    assert locked_below([lock.format("0.3.0")], "pytest-aiohttp", below_1)
    assert not locked_below([lock.format("1.1.1")], "pytest-aiohttp", below_1)
    assert not locked_below([], "pytest-aiohttp", below_1)
