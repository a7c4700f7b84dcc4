"""The top-level ``async def`` names of the project's own modules, for the imports a file makes.

A module is looked for where Python would find it when pytest runs the project: first the
importing file's base directory and that of each conftest.py above it (for each such file,
pytest's default import mode puts on ``sys.path`` the first directory, from the file's own
upwards, without an ``__init__.py``), then the project root and ``<root>/src``. Only files
under the root count: never an installed package, never a standard-library name. Modules are
read with ``ast``, never imported, and only when a rule asks about a name the checked file
imports from them.

What is read is cached per process on (path, mtime, size). Every path looked at is noted
with what was there, so that a result cache can tell when a file's findings rest on a
module that has changed since, or on one that has appeared (``take_dependencies``).
"""

from __future__ import annotations

import ast
import io
import os
import stat
import tokenize
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, Iterator, List, Mapping, Optional, Tuple, Union

from flake8_asyncloop.analysis.children import own_body_nodes
from flake8_asyncloop.analysis.coroutine_functions import (
    ASYNCIO_COROUTINE_FUNCTIONS,
    keeps_coroutine,
)
from flake8_asyncloop.analysis.names import ImportTable, module_bindings
from flake8_asyncloop.analysis.text_gates import from_imports
from flake8_asyncloop.stdlib_modules import standard_library

# A module larger than this is generated code or data, not a helper worth reading.
MAX_BYTES = 1_000_000
INIT = "__init__.py"
# Directories that hold installed packages, even when they sit under the root (a virtualenv).
_INSTALLED_DIRS = frozenset({"site-packages", "dist-packages"})

# What a path held when looked at: (mtime, size) for a file, DIR, or None when missing.
DIR = "dir"
Probe = Union[Tuple[int, int], str, None]
_NOTHING: FrozenSet[str] = frozenset()


@dataclass(frozen=True)
class ModuleFacts:
    """What one module binds at top level that a caller can tell is a coroutine function."""

    async_functions: FrozenSet[str] = _NOTHING
    # Names bound once by ``from x import name``: local name -> (level, module, name there).
    reexports: Mapping[str, Tuple[int, str, str]] = field(default_factory=dict)
    # Set instead, to the (level, module) of its ``from`` imports, for a module whose text
    # never says "async": it defines no coroutine function and can only pass on one of
    # those modules'; it is parsed only if one of them defines some.
    imported_from: Optional[Tuple[Tuple[int, str], ...]] = None


_EMPTY = ModuleFacts()
_facts_cache: Dict[str, Tuple[Tuple[int, int], ModuleFacts]] = {}
_dependencies: Dict[str, Probe] = {}
# While no file changes under the run (``trust_files``): each answer of
# ``async_functions_of``, with the paths it looked at, by its question. Most files of a suite
# ask the same questions (``from tests.helpers import make_payload``), and finding a module
# costs a ``stat`` per directory searched.
_answers: Dict[Tuple[object, ...], Tuple[FrozenSet[str], Dict[str, Probe]]] = {}
# Likewise, what each path a result cache entry rests on held when first looked at.
_checked_probes: Dict[str, Probe] = {}
_UNPROBED = object()
_trusted = False


def trust_files(trusted: bool) -> None:
    """Whether files may be taken to stay as first seen until ``clear_cache``."""
    global _trusted
    _trusted = trusted
    _answers.clear()
    _checked_probes.clear()


# -- the question rules ask, through ProjectContext ---------------------------------------------


def async_functions_of(
    root: Optional[str],
    module: str,
    level: int,
    importer: str,
    conftest_dirs: Iterable[str] = (),
) -> FrozenSet[str]:
    """Top-level coroutine functions of ``module`` as imported by the file ``importer``.

    ``module`` is dotted without leading dots; ``level`` is the number of dots of a relative
    import (0 for an absolute one). Empty when the module is not a project file or cannot be
    read. Names a module re-exports with ``from x import name`` are followed one step.
    """
    if root is None or _never_the_project(root, module, level):
        return _NOTHING
    if not _trusted:
        return _async_functions_of(root, module, level, importer, conftest_dirs)
    # The importer counts only through its directory (``find_module``).
    conftest_dirs = tuple(conftest_dirs)
    key = (root, module, level, os.path.dirname(importer), conftest_dirs)
    known = _answers.get(key)
    if known is None:
        global _dependencies
        outer, _dependencies = _dependencies, {}
        try:
            answer = _async_functions_of(root, module, level, importer, conftest_dirs)
            known = _answers[key] = (answer, _dependencies)
        finally:
            outer.update(_dependencies)
            _dependencies = outer
    else:
        _dependencies.update(known[1])  # what the answer rests on, for a result cache
    return known[0]


def module_tree(
    root: Optional[str],
    module: str,
    level: int,
    importer: str,
    conftest_dirs: Iterable[str] = (),
) -> Optional[ast.Module]:
    """The parsed project module that the file ``importer`` imports (as in
    ``async_functions_of``); None when it is not a project file or cannot be read. Asked
    only before a finding: each module is parsed once per process while it is unchanged."""
    if root is None or _never_the_project(root, module, level):
        return None
    try:
        root = os.path.abspath(root)
        path = find_module(root, module, level, os.path.abspath(importer), conftest_dirs)
    except (OSError, ValueError):
        return None
    if path is None:
        return None
    probe = _probe(path)
    if not isinstance(probe, tuple) or probe[1] > MAX_BYTES:
        return None
    cached = _trees.get(path)
    if cached is not None and cached[0] == probe:
        return cached[1]
    try:
        with open(path, "rb") as handle:
            tree = _parse(handle.read(MAX_BYTES + 1), path)
    except OSError:
        tree = None
    _trees[path] = (probe, tree)
    return tree


_trees: Dict[str, Tuple[Tuple[int, int], Optional[ast.Module]]] = {}


def _async_functions_of(
    root: str, module: str, level: int, importer: str, conftest_dirs: Iterable[str]
) -> FrozenSet[str]:
    try:
        root = os.path.abspath(root)
        path = find_module(root, module, level, os.path.abspath(importer), conftest_dirs)
        return _NOTHING if path is None else _functions_in(root, path)
    except (OSError, ValueError):  # an odd path: nothing known
        return _NOTHING


def _functions_in(root: str, path: str) -> FrozenSet[str]:
    """The module file's coroutine functions, its one-step re-exports included."""
    facts = _facts(path)
    if facts.imported_from is not None:
        if not any(
            _defines_coroutines(root, path, level, module)
            for level, module in facts.imported_from
        ):
            return _NOTHING
        facts = _facts(path, parsed=True)
    if not facts.reexports:
        return facts.async_functions
    return facts.async_functions | _reexported(root, path, facts.reexports)


def may_define_coroutines(
    root: Optional[str],
    imports: Iterable[Tuple[str, int]],
    importer: str,
    conftest_dirs: Iterable[str] = (),
) -> bool:
    """Whether one of ``imports`` ((module, level) pairs, as for ``async_functions_of``)
    can give ``importer`` a project coroutine function: a project package (its submodules
    are not looked into) or a module that defines or re-exports one."""
    if root is None:
        return False
    root = os.path.abspath(root)
    importer = os.path.abspath(importer)
    search_dirs: Optional[List[str]] = None  # the same for every absolute import
    for module, level in imports:
        if _never_the_project(root, module, level):
            continue
        try:
            if not level and search_dirs is None:
                search_dirs = _search_dirs(root, importer, conftest_dirs)
            path = find_module(root, module, level, importer, (), True, search_dirs)
            if path is None:
                continue
            if not path.endswith(".py") or os.path.basename(path) == INIT:
                return True  # a package, or a namespace package's directory
            if _functions_in(root, path):
                return True
        except (OSError, ValueError):  # an odd path: nothing known of this import
            continue
    return False


def _never_the_project(root: Optional[str], module: str, level: int) -> bool:
    """No project, or an absolute import of a standard-library module (imported before any
    test module, so never the project's own)."""
    return root is None or not level and (not module or _top_level(module) in standard_library())


def _reexported(
    root: str, path: str, reexports: Mapping[str, Tuple[int, str, str]]
) -> FrozenSet[str]:
    found = set()
    targets: Dict[Tuple[int, str], FrozenSet[str]] = {}
    for local, (level, module, name) in reexports.items():
        if not level and f"{module}.{name}" in ASYNCIO_COROUTINE_FUNCTIONS:
            found.add(local)  # ``from asyncio import sleep`` in a helpers module
            continue
        key = (level, module)
        if key not in targets:
            target = find_module(root, module, level, path, ())
            # One step only: what the target itself re-exports is not followed.
            targets[key] = _facts(target).async_functions if target is not None else _NOTHING
        if name in targets[key]:
            found.add(local)
    return frozenset(found)


def _defines_coroutines(root: str, importer: str, level: int, module: str) -> bool:
    """Whether the module ``importer`` imports from defines a coroutine function of its own."""
    target = find_module(root, module, level, importer, ())
    return target is not None and bool(_facts(target).async_functions)


# -- finding the file -------------------------------------------------------------------------


def find_module(
    root: str,
    module: str,
    level: int,
    importer: str,
    conftest_dirs: Iterable[str],
    packages: bool = False,
    search_dirs: Optional[List[str]] = None,
) -> Optional[str]:
    """The file of the module as Python would import it from ``importer``, if under ``root``;
    with ``packages``, a namespace package's first directory too (it has no file).
    ``search_dirs``, when given, is what ``_search_dirs`` says for the importer."""
    parts = module.split(".") if module else []
    if level:
        package = os.path.dirname(importer)
        for _ in range(level - 1):
            package = os.path.dirname(package)
        if not _inside(package, root):
            return None
        if not parts:
            init = os.path.join(package, INIT)
            return init if _is_file(_probe(init)) else None
        return _find(parts, [package], root, packages)
    if parts[0] in standard_library():
        return None
    if search_dirs is None:
        search_dirs = _search_dirs(root, importer, conftest_dirs)
    return _find(parts, search_dirs, root, packages)


def _search_dirs(root: str, importer: str, conftest_dirs: Iterable[str]) -> List[str]:
    directories = [_basedir(os.path.dirname(importer), root)]
    directories += [_basedir(os.path.abspath(d), root) for d in conftest_dirs]
    directories += [root, os.path.join(root, "src")]
    unique: List[str] = []
    for directory in directories:
        if directory not in unique and _inside(directory, root):
            unique.append(directory)
    return unique


def _basedir(directory: str, root: str) -> str:
    """The first directory up from ``directory`` (not above the root) without ``__init__.py``:
    what pytest's default import mode puts on ``sys.path`` for a file there."""
    while directory != root and _is_file(_probe(os.path.join(directory, INIT))):
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return directory


def _find(
    parts: List[str], directories: List[str], root: str, packages: bool = False
) -> Optional[str]:
    """Search as Python's path finder does: in each directory a package (a directory with
    ``__init__.py``) first, then a ``.py`` module; directories without ``__init__.py`` are
    namespace portions, searched together when nothing else is found."""
    last = len(parts) - 1
    for index, part in enumerate(parts):
        if not part.isidentifier():
            return None
        found: Optional[str] = None
        portions: List[str] = []
        for directory in directories:
            package = os.path.join(directory, part)
            is_dir = _probe(package) == DIR
            if is_dir and _is_file(_probe(os.path.join(package, INIT))):
                found = package
                break
            if _is_file(_probe(package + ".py")):
                if index != last:
                    return None  # a plain module has no submodules
                found = package + ".py"
                break
            if is_dir:
                portions.append(package)
        if found is None:
            if packages and portions and index == last:
                return portions[0]  # a namespace package
            if not portions or index == last:
                return None  # not found, or a namespace package: no code of its own
            directories = portions
        elif found.endswith(".py"):
            return found if _inside(found, root) else None
        elif index == last:
            init = os.path.join(found, INIT)
            return init if _inside(init, root) else None
        else:
            directories = [found]
    return None


def _inside(path: str, root: str) -> bool:
    if path == root:
        return True
    prefix = root.rstrip(os.sep) + os.sep
    if not path.startswith(prefix):
        return False
    return _INSTALLED_DIRS.isdisjoint(path[len(prefix):].split(os.sep))


def _top_level(module: str) -> str:
    return module.partition(".")[0]


# -- what was looked at, for result caches ----------------------------------------------------


def _probe(path: str) -> Probe:
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        result: Probe = None
    else:
        result = DIR if stat.S_ISDIR(found.st_mode) else (found.st_mtime_ns, found.st_size)
    _dependencies[path] = result
    return result


def _is_file(probe: Probe) -> bool:
    return isinstance(probe, tuple)


def take_dependencies() -> List[Tuple[str, Probe]]:
    """Every path looked at since the last call, with what was there; then forget them."""
    taken = sorted(_dependencies.items())
    _dependencies.clear()
    return taken


def dependencies_unchanged(recorded: Iterable[Tuple[str, object]]) -> bool:
    """Whether each path still holds what ``take_dependencies`` said (as stored in JSON)."""
    for path, was in recorded:
        if _trusted:
            # The files of a suite rest on the same few helpers: each is looked at once.
            now = _checked_probes.get(path, _UNPROBED)
            if now is _UNPROBED:
                now = _checked_probes[path] = _probe(path)
        else:
            now = _probe(path)
        _dependencies.pop(path, None)
        if (tuple(was) if isinstance(was, list) else was) != now:
            return False
    return True


def clear_cache() -> None:
    _facts_cache.clear()
    _trees.clear()
    _dependencies.clear()
    _answers.clear()
    _checked_probes.clear()


# -- reading a module -------------------------------------------------------------------------


def _facts(path: str, parsed: bool = False) -> ModuleFacts:
    """The module's facts, from its text alone when it never says "async", unless ``parsed``."""
    probe = _probe(path)
    if not isinstance(probe, tuple):
        return _EMPTY
    cached = _facts_cache.get(path)
    if cached is not None and cached[0] == probe:
        if not parsed or cached[1].imported_from is None:
            return cached[1]
    facts = _read(path, probe[1], parsed)
    _facts_cache[path] = (probe, facts)
    return facts


def _read(path: str, size: int, parsed: bool = False) -> ModuleFacts:
    if size > MAX_BYTES:
        return _EMPTY
    try:
        with open(path, "rb") as handle:
            source = handle.read(MAX_BYTES + 1)
        if len(source) > MAX_BYTES:
            return _EMPTY
        if not parsed and b"async" not in source:
            imported_from = _from_imports(source)
            if imported_from is not None:
                return ModuleFacts(imported_from=imported_from)
    except OSError:
        return _EMPTY
    tree = _parse(source, path)
    if tree is None:
        return _EMPTY
    return module_facts(tree, declares_global=b"global" in source)


def _parse(source: bytes, path: str) -> Optional[ast.Module]:
    """The module's tree; None when it does not parse. Undecodable text is a SyntaxError (or
    UnicodeDecodeError), a null byte a ValueError; a file nested too deep for the parser
    raises RecursionError or MemoryError."""
    try:
        return ast.parse(source, filename=path)
    except (SyntaxError, UnicodeDecodeError, ValueError, RecursionError, MemoryError):
        return None


def _from_imports(source: bytes) -> Optional[Tuple[Tuple[int, str], ...]]:
    """What the module imports from, read from its text; None when the text cannot be read
    so with certainty (a ``from`` line continued by a backslash, which may split the import)."""
    if _continued_from_line(source):
        return None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text = source.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return tuple(dict.fromkeys((dots, module) for module, dots in from_imports(text)))


def _continued_from_line(source: bytes) -> bool:
    for continuation in (b"\\\n", b"\\\r"):
        at = source.find(continuation)
        while at != -1:
            start = max(source.rfind(b"\n", 0, at), source.rfind(b"\r", 0, at)) + 1
            if b"from" in source[start:at]:
                return True
            at = source.find(continuation, at + 2)
    return False


def module_facts(tree: ast.Module, declares_global: bool = True) -> ModuleFacts:
    """The module's names bound exactly once at top level to a coroutine function (or by a
    ``from`` import, to follow), and not possibly replaced by a later ``import *``."""
    bindings: Dict[str, List[Tuple[int, ast.AST, str]]] = {}
    last_star = -1
    for position, (name, node, original) in enumerate(module_bindings(tree)):
        if name == "*":
            last_star = position
        else:
            bindings.setdefault(name, []).append((position, node, original))
    # A def may rebind a name it declares global (a walk of the whole module, so only when
    # the text says ``global`` at all).
    for name in _global_declarations(tree) if declares_global else ():
        bindings.setdefault(name, []).append((-1, tree, ""))
    imports = ImportTable()
    imports.add_module_imports(tree.body)
    async_functions = set()
    reexports: Dict[str, Tuple[int, str, str]] = {}
    for name, found in bindings.items():
        if len(found) != 1 or found[0][0] < last_star:
            continue
        _, node, original = found[0]
        if isinstance(node, ast.AsyncFunctionDef):
            if _is_coroutine_function(node, imports):
                async_functions.add(name)
        elif isinstance(node, ast.ImportFrom):
            reexports[name] = (node.level or 0, node.module or "", original)
    return ModuleFacts(frozenset(async_functions), reexports)


def _is_coroutine_function(node: ast.AsyncFunctionDef, imports: ImportTable) -> bool:
    if not all(keeps_coroutine(d, imports.resolve) for d in node.decorator_list):
        return False
    return not any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in own_body_nodes(node))


def _global_declarations(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            yield from node.names
