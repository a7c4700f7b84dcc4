"""A suite half-way through the move from pytest-asyncio 0.21 to 1.x.

It still overrides `event_loop` to share one loop per module, picks its loop through the
`event_loop_policy` fixture and requests `event_loop` from async code, and some marks carry
arguments from the 0.23 era.

Because this module defines its own `event_loop`, a sync test that requests it is fine
(ALP201 reports the definition once); the "fixture 'event_loop' not found" half of ALP203
needs a module with no definition and is covered by the rule's examples and
tests/test_alp203_conftest.py.
"""

import asyncio
import functools

import pytest
import pytest_asyncio

from myapp.client import EchoClient
from myapp.server import serve


# The 0.21 way of sharing one loop per module; 1.x ignores it.
@pytest.fixture(scope="module")
def event_loop():  # error: ALP201
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def event_loop_policy():  # error: ALP204
    return asyncio.DefaultEventLoopPolicy()


# A loop fixture under a name of its own collides with nothing.
@pytest.fixture
def spare_loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


# name= decides the fixture's name; the function's name does not matter.
@pytest.fixture(name="loop_clock")
def event_loop_clock():
    return functools.partial(asyncio.sleep, 0)


@pytest_asyncio.fixture
async def server(unused_tcp_port):
    async with serve(port=unused_tcp_port) as running:
        yield running


@pytest_asyncio.fixture
async def client(event_loop, server):  # error: ALP203
    async with EchoClient(server.address) as connected:
        yield connected


@pytest.mark.asyncio
async def test_echo(client):
    assert await client.echo(b"ping") == b"ping"


@pytest.mark.asyncio
async def test_executor_on_fixture_loop(event_loop):  # error: ALP203
    result = await event_loop.run_in_executor(None, sum, [1, 2])
    assert result == 3


@pytest.mark.asyncio
async def test_callbacks(
    request,
    event_loop,  # error: ALP203
):
    """call_soon callbacks run before the next await returns."""
    seen = []
    event_loop.call_soon(seen.append, 1)
    await asyncio.sleep(0)
    assert seen == [1]


@pytest.mark.asyncio
async def test_running_loop():
    # Asking for the running loop is what the fix writes.
    loop = asyncio.get_running_loop()
    assert loop.is_running()


# A sync test of the module's own loop fixture gets exactly that loop.
def test_fixture_loop_is_open(event_loop):
    assert not event_loop.is_closed()


# A sync test reaching the module's own fixture through the request is fine too.
def test_fixture_loop_by_request(request):
    loop = request.getfixturevalue("event_loop")
    assert not loop.is_closed()


@pytest.mark.asyncio
async def test_fixture_loop_by_request_in_async_code(request):
    loop = request.getfixturevalue("event_loop")  # error: ALP203
    assert loop is not asyncio.get_running_loop()


# usefixtures is flagged only where no event_loop fixture exists; this module has one.
@pytest.mark.usefixtures("event_loop")
def test_with_loop_installed():
    assert True


# Parametrized values are not fixture requests.
@pytest.mark.parametrize("event_loop", ["selector", "proactor"])
def test_loop_kind_names(event_loop):
    assert event_loop in {"selector", "proactor"}


# pytest fills no parameter that has a default.
def test_optional_loop(event_loop=None):
    assert event_loop is None


# Helpers are not fixtures or tests; their parameters are ordinary arguments.
def run_on(event_loop, coro):
    return event_loop.run_until_complete(coro)


@pytest.mark.asyncio(scope="module")  # error: ALP207
async def test_shared_loop_sleep():
    await asyncio.sleep(0)


@pytest.mark.asyncio("module")  # error: ALP207
async def test_positional_scope():
    await asyncio.sleep(0)


@pytest.mark.asyncio(scope="module", loop_scope="module")  # error: ALP207
async def test_both_scopes():
    await asyncio.sleep(0)


@pytest.mark.asyncio(loop_scope="modules")  # error: ALP207
async def test_misspelt_scope():
    await asyncio.sleep(0)


# loop_scope= with a real scope is the supported spelling.
@pytest.mark.asyncio(loop_scope="module")
async def test_module_loop():
    await asyncio.sleep(0)


class TestSharedLoop:
    pytestmark = [pytest.mark.asyncio(scope="class")]  # error: ALP207

    async def test_first(self):
        await asyncio.sleep(0)

    async def test_loop_argument(self, event_loop):  # error: ALP203
        assert event_loop.time() >= 0


class TestLoopClock:
    # A sync fixture of the module's own loop is fine.
    @pytest.fixture
    def loop_time(self, event_loop):
        return event_loop.time()

    def test_time_moves(self, loop_time, event_loop):
        assert event_loop.time() >= loop_time

    # The first parameter of a method is self, whatever it is called.
    def test_self_named_oddly(event_loop):
        assert event_loop is not None


# -- nothing below may crash a rule ----------------------------------------------------------

MARK_ARGUMENTS = {"loop_scope": "module"}
SCOPE_NAMES = ("module",)
ARGNAMES = "event_loop"


# Arguments that cannot be seen are not judged.
@pytest.mark.asyncio(**MARK_ARGUMENTS)
async def test_unseen_keywords():
    await asyncio.sleep(0)


@pytest.mark.asyncio(*SCOPE_NAMES)
async def test_unseen_positionals():
    await asyncio.sleep(0)


# The mark applied to a function is not an argument.
marked_helper = pytest.mark.asyncio(run_on)


# Argument names that cannot be read may include event_loop.
@pytest.mark.parametrize(ARGNAMES, [1])
def test_unreadable_argnames(event_loop):
    assert event_loop == 1


@pytest.mark.usefixtures()
def test_no_fixtures():
    assert (lambda event_loop: event_loop)(1) == 1


def test_dynamic_fixture_name(request):
    name = "event_" + "loop"
    assert request.getfixturevalue(name) is not None
