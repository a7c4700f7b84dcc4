"""Positions of a narrowed index: only what edits point into is positioned, and what is
positioned sits where a whole-module index puts it."""

from __future__ import annotations

import textwrap
from collections import Counter
from typing import Counter as CounterType
from typing import Tuple

import libcst as cst
import pytest

from flake8_asyncloop.fixer.locate import SourceIndex, _Layout

# A large unittest-style class, comments and blank lines between members, a nested class,
# decorated members, a one-line class, a class-body footer comment, statements after it.
SOURCE = textwrap.dedent('''\
    """Module docstring."""
    import asyncio  # a trailing comment


    # a comment above the class
    @decorator(
        "argument",
    )
    class TestLoop(Base,
                   Other):
        """Class docstring."""

        attribute = 1; other = 2

        # a comment above a method
        def setUp(self):
            self.loop = asyncio.new_event_loop()
            # a comment at the end of the body

        @staticmethod
        def helper(
            first,
            second,
        ):
            return first, second

        class Nested:
            async def test_inner(self):
                loop = asyncio.get_event_loop()
                await loop.sleep(0)

            value = "é"

        async def test_last(self):
            loop = asyncio.get_event_loop()  # comment
            return loop
        # a footer comment at the members' indent

    # a comment above a statement after the class
    class OneLine: pass


    def after():
        return asyncio.get_event_loop()
    ''')

Entry = Tuple[str, Tuple[int, int], Tuple[int, int]]


def entries(index: SourceIndex) -> CounterType[Entry]:
    """(node type, start, end) of every positioned node."""
    found: CounterType[Entry] = Counter()
    for nodes in index._by_start.values():
        for node in nodes:
            start, end = index.range_of(node)
            found[(type(node).__name__, start, end)] += 1
    return found


WHOLE_INDEX = SourceIndex(SOURCE)
WHOLE = entries(WHOLE_INDEX)
# The blocks of classes and defs: a narrowed one's block is the real one, with no range.
NARROWABLE_BLOCKS = {
    ("IndentedBlock", *WHOLE_INDEX.range_of(node.body))
    for nodes in WHOLE_INDEX._by_start.values()
    for node in nodes
    if isinstance(node, (cst.ClassDef, cst.FunctionDef))
    and isinstance(node.body, cst.IndentedBlock)
}
LINES = range(1, SOURCE.count("\n") + 1)


@pytest.mark.parametrize("line", LINES)
def test_a_line_is_positioned_where_the_whole_module_puts_it(line: int) -> None:
    narrowed = SourceIndex(SOURCE, [(line, line)])
    found = entries(narrowed)
    assert not found - WHOLE  # nothing positioned elsewhere than in the whole index
    starting = [e for e in WHOLE if e[1][0] == line and e not in NARROWABLE_BLOCKS]
    assert all(found[e] for e in starting)  # and everything starting on the line is


@pytest.mark.parametrize(("first", "last"), [(16, 31), (17, 36), (27, 37), (9, 17), (1, 48)])
def test_ranges_over_several_members_are_positioned_like_the_whole_module(
    first: int, last: int
) -> None:
    found = entries(SourceIndex(SOURCE, [(first, last)]))
    assert not found - WHOLE
    assert all(found[e] for e in WHOLE if first <= e[1][0] and e[2][0] <= last)


def test_an_edit_in_one_statement_of_a_method_positions_that_statement_alone() -> None:
    line = SOURCE.splitlines().index("        return loop") + 1
    found = entries(SourceIndex(SOURCE, [(line, line)]))
    assert {e[1][0] for e in found} == {line}  # not the def of test_last, nor its class
    assert not any(kind in ("ClassDef", "FunctionDef") for kind, _, _ in found)


def test_an_edit_in_a_methods_signature_positions_the_method_whole() -> None:
    line = SOURCE.splitlines().index("        first,") + 1
    found = entries(SourceIndex(SOURCE, [(line, line)]))
    assert any(kind == "FunctionDef" and start[0] == line - 1 for kind, start, _ in found)


def test_parents_of_a_narrowed_member_are_the_real_class_and_module() -> None:
    line = SOURCE.splitlines().index("            await loop.sleep(0)") + 1
    index = SourceIndex(SOURCE, [(line, line)])
    start = index.point(line, 12)
    statement = next(n for n in index._by_start[start] if isinstance(n, cst.Expr))
    chain = []
    node = index.parent(statement)
    while node is not None:
        chain.append(node)
        node = index.parent(node)
    module = index.module
    outer = next(s for s in module.body if isinstance(s, cst.ClassDef))
    nested = next(s for s in outer.body.body if isinstance(s, cst.ClassDef))
    assert chain[-1] is module
    assert outer in chain and outer.body in chain
    assert nested in chain and nested.body in chain


def test_a_class_layout_counts_the_lines_of_its_code() -> None:
    module = cst.parse_module(SOURCE)
    classes = [s for s in module.body if isinstance(s, cst.ClassDef)]
    classes += [m for c in classes if isinstance(c.body, cst.IndentedBlock) for m in c.body.body]
    checked = 0
    for statement in classes:
        if isinstance(statement, cst.ClassDef):
            code = module.code_for_node(statement)
            assert _Layout.of(module, statement).count == len(code.splitlines())
            checked += 1
    assert checked == 3  # TestLoop, its Nested class, OneLine
