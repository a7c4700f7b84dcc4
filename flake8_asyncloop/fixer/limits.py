"""How deeply nested a source the fixer takes on.

libcst recurses over its tree: past a thousand or so levels its Python code hits the
recursion limit, and its native parser can overflow the C stack and kill the process
outright (a chain of some 7,000 ``and`` operands does it, though ``ast`` keeps such a chain
flat and parses it happily). So the fixer measures the nesting first, the way libcst will
build it, and declines a source that is too deep, long before either failure.
"""

from __future__ import annotations

import ast
import functools
from typing import List, Optional, Tuple

from flake8_asyncloop.parsing import parse_source

# libcst's Python code runs out of recursion at about 400 levels, its parser's C stack at
# several thousand; hand-written code stays under 100 (the deepest in the standard library
# and a large site-packages is 230, in generated code).
MAX_NESTING = 300


def nesting_problem(source: str) -> Optional[str]:
    """Why the fixer must not edit ``source`` (a sentence), or None when it may."""
    return _nesting_problem(source)


@functools.lru_cache(maxsize=8)  # the fix loop indexes one source several times
def _nesting_problem(source: str) -> Optional[str]:
    try:
        tree = parse_source(source)
    except (SyntaxError, ValueError):
        return None  # not a nesting problem: libcst reports it in its own words
    except (RecursionError, MemoryError):
        return _too_deep()
    if nesting_depth(tree, MAX_NESTING) > MAX_NESTING:
        return _too_deep()
    return None


def _too_deep() -> str:
    return f"too deeply nested to edit safely (over {MAX_NESTING} levels)"


def nesting_depth(tree: ast.AST, stop_above: Optional[int] = None) -> int:
    """The depth of ``tree`` as libcst nests it; stops early once past ``stop_above``.

    libcst builds ``a and b and c`` as pairs inside pairs, so a boolean operation with n
    operands counts n - 1 levels (``ast`` keeps them in one list). Iterative, so a deep tree
    cannot exhaust the stack while being measured.
    """
    deepest = 0
    stack: List[Tuple[ast.AST, int]] = [(tree, 1)]
    pop, push, AST = stack.pop, stack.append, ast.AST
    while stack:
        node, depth = pop()
        if isinstance(node, ast.BoolOp):
            depth += max(len(node.values) - 2, 0)
        if depth > deepest:
            deepest = depth
            if stop_above is not None and deepest > stop_above:
                return deepest
        # The children ast.iter_child_nodes gives, without its generator: this runs on every
        # node of each file the fixer takes on.
        below = depth + 1
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, AST):
                push((value, below))
            elif value.__class__ is list:
                for item in value:
                    if isinstance(item, AST):
                        push((item, below))
    return deepest
