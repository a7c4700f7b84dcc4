"""The result cache: a file's findings kept under a key that covers everything they depend on.

An entry is keyed by a hash of the file's bytes, the path it is shown as, its project context
(the pytest config and conftest facts, the installed pytest and pytest-asyncio versions, and
the project's own pytest_plugins modules), the run's settings (selection, options), and the
tool itself (its version, the text of its modules, the Python version). Change any of them and
the file is checked again; nothing is ever invalidated by time. An entry also lists the project
modules the check looked at for the file's imports (and where it looked in vain): if one of
them changed, appeared or went away, the entry is not used.

The cache lives in ``.flake8-asyncloop_cache`` next to the config file in use, or in the
current directory when there is none. Entries are JSON written to a temporary file and moved
into place, so concurrent runs only ever see whole entries; an entry that cannot be read or
decoded is ignored, and a cache that cannot be written is silently not written. JSON, not
pickle: a cache directory can come with a checked-out repository, and loading a pickle runs
whatever it names.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
import tempfile
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple, Type

from flake8_asyncloop import __version__, findings
from flake8_asyncloop.context import project_modules
from flake8_asyncloop.context.model import ProjectContext
from flake8_asyncloop.engine import InternalError
from flake8_asyncloop.findings import AddImport, ConfigSetting, Edit, Finding, Fix, Safety, Span

CACHE_DIR_NAME = ".flake8-asyncloop_cache"
FORMAT = 1  # bump when the layout of an entry changes
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by flake8-asyncloop.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)


def default_location(config_path: Optional[str], cwd: Optional[str] = None) -> str:
    base = os.path.dirname(os.path.abspath(config_path)) if config_path else (cwd or os.getcwd())
    return os.path.join(base, CACHE_DIR_NAME)


class ResultCache:
    """Findings by key, on disk under ``directory``."""

    def __init__(self, directory: str, run_key: str) -> None:
        self.directory = directory
        self.run_key = run_key  # tool and settings: the part of every key that is per run
        self._writable = True
        self._prepared = False
        self._context_keys: Dict[int, Tuple[ProjectContext, str]] = {}
        self._shards: Set[str] = set()  # shard directories known to exist
        self._written = 0  # entries written by this process (names its temporary files)

    # -- keys -----------------------------------------------------------------------------------
    def key(self, data: bytes, shown_path: str, project: ProjectContext) -> str:
        digest = hashlib.blake2b(digest_size=20)
        digest.update(self.run_key.encode())
        digest.update(self._context_key(project).encode())
        digest.update(shown_path.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
        digest.update(data)
        return digest.hexdigest()

    def _context_key(self, project: ProjectContext) -> str:
        # Contexts are cached per directory, so one object serves many files.
        known = self._context_keys.get(id(project))
        if known is not None and known[0] is project:
            return known[1]
        key = context_key(project)
        self._context_keys[id(project)] = (project, key)
        return key

    # -- entries --------------------------------------------------------------------------------
    def _path(self, key: str) -> str:
        return os.path.join(self.directory, key[:2], key[2:] + ".json")

    def exists(self) -> bool:
        return os.path.isdir(self.directory)

    def load(self, key: str) -> Optional[Tuple[List[Finding], List[InternalError]]]:
        """The entry under ``key``; None when missing, unreadable or not one of ours."""
        try:
            with open(self._path(key), "rb") as handle:
                entry = json.loads(handle.read())
            if entry["format"] != FORMAT or entry["key"] != key:
                return None
            if not project_modules.dependencies_unchanged(entry.get("depends", ())):
                return None
            found = [decode_finding(item) for item in entry["findings"]]
            errors = [InternalError(*item) for item in entry["internal_errors"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return found, errors

    def store(self, key: str, found: Sequence[Finding], errors: Sequence[InternalError]) -> None:
        """Write the entry; any failure only means the next run checks the file again.

        Called right after the file was checked, in the same process: the project modules
        looked at since the last entry are this file's.
        """
        depends = project_modules.take_dependencies()
        if not self._writable:
            return
        entry = {
            "format": FORMAT,
            "key": key,
            "depends": depends,
            "findings": [encode_finding(f) for f in found],
            "internal_errors": [[e.code, e.line, e.reason] for e in errors],
        }
        try:
            data = json.dumps(entry, separators=(",", ":")).encode("utf-8")
            self._prepare()
            path = self._path(key)
            shard = os.path.dirname(path)
            if shard not in self._shards:
                os.makedirs(shard, exist_ok=True)
                self._shards.add(shard)
            descriptor, temporary = self._temporary_file(shard)
            try:
                with os.fdopen(descriptor, "wb") as handle:
                    handle.write(data)
                os.replace(temporary, path)
            except BaseException:
                _remove(temporary)
                raise
        except OSError:
            self._writable = False  # read-only or full: stop trying for the rest of the run
        except (TypeError, ValueError):
            pass  # a fix field JSON cannot hold: this file is simply not cached

    def _temporary_file(self, shard: str) -> Tuple[int, str]:
        """A new file to write an entry into before it is renamed into place. Named after
        the process and a counter, which is cheaper than ``mkstemp`` on every entry; a name
        already taken (a process of the same number on another machine sharing the
        directory) falls back to ``mkstemp``."""
        self._written += 1
        temporary = os.path.join(shard, f".entry.{os.getpid()}.{self._written}.tmp")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            return os.open(temporary, flags, 0o644), temporary
        except FileExistsError:
            return tempfile.mkstemp(prefix=".entry.", suffix=".tmp", dir=shard)

    def _prepare(self) -> None:
        if self._prepared:
            return
        os.makedirs(self.directory, exist_ok=True)
        for name, text in (("CACHEDIR.TAG", _CACHEDIR_TAG), (".gitignore", "*\n")):
            path = os.path.join(self.directory, name)
            if not os.path.exists(path):
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(text)
        self._prepared = True


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


# -- what a key covers ----------------------------------------------------------------------------


def run_key(settings: Any, rules: Sequence[type]) -> str:
    """The tool (its code, version, Python), the rules and the settings of a run.

    The mode is not part of it: an entry holds what ``check`` reports, which ``fix`` uses
    only for files it has nothing to fix in.
    """
    digest = hashlib.blake2b(digest_size=20)
    for part in (__version__, FORMAT, sys.version_info[:3], repr(settings)):
        digest.update(repr(part).encode())
    for rule in rules:
        digest.update(f"{rule.__module__}.{rule.__qualname__}".encode())
    digest.update(_tool_digest().encode())
    return digest.hexdigest()


_tool: Optional[str] = None


def _tool_digest() -> str:
    """A hash of the package's own source: an edited rule invalidates every entry."""
    global _tool
    if _tool is None:
        digest = hashlib.blake2b(digest_size=20)
        root = os.path.dirname(os.path.abspath(__file__))
        for directory, subdirectories, names in os.walk(root):
            subdirectories.sort()
            for name in sorted(names):
                if name.endswith(".py"):
                    path = os.path.join(directory, name)
                    digest.update(os.path.relpath(path, root).encode())
                    with open(path, "rb") as handle:
                        digest.update(handle.read())
        _tool = digest.hexdigest()
    return _tool


def context_key(project: ProjectContext) -> str:
    """The project context as the rules see it, plus the project's own pytest plugins
    (rules read those files directly)."""
    from flake8_asyncloop.analysis.async_runners import _local_plugin_files

    digest = hashlib.blake2b(repr(project).encode(), digest_size=20)
    for path in _local_plugin_files(project):
        digest.update(path.encode("utf-8", "surrogateescape"))
        try:
            with open(path, "rb") as handle:
                digest.update(handle.read())
        except OSError:
            digest.update(b"\0missing")
    return digest.hexdigest()


# -- findings as JSON ---------------------------------------------------------------------------

_EDIT_TYPES: Dict[str, Type[Edit]] = {
    value.__name__: value
    for value in vars(findings).values()
    if isinstance(value, type) and issubclass(value, Edit)
}


def encode_finding(finding: Finding) -> Dict[str, Any]:
    item: Dict[str, Any] = {
        "code": finding.code,
        "message": finding.message,
        "at": [finding.line, finding.col, finding.end_line, finding.end_col],
    }
    if finding.fix is not None:
        item["fix"] = _encode_fix(finding.fix)
    return item


def decode_finding(item: Dict[str, Any]) -> Finding:
    line, col, end_line, end_col = item["at"]
    fix = _decode_fix(item["fix"]) if "fix" in item else None
    return Finding(item["code"], item["message"], line, col, end_line, end_col, fix)


def _encode_fix(fix: Fix) -> Dict[str, Any]:
    return {
        "safety": fix.safety.value,
        "description": fix.description,
        "edits": [_encode_edit(edit) for edit in fix.edits],
        "imports": [[i.module, i.name] for i in fix.imports],
        "settings": [[c.path, c.key, c.value] for c in fix.settings],
    }


def _decode_fix(item: Dict[str, Any]) -> Fix:
    return Fix(
        Safety(item["safety"]),
        item["description"],
        tuple(_decode_edit(edit) for edit in item["edits"]),
        tuple(AddImport(module, name) for module, name in item["imports"]),
        tuple(ConfigSetting(path, key, value) for path, key, value in item.get("settings", ())),
    )


def _encode_edit(edit: Edit) -> Dict[str, Any]:
    fields = {
        f.name: getattr(edit, f.name) for f in dataclasses.fields(edit) if f.name != "span"
    }
    span = edit.span
    return {
        "type": type(edit).__name__,
        "span": [span.line, span.col, span.end_line, span.end_col],
        "fields": fields,
    }


def _decode_edit(item: Dict[str, Any]) -> Edit:
    edit_type = _EDIT_TYPES[item["type"]]  # an unknown name is a KeyError: the entry is ignored
    fields = {name: _frozen(value) for name, value in item["fields"].items()}
    return edit_type(Span(*item["span"]), **fields)


def _frozen(value: Any) -> Any:
    """JSON gives lists where the dataclasses hold tuples."""
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value
