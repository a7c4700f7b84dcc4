"""Reading a project file as text, for the readers that search it rather than parse it."""

from __future__ import annotations

from typing import Optional

# The readers that search whole trees (command files, test modules) stop here: what they
# look for sits near the top, and a generated file of megabytes says nothing more.
HEAD_BYTES = 1_000_000


def read_text(path: str, limit: Optional[int] = None) -> Optional[str]:
    """The file's text (its first ``limit`` bytes when given), undecodable bytes replaced
    and every line ending made a plain newline, as in text mode; None when unreadable."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(-1 if limit is None else limit)
    except OSError:
        return None
    text = data.decode("utf-8", "replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text
