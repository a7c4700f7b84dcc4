"""Reading a Python file to text, and writing fixed text back the way the file was written.

The text handed to analysis and to the fixer has ``\\n`` newlines and no BOM. Writing it
back restores the file's encoding (PEP 263 cookie or UTF-8), its BOM, its newline style and
whether it ended with a newline, so a fix changes only the lines it meant to change.

The write is atomic: the new bytes go to a temporary file in the same directory, which then
replaces the original in one step, so a reader (or a crash) sees the old file or the new one,
never a mix. A process killed between the two steps leaves its temporary file behind; those
are named ``.<name>.asyncloop-tmp-<random>`` and the next write of ``<name>`` removes them.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from typing import Optional, Tuple, Union

from flake8_asyncloop.parsing import parse_source

PathLike = Union[str, "os.PathLike[str]"]

_NEWLINE = re.compile(r"\r\n|\r|\n")
_FIRST_TWO_LINES = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)?[^\r\n]*")

TEMPORARY_MARK = ".asyncloop-tmp-"
_MAX_NAME_IN_TEMPORARY = 200  # keeps the temporary's name under the usual 255-byte limit
# Opening a FIFO for reading waits for a writer; without blocking, fstat can refuse it first.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


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
    # (modification time, size) when read: a file changed since is not overwritten.
    stamp: Optional[Tuple[int, int]] = None


def read_source(path: PathLike) -> SourceFile:
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        raise SourceError(path, f"cannot read: {error.strerror or error}") from error
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise SourceError(path, "cannot read: not a regular file")
        data = _read_all(descriptor, info.st_size)
    except OSError as error:
        raise SourceError(path, f"cannot read: {error.strerror or error}") from error
    finally:
        os.close(descriptor)
    if b"\0" in data:
        raise SourceError(path, "contains NUL bytes: not a Python source file")
    try:
        encoding = _declared_encoding(data)
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
        stamp=_stamp(info),
    )


def _read_all(descriptor: int, size: int) -> bytes:
    """Every byte of the open file; ``size`` (from fstat) is a hint, the file may grow."""
    chunks = []
    while True:
        chunk = os.read(descriptor, max(size + 1, 65536))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _declared_encoding(data: bytes) -> str:
    """The source encoding (PEP 263). A cookie can only sit in the first two lines, so a file
    whose first two lines never say "coding" is UTF-8 without asking tokenize, the common
    case; its bytes are checked when decoded."""
    head = _FIRST_TWO_LINES.match(data).group()  # type: ignore[union-attr]
    if b"coding" not in head:
        return "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return encoding


def _stamp(info: os.stat_result) -> Tuple[int, int]:
    return info.st_mtime_ns, info.st_size


def _decode(path: PathLike, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise SourceError(
            path, f"not valid {encoding}: byte 0x{data[error.start]:02x} at offset {error.start}"
        ) from error
    except (UnicodeError, LookupError) as error:
        # A declared codec that is not a text encoding (``hex``), or that fails its own way.
        raise SourceError(path, f"cannot decode as {encoding}: {error}") from error


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
        round_trip = data.decode(original.encoding)
    except UnicodeEncodeError as error:
        raise SourceError(
            original.path,
            f"the fixed text has {error.object[error.start:error.end]!r}, "
            f"which {original.encoding} cannot encode",
        ) from error
    except (UnicodeError, LookupError) as error:
        reason = f"cannot encode as {original.encoding}: {error}"
        raise SourceError(original.path, reason) from error
    if round_trip != text:  # an odd codec: never write bytes that read back differently
        raise SourceError(original.path, f"{original.encoding} does not read back what it wrote")
    return codecs.BOM_UTF8 + data if original.bom else data


def write_source(
    path: PathLike, original: SourceFile, new_text: str, is_python: bool = True
) -> None:
    """Replace the file at ``path`` with ``new_text``, written as ``original`` was.

    Refuses (``SourceError``) Python text that does not parse (other files are checked by
    their writer), and a file changed on disk since it was read. The file is replaced
    atomically; on any failure the original stays as it was and no temporary file is left
    behind. A symlink is followed: its target is replaced.
    """
    if is_python:
        try:
            parse_source(new_text)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            message = f"refusing to write text that does not parse: {error}"
            raise SourceError(path, message) from error
    data = encode_like(original, new_text)
    target = os.path.realpath(os.fspath(path))
    directory, name = os.path.split(target)
    try:
        info: Optional[os.stat_result] = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise SourceError(path, f"cannot write: {error.strerror or error}") from error
    if original.stamp is not None:
        if info is None:
            raise SourceError(path, "deleted while being fixed, not written again")
        if _stamp(info) != original.stamp:
            raise SourceError(path, "changed on disk while being fixed, left unchanged")
    remove_stale_temporaries(target)
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=_temporary_prefix(name), dir=directory)
    except OSError as error:
        raise SourceError(path, f"cannot write: {error.strerror or error}") from error
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if info is not None:
            _copy_owner_and_mode(info, temporary)
        os.replace(temporary, target)
    except BaseException as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(error, OSError):
            raise SourceError(path, f"cannot write: {error.strerror or error}") from error
        raise


def _temporary_prefix(name: str) -> str:
    return f".{name[:_MAX_NAME_IN_TEMPORARY]}{TEMPORARY_MARK}"


def _copy_owner_and_mode(info: os.stat_result, temporary: str) -> None:
    if hasattr(os, "chown") and (info.st_uid, info.st_gid) != _owner(temporary):
        try:
            os.chown(temporary, info.st_uid, info.st_gid)
        except OSError:
            pass  # only root may give a file away: the fixed file is then the fixer's own
    os.chmod(temporary, stat.S_IMODE(info.st_mode))  # mkstemp makes it 0600


def _owner(path: str) -> Tuple[int, int]:
    info = os.stat(path)
    return info.st_uid, info.st_gid


def remove_stale_temporaries(path: PathLike) -> None:
    """Delete what an earlier fix of ``path``, killed mid-write, left beside it."""
    directory, name = os.path.split(os.fspath(path))
    prefix = _temporary_prefix(name)
    try:
        with os.scandir(directory or ".") as scan:
            entries = [entry for entry in scan if entry.name.startswith(prefix)]
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
        except OSError:
            pass
