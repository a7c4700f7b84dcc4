"""Removing one element of a comma-separated list (call arguments, parameters) tidily.

libcst gives each element its own ``comma``; the whitespace before the closing bracket sits
in the last element's trailing whitespace, or in its comma when there is a trailing comma.
Removing an element in the middle is dropping it. Removing the last one hands its ending
(trailing comma or not, the closing bracket's indentation) to the element before it, while
that element keeps the comment on its own line.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, TypeVar

import libcst as cst

Element = TypeVar("Element", bound=cst.CSTNode)

# The attribute holding the whitespace between an element and its comma (or the bracket).
_TRAILING = {
    cst.Param: "whitespace_after_param",
    cst.Arg: "whitespace_after_arg",
    cst.ParamSlash: "whitespace_after",
}


def remove_elements(elements: Sequence[Element], drop: Sequence[int]) -> List[Element]:
    """``elements`` without the ones at the indexes in ``drop``, commas tidied."""
    kept = [element for i, element in enumerate(elements) if i not in drop]
    if not kept or not drop or max(drop) < len(elements) - 1:
        return kept
    # The old last element is gone: the new last one takes over the list's ending.
    old_last = elements[-1]
    new_last = kept[-1]
    kept[-1] = _take_ending(new_last, old_last)
    return kept


def _take_ending(new_last: Element, old_last: cst.CSTNode) -> Element:
    own_comma = getattr(new_last, "comma", cst.MaybeSentinel.DEFAULT)
    own_break = own_comma.whitespace_after if isinstance(own_comma, cst.Comma) else None
    old_comma = getattr(old_last, "comma", cst.MaybeSentinel.DEFAULT)
    if isinstance(old_comma, cst.Comma):  # a trailing comma: keep one
        ending = _join(own_break, old_comma.whitespace_after)
        base = own_comma if isinstance(own_comma, cst.Comma) else old_comma
        return new_last.with_changes(comma=base.with_changes(whitespace_after=ending))
    changes = {"comma": cst.MaybeSentinel.DEFAULT}
    attribute = _TRAILING.get(type(new_last))
    old_attribute = _TRAILING.get(type(old_last))
    if attribute and old_attribute:
        changes[attribute] = _join(own_break, getattr(old_last, old_attribute))
    return new_last.with_changes(**changes)


def _join(
    own: Optional[cst.BaseParenthesizableWhitespace], old: cst.BaseParenthesizableWhitespace
) -> cst.BaseParenthesizableWhitespace:
    """The whitespace ending the list: the comment ending our line, the indent of the bracket."""
    if isinstance(own, cst.ParenthesizedWhitespace) and isinstance(
        old, cst.ParenthesizedWhitespace
    ):
        return own.with_changes(indent=old.indent, last_line=old.last_line)
    return old
