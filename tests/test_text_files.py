"""The one reader of project files searched as text."""

from pathlib import Path

from flake8_asyncloop.context.text_files import read_text


def test_windows_and_old_mac_line_endings_read_as_newlines(tmp_path: Path) -> None:
    path = tmp_path / "Makefile"
    path.write_bytes(b"test:\r\n\tpytest --asyncio-mode=auto\rlint:\n")
    assert read_text(str(path)) == "test:\n\tpytest --asyncio-mode=auto\nlint:\n"


def test_undecodable_bytes_are_replaced_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"pytest-asyncio\xff\n")
    assert read_text(str(path)) == "pytest-asyncio\ufffd\n"


def test_only_the_head_is_read_when_a_limit_is_given(tmp_path: Path) -> None:
    path = tmp_path / "test_big.py"
    path.write_text("x = 1\n" * 10)
    assert read_text(str(path), 12) == "x = 1\nx = 1\n"


def test_a_missing_or_unreadable_path_gives_none(tmp_path: Path) -> None:
    assert read_text(str(tmp_path / "gone.toml")) is None
    assert read_text(str(tmp_path)) is None  # a directory
