"""The fix loop: apply what can be applied, check again, repeat until nothing is left to do.

A fix changes the code other findings point into, so after each pass detection runs again
on the new text and the next pass uses fresh spans. Fixes that overlap an earlier one wait
for the next pass; fixes that cannot be applied, or would make the file unparsable, are set
aside for good and reported as skipped.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from flake8_asyncloop.findings import Finding, Fix, Safety
from flake8_asyncloop.fixer.apply import apply_fixes_report
from flake8_asyncloop.fixer.errors import FixError
from flake8_asyncloop.fixer.unused_imports import drop_imports_made_unused
from flake8_asyncloop.parsing import parse_source

Check = Callable[[str], List[Finding]]

# Why an available fix was not applied.
UNSAFE_NOT_ENABLED = "unsafe fix: applied only with unsafe fixes enabled"
BREAKS_SYNTAX = "the fixed code would not parse"
LOOP_STOPPED = "not applied before the fix loop stopped"


@dataclass(frozen=True)
class SkippedFix:
    finding: Finding
    reason: str


@dataclass(frozen=True)
class FixResult:
    """What ``fix_source`` did.

    ``fixed`` holds the findings whose fix was applied, with lines mapped back to the
    original source (exact for the first pass, the nearest original line after that);
    ``remaining`` is what detection reports on the new source; ``skipped`` the remaining
    findings with a fix that was not applied, and why.
    """

    source: str
    fixed: List[Finding]
    remaining: List[Finding]
    skipped: List[SkippedFix]
    passes: int

    @property
    def changed(self) -> bool:
        return bool(self.fixed)


def fix_source(
    source: str,
    check: Check,
    *,
    unsafe: bool,
    max_passes: int = 10,
    findings: Optional[List[Finding]] = None,
) -> FixResult:
    """Apply the applicable fixes of ``check(source)`` repeatedly; never returns unparsable code.

    ``findings``, when given, are what ``check(source)`` returns (the caller has them already).
    """
    current = source
    if findings is None:
        findings = check(current)
    fixed: List[Finding] = []
    blocked: Dict[tuple, str] = {}  # identity of a finding -> why its fix is set aside
    seen = {current}
    passes = 0
    while passes < max_passes:
        candidates = [
            finding
            for finding in findings
            if _applicable(finding, unsafe) and _identity(finding, current) not in blocked
        ]
        if not candidates:
            break
        passes += 1
        new_source, applied = _run_pass(current, candidates, blocked)
        if not applied or new_source == current:
            break
        fixed.extend(_map_to_original(applied, current, source))
        current = new_source
        findings = check(current)
        if current in seen:  # the fixes undo each other
            break
        seen.add(current)
    cleaned = _tidy(source, current)
    if cleaned != current:
        current = cleaned
        findings = check(current)
    skipped = [
        SkippedFix(finding, _skip_reason(finding, current, blocked, unsafe))
        for finding in findings
        if finding.fix is not None and finding.fix.safety is not Safety.NONE
    ]
    return FixResult(current, fixed, list(findings), skipped, passes)


def apply_one_fix(source: str, fix: Fix) -> str:
    """``source`` with ``fix`` alone applied, as ``fix_source`` would leave it (imports the
    fix left unused removed); raises ``FixError`` as ``apply_fixes_report`` does."""
    return _tidy(source, apply_fixes_report(source, [fix]).source)


def _tidy(source: str, fixed: str) -> str:
    """``fixed`` without the imports its fixes left unused, when that still parses."""
    if fixed == source:
        return fixed
    cleaned = drop_imports_made_unused(source, fixed)
    return cleaned if cleaned != fixed and parses(cleaned) else fixed


def _applicable(finding: Finding, unsafe: bool) -> bool:
    fix = finding.fix
    if fix is None or not fix.edits and not fix.imports:
        return False
    return fix.safety is Safety.SAFE or (unsafe and fix.safety is Safety.UNSAFE)


def _skip_reason(finding: Finding, source: str, blocked: Dict[tuple, str], unsafe: bool) -> str:
    reason = blocked.get(_identity(finding, source))
    if reason is not None:
        return reason
    assert finding.fix is not None
    if finding.fix.safety is Safety.UNSAFE and not unsafe:
        return UNSAFE_NOT_ENABLED
    return LOOP_STOPPED


def _identity(finding: Finding, source: str) -> tuple:
    """A key for a finding that survives other fixes moving it around: what and where in words."""
    first, last = finding.line - 1, finding.end_line
    lines = source.split("\n")[first:last]
    description = finding.fix.description if finding.fix else ""
    return (finding.code, finding.message, description, "\n".join(lines).strip())


def _run_pass(
    source: str, candidates: Sequence[Finding], blocked: Dict[tuple, str]
) -> Tuple[str, List[Finding]]:
    """Apply the candidates' fixes together; fall back to one at a time if that breaks the file."""
    pending = list(candidates)
    while pending:
        try:
            outcome = apply_fixes_report(source, [f.fix for f in pending])  # type: ignore[misc]
        except FixError as error:
            if error.fix is None:  # the source itself cannot be edited
                for finding in pending:
                    blocked[_identity(finding, source)] = f"cannot apply: {error.reason}"
                return source, []
            culprits = [f for f in pending if f.fix is error.fix]
            if not culprits:
                raise
            for finding in culprits:
                blocked[_identity(finding, source)] = f"cannot apply: {error.reason}"
            pending = [f for f in pending if f.fix is not error.fix]
            continue
        if parses(outcome.source):
            return outcome.source, _with_same_fixes([pending[i] for i in outcome.applied], pending)
        return _one_at_a_time(source, pending, blocked)
    return source, []


def _with_same_fixes(applied: List[Finding], candidates: Sequence[Finding]) -> List[Finding]:
    """``applied``, and the candidates whose fix is the same change as an applied one (two
    async tests of one ``TestCase`` class get the same new base class): that change fixed
    them too, though its edits were taken once."""
    fixes = {finding.fix for finding in applied}
    taken = {id(finding) for finding in applied}
    return applied + [f for f in candidates if id(f) not in taken and f.fix in fixes]


def _one_at_a_time(
    source: str, candidates: Sequence[Finding], blocked: Dict[tuple, str]
) -> Tuple[str, List[Finding]]:
    good: List[Finding] = []
    text = source
    for finding in candidates:
        trial = apply_fixes_report(source, [f.fix for f in [*good, finding]])  # type: ignore[misc]
        if len(good) not in trial.applied:
            continue  # overlaps a fix already taken: the next pass retries it
        if parses(trial.source):
            good.append(finding)
            text = trial.source
        else:
            blocked[_identity(finding, source)] = BREAKS_SYNTAX
    return text, _with_same_fixes(good, candidates)


def parses(source: str) -> bool:
    """True when Python's parser accepts ``source``, the whole of a fixed file.

    What libcst generated is not parsed again with libcst: the next pass parses the runs it
    needs, and a run libcst refuses is set aside there like any fix that cannot be applied.
    """
    try:
        parse_source(source)
    except (SyntaxError, ValueError):
        return False
    return True


def _map_to_original(findings: Sequence[Finding], current: str, original: str) -> List[Finding]:
    if current == original:
        return list(findings)
    line_map = _line_map(current, original)
    return [
        dataclasses.replace(
            f, line=line_map(f.line), end_line=max(line_map(f.end_line), line_map(f.line))
        )
        for f in findings
    ]


def _line_map(current: str, original: str) -> Callable[[int], int]:
    """Map a line of ``current`` to the same (or the nearest earlier) line of ``original``."""
    matcher = difflib.SequenceMatcher(
        None, original.split("\n"), current.split("\n"), autojunk=False
    )
    mapping: Dict[int, int] = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for offset, j in enumerate(range(j1, j2)):
            i = i1 + offset if tag == "equal" else min(i1 + offset, max(i2 - 1, i1))
            mapping[j + 1] = i + 1

    def lookup(line: int) -> int:
        found: Optional[int] = mapping.get(line)
        return found if found is not None else line

    return lookup
