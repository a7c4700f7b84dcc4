"""Keeping the comments above a node that is removed."""

from __future__ import annotations

from typing import List, Sequence

import libcst as cst


def merge_leading_lines(
    carried: Sequence[cst.EmptyLine], own: Sequence[cst.EmptyLine]
) -> List[cst.EmptyLine]:
    """The lines above a removed node (``carried``) put above the next one (``own``).

    Comments are kept. Blank lines alone are dropped when the next node has its own (so
    removing a def between two others does not leave four blank lines), and runs of blank
    lines never grow longer than the longest run either side had.
    """
    if not any(line.comment for line in carried):
        return list(own) if own else list(carried)
    longest = max(_longest_blank_run(carried), _longest_blank_run(own))
    merged: List[cst.EmptyLine] = []
    run = 0
    for line in [*carried, *own]:
        run = 0 if line.comment else run + 1
        if run <= longest:
            merged.append(line)
    return merged


def _longest_blank_run(lines: Sequence[cst.EmptyLine]) -> int:
    longest = run = 0
    for line in lines:
        run = 0 if line.comment else run + 1
        longest = max(longest, run)
    return longest
