"""``# noqa`` as flake8 reads it, except that only real comments count."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import List

import pytest
from support import parse_flake8, run_flake8

from flake8_asyncloop.cli import main
from flake8_asyncloop.noqa import NoqaMap


def noqa(source: str) -> NoqaMap:
    return NoqaMap.from_source(textwrap.dedent(source).lstrip("\n"))


@pytest.mark.parametrize(
    "comment, code, silenced",
    [
        ("# noqa", "ALP101", True),
        ("# NOQA", "ALP101", True),
        ("# NoQa", "ALP101", True),
        ("# noqa: ALP101", "ALP101", True),
        ("# noqa:ALP101", "ALP101", True),
        ("# noqa: ALP203,ALP101", "ALP101", True),
        ("# noqa: ALP203, ALP101", "ALP101", True),
        ("# noqa: ALP203 ALP101", "ALP101", True),
        ("# noqa: ALP203", "ALP101", False),
        ("# noqa: alp101", "ALP101", True),
        ("# noqa: ALP1", "ALP101", True),  # codes match as prefixes, as in flake8
        ("# noqa: ALP", "ALP101", True),
        ("# noqa: E501", "ALP101", False),
        ("# type: ignore  # noqa: ALP101", "ALP101", True),
        ("# pragma: no cover # noqa", "ALP101", True),
        ("# noqa : ALP203", "ALP101", True),  # not flake8's codes syntax: a bare noqa
        ("#noqa", "ALP101", False),  # flake8 wants "# noqa"
        ("# not a noqa-thing", "ALP101", False),
    ],
)
def test_comment_forms(comment: str, code: str, silenced: bool) -> None:
    assert noqa(f"x = 1  {comment}\n").silences(1, code) is silenced


def test_only_the_commented_line_is_silenced() -> None:
    found = noqa(
        """
        a = 1  # noqa
        b = 2
        """
    )
    assert found.silences(1, "ALP101")
    assert not found.silences(2, "ALP101")


def test_noqa_inside_a_string_is_not_a_comment() -> None:
    found = noqa(
        """
        a = "# noqa"
        b = '''
        # noqa
        '''
        """
    )
    assert not any(found.silences(line, "ALP101") for line in range(1, 5))


def test_a_multi_line_string_shares_its_noqa_with_all_its_lines() -> None:
    found = noqa(
        '''
        call(
            """
            text
            """, other)  # noqa: ALP101
        after = 1
        '''
    )
    assert not found.silences(1, "ALP101")  # the bracket's own line is a separate group
    assert all(found.silences(line, "ALP101") for line in (2, 3, 4))
    assert not found.silences(5, "ALP101")


def test_backslash_continuation_is_one_group() -> None:
    found = noqa(
        """
        value = first + \\
            second  # noqa
        """
    )
    assert found.silences(1, "ALP101") and found.silences(2, "ALP101")


def test_lines_inside_brackets_are_separate_groups() -> None:
    found = noqa(
        """
        call(
            argument,
        )  # noqa
        """
    )
    assert not found.silences(1, "ALP101")
    assert found.silences(3, "ALP101")


def test_file_level_noqa() -> None:
    assert noqa("# flake8: noqa\nx = 1\n").whole_file
    assert noqa("  # flake8=NOQA\n").whole_file
    assert not noqa("x = 1  # flake8: noqa\n").whole_file  # only at the start of a line
    assert noqa("x = 1\n\n    # flake8: noqa\ny = 2\n").whole_file  # on any line
    assert not noqa("x = 1\ny = '# flake8: noqa'\n").whole_file


def test_untokenizable_text_falls_back_to_physical_lines() -> None:
    found = NoqaMap.from_source('x = """never closed  # noqa\n')
    assert found.silences(1, "ALP101")


def test_source_without_noqa_is_not_tokenized(monkeypatch: pytest.MonkeyPatch) -> None:
    import flake8_asyncloop.noqa as module

    def refuse(source: str):
        raise AssertionError("tokenized")

    monkeypatch.setattr(module, "_tokens", refuse)
    assert not NoqaMap.from_source("x = 1  # a comment\n").silences(1, "ALP101")


def test_noqa_comments_are_read_when_a_finding_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    import flake8_asyncloop.noqa as module

    tokenized: List[str] = []
    real_tokens = module._tokens

    def counting(source: str):
        tokenized.append(source)
        return real_tokens(source)

    monkeypatch.setattr(module, "_tokens", counting)
    found = NoqaMap.from_source("x = 1  # noqa\ny = 2\n")
    assert tokenized == []  # a file with no finding is never tokenized
    assert found.silences(1, "ALP101")
    assert not found.silences(2, "ALP101")
    assert len(tokenized) == 1  # and one with findings once


CLOSE = "asyncio.get_event_loop().close()"
VARIANTS = f"""\
import asyncio


def test_variants():
    {CLOSE}
    {CLOSE}  # noqa
    {CLOSE}  # NOQA:ALP101
    {CLOSE}  # noqa: ALP1
    {CLOSE}  # noqa: ALP203
    {CLOSE}  # noqa: E501,ALP101
    {CLOSE}  # type: ignore # noqa
    {CLOSE}  # noqa : ALP203
    {CLOSE}  # noqa:E501
"""


def test_same_lines_silenced_as_under_flake8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    module = tmp_path / "test_variants.py"
    module.write_text(VARIANTS)
    flake8 = run_flake8([module.name], "--isolated", "--select=ALP101", cwd=tmp_path)
    flake8_lines = sorted(line for _, line, _, _ in parse_flake8(flake8.stdout))
    assert flake8_lines == [5, 9, 13]

    monkeypatch.chdir(tmp_path)
    assert main(["check", "--isolated", "--select=ALP101", module.name]) == 1
    ours = [int(line.split(":")[1]) for line in capsys.readouterr().out.splitlines()]
    assert ours == flake8_lines
