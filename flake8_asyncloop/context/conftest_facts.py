"""What a conftest.py tells the rules, read with ``ast`` (user code is never imported).

Fixtures are recognised by the same code the engine uses for the module under test, so a
fixture means the same thing wherever it is defined.
"""

from __future__ import annotations

import ast
import os
from typing import Callable, Dict, Iterator, List, Optional, Set, Tuple

from flake8_asyncloop.analysis.children import own_body_nodes
from flake8_asyncloop.analysis.loop_bound import ValueOf, keeps_no_connections, opens_aiosqlite
from flake8_asyncloop.analysis.loop_scopes import is_scope
from flake8_asyncloop.analysis.named_values import values_of_module_names
from flake8_asyncloop.analysis.names import ImportTable, last_name, module_level_statements
from flake8_asyncloop.analysis.scopes import parameter_names
from flake8_asyncloop.analysis.testcode import (
    ANYIO_BACKEND,
    FixtureSpec,
    added_to_list,
    anyio_backend_offers_trio,
    fixture_spec,
    is_autouse,
    mark_name,
    marks_in,
    requested_fixtures,
    scope_value,
)
from flake8_asyncloop.context.model import ConftestFacts, FixtureDef

# Hooks through which a conftest can run (or mark) coroutine tests in ways the linter cannot
# follow: any of them makes the directory "handled" (a miss is better than a false alarm).
COROUTINE_HOOKS = frozenset(
    {"pytest_pycollect_makeitem", "pytest_collection_modifyitems", "pytest_pyfunc_call"}
)
# Hooks that see each test item before it runs: they count when they replace the test
# function (``item.obj = falcon.runs_sync(item.obj)``) or ask whether it is a coroutine.
ITEM_HOOKS = frozenset(
    {"pytest_runtest_call", "pytest_runtest_setup", "pytest_runtest_protocol",
     "pytest_itemcollected"}
)
_COROUTINE_CHECKS = frozenset({"iscoroutinefunction", "iscoroutine", "isawaitable"})
ANYIO_BACKEND_FIXTURE = "anyio_backend"
OTHER_RUNNER_MARKS = frozenset({"pytest.mark.anyio", "pytest.mark.trio"})
OTHER_RUNNER_PLUGIN_WORDS = ("anyio", "trio")

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# The value a module-level name was bound to, by its name.
ModuleValue = Callable[[str], Optional[ast.AST]]

_cache: Dict[str, Tuple[Tuple[int, int], Optional[ConftestFacts]]] = {}


def conftest_facts(path: str) -> Optional[ConftestFacts]:
    """The facts of one conftest.py, cached on (path, mtime, size).

    None when the file is missing, unreadable or not valid Python: such a file is skipped.
    """
    try:
        stat = os.stat(path)
    except OSError:
        return None
    signature = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(path)
    if cached is not None and cached[0] == signature:
        return cached[1]
    facts = _read(path)
    _cache[path] = (signature, facts)
    return facts


def clear_cache() -> None:
    _cache.clear()


def _read(path: str) -> Optional[ConftestFacts]:
    try:
        with open(path, "rb") as handle:
            source = handle.read()
        tree = ast.parse(source, filename=path)
        # The walk for anyio or trio marks is the costliest read of a large module.
        may_mark = b"anyio" in source or b"trio" in source
        return facts_from_tree(tree, path, may_mark_other_runners=may_mark)
    except Exception:  # a conftest the linter cannot read must not stop the lint
        return None


def facts_from_tree(
    tree: ast.Module, path: str, may_mark_other_runners: bool = True
) -> ConftestFacts:
    """What one conftest.py (or a test module read like one) gives the files below it;
    ``may_mark_other_runners`` False when its text names neither anyio nor trio."""
    imports = ImportTable()
    imports.add_module_imports(tree.body)
    fixtures: List[FixtureDef] = []
    marks: List[str] = []
    plugins: List[str] = []
    hooks: List[str] = []
    wraps_coroutines = False
    async_functions: List[str] = []
    imported: List[str] = []
    test_loop_scope: Optional[str] = None
    test_loop_mark_first = False
    statements = list(module_level_statements(tree.body))
    module_values: List[Dict[str, Optional[ast.AST]]] = []  # worked out on first use

    def module_value(name: str) -> Optional[ast.AST]:
        if not module_values:
            module_values.append(values_of_module_names(tree, statements))
        return module_values[0].get(name)

    for statement in statements:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            imported.extend(
                (alias.asname or alias.name).partition(".")[0] for alias in statement.names
            )
            continue
        if isinstance(statement, _FUNCTIONS):
            spec = fixture_spec(statement, imports)
            if spec is not None:
                fixtures.append(fixture_def(statement, spec, imports, path, module_value))
            elif statement.name.startswith("pytest_"):
                hooks.append(statement.name)
                if statement.name in ITEM_HOOKS and _wraps_test_function(statement):
                    wraps_coroutines = True
                if statement.name == "pytest_collection_modifyitems":
                    marked = _loop_scope_marked(statement, imports)
                    if marked is not None:
                        test_loop_scope = marked
                        test_loop_mark_first = _adds_marks_first(statement, imports)
            elif isinstance(statement, ast.AsyncFunctionDef):
                async_functions.append(statement.name)
            continue
        target, value = _assignment(statement)
        if target == "pytestmark" and value is not None:
            marks.extend(name for name, _ in marks_in(value, imports))
        elif target == "pytest_plugins" and value is not None:
            plugins.extend(_plugin_names(value))
    uses_anyio = (
        any(f.name == ANYIO_BACKEND_FIXTURE for f in fixtures)
        or any(word in plugin for plugin in plugins for word in OTHER_RUNNER_PLUGIN_WORDS)
        or (may_mark_other_runners and _uses_other_runner_mark(tree, imports))
    )
    return ConftestFacts(
        path=path,
        collect_ignore=_unconditional_strings(tree.body, "collect_ignore"),
        collect_ignore_glob=_unconditional_strings(tree.body, "collect_ignore_glob"),
        imported=tuple(imported),
        fixtures=tuple(fixtures),
        marks=tuple(marks),
        handles_coroutines=wraps_coroutines or any(hook in COROUTINE_HOOKS for hook in hooks),
        uses_anyio=uses_anyio,
        plugins=tuple(plugins),
        hooks=tuple(hooks),
        async_functions=tuple(async_functions),
        test_loop_scope=test_loop_scope,
        test_loop_mark_first=test_loop_mark_first,
    )


def _loop_scope_marked(hook: ast.AST, imports: ImportTable) -> Optional[str]:
    """The loop scope of the ``pytest.mark.asyncio(loop_scope="session")`` a collection hook
    adds to the items (``item.add_marker(...)``); None when it adds none, or one whose
    scope is not a literal."""
    adds_marks = False
    scope: Optional[str] = None
    for node in ast.walk(hook):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Attribute) and node.func.attr == "add_marker":
            adds_marks = True
        elif mark_name(node, imports) == "asyncio":
            given = next((k.value for k in node.keywords if k.arg in ("loop_scope", "scope")), None)
            value = scope_value(given) if given is not None else None
            if not is_scope(value):
                return None
            scope = value
    return scope if adds_marks else None


def _adds_marks_first(hook: ast.AST, imports: ImportTable) -> bool:
    """Whether the hook's ``add_marker`` calls of the asyncio mark (given directly, or
    through a name bound to it) put it before the item's own (``append=False``, as
    pytest-asyncio's recipe does), where pytest's closest-mark lookup finds it first.
    Other marks the hook adds (a ``skip``) do not count; where the asyncio one cannot be
    told apart, every call must say so."""
    asyncio_names = {
        target.id
        for node in ast.walk(hook)
        if isinstance(node, ast.Assign) and mark_name(node.value, imports) == "asyncio"
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    calls = [
        node
        for node in ast.walk(hook)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "add_marker"
    ]
    adding_asyncio = [
        call
        for call in calls
        if call.args and _is_asyncio_mark(call.args[0], asyncio_names, imports)
    ]
    chosen = adding_asyncio or calls
    return bool(chosen) and all(_append_is_false(call) for call in chosen)


def _is_asyncio_mark(value: ast.AST, names: Set[str], imports: ImportTable) -> bool:
    if isinstance(value, ast.Name) and value.id in names:
        return True
    return mark_name(value, imports) == "asyncio"


def _append_is_false(call: ast.Call) -> bool:
    given = next((k.value for k in call.keywords if k.arg == "append"), None)
    if given is None and len(call.args) > 1:
        given = call.args[1]
    return isinstance(given, ast.Constant) and given.value is False


def _unconditional_strings(body: List[ast.stmt], name: str) -> Tuple[str, ...]:
    """The literal strings the module's own top-level statements put in the list ``name``
    (see ``added_to_list``); what an ``if`` adds depends on where the tests run, and is
    left out."""
    found: List[str] = []
    for statement in body:
        value = added_to_list(statement, name)
        if value is None:
            continue
        if isinstance(statement, (ast.Assign, ast.AnnAssign)):
            found = []  # rebinding starts the list again
        items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
        found.extend(
            item.value
            for item in items
            if isinstance(item, ast.Constant) and isinstance(item.value, str)
        )
    return tuple(found)


def _awaits_own_work(value: ast.AST, requested: Set[str]) -> bool:
    """``await x`` where ``x`` makes a connection (``_opens_a_connection``), unless it
    calls a method of a fixture the fixture requests (``await client.spaces.create_space()``,
    ``client`` among ``requested``)."""
    if value.__class__ is not ast.Await:
        return False
    call = value.value  # type: ignore[attr-defined]
    if call.__class__ is ast.Call and call.func.__class__ is ast.Attribute:
        root = call.func
        while root.__class__ is ast.Attribute:
            root = root.value
        if root.__class__ is ast.Name and root.id in requested:
            return False
    return _opens_a_connection(call)


# Words in the name of a call whose result holds a connection, or something opened on a
# loop (``connect``, ``create_pool``, ``engine.begin``, ``chromium.launch``), split at
# underscores.
_CONNECTION_WORDS = frozenset(
    {"connect", "connection", "conn", "pool", "session", "client", "channel", "socket",
     "stream", "streams", "server", "engine", "db", "database", "broker", "transport",
     "begin", "transaction", "acquire", "cursor", "open", "launch", "playwright", "browser",
     "page", "ws", "websocket", "websockets", "consumer", "producer", "subscriber",
     "publisher", "subscribe", "listener", "redis", "mongo", "amqp", "nats", "kafka", "mqtt",
     "grpc", "rpc"}
)


def _opens_a_connection(made: ast.AST) -> bool:
    """Whether what ``made`` gives may hold a connection bound to the loop that made it: a
    class built (``ClickUp(token)``), or a call named for a connection (``connect()``,
    ``asyncpg.create_pool()``). A helper of other words (``sshd_container()`` handing out a
    host and port, ``Classifier.new()`` loading a model) is taken for plain set-up.
    Anything but a call (``async with pool as conn``, ``await task``) still counts."""
    if made.__class__ is not ast.Call:
        return True
    name = last_name(made.func)  # type: ignore[attr-defined]
    if name[:1].isupper():
        return True
    return not _CONNECTION_WORDS.isdisjoint(name.lower().split("_"))


def _wraps_test_function(hook: ast.AST) -> bool:
    """The hook replaces a test's function (``item.obj = ...``) or checks for coroutines."""
    for node in ast.walk(hook):
        if isinstance(node, ast.Attribute):
            if node.attr == "obj" and isinstance(node.ctx, ast.Store):
                return True
            if node.attr in _COROUTINE_CHECKS:
                return True
        elif isinstance(node, ast.Name) and node.id in _COROUTINE_CHECKS:
            return True
    return False


def fixture_def(
    func: ast.AST,
    spec: FixtureSpec,
    imports: ImportTable,
    path: str,
    module_value: Optional[ModuleValue] = None,
) -> FixtureDef:
    """What pytest and the rules need to know of a fixture; ``module_value`` gives the value
    a module-level name was bound to (``URL = "sqlite+aiosqlite://"``), where known."""
    is_generator, builds, yields_async = _body_facts(func, imports, module_value)
    return FixtureDef(
        name=spec.name,
        path=path,
        line=func.lineno,  # type: ignore[attr-defined]
        col=func.col_offset,  # type: ignore[attr-defined]
        provider=spec.provider,
        scope=spec.scope,
        loop_scope=spec.loop_scope,
        is_async=isinstance(func, ast.AsyncFunctionDef),
        is_generator=is_generator,
        builds=builds,
        yields_async_value=is_generator and yields_async,
        requests=requested_fixtures(func),
        autouse=is_autouse(spec),
        offers_trio=spec.name == ANYIO_BACKEND and anyio_backend_offers_trio(func, spec.decorator),
    )


def _body_facts(
    func: ast.AST, imports: ImportTable, module_value: Optional[ModuleValue] = None
) -> Tuple[bool, Optional[str], bool]:
    """What a fixture's own body says, read in one pass over it in source order:

    - whether it yields (a generator fixture);
    - the constructor its value comes from: the first ``return`` or ``yield`` of a call, or
      of a name last bound to one (``imports`` resolves the call, with the body's own);
    - whether its first ``yield`` hands out the result of async code: ``yield await x``, or
      a name last bound by ``name = await x`` or ``async with x as name`` (``x`` a class
      built or a call named for a connection: ``_opens_a_connection``), or whose method
      was awaited (``await name.connect()``), before it; alone or in a tuple. An object
      built on an aiosqlite URL (``Database("sqlite+aiosqlite://")``) does not count: its
      connections answer on whichever loop awaits them; nor does a client that keeps no
      connection (``httpx.AsyncClient`` on an ``ASGITransport``, as ALP501 decides). Nor
      does what a method of a fixture it requests gave (``space = await
      client.create_space()``): that fixture's own object is the one bound to its loop, and
      is judged where a test requests it.
    """
    is_generator = False
    builds: Optional[str] = None
    yields_async: Optional[bool] = None  # decided at the first ``yield``
    bound: Dict[str, Optional[str]] = {}  # local name -> the call it was last bound to
    values: Dict[str, ast.AST] = {}  # local name -> the value it was last assigned

    arguments = func.args  # type: ignore[attr-defined]

    def value_of(name: ast.Name) -> Optional[ast.AST]:
        if name.id in values or module_value is None:
            return values.get(name.id)
        if name.id in parameter_names(arguments):
            return None  # another fixture's value
        return module_value(name.id)

    def bound_to_no_loop(value: Optional[ast.AST]) -> bool:
        """Built on an aiosqlite URL, or a client or engine that keeps no connection
        (``httpx.AsyncClient(transport=ASGITransport(app=app))``)."""
        if value.__class__ is not ast.Call:
            return False
        qualified = imports.resolve(value.func)  # type: ignore[union-attr]
        return opens_aiosqlite(value, value_of) or keeps_no_connections(  # type: ignore
            value, qualified, value_of  # type: ignore[arg-type]
        )

    made_by_async: Dict[str, bool] = {}  # local name -> whether async code made its value
    requested = set(requested_fixtures(func))
    imports.push()
    try:
        for node in own_body_nodes(func):
            kind = node.__class__
            if kind is ast.Assign:
                value = node.value  # type: ignore[attr-defined]
                for target in node.targets:  # type: ignore[attr-defined]
                    _bind(bound, target, _constructor(value, imports, value_of))
                    if target.__class__ is ast.Name:
                        made_by_async[target.id] = _awaits_own_work(value, requested)
                        values[target.id] = value
            elif kind is ast.Yield:
                is_generator = True
                value = node.value  # type: ignore[attr-defined]
                if builds is None:
                    builds = _value_constructor(value, bound, imports, value_of)
                if yields_async is None:
                    # ``yield client``, or a tuple that holds it (``yield client, tmp_dir``)
                    parts = value.elts if value.__class__ is ast.Tuple else (value,)
                    yields_async = any(
                        _awaits_own_work(part, requested)
                        or (part.__class__ is ast.Name and made_by_async.get(part.id, False))
                        for part in parts
                    )
            elif kind is ast.Return:
                if builds is None:
                    value = node.value  # type: ignore[attr-defined]
                    builds = _value_constructor(value, bound, imports, value_of)
            elif kind is ast.With or kind is ast.AsyncWith:
                for item in node.items:  # type: ignore[attr-defined]
                    target = item.optional_vars
                    if target is not None:
                        _bind(bound, target, _constructor(item.context_expr, imports, value_of))
                        if target.__class__ is ast.Name:
                            opened = item.context_expr
                            made_by_async[target.id] = (
                                kind is ast.AsyncWith
                                and not bound_to_no_loop(opened)
                                and _opens_a_connection(opened)
                            )
                            values.pop(target.id, None)
            elif kind is ast.AnnAssign:
                if node.value is not None:  # type: ignore[attr-defined]
                    target, value = node.target, node.value  # type: ignore[attr-defined]
                    _bind(bound, target, _constructor(value, imports, value_of))
                    if target.__class__ is ast.Name:
                        values[target.id] = value
            elif kind is ast.Await:
                # ``await client.connect()``: the object went through async set-up, unless
                # it was built bound to no loop (on an aiosqlite URL, whose connections
                # serve any loop)
                call = node.value  # type: ignore[attr-defined]
                func = call.func if call.__class__ is ast.Call else None
                if func.__class__ is ast.Attribute and func.value.__class__ is ast.Name:
                    if not bound_to_no_loop(values.get(func.value.id)):  # type: ignore
                        made_by_async[func.value.id] = True  # type: ignore[union-attr]
            elif kind is ast.YieldFrom:
                is_generator = True
            elif kind is ast.Import or kind is ast.ImportFrom:
                imports.add(node)
    finally:
        imports.pop()
    return is_generator, builds, bool(yields_async)


def _constructor(
    expr: ast.AST, imports: ImportTable, value_of: Optional[ValueOf] = None
) -> Optional[str]:
    """``aiohttp.ClientSession`` for ``aiohttp.ClientSession(...)`` (awaited or not)."""
    if isinstance(expr, ast.Await):
        expr = expr.value
    if isinstance(expr, ast.Call):
        qualified = imports.resolve(expr.func)
        return None if keeps_no_connections(expr, qualified, value_of) else qualified
    return None


def _value_constructor(
    value: Optional[ast.AST],
    bound: Dict[str, Optional[str]],
    imports: ImportTable,
    value_of: ValueOf,
) -> Optional[str]:
    """The constructor behind a returned or yielded value: a call, or a name bound to one."""
    if value is None:
        return None
    if isinstance(value, ast.Name):
        return bound.get(value.id)
    return _constructor(value, imports, value_of)


def _bind(bound: Dict[str, Optional[str]], target: ast.AST, constructor: Optional[str]) -> None:
    if isinstance(target, ast.Name):
        bound[target.id] = constructor
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _bind(bound, element, None)
    elif isinstance(target, ast.Starred):
        _bind(bound, target.value, None)


def _assignment(statement: ast.stmt) -> Tuple[Optional[str], Optional[ast.expr]]:
    """(name, value) of a plain module-level ``name = value`` (or ``+=``), else (None, None)."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        target = statement.target
    else:
        return None, None
    if isinstance(target, ast.Name):
        return target.id, statement.value
    return None, None


def _plugin_names(value: ast.expr) -> Iterator[str]:
    items = value.elts if isinstance(value, (ast.List, ast.Tuple, ast.Set)) else [value]
    for item in items:
        if isinstance(item, ast.Constant) and isinstance(item.value, str):
            yield item.value


def _uses_other_runner_mark(tree: ast.Module, imports: ImportTable) -> bool:
    """``pytest.mark.anyio`` / ``pytest.mark.trio`` anywhere in the file."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("anyio", "trio"):
            if imports.resolve(node) in OTHER_RUNNER_MARKS:
                return True
    return False
