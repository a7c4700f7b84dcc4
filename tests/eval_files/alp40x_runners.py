"""A notification service's suite: who runs each async test, and on which loop.

Most tests run under pytest-asyncio in strict mode (there is no pytest config), some live in
unittest.IsolatedAsyncioTestCase classes, a few use anyio, and the suite carries home-made
decorators for logging and retries. ALP408 needs auto mode, so this file only shows that it
stays silent in strict mode; tests/test_alp408_auto_anyio.py covers auto mode.
"""

import asyncio
import functools
import inspect
import unittest
from unittest import IsolatedAsyncioTestCase, mock

import pytest
import pytest_asyncio

from notify.hub import Hub
from notify.sender import Sender
from tests.helpers import with_timeout


# -- decorators the suite defines ------------------------------------------------------------


def logged(func):
    """Print the test's name before running it."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        print("running", func.__name__)
        return func(*args, **kwargs)

    return wrapper


def retry_once(test):
    def wrapper(*args, **kwargs):
        try:
            return test(*args, **kwargs)
        except AssertionError:
            return test(*args, **kwargs)

    return wrapper


def logged_async(func):
    @functools.wraps(func)
    async def wrapper(*args, **kwargs):
        print("running", func.__name__)
        return await func(*args, **kwargs)

    return wrapper


def run_in_loop(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return asyncio.run(func(*args, **kwargs))

    return wrapper


def maybe_run(func):
    def wrapper(*args, **kwargs):
        result = func(*args, **kwargs)
        if inspect.iscoroutine(result):
            return asyncio.run(result)
        return result

    return wrapper


def skip_on_ci(func):
    def wrapper(*args, **kwargs):
        if CI:
            return None
        return func(*args, **kwargs)

    return wrapper


def timed(limit):
    def decorate(func):
        def wrapper(*args, **kwargs):
            return func(*args, **kwargs)

        return wrapper

    return decorate


CI = False


# -- fixtures --------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def hub():
    async with Hub() as running:
        yield running


@pytest.fixture
def sender_config():
    return {"retries": 0}


# -- ALP407: sync wrappers around async tests ------------------------------------------------


@pytest.mark.asyncio
@logged  # error: ALP407
async def test_publish(hub):
    assert await hub.publish("topic", b"hi") == 1


class TestSubscribe:
    @retry_once  # error: ALP407
    @pytest.mark.asyncio
    async def test_subscribe(self, hub):
        assert await hub.subscribe("topic")

    # The wrapper is a coroutine function: pytest-asyncio runs it.
    @pytest.mark.asyncio
    @logged_async
    async def test_unsubscribe(self, hub):
        assert await hub.unsubscribe("topic") is None


# mock.patch passes the wrapper's return value through: still a coroutine, still not run.
@mock.patch("notify.hub.LIMIT", 1)
@pytest.mark.asyncio
@logged  # error: ALP407
async def test_publish_limit(hub):
    assert await hub.publish("topic", b"x") == 1


# The wrapper runs the coroutine to completion itself.
@run_in_loop
async def test_standalone_hub():
    async with Hub() as running:
        assert running.topics == []


# The wrapper looks at what it got back and runs it.
@maybe_run
async def test_maybe_run():
    assert await asyncio.sleep(0, 1) == 1


# One path returns None instead of the coroutine: not provably the coroutine.
@pytest.mark.asyncio
@skip_on_ci
async def test_skip_on_ci(hub):
    assert await hub.publish("topic", b"ci") == 1


# A decorator factory: the linter does not follow the extra level.
@pytest.mark.asyncio
@timed(5)
async def test_timed(hub):
    assert await hub.ping()


# An imported decorator may run the coroutine: the linter cannot see into it.
@with_timeout(5)
@logged
async def test_with_timeout(hub):
    assert await hub.ping()


# A sync test under a sync wrapper is plain pytest.
@logged
def test_sync_logged(sender_config):
    assert sender_config["retries"] == 0


# A helper, not a test: pytest never collects it.
@logged
async def publish_many(hub, count):
    return [await hub.publish("topic", b"n") for _ in range(count)]


# -- ALP406: pytest-asyncio inside IsolatedAsyncioTestCase -----------------------------------


class HubTest(unittest.IsolatedAsyncioTestCase):
    @pytest.fixture(autouse=True)
    def _inject(self, hub, sender_config):  # error: ALP406
        self.hub = hub
        self.config = sender_config

    @pytest.mark.asyncio  # error: ALP406
    async def test_publish(self):
        self.assertEqual(await self.hub.publish("topic", b"hi"), 1)


@pytest.mark.usefixtures("hub")  # error: ALP406
class SenderTest(IsolatedAsyncioTestCase):
    pytestmark = pytest.mark.asyncio  # error: ALP406

    @pytest_asyncio.fixture(autouse=True)
    async def _sender(self):  # error: ALP406
        self.sender = await Sender().start()

    async def test_send(self):
        self.assertTrue(await self.sender.send(b"hi"))


class Base(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.hub = await Hub().start()


class DerivedHubTest(Base):
    @pytest.mark.asyncio(loop_scope="class")  # error: ALP406
    async def test_topics(self):
        self.assertEqual(self.hub.topics, [])


# asyncSetUp runs on the test's own loop: the right way.
class ProperHubTest(IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.hub = await Hub().start()

    async def asyncTearDown(self):
        await self.hub.stop()

    # A sync fixture touches no loop.
    @pytest.fixture(autouse=True)
    def _config(self, sender_config):
        self.config = sender_config

    async def test_ping(self):
        self.assertTrue(await self.hub.ping())


# A plain test class is pytest-asyncio's: marks and async fixtures belong there.
class TestHub:
    @pytest.mark.asyncio
    async def test_ping(self, hub):
        assert await hub.ping()


# A class that runs its tests itself is not second-guessed.
class CustomRunnerTest(unittest.IsolatedAsyncioTestCase):
    def _callTestMethod(self, method):
        asyncio.run(method())

    @pytest.mark.asyncio
    async def test_ping(self):
        self.assertTrue(True)


# -- ALP408: silent in strict mode -----------------------------------------------------------


# In strict mode anyio sets up the async fixtures of its own tests.
@pytest.fixture
async def anyio_hub():
    async with Hub() as running:
        yield running


@pytest.mark.anyio
async def test_anyio_publish(anyio_hub):
    assert await anyio_hub.publish("topic", b"hi") == 1


# -- don't crash -----------------------------------------------------------------------------


def empty_decorator(func):
    return func


@pytest.mark.asyncio
@empty_decorator
async def test_empty_decorator():
    pass


class EmptyIsolated(unittest.IsolatedAsyncioTestCase):
    pass
