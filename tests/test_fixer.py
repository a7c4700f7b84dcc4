"""The fix engine: every edit type on real-looking code, exact text before and after.

Spans come from the ``ast`` nodes of the source under test (``Span.of``), found by their
source text, as detection makes them; nothing is hand-counted.
"""

from __future__ import annotations

import ast
import textwrap
from typing import List, Optional, Type

import pytest

from flake8_asyncloop.findings import (
    AddDecorator,
    AddImport,
    AwaitArgument,
    AwaitExpression,
    DeleteStatement,
    Edit,
    Finding,
    Fix,
    InsertAfterStatement,
    InsertAtBodyStart,
    PositionalToKeyword,
    RemoveDecorator,
    RemoveKeyword,
    RemoveParameter,
    RenameKeyword,
    ReplaceExpression,
    Safety,
    Span,
    UnwrapCall,
)
from flake8_asyncloop.fixer import (
    BREAKS_SYNTAX,
    UNSAFE_NOT_ENABLED,
    FixError,
    apply_fixes,
    apply_fixes_report,
    fix_source,
)


def code(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def node_of(source: str, text: str, kind: Type[ast.AST] = ast.AST, index: int = 0) -> ast.AST:
    """The ``index``-th node of ``kind`` whose source text is exactly ``text``."""
    found = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, kind)
        and hasattr(node, "lineno")
        and ast.get_source_segment(source, node) == text
    ]
    found.sort(key=lambda n: (n.lineno, n.col_offset))
    assert len(found) > index, f"no {kind.__name__} {text!r}"
    return found[index]


def span(source: str, text: str, kind: Type[ast.AST] = ast.AST, index: int = 0) -> Span:
    return Span.of(node_of(source, text, kind, index))


def def_span(source: str, name: str) -> Span:
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.name == name
        ):
            return Span.of(node)
    raise AssertionError(f"no def {name}")


def decorator_span(source: str, function: str, text: str) -> Span:
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.name == function
        ):
            for decorator in node.decorator_list:
                if ast.get_source_segment(source, decorator) == text:
                    return Span.of(decorator)
    raise AssertionError(f"no decorator {text!r} on {function}")


def fix(*edits: Edit, imports=(), safety: Safety = Safety.SAFE) -> Fix:
    return Fix(safety, "test fix", tuple(edits), tuple(imports))


def applied(source: str, *fixes: Fix) -> str:
    return apply_fixes(source, fixes)


# -- DeleteStatement -----------------------------------------------------------------------------


def test_delete_statement_keeps_the_comments_of_neighbouring_lines() -> None:
    before = code("""
        async def test_sum():
            loop = asyncio.get_running_loop()
            # the result
            assert await loop.run_in_executor(None, sum, [1, 2]) == 3
            # done with the loop
            loop.close()  # gone with its statement
            # still here
            print("end")
        """)
    after = code("""
        async def test_sum():
            loop = asyncio.get_running_loop()
            # the result
            assert await loop.run_in_executor(None, sum, [1, 2]) == 3
            # done with the loop
            # still here
            print("end")
        """)
    assert applied(before, fix(DeleteStatement(span(before, "loop.close()", ast.Expr)))) == after


def test_delete_the_only_statement_leaves_pass_under_its_comment() -> None:
    before = code("""
        def teardown():
            # the loop is ours
            asyncio.get_event_loop().close()


        def after():
            pass
        """)
    after = code("""
        def teardown():
            # the loop is ours
            pass


        def after():
            pass
        """)
    target = span(before, "asyncio.get_event_loop().close()", ast.Expr)
    assert applied(before, fix(DeleteStatement(target))) == after


def test_two_deletions_that_empty_a_block_leave_one_pass() -> None:
    before = code("""
        def test_cleanup(event_loop):
            if event_loop.is_running():
                event_loop.stop()
                event_loop.close()
            return None
        """)
    after = code("""
        def test_cleanup(event_loop):
            if event_loop.is_running():
                pass
            return None
        """)
    stop = span(before, "event_loop.stop()", ast.Expr)
    close = span(before, "event_loop.close()", ast.Expr)
    assert applied(before, fix(DeleteStatement(stop)), fix(DeleteStatement(close))) == after


def test_delete_last_statement_keeps_a_comment_above_it() -> None:
    before = code("""
        def test_x():
            run()
            # closing by hand
            loop.close()

        x = 1
        """)
    after = code("""
        def test_x():
            run()
            # closing by hand

        x = 1
        """)
    assert applied(before, fix(DeleteStatement(span(before, "loop.close()", ast.Expr)))) == after


def test_delete_one_statement_of_a_line_with_semicolons_after_non_ascii_text() -> None:
    # The close() call starts after multi-byte characters: its ast column counts bytes.
    before = 'def test_x():\n    label = "żółw ☃"; loop.close()  # note\n    return label\n'
    after = 'def test_x():\n    label = "żółw ☃"  # note\n    return label\n'
    assert applied(before, fix(DeleteStatement(span(before, "loop.close()", ast.Expr)))) == after


def test_delete_first_statement_of_a_line_with_semicolons() -> None:
    before = "loop.close(); x = 1\n"
    assert (
        applied(before, fix(DeleteStatement(span(before, "loop.close()", ast.Expr)))) == "x = 1\n"
    )


def test_delete_in_a_one_line_block() -> None:
    before = "if closing: loop.close()\n"
    after = "if closing: pass\n"
    assert applied(before, fix(DeleteStatement(span(before, "loop.close()", ast.Expr)))) == after


def test_delete_a_decorated_function_between_two_others() -> None:
    before = code("""
        import pytest


        @pytest.fixture
        def event_loop():
            loop = asyncio.new_event_loop()
            yield loop
            loop.close()


        def test_it():
            pass
        """)
    after = code("""
        import pytest


        def test_it():
            pass
        """)
    assert applied(before, fix(DeleteStatement(def_span(before, "event_loop")))) == after


def test_delete_a_function_keeps_the_comment_above_it() -> None:
    before = code("""
        import pytest


        # Old-style loop fixture.
        @pytest.fixture
        def event_loop():
            yield asyncio.new_event_loop()


        def test_it():
            pass
        """)
    after = code("""
        import pytest


        # Old-style loop fixture.


        def test_it():
            pass
        """)
    assert applied(before, fix(DeleteStatement(def_span(before, "event_loop")))) == after


def test_delete_a_compound_statement() -> None:
    before = code("""
        def test_x(loop):
            with suppress(RuntimeError):
                loop.close()
            assert True
        """)
    after = code("""
        def test_x(loop):
            assert True
        """)
    target = span(before, "with suppress(RuntimeError):\n        loop.close()", ast.With)
    assert applied(before, fix(DeleteStatement(target))) == after


# -- ReplaceExpression -----------------------------------------------------------------------------


def test_replace_expression_after_non_ascii_identifier() -> None:
    before = "café = asyncio.get_event_loop(); naïve = café\n"
    after = "café = asyncio.get_running_loop(); naïve = café\n"
    target = span(before, "asyncio.get_event_loop()", ast.Call)
    assert applied(before, fix(ReplaceExpression(target, "asyncio.get_running_loop()"))) == after


def test_replace_expression_keeps_surrounding_parentheses_and_comments() -> None:
    before = code("""
        value = (  # why
            old_call(1)
        )
        """)
    after = code("""
        value = (  # why
            new_call(1)
        )
        """)
    target = span(before, "old_call(1)", ast.Call)
    assert applied(before, fix(ReplaceExpression(target, "new_call(1)"))) == after


def test_replace_expression_adds_parentheses_where_precedence_needs_them() -> None:
    before = "total = factor * x.value + g(x)\n"
    after = "total = factor * (a + b).value + g(a + b)\n"
    fixes = [
        fix(ReplaceExpression(Span.of(n), "a + b"))
        for n in ast.walk(ast.parse(before))
        if isinstance(n, ast.Name) and n.id == "x"
    ]
    assert applied(before, *fixes) == after


def test_replace_decorator_expression() -> None:
    before = code("""
        @pytest.fixture(scope="module")  # shared
        async def server():
            yield 1
        """)
    after = code("""
        @pytest_asyncio.fixture(scope="module")  # shared
        async def server():
            yield 1
        """)
    target = span(before, "pytest.fixture", ast.Attribute)
    result = applied(
        before,
        fix(
            ReplaceExpression(target, "pytest_asyncio.fixture"),
            imports=[AddImport("pytest_asyncio")],
        ),
    )
    assert result == "import pytest_asyncio\n\n\n" + after


# -- AwaitArgument ---------------------------------------------------------------------------------


def test_await_argument_simple() -> None:
    before = code("""
        async def test_fetch():
            data = asyncio.run(fetch("ü"))  # comment stays
        """)
    after = code("""
        async def test_fetch():
            data = await fetch("ü")  # comment stays
        """)
    target = span(before, 'asyncio.run(fetch("ü"))', ast.Call)
    assert applied(before, fix(AwaitArgument(target))) == after


def test_await_argument_multi_line_call_keeps_formatting_and_comments() -> None:
    before = code("""
        async def test_fetch(loop):
            loop.run_until_complete(
                fetch(  # the url
                    "https://example.org",
                ),  # why we wait
            )
        """)
    after = code("""
        async def test_fetch(loop):
            await (
                fetch(  # the url
                    "https://example.org",
                )  # why we wait
            )
        """)
    call = next(
        n
        for n in ast.walk(ast.parse(before))
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr == "run_until_complete"
    )
    assert applied(before, fix(AwaitArgument(Span.of(call)))) == after


def test_await_argument_multi_line_without_comments() -> None:
    before = code("""
        async def test_fetch():
            result = asyncio.run(
                fetch(1, 2),
            )
        """)
    after = code("""
        async def test_fetch():
            result = await fetch(1, 2)
        """)
    call = node_of(before, "asyncio.run(\n        fetch(1, 2),\n    )", ast.Call)
    assert applied(before, fix(AwaitArgument(Span.of(call)))) == after


@pytest.mark.parametrize(
    "before, after",
    [
        ("x = asyncio.run(a or b)\n", "x = await (a or b)\n"),
        ("x = asyncio.run(f()).result\n", "x = (await f()).result\n"),
        ("x = asyncio.run(f())[0]\n", "x = (await f())[0]\n"),
        ("x = -asyncio.run(f())\n", "x = -await f()\n"),
        ("x = asyncio.run(f()) ** 2\n", "x = await f() ** 2\n"),
        ("x = asyncio.run(await_me)\n", "x = await await_me\n"),
        ("x = (asyncio.run(f()))\n", "x = (await f())\n"),
        ("x = asyncio.run((f()))\n", "x = await (f())\n"),
        ("x = asyncio.run(a\n    .b())\n", "x = await (a\n    .b())\n"),
        ("x = asyncio.run(lambda: 1)\n", "x = await (lambda: 1)\n"),
    ],
)
def test_await_argument_precedence(before: str, after: str) -> None:
    call = next(
        n
        for n in ast.walk(ast.parse(before))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "run"
    )
    result = applied(before, fix(AwaitArgument(Span.of(call))))
    assert result == after
    ast.parse("async def f():\n    " + result.replace("\n", "\n    "))


def test_await_argument_without_argument_is_an_error() -> None:
    before = "asyncio.run()\n"
    with pytest.raises(FixError):
        applied(before, fix(AwaitArgument(span(before, "asyncio.run()", ast.Call))))


# -- AwaitExpression -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "before, after",
    [
        ("save(store, 'é', 1)  # keep\n", "await save(store, 'é', 1)  # keep\n"),
        ("assert not is_healthy(x)\n", "assert not await is_healthy(x)\n"),
        ("x = self.upload(\n    chunk,\n)\n", "x = await self.upload(\n    chunk,\n)\n"),
        ("x = (fetch())\n", "x = await (fetch())\n"),
        ("x = fetch().result\n", "x = (await fetch()).result\n"),
        ("x = make()()\n", "x = await make()()\n"),
    ],
)
def test_await_expression(before: str, after: str) -> None:
    tree = ast.parse(before)
    call = next(
        n for n in ast.walk(tree) if isinstance(n, ast.Call) and not isinstance(n.func, ast.Call)
    )
    if "make()()" in before:
        call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call))
    assert applied(before, fix(AwaitExpression(Span.of(call)))) == after


# -- UnwrapCall ------------------------------------------------------------------------------------


def test_unwrap_call() -> None:
    before = "def test_x():\n    result = asyncio.get_event_loop().run_until_complete(main(1))\n"
    after = "def test_x():\n    result = asyncio.run(main(1))\n"
    call = node_of(before, "asyncio.get_event_loop().run_until_complete(main(1))", ast.Call)
    assert applied(before, fix(UnwrapCall(Span.of(call), "asyncio.run({arg})"))) == after


def test_unwrap_multi_line_call_keeps_layout_and_comments() -> None:
    before = code("""
        def test_x(loop):
            loop.run_until_complete(
                main(  # inner
                    1,
                ),  # outer
            )
        """)
    after = code("""
        def test_x(loop):
            aio.run(
                main(  # inner
                    1,
                ),  # outer
            )
        """)
    call = next(
        n
        for n in ast.walk(ast.parse(before))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
    )
    assert applied(before, fix(UnwrapCall(Span.of(call), "aio.run({arg})"))) == after


def test_unwrap_call_into_a_template_with_more_around_the_argument() -> None:
    before = "x = loop.run_until_complete(main(), )\n"
    same_call = (
        "x = asyncio.run(main(), )\n"  # the argument's own comma stays when it is the only one
    )
    call = node_of(before, "loop.run_until_complete(main(), )", ast.Call)
    assert applied(before, fix(UnwrapCall(Span.of(call), "asyncio.run({arg})"))) == same_call
    after = "x = runner.run(wrap(main()), debug=True)\n"
    call = node_of(before, "loop.run_until_complete(main(), )", ast.Call)
    assert (
        applied(before, fix(UnwrapCall(Span.of(call), "runner.run(wrap({arg}), debug=True)")))
        == after
    )


# -- keyword arguments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "before, after",
    [
        ("f(1, loop=loop, b=2)\n", "f(1, b=2)\n"),
        ("f(1, loop=loop)\n", "f(1)\n"),
        ("f(loop=loop)\n", "f()\n"),
        ("f( loop=loop )\n", "f()\n"),
        ("f(\n    1,  # one\n    loop=loop,  # the loop\n)\n", "f(\n    1,  # one\n)\n"),
        ("f(\n    1,  # one\n    loop=loop  # the loop\n)\n", "f(\n    1  # one\n)\n"),
        ("f(\n    loop=loop,\n    b=2,\n)\n", "f(\n    b=2,\n)\n"),
    ],
)
def test_remove_keyword(before: str, after: str) -> None:
    call = next(n for n in ast.walk(ast.parse(before)) if isinstance(n, ast.Call))
    assert applied(before, fix(RemoveKeyword(Span.of(call), "loop"))) == after


def test_remove_missing_keyword_is_an_error() -> None:
    before = "f(1)\n"
    with pytest.raises(FixError):
        applied(before, fix(RemoveKeyword(span(before, "f(1)", ast.Call), "loop")))


def test_rename_keyword_keeps_its_value_and_spacing() -> None:
    before = '@pytest_asyncio.fixture(loop_scope = "sessión")  # wide\nasync def s():\n    yield\n'
    after = '@pytest_asyncio.fixture(scope = "sessión")  # wide\nasync def s():\n    yield\n'
    call = node_of(before, 'pytest_asyncio.fixture(loop_scope = "sessión")', ast.Call)
    assert applied(before, fix(RenameKeyword(Span.of(call), "loop_scope", "scope"))) == after


def test_two_edits_of_one_fix_on_one_call() -> None:
    before = (
        '@pytest_asyncio.fixture(loop_scope="module", scope="session")\nasync def s():\n    yield\n'
    )
    after = '@pytest_asyncio.fixture(loop_scope="session")\nasync def s():\n    yield\n'
    where = Span.of(
        node_of(before, 'pytest_asyncio.fixture(loop_scope="module", scope="session")', ast.Call)
    )
    edits = (RemoveKeyword(where, "loop_scope"), RenameKeyword(where, "scope", "loop_scope"))
    assert applied(before, fix(*edits)) == after


def test_positional_to_keyword() -> None:
    before = 'mark = pytest.mark.asyncio("module",)  # é\n'
    after = 'mark = pytest.mark.asyncio(loop_scope="module",)  # é\n'
    call = node_of(before, 'pytest.mark.asyncio("module",)', ast.Call)
    assert applied(before, fix(PositionalToKeyword(Span.of(call), 0, "loop_scope"))) == after


def test_positional_to_keyword_refuses_when_a_positional_follows() -> None:
    before = "f(a, b)\n"
    with pytest.raises(FixError):
        applied(before, fix(PositionalToKeyword(span(before, "f(a, b)", ast.Call), 0, "x")))


# -- RemoveParameter -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "before, after",
    [
        ("async def test_a(event_loop):\n    pass\n", "async def test_a():\n    pass\n"),
        ("async def test_a(event_loop, db):\n    pass\n", "async def test_a(db):\n    pass\n"),
        (
            "async def test_a(db, event_loop, cache):\n    pass\n",
            "async def test_a(db, cache):\n    pass\n",
        ),
        ("async def test_a(db, event_loop):\n    pass\n", "async def test_a(db):\n    pass\n"),
        (
            "async def test_a(db: Db, event_loop: Loop = None):\n    pass\n",
            "async def test_a(db: Db):\n    pass\n",
        ),
        ("async def test_a(db, *, event_loop):\n    pass\n", "async def test_a(db):\n    pass\n"),
        (
            "async def test_a(db, *, event_loop, cache):\n    pass\n",
            "async def test_a(db, *, cache):\n    pass\n",
        ),
        ("async def test_a(event_loop, /, db):\n    pass\n", "async def test_a(db):\n    pass\n"),
        ("async def test_a(\n    event_loop,\n):\n    pass\n", "async def test_a():\n    pass\n"),
        (
            "async def test_a(\n    db,  # database\n    event_loop,  # loop\n):\n    pass\n",
            "async def test_a(\n    db,  # database\n):\n    pass\n",
        ),
        (
            "async def test_a(\n    db,  # database\n    event_loop  # loop\n):\n    pass\n",
            "async def test_a(\n    db  # database\n):\n    pass\n",
        ),
        (
            "async def test_a(\n    event_loop,  # loop\n    db,  # database\n):\n    pass\n",
            "async def test_a(\n    db,  # database\n):\n    pass\n",
        ),
    ],
)
def test_remove_parameter(before: str, after: str) -> None:
    assert applied(before, fix(RemoveParameter(def_span(before, "test_a"), "event_loop"))) == after


def test_remove_two_parameters_through_two_fixes() -> None:
    before = "async def test_a(event_loop, db, unused_tcp_port):\n    pass\n"
    after = "async def test_a(db):\n    pass\n"
    where = def_span(before, "test_a")
    result = applied(
        before,
        fix(RemoveParameter(where, "event_loop")),
        fix(RemoveParameter(where, "unused_tcp_port")),
    )
    assert result == after


# -- InsertAtBodyStart -----------------------------------------------------------------------------


def test_insert_at_body_start_after_a_docstring() -> None:
    before = code('''
        async def test_a(db):
            """Uses the loop."""
            # first real line
            event_loop.call_soon(db.flush)
        ''')
    after = code('''
        async def test_a(db):
            """Uses the loop."""
            event_loop = asyncio.get_running_loop()
            # first real line
            event_loop.call_soon(db.flush)
        ''')
    edit = InsertAtBodyStart(def_span(before, "test_a"), "event_loop = asyncio.get_running_loop()")
    assert applied(before, fix(edit)) == after


def test_insert_at_body_start_in_a_nested_tab_indented_method() -> None:
    before = "class TestA:\n\tasync def test_a(self):\n\t\tawait go()\n"
    after = (
        "class TestA:\n\tasync def test_a(self):\n"
        "\t\tloop = asyncio.get_running_loop()\n\t\tif loop:\n\t\t\tpass\n"
        "\t\tawait go()\n"
    )
    edit = InsertAtBodyStart(
        def_span(before, "test_a"), "loop = asyncio.get_running_loop()\nif loop:\n    pass\n"
    )
    assert applied(before, fix(edit)) == after


def test_insert_at_body_start_of_a_docstring_only_body() -> None:
    before = 'def f():\n    """Only a docstring."""\n'
    after = 'def f():\n    """Only a docstring."""\n    x = 1\n'
    assert applied(before, fix(InsertAtBodyStart(def_span(before, "f"), "x = 1"))) == after


def test_remove_parameter_and_bind_it_in_the_body() -> None:
    before = code("""
        @pytest.mark.asyncio
        async def test_a(event_loop, db):  # keep
            await db.connect(loop=event_loop)
        """)
    after = code("""
        @pytest.mark.asyncio
        async def test_a(db):  # keep
            event_loop = asyncio.get_running_loop()
            await db.connect(loop=event_loop)
        """)
    where = def_span(before, "test_a")
    edits = (
        RemoveParameter(where, "event_loop"),
        InsertAtBodyStart(where, "event_loop = asyncio.get_running_loop()"),
    )
    assert (
        applied(before, fix(*edits, imports=[AddImport("asyncio")]))
        == "import asyncio\n\n\n" + after
    )


# -- decorators ------------------------------------------------------------------------------------


def test_remove_decorator_keeps_the_others_and_their_comments() -> None:
    before = code("""
        # the fixture
        @pytest.fixture  # plain
        # needs the loop
        @pytest.mark.asyncio(loop_scope="module")
        # last
        async def server():
            yield 1
        """)
    after = code("""
        # the fixture
        @pytest.fixture  # plain
        # needs the loop
        # last
        async def server():
            yield 1
        """)
    target = decorator_span(before, "server", 'pytest.mark.asyncio(loop_scope="module")')
    assert applied(before, fix(RemoveDecorator(target))) == after


def test_replace_decorator_by_remove_and_add() -> None:
    before = code("""
        class TestServer:
            @pytest.fixture
            @other
            async def server(self):
                yield 1
        """)
    after = code("""
        class TestServer:
            @pytest_asyncio.fixture
            @other
            async def server(self):
                yield 1
        """)
    edits = (
        RemoveDecorator(decorator_span(before, "server", "pytest.fixture")),
        AddDecorator(def_span(before, "server"), "pytest_asyncio.fixture"),
    )
    assert applied(before, fix(*edits)) == after


def test_add_decorator_is_outermost() -> None:
    before = code("""
        import pytest


        # a class of tests
        @other
        class TestA:
            pass
        """)
    after = code("""
        import pytest


        # a class of tests
        @pytest.mark.asyncio(loop_scope="class")
        @other
        class TestA:
            pass
        """)
    edit = AddDecorator(def_span(before, "TestA"), 'pytest.mark.asyncio(loop_scope="class")')
    assert applied(before, fix(edit)) == after


def test_remove_decorator_of_a_span_that_is_not_a_decorator_is_an_error() -> None:
    before = "@a\ndef f():\n    b\n"
    with pytest.raises(FixError):
        applied(before, fix(RemoveDecorator(span(before, "b", ast.Name))))


# -- InsertAfterStatement --------------------------------------------------------------------------


def test_insert_after_statement_indents_several_lines() -> None:
    before = code("""
        @pytest_asyncio.fixture
        async def worker():
            task = asyncio.create_task(run())
            if True:
                yield task  # hand it out
            # after
        """)
    after = code("""
        @pytest_asyncio.fixture
        async def worker():
            task = asyncio.create_task(run())
            if True:
                yield task  # hand it out
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            # after
        """)
    statements = (
        "task.cancel()\nwith contextlib.suppress(asyncio.CancelledError):\n    await task\n"
    )
    target = span(before, "yield task", ast.Expr)
    result = applied(
        before, fix(InsertAfterStatement(target, statements), imports=[AddImport("contextlib")])
    )
    assert result == "import contextlib\n\n\n" + after


def test_insert_after_a_deleted_statement() -> None:
    before = "def f():\n    a()\n    b()\n"
    after = "def f():\n    a()\n    c()\n"
    target = span(before, "b()", ast.Expr)
    result = applied(before, fix(DeleteStatement(target)), fix(InsertAfterStatement(target, "c()")))
    assert result == after


# -- AddImport -------------------------------------------------------------------------------------


def _with_import(before: str, *requests: AddImport) -> str:
    return applied(before, fix(imports=requests))


def test_other_import_goes_after_the_last_top_level_import() -> None:
    before = code("""
        import os

        import pytest

        if TYPE_CHECKING:
            import typing_extensions

        x = 1
        """)
    after = code("""
        import os

        import pytest
        import pytest_asyncio

        if TYPE_CHECKING:
            import typing_extensions

        x = 1
        """)
    assert _with_import(before, AddImport("pytest_asyncio")) == after


@pytest.mark.parametrize(
    "before, request_, after",
    [
        # among the standard-library imports, in isort's order
        ("import os\n\nimport pytest\n", AddImport("asyncio"),
         "import asyncio\nimport os\n\nimport pytest\n"),
        ("import asyncio\nfrom os import path\n", AddImport("contextlib"),
         "import asyncio\nimport contextlib\nfrom os import path\n"),
        ("import os\nimport sys\n\nimport pytest\n", AddImport("unittest", "mock"),
         "import os\nimport sys\nfrom unittest import mock\n\nimport pytest\n"),
        # no standard-library import yet: a block of its own above the others
        ('"""Tests."""\n\nimport pytest\n', AddImport("asyncio"),
         '"""Tests."""\n\nimport asyncio\n\nimport pytest\n'),
        ("from __future__ import annotations\n\nimport pytest\n", AddImport("asyncio"),
         "from __future__ import annotations\n\nimport asyncio\n\nimport pytest\n"),
        # the comment above the first import stays above the block
        ("# third party\nimport pytest\nx = 1\n", AddImport("asyncio"),
         "# third party\nimport asyncio\n\nimport pytest\nx = 1\n"),
    ],
)
def test_standard_library_import_goes_where_isort_puts_it(before, request_, after) -> None:
    assert _with_import(before, request_) == after


def test_import_after_docstring_and_future_import() -> None:
    before = '"""Tests."""\nfrom __future__ import annotations\n\nX = 1\n'
    after = '"""Tests."""\nfrom __future__ import annotations\nimport asyncio\n\nX = 1\n'
    assert _with_import(before, AddImport("asyncio")) == after


def test_import_after_docstring_when_there_is_no_import() -> None:
    before = '"""Tests."""\n\n\ndef test_a():\n    pass\n'
    after = '"""Tests."""\n\nimport asyncio\n\n\ndef test_a():\n    pass\n'
    assert _with_import(before, AddImport("asyncio")) == after


def test_import_at_the_top_keeps_the_header_comments_first() -> None:
    before = "#!/usr/bin/env python\n# header\ndef test_a():\n    pass\n"
    after = "#!/usr/bin/env python\n# header\nimport asyncio\n\n\ndef test_a():\n    pass\n"
    assert _with_import(before, AddImport("asyncio")) == after


def test_import_not_repeated_when_imported_under_another_name() -> None:
    before = "import asyncio as aio\nfrom pytest_asyncio import fixture as fx\nimport os.path\n"
    requests = (AddImport("asyncio"), AddImport("pytest_asyncio", "fixture"), AddImport("os"))
    assert _with_import(before, *requests) == before


def test_import_not_repeated_when_imported_in_a_module_level_try() -> None:
    before = "try:\n    import asyncio\nexcept ImportError:\n    asyncio = None\n"
    assert _with_import(before, AddImport("asyncio")) == before


def test_from_import_added_once_for_several_fixes() -> None:
    before = "import pytest\nfrom pytest_asyncio import is_async_test\n"
    after = before + "from pytest_asyncio import fixture\n"
    fixes = [fix(imports=[AddImport("pytest_asyncio", "fixture")]) for _ in range(2)]
    assert applied(before, *fixes) == after


def test_module_import_is_not_satisfied_by_a_from_import() -> None:
    before = "from pytest_asyncio import fixture\n"
    after = "from pytest_asyncio import fixture\nimport pytest_asyncio\n"
    assert _with_import(before, AddImport("pytest_asyncio")) == after


# -- batches ---------------------------------------------------------------------------------------


def test_overlapping_fixes_apply_the_first_and_defer_the_rest() -> None:
    before = "async def f():\n    x = asyncio.run(asyncio.run(inner()))\n"
    outer = node_of(before, "asyncio.run(asyncio.run(inner()))", ast.Call)
    inner = node_of(before, "asyncio.run(inner())", ast.Call)
    fixes = [fix(AwaitArgument(Span.of(inner))), fix(AwaitArgument(Span.of(outer)))]
    report = apply_fixes_report(before, fixes)
    assert report.source == "async def f():\n    x = await asyncio.run(inner())\n"
    assert report.applied == (1,)
    assert report.deferred == (0,)


def test_deleting_a_statement_conflicts_with_an_edit_inside_it() -> None:
    before = "def f():\n    loop.close(timeout=1)\n"
    statement = span(before, "loop.close(timeout=1)", ast.Expr)
    call = span(before, "loop.close(timeout=1)", ast.Call)
    # The statement starts before the keyword argument, so the deletion goes first.
    report = apply_fixes_report(
        before, [fix(RemoveKeyword(call, "timeout")), fix(DeleteStatement(statement))]
    )
    assert report.source == "def f():\n    pass\n"
    assert report.deferred == (0,)


def test_fixes_in_different_places_all_apply() -> None:
    before = "def a():\n    loop.close()\n\n\ndef b():\n    loop.close()\n"
    first = span(before, "loop.close()", ast.Expr, 0)
    second = span(before, "loop.close()", ast.Expr, 1)
    result = applied(before, fix(DeleteStatement(first)), fix(DeleteStatement(second)))
    assert result == "def a():\n    pass\n\n\ndef b():\n    pass\n"


def test_an_edit_whose_node_is_gone_raises_fix_error_naming_the_fix() -> None:
    before = "x = 1\n"
    lost = fix(DeleteStatement(Span(1, 2, 1, 5)))
    with pytest.raises(FixError) as raised:
        applied(before, fix(DeleteStatement(span(before, "x = 1", ast.Assign))), lost)
    assert raised.value.fix is lost


def test_a_span_outside_the_source_raises_fix_error() -> None:
    with pytest.raises(FixError):
        applied("x = 1\n", fix(DeleteStatement(Span(7, 0, 7, 5))))


def test_no_fixes_no_change() -> None:
    assert apply_fixes("x  =  1  # odd\n", []) == "x  =  1  # odd\n"


def test_untouched_code_keeps_its_formatting() -> None:
    before = "x  =  [1,\n  2 ]   # odd\nloop.close()\ny = {'a' :1}\n"
    after = "x  =  [1,\n  2 ]   # odd\ny = {'a' :1}\n"
    assert applied(before, fix(DeleteStatement(span(before, "loop.close()", ast.Expr)))) == after


# -- the fix loop ----------------------------------------------------------------------------------


class ToyRules(ast.NodeVisitor):
    """A stand-in for detection: a few made-up rules with fixes of every kind of outcome."""

    def __init__(self) -> None:
        self.findings: List[Finding] = []

    def report(self, code_: str, node: ast.AST, fix_: Optional[Fix]) -> None:
        s = Span.of(node)
        self.findings.append(Finding(code_, "toy", s.line, s.col, s.end_line, s.end_col, fix_))

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name == "wrap" and node.args:  # nested wraps overlap: one layer per pass
            self.report("T01", node, fix(UnwrapCall(Span.of(node), "{arg}")))
        elif name == "risky":  # unsafe
            self.report(
                "T02", node, fix(ReplaceExpression(Span.of(node), "safe()"), safety=Safety.UNSAFE)
            )
        elif name == "manual":  # no automatic fix
            self.report("T03", node, None)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == "broken":
            # Replacing an assignment target by a call: libcst accepts it, ast does not.
            self.report("T04", node, fix(ReplaceExpression(Span.of(target), "call()")))
        if isinstance(target, ast.Name) and target.id == "lost":
            self.report("T05", node, fix(DeleteStatement(Span(node.lineno, 0, node.lineno, 99))))
        self.generic_visit(node)


def toy_check(source: str) -> List[Finding]:
    rules = ToyRules()
    rules.visit(ast.parse(source))
    return sorted(rules.findings, key=Finding.sort_key)


def test_fix_source_runs_passes_until_nothing_is_left() -> None:
    before = "value = wrap(wrap(wrap(42)))\nother = wrap(1)\n"
    result = fix_source(before, toy_check, unsafe=False)
    assert result.source == "value = 42\nother = 1\n"
    assert result.remaining == []
    assert result.skipped == []
    assert sorted((f.code, f.line) for f in result.fixed) == [("T01", 1)] * 3 + [("T01", 2)]
    assert result.passes == 3


def test_fix_source_leaves_unsafe_fixes_unless_asked() -> None:
    before = "a = risky()\nb = wrap(2)\nc = manual()\n"
    safe_only = fix_source(before, toy_check, unsafe=False)
    assert safe_only.source == "a = risky()\nb = 2\nc = manual()\n"
    assert [(s.finding.code, s.reason) for s in safe_only.skipped] == [("T02", UNSAFE_NOT_ENABLED)]
    assert [f.code for f in safe_only.remaining] == ["T02", "T03"]
    with_unsafe = fix_source(before, toy_check, unsafe=True)
    assert with_unsafe.source == "a = safe()\nb = 2\nc = manual()\n"
    assert [f.code for f in with_unsafe.remaining] == ["T03"]


def test_fix_source_skips_a_fix_that_breaks_the_syntax_and_keeps_the_others() -> None:
    before = "broken = 1\nx = wrap(3)\n"
    result = fix_source(before, toy_check, unsafe=False)
    assert result.source == "broken = 1\nx = 3\n"
    assert [(s.finding.code, s.reason) for s in result.skipped] == [("T04", BREAKS_SYNTAX)]


def test_fix_source_skips_a_fix_whose_node_cannot_be_found() -> None:
    before = "lost = 1\nx = wrap(3)\n"
    result = fix_source(before, toy_check, unsafe=False)
    assert result.source == "lost = 1\nx = 3\n"
    [skipped] = result.skipped
    assert skipped.finding.code == "T05"
    assert skipped.reason.startswith("cannot apply:")


def test_fix_source_maps_later_fixes_to_original_lines() -> None:
    before = "import os\nx = wrap(wrap(1))\n"

    def check(source: str) -> List[Finding]:
        found = toy_check(source)
        if "import asyncio" not in source:  # a first fix that adds lines above the rest
            imports = (AddImport("asyncio"), AddImport("contextlib"))
            found.append(
                Finding("T06", "toy", 1, 0, 1, 9, Fix(Safety.SAFE, "imports", (), imports))
            )
        return found

    result = fix_source(before, check, unsafe=False)
    assert result.source == "import asyncio\nimport contextlib\nimport os\nx = 1\n"
    assert sorted((f.code, f.line) for f in result.fixed) == [("T01", 2), ("T01", 2), ("T06", 1)]


def test_fix_source_stops_when_a_fix_never_removes_its_finding() -> None:
    def stubborn(source: str) -> List[Finding]:
        first = ast.parse(source).body[0]
        return [Finding("T07", "toy", 1, 0, 1, 1, fix(AddDecorator(Span.of(first), "again")))]

    result = fix_source("def f():\n    pass\n", stubborn, unsafe=False, max_passes=4)
    assert result.passes == 4
    assert result.source.count("@again") == 4
    assert [f.code for f in result.remaining] == ["T07"]


def test_fix_source_stops_when_nothing_changes() -> None:
    def already(source: str) -> List[Finding]:
        return [
            Finding("T08", "toy", 1, 0, 1, 1, Fix(Safety.SAFE, "import", (), (AddImport("os"),)))
        ]

    result = fix_source("import os\n", already, unsafe=False)
    assert result.source == "import os\n"
    assert result.passes == 1
    assert result.fixed == []
