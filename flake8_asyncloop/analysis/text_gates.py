"""Necessary conditions on a file's text, for rules to tell before the walk that they cannot
report there (``Rule.applies_to``).

Each holds for every file a rule can report in, because the rule only ever acts on names a
file must spell: an import of asyncio spells "asyncio" (so "async"), an ``async def`` spells
"async", the ``event_loop`` fixture is requested by that name. None of them is a guess.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, FrozenSet, Iterator, Optional, Tuple

from flake8_asyncloop.analysis.loop_bound import BUILT_IN

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState


# The keyword ends a word: "asyncore" or "async_client" do not spell it. (The start of the
# word is checked by hand: a pattern that opens with ``\b`` is scanned at every character,
# thirty times slower than one that opens with text.)
_ASYNC_WORD_END = re.compile(r"async\b")


@lru_cache(maxsize=8)  # several rules ask about the same text, one file after another
def mentions_async(source: str) -> bool:
    """``async def`` (and ``await``, which needs one), ``async with``, ``async for``,
    ``asyncio`` (``pytest_asyncio`` too), ``AsyncMock``: all spell the keyword ``async`` as a
    word, "asyncio" or "AsyncMock"."""
    if "asyncio" in source or "AsyncMock" in source:
        return True
    if "async" not in source:
        return False
    for match in _ASYNC_WORD_END.finditer(source):
        start = match.start()
        before = source[start - 1] if start else " "
        if not (before.isalnum() or before == "_"):  # "is_async" is not the keyword
            return True
    return False


def mentions_pytest_asyncio(source: Optional[str]) -> bool:
    """Whether a test module shows it runs under pytest-asyncio: it imports
    ``pytest_asyncio`` or marks tests ``asyncio`` (``pytest.mark.asyncio``, ``mark.asyncio``);
    True when the text is not known."""
    return source is None or "pytest_asyncio" in source or "mark.asyncio" in source


def may_hold_known_loop(source: str) -> bool:
    """Whether a loop can be known by where it comes from: an asyncio getter, or the
    ``event_loop`` fixture."""
    return mentions_async(source) or "event_loop" in source


def may_make_coroutines(source: str) -> bool:
    """Whether a call in the file can be known, from the file alone, to make a coroutine: an
    ``async def``, an asyncio function or object, an ``AsyncMock`` (all say async), or a
    coroutine method of a known loop."""
    return may_hold_known_loop(source)


@lru_cache(maxsize=8)  # the built-in names, and those plus the user's option
def _packages(names: FrozenSet[str]) -> Tuple[str, ...]:
    """The packages to look for: asyncio first (most files that have one say it), and none
    that holds another (no "redis" in the text, no "aioredis")."""
    packages = {name.partition(".")[0] for name in names if not name.startswith("<")}
    shortest = {p for p in packages if not any(q != p and q in p for q in packages)}
    return tuple(sorted(shortest, key=lambda package: (package != "asyncio", package)))


@lru_cache(maxsize=8)  # ALP501 and ALP502 ask about the same text
def mentions_loop_bound_constructor(source: str, extra_names: Tuple[str, ...]) -> bool:
    """Whether the file can build a loop-bound object: an import statement of it names the
    package of one (rules know a constructor only by the import that brings it), or it calls
    a loop's ``create_future`` (a loop's method, ``<loop>.``)."""
    names = BUILT_IN.union(extra_names) if extra_names else BUILT_IN
    # A line continued by a backslash may split an import from its package: all the text.
    continued = "\\\n" in source or "\\\r" in source
    imports = source if continued else "\n".join(_import_lines(source))
    for package in _packages(names):
        if package in imports:
            return True
    return "create_future" in source


# ``from .x.y import``, ``import a.b as c, d``: at the line's start, or after ``;`` or ``:``.
_IMPORT = re.compile(
    r"(?:^|[;:])[ \t\f]*(?:from[ \t]+([. \t]*)([\w.]*)[ \t]*import\b"
    r"|import[ \t]+([\w.]+(?:[ \t]+as[ \t]+\w+)?(?:[ \t]*,[ \t]*[\w.]+(?:[ \t]+as[ \t]+\w+)?)*))",
)


def _imported_modules(source: str) -> Iterator[Tuple[str, int]]:
    """(module, dots) of every import statement the text holds, nested ones included."""
    for line in _import_lines(source):
        yield from _imported_on(line)


def from_imports(source: str) -> Iterator[Tuple[str, int]]:
    """(module, dots) of every ``from ... import`` the text holds, nested ones included (the
    same blind spot as ``imports_project_coroutines``)."""
    for line in _import_lines(source):
        yield from _imported_on(line, plain_imports=False)


def _import_lines(source: str) -> Iterator[str]:
    """The lines that say "import" (the text's newlines are "\n")."""
    find = source.find
    at = find("import")
    while at != -1:
        start = source.rfind("\n", 0, at) + 1
        end = find("\n", at)
        if end == -1:
            end = len(source)
        yield source[start:end]
        at = find("import", end)


def _imported_on(line: str, plain_imports: bool = True) -> Iterator[Tuple[str, int]]:
    for match in _IMPORT.finditer(line):
        dots, module, plain = match.groups()
        if plain is None:
            yield module, dots.count(".")
            continue
        if not plain_imports:
            continue
        for part in plain.split(","):
            dotted = part.split()[0]
            yield dotted, 0
            if "." in dotted:  # ``import pkg.sub`` binds ``pkg``: any of its modules is reachable
                yield dotted.partition(".")[0], 0


def imports_project_coroutines(source: str, file: "FileState") -> bool:
    """Whether the file imports from the project a module or package that may define
    coroutine functions (what ALP301 looks up when a call's callee is imported).

    A line continued with a backslash inside ``from ... import`` is not read (a blind spot).
    """
    if "import" not in source:
        return False
    project = file.project
    if project.root is None:
        return False
    return project.imports_possible_coroutines(_imported_modules(source), file.filename)
