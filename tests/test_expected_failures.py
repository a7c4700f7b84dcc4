"""Silence inside ``with pytest.raises(...)`` only where the block may catch the error."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import check_path, write

HEADER = """\
import asyncio
import contextlib
import unittest

import pytest
from helpers import AppError


async def boom():
    raise ConnectionError("refused")


@pytest.mark.asyncio
async def test_first():
    await asyncio.sleep(0)


def test_second():
    with {manager}:
        asyncio.get_event_loop().run_until_complete(boom())
"""
CALL_LINE = 20


@pytest.mark.parametrize(
    "manager",
    [
        "pytest.raises(ConnectionError)",
        "pytest.raises((ConnectionError, ValueError))",
        "pytest.raises(expected_exception=OSError)",
        "contextlib.suppress(ConnectionError)",
        "pytest.raises(RecursionError)",  # a subclass of RuntimeError does not catch it
    ],
)
def test_a_block_that_lets_the_runtime_error_through_is_no_excuse(
    manager: str, tmp_path: Path
) -> None:
    path = write(tmp_path / "test_a.py", HEADER.format(manager=manager))
    assert [(line, code) for line, _, code in check_path(path)] == [(CALL_LINE, "ALP105")]


@pytest.mark.parametrize(
    "manager",
    [
        "pytest.raises(RuntimeError)",
        "pytest.raises(Exception)",
        "pytest.raises((ValueError, RuntimeError))",
        "pytest.raises(AppError)",  # imported: it may be a RuntimeError
        "pytest.raises(asyncio.InvalidStateError)",  # not a built-in the linter reads
        "pytest.warns(DeprecationWarning)",
        "pytest.deprecated_call()",
        "contextlib.suppress(BaseException)",
    ],
)
def test_a_block_that_may_catch_it_keeps_the_rule_silent(manager: str, tmp_path: Path) -> None:
    path = write(tmp_path / "test_a.py", HEADER.format(manager=manager))
    assert [code for _, _, code in check_path(path) if code == "ALP105"] == []


def test_a_local_class_named_like_a_builtin_is_not_the_builtin(tmp_path: Path) -> None:
    source = HEADER.format(manager="pytest.raises(ConnectionError)") + (
        "\n\nclass ConnectionError(RuntimeError):\n    pass\n"
    )
    path = write(tmp_path / "test_a.py", source)
    assert [code for _, _, code in check_path(path) if code == "ALP105"] == []


NESTED_AND_LOOP_ARGUMENT = """\
import asyncio

import pytest


async def job():
    return 1


@pytest.mark.asyncio
async def test_inside_a_running_loop():
    with pytest.raises({error}):
        asyncio.run(job())
    with pytest.raises({error}):
        asyncio.Queue(loop=asyncio.get_running_loop())
"""


@pytest.mark.parametrize(
    "error, expected",
    [
        ("ValueError", [(13, "ALP103"), (15, "ALP107")]),
        ("RuntimeError", [(15, "ALP107")]),  # asyncio.run's error is caught
        ("TypeError", [(13, "ALP103")]),  # loop='s error is caught
        ("Exception", []),
    ],
)
def test_the_same_holds_for_nested_runs_and_removed_loop_arguments(
    error: str, expected: list, tmp_path: Path
) -> None:
    path = write(tmp_path / "test_a.py", NESTED_AND_LOOP_ARGUMENT.format(error=error))
    found = [(line, code) for line, _, code in check_path(path) if code in ("ALP103", "ALP107")]
    assert found == expected
