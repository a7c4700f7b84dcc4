"""ALP106: a test module gets, makes or runs an event loop while it is being imported."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Set

from flake8_asyncloop.analysis import scopes
from flake8_asyncloop.analysis.asyncio_names import is_loop_receiver
from flake8_asyncloop.analysis.self_contained_runs import (
    runs_for_text,
    runs_self_contained_coroutine,
)
from flake8_asyncloop.analysis.sync_modules import runs_no_loop_for_tests
from flake8_asyncloop.analysis.text_gates import mentions_async
from flake8_asyncloop.rule import Bad, Good, Rule

if TYPE_CHECKING:
    from flake8_asyncloop.engine import FileState

# Calls that reach for an event loop, by qualified name, and how the message names them.
_LOOP_CALLS = {
    "asyncio.get_event_loop": "get_event_loop()",
    "asyncio.events.get_event_loop": "get_event_loop()",
    "asyncio.new_event_loop": "new_event_loop()",
    "asyncio.events.new_event_loop": "new_event_loop()",
    "asyncio.run": "asyncio.run()",
    "asyncio.runners.run": "asyncio.run()",
}
_RUN_UNTIL_COMPLETE = "run_until_complete"


class LoopAtImportTime(Rule):
    code = "ALP106"
    name = "loop-at-import-time"
    # Needed in the text for a finding: get/new_event_loop, asyncio.run, run_until_complete
    trigger_words = ("_event_loop", "run")
    call_names = frozenset(
        {name.rpartition(".")[2] for name in _LOOP_CALLS} | {_RUN_UNTIL_COMPLETE}
    )
    message = (
        "{call} at import time: the loop is not the one tests run on; "
        "move it into a fixture or test"
    )

    @classmethod
    def applies_to(cls, source: str, file: "FileState") -> bool:
        # asyncio's loop calls, or a loop's run_until_complete
        return mentions_async(source) or "run_until_complete" in source

    what = """
    Flags `asyncio.get_event_loop()`, `asyncio.new_event_loop()`, `asyncio.run(...)` and
    `<loop>.run_until_complete(...)` at module level or in a class body of test code.
    """
    why = """
    Test modules and conftest.py files are imported during collection, long before any test
    runs. A loop fetched or made then is not the loop pytest-asyncio runs the tests on, so
    futures, locks and connections built on it fail in the tests with `The future belongs
    to a different loop` or `attached to a different loop`; under pytest-asyncio 0.21 the
    loop may already be closed (`Event loop is closed`). Work run at import time with
    `asyncio.run` leaves objects bound to a loop that is closed by the time tests use them.
    """
    fix_notes = """
    No automatic fix: the work has to move into a fixture (async, with a `loop_scope` that
    matches its tests) or into the tests themselves, and which is right depends on the code.
    """
    limitations = """
    Only code that runs on import is checked: the module body (including its `if`, `try` and
    `with` blocks) and class bodies. A `run_until_complete` counts when its receiver is
    known to be a loop or is named like one. Code under `if __name__ == "__main__":` (alone
    or joined by `and` to another condition) does not run under pytest and is skipped.
    `asyncio.run(main())` whose result is dropped, with `main` an `async def` of the module
    that declares no `global` and assigns to no attribute or item but those of objects it
    made itself (`proxy = Proxy()`, a literal list or dict) or a literal (`app.engine =
    None`), is left alone: nothing it makes outlives the run (a coroutine that appends to a
    module-level list, or a class whose every instance is one shared object, is not seen).
    So is the result of such a run kept when every `return` of `main` gives a literal or
    an f-string (`STACK_UP = asyncio.run(stack_available())`, returning `True` or `False`).
    An object from any other call (`make_proxy()`) may be shared, and a store on it is
    reported. `LOOP = asyncio.new_event_loop()` is left alone in a test module (not a
    conftest.py) whose tests and fixtures are all sync and come from nowhere else, when the
    module binds `LOOP` once and only runs it (`LOOP.run_until_complete`, `close`,
    `is_closed`, `is_running`): that loop is the one its tests run on. Whether such a test
    also requests an async fixture from a conftest.py is not looked at.
    """
    examples = (
        Bad(
            """
            import asyncio

            import pytest

            loop = asyncio.get_event_loop()
            ready = loop.create_future()


            @pytest.mark.asyncio
            async def test_ready():
                ready.set_result(True)
                assert await ready
            """,
            (5, 8),
        ),
        Bad(
            """
            import asyncio

            from app import make_pool

            POOL = asyncio.run(make_pool())


            class TestQueries:
                LOOP = asyncio.new_event_loop()
                CACHE = LOOP.run_until_complete(make_pool())
            """,
            (5, 8),
            (9, 12),
            (10, 13),
        ),
        Bad(
            """
            from asyncio import get_event_loop

            from app import Client

            client = get_event_loop().run_until_complete(Client.connect())
            """,
            (5, 10),
            filename="conftest.py",
        ),
        Good(
            """
            import asyncio

            import pytest_asyncio


            @pytest_asyncio.fixture(loop_scope="module", scope="module")
            async def ready():
                return asyncio.get_running_loop().create_future()
            """,
            reason="a fixture builds loop-bound objects on the loop the tests run on",
        ),
        Good(
            """
            import asyncio


            def main():
                asyncio.run(asyncio.sleep(0))


            if __name__ == "__main__":
                asyncio.run(main())
            """,
            reason="runs only when the file is executed as a script, not under pytest",
        ),
        Bad(
            """
            import asyncio

            QUEUE = None


            async def main():
                global QUEUE
                QUEUE = asyncio.Queue()


            asyncio.run(main())
            """,
            (11, 1),
        ),
        Good(
            """
            import asyncio


            async def main():
                reader, writer = await asyncio.open_connection("localhost", 8080)
                print(await reader.readline())
                writer.close()


            asyncio.run(main())
            """,
            reason=(
                "a demo script named like a test: what main() makes stays inside it and ends "
                "with the run"
            ),
        ),
        Good(
            """
            import asyncio


            class Proxy:
                async def headers(self):
                    return {"Client-Version": self.version}


            async def main():
                proxy = Proxy()
                proxy.version = "1.0"
                assert (await proxy.headers())["Client-Version"] == "1.0"


            asyncio.run(main())
            """,
            reason="main() sets attributes only on an object it made: nothing outlives the run",
        ),
        Bad(
            """
            import asyncio


            class Settings:
                queue = None


            SETTINGS = Settings()


            async def main():
                settings = SETTINGS
                settings.queue = asyncio.Queue()


            asyncio.run(main())
            """,
            (16, 1),
        ),
        Good(
            """
            import asyncio

            make_loop = lambda: asyncio.new_event_loop()
            loop_factory = asyncio.new_event_loop
            """,
            reason="a lambda body and a reference to the function do not run on import",
        ),
        Good(
            """
            import asyncio

            LOOP = asyncio.get_event_loop()
            """,
            filename="app/runtime.py",
            reason="not test code",
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._covered: Set[int] = set()

    def visit_Expr(self, node: ast.Expr) -> None:
        # ``asyncio.run(main())`` whose result is dropped, ``main`` an async def of the module
        # that stores nothing outside itself: no loop-bound object outlives the run.
        call = node.value
        if (
            isinstance(call, ast.Call)
            and self.file.scope.at_import_time
            and _LOOP_CALLS.get(self.file.resolve(call.func) or "") == "asyncio.run()"
            and runs_self_contained_coroutine(call, self.file)
        ):
            self._covered.add(id(call))

    def visit_Assign(self, node: ast.Assign) -> None:
        # ``LOOP = asyncio.new_event_loop()`` that only the module's sync tests run
        value, file = node.value, self.file
        if (
            len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(value, ast.Call)
            and file.scope.kind == scopes.MODULE
            and _LOOP_CALLS.get(file.resolve(value.func) or "") == "new_event_loop()"
            and runs_no_loop_for_tests(file)
            and _only_run_and_closed(file.tree, node.targets[0].id)
        ):
            self._covered.add(id(value))

    def visit_Call(self, node: ast.Call) -> None:
        if not self.file.scope.at_import_time or id(node) in self._covered:
            return
        if self.file.module.in_script_block(node):
            return
        func = node.func
        call = _LOOP_CALLS.get(self.file.resolve(func) or "")
        if call is None and isinstance(func, ast.Attribute) and func.attr == _RUN_UNTIL_COMPLETE:
            if is_loop_receiver(func.value, self.file):
                call = "run_until_complete()"
                self._covered.add(id(func.value))  # one finding for get_event_loop().run_...()
        if call == "asyncio.run()" and _runs_for_plain_answer(node, self.file):
            return
        if call is not None:
            self.report(node, call=call)


def _runs_for_plain_answer(call: ast.Call, file: "FileState") -> bool:
    """``STACK_UP = asyncio.run(probe())`` of a self-contained ``probe`` whose every
    ``return`` gives a literal or an f-string (``return False``): the module keeps an
    answer, and nothing of the run's loop."""
    return runs_self_contained_coroutine(call, file) and runs_for_text(call, file)


# What a loop of the module's own may be asked, and still serve only its sync tests.
_OWN_LOOP_METHODS = frozenset({_RUN_UNTIL_COMPLETE, "close", "is_closed", "is_running"})


def _only_run_and_closed(tree: ast.Module, name: str) -> bool:
    """Whether ``name`` is bound once in the module, and read, but only as
    ``name.run_until_complete`` (or ``close``, ``is_closed``, ``is_running``): a loop kept
    for the module's own use."""
    receivers: Set[int] = set()
    stores = 0
    loads = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in _OWN_LOOP_METHODS:
            receivers.add(id(node.value))
        elif isinstance(node, ast.Name) and node.id == name:
            if isinstance(node.ctx, ast.Load):
                loads.append(node)
            else:
                stores += 1
        elif isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return False
    return stores == 1 and bool(loads) and all(id(load) in receivers for load in loads)
