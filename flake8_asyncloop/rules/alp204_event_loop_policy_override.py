"""ALP204: test code overrides `event_loop_policy`, a fixture pytest-asyncio 1.4 deprecated."""

from __future__ import annotations

import ast

from flake8_asyncloop.findings import Safety
from flake8_asyncloop.rule import Bad, Good, Rule

EVENT_LOOP_POLICY_FIXTURE = "event_loop_policy"
LOOP_FACTORIES_HOOK = "pytest_asyncio_loop_factories"
# Until 1.4 overriding the fixture was the documented way to choose the kind of loop.
FIRST_VERSION_DEPRECATING_OVERRIDE = (1, 4)


class EventLoopPolicyOverride(Rule):
    code = "ALP204"
    name = "event-loop-policy-override"
    # Needed in the text for a finding: only that fixture is reported
    trigger_words = ("event_loop_policy",)
    message = (
        "`event_loop_policy` fixture overridden: deprecated since pytest-asyncio 1.4; "
        "return loop factories from a pytest_asyncio_loop_factories hook instead"
    )
    fix_safety = Safety.NONE

    what = """
    Flags a fixture named `event_loop_policy` defined in a test module or `conftest.py`
    (any spelling of `@pytest.fixture` or `@pytest_asyncio.fixture`, or `name=` set to it).
    """
    why = """
    pytest-asyncio 0.23 introduced the `event_loop_policy` fixture so that suites could run
    on other loops (uvloop, a custom loop class) by overriding it. Event loop policies are
    themselves deprecated in Python 3.14, and pytest-asyncio 1.4 deprecated the override in
    favour of a hook: setting the override up warns `Overriding the "event_loop_policy"
    fixture is deprecated`, which fails runs with `filterwarnings = error`, and the override
    will stop working when the fixture is removed.
    """
    fix_notes = """
    No automatic fix: the hook lives in `conftest.py` and returns loop factories, not
    policies. Replace the fixture with a `pytest_asyncio_loop_factories(config, item)` hook
    returning a mapping of names to loop factories (callables that return a new loop), as
    shown above. More than one entry runs each asyncio test once per factory, as a
    parametrized policy fixture did, and `@pytest.mark.asyncio(loop_factories=[...])` picks
    a subset for one test.
    """
    limitations = """
    When the target pytest-asyncio version is known to be older than 1.4, where the override
    was the documented mechanism and the hook does not exist, or the project's dependency
    files pin it below 1.4, the rule is silent. So it is in a module that also defines the
    `pytest_asyncio_loop_factories` hook: the override is then the fallback for releases
    before 1.4, which do not call the hook. A fixture made without a decorator is not seen.
    """
    examples = (
        Bad(
            """
            import pytest
            import uvloop


            @pytest.fixture(scope="session")
            def event_loop_policy():
                return uvloop.EventLoopPolicy()
            """,
            (6, 1),
            filename="conftest.py",
            pytest_asyncio=(1, 4),
        ),
        Bad(
            """
            import asyncio

            import pytest
            import uvloop


            @pytest.fixture(
                scope="session",
                params=[asyncio.DefaultEventLoopPolicy(), uvloop.EventLoopPolicy()],
                ids=["asyncio", "uvloop"],
            )
            def event_loop_policy(request):
                return request.param
            """,
            (12, 1),
            pytest_asyncio=(1, 4),
        ),
        Bad(
            """
            import asyncio

            import pytest
            from pytest import fixture


            class CustomPolicy(asyncio.DefaultEventLoopPolicy):
                pass


            @fixture(name="event_loop_policy")
            def custom_policy():
                return CustomPolicy()


            @pytest.mark.asyncio
            async def test_sleep_result():
                assert await asyncio.sleep(0, 3) == 3
            """,
            (12, 1),
            runs=True,
            pytest_asyncio=(1, 4),
        ),
        Good(
            """
            import uvloop


            def pytest_asyncio_loop_factories(config, item):
                return {"uvloop": uvloop.new_event_loop}
            """,
            reason="the hook is the supported way to choose the loop",
            filename="conftest.py",
        ),
        Good(
            """
            from importlib.metadata import version

            import pytest
            import uvloop

            PYTEST_ASYNCIO = tuple(int(part) for part in version("pytest-asyncio").split(".")[:2])

            if PYTEST_ASYNCIO < (1, 4):

                @pytest.fixture
                def event_loop_policy():
                    return uvloop.EventLoopPolicy()


            def pytest_asyncio_loop_factories(config, item):
                return {"uvloop": uvloop.new_event_loop}
            """,
            reason="the override serves only the releases before the hook",
            filename="conftest.py",
        ),
        Good(
            """
            import asyncio


            def test_default_policy(event_loop_policy):
                assert isinstance(event_loop_policy, asyncio.AbstractEventLoopPolicy)
            """,
            reason="requesting pytest-asyncio's own fixture overrides nothing",
        ),
        Good(
            """
            import asyncio


            def event_loop_policy():
                return asyncio.get_event_loop_policy()
            """,
            reason="a plain function of that name is not a fixture",
        ),
    )

    def visit_FunctionDef(self, node: ast.AST) -> None:
        scope = self.file.scope
        if scope.node is not node or scope.fixture is None:
            return
        if scope.fixture.name != EVENT_LOOP_POLICY_FIXTURE:
            return
        if self.file.project.targets_pytest_asyncio_below(FIRST_VERSION_DEPRECATING_OVERRIDE):
            return
        if LOOP_FACTORIES_HOOK in self.file.module.functions:
            return  # the hook serves 1.4 and later; the override, the releases before
        self.report(node)

    visit_AsyncFunctionDef = visit_FunctionDef
