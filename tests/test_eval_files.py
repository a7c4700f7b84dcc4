"""Each tests/eval_files/*.py module flags exactly the lines annotated ``# error: ALPnnn``.

A file is checked as ``test_<stem>.py`` in a directory holding only an empty ``[pytest]``
section, so it counts as test code with pytest's default configuration (strict mode). An
annotation lists every finding on its line, comma separated (``# error: ALP104, ALP103``);
lines without one must produce no finding.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path
from typing import Set, Tuple

import pytest
from support import LAZY_BINDING, check_path, needs_pytest_asyncio

from flake8_asyncloop.rules import RULES_BY_CODE

EVAL_DIR = Path(__file__).parent / "eval_files"
EVAL_FILES = sorted(EVAL_DIR.glob("*.py"))
_ANNOTATION = re.compile(r"#\s*error:\s*(?P<codes>ALP\d{3}(?:\s*,\s*ALP\d{3})*)\s*$")

LineCode = Tuple[int, str]


def annotations(source: str) -> Set[LineCode]:
    """(line, code) for each ``# error:`` comment; only real comments, never text in strings."""
    found: Set[LineCode] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        match = _ANNOTATION.search(token.string)
        if match:
            for code in match.group("codes").split(","):
                found.add((token.start[0], code.strip()))
    return found


def test_eval_files_exist() -> None:
    assert EVAL_FILES, f"no eval files in {EVAL_DIR}"


# Files whose annotations hold only from some release on (ALP204's deprecation came in
# pytest-asyncio 1.4) or Python (asyncio's primitives bind lazily from 3.10).
NEEDS = {
    "alp2xx_event_loop_fixture": needs_pytest_asyncio(1, 4),
    "alp5xx_loop_bound_state": LAZY_BINDING,
}


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, id=p.stem, marks=NEEDS.get(p.stem, ())) for p in EVAL_FILES],
)
def test_eval_file(path: Path, tmp_path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    expected = annotations(source)
    unknown = sorted({code for _, code in expected} - set(RULES_BY_CODE))
    assert not unknown, f"annotations name codes no rule has: {unknown}"

    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    module = tmp_path / f"test_{path.stem}.py"
    module.write_text(source, encoding="utf-8")
    found = {(line, code) for line, _col, code in check_path(module)}

    lines = source.splitlines()
    problems = [
        f"{line}: {code} {verb}: {lines[line - 1].strip()}"
        for verb, pairs in (("expected", expected - found), ("reported", found - expected))
        for line, code in sorted(pairs)
    ]
    assert not problems, "\n".join(problems)


def test_annotation_parser() -> None:
    source = 'x = 1  # error: ALP104, ALP103\ny = "# error: ALP101"\nz = 2  # error: ALP107\n'
    assert annotations(source) == {(1, "ALP104"), (1, "ALP103"), (3, "ALP107")}
