"""The one error the fixer raises."""

from __future__ import annotations

from typing import Optional

from flake8_asyncloop.findings import Fix


class FixError(Exception):
    """A fix cannot be applied to this source (its node is gone, or the edit does not fit).

    ``fix`` is the fix at fault, or None when the source itself cannot be edited (libcst
    cannot parse it). The caller drops that fix and may retry the others.
    """

    def __init__(self, reason: str, fix: Optional[Fix] = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix

    def for_fix(self, fix: Fix) -> "FixError":
        """The same error, blamed on ``fix``."""
        return FixError(self.reason, fix)
