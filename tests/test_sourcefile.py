"""Reading source files to text, and writing fixed text back in the file's own style."""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

import pytest

from flake8_asyncloop.sourcefile import SourceError, read_source, write_source


def round_trip(tmp_path: Path, data: bytes, edit=lambda text: text) -> bytes:
    path = tmp_path / "test_mod.py"
    path.write_bytes(data)
    source = read_source(path)
    write_source(path, source, edit(source.text))
    return path.read_bytes()


def test_plain_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "test_mod.py"
    path.write_bytes("x = 'ü'\n".encode())
    source = read_source(path)
    assert source.text == "x = 'ü'\n"
    assert (source.encoding, source.bom, source.newline, source.final_newline) == (
        "utf-8",
        False,
        "\n",
        True,
    )
    assert source.path == str(path)


def test_bom_is_kept_out_of_the_text_and_written_back(tmp_path: Path) -> None:
    data = codecs.BOM_UTF8 + "import asyncio\nloop.close()\n".encode()
    path = tmp_path / "test_mod.py"
    path.write_bytes(data)
    source = read_source(path)
    assert source.bom and not source.text.startswith("\ufeff")
    written = round_trip(tmp_path, data, lambda text: text.replace("loop.close()\n", ""))
    assert written == codecs.BOM_UTF8 + b"import asyncio\n"


def test_crlf_newlines(tmp_path: Path) -> None:
    data = b"import asyncio\r\n\r\nloop.close()\r\nx = 1\r\n"
    path = tmp_path / "test_mod.py"
    path.write_bytes(data)
    source = read_source(path)
    assert source.newline == "\r\n" and "\r" not in source.text
    edited = round_trip(
        tmp_path, data, lambda text: text.replace("loop.close()\n", "y = 2\nz = 3\n")
    )
    assert edited == b"import asyncio\r\n\r\ny = 2\r\nz = 3\r\nx = 1\r\n"


def test_cr_only_newlines(tmp_path: Path) -> None:
    data = b"a = 1\rb = 2\r"
    path = tmp_path / "test_mod.py"
    path.write_bytes(data)
    source = read_source(path)
    assert source.text == "a = 1\nb = 2\n" and source.newline == "\r"
    assert round_trip(tmp_path, data, lambda text: text + "c = 3\n") == b"a = 1\rb = 2\rc = 3\r"


def test_first_newline_style_wins_in_a_mixed_file(tmp_path: Path) -> None:
    assert round_trip(tmp_path, b"a = 1\r\nb = 2\nc = 3\r\n") == b"a = 1\r\nb = 2\r\nc = 3\r\n"


def test_latin1_coding_cookie(tmp_path: Path) -> None:
    data = "# -*- coding: latin-1 -*-\nname = 'café'\nloop.close()\n".encode("latin-1")
    path = tmp_path / "test_mod.py"
    path.write_bytes(data)
    source = read_source(path)
    assert source.encoding == "iso-8859-1"
    assert "café" in source.text
    written = round_trip(tmp_path, data, lambda text: text.replace("loop.close()\n", ""))
    assert written == "# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1")


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        # the cookie on the second line, after a shebang
        (b"#!/usr/bin/env python\r\n# coding: latin-1\r\nname = 'caf\xe9'\r\n", "iso-8859-1"),
        # a third line cannot declare anything: the file is UTF-8
        (b"x = 1\ny = 2\n# coding: latin-1\nname = 'caf\xc3\xa9'\n", "utf-8"),
        (b"\xef\xbb\xbfname = 'caf\xc3\xa9'\n", "utf-8"),
    ],
)
def test_the_encoding_is_read_from_the_first_two_lines_only(
    tmp_path: Path, data: bytes, encoding: str
) -> None:
    path = tmp_path / "test_mod.py"
    path.write_bytes(data)
    source = read_source(path)
    assert source.encoding == encoding
    assert "café" in source.text


def test_text_the_declared_encoding_cannot_hold_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "test_mod.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\nx = 1\n")
    source = read_source(path)
    with pytest.raises(SourceError, match="cannot encode"):
        write_source(path, source, source.text + "snowman = '\u2603'\n")
    assert path.read_bytes() == b"# -*- coding: latin-1 -*-\nx = 1\n"


def test_no_final_newline_stays_so(tmp_path: Path) -> None:
    data = b"x = 1\nloop.close()"
    path = tmp_path / "test_mod.py"
    path.write_bytes(data)
    assert read_source(path).final_newline is False
    assert (
        round_trip(tmp_path, data, lambda text: text.replace("loop.close()", "y = 2\n"))
        == b"x = 1\ny = 2"
    )


def test_final_newline_is_restored_when_the_edit_drops_it(tmp_path: Path) -> None:
    assert round_trip(tmp_path, b"x = 1\n", lambda text: text.rstrip("\n")) == b"x = 1\n"


def test_undecodable_bytes_are_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "test_mod.py"
    path.write_bytes(b"x = '\xff'\n")
    with pytest.raises(SourceError) as raised:
        read_source(path)
    assert raised.value.path == str(path)
    assert "utf-8" in raised.value.reason and "0xff" in raised.value.reason


def test_nul_bytes_are_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "test_mod.py"
    path.write_bytes(b"x = 1\n\0\n")
    with pytest.raises(SourceError, match="NUL"):
        read_source(path)


def test_unknown_encoding_cookie_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "test_mod.py"
    path.write_bytes(b"# coding: no-such-codec\nx = 1\n")
    with pytest.raises(SourceError, match="encoding"):
        read_source(path)


def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot read"):
        read_source(tmp_path / "absent.py")


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_file_mode_is_preserved(tmp_path: Path) -> None:
    path = tmp_path / "run_tests.py"
    path.write_bytes(b"#!/usr/bin/env python\nx = 1\n")
    path.chmod(0o754)
    source = read_source(path)
    write_source(path, source, source.text + "y = 2\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o754
    assert path.read_bytes() == b"#!/usr/bin/env python\nx = 1\ny = 2\n"


def test_unparsable_text_is_refused_and_the_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "test_mod.py"
    path.write_bytes(b"x = 1\n")
    source = read_source(path)
    with pytest.raises(SourceError, match="does not parse"):
        write_source(path, source, "x = (\n")
    assert path.read_bytes() == b"x = 1\n"
    assert os.listdir(tmp_path) == ["test_mod.py"]


def test_temporary_file_is_removed_when_the_write_fails(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "test_mod.py"
    path.write_bytes(b"x = 1\n")
    source = read_source(path)

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(SourceError, match="No space left"):
        write_source(path, source, "x = 2\n")
    assert os.listdir(tmp_path) == ["test_mod.py"]
    assert path.read_bytes() == b"x = 1\n"


def test_temporary_file_is_removed_on_interrupt(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "test_mod.py"
    path.write_bytes(b"x = 1\n")
    source = read_source(path)

    def interrupted(descriptor):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_source(path, source, "x = 2\n")
    assert os.listdir(tmp_path) == ["test_mod.py"]


def test_written_through_a_str_path(tmp_path: Path) -> None:
    path = str(tmp_path / "test_mod.py")
    Path(path).write_bytes(b"x = 1\n")
    source = read_source(path)
    write_source(path, source, "x = 2\n")
    assert Path(path).read_bytes() == b"x = 2\n"
