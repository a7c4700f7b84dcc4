"""ALP207: an asyncio mark given arguments pytest-asyncio rejects or has deprecated."""

from __future__ import annotations

import ast
from typing import Optional, Tuple

from flake8_asyncloop.analysis.testcode import SCOPES, keyword, scope_value
from flake8_asyncloop.findings import (
    Fix,
    PositionalToKeyword,
    RemoveKeyword,
    RenameKeyword,
    Safety,
    Span,
)
from flake8_asyncloop.rule import Bad, Good, Rule

ASYNCIO_MARK = "pytest.mark.asyncio"
VALID_SCOPES = ", ".join(SCOPES)
# The keywords the mark takes (loop_factories since 1.4); any other fails collection.
MARK_KEYWORDS = frozenset({"loop_scope", "scope", "loop_factories"})
# 0.24 added loop_scope=, deprecated scope= and began to reject positional arguments.
FIRST_VERSION_WITH_LOOP_SCOPE = (0, 24)


class AsyncioMarkArguments(Rule):
    code = "ALP207"
    name = "asyncio-mark-arguments"
    message = "asyncio mark {problem}; {action}"
    fix_safety = Safety.SAFE
    trigger_words = ("asyncio",)
    call_names = frozenset({"asyncio"})  # ``pytest.mark.asyncio(...)``

    what = """
    Flags `pytest.mark.asyncio(...)` given arguments pytest-asyncio 1.x does not accept: a
    positional argument, a keyword other than `loop_scope=`, `scope=` and `loop_factories=`,
    both `scope=` and `loop_scope=`, or a loop scope that is not one of `function`, `class`,
    `module`, `package`, `session`; and the deprecated `scope=` keyword.
    Marks are checked wherever they are written: on tests, on classes, in `pytestmark` (alone
    or in a list) and in `pytest.param(..., marks=...)`.
    """
    why = """
    pytest-asyncio validates the mark while collecting the test. A positional argument, an
    unknown keyword, the two keywords together, or an unknown scope fail collection of the
    whole module (`mark.asyncio accepts only keyword arguments 'loop_scope' and
    'loop_factories'`, `An asyncio pytest
    marker defines both "scope" and "loop_scope"`, `mark.asyncio got an unexpected loop scope
    value`), so none of its tests run. `scope=` still works but warns that it is deprecated,
    and becomes an error under `-W error`. pytest-asyncio 0.21 ignored all of these silently,
    which is how they survive in suites that were upgraded later.
    """
    fix_notes = """
    Safe: `scope=` is renamed to `loop_scope=`, which pytest-asyncio reads the same way; a
    single positional scope becomes `loop_scope=<scope>`; when both keywords name the same
    scope, `scope=` is dropped. The last two only change marks that fail collection today.
    No fix when the two keywords disagree (which scope was meant is a decision for a person)
    or when the scope is not a scope.
    """
    limitations = """
    Scopes are checked only when written as string literals; a name holding the scope is not
    followed. A single non-literal positional argument with no keywords is left alone:
    `pytest.mark.asyncio(func)` applies the mark to `func` and is not an argument at all.
    `loop_factories=` is taken as known, although releases before 1.4 refuse it too. An
    unknown keyword gets no fix: what it meant (`forbid_global_loop=True`, from
    pytest-asyncio 0.5) has no 1.x spelling to translate it to. When the target
    pytest-asyncio version is known to be older than 0.24, where `scope=` was the only
    spelling, the rule is silent.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio(scope="module")
            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            (6, 2),
            fixed="""
            import asyncio

            import pytest


            @pytest.mark.asyncio(loop_scope="module")
            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            runs=True,
        ),
        Bad(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio("session")
            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            (6, 2),
            fixed="""
            import asyncio

            import pytest


            @pytest.mark.asyncio(loop_scope="session")
            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            runs=True,
        ),
        Bad(
            """
            import asyncio
            import sys

            import pytest

            pytestmark = [
                pytest.mark.skipif(sys.platform == "emscripten", reason="no sockets"),
                pytest.mark.asyncio(scope="module", loop_scope="module"),
            ]


            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            (8, 5),
            fixed="""
            import asyncio
            import sys

            import pytest

            pytestmark = [
                pytest.mark.skipif(sys.platform == "emscripten", reason="no sockets"),
                pytest.mark.asyncio(loop_scope="module"),
            ]


            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            runs=True,
        ),
        Bad(
            """
            import asyncio

            from pytest import mark


            @mark.asyncio(loop_scope="modul")
            class TestQueue:
                async def test_put_get(self):
                    queue = asyncio.Queue()
                    await queue.put(1)
                    assert await queue.get() == 1
            """,
            (6, 2),
            runs=True,
        ),
        Bad(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio(scope="class", loop_scope="module")
            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            (6, 2),
            runs=True,
        ),
        Bad(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio(forbid_global_loop=True)
            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            (6, 2),
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio(loop_scope="module")
            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            reason="loop_scope= with a valid scope is the supported spelling",
            runs=True,
        ),
        Good(
            """
            import pytest


            @pytest.mark.asyncio(loop_factories=["uvloop"])
            async def test_on_uvloop():
                pass
            """,
            reason="loop_factories= is an accepted keyword of the mark",
        ),
        Good(
            """
            import pytest


            async def _check_ping(connection):
                assert await connection.ping()


            test_ping = pytest.mark.asyncio(_check_ping)
            """,
            reason="a single callable argument applies the mark to it; it is not a scope",
        ),
        Good(
            """
            import pytest


            @pytest.mark.asyncio
            @pytest.mark.parametrize("scope", ["module"])
            async def test_other_marks(scope):
                assert scope == "module"
            """,
            reason="positional arguments and scope names in other marks are theirs to take",
            runs=True,
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        # Most calls are not marks: a name that resolves to pytest.mark.asyncio is written
        # ``....asyncio`` or is a plain name imported as it.
        if func.__class__ is ast.Attribute:
            if func.attr != "asyncio":  # type: ignore[attr-defined]
                return
        elif func.__class__ is not ast.Name:
            return
        if self.file.resolve(func) != ASYNCIO_MARK:
            return
        version = self.file.project.pytest_asyncio_version
        if version is not None and version < FIRST_VERSION_WITH_LOOP_SCOPE:
            return
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            return
        if any(kw.arg is None for kw in node.keywords):
            return  # **kwargs: the arguments cannot be seen
        if len(node.args) == 1 and not node.keywords and scope_value(node.args[0]) is None:
            return  # pytest.mark.asyncio(func) marks func
        problem = _problem(node)
        if problem is not None:
            text, action, fix = problem
            self.report(node, fix, problem=text, action=action)


def _problem(call: ast.Call) -> Optional[Tuple[str, str, Optional[Fix]]]:
    """What is wrong with the mark's arguments (the one that fails first), if anything."""
    span = Span.of(call)
    scope_kw = keyword(call, "scope")
    loop_scope_kw = keyword(call, "loop_scope")
    if call.args:
        value = scope_value(call.args[0])
        fix = None
        if len(call.args) == 1 and value in SCOPES and scope_kw is None and loop_scope_kw is None:
            fix = Fix(
                Safety.SAFE,
                f'pass the scope as loop_scope="{value}"',
                (PositionalToKeyword(span, 0, "loop_scope"),),
            )
        action = "pass the scope as loop_scope="
        if value in SCOPES:
            action = f'pass loop_scope="{value}"'
        return "takes no positional arguments (collection error)", action, fix
    unknown = [kw.arg for kw in call.keywords if kw.arg not in MARK_KEYWORDS]
    if unknown:
        # aredis's ``forbid_global_loop=True``, from pytest-asyncio 0.5's days
        return f"takes no keyword {unknown[0]}= (collection error)", "remove it", None
    if scope_kw is not None and loop_scope_kw is not None:
        fix = None
        if _same_value(scope_kw.value, loop_scope_kw.value):
            fix = Fix(Safety.SAFE, "drop the duplicate scope=", (RemoveKeyword(span, "scope"),))
        return "given both scope= and loop_scope= (collection error)", "keep only loop_scope=", fix
    for kw in (loop_scope_kw, scope_kw):
        if kw is not None and _invalid_scope(kw.value):
            shown = repr(kw.value.value)  # type: ignore[attr-defined]
            return (
                f"loop scope {shown} is not a scope (collection error)",
                f"use one of {VALID_SCOPES}",
                None,
            )
    if scope_kw is not None:
        rename = RenameKeyword(span, "scope", "loop_scope")
        fix = Fix(Safety.SAFE, "rename scope= to loop_scope=", (rename,))
        return "scope= is deprecated", "rename it to loop_scope=", fix
    return None


def _invalid_scope(value: ast.AST) -> bool:
    """A literal pytest-asyncio rejects; ``None`` and ``""`` mean "the default" and pass."""
    return isinstance(value, ast.Constant) and bool(value.value) and value.value not in SCOPES


def _same_value(first: ast.AST, second: ast.AST) -> bool:
    simple = (ast.Constant, ast.Name)
    if not (isinstance(first, simple) and isinstance(second, simple)):
        return False
    return ast.dump(first) == ast.dump(second)
