"""Tests for a notification service, with the shared state a conftest.py often grows.

Module globals, class attributes and wide sync fixtures outlive the per-test event loops
pytest-asyncio hands out by default; what each of them holds decides whether that matters.
"""

import asyncio
import threading
from asyncio import Queue
from collections import defaultdict
from dataclasses import dataclass, field

import aiohttp
import httpx
import pytest
import pytest_asyncio
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from notify.app import Notifier, build_app

# -- module level: runs once, at collection --------------------------------------------------
DELIVERED = asyncio.Event()  # error: ALP501
OUTBOX = Queue(maxsize=100)  # error: ALP501
SEND_LIMIT = asyncio.locks.Semaphore(5)  # error: ALP501
CACHE = aioredis.from_url("redis://localhost/1")  # error: ALP501
ENGINE = create_async_engine("postgresql+asyncpg://localhost/notify")  # error: ALP501
LOOP = asyncio.get_event_loop()  # error: ALP106
SHUTDOWN = LOOP.create_future()  # error: ALP501
# A thread lock belongs to no event loop.
STATS_LOCK = threading.Lock()
# A factory passed by reference builds nothing until a key is first used.
TOPIC_LOCKS = defaultdict(asyncio.Lock)
# A session factory holds no connection; the engine it is given does (flagged above).
Session = async_sessionmaker(ENGINE, expire_on_commit=False)
# A lambda's body runs when it is called.
new_outbox = lambda: asyncio.Queue(maxsize=10)  # noqa: E731


@dataclass
class Subscriber:
    address: str
    # default_factory runs per instance, inside whatever code creates the subscriber.
    inbox: asyncio.Queue = field(default_factory=asyncio.Queue)


class TestDelivery:
    # Class bodies run at import time too.
    session = aiohttp.ClientSession()  # error: ALP501
    retry_lock = asyncio.Lock()  # error: ALP501
    # Plain data in a class body is harmless.
    recipients = ("ops@example.com", "dev@example.com")

    @pytest.mark.asyncio
    async def test_delivers_once(self):
        # Built in the test, on the loop the test runs on.
        done = asyncio.Event()
        notifier = Notifier(on_sent=done.set)
        await notifier.send("ops@example.com", "hello")
        await asyncio.wait_for(done.wait(), timeout=1)

    def test_factory_class(self):
        class FakeTransport:
            # A class body inside a function runs when the test does, not on import.
            sent = asyncio.Queue()

        assert FakeTransport.sent.empty()


def make_limiter(size):
    # A constructor inside a function runs when the function is called.
    return asyncio.Semaphore(size)


# -- sync fixtures ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def outbox():
    return asyncio.Queue()  # error: ALP502


@pytest.fixture(scope="session")
def api_client():
    client = httpx.AsyncClient(base_url="http://notify.test")  # error: ALP502
    yield client


@pytest.fixture(scope="session")
def registry():
    # Thread locks and dicts are fine at any scope.
    return {"lock": threading.Lock(), "sent": []}


@pytest.fixture
def delivered():
    # A function-scoped event binds on first wait, to the loop of its one test.
    return asyncio.Event()


@pytest.fixture
def receipt():
    future = asyncio.Future()  # error: ALP502
    return future


@pytest.fixture
def http_session():
    yield aiohttp.ClientSession()  # error: ALP502


@pytest.fixture(scope="module")
def limiter_factory():
    # Only a function that builds limiters is kept; each call happens inside a test.
    def build(size):
        return asyncio.Semaphore(size)

    return build


# -- fixtures that keep the loop -------------------------------------------------------------
@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def loop():
    return asyncio.get_running_loop()  # error: ALP503


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def app():
    running = asyncio.get_running_loop()
    application = build_app()
    await application.startup()
    yield application, running  # error: ALP503
    await application.shutdown()


@pytest.fixture(scope="class")
def attach_loop(request):
    request.cls.loop = asyncio.get_event_loop()  # error: ALP503, ALP105


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def started_at():
    # Keeps a number read from the loop, not the loop.
    running = asyncio.get_running_loop()
    timings = {}
    timings["loop"] = running  # a dict the fixture made and keeps to itself
    return {"started": running.time()}


@pytest_asyncio.fixture
async def current_loop():
    # Function scope: the loop and the fixture end together.
    return asyncio.get_running_loop()


@pytest_asyncio.fixture
async def notifier(delivered):
    # An async fixture builds on the loop of the test that uses it.
    lock = asyncio.Lock()
    service = Notifier(lock=lock, on_sent=delivered.set)
    yield service
    await service.close()


@pytest.mark.asyncio
async def test_outbox_drains(notifier, outbox):
    await outbox.put("hello")
    await notifier.drain(outbox)
    assert outbox.empty()


# -- don't crash -------------------------------------------------------------------------------
@pytest.fixture(scope=lambda fixture_name, config: "session")
def dynamic_scope():
    # A scope chosen at run time is not judged.
    return asyncio.Event()


def test_odd_calls():
    (lambda: asyncio.Lock())()
    getattr(asyncio, "Lock")()
    [asyncio.Event() for _ in range(2)]
