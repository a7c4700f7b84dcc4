"""Plain data passed from detection to reporting and fixing: findings, fixes and edits.

Positions follow the stdlib ``ast``: lines are 1-based, columns are 0-based offsets in
UTF-8 bytes of the line (``col_offset``). Reporters add 1 to the column when printing, as
flake8 does; the fixer converts byte offsets to characters.
"""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass, field
from typing import Optional, Tuple


class Safety(str, enum.Enum):
    """How far a rule's fix can be trusted."""

    SAFE = "safe"  # never changes what a passing test does
    UNSAFE = "unsafe"  # sound, but may change an outcome (often: a test that never ran now runs)
    NONE = "none"  # no automatic fix; the docs explain the manual one

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Span:
    """Where a node sits in the source, in ``ast`` coordinates."""

    line: int
    col: int
    end_line: int
    end_col: int

    @classmethod
    def of(cls, node: ast.AST) -> "Span":
        end_line = getattr(node, "end_lineno", None) or node.lineno
        end_col = getattr(node, "end_col_offset", None)
        if end_col is None:
            end_col = node.col_offset
        return cls(node.lineno, node.col_offset, end_line, end_col)


# Edits: a closed set of operations on nodes found by their span. The fixer knows how to
# apply each of them with libcst while keeping formatting and comments.


@dataclass(frozen=True)
class Edit:
    """Base of all edits; ``span`` locates the node the edit works on."""

    span: Span


@dataclass(frozen=True)
class DeleteStatement(Edit):
    """Remove the statement at ``span`` (a block left empty gets ``pass``)."""


@dataclass(frozen=True)
class ReplaceExpression(Edit):
    """Replace the expression at ``span`` by the code ``replacement`` (an expression)."""

    replacement: str


@dataclass(frozen=True)
class AwaitArgument(Edit):
    """Replace the call at ``span`` by ``await <its first positional argument>``."""


@dataclass(frozen=True)
class AwaitExpression(Edit):
    """Prefix the expression at ``span`` with ``await`` (parenthesised where precedence needs it).

    Used for a coroutine call whose result is dropped: ``fetch()`` -> ``await fetch()``.
    """


@dataclass(frozen=True)
class UnwrapCall(Edit):
    """Replace the call at ``span`` by the code ``template`` where ``{arg}`` is its first argument.

    Used for ``loop.run_until_complete(x)`` -> ``asyncio.run(x)``.
    """

    template: str


@dataclass(frozen=True)
class RemoveKeyword(Edit):
    """Remove the keyword argument ``keyword`` from the call at ``span``."""

    keyword: str


@dataclass(frozen=True)
class RenameKeyword(Edit):
    """Rename the keyword argument ``old`` of the call at ``span`` to ``new``."""

    old: str
    new: str


@dataclass(frozen=True)
class AddKeyword(Edit):
    """Append ``keyword=<value>`` (``value`` is code) to the arguments of the call at ``span``."""

    keyword: str
    value: str


@dataclass(frozen=True)
class PositionalToKeyword(Edit):
    """Turn positional argument ``index`` of the call at ``span`` into ``keyword=<value>``."""

    index: int
    keyword: str


@dataclass(frozen=True)
class RemoveParameter(Edit):
    """Remove the parameter ``name`` from the function defined at ``span``."""

    name: str


@dataclass(frozen=True)
class InsertAtBodyStart(Edit):
    """Insert ``statement`` first in the body of the function at ``span`` (after a docstring)."""

    statement: str


@dataclass(frozen=True)
class RemoveDecorator(Edit):
    """Remove the decorator whose expression is at ``span``."""


@dataclass(frozen=True)
class AddDecorator(Edit):
    """Add ``decorator`` (an expression, without ``@``) outermost on the def at ``span``."""

    decorator: str


@dataclass(frozen=True)
class InsertAfterStatement(Edit):
    """Insert ``statements`` (one or more lines of code) after the statement at ``span``."""

    statements: str


@dataclass(frozen=True)
class AddImport:
    """Make sure ``import module`` (or ``from module import name``) is in the file."""

    module: str
    name: Optional[str] = None


@dataclass(frozen=True)
class ConfigSetting:
    """A pytest setting to write into the project's config file along with a fix."""

    path: str  # the config file pytest uses
    key: str
    value: str


@dataclass(frozen=True)
class Fix:
    """What to change for one finding, and how far the change can be trusted."""

    safety: Safety
    description: str
    edits: Tuple[Edit, ...]
    imports: Tuple[AddImport, ...] = ()
    # Settings the fix needs in the pytest config file; only the standalone ``fix`` writes
    # them (after the Python files), so editors and reports leave such fixes out.
    settings: Tuple[ConfigSetting, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One problem at one place."""

    code: str
    message: str
    line: int
    col: int
    end_line: int
    end_col: int
    fix: Optional[Fix] = field(default=None, compare=False)

    @property
    def text(self) -> str:
        """The message as flake8 prints it, code first."""
        return f"{self.code} {self.message}"

    def sort_key(self) -> Tuple[int, int, str]:
        return (self.line, self.col, self.code)
