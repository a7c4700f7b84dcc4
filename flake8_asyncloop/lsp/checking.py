"""The findings and fixes for an editor's copy of a file, as the standalone command gives them.

The settings are the ones ``flake8-asyncloop check`` would use when run from the file's
directory (``[tool.flake8-asyncloop]`` or ``[flake8]``), so select/ignore, the exclude
patterns, the ``asyncloop-*`` options and ``# noqa`` all apply. A file that does not parse
gets no findings: the editor's Python support already shows the syntax error.
"""

from __future__ import annotations

import os
from typing import List, Optional, Set, Tuple

from flake8_asyncloop.discover_files import is_excluded
from flake8_asyncloop.findings import Finding, Safety
from flake8_asyncloop.fixer import FixError, apply_one_fix, parses
from flake8_asyncloop.runner import SYNTAX_ERROR_CODE, Runner
from flake8_asyncloop.settings import Settings, SettingsError, resolve


class DocumentChecker:
    def __init__(self) -> None:
        self._new_settings_errors: List[str] = []
        self._seen_settings_errors: Set[str] = set()

    def findings(self, text: str, path: str) -> List[Finding]:
        runner = self._runner(path)
        if runner is None:
            return []
        result = runner.check_source(text, path)
        return [f for f in result.findings if f.code != SYNTAX_ERROR_CODE]

    def fixed_by(self, text: str, finding: Finding) -> Optional[str]:
        """``text`` with ``finding``'s fix applied, or None when it has none that works here."""
        fix = finding.fix
        if fix is None or fix.safety is Safety.NONE or not (fix.edits or fix.imports):
            return None
        if fix.settings:
            return None  # half of it would be in the config file: only `fix` does both
        try:
            fixed = apply_one_fix(text, fix)
        except FixError:
            return None
        return fixed if fixed != text and parses(fixed) else None

    def fix_all(self, text: str, path: str) -> Optional[str]:
        """``text`` with every safe fix applied (as ``flake8-asyncloop fix``), None if no change."""
        runner = self._runner(path)
        if runner is None:
            return None
        result = runner.fix_source(text, path, unsafe=False)
        return result.fixed_source if result.changed else None

    def take_settings_errors(self) -> List[str]:
        """Config problems met since the last call, each reported once per session."""
        errors, self._new_settings_errors = self._new_settings_errors, []
        return errors

    def _runner(self, path: str) -> Optional[Runner]:
        settings = self._settings(path)
        if _excluded(path, settings):
            return None
        return Runner(settings)

    def _settings(self, path: str) -> Settings:
        # Read on every check: a few stat calls, and edits to the config take effect at once.
        try:
            return resolve({}, cwd=os.path.dirname(path))
        except SettingsError as error:
            if str(error) not in self._seen_settings_errors:
                self._seen_settings_errors.add(str(error))
                self._new_settings_errors.append(str(error))
            return Settings()


def _excluded(path: str, settings: Settings) -> bool:
    """True when ``check`` run from the config file's directory would skip the file."""
    patterns = settings.exclude_patterns
    top = os.path.dirname(settings.config_path) if settings.config_path else os.path.dirname(path)
    for candidate in _path_and_parents_below(path, top):
        if is_excluded(candidate, patterns):
            return True
    return False


def _path_and_parents_below(path: str, top: str) -> Tuple[str, ...]:
    """``path`` and each directory holding it, up to (not including) ``top``."""
    relative = os.path.relpath(path, top)
    if relative.startswith(os.pardir):
        return (path,)
    parts = relative.split(os.sep)
    return tuple(os.path.join(top, *parts[:count]) for count in range(len(parts), 0, -1))
