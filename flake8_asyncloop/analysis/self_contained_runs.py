"""Whether a loop run keeps what it makes to itself, so that no loop-bound object is left
behind for code on other loops to meet (ALP106, ALP304): ``asyncio.run(main())`` of the
module's own ``async def`` that stores nothing on objects that outlive the run; a fixture's
run whose result is dropped and that gets only plain data, or that works on an object of
the fixture's own that nothing else reads; a fixture's run whose result serves only to
build the text it hands out; a fixture's run that reaches only an engine bound to no
loop."""

from __future__ import annotations

import ast
from typing import (
    TYPE_CHECKING,
    AbstractSet,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Set,
    Tuple,
)

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.children import own_body_nodes
from flake8_asyncloop.analysis.loop_bound import keeps_no_connections, opens_aiosqlite
from flake8_asyncloop.analysis.named_values import (
    named_value,
    own_bindings,
    plain_assignment_target,
)
from flake8_asyncloop.analysis.names import last_name, module_bindings

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState


def runs_self_contained_coroutine(run: ast.Call, file: "FileState") -> bool:
    """``asyncio.run(main())`` where ``main`` is the module's own ``async def`` and neither
    declares ``global`` or ``nonlocal`` nor assigns to an attribute or an item of anything
    but an object it made itself: what it makes stays inside it."""
    if len(run.args) != 1 or not isinstance(run.args[0], ast.Call):
        return False
    callee = run.args[0].func
    if not isinstance(callee, ast.Name):
        return False
    function = file.module.functions.get(callee.id)
    return isinstance(function, ast.AsyncFunctionDef) and _keeps_to_itself(function)


def _keeps_to_itself(function: ast.AsyncFunctionDef) -> bool:
    """No ``global`` or ``nonlocal``, and no assignment to an attribute or an item of
    anything but an object the function made itself, unless of a literal (``app.engine =
    None`` resets a shared object, and leaves nothing of the run's loop on it)."""
    stored_on: List[ast.AST] = []
    for node in ast.walk(function):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            return False
        targets: List[ast.AST] = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            if isinstance(node.value, ast.Constant):
                continue
            targets = list(node.targets) if isinstance(node, ast.Assign) else [node.target]
        stored_on.extend(t for t in targets if isinstance(t, (ast.Attribute, ast.Subscript)))
    if not stored_on:
        return True
    made_here = _names_of_new_objects(function)
    return all(_base_name(target) in made_here for target in stored_on)


def _names_of_new_objects(function: ast.AsyncFunctionDef) -> Set[str]:
    """Names that ``function`` binds only to objects it makes: an instance of a class
    (``proxy = Proxy()``, ``mock = MagicMock()``: a capitalised callee) or a literal list,
    dict or set. A name bound any other way, or a parameter, may be an object shared
    with the rest of the module."""
    fresh: Set[str] = set()
    other: Set[str] = set(scopes.parameter_names(function.args))
    assigned: Set[int] = set()  # the Name targets of ``name = value``, read here
    for node in ast.walk(function):
        target = plain_assignment_target(node)
        if target is not None:
            (fresh if _makes_new_object(node.value) else other).add(target.id)  # type: ignore
            assigned.add(id(target))
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            if id(node) not in assigned:
                other.add(node.id)  # any other binding: for, with, unpacking, del...
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            other.add(node.name)
        elif isinstance(node, ast.alias):
            other.add((node.asname or node.name).split(".")[0])
    return fresh - other


def _makes_new_object(value: ast.AST) -> bool:
    if isinstance(value, (ast.List, ast.Dict, ast.Set)):
        return True
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    if isinstance(func, ast.Attribute) and func.attr == "__new__":
        func = func.value  # ``Proxy.__new__(Proxy)``
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return name[:1].isupper()


def _base_name(target: ast.AST) -> str:
    """``proxy`` for ``proxy.a.b = ...`` and ``proxy["k"] = ...``; empty for anything else."""
    while isinstance(target, (ast.Attribute, ast.Subscript)):
        target = target.value
    return target.id if isinstance(target, ast.Name) else ""


def drops_run_on_fixture_object(run: ast.Call, fixture: ast.AST) -> bool:
    """``asyncio.run(store.append(...))`` as a statement of the fixture ``fixture``, where
    ``store`` (the root of ``store.db.append``) is bound once in the fixture to a new
    instance of a class (``store = Store()``) that the fixture reads nowhere but in such
    dropped runs: whatever a run ties to its loop stays with an object no test gets."""
    if len(run.args) != 1 or not isinstance(run.args[0], ast.Call):
        return False
    callee = run.args[0].func
    if not isinstance(callee, ast.Attribute):
        return False
    root = _base_name(callee)
    value = own_bindings(fixture).get(root)
    if value is None or not _makes_new_object(value):
        return False
    in_dropped_runs: Set[int] = set()
    for node in ast.walk(fixture):
        if isinstance(node, ast.Expr) and _is_run_of_a_call(node.value):
            in_dropped_runs.update(id(inner) for inner in ast.walk(node.value))
    if id(run) not in in_dropped_runs:
        return False  # its result is kept: it may be an object of that loop's
    return all(
        id(node) in in_dropped_runs
        for node in ast.walk(fixture)
        if isinstance(node, ast.Name) and node.id == root and isinstance(node.ctx, ast.Load)
    )


def hands_out_only_text(run: ast.Call, fixture: ast.AST, file: "FileState") -> bool:
    """``payload = asyncio.run(login(url, user))`` of a self-contained ``main`` (as in
    ``runs_self_contained_coroutine``) that reads no module-level name a call made, given
    no parameter of the fixture's but plain ones, in a fixture that stores nothing
    (no ``global``, no attribute or item assigned) and returns or yields only text built
    from literals and f-strings (``{"Authorization": f"Bearer {payload['token']}"}``):
    whatever the run made stays in the fixture, and the tests get strings."""
    if not runs_self_contained_coroutine(run, file):
        return False
    main = file.module.functions[run.args[0].func.id]  # type: ignore[attr-defined]
    if _reads_module_objects(main, file):
        return False
    made_by_calls = _module_values(file)[1]
    annotations = _parameter_annotations(fixture)
    coroutine = run.args[0]
    for value in [*coroutine.args, *(k.value for k in coroutine.keywords)]:  # type: ignore
        for node in ast.walk(value):
            if isinstance(node, ast.Name) and node.id in annotations:
                if not (node.id in _PATH_FIXTURES or _plain_annotation(annotations[node.id])):
                    return False  # a fixture's value of unknown kind, given to the run
            elif isinstance(node, ast.Name) and node.id in made_by_calls:
                return False
    handed_out: List[ast.AST] = []
    for node in own_body_nodes(fixture):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            return False
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(not isinstance(t, (ast.Name, ast.Tuple, ast.List)) for t in targets):
                return False  # stored on an object the tests may reach
        elif isinstance(node, (ast.Return, ast.Yield)) and node.value is not None:
            handed_out.append(node.value)
    return all(_is_text(value) for value in handed_out)


def runs_for_text(run: ast.Call, file: "FileState") -> bool:
    """``asyncio.run(main())`` of the module's own ``async def`` whose every ``return``
    gives nothing or text (a literal, an f-string or a literal container of those): the
    run's result holds nothing of its loop's."""
    if len(run.args) != 1 or not isinstance(run.args[0], ast.Call):
        return False
    callee = run.args[0].func
    main = file.module.functions.get(callee.id) if isinstance(callee, ast.Name) else None
    if not isinstance(main, ast.AsyncFunctionDef):
        return False
    returned = _returned_values(main)
    return returned is not None and all(_is_text(value) for value in returned)


def returns_from_closed_resources(run: ast.Call, fixture: ast.AST, file: "FileState") -> bool:
    """``asyncio.run(discover())`` of an ``async def`` nested in the fixture, or of the
    module's own, that keeps what it makes to itself, reads no module-level name a call
    made and no object of the fixture's, and returns only text or what it awaited from a
    resource it opened with ``async with`` (``async with Client() as client: return await
    client.inventory()``, or a name bound once to such an await): the resource closes
    before the run ends, and the tests get what was fetched through it."""
    if len(run.args) != 1 or not isinstance(run.args[0], ast.Call):
        return False
    callee = run.args[0].func
    if not isinstance(callee, ast.Name):
        return False
    bindings = own_bindings(fixture)
    main = bindings.get(callee.id)
    if main is None and callee.id not in bindings:
        main = file.module.functions.get(callee.id)
    if not isinstance(main, ast.AsyncFunctionDef) or not _keeps_to_itself(main):
        return False
    if not runs_on_no_fixture_object(run, fixture) or _reads_module_objects(main, file):
        return False
    returned = _returned_values(main)
    opened = {
        item.optional_vars.id
        for node in own_body_nodes(main)
        if isinstance(node, ast.AsyncWith)
        for item in node.items
        if isinstance(item.optional_vars, ast.Name)
    }
    if not opened or not returned:
        return False
    main_bindings = own_bindings(main)

    def fetched(value: ast.AST) -> bool:
        if isinstance(value, ast.Name):
            value = main_bindings.get(value.id)  # type: ignore[assignment]
        return (
            isinstance(value, ast.Await)
            and isinstance(value.value, ast.Call)
            and isinstance(value.value.func, ast.Attribute)
            and _base_name(value.value.func) in opened
        )

    return all(_is_text(value) or fetched(value) for value in returned)


def _returned_values(function: ast.AsyncFunctionDef) -> Optional[List[ast.expr]]:
    """The values ``function``'s own ``return`` statements give; None for an async
    generator, whose call makes no coroutine to run."""
    returned = []
    for node in own_body_nodes(function):
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return None
        if isinstance(node, ast.Return) and node.value is not None:
            returned.append(node.value)
    return returned


def _reads_module_objects(function: ast.AST, file: "FileState") -> bool:
    """Whether ``function`` reads a module-level name bound to what a call made (``ENGINE =
    create_async_engine(...)``): an object the module shares with other loops."""
    made_by_calls = _module_values(file)[1]
    return any(
        isinstance(node, ast.Name) and node.id in made_by_calls for node in ast.walk(function)
    )


def _is_text(value: ast.AST) -> bool:
    """A string or number literal, an f-string, or a literal container of those."""
    if isinstance(value, (ast.Constant, ast.JoinedStr)):
        return True
    if isinstance(value, ast.Dict):
        return all(k is not None and _is_text(k) for k in value.keys) and all(
            _is_text(v) for v in value.values
        )
    if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        return all(_is_text(element) for element in value.elts)
    return False


def _is_run_of_a_call(value: ast.AST) -> bool:
    """``asyncio.run(coroutine(...))``, or ``run(...)`` imported from asyncio, by its last
    name (the caller has resolved the one being judged)."""
    return (
        isinstance(value, ast.Call)
        and getattr(value.func, "attr", getattr(value.func, "id", "")) == "run"
        and len(value.args) == 1
        and isinstance(value.args[0], ast.Call)
    )


# Annotations of plain data: values no event loop can own.
_PLAIN_TYPES = frozenset(
    {"str", "int", "float", "bool", "bytes", "None", "Path", "PurePath", "tuple", "list",
     "dict", "set", "frozenset", "Tuple", "List", "Dict", "Set", "FrozenSet", "Optional",
     "Sequence", "Mapping", "ndarray", "DataFrame", "Series", "Decimal", "datetime", "date"}
)


def discards_self_contained_run(run: ast.Call, fixture: ast.AST, file: "FileState") -> bool:
    """``asyncio.run(main(...))`` as a statement of the fixture ``fixture``, where ``main``
    keeps what it makes to itself (the module's own ``async def``, as in
    ``runs_self_contained_coroutine``, or one nested in the fixture that reads, of the
    fixture's names, only plain data), reads no module-level name bound to what a call
    made, and gets only plain data (literals, parameters annotated as ``str``,
    ``tuple[str, str]``, ``Path``..., pytest's ``tmp_path``): it works on a loop of its own,
    on nothing a test's loop owns, and hands nothing to the tests (a clean-up of a remote
    system, a seeded database file)."""
    if not any(isinstance(node, ast.Expr) and node.value is run for node in ast.walk(fixture)):
        return False  # its result is kept: it may be an object of that loop's
    if len(run.args) != 1 or not isinstance(run.args[0], ast.Call):
        return False
    coroutine = run.args[0]
    if not isinstance(coroutine.func, ast.Name):
        return False
    name = coroutine.func.id
    bindings = own_bindings(fixture)
    annotations = _parameter_annotations(fixture)
    literals = _module_values(file)[0]
    main = bindings.get(name)
    if isinstance(main, ast.AsyncFunctionDef):
        if not _keeps_to_itself(main):
            return False
        for node in ast.walk(main):
            if isinstance(node, ast.Name) and node.id in bindings and node.id != name:
                if not _plain_local(node.id, bindings, annotations, literals):
                    return False
        if _reads_module_objects(main, file):
            return False
    elif name not in bindings and runs_self_contained_coroutine(run, file):
        if _reads_module_objects(file.module.functions[name], file):
            return False
    elif not _imports_self_contained_coroutine(name, fixture, file):
        return False
    values = [*coroutine.args, *(k.value for k in coroutine.keywords)]
    return all(_plain_value(value, bindings, annotations, literals) for value in values)


def _imports_self_contained_coroutine(name: str, fixture: ast.AST, file: "FileState") -> bool:
    """``name`` is bound once, by a ``from`` import in the fixture or at module level, to
    a project module's undecorated top-level ``async def`` (pgverdict's ``from
    pgverdict.workload import run``) that keeps what it makes to itself and reads no name
    its own module binds to what a call made (that module's shared engine)."""
    if name in scopes.parameter_names(fixture.args):  # type: ignore[attr-defined]
        return False
    in_fixture = [
        (bound, node, original)
        for bound, node, original in _bindings_in(own_body_nodes(fixture))
        if bound == name
    ]
    found = in_fixture or [b for b in module_bindings(file.tree) if b[0] in (name, "*")]
    if len(found) != 1 or not isinstance(found[0][1], ast.ImportFrom):
        return False
    statement, original = found[0][1], found[0][2]
    tree = file.project.module_tree(statement.module or "", statement.level or 0, file.filename)
    if tree is None:
        return False
    there = [b for b in module_bindings(tree) if b[0] in (original, "*")]
    if len(there) != 1:
        return False
    main = there[0][1]
    if not isinstance(main, ast.AsyncFunctionDef) or main.decorator_list:
        return False
    if not _keeps_to_itself(main):
        return False
    made_by_calls = _values_of(tree.body, {})[1]
    return not any(
        isinstance(node, ast.Name) and node.id in made_by_calls for node in ast.walk(main)
    )


def _bindings_in(nodes: Iterable[ast.AST]) -> Iterable[Tuple[str, ast.AST, str]]:
    """(name, binding node, name in the source module) for the names ``nodes`` bind by
    import, def or assignment."""
    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound = alias.asname or alias.name.partition(".")[0]
                yield bound, node, alias.name
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name, node, ""
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            yield node.id, node, ""


# pytest's own fixtures that hand out a path, or make them (``mktemp``).
_PATH_FIXTURES = frozenset({"tmp_path", "tmpdir", "tmp_path_factory", "tmpdir_factory"})


def _plain_local(
    name: str,
    bindings: Dict[str, Optional[ast.AST]],
    annotations: Dict[str, Optional[ast.expr]],
    literals: Set[str],
    depth: int = 0,
) -> bool:
    """Whether the fixture's name ``name`` holds plain data: a parameter annotated so, one
    of pytest's path fixtures, a name bound once to an f-string (``dsn =
    f"{SERVER}/{NAME}"``: text, whatever it interpolates), or to an expression of plain
    parts (``path = tmp_path / "agent.db"``)."""
    value = bindings.get(name)
    if value is None:
        if name in annotations:
            return name in _PATH_FIXTURES or _plain_annotation(annotations[name])
        return False
    if depth > 8 or not isinstance(value, ast.expr):
        return False
    if isinstance(value, ast.JoinedStr):
        return True  # an f-string is text, whatever it interpolates
    for node in ast.walk(value):
        if isinstance(node, ast.Name):
            if node.id in bindings:
                if not _plain_local(node.id, bindings, annotations, literals, depth + 1):
                    return False
            elif node.id not in literals and node.id not in _PLAIN_BUILDERS:
                return False
        elif not isinstance(node, _PLAIN_PARTS):
            return False
    return True


# What a plain expression may be made of: literals, arithmetic and ``/`` on paths,
# f-strings, and calls of the builders below or of methods of plain values.
_PLAIN_PARTS = (
    ast.Constant, ast.BinOp, ast.JoinedStr, ast.FormattedValue, ast.Load, ast.operator,
    ast.Call, ast.Attribute, ast.Tuple, ast.List, ast.keyword,
)
_PLAIN_BUILDERS = frozenset(
    {"str", "int", "float", "bool", "len", "tuple", "list", "dict", "Path", "os", "secrets",
     "uuid", "json", "time", "random", "string", "datetime"}
)


def _module_values(file: "FileState") -> Tuple[Set[str], Set[str]]:
    """The module-level names bound only to literals (``TIMEOUT = 5``) or naming a class
    of plain fields (``_plain_record``), and those bound to what a call made (``ENGINE =
    create_async_engine(...)``); worked out once per file."""
    derived = file.module.derived
    values = derived.get(_MODULE_VALUES)
    if values is None:
        values = derived[_MODULE_VALUES] = _read_module_values(file)
    return values  # type: ignore[no-any-return]


_MODULE_VALUES = "self_contained_runs.module_values"


def _read_module_values(file: "FileState") -> Tuple[Set[str], Set[str]]:
    return _values_of(file.module.statements, file.module.classes)


def _values_of(
    statements: Iterable[ast.stmt], classes: Mapping[str, ast.ClassDef]
) -> Tuple[Set[str], Set[str]]:
    """``_module_values`` of a module's top-level statements and classes."""
    literals: Set[str] = {name for name, node in classes.items() if _plain_record(node)}
    made_by_calls: Set[str] = set()
    other: Set[str] = set()
    for statement in statements:
        if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or statement.value is None:
            continue
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        if isinstance(statement.value, (ast.Call, ast.Await)):
            made_by_calls |= names
        elif _is_literal(statement.value):
            literals |= names
        else:
            other |= names
    return literals - made_by_calls - other, made_by_calls


def runs_on_no_fixture_object(run: ast.Call, fixture: ast.AST) -> bool:
    """``asyncio.run(compare(100, SEED))``: a run of a function (a name, or a dotted name
    rooted in none of the fixture's names), whose arguments, and whose body for an ``async
    def`` nested in the fixture, read none of the fixture's names but plain parameters
    (annotated so, or pytest's path fixtures) and names bound to plain expressions."""
    if len(run.args) != 1 or not isinstance(run.args[0], ast.Call):
        return False
    coroutine = run.args[0]
    bindings = own_bindings(fixture)
    annotations = _parameter_annotations(fixture)
    callee = coroutine.func
    read: List[ast.AST] = [*coroutine.args, *(k.value for k in coroutine.keywords)]
    if isinstance(callee, ast.Name):
        nested = bindings.get(callee.id)
        if isinstance(nested, ast.AsyncFunctionDef):
            read.extend(nested.body)
        elif callee.id in bindings:
            return False  # a callable the fixture was given or made
    elif not isinstance(callee, ast.Attribute) or _base_name(callee) in bindings:
        return False  # a method of an object the fixture holds
    elif not _base_name(callee):
        return False  # a method of an object made there (``Server().start()``)
    for value in read:
        for node in ast.walk(value):
            if isinstance(node, ast.Name) and node.id in bindings:
                if not _plain_local(node.id, bindings, annotations, set()):
                    if not isinstance(bindings[node.id], ast.AsyncFunctionDef):
                        return False
    return True


def returns_plain_data(fixture: ast.AST, file: "FileState") -> bool:
    """The fixture's return annotation says it hands out plain data (``-> dict[str, int]``,
    ``-> tuple[np.ndarray, int]``, ``-> Iterator[Path]``, a plain record of the module)."""
    annotation = fixture.returns  # type: ignore[attr-defined]
    if isinstance(annotation, ast.Subscript) and last_name(annotation.value) in _GENERATORS:
        inner = annotation.slice
        annotation = inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
    if annotation is None:
        return False
    records = _module_values(file)[0]
    return _plain_annotation(annotation, records)


# Return annotations of generator fixtures: the first argument is what they yield.
_GENERATORS = frozenset({"Iterator", "Generator", "Iterable"})


def _plain_record(node: ast.ClassDef) -> bool:
    """A dataclass or a ``NamedTuple`` whose fields are all annotated as plain data
    (``schema: str``, ``rows: list[tuple[int, str]]``): an instance holds nothing a loop
    owns."""
    record = any(last_name(b) == "NamedTuple" for b in node.bases) or any(
        last_name(d.func if isinstance(d, ast.Call) else d) == "dataclass"
        for d in node.decorator_list
    )
    fields = [s for s in node.body if isinstance(s, ast.AnnAssign)]
    return record and bool(fields) and all(_plain_annotation(f.annotation) for f in fields)


def _parameter_annotations(function: ast.AST) -> Dict[str, Optional[ast.expr]]:
    args: ast.arguments = function.args  # type: ignore[attr-defined]
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    return {arg.arg: arg.annotation for arg in every}


def _plain_value(
    value: ast.expr,
    bindings: Dict[str, Optional[ast.AST]],
    annotations: Dict[str, Optional[ast.expr]],
    literals: Set[str],
) -> bool:
    """An argument of plain data: a literal, a module-level name bound to one, or a name of
    the fixture's that ``_plain_local`` accepts."""
    if isinstance(value, ast.Starred):
        value = value.value
    if isinstance(value, ast.Name):
        if value.id in bindings:
            return _plain_local(value.id, bindings, annotations, literals)
        return value.id in literals
    return _is_literal(value)


def _is_literal(value: ast.expr) -> bool:
    try:
        ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _plain_annotation(
    annotation: Optional[ast.expr], records: AbstractSet[str] = frozenset()
) -> bool:
    """``str``, ``pathlib.Path``, ``tuple[str, str]``, ``str | None``, one of ``records``
    (names of the module's plain records); not a missing one."""
    if isinstance(annotation, ast.Name):
        return annotation.id in _PLAIN_TYPES or annotation.id in records
    if isinstance(annotation, ast.Attribute):
        return annotation.attr in _PLAIN_TYPES
    if isinstance(annotation, ast.Constant):
        return annotation.value is None or annotation.value is Ellipsis
    if isinstance(annotation, ast.Subscript):
        inner = annotation.slice
        parts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
        return _plain_annotation(annotation.value, records) and all(
            _plain_annotation(p, records) for p in parts
        )
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return _plain_annotation(annotation.left, records) and _plain_annotation(
            annotation.right, records
        )
    return False


def reads_an_mcp_registry(run: ast.Call, fixture: ast.AST) -> bool:
    """``asyncio.run(mcp.list_tools())``, or ``loop.run_until_complete(server.get_tool(
    "search"))``: a read of what an MCP server (FastMCP) has registered, given literals
    only, on a receiver named for one (``mcp``, ``jira_mcp``, ``module.mcp``) or bound in
    the fixture to ``FastMCP(...)`` or to a call named for one (``create_mcp_server(...)``);
    or the run of an ``async def`` nested in the fixture that awaits only such reads on a
    receiver named for a server. The server keeps nothing of the run's loop, and its tool
    and prompt records are plain objects."""
    if len(run.args) != 1 or not isinstance(run.args[0], ast.Call):
        return False
    coroutine = run.args[0]
    func = coroutine.func
    if not all(_is_literal(a) for a in [*coroutine.args, *(k.value for k in coroutine.keywords)]):
        return False
    if isinstance(func, ast.Name):
        nested = own_bindings(fixture).get(func.id)
        return isinstance(nested, ast.AsyncFunctionDef) and _awaits_only_registry_reads(nested)
    if not isinstance(func, ast.Attribute) or func.attr not in _MCP_REGISTRY_READS:
        return False
    receiver = func.value
    if _names_an_mcp_server(last_name(receiver)):
        return True
    if isinstance(receiver, ast.Name):
        value = own_bindings(fixture).get(receiver.id)
        if isinstance(value, ast.Call):
            maker = last_name(value.func)
            return maker == "FastMCP" or _names_an_mcp_server(maker)
    return False


def _awaits_only_registry_reads(nested: ast.AsyncFunctionDef) -> bool:
    """An ``async def`` nested in the fixture that awaits registry reads on a receiver named
    for an MCP server and nothing else, each given literals or names of its own
    (``{t.name: await mcp.get_tool(t.name) for t in await mcp.list_tools()}``)."""
    own = {
        node.id
        for node in ast.walk(nested)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }
    awaited = False
    for node in ast.walk(nested):
        if isinstance(node, (ast.AsyncWith, ast.AsyncFor, ast.Global, ast.Nonlocal)):
            return False
        if not isinstance(node, ast.Await):
            continue
        read = node.value
        if not (
            isinstance(read, ast.Call)
            and isinstance(read.func, ast.Attribute)
            and read.func.attr in _MCP_REGISTRY_READS
            and _names_an_mcp_server(last_name(read.func.value))
        ):
            return False
        for argument in [*read.args, *(k.value for k in read.keywords)]:
            base = argument
            while isinstance(base, ast.Attribute):
                base = base.value
            if not (_is_literal(argument) or (isinstance(base, ast.Name) and base.id in own)):
                return False
        awaited = True
    return awaited


def _names_an_mcp_server(name: str) -> bool:
    """``mcp``, ``jira_mcp``, ``create_mcp_server``: a name with the word "mcp" in it, and
    neither "client" nor "session" (what talks to a server keeps a connection)."""
    words = set(name.lower().split("_"))
    return "mcp" in words and not words & {"client", "session"}


# Coroutine methods of an MCP server that only read its registry (not ``get_prompt`` or
# ``read_resource``, which run the user's functions).
_MCP_REGISTRY_READS = frozenset(
    {
        "list_tools", "get_tools", "get_tool", "list_prompts", "get_prompts",
        "list_resources", "get_resources", "list_resource_templates", "get_resource_templates",
    }
)


def runs_on_loop_free_engines(run: ast.Call, fixture: ast.AST, file: "FileState") -> bool:
    """A fixture's ``asyncio.run(engine.dispose())``, or ``asyncio.run(setup())`` of an
    ``async def`` nested in it, where every name of the fixture's the run reaches is an
    engine bound to no loop (``create_async_engine("sqlite+aiosqlite://...")``, or with
    ``poolclass=NullPool``, as ALP501 decides): such an engine serves the tests' loops as
    well as the run's. Anything else the run reaches, or a binding of another kind, and
    the answer is no."""
    if len(run.args) != 1 or not isinstance(run.args[0], ast.Call):
        return False
    coroutine = run.args[0]
    func = coroutine.func
    bindings = own_bindings(fixture)
    reached: Set[str] = set()
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        reached.add(func.value.id)
    elif isinstance(func, ast.Name) and isinstance(bindings.get(func.id), ast.AsyncFunctionDef):
        nested = bindings[func.id]
        for node in ast.walk(nested):
            if isinstance(node, (ast.Global, ast.Nonlocal)):
                return False
            if isinstance(node, ast.Name) and node.id in bindings and node.id != func.id:
                reached.add(node.id)
    else:
        return False
    for argument in [*coroutine.args, *(k.value for k in coroutine.keywords)]:
        if isinstance(argument, ast.Name):
            reached.add(argument.id)
        elif not _is_literal(argument):
            return False
    if not reached:
        return False

    def url_of(name: ast.Name) -> Optional[ast.AST]:
        return named_value(name, fixture, file)  # ``URL = f"sqlite+aiosqlite:///{path}"``

    for name in reached:
        value = bindings.get(name)
        if not isinstance(value, ast.Call):
            return False  # a parameter, a name bound twice or otherwise: not known
        # an engine bound to no loop, or a wrapper of the project's built on an aiosqlite
        # URL (fastapi-viewsets' ``SQLAlchemyAdapter(async_database_url=...)``)
        if not (
            keeps_no_connections(value, file.resolve(value.func), url_of)
            or opens_aiosqlite(value, url_of)
        ):
            return False
    return True
