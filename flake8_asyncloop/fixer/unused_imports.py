"""Imports the fixes left unused are removed, so that a fixed file stays clean under F401.

Deleting an overridden ``event_loop`` fixture, or rewriting ``get_event_loop()`` called by a
bare name, can take away the last use of an imported name (``import asyncio`` in a
conftest.py that only made a loop). Only names the module used before the fixes and uses no
more are removed, only from plain one-line top-level imports of the standard library,
pytest and pytest-asyncio (importing those has no effect a test can see), and only from an
import statement that carries no comment. A name still written anywhere, in code, a string
or a comment, keeps its import.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import List, Optional, Set

from flake8_asyncloop.stdlib_modules import in_standard_library

# Modules whose import a test cannot tell from its absence (they are imported anyway).
_TEST_FRAMEWORK = frozenset({"pytest", "_pytest", "pytest_asyncio"})
_WORD = re.compile(r"\w+")


def drop_imports_made_unused(before: str, after: str) -> str:
    """``after`` (the fixed ``before``) without the imports its fixes left unused."""
    try:
        tree = ast.parse(after)
        old_tree = ast.parse(before)
    except (SyntaxError, ValueError):
        return after
    statements = [s for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))]
    if not statements:
        return after
    used_before = _words(before, _import_lines(old_tree))
    used_after = _words(after, _import_lines(tree))
    if used_before is None or used_after is None:
        return after
    # Lines as Python counts them: str.splitlines() would also split at a form feed.
    lines = io.StringIO(after, newline="").readlines()
    for statement in reversed(statements):  # from the bottom: line numbers above stay put
        line = _own_line(statement, lines)
        if line is None:
            continue
        kept = [
            alias for alias in statement.names
            if not _removable(statement, alias, used_before, used_after)
        ]
        if len(kept) == len(statement.names):
            continue
        index = statement.lineno - 1
        if kept:
            ending = line[len(line.rstrip("\r\n")):]
            lines[index] = _import_code(statement, kept) + ending
        else:
            del lines[index]
            _close_gap(lines, index)
    return "".join(lines)


def _close_gap(lines: List[str], index: int) -> None:
    """Where a line was deleted above ``lines[index]``, leave the blank lines one of the two
    gaps around it had (the wider: two above a def stay two), and none at either end of the
    file."""
    above = 0
    while index - above > 0 and not lines[index - above - 1].strip():
        above += 1
    below = 0
    while index + below < len(lines) and not lines[index + below].strip():
        below += 1
    if index - above == 0 or index + below == len(lines):
        del lines[index - above:index + below]
    elif above and below:
        if above <= below:
            del lines[index - above:index]
        else:
            del lines[index:index + below]


def _removable(
    statement: ast.stmt, alias: ast.alias, used_before: Set[str], used_after: Set[str]
) -> bool:
    if isinstance(statement, ast.ImportFrom):
        if statement.level or not statement.module or statement.module == "__future__":
            return False
        if alias.name == "*":
            return False
        module, bound = statement.module, alias.asname or alias.name
    else:
        module, bound = alias.name, alias.asname or alias.name.split(".")[0]
    if module.split(".")[0] not in _TEST_FRAMEWORK and not in_standard_library(module):
        return False
    return bound in used_before and bound not in used_after


def _own_line(statement: ast.stmt, lines: List[str]) -> Optional[str]:
    """The statement's line when the statement is all there is on it (no ``;``, no
    comment, one line); None otherwise."""
    if statement.end_lineno != statement.lineno or statement.col_offset != 0:
        return None
    line = lines[statement.lineno - 1]
    if line[statement.end_col_offset:].strip():
        return None
    return line


def _import_code(statement: ast.stmt, aliases: List[ast.alias]) -> str:
    names = ", ".join(a.name if a.asname is None else f"{a.name} as {a.asname}" for a in aliases)
    if isinstance(statement, ast.ImportFrom):
        return f"from {statement.module} import {names}"
    return f"import {names}"


def _import_lines(tree: ast.Module) -> Set[int]:
    """The lines of the module's top-level import statements."""
    covered: Set[int] = set()
    for statement in tree.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            covered.update(range(statement.lineno, (statement.end_lineno or statement.lineno) + 1))
    return covered


def _words(source: str, skipped_lines: Set[int]) -> Optional[Set[str]]:
    """Every name but an attribute's (``mark.asyncio`` does not use ``asyncio``), and every
    word of a string or comment, outside ``skipped_lines``; None when the source does not
    tokenize."""
    words: Set[str] = set()
    after_dot = False
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in _BETWEEN_TOKENS:
                continue
            skipped = token.start[0] in skipped_lines and token.end[0] in skipped_lines
            if skipped:
                pass
            elif token.type == tokenize.NAME:
                if not after_dot:
                    words.add(token.string)
            elif token.type in (tokenize.STRING, tokenize.COMMENT) or _is_fstring_part(token):
                words.update(_WORD.findall(token.string))
            after_dot = token.type == tokenize.OP and token.string == "."
    except (tokenize.TokenError, SyntaxError):
        return None
    return words


# Tokens that may stand between a dot and the attribute name after it (``mark.\n asyncio``
# inside brackets).
_BETWEEN_TOKENS = frozenset({tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT})


def _is_fstring_part(token: tokenize.TokenInfo) -> bool:
    """A piece of an f-string's text (Python 3.12+ tokenizes f-strings into parts)."""
    return tokenize.tok_name.get(token.type, "") == "FSTRING_MIDDLE"
