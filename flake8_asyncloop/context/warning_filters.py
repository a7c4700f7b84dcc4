"""What pytest's warning filters do with one warning (error, ignore, ...), read as pytest
reads them.

pytest applies the ``filterwarnings`` setting in order, then the ``-W`` arguments of
``addopts``; each filter goes in front of the ones before it, so the last one that matches a
warning decides what happens to it. An entry is ``action:message:category:module:lineno``
(Python's ``-W`` syntax): the action may be abbreviated, the message is a regular
expression matched, without regard to case, at the start of the warning's text, and the
module one matched at the start of the module that warns.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator, Optional, Sequence

# Python's actions, in the order ``warnings._getaction`` tries a prefix against them.
_ACTIONS = ("default", "always", "all", "ignore", "module", "once", "error")


def action_on(
    filters: Sequence[str], text: str, categories: Iterable[str], module: str
) -> Optional[str]:
    """The action (``error``, ``ignore``, ``default``, ...) of the last filter that matches a
    warning with this text, from ``module``, of a class whose own name or a base's name is
    in ``categories``; None when none matches. A filter whose category or line cannot be
    told from its text is taken not to match."""
    names = frozenset(categories)
    for entry in reversed(filters):
        action, message, category, where, lineno = (entry.split(":", 4) + [""] * 4)[:5]
        category = category.strip()
        if category and category.rpartition(".")[2] not in names:
            continue
        if lineno.strip() not in ("", "0"):
            continue
        if not (_matches(message.strip(), text, re.IGNORECASE) and _matches(where.strip(), module)):
            continue
        return _action(action.strip())
    return None


def command_line_filters(args: Sequence[str]) -> Iterator[str]:
    """The filters ``-W`` / ``--pythonwarnings`` give in ``args`` (pytest's ``addopts``)."""
    for index, arg in enumerate(args):
        if arg in ("-W", "--pythonwarnings") and index + 1 < len(args):
            yield args[index + 1]
        elif arg.startswith("--pythonwarnings="):
            yield arg.partition("=")[2]
        elif arg.startswith("-W") and len(arg) > 2:
            yield arg[2:]


def _matches(pattern: str, value: str, flags: int = 0) -> bool:
    if not pattern:
        return True
    try:
        return re.match(pattern, value, flags) is not None
    except re.error:  # pytest would refuse the filter; it matches nothing here
        return False


def _action(written: str) -> str:
    if not written:
        return "default"
    return next((action for action in _ACTIONS if action.startswith(written)), "")
