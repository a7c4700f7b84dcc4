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
from typing import Iterable, List, Optional, Set

from flake8_asyncloop.parsing import parse_source
from flake8_asyncloop.stdlib_modules import in_standard_library

# Modules whose import a test cannot tell from its absence (they are imported anyway).
_TEST_FRAMEWORK = frozenset({"pytest", "_pytest", "pytest_asyncio"})
_WORD = re.compile(r"\w+")


def drop_imports_made_unused(before: str, after: str) -> str:
    """``after`` (the fixed ``before``) without the imports its fixes left unused."""
    try:
        tree = parse_source(after)
    except (SyntaxError, ValueError):
        return after
    # Lines as Python counts them: str.splitlines() would also split at a form feed.
    lines = io.StringIO(after, newline="").readlines()
    # The names of plain top-level imports of harmless modules, each with its statement.
    candidates = {
        _bound_name(statement, alias): statement
        for statement in tree.body
        if isinstance(statement, (ast.Import, ast.ImportFrom))
        and _own_line(statement, lines) is not None
        for alias in statement.names
        if _harmless(statement, alias)
    }
    if not candidates:
        return after
    import_lines = _import_lines(tree)
    if _all_named_outside(candidates, lines, import_lines):
        return after  # the common case, told without tokenizing
    used_after = _words(after, import_lines)
    if used_after is None or all(name in used_after for name in candidates):
        return after  # the common case: the fixes took no import's last use
    try:
        used_before = _words(before, _import_lines(parse_source(before)))
    except (SyntaxError, ValueError):
        return after
    if used_before is None:
        return after
    unused = {name for name in candidates if name in used_before and name not in used_after}
    statements = {id(statement): statement for statement in candidates.values()}
    # From the bottom up, so that the line numbers of the statements above stay right.
    for statement in sorted(statements.values(), key=lambda s: s.lineno, reverse=True):
        names = statement.names  # type: ignore[attr-defined]
        kept = [
            alias for alias in names
            if not (_harmless(statement, alias) and _bound_name(statement, alias) in unused)
        ]
        if len(kept) == len(names):
            continue
        index = statement.lineno - 1
        if kept:
            line = lines[index]
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


def _harmless(statement: ast.stmt, alias: ast.alias) -> bool:
    """Whether the alias imports from the standard library, pytest or pytest-asyncio (not
    ``__future__``, a star, or a relative import)."""
    if isinstance(statement, ast.ImportFrom):
        if statement.level or not statement.module or statement.module == "__future__":
            return False
        if alias.name == "*":
            return False
        module = statement.module
    else:
        module = alias.name
    return module.split(".")[0] in _TEST_FRAMEWORK or in_standard_library(module)


def _bound_name(statement: ast.stmt, alias: ast.alias) -> str:
    """The name the alias binds: ``np`` for ``import numpy as np``, ``a`` for ``import a.b``."""
    if alias.asname:
        return alias.asname
    return alias.name if isinstance(statement, ast.ImportFrom) else alias.name.split(".")[0]


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


def _all_named_outside(names: Iterable[str], lines: List[str], skipped_lines: Set[int]) -> bool:
    """Whether each name occurs, not after a dot, on some line outside ``skipped_lines``:
    then ``_words`` would find it too (it counts words of strings and comments as well), and
    no import is left unused."""
    text = "".join(line for number, line in enumerate(lines, 1) if number not in skipped_lines)
    return all(re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", text) for name in names)


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
