"""The one traversal: walk a module's ``ast`` once and feed every rule as it goes."""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import (
    Callable,
    Dict,
    Iterable,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
    Type,
    TypeVar,
)

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.children import child_fields
from flake8_asyncloop.analysis.loops import EVENT_LOOP_FIXTURE, FIXTURE_ORIGIN, loop_origin
from flake8_asyncloop.analysis.module_index import ModuleIndex
from flake8_asyncloop.analysis.names import ImportTable
from flake8_asyncloop.analysis.scopes import Scope, parameter_names
from flake8_asyncloop.analysis.scripts import is_script
from flake8_asyncloop.analysis.static_branches import BODY, ORELSE, dead_branch, dead_handlers
from flake8_asyncloop.analysis.text_gates import mentions_async, mentions_pytest_asyncio
from flake8_asyncloop.analysis.testcode import (
    class_kind,
    defines_init,
    fixture_spec,
    is_test_file,
    is_test_name,
)
from flake8_asyncloop.context.collection_ignores import (
    ignored_by_conftest,
    in_hidden_directory,
    outside_testpaths,
)
from flake8_asyncloop.context.model import DEFAULT_CONTEXT, ProjectContext
from flake8_asyncloop.findings import Finding
from flake8_asyncloop.options import DEFAULT_OPTIONS, Options
from flake8_asyncloop.rule import Component, Listener, Rule

# Rules that run outside test code all concern async code or asyncio calls, so a module
# that never says "async" as a word, "asyncio" or "AsyncMock" (``mentions_async``) has
# nothing for them. Test code has more to look at: event loops, pytest marks and fixtures,
# async client libraries.
_TEST_CODE_WORDS = ("async", "await", "loop", "pytest", "aio", "coroutine")


def worth_checking(source: str, test_code: bool, extra_words: Sequence[str] = ()) -> bool:
    """False only when the text cannot hold anything a rule reports."""
    if mentions_async(source):
        return True
    if not test_code:
        return False
    lowered = source.lower()
    if any(w in lowered for w in _TEST_CODE_WORDS):
        return True
    # A dotted name may be imported and used by its last part alone (``from mylib import Client``).
    return any(w.rpartition(".")[2] in source for w in extra_words)


_FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class InternalError:
    """A rule that raised on a file: reported, and the rule skipped for the rest of that file."""

    code: str
    line: int
    reason: str


class FileState:
    """What the walk knows about the file and the point it has reached."""

    module: ModuleIndex
    imports: ImportTable

    def __init__(
        self, tree: ast.Module, filename: str, project: ProjectContext, options: Options
    ) -> None:
        self.filename = filename
        self.project = project
        self.options = options
        self.is_conftest = os.path.basename(filename) == "conftest.py"
        self.is_test_file = (
            is_test_file(filename, project.config.python_files)
            and not ignored_by_conftest(filename, project.conftests)
            and not in_hidden_directory(filename, project.root)
            and (self.is_conftest or not outside_testpaths(filename, project.config))
        )
        if self.is_test_file and not self.is_conftest:
            config = project.config
            self.is_test_file = not is_script(
                tree, config.python_functions, config.python_classes
            )
        self.tree = tree
        self.scope = Scope(scopes.MODULE, tree)
        # The innermost def or lambda the walk is in (``scope.function()``, kept up to date
        # by the walk: rules ask on most nodes).
        self.function: Optional[Scope] = None
        # Facts several rules share, one instance per component class (see ``Component``).
        self.components: Dict[type, Component] = {}

    def __getattr__(self, name: str) -> object:
        """``module``, ``imports`` and ``resolve``, made on first use: a file every rule
        passes over before the walk never needs them."""
        if name not in ("module", "imports", "resolve"):
            raise AttributeError(name)
        # The module-level statements are listed, and their imports read, once: the index
        # keeps its own table for whole-module questions, the walk a copy it updates as it goes.
        self.module = ModuleIndex.build(self.tree)
        self.imports = self.module.imports.copy()
        # Rules resolve names on most nodes: skip a layer of calls (same as ``resolve`` below).
        self.resolve = self.imports.resolve  # type: ignore[method-assign]
        return getattr(self, name)

    # -- scope bookkeeping, called by the walker ---------------------------------------------
    def enter_function(self, node: ast.AST) -> None:
        parent = self.scope
        # A module-level def's spec was read, with the same imports, when the index was made.
        specs = self.module.specs if parent.kind == scopes.MODULE else None
        if specs is not None and node in specs:
            spec = specs[node]
        else:
            spec = fixture_spec(node, self.imports)
        if spec is not None:
            role = scopes.FIXTURE
        elif is_test_name(
            node.name, self.project.config.python_functions  # type: ignore[attr-defined]
        ) and _collects_tests(parent):
            role = scopes.TEST
        else:
            role = scopes.HELPER
        params = parameter_names(node.args)  # type: ignore[attr-defined]
        scope = Scope(
            scopes.FUNCTION,
            node,
            parent,
            is_async=isinstance(node, ast.AsyncFunctionDef),
            role=role,
            fixture=spec,
            params=params,
        )
        if role != scopes.HELPER and EVENT_LOOP_FIXTURE in params:
            scope.bindings[EVENT_LOOP_FIXTURE] = FIXTURE_ORIGIN
        self.scope = self.function = scope
        self.imports.push()

    def enter_lambda(self, node: ast.Lambda) -> None:
        self.scope = self.function = Scope(
            scopes.LAMBDA, node, self.scope, role=scopes.HELPER, params=parameter_names(node.args)
        )

    def enter_class(self, node: ast.ClassDef) -> None:
        kind = class_kind(node, self.imports, self.project.config.python_classes)
        collected = kind == "pytest" and not defines_init(node)
        self.scope = Scope(scopes.CLASS, node, self.scope, class_kind=kind, collected=collected)

    def leave_scope(self, node: ast.AST) -> None:
        if isinstance(node, _FUNCTION_NODES):
            self.imports.pop()
        left = self.scope
        assert left.parent is not None
        self.scope = left.parent
        if left is self.function:
            self.function = self.scope.function()

    def bind(self, target: ast.AST, value: Optional[ast.AST]) -> None:
        """Remember what a plain name was last bound to (a call's qualified name, or nothing)."""
        if isinstance(target, ast.Name):
            self.scope.bindings[target.id] = self.origin(value) if value is not None else ""

    def origin(self, value: ast.AST) -> str:
        """``asyncio.new_event_loop`` for ``asyncio.new_event_loop()``; ``<loop>.create_task``
        for a method called on a known loop; ``""`` for anything else."""
        if isinstance(value, ast.Await):
            value = value.value
        if not isinstance(value, ast.Call):
            return ""
        qualified = self.imports.resolve(value.func)
        if qualified:
            return qualified
        if isinstance(value.func, ast.Attribute) and loop_origin(value.func.value, self):
            return f"<loop>.{value.func.attr}"
        return ""

    # -- helpers for rules --------------------------------------------------------------------
    @property
    def in_async_function(self) -> bool:
        """True inside the body of an ``async def`` (not in a sync def or lambda nested in it)."""
        function = self.function
        return function is not None and function.is_async

    def resolve(self, node: ast.AST) -> Optional[str]:  # replaced by ``imports.resolve``
        return self.imports.resolve(node)


def _collects_tests(parent: Scope) -> bool:
    """pytest collects ``test*`` functions at module level and methods of test classes."""
    if parent.kind == scopes.MODULE:
        return True
    return parent.kind == scopes.CLASS and parent.class_kind != "other"


class Engine:
    """Runs a set of rules over files; holds what can be computed once per rule set."""

    def __init__(self, rules: Iterable[Type[Rule]]) -> None:
        self.rules = tuple(rules)
        self._plans: Dict[Tuple[Tuple[Type[Rule], ...], Tuple[str, ...]], "_Plan"] = {}
        self._by_kind: Dict[Tuple[bool, bool], Tuple[Type[Rule], ...]] = {}

    def _candidates(self, test_code: bool, without_pytest_asyncio: bool) -> Tuple[Type[Rule], ...]:
        """The rules that may speak in a file of this kind (test code or not, a suite with
        pytest-asyncio or without), worked out once per kind."""
        key = (test_code, without_pytest_asyncio)
        rules = self._by_kind.get(key)
        if rules is None:
            rules = self._by_kind[key] = tuple(
                r
                for r in self.rules
                if (test_code or not r.test_code_only)
                and not (without_pytest_asyncio and r.assumes_pytest_asyncio)
            )
        return rules

    def check(
        self,
        tree: ast.Module,
        filename: str,
        project: ProjectContext = DEFAULT_CONTEXT,
        options: Options = DEFAULT_OPTIONS,
        source: Optional[str] = None,
    ) -> Tuple[List[Finding], List[InternalError]]:
        """Findings and rule failures for one module; with its ``source``, the rules whose
        ``trigger_words`` the text lacks are skipped (they could report nothing there)."""
        findings: List[Finding] = []
        errors: List[InternalError] = []
        file = FileState(tree, filename, project, options)
        without_pytest_asyncio = project.without_pytest_asyncio or (
            project.pytest_asyncio_undeclared and not mentions_pytest_asyncio(source)
        )
        classes = self._candidates(file.is_test_file, without_pytest_asyncio)
        if source is not None:
            classes = tuple(r for r in _triggered(classes, source) if r.applies_to(source, file))
        if classes:
            # The user's loop-bound names add callees to the rules that look for them.
            key = (classes, options.loop_bound_names)
            plan = self._plans.get(key)
            if plan is None:
                plan = self._plans[key] = _Plan(classes, options)
            for component in plan.components:
                file.components[component] = component(file)
            active: List[Listener] = list(file.components.values())
            active.extend(r(file, findings) for r in classes)
            _Walker(file, active, errors, plan).walk(tree)
            # Components hold the file that holds them: left in place, the cycle would keep
            # the whole tree alive until the garbage collector, slow on trees, came for it.
            file.components.clear()
        if findings and source is not None:
            findings = _unless_silenced(findings, classes, source)
        findings.sort(key=Finding.sort_key)
        return findings, errors


def _unless_silenced(
    findings: List[Finding], rules: Tuple[Type[Rule], ...], source: str
) -> List[Finding]:
    """The findings but those on a line whose comment tells another checker to ignore the
    same mistake (the rule's ``silenced_by`` codes), or just below a line that is only
    such a comment (pyre's place for ``# pyre-ignore[1001]``); the source is split only
    when it names one of those codes at all."""
    codes = {r.code: r.silenced_by for r in rules if r.silenced_by}
    if not codes or not any(c in source for names in codes.values() for c in names):
        return findings
    lines = source.splitlines()
    kept = []
    for finding in findings:
        names = codes.get(finding.code, ())
        last = finding.end_line or finding.line
        comments = [
            lines[number - 1].partition("#")[2]
            for number in {finding.line, last}
            if 0 < number <= len(lines)
        ]
        above = lines[finding.line - 2].lstrip() if 1 < finding.line <= len(lines) + 1 else ""
        if above.startswith("#"):
            comments.append(above)
        if not any(name in comment for name in names for comment in comments):
            kept.append(finding)
    return kept


def _triggered(rules: Tuple[Type[Rule], ...], source: str) -> Tuple[Type[Rule], ...]:
    """The rules that may report in ``source``: those with no trigger words, and those one of
    whose words it holds. Each word is looked for once, and not at all when a shorter
    trigger word inside it is missing (no "loop", no "get_event_loop")."""
    words, rules_words = _trigger_plan(rules)
    missing: Set[str] = set()
    for word, parts in words:
        if (parts and not missing.isdisjoint(parts)) or word not in source:
            missing.add(word)
    if not missing:
        return rules
    return tuple(
        rule for rule, own in zip(rules, rules_words) if not own or not missing.issuperset(own)
    )


@lru_cache(maxsize=32)  # one entry per list of rules (a few per run)
def _trigger_plan(
    rules: Tuple[Type[Rule], ...]
) -> Tuple[Tuple[Tuple[str, Tuple[str, ...]], ...], Tuple[Tuple[str, ...], ...]]:
    """Every trigger word, shortest first, with the shorter trigger words inside it; and
    each rule's words."""
    words = sorted({word for rule in rules for word in rule.trigger_words}, key=len)
    ordered = tuple(
        (word, tuple(part for part in words if part != word and part in word)) for word in words
    )
    return ordered, tuple(tuple(rule.trigger_words) for rule in rules)


_SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_BINDING_NODES = (ast.Assign, ast.AnnAssign, ast.With, ast.AsyncWith)

# An unbound handler, called with its listener and the node.
_Function = Callable[[Listener, ast.AST], None]
# A handler as (its place in ``_FUNCTIONS``, index of its listener in the plan).
_Entry = Tuple[int, int]
_Handlers = Tuple[_Entry, ...]
# node type -> the entries of its visit_ or leave_ handlers
_Table = Dict[type, _Handlers]


# Plans are kept for the run, one per list of rules some file triggers: hundreds on real
# suites, and every full collection of the garbage collector (under flake8, about one per
# 15 files of a real suite) visits every object they keep (benchmarks/flake8_gc.py). So
# they keep little the collector tracks: equal tuples are kept once here, shared by every
# plan, and handlers are named by number, so that those tuples hold only numbers, strings
# and other such tuples, which the collector stops tracking. Over 41 projects' tests (334
# plans) that leaves 4,300 tracked objects, against 100,000 with tuples of their own.
_FUNCTIONS: List[_Function] = []
_FUNCTION_IDS: Dict[_Function, int] = {}
_SHARED: Dict[object, object] = {}
_T = TypeVar("_T")


def _function_id(function: _Function) -> int:
    """The handler's place in ``_FUNCTIONS``, given on first use."""
    number = _FUNCTION_IDS.get(function)
    if number is None:
        number = _FUNCTION_IDS[function] = len(_FUNCTIONS)
        _FUNCTIONS.append(function)
    return number


def _shared(value: _T) -> _T:
    """The one kept tuple equal to ``value`` (``value`` itself the first time)."""
    return _SHARED.setdefault(value, value)  # type: ignore[return-value]


class _Plan:
    """Which handler of which rule runs on which node type, for one list of rule classes.

    Handlers are kept unbound, as (number of the function, index of the listener): the walk
    calls ``_FUNCTIONS[number](listeners[index], node)``, so what it does at each node type
    is worked out once per list of rules, not once per file.
    """

    def __init__(self, rules: Sequence[Type[Rule]], options: Options = DEFAULT_OPTIONS) -> None:
        # Components first, each once, in the order the rules name them: they are fed ahead
        # of every rule, so a rule's handler sees them up to date.
        components: Dict[Type[Component], None] = {}
        for rule in rules:
            components.update(dict.fromkeys(rule.components))
        self.components = tuple(components)
        self.users = {c: tuple(r for r in rules if c in r.components) for c in components}
        listeners: List[Type[Listener]] = [*self.components, *rules]
        self.visit = self._table(listeners, "visit")
        self.leave = self._table(listeners, "leave")
        # ``visit_Call`` handlers that name their callees (``Listener.call_names``) are
        # called on those calls only: most calls of a module concern none of the rules.
        calls = self.visit.get(ast.Call, ())
        names_of = {index: listeners[index].callees(options) for _, index in calls}
        self.every_call = _shared(tuple(entry for entry in calls if names_of[entry[1]] is None))
        by_callee: Dict[str, List[_Entry]] = {}
        for entry in calls:
            for name in names_of[entry[1]] or ():
                by_callee.setdefault(name, []).append(entry)
        self.by_callee = {name: _shared(tuple(entries)) for name, entries in by_callee.items()}
        self.calls_by_callee = len(self.every_call) < len(calls)
        # Filled as the walks of files meet callee names (see ``_Walker.walk``).
        self.call_steps: Dict[object, Optional[_Handlers]] = {}
        # Node types some handler leaves, and those the walk itself must leave (scopes,
        # bindings): only these get a second stack entry.
        self.leave_types = frozenset(self.leave) | _NEEDS_LEAVE
        # Rules that look at the module node alone (its index) need no walk below it.
        self.walks = any(t is not ast.Module for t in [*self.visit, *self.leave])
        # Filled as the walks of files meet node types (see ``_Walker``).
        self.steps: Dict[type, _Step] = {}
        self.leave_steps: Dict[type, Optional[_Handlers]] = {}
        # Types whose step does nothing: a single child of these is not pushed at all.
        self.inert = _shared(_LEAF_TYPES - frozenset(self.visit) - self.leave_types)

    @staticmethod
    def _table(rules: Sequence[Type[Listener]], kind: str) -> _Table:
        by_type: Dict[type, List[_Entry]] = {}
        for index, rule in enumerate(rules):
            for node_type in rule.handlers()[kind]:
                function = getattr(rule, f"{kind}_{node_type}")
                entry = _shared((_function_id(function), index))
                by_type.setdefault(getattr(ast, node_type), []).append(entry)
        return {t: _shared(tuple(entries)) for t, entries in by_type.items()}

    def call_handlers(self, names: Tuple[str, ...]) -> _Handlers:
        """The ``visit_Call`` handlers for a call whose callee goes by ``names``, in the
        order of the listeners."""
        entries = set(self.every_call)
        for name in names:
            entries.update(self.by_callee.get(name, ()))
        return _shared(tuple(sorted(entries, key=lambda entry: entry[1])))


class _Walker:
    def __init__(
        self,
        file: FileState,
        rules: Sequence[Listener],
        errors: List[InternalError],
        plan: _Plan,
    ) -> None:
        self.file = file
        self.errors = errors
        self.rules = rules  # the plan's components, then its rules
        self.plan = plan
        self.failed: Set[int] = set()  # indexes of rules dropped for the rest of the file
        # What the walk does at each node type, filled as types are met: the plan's own
        # tables while every rule is still active, this file's after one failed.
        self.steps = plan.steps
        self.leave = plan.leave_steps
        self.call_steps = plan.call_steps

    def _step(self, node_type: type) -> _Step:
        """What the walk does at a node of this type: its child fields, the scope or import
        it enters, the handlers it calls, whether it comes back to leave it."""
        fields = _FIELDS.get(node_type)
        if fields is None:
            fields = _FIELDS[node_type] = child_fields(node_type)
        kind = _ENTERING.get(node_type)
        handlers = self._active(self.plan.visit.get(node_type))
        if node_type is ast.Call and self.plan.calls_by_callee:
            kind, handlers = _CALL, None  # chosen at each call, by its callee (``walk``)
        leaves = node_type in self.plan.leave_types
        step = self.steps[node_type] = _shared((fields, kind, handlers, leaves))
        return step

    def _renamed_callee(self, func: ast.Name, name: str) -> object:
        """``(go, run)`` for ``go()`` after ``from asyncio import run as go``; the name alone
        when the import that renamed it does not reach here."""
        qualified = self.file.resolve(func)
        if qualified is not None:
            last = qualified.rpartition(".")[2]
            if last != name:
                return (name, last)
        return name

    def _new_call_handlers(self, key: object) -> Optional[_Handlers]:
        """The ``visit_Call`` handlers for a callee first met (its last name, or the
        ``(name, last)`` pair of a renamed import), kept for the next calls."""
        names = key if key.__class__ is tuple else (key,)
        handlers = self.call_steps[key] = self._active(
            self.plan.call_handlers(names)  # type: ignore[arg-type]
        )
        return handlers

    def _active(self, entries: Optional[_Handlers]) -> Optional[_Handlers]:
        """The handlers of ``entries`` whose rules are still active; None for none."""
        if not entries:
            return None
        failed = self.failed
        if not failed:
            return entries
        return tuple(entry for entry in entries if entry[1] not in failed) or None

    def _forget_handlers(self) -> None:
        """Start tables of this file's own, to be filled without the failed rules."""
        self.steps = {}
        self.leave = {}
        self.call_steps = {}

    def walk(self, tree: ast.AST) -> None:
        if not self.plan.walks:
            self._dispatch(self._active(self.plan.visit.get(ast.Module)), tree)
            self._leave(tree)
            return
        file = self.file
        rules, functions = self.rules, _FUNCTIONS
        steps = self.steps  # taken again after a rule fails (``_forget_handlers``)
        AST = ast.AST
        # An explicit stack instead of recursion: deeply nested code cannot exhaust the C stack.
        # It holds nodes to enter, ``(node,)`` tuples for nodes to leave once their children
        # are done, and (pushed in bulk from lists) the odd None or str, which are skipped.
        stack: List[object] = [tree]
        pop, push, extend = stack.pop, stack.append, stack.extend
        call_steps = self.call_steps  # taken again after a rule fails, as ``steps`` is
        renamed = file.imports.renamed  # bare names some import renamed (filled as it goes)
        Attribute, Name = ast.Attribute, ast.Name
        # Node types the walk has nothing to do at (a ``Name`` no rule listens to, a
        # ``Constant``), and None: a single child of these is not pushed at all.
        inert = self.plan.inert
        while stack:
            node = pop()
            node_type = node.__class__
            step = steps.get(node_type)
            if step is None:
                if node_type is tuple:
                    self._leave(node[0])  # type: ignore[index]
                    steps, call_steps = self.steps, self.call_steps
                    continue
                if not isinstance(node, AST):
                    continue  # None in Dict.keys, a name in Global.names
                step = self._step(node_type)
            fields, kind, handlers, leaves = step
            if kind is not None:
                if kind is _CALL:
                    # The handlers for this callee's last name, worked out here rather than
                    # in a method: calls are the most common node a handler waits for.
                    func = node.func  # type: ignore[attr-defined]
                    func_type = func.__class__
                    if func_type is Attribute:
                        key = func.attr
                    elif func_type is Name:
                        key = func.id
                        if key in renamed:
                            key = self._renamed_callee(func, key)
                    else:
                        key = ""
                    handlers = call_steps.get(key, _UNSEEN)
                    if handlers is _UNSEEN:
                        handlers = self._new_call_handlers(key)
                elif kind is _FUNCTION:
                    file.enter_function(node)
                elif kind is _IMPORT:
                    file.imports.add(node)  # type: ignore[arg-type]
                elif kind is _CLASS:
                    file.enter_class(node)  # type: ignore[arg-type]
                elif kind is _LAMBDA:
                    file.enter_lambda(node)  # type: ignore[arg-type]
                elif kind is _IF:
                    dead = dead_branch(node, file)  # type: ignore[arg-type]
                    if dead is not None:
                        fields = _LIVE_IF_FIELDS[dead]  # code that never runs is not walked
                elif kind is _TRY:
                    if dead_handlers(node, file):  # type: ignore[arg-type]
                        fields = _LIVE_TRY_FIELDS
            if handlers is not None:
                for function, index in handlers:
                    try:
                        functions[function](rules[index], node)
                    except Exception as error:  # one rule's bug must not stop the others
                        self._failed(index, node, error)
                        steps, call_steps = self.steps, self.call_steps
            if leaves:
                push((node,))
            # Children pushed last-first so they are visited in source order.
            for name in fields:
                value = getattr(node, name, None)
                value_type = value.__class__
                if value_type is list:
                    if value:
                        extend(reversed(value))
                elif value_type not in inert:
                    push(value)

    def _leave(self, node: ast.AST) -> None:
        node_type = node.__class__
        leave = self.leave
        handlers = leave.get(node_type, _UNSEEN)
        if handlers is _UNSEEN:
            handlers = leave[node_type] = self._active(self.plan.leave.get(node_type))
        if handlers is not None:
            self._dispatch(handlers, node)
        if node_type in _BINDING_TYPES:
            _record_bindings(self.file, node)
        elif node_type in _SCOPE_TYPES:
            self.file.leave_scope(node)

    def _dispatch(self, handlers: Optional[_Handlers], node: ast.AST) -> None:
        """Call each handler on ``node`` (the walk's loop does the same inline)."""
        rules, functions = self.rules, _FUNCTIONS
        for function, index in handlers or ():
            try:
                functions[function](rules[index], node)
            except Exception as error:  # one rule's bug must not stop the others
                self._failed(index, node, error)

    def _failed(self, index: int, node: ast.AST, error: Exception) -> None:
        """Report the rule whose handler raised and drop it for the rest of the file."""
        if index in self.failed:
            return  # already dropped (its handler was still in a list being iterated)
        self.failed.add(index)
        rule = self.rules[index]
        reason = f"{type(error).__name__}: {error}"
        if isinstance(rule, Component):
            # Reported under the first rule that reads it; its rules stay silent for this
            # file, since the component never reaches the end of the module.
            code = self.plan.users[type(rule)][0].code
            reason = f"{type(rule).__name__}: {reason}"
        else:
            code = rule.code  # type: ignore[attr-defined]
        self.errors.append(InternalError(code, getattr(node, "lineno", 1), reason))
        self._forget_handlers()


_SCOPE_TYPES = frozenset(_SCOPE_NODES)
_BINDING_TYPES = frozenset(_BINDING_NODES)
_NEEDS_LEAVE = _SCOPE_TYPES | _BINDING_TYPES
# What the walk does on entering a node, before the rules see it.
_FUNCTION, _CLASS, _LAMBDA, _IMPORT = "function", "class", "lambda", "import"
# A call whose handlers depend on its callee (see ``_Plan.by_callee``).
_CALL = "call"
_UNSEEN = object()
# An ``if`` (or ``a if test else b``) whose test the source fixes (see ``static_branches``):
# its other branch is skipped.
_IF = "if"
_LIVE_IF_FIELDS = {BODY: ("orelse", "test"), ORELSE: ("body", "test")}
# A ``try`` that probes for asyncio names every supported Python has: its handlers are skipped.
_TRY = "try"
_LIVE_TRY_FIELDS = ("finalbody", "orelse", "body")
_ENTERING = {
    ast.FunctionDef: _FUNCTION,
    ast.AsyncFunctionDef: _FUNCTION,
    ast.ClassDef: _CLASS,
    ast.Lambda: _LAMBDA,
    ast.Import: _IMPORT,
    ast.ImportFrom: _IMPORT,
    ast.If: _IF,
    ast.IfExp: _IF,
    ast.Try: _TRY,
}
_Step = Tuple[Tuple[str, ...], Optional[str], Optional[_Handlers], bool]
# The walk's own copy of the child fields: only ast node types are ever keys, so a miss
# also tells the leave entries (tuples) and stray values (None, str) apart.
_FIELDS: Dict[type, Tuple[str, ...]] = {}
# Node types with no child to walk and nothing done on entering them (``Name``,
# ``Constant``, ``alias``), and None: inert in a plan whose rules do not listen to them.
_LEAF_TYPES = frozenset(
    [type(None)]
    + [
        value
        for value in vars(ast).values()
        if isinstance(value, type)
        and issubclass(value, ast.AST)
        and value not in _ENTERING
        and not child_fields(value)
    ]
)


def _record_bindings(file: FileState, node: ast.AST) -> None:
    if isinstance(node, ast.Assign):
        for target in node.targets:
            file.bind(target, node.value)
    elif isinstance(node, ast.AnnAssign):
        file.bind(node.target, node.value)
    else:
        for item in node.items:  # type: ignore[attr-defined]
            if item.optional_vars is not None:
                file.bind(item.optional_vars, None)
