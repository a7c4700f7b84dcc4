"""``ast.parse`` with the last few trees remembered.

Fixing a file asks for the same source's tree several times: the check, the fixer's
nesting limit and its runs, the soundness of the fixed text, the check of that text. Each
is parsed once. Trees are shared: callers read them and never change them.
"""

from __future__ import annotations

import ast
import functools
import warnings


def parse_source(source: str) -> ast.Module:
    """The tree of ``source``; raises what ``ast.parse`` raises (a failure is not kept)."""
    return _parse(source)


def forget() -> None:
    """Drop the remembered trees: a run that parses each text once keeps none alive, which
    would only lengthen the garbage collector's walks over the next file's tree."""
    _parse.cache_clear()


@functools.lru_cache(maxsize=2)  # the text before a fix and after it
def _parse(source: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings are not ours to report
        return ast.parse(source)
