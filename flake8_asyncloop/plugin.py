"""The flake8 entry point: the tree flake8 already parsed in, findings out."""

from __future__ import annotations

import ast
from typing import Any, Iterator, List, Sequence, Tuple

from flake8_asyncloop import __version__
from flake8_asyncloop.analysis.testcode import is_test_file
from flake8_asyncloop.context.discovery import clear_caches, context_for, set_files_may_change
from flake8_asyncloop.engine import Engine, InternalError, worth_checking
from flake8_asyncloop.findings import Finding
from flake8_asyncloop.options import Options
from flake8_asyncloop.rules import ALL_RULES, DEFAULT_DISABLED

INTERNAL_ERROR_CODE = "ALP000"


class AsyncLoopChecker:
    name = "flake8-asyncloop"
    version = __version__

    _engine = Engine(ALL_RULES)
    _options = Options()

    def __init__(self, tree: ast.Module, filename: str, lines: Sequence[str]) -> None:
        self._tree = tree
        self._filename = filename
        self._lines = lines

    @classmethod
    def add_options(cls, manager: Any) -> None:
        from flake8_asyncloop.option_defs import register_flake8_options

        register_flake8_options(manager)
        manager.extend_default_ignore(list(DEFAULT_DISABLED))

    @classmethod
    def parse_options(cls, options: Any) -> None:
        from flake8_asyncloop.option_defs import options_from_flake8

        cls._options = options_from_flake8(options)
        clear_caches()  # a new run reads its files afresh, then trusts them: flake8 only reads
        set_files_may_change(False)

    def run(self) -> Iterator[Tuple[int, int, str, type]]:
        try:
            findings, errors = self._check()
        except Exception as error:  # a bug outside any rule: one line, not flake8's traceback
            findings, errors = [], [InternalError(self.name, 1, f"{type(error).__name__}: {error}")]
        for finding in findings:
            yield finding.line, finding.col, finding.text, type(self)
        for problem in errors:
            message = (
                f"{INTERNAL_ERROR_CODE} internal error in {problem.code}: {problem.reason}; "
                "please report it to flake8-asyncloop"
            )
            yield problem.line, 0, message, type(self)

    def _check(self) -> Tuple[List[Finding], List[InternalError]]:
        options = self._options
        project = context_for(self._filename, options.pytest_asyncio_version)
        test_code = is_test_file(self._filename, project.config.python_files)
        source = "".join(self._lines)
        if not worth_checking(source, test_code, options.loop_bound_names):
            return [], []
        return self._engine.check(self._tree, self._filename, project, options, source)
