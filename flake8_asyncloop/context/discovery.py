"""Finding the project context for a file: config, rootdir, conftest chain, versions.

Everything is computed once per directory and reused for every file in it. A cached context
is reused while the files it was built from (the config file and each conftest.py of the
chain, present or not) keep their mtime and size, so a long-lived process (the fixer, an
editor) sees edits; a run that writes nothing skips that check (``set_files_may_change``).
Under ``flake8 --jobs N`` each worker builds its own caches.

The rootdir is the config file's directory. Without a config file pytest would use the
nearest ``pyproject.toml``'s directory, else the nearest ancestor holding ``setup.py``, else
the directory it was started from, which a linter cannot know; there the rootdir is the
topmost directory of the run of ancestors, starting at the file's own directory, that hold a
``conftest.py`` or an ``__init__.py`` and has a conftest.py (the file's directory if none has).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from flake8_asyncloop.context import conftest_facts as conftest_module
from flake8_asyncloop.context import (
    command_lines,
    declared_plugins,
    project_modules,
    pytest_config,
    suite_marks,
    versions,
)
from flake8_asyncloop.context.conftest_facts import conftest_facts
from flake8_asyncloop.context.model import ConftestFacts, ProjectContext

CONFTEST = "conftest.py"

Signature = Tuple[Optional[Tuple[int, int]], ...]


@dataclass(frozen=True)
class _Entry:
    context: ProjectContext
    watched: Tuple[str, ...]
    signature: Signature


_contexts: Dict[Tuple[str, Optional[str]], _Entry] = {}
_setup_py_roots: Dict[str, Optional[str]] = {}
_absolute_directories: Dict[object, str] = {}
# Whether a cached context is checked against its files before each use. A run that writes
# nothing (``check``, ``fix --diff``, flake8) turns this off: its files do not change under
# it, and the stats cost more than the rest of the lookup.
_revalidate = True


def set_files_may_change(may_change: bool) -> bool:
    """Whether the config and conftest files may change while this process runs (True by
    default: the fixer writes them, an editor saves them); returns the previous setting."""
    global _revalidate
    previous, _revalidate = _revalidate, may_change
    project_modules.trust_files(not may_change)
    return previous


def context_for(path: str, pytest_asyncio_version: Optional[str] = None) -> ProjectContext:
    """The project context of the file at ``path``; never raises."""
    directory = _absolute_directory(os.path.dirname(path))
    key = (directory, pytest_asyncio_version)
    entry = _contexts.get(key)
    if entry is not None:
        if not _revalidate or _signature(entry.watched) == entry.signature:
            return entry.context
        # A watched file changed, appeared or went away: the walk may now end elsewhere.
        pytest_config.forget_locations()
        declared_plugins.clear_cache()
    try:
        entry = _build(directory, pytest_asyncio_version)
    except Exception:  # discovery must never stop the lint: fall back to the defaults
        return ProjectContext(
            pytest_asyncio_version=versions.pytest_asyncio_version(pytest_asyncio_version),
            pytest_version=versions.pytest_version(),
        )
    _contexts[key] = entry
    return entry.context


def _absolute_directory(directory: str) -> str:
    """``os.path.abspath(directory)``, worked out once per directory (and working
    directory): asked for every file, it costs more than the rest of the lookup."""
    key = directory if os.path.isabs(directory) else (directory, os.getcwd())
    absolute = _absolute_directories.get(key)
    if absolute is None:
        absolute = _absolute_directories[key] = os.path.abspath(directory)
    return absolute


def clear_caches() -> None:
    """Forget everything read so far (for callers that know files changed under them)."""
    _contexts.clear()
    _setup_py_roots.clear()
    _absolute_directories.clear()
    pytest_config.clear_cache()
    conftest_module.clear_cache()
    project_modules.clear_cache()
    declared_plugins.clear_cache()
    command_lines.clear_cache()
    suite_marks.clear_cache()


def _build(directory: str, pinned_version: Optional[str]) -> _Entry:
    config_file, config = pytest_config.config_for_directory(directory)
    if config_file is not None:
        root = os.path.dirname(config_file)
    else:
        root = _setup_py_root(directory) or _conftest_root(directory)
    chain = [os.path.join(d, CONFTEST) for d in _directories_down_to(root, directory)]
    facts = tuple(f for f in (conftest_facts(p) for p in chain) if f is not None)
    marking = next((f for f in reversed(facts) if f.test_loop_scope), None)
    if marking is not None:
        # A conftest hook marks the async tests below it with this loop scope: what an
        # unmarked test gets, and (see ``closest_mark_scope``) a marked one too, unless
        # its own mark comes first.
        config = dataclasses.replace(
            config,
            test_loop_scope=marking.test_loop_scope,
            marked_by_hook=marking.test_loop_scope,
            hook_mark_first=marking.test_loop_mark_first,
            configured_test_loop_scope=config.test_loop_scope,
        )
    runner, dependency_files = declared_plugins.runner_instead_of_pytest_asyncio(root)
    declares_pytest = declared_plugins.names_pytest(root) or command_lines.runs_pytest(root)
    unpacked_sdist = root is not None and os.path.isfile(os.path.join(root, "PKG-INFO"))
    context = ProjectContext(
        root=root,
        config=config,
        conftests=facts,
        pytest_asyncio_version=versions.pytest_asyncio_version(pinned_version),
        pytest_version=versions.pytest_version(),
        declared_runner=runner,
        declares_pytest_asyncio=declared_plugins.names_pytest_asyncio(root),
        declares_pytest=declares_pytest,
        unpacked_sdist=unpacked_sdist,
        strict_by_its_marks=(
            not (declares_pytest and not unpacked_sdist)
            and config.section_line is None
            and os.path.basename(config.path or "") == pytest_config.PYPROJECT
            and root is not None
            and suite_marks.written_for_strict_mode(root)
        ),
        pytest_aiohttp_on_pytest_asyncio=declared_plugins.pytest_aiohttp_on_pytest_asyncio(root),
        pytest_aiohttp_runs_coroutine_tests=(
            declared_plugins.pytest_aiohttp_runs_coroutine_tests(root)
        ),
        runner_beside_pytest_asyncio=declared_plugins.runner_beside_pytest_asyncio(root),
        pinned_pytest_ceiling=declared_plugins.pinned_pytest_ceiling(root),
        asyncio_mode_on_command_line=command_lines.asyncio_mode_on_command_line(root),
        pytest_asyncio_undeclared=(
            declared_plugins.tests_without_pytest_asyncio(root)
            and not config.sets_asyncio_options
            and not config.problems  # a config pytest cannot read may say anything
            and not config.unreadable
            and not any(_uses_pytest_asyncio(conftest) for conftest in facts)
        ),
        pinned_pytest_asyncio_ceiling=(
            declared_plugins.pinned_pytest_asyncio_ceiling(root) if pinned_version is None else None
        ),
    )
    watched = tuple(chain) + ((config_file,) if config_file is not None else ())
    watched += tuple(p for p in dependency_files if p not in watched)
    return _Entry(context, watched, _signature(watched))


def _uses_pytest_asyncio(conftest: ConftestFacts) -> bool:
    """A conftest.py that imports pytest_asyncio, loads it as a plugin, defines a fixture
    through it, or has a hook that marks or runs coroutine tests."""
    return (
        "pytest_asyncio" in conftest.imported
        or any("asyncio" in plugin for plugin in conftest.plugins)
        or any(fixture.provider == "pytest_asyncio" for fixture in conftest.fixtures)
        or conftest.handles_coroutines
    )


def _signature(paths: Tuple[str, ...]) -> Signature:
    return tuple(_stat(path) for path in paths)


def _stat(path: str) -> Optional[Tuple[int, int]]:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _directories_down_to(root: str, directory: str) -> List[str]:
    """``root`` and each directory below it down to ``directory``, outermost first."""
    walked: List[str] = []
    current = directory
    while True:
        walked.append(current)
        if current == root:
            break
        parent = os.path.dirname(current)
        if parent == current:  # root is not above directory: only the directory itself
            return [directory]
        current = parent
    walked.reverse()
    return walked


def _setup_py_root(directory: str) -> Optional[str]:
    """The nearest ancestor holding setup.py (pytest's fallback rootdir), cached per directory."""
    pending: List[str] = []
    current = directory
    found: Optional[str] = None
    while True:
        if current in _setup_py_roots:
            found = _setup_py_roots[current]
            break
        pending.append(current)
        if os.path.isfile(os.path.join(current, "setup.py")):
            found = current
            break
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    for walked in pending:
        _setup_py_roots[walked] = found
    return found


def _conftest_root(directory: str) -> str:
    root = directory
    current = directory
    while True:
        has_conftest = os.path.isfile(os.path.join(current, CONFTEST))
        if has_conftest:
            root = current
        elif current != directory and not os.path.isfile(os.path.join(current, "__init__.py")):
            return root
        parent = os.path.dirname(current)
        if parent == current:
            return root
        current = parent
