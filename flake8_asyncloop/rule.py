"""The mould every rule is cast in: metadata, documentation, examples and detection.

A rule subclasses ``Rule``, fills in the class attributes, and defines handlers named after
``ast`` node types: ``visit_Call(self, node)`` runs when the walk enters a ``Call``,
``leave_FunctionDef(self, node)`` when it leaves a ``FunctionDef``. The engine calls them
during its one walk of the tree; ``self.file`` holds what the walk knows at that point.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    ClassVar,
    Dict,
    FrozenSet,
    List,
    Mapping,
    Optional,
    Tuple,
    Type,
)

from flake8_asyncloop.findings import Finding, Fix, Safety, Span

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState
    from flake8_asyncloop.options import Options


@dataclass(frozen=True)
class Example:
    """A module the rule must flag at ``expect`` (bad) or must leave alone (good).

    ``expect`` holds ``(line, column)`` pairs as flake8 prints them (both 1-based).
    ``fixed`` is what ``fix`` (with ``--unsafe-fixes`` for unsafe rules) must turn a bad
    example into. ``files`` are other files of the project, such as ``pytest.ini`` or a
    ``conftest.py``, keyed by path relative to the project root. ``runs`` marks an example
    that is a complete test module: under real pytest + pytest-asyncio a bad one fails (or
    warns, which ``-W error`` turns into a failure), its ``fixed`` twin passes, and a good
    one passes. ``python`` and ``pytest_asyncio`` are the oldest versions on which the
    example shows what it says (before Python 3.10 asyncio's primitives take a loop when
    built; a deprecation came in some pytest-asyncio release): older ones see it otherwise,
    and the linter, which reads the versions in use, says so too.
    """

    source: str
    expect: Tuple[Tuple[int, int], ...] = ()
    fixed: Optional[str] = None
    filename: str = "test_example.py"
    files: Mapping[str, str] = field(default_factory=dict)
    reason: str = ""
    runs: bool = False
    python: Tuple[int, int] = (3, 9)
    pytest_asyncio: Tuple[int, int] = (1, 0)

    @property
    def is_bad(self) -> bool:
        return bool(self.expect)

    def lay_out(self, directory: Path) -> Path:
        """Write the example as a small project under ``directory``; return the module's path."""
        directory.mkdir(parents=True, exist_ok=True)
        for relative, text in {**self.files, self.filename: self.source}.items():
            target = directory / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return directory / self.filename


def Bad(source: str, *expect: Tuple[int, int], fixed: Optional[str] = None, **kwargs) -> Example:
    return Example(
        textwrap.dedent(source).lstrip("\n"),
        tuple(expect),
        None if fixed is None else textwrap.dedent(fixed).lstrip("\n"),
        **kwargs,
    )


def Good(source: str, reason: str = "", **kwargs) -> Example:
    return Example(textwrap.dedent(source).lstrip("\n"), reason=reason, **kwargs)


class Listener:
    """Something the walk feeds: handlers named after ``ast`` node types (``visit_Call``,
    ``leave_FunctionDef``)."""

    _handlers: ClassVar[Optional[Dict[str, List[str]]]] = None
    # The calls ``visit_Call`` acts on, by the callee's last name: ``name`` in
    # ``a.b.name(...)``, and for a bare ``name(...)`` the name or, when it was imported, the
    # last part of what it was imported as. The walk then calls the handler on those calls
    # only (and may on others: the handler still checks). None: on every call.
    call_names: ClassVar[Optional[FrozenSet[str]]] = None

    @classmethod
    def callees(cls, options: "Options") -> Optional[FrozenSet[str]]:
        """``call_names`` under these settings (a rule whose names the user extends adds them)."""
        return cls.call_names

    @classmethod
    def handlers(cls) -> Dict[str, List[str]]:
        """``{"visit": [node type names], "leave": [...]}`` this class listens to."""
        if cls.__dict__.get("_handlers") is None:
            found: Dict[str, List[str]] = {"visit": [], "leave": []}
            for attr in dir(cls):
                prefix, _, node_type = attr.partition("_")
                if prefix in found and node_type and hasattr(ast, node_type):
                    found[prefix].append(node_type)
            cls._handlers = found
        return cls._handlers  # type: ignore[return-value]


class Component(Listener):
    """Facts about one file that several rules share, gathered once during the walk.

    A rule lists the components it reads in ``components``; the engine makes one of each per
    file, before the rules, and feeds it ahead of them on every node, so a rule's handler
    sees the component up to date. ``file.components[cls]`` holds the instance.
    """

    def __init__(self, file: "FileState") -> None:
        self.file = file


class Rule(Listener):
    # -- metadata ---------------------------------------------------------------------------
    code: ClassVar[str]
    name: ClassVar[str]  # kebab-case, as in RULES.md
    message: ClassVar[str]  # one line; ``str.format`` placeholders filled by ``report``
    fix_safety: ClassVar[Safety] = Safety.NONE
    test_code_only: ClassVar[bool] = True  # silent outside test modules and conftest.py
    # Its findings are about what pytest-asyncio does: silent where another plugin runs the
    # async tests (``-p no:asyncio`` in addopts; another runner declared, pytest-asyncio not).
    assumes_pytest_asyncio: ClassVar[bool] = True
    default_enabled: ClassVar[bool] = True
    # Words one of which the file's text must contain for the rule to report anything there
    # (an import alias still spells the imported name); empty: the rule may report anywhere.
    # The engine skips the rule in other files, so these must be necessary, never guesses.
    trigger_words: ClassVar[Tuple[str, ...]] = ()
    # Error codes of other checkers for the same mistake (pyright's ``reportUnusedCoroutine``):
    # a finding on a line whose comment tells one of them to ignore it is dropped, since
    # the code's author already said the line is meant so.
    silenced_by: ClassVar[Tuple[str, ...]] = ()
    # -- documentation, in ruff's fixed order -----------------------------------------------
    what: ClassVar[str]  # What it does
    why: ClassVar[str]  # Why is this bad?
    fix_notes: ClassVar[str] = ""  # Fix safety: how the fix works and why it is (un)safe
    limitations: ClassVar[str] = ""  # Known problems: blind spots and false-alarm sources
    # -- examples: the docs' "Example" and "Use instead" are the first bad and good ones ------
    examples: ClassVar[Tuple[Example, ...]] = ()

    # Components (shared facts) this rule reads; the engine feeds them before the rules.
    components: ClassVar[Tuple[Type[Component], ...]] = ()

    def __init__(self, file: "FileState", sink: List[Finding]) -> None:
        self.file = file
        self._sink = sink

    @classmethod
    def applies_to(cls, source: str, file: "FileState") -> bool:
        """Asked before the walk, for rules ``trigger_words`` kept: False only when the rule
        cannot report in this file (its text and project say so). Like the words, a
        necessary condition, never a guess."""
        return True

    @classmethod
    def bad_examples(cls) -> Tuple[Example, ...]:
        return tuple(e for e in cls.examples if e.is_bad)

    @classmethod
    def good_examples(cls) -> Tuple[Example, ...]:
        return tuple(e for e in cls.examples if not e.is_bad)

    def report(self, node: ast.AST, fix: Optional[Fix] = None, **details: object) -> None:
        """Record a finding at ``node``; ``details`` fill the message's placeholders."""
        span = Span.of(node)
        message = self.message.format(**details) if details else self.message
        self._sink.append(
            Finding(self.code, message, span.line, span.col, span.end_line, span.end_col, fix)
        )
