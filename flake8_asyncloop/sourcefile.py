"""Reading a Python file to text, and writing fixed text back the way the file was written.

The text handed to analysis and to the fixer has ``\\n`` newlines and no BOM. Writing it
back restores the file's encoding (PEP 263 cookie or UTF-8), its BOM, its newline style and
whether it ended with a newline, so a fix changes only the lines it meant to change. The
write is atomic: a temporary file in the same directory replaces the original in one step.
"""

from __future__ import annotations

import ast
import codecs
import io
import os
import re
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from typing import Union

PathLike = Union[str, "os.PathLike[str]"]

_NEWLINE = re.compile(r"\r\n|\r|\n")


class SourceError(Exception):
    """A file that cannot be read as Python source, or fixed text that must not be written."""

    def __init__(self, path: PathLike, reason: str) -> None:
        super().__init__(f"{os.fspath(path)}: {reason}")
        self.path = os.fspath(path)
        self.reason = reason


@dataclass(frozen=True)
class SourceFile:
    """A file's text (``\\n`` newlines, no BOM) and how to write it back."""

    path: str
    text: str
    encoding: str  # codec name, without the BOM ("utf-8", not "utf-8-sig")
    bom: bool
    newline: str  # the first line break in the file: "\n", "\r\n" or "\r"
    final_newline: bool


def read_source(path: PathLike) -> SourceFile:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise SourceError(path, f"cannot read: {error.strerror or error}") from error
    if b"\0" in data:
        raise SourceError(path, "contains NUL bytes: not a Python source file")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        # Either the first lines are not UTF-8 (and declare nothing else), or the cookie
        # names an unknown codec or contradicts the BOM.
        _decode(path, data, "utf-8")
        raise SourceError(path, f"bad encoding declaration: {error.msg}") from error
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data.replace(codecs.BOM_UTF8, b"", 1)
        encoding = "utf-8"
    raw = _decode(path, data, encoding)
    first_break = _NEWLINE.search(raw)
    return SourceFile(
        path=os.fspath(path),
        text=normalize_newlines(raw),
        encoding=encoding,
        bom=bom,
        newline=first_break.group() if first_break else "\n",
        final_newline=raw.endswith(("\n", "\r")),
    )


def _decode(path: PathLike, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise SourceError(
            path, f"not valid {encoding}: byte 0x{data[error.start]:02x} at offset {error.start}"
        ) from error


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def encode_like(original: SourceFile, new_text: str) -> bytes:
    """``new_text`` as bytes in the original file's encoding, BOM, newlines and ending."""
    text = normalize_newlines(new_text)
    if original.final_newline and text and not text.endswith("\n"):
        text += "\n"
    elif not original.final_newline and text.endswith("\n"):
        text = text[:-1]
    if original.newline != "\n":
        text = text.replace("\n", original.newline)
    try:
        data = text.encode(original.encoding)
    except UnicodeEncodeError as error:
        raise SourceError(
            original.path,
            f"the fixed text has {error.object[error.start:error.end]!r}, "
            f"which {original.encoding} cannot encode",
        ) from error
    return codecs.BOM_UTF8 + data if original.bom else data


def write_source(path: PathLike, original: SourceFile, new_text: str) -> None:
    """Replace the file at ``path`` with ``new_text``, written as ``original`` was.

    Refuses (``SourceError``) text that does not parse. The file is replaced atomically;
    on any failure the original stays as it was and no temporary file is left behind.
    """
    try:
        ast.parse(new_text)
    except (SyntaxError, ValueError) as error:
        raise SourceError(path, f"refusing to write text that does not parse: {error}") from error
    data = encode_like(original, new_text)
    target = os.path.abspath(os.fspath(path))
    directory, name = os.path.split(target)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise SourceError(path, f"cannot write: {error.strerror or error}") from error
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    except OSError as error:
        raise SourceError(path, f"cannot write: {error.strerror or error}") from error
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temporary, mode)  # mkstemp makes it 0600
        os.replace(temporary, target)
    except BaseException as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(error, OSError):
            raise SourceError(path, f"cannot write: {error.strerror or error}") from error
        raise
