"""The editor that applies the fixes detection attaches to findings, keeping formatting.

``apply_fixes`` applies one batch of fixes to a source with libcst; ``fix_source`` runs the
fix loop (apply, check again, repeat) and never returns code that does not parse;
``apply_one_fix`` shows what one finding's fix does, as the loop would leave it.
"""

from flake8_asyncloop.fixer.apply import Applied, apply_fixes, apply_fixes_report
from flake8_asyncloop.fixer.errors import FixError
from flake8_asyncloop.fixer.loop import (
    BREAKS_SYNTAX,
    LOOP_STOPPED,
    UNSAFE_NOT_ENABLED,
    FixResult,
    SkippedFix,
    apply_one_fix,
    fix_source,
    parses,
)

__all__ = [
    "Applied",
    "BREAKS_SYNTAX",
    "FixError",
    "FixResult",
    "LOOP_STOPPED",
    "SkippedFix",
    "UNSAFE_NOT_ENABLED",
    "apply_fixes",
    "apply_fixes_report",
    "apply_one_fix",
    "fix_source",
    "parses",
]
