"""ALP404: an async test that yields is an async generator, which no one runs."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.async_runners import OwnYields, def_marks, enclosing_classes
from flake8_asyncloop.analysis.text_gates import mentions_async
from flake8_asyncloop.findings import Finding
from flake8_asyncloop.rule import Bad, Good, Rule

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState


class AsyncGeneratorTest(Rule):
    code = "ALP404"
    name = "async-generator-test"
    assumes_pytest_asyncio = False
    # Needed in the text for a finding: a ``yield`` in an async test
    trigger_words = ("yield",)
    message = (
        "async test '{test}' yields, which makes it an async generator that is never run; "
        "{advice}"
    )

    @classmethod
    def applies_to(cls, source: str, file: "FileState") -> bool:
        # an async def test
        return mentions_async(source)

    what = """
    Flags `yield` in the body of an `async def test*` (a `yield` in a def nested inside it
    does not count).
    """
    why = """
    A `yield` turns the test into an async generator function. pytest-asyncio refuses those
    (`Tests based on asynchronous generators are not supported`) and reports the test as
    xfailed without running it; without an asyncio mark pytest fails it as unsupported;
    pytest-asyncio 0.21 passed it without running a line. Either way nothing in the test ever
    executes. The `yield` is usually setup and teardown that belongs in a yield fixture.
    """
    limitations = """
    A test wrapped by a decorator the linter does not know, or in a class whose base it
    cannot see into, is left alone: the wrapper may drive the generator itself.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_queue_drains():
                queue = asyncio.Queue()
                await queue.put(1)
                yield queue
                assert queue.empty()
            """,
            (7, 1),
            runs=True,
        ),
        Bad(
            """
            import asyncio


            class TestStream:
                async def test_chunks(self):
                    for chunk in (b"a", b"b"):
                        await asyncio.sleep(0)
                        yield chunk
            """,
            (5, 5),
            runs=True,
        ),
        Good(
            """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture
            async def queue():
                queue = asyncio.Queue()
                yield queue
                assert queue.empty()


            @pytest.mark.asyncio
            async def test_queue_drains(queue):
                await queue.put(1)
                assert await queue.get() == 1
            """,
            reason="the setup and teardown live in a yield fixture; the test only awaits",
            runs=True,
        ),
        Good(
            """
            import pytest


            @pytest.mark.asyncio
            async def test_collects_chunks():
                async def chunks():
                    yield b"a"
                    yield b"b"

                assert [chunk async for chunk in chunks()] == [b"a", b"b"]
            """,
            reason="the yield belongs to a generator defined inside the test",
            runs=True,
        ),
    )

    def __init__(self, file: "FileState", sink: List[Finding]) -> None:
        super().__init__(file, sink)
        # Tests that would be reported if their body yields, decided when the walk leaves them.
        # (with the advice that fits where they are)
        self._candidates: Dict[ast.AST, str] = {}
        self._own_yields = OwnYields()

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        file = self.file
        scope = file.scope
        if scope.role != scopes.TEST or file.is_conftest:
            return
        classes = enclosing_classes(scope)
        if classes is None or any(owner.class_kind == "unknown" for owner in classes):
            return
        if def_marks(node, file).unknown is not None:
            return
        kinds = {owner.class_kind for owner in classes}
        self._candidates[node] = next(
            (_CLASS_ADVICE[kind] for kind in _CLASS_ADVICE if kind in kinds), _FIXTURE_ADVICE
        )

    def visit_Yield(self, node: ast.AST) -> None:
        if self._candidates:
            self._own_yields.saw(node, self.file.scope)

    visit_YieldFrom = visit_Yield

    def leave_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        advice = self._candidates.pop(node, None)
        if advice is not None and node in self._own_yields:
            self.report(node, test=node.name, advice=advice)


_FIXTURE_ADVICE = "move the setup and teardown into a fixture"
# A unittest class has no fixtures: its setup and teardown have methods of their own.
_CLASS_ADVICE = {
    "async_testcase": (
        "remove the yields; setup and teardown go in asyncSetUp() and asyncTearDown()"
    ),
    "unittest": "remove the yields; setup and teardown go in setUp() and tearDown()",
}
