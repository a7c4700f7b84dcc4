"""From ``ast`` positions to LSP positions, and from a changed text to one replacement.

``ast`` counts lines from 1 and columns in UTF-8 bytes of the line; LSP counts both from 0,
columns in the code units the client and server agreed on (UTF-16 unless both said
otherwise). The texts here have ``\\n`` line breaks only, as the checker sees them; a
client's ``\\r\\n`` or ``\\r`` is one line break too, so line numbers agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Optional

# How many code units the client counts in a piece of one line.
Units = Callable[[str], int]


def utf16_units(text: str) -> int:
    """LSP's default: characters outside the Basic Multilingual Plane count twice."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Position:
    line: int  # 0-based
    character: int  # in the client's code units


@dataclass(frozen=True)
class Replacement:
    """Replace the text between ``start`` and ``end`` with ``new_text``."""

    start: Position
    end: Position
    new_text: str


class LineIndex:
    """The lines of one text, to turn ``ast`` positions into LSP positions."""

    def __init__(self, text: str, units: Units = utf16_units) -> None:
        self.lines = text.split("\n")
        self.units = units

    def position(self, line: int, byte_col: int) -> Position:
        """The LSP position of ``ast``'s (1-based line, UTF-8 byte column)."""
        index = line - 1
        if index >= len(self.lines):  # past the end: the end of the text
            last = len(self.lines) - 1
            return Position(last, self.units(self.lines[last]))
        index = max(index, 0)
        before = self.lines[index].encode("utf-8")[: max(byte_col, 0)]
        return Position(index, self.units(before.decode("utf-8", "ignore")))


def replacement(
    old: str, new: str, units: Units = utf16_units, newline: str = "\n"
) -> Optional[Replacement]:
    """The smallest run of whole lines of ``old`` to replace to get ``new``; None if equal.

    ``newline`` is the line break the client's document uses, for the inserted text.
    """
    if old == new:
        return None
    old_lines = _lines_with_ends(old)
    new_lines = _lines_with_ends(new)
    shortest = min(len(old_lines), len(new_lines))
    prefix = 0
    while prefix < shortest and old_lines[prefix] == new_lines[prefix]:
        prefix += 1
    suffix = 0
    while suffix < shortest - prefix and old_lines[-1 - suffix] == new_lines[-1 - suffix]:
        suffix += 1
    replaced_up_to = "".join(old_lines[: len(old_lines) - suffix])
    text = "".join(new_lines[prefix:len(new_lines) - suffix])
    if newline != "\n":
        text = text.replace("\n", newline)
    return Replacement(Position(prefix, 0), _end_of(replaced_up_to, units), text)


def _lines_with_ends(text: str) -> List[str]:
    # Not str.splitlines: it also breaks at form feeds and other characters Python does not.
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _end_of(text: str, units: Units) -> Position:
    last_break = text.rfind("\n")
    return Position(text.count("\n"), units(text[last_break + 1:]))
