"""ALP409: ``@pytest.mark.asyncio`` on a fixture, where pytest rejects marks."""

from __future__ import annotations

import ast

from flake8_asyncloop.analysis.async_runners import ASYNCIO_MARK
from flake8_asyncloop.findings import Fix, RemoveDecorator, Safety, Span
from flake8_asyncloop.rule import Bad, Good, Rule


class AsyncioMarkOnFixture(Rule):
    code = "ALP409"
    name = "asyncio-mark-on-fixture"
    # Needed in the text for a finding: an asyncio mark, however imported
    trigger_words = ("asyncio",)
    message = "asyncio mark on fixture '{fixture}': marks do not apply to fixtures; remove it"
    fix_safety = Safety.SAFE

    what = """
    Flags `@pytest.mark.asyncio` (with or without arguments) among the decorators of a
    fixture, above or below the fixture decorator.
    """
    why = """
    Marks select and configure tests; a fixture is not a test. pytest 9 stops collecting the
    module with `Marks cannot be applied to fixtures`, so none of its tests run; pytest 8
    warns that it is deprecated and ignores the mark. It is usually an attempt to make an
    async fixture run in strict mode, which `@pytest_asyncio.fixture` does.
    """
    fix_notes = """
    Safe: the mark is removed. It never had an effect on the fixture, and with pytest 9 the
    module could not even be collected.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture
            @pytest.mark.asyncio
            async def greeting():
                await asyncio.sleep(0)
                return "hello"


            @pytest.mark.asyncio
            async def test_greeting(greeting):
                assert greeting == "hello"
            """,
            (8, 2),
            fixed="""
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture
            async def greeting():
                await asyncio.sleep(0)
                return "hello"


            @pytest.mark.asyncio
            async def test_greeting(greeting):
                assert greeting == "hello"
            """,
            runs=True,
        ),
        Bad(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest.mark.asyncio(loop_scope="module")
            @pytest_asyncio.fixture(loop_scope="module")
            async def shared_lock():
                return asyncio.Lock()
            """,
            (7, 2),
            fixed="""
            import asyncio

            import pytest_asyncio


            @pytest_asyncio.fixture(loop_scope="module")
            async def shared_lock():
                return asyncio.Lock()
            """,
            filename="conftest.py",
        ),
        Good(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture
            async def greeting():
                await asyncio.sleep(0)
                return "hello"


            @pytest.mark.asyncio
            async def test_greeting(greeting):
                assert greeting == "hello"
            """,
            reason="the mark belongs on the test; the fixture decorator alone is enough",
            runs=True,
        ),
    )

    def visit_FunctionDef(self, node: ast.AST) -> None:
        spec = self.file.scope.fixture
        if spec is None:
            return
        for decorator in node.decorator_list:  # type: ignore[attr-defined]
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if self.file.resolve(target) == ASYNCIO_MARK:
                fix = Fix(Safety.SAFE, "remove the mark", (RemoveDecorator(Span.of(decorator)),))
                self.report(decorator, fix, fixture=spec.name)

    visit_AsyncFunctionDef = visit_FunctionDef
