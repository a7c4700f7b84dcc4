"""``# noqa`` comments, with flake8's semantics, for the standalone command.

Under flake8 the plugin's findings are filtered by flake8 itself; the standalone command
filters them here the same way:

- ``# noqa`` alone silences every finding on its line; ``# noqa: ALP101,ALP2`` silences the
  codes listed, each matching as a prefix (``ALP2`` silences ``ALP203``). ``noqa`` is
  case-insensitive and may follow other comments (``# type: ignore # noqa``).
- Lines a single token spans (a multi-line string) or that a backslash joins form one group:
  a ``noqa`` on any of them applies to all of them, as flake8 maps it.
- A line starting with ``# flake8: noqa`` turns the whole file off.

Unlike flake8, only real comments count: ``"# noqa"`` inside a string silences nothing.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

# The same patterns flake8 uses (flake8/defaults.py), so both entry points agree.
_INLINE = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
# flake8 matches this at the start of each line; here at the start of any line of the text.
_FILE = re.compile(r"^\s*# flake8[:=]\s*noqa", re.IGNORECASE | re.MULTILINE)
_CODE_SEPARATOR = re.compile(r"[,\s]")

# What a noqa comment silences: None for everything, else the code prefixes it lists.
Silenced = Optional[FrozenSet[str]]


class NoqaMap:
    """Which codes are silenced on which line of one file."""

    def __init__(
        self, by_line: Optional[Dict[int, Silenced]], whole_file: bool = False, source: str = ""
    ) -> None:
        self._by_line = by_line  # None: read from ``source`` when first asked
        self._source = source
        self.whole_file = whole_file

    @classmethod
    def from_source(cls, source: str) -> "NoqaMap":
        """The file's noqa comments; the tokenizing they may need waits for a finding to ask
        (most files mentioning noqa have no finding of ours)."""
        if "noqa" not in source.lower():  # the common case: no need to tokenize
            return cls({})
        if _FILE.search(source):
            return cls({}, whole_file=True)
        return cls(None, source=source)

    def silences(self, line: int, code: str) -> bool:
        if self.whole_file:
            return True
        by_line = self._by_line
        if by_line is None:
            by_line = self._by_line = _silenced_lines(self._source)
        if line not in by_line:
            return False
        codes = by_line[line]
        return codes is None or code.upper().startswith(tuple(codes))


def _silenced_lines(source: str) -> Dict[int, Silenced]:
    try:
        groups = _comment_groups(source)
    except (tokenize.TokenError, SyntaxError):
        # Not tokenizable: fall back to reading each physical line, as flake8 does.
        groups = [((n, n), line) for n, line in enumerate(source.splitlines(True), 1)]
    by_line: Dict[int, Silenced] = {}
    for (first, last), comments in groups:
        match = _INLINE.search(comments)
        if match is None:
            continue
        silenced = _codes(match.group("codes"))
        for line in range(first, last + 1):
            by_line[line] = silenced
    return by_line


def _codes(listed: Optional[str]) -> Silenced:
    if listed is None:
        return None
    return frozenset(code.upper() for code in _CODE_SEPARATOR.split(listed) if code)


def _comment_groups(source: str) -> List[Tuple[Tuple[int, int], str]]:
    """``((first line, last line), comment text)`` for each group of lines holding comments.

    A group ends at each NL or NEWLINE token, the way flake8 builds its noqa line ranges, so a
    multi-line string or a backslash continuation is one group and a bracketed expression
    spread over several lines is one group per line.
    """
    groups: List[Tuple[Tuple[int, int], str]] = []
    first: Optional[int] = None
    last = 0
    comments: List[str] = []
    for token in _tokens(source):
        kind = token.type
        if kind in (tokenize.ENDMARKER, tokenize.DEDENT, tokenize.INDENT):
            continue
        start, end = token.start[0], token.end[0]
        first = start if first is None else min(first, start)
        last = max(last, end)
        if kind == tokenize.COMMENT:
            comments.append(token.string)
        if kind in (tokenize.NL, tokenize.NEWLINE):
            if comments:
                groups.append(((first, last), " ".join(comments)))
            first, last, comments = None, 0, []
    if comments and first is not None:
        groups.append(((first, last), " ".join(comments)))
    return groups


def _tokens(source: str) -> Iterable[tokenize.TokenInfo]:
    return tokenize.generate_tokens(io.StringIO(source).readline)
