"""Which calls make a coroutine: name bookkeeping for rules that must know without importing.

A rule mixes ``CoroutineCalls`` in and asks ``coroutine_call(call)`` while walking; the
answer is a ``PendingCall`` that ``decide`` settles once the module has been walked,
when every binding of every name is known (a name bound anywhere in a def is local to the
whole def, and a def or rebinding may come after the call). The bindings are gathered
by the ``CoroutineBookkeeping`` component during the engine's one walk, once for every rule
that asks; only whether a name is read is looked up later, in the one scope asked about.

A call counts only when every binding of the name it goes through is visible and agrees:
an ``async def`` bound once in its scope and not a generator, an import of an asyncio
coroutine function, a name bound once to ``AsyncMock()`` or to an asyncio object, a method
``async def`` called on ``self`` / ``cls`` in its own class. A rule that sets
``knows_project_modules`` also counts a name imported once from a project module (or a
function reached through an imported module) that the project context says is a top-level
coroutine function there. Anything else is unknown and the rules stay silent on it.
"""

from __future__ import annotations

import ast
from types import MappingProxyType
from typing import (
    TYPE_CHECKING,
    AbstractSet,
    Dict,
    FrozenSet,
    List,
    Mapping,
    Optional,
    Set,
    Tuple,
)

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.coroutine_functions import (
    ASYNC_MOCK_CLASSES,
    ASYNCIO_COROUTINE_FUNCTIONS,
    ASYNCIO_OBJECT_METHODS,
    AWAITED_FACTORIES,
    LOOP_COROUTINE_METHODS,
    MOCKER_FIXTURE,
    keeps_coroutine,
)
from flake8_asyncloop.analysis.loops import FIXTURE_ORIGIN, LOOP_GETTERS, loop_origin
from flake8_asyncloop.analysis.names import dotted_name, last_name
from flake8_asyncloop.rule import Component

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

# How a name is bound; an asyncio class's qualified name stands for "an object it built".
IMPORT = "import"
ASYNC_DEF = "async def"
PARAM = "param"
MOCK = "AsyncMock"
LOOP = "loop"
OTHER = "other"
# Expectations that depend on what the binding turns out to be.
_CALLABLE = "callable"  # a bare name: an ``async def`` bound once, or an ``AsyncMock()``
_RECEIVER = "receiver"  # a method call: ``self.method()`` or a method of an asyncio object
# The last parts of asyncio's coroutine functions: only these are worth resolving.
_ASYNCIO_FUNCTION_NAMES = frozenset(name.rpartition(".")[2] for name in ASYNCIO_COROUTINE_FUNCTIONS)
# Calls that replace an attribute named by their second argument.
_PATCHERS = frozenset({"setattr", "object"})
# Calls that replace the attribute a dotted string names (``monkeypatch.setattr("m.fetch",
# f)``, ``mock.patch("m.fetch", new=f)``); a plain ``patch("m.fetch")`` of a coroutine
# function puts an AsyncMock there, which still makes coroutines.
_STRING_PATCHERS = frozenset({"setattr", "patch"})
_REPLACEMENT_KEYWORDS = frozenset({"new", "new_callable"})


_NOTHING: FrozenSet[str] = frozenset()


class Namespace:
    """The names one scope (module, class body, def or lambda) binds, and how.

    One is made per def, lambda and class: the containers most scopes never fill (async
    defs, ``global`` / ``nonlocal`` names, imports) are shared empties until first written.
    """

    __slots__ = (
        "kind", "parent", "bindings", "async_defs", "declared_global", "declared_nonlocal",
        "node", "names_read", "is_generator", "keeps_coroutine", "receiver", "imported",
    )

    def __init__(self, kind: str, parent: Optional["Namespace"], node: ast.AST) -> None:
        self.kind = kind
        self.parent = parent
        self.node = node  # the module, def, lambda or class
        self.names_read: Optional[Set[str]] = None  # filled when first asked (``reads``)
        self.bindings: Dict[str, List[str]] = {}
        self.async_defs: Mapping[str, ast.AST] = _NO_ENTRIES
        self.declared_global: AbstractSet[str] = _NOTHING
        self.declared_nonlocal: AbstractSet[str] = _NOTHING
        self.is_generator = False
        # for an async def: its decorators leave it a coroutine function
        self.keeps_coroutine = True
        self.receiver: Optional[str] = None  # for a method: its first parameter (``self``)
        # What each imported name stands for: (dots of a relative import, dotted path),
        # such as (0, "helpers.fetch") for ``from helpers import fetch``, (0, "pkg") for
        # ``import pkg.x``.
        self.imported: Mapping[str, Tuple[int, str]] = _NO_ENTRIES

    def bind(self, name: str, how: str) -> None:
        self.bindings.setdefault(name, []).append(how)

    def add_async_def(self, name: str, node: ast.AST) -> None:
        if self.async_defs is _NO_ENTRIES:
            self.async_defs = {}
        self.async_defs[name] = node  # type: ignore[index]

    def add_import(self, local: str, target: Tuple[int, str]) -> None:
        if self.imported is _NO_ENTRIES:
            self.imported = {}
        self.imported[local] = target  # type: ignore[index]

    def declare_global(self, names: List[str]) -> None:
        self.declared_global = self.declared_global | set(names)

    def declare_nonlocal(self, names: List[str]) -> None:
        self.declared_nonlocal = self.declared_nonlocal | set(names)

    def reads(self, name: str) -> bool:
        """Whether ``name`` is read (or deleted) here or in any scope nested here. Asked only
        of the scopes where a rule is about to report, so the names read are gathered then,
        in one walk of the scope's node, rather than by the engine's walk at every name."""
        read = self.names_read
        if read is None:
            read = self.names_read = {
                node.id
                for node in ast.walk(self.node)
                if isinstance(node, ast.Name) and node.ctx.__class__ is not ast.Store
            }
        return name in read

    def module(self) -> "Namespace":
        namespace = self
        while namespace.parent is not None:
            namespace = namespace.parent
        return namespace


_NO_ENTRIES: Mapping = MappingProxyType({})  # read-only: a write must go through a method


class PendingCall:
    """A call that makes a coroutine if the bindings it goes through turn out as expected.

    One is made for every call a rule asks about and most are never reported: the label
    is only spelled out when asked for.
    """

    __slots__ = (
        "call", "namespace", "name", "expect", "method", "through", "_unwritten",
        "arguments_known",
    )

    def __init__(
        self,
        call: ast.Call,
        namespace: Namespace,
        name: str,
        expect: str,
        method: str = "",
        through: Tuple[str, ...] = (),
        unwritten: str = "",
    ) -> None:
        self.call = call
        self.namespace = namespace  # where the call is
        self.name = name  # the name looked up through the scopes
        self.expect = expect  # the one binding kind that name must have
        self.method = method  # for ``self.method()``: the method looked up in the class
        self.through = through  # for ``pkg.helpers.fetch()``: the attributes between
        self._unwritten = unwritten  # the label's stem when the callee is no dotted name
        # ``call`` holds the arguments the function gets; False for a reference the caller
        # turned into a call (a callback: what it is called with is not written here)
        self.arguments_known = True

    @property
    def label(self) -> str:
        """How a message names the call: ``fetch_user()``, ``self.connect()``."""
        return f"{dotted_name(self.call.func) or self._unwritten}()"


class CoroutineBookkeeping(Component):
    """What the walk has learnt about names so far; one per file, shared by the rules.

    Bindings are read from the statements that make them (assignments, loops, ``with``,
    imports, defs...); reads of a name are looked for only when asked (``Namespace.reads``).
    """

    # ``visit_Call`` looks for attributes set by name (``setattr``, ``patch.object``...).
    call_names = _PATCHERS | _STRING_PATCHERS

    def __init__(self, file: "FileState") -> None:
        super().__init__(file)
        self.namespace = Namespace(scopes.MODULE, None, file.tree)
        self.def_namespaces: Dict[int, Namespace] = {}
        self.stored_attributes: Set[str] = set()  # attribute names assigned anywhere
        self.star_import = False  # ``from x import *`` may rebind any imported name
        # Coroutine functions of the project modules asked about, by (module, level).
        self.project_functions: Dict[Tuple[str, int], FrozenSet[str]] = {}
        self.complete = False  # the module was walked to its end

    def leave_Module(self, node: ast.Module) -> None:
        # Not reached when one of these handlers failed: the rules then stay silent.
        self.complete = True

    # -- scopes -------------------------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.AST) -> None:
        how = ASYNC_DEF if isinstance(node, ast.AsyncFunctionDef) else OTHER
        outer = self.namespace
        outer.bind(node.name, how)  # type: ignore[attr-defined]
        namespace = Namespace(scopes.FUNCTION, outer, node)
        if how == ASYNC_DEF:
            outer.add_async_def(node.name, node)  # type: ignore[attr-defined]
            decorators = node.decorator_list  # type: ignore[attr-defined]
            if decorators:
                resolve = self.file.resolve
                namespace.keeps_coroutine = all(keeps_coroutine(d, resolve) for d in decorators)
        self._bind_parameters(namespace, node)
        if outer.kind == scopes.CLASS:
            namespace.receiver = _method_receiver(node)
        self.def_namespaces[id(node)] = namespace
        self.namespace = namespace

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.namespace = Namespace(scopes.LAMBDA, self.namespace, node)
        self._bind_parameters(self.namespace, node)

    def _bind_parameters(self, namespace: Namespace, node: ast.AST) -> None:
        scope = self.file.scope  # the walk enters a def or lambda before its listeners see it
        if scope.node is node:
            names = scope.params
        else:
            names = scopes.parameter_names(node.args)  # type: ignore[attr-defined]
        for name in names:
            namespace.bind(name, PARAM)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.namespace.bind(node.name, OTHER)
        self.namespace = Namespace(scopes.CLASS, self.namespace, node)

    def leave_FunctionDef(self, node: ast.AST) -> None:
        namespace = self.namespace
        assert namespace.parent is not None
        self.namespace = namespace.parent

    leave_AsyncFunctionDef = leave_FunctionDef
    leave_Lambda = leave_FunctionDef
    leave_ClassDef = leave_FunctionDef

    # -- bindings -----------------------------------------------------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        targets = node.targets
        if len(targets) == 1:
            target = targets[0]
            if target.__class__ is ast.Name:
                self.namespace.bind(target.id, self._kind_of(node.value))
                return
        for target in targets:
            self._bind_target(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        target = node.target
        if target.__class__ is ast.Name and node.value is not None:
            self.namespace.bind(target.id, self._kind_of(node.value))  # type: ignore[attr-defined]
        else:
            self._bind_target(target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._bind_target(node.target)

    def visit_For(self, node: ast.For) -> None:
        self._bind_target(node.target)

    visit_AsyncFor = visit_For
    visit_comprehension = visit_For

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._bind_target(node.target)

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            if item.optional_vars is not None:
                self._bind_target(item.optional_vars)

    visit_AsyncWith = visit_With

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._bind_target(target)

    def visit_TypeAlias(self, node: ast.AST) -> None:  # Python 3.12+
        self._bind_target(node.name)  # type: ignore[attr-defined]

    def _bind_target(self, target: ast.AST) -> None:
        """Every name a target binds (``a``, ``a, *b``), every attribute it assigns."""
        kind = target.__class__
        if kind is ast.Name:
            self.namespace.bind(target.id, OTHER)  # type: ignore[attr-defined]
        elif kind is ast.Attribute:
            self.stored_attributes.add(target.attr)  # ``self.fetch = ...`` hides a method
        elif kind is ast.Tuple or kind is ast.List:
            for element in target.elts:  # type: ignore[attr-defined]
                self._bind_target(element)
        elif kind is ast.Starred:
            self._bind_target(target.value)  # type: ignore[attr-defined]

    def _kind_of(self, value: ast.AST) -> str:
        """How ``name = value`` binds the name, for ``name()`` and ``name.put()``."""
        if value.__class__ is ast.Await:
            # ``server = await asyncio.start_server(...)``: an asyncio object too
            awaited = value.value  # type: ignore[attr-defined]
            if awaited.__class__ is ast.Call:
                qualified = self.file.resolve(awaited.func)
                if qualified in AWAITED_FACTORIES:
                    return qualified  # type: ignore[return-value]
            return OTHER
        if value.__class__ is not ast.Call:
            return OTHER
        func = value.func  # type: ignore[attr-defined]
        qualified = self.file.resolve(func)
        if qualified in ASYNC_MOCK_CLASSES or (
            isinstance(func, ast.Attribute)
            and func.attr == "AsyncMock"
            and isinstance(func.value, ast.Name)
            and func.value.id == MOCKER_FIXTURE
        ):
            return MOCK
        if qualified in ASYNCIO_OBJECT_METHODS and qualified not in AWAITED_FACTORIES:
            return qualified  # type: ignore[return-value]
        if qualified in LOOP_GETTERS and not value.args and not value.keywords:  # type: ignore
            return LOOP
        return OTHER

    def visit_Import(self, node: ast.AST) -> None:
        namespace = self.namespace
        if isinstance(node, ast.Import):
            for alias in node.names:
                # ``import a.b`` binds ``a``; ``import a.b as h`` binds ``h`` to ``a.b``.
                local = alias.asname or alias.name.partition(".")[0]
                namespace.bind(local, IMPORT)
                namespace.add_import(local, (0, alias.name if alias.asname else local))
            return
        module = node.module  # type: ignore[attr-defined]
        for alias in node.names:  # type: ignore[attr-defined]
            if alias.name == "*":
                self.star_import = True
                continue
            local = alias.asname or alias.name
            namespace.bind(local, IMPORT)
            path = f"{module}.{alias.name}" if module else alias.name
            namespace.add_import(local, (node.level or 0, path))  # type: ignore[attr-defined]

    visit_ImportFrom = visit_Import

    def visit_Global(self, node: ast.Global) -> None:
        self.namespace.declare_global(node.names)
        for name in node.names:  # a def may rebind it: the module's binding is no longer sure
            self.namespace.module().bind(name, OTHER)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.namespace.declare_nonlocal(node.names)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.namespace.bind(node.name, OTHER)

    def visit_MatchAs(self, node: ast.AST) -> None:
        name = getattr(node, "name", None)
        if name:
            self.namespace.bind(name, OTHER)

    visit_MatchStar = visit_MatchAs

    def visit_MatchMapping(self, node: ast.AST) -> None:
        rest = getattr(node, "rest", None)
        if rest:
            self.namespace.bind(rest, OTHER)

    def visit_Yield(self, node: ast.AST) -> None:
        self.namespace.is_generator = True

    visit_YieldFrom = visit_Yield

    def visit_Call(self, node: ast.Call) -> None:
        # ``setattr(obj, "fetch", ...)``, ``monkeypatch.setattr(obj, "fetch", ...)`` and
        # ``mock.patch.object(obj, "fetch")`` replace an attribute of an object or module.
        args = node.args
        if not args:
            return
        func = node.func
        name = func.attr if func.__class__ is ast.Attribute else getattr(func, "id", "")
        if name in _PATCHERS and len(args) >= 2:
            self._stored_by_string(args[1])
        if name in _STRING_PATCHERS and (
            len(args) >= 2 or any(k.arg in _REPLACEMENT_KEYWORDS for k in node.keywords)
        ):
            self._stored_by_string(args[0])

    def _stored_by_string(self, attribute: ast.AST) -> None:
        if isinstance(attribute, ast.Constant) and isinstance(attribute.value, str):
            self.stored_attributes.add(attribute.value.rpartition(".")[2])


class CoroutineCalls:
    """Mix into a ``Rule`` (before ``Rule``) for the questions below; the bookkeeping they
    rest on is the ``CoroutineBookkeeping`` component, which the engine feeds first."""

    file: "FileState"
    components = (CoroutineBookkeeping,)
    # Also count coroutine functions imported from the project's own modules (read from disk
    # through the project context, and only when a call's fate hangs on them).
    knows_project_modules = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self._books: CoroutineBookkeeping = self.file.components[CoroutineBookkeeping]

    # -- questions ----------------------------------------------------------------------------
    @property
    def current_namespace(self) -> Namespace:
        return self._books.namespace

    @property
    def walk_complete(self) -> bool:
        """False when the rule keeping the bookkeeping failed before the end of the module."""
        return self._books.complete

    def coroutine_call(self, call: ast.AST) -> Optional[PendingCall]:
        """What has to hold for ``call`` to make a coroutine, or None if it cannot."""
        if not isinstance(call, ast.Call):
            return None
        func = call.func
        here = self._books.namespace
        if isinstance(func, ast.Name):
            name = func.id
            qualified = self.file.resolve(func) if name in _ASYNCIO_FUNCTION_NAMES else None
            if qualified in ASYNCIO_COROUTINE_FUNCTIONS:
                return PendingCall(call, here, name, IMPORT)
            # An imported name is settled by its binding later (a project module's, or unknown).
            return PendingCall(call, here, name, _CALLABLE)
        if not isinstance(func, ast.Attribute):
            return None
        pending = self._loop_method(call)
        if pending is not None:
            return pending
        if func.attr in _ASYNCIO_FUNCTION_NAMES:
            if self.file.resolve(func) in ASYNCIO_COROUTINE_FUNCTIONS:
                written = dotted_name(func) or func.attr
                return PendingCall(call, here, written.partition(".")[0], IMPORT, unwritten=written)
        receiver = func.value
        if isinstance(receiver, ast.Name):
            return PendingCall(call, here, receiver.id, _RECEIVER, func.attr)
        written = dotted_name(receiver)
        if written is not None:  # ``pkg.helpers.fetch()``: only an imported module can tell
            head, *through = written.split(".")
            return PendingCall(call, here, head, _RECEIVER, func.attr, tuple(through))
        return None

    def _loop_method(self, call: ast.Call) -> Optional[PendingCall]:
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr in LOOP_COROUTINE_METHODS):
            return None
        receiver = func.value
        origin = loop_origin(receiver, self.file)
        if origin is None:
            return None
        here = self._books.namespace
        if isinstance(receiver, ast.Name):
            expect = PARAM if origin == FIXTURE_ORIGIN else LOOP
            return PendingCall(call, here, receiver.id, expect)
        return PendingCall(call, here, "", "", unwritten=f"loop.{func.attr}")  # a getter call

    def decide(self, pending: PendingCall) -> bool:
        """Call once the module is walked: True when the call surely makes a coroutine."""
        if not self._books.complete:
            return False
        if not pending.expect:
            return True
        found = binding_of(pending.namespace, pending.name)
        if found is None:
            return False
        owner, kinds = found
        if pending.expect == _RECEIVER:
            return self._decide_receiver(pending, owner, kinds)
        if pending.expect == _CALLABLE:
            if owner.parent is None and pending.name in self._books.stored_attributes:
                return False  # the module's own attribute is patched somewhere
            if kinds == [ASYNC_DEF]:
                definition = owner.async_defs[pending.name]
                return self._is_coroutine_function(definition) and (
                    not pending.arguments_known or may_accept(pending.call, definition, False)
                )
            if kinds == [IMPORT]:
                return self._imported_coroutine_function(owner, pending.name, ())
            return all(kind == MOCK for kind in kinds)
        return all(kind == pending.expect for kind in kinds)

    def does_nothing(self, pending: PendingCall) -> bool:
        """The call is of an ``async def`` of the module (or nested) whose body does nothing
        (``pass``, ``...``, a docstring): a coroutine made only for the warning it gives
        when dropped, as tests of that warning make one."""
        if pending.expect != _CALLABLE:
            return False
        found = binding_of(pending.namespace, pending.name)
        if found is None or found[1] != [ASYNC_DEF]:
            return False
        definition = found[0].async_defs[pending.name]
        return all(
            statement.__class__ is ast.Pass
            or (statement.__class__ is ast.Expr and statement.value.__class__ is ast.Constant)
            for statement in definition.body  # type: ignore[attr-defined]
        )

    def _decide_receiver(self, pending: PendingCall, owner: Namespace, kinds: List[str]) -> bool:
        method = pending.method
        if kinds == [IMPORT]:  # ``helpers.fetch()``, ``pkg.helpers.fetch()``
            attributes = pending.through + (method,)
            return self._imported_coroutine_function(owner, pending.name, attributes)
        if pending.through:
            return False
        if kinds == [PARAM] and owner.receiver == pending.name:
            # ``self.method()`` in a method of the class that defines ``async def method``
            cls = owner.parent
            if cls is None or cls.kind != scopes.CLASS or method in self._books.stored_attributes:
                return False
            if cls.bindings.get(method) != [ASYNC_DEF]:
                return False
            definition = cls.async_defs[method]
            return (
                self._is_coroutine_function(definition)
                and (not pending.arguments_known or may_accept(pending.call, definition, True))
                and not _may_be_overridden(cls.node, method, self.file)
            )
        # ``queue.put()`` on a name bound once to ``asyncio.Queue()``
        if len(kinds) == 1 and kinds[0] in ASYNCIO_OBJECT_METHODS:
            return method in ASYNCIO_OBJECT_METHODS[kinds[0]]
        return False

    def _imported_coroutine_function(
        self, owner: Namespace, name: str, attributes: Tuple[str, ...]
    ) -> bool:
        """Whether ``name``, imported once in ``owner``, followed by ``attributes`` is a
        top-level coroutine function of a project module."""
        if not self.knows_project_modules or self._books.star_import:
            return False
        imported = owner.imported.get(name)
        if imported is None:
            return False
        level, path = imported
        parts = path.split(".") + list(attributes)
        function = parts.pop()
        if not parts and not level:
            return False  # ``import fetch; fetch()``: a module is not called
        if function in self._books.stored_attributes:
            return False  # ``helpers.fetch = ...`` or a patch of it somewhere in the file
        key = (".".join(parts), level)
        known = self._books.project_functions.get(key)
        if known is None:
            file = self.file
            known = file.project.async_functions_of(key[0], level, file.filename)
            self._books.project_functions[key] = known
        return function in known

    def _is_coroutine_function(self, definition: ast.AST) -> bool:
        namespace = self._books.def_namespaces.get(id(definition))
        return namespace is not None and namespace.keeps_coroutine and not namespace.is_generator


def may_accept(call: ast.Call, definition: ast.AST, bound: bool) -> bool:
    """False when ``call`` surely cannot bind its arguments to the undecorated
    ``definition``'s parameters (one required is left out, or too many are given): Python
    raises TypeError there before any coroutine exists. ``bound``: a method called on its
    instance, whose first parameter is taken."""
    if definition.decorator_list:  # type: ignore[attr-defined]
        return True  # a decorator may change the signature
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        return True  # ``*args`` or ``**kwargs``: any number may come
    args: ast.arguments = definition.args  # type: ignore[attr-defined]
    positional = [*args.posonlyargs, *args.args][1 if bound else 0:]
    if args.vararg is None and len(call.args) > len(positional):
        return False
    keywords = {k.arg for k in call.keywords}
    required = positional[: len(positional) - len(args.defaults)]
    if any(p.arg not in keywords for p in required[len(call.args):]):
        return False
    return all(
        default is not None or parameter.arg in keywords
        for parameter, default in zip(args.kwonlyargs, args.kw_defaults)
    )


def binding_of(namespace: Namespace, name: str) -> Optional[Tuple[Namespace, List[str]]]:
    """The scope ``name`` resolves to from ``namespace``, with every binding it has there."""
    current: Optional[Namespace] = namespace
    innermost = True
    while current is not None:
        if name in current.declared_global:
            module = current.module()
            kinds = module.bindings.get(name)
            return (module, kinds) if kinds else None
        if name not in current.declared_nonlocal and (current.kind != scopes.CLASS or innermost):
            # A class body's names are seen by the class body only, not by its methods.
            kinds = current.bindings.get(name)
            if kinds:
                return current, kinds
        innermost = False
        current = current.parent
    return None


def _method_receiver(node: ast.AST) -> Optional[str]:
    """The first parameter of a method, unless it is a staticmethod."""
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Name) and decorator.id == "staticmethod":
            return None
    args = node.args
    positional = args.posonlyargs + args.args
    return positional[0].arg if positional else None


def _may_be_overridden(cls: ast.AST, method: str, file: "FileState") -> bool:
    """Whether ``self.method()`` may reach a subclass's sync ``method``: the class calls
    its own ``Class.method(self)`` by name somewhere (so ``self.method`` is meant to be
    overridable), or a class of the module derives from it and defines ``method`` as a
    plain def (fasttcpapi's sync ``Client`` over its async ``_ClientCore``)."""
    name = cls.name  # type: ignore[attr-defined]
    for node in ast.walk(cls):
        func = getattr(node, "func", None)
        if (
            func.__class__ is ast.Attribute
            and func.attr == method  # type: ignore[union-attr]
            and func.value.__class__ is ast.Name  # type: ignore[union-attr]
            and func.value.id == name  # type: ignore[union-attr]
        ):
            return True
    for other in file.module.classes.values():
        if any(last_name(base) == name for base in other.bases):  # type: ignore[attr-defined]
            for statement in other.body:  # type: ignore[attr-defined]
                if isinstance(statement, ast.FunctionDef) and statement.name == method:
                    return True
    return False
