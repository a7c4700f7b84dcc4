"""Tests for a small pub/sub broker: background pumps, consumers, timers and done callbacks."""

import asyncio
import atexit
import contextlib
import functools
import signal
from unittest.mock import AsyncMock, Mock

import pytest
import pytest_asyncio

from broker import Broker, Consumer, Subscription, run_server

pytestmark = pytest.mark.asyncio


async def notify_admins(future):
    await Broker.default().publish("admins", future.result())


def log_result(future):
    print(future.result())


def traced(func):
    return func


@traced
async def traced_notify(future):
    await notify_admins(future)


# -- ALP303: yield fixtures that start tasks ----------------------------------------------


@pytest_asyncio.fixture
async def broker():
    broker = Broker()
    pump = asyncio.create_task(broker.pump())  # error: ALP303
    yield broker
    await broker.close()


@pytest_asyncio.fixture
async def consumer(broker):
    consumer = Consumer(broker)
    task = asyncio.create_task(consumer.run())
    yield consumer
    # Cancelled and awaited in teardown: the fixture stops what it started.
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@pytest_asyncio.fixture
async def subscription(broker):
    async with Subscription(broker, "orders") as sub:
        listener = asyncio.ensure_future(sub.listen())  # error: ALP303
        assert not listener.done()  # looking at the task does not stop it
        yield sub


@pytest_asyncio.fixture
async def running_consumer(broker):
    worker = asyncio.create_task(Consumer(broker).run())  # error: ALP303
    yield worker  # the test sees the task, but teardown still has to stop it


@pytest_asyncio.fixture
async def two_pumps(broker):
    first: asyncio.Task = asyncio.create_task(broker.pump())
    second = asyncio.get_running_loop().create_task(broker.pump())  # error: ALP303
    yield broker
    await asyncio.wait_for(first, timeout=1)


@pytest_asyncio.fixture
async def finalized_pump(broker, request):
    task = asyncio.create_task(broker.pump())
    # A finalizer that cancels the task is a teardown too.
    request.addfinalizer(task.cancel)
    yield broker


@pytest_asyncio.fixture
async def grouped_consumers(broker):
    # The TaskGroup around the yield owns both tasks and waits for them at teardown.
    async with asyncio.TaskGroup() as tg:
        tg.create_task(Consumer(broker).run())
        tg.create_task(Consumer(broker).run())
        yield broker
        await broker.close()


@pytest_asyncio.fixture
async def server(broker):
    srv = await asyncio.start_server(broker.handle, "127.0.0.1", 0)
    # Closing the server ends serve_forever(); nobody needs to hold the task.
    serving = asyncio.create_task(srv.serve_forever())
    yield srv.sockets[0].getsockname()
    srv.close()
    await srv.wait_closed()


@pytest_asyncio.fixture
async def either_pump(broker, request):
    pump = asyncio.create_task(broker.pump())  # error: ALP303
    if request.param:
        yield broker
    else:
        yield None


@pytest.fixture
def background_loop():
    loop = asyncio.new_event_loop()
    keepalive = loop.create_task(asyncio.sleep(3600))  # error: ALP303
    yield loop
    loop.close()


@pytest_asyncio.fixture
async def flushed_broker(broker):
    yield broker
    # Started in teardown, not before the yield: a plain dangling task.
    flusher = asyncio.create_task(broker.flush())  # error: ALP302


@pytest_asyncio.fixture
async def warm_broker(broker):
    warmer = asyncio.create_task(broker.warm_up())  # error: ALP302
    return broker


# -- ALP302: tasks started and dropped -------------------------------------------------------


async def test_publish_reaches_consumer(broker, consumer):
    asyncio.create_task(broker.publish("orders", {"id": 1}))  # error: ALP302
    assert await consumer.next_message() == {"id": 1}


async def test_ensure_future_dropped(broker):
    asyncio.ensure_future(broker.publish("orders", {"id": 2}))  # error: ALP302
    # ensure_future of a name may hand back a future the broker keeps.
    asyncio.ensure_future(broker.pending)


async def test_loop_create_task(broker):
    loop = asyncio.get_running_loop()
    loop.create_task(broker.publish("orders", {}))  # error: ALP302
    asyncio.get_running_loop().create_task(broker.ping())  # error: ALP302
    # create_task on anything not known to be a loop may keep the task itself.
    broker.create_task(broker.ping())


async def test_bound_and_forgotten(broker):
    ping = asyncio.create_task(broker.ping())  # error: ALP302
    pong: asyncio.Task = asyncio.create_task(broker.pong())  # error: ALP302
    assert broker.connected


async def test_tasks_that_are_kept(broker):
    # Awaited, gathered, collected, kept in a set, or read by a closure: all held.
    first = asyncio.create_task(broker.ping())
    await first
    pending = [asyncio.create_task(broker.ping()) for _ in range(3)]
    await asyncio.gather(*pending)
    background = set()
    task = asyncio.create_task(broker.ping())
    background.add(task)
    task.add_done_callback(background.discard)
    watcher = asyncio.create_task(broker.watch())

    def stop():
        watcher.cancel()

    stop()
    await asyncio.wait_for(asyncio.create_task(broker.ping()), timeout=1)


async def test_rebound_name(broker):
    # Known blind spot: the first task is lost when the name is rebound, but the name is read.
    job = asyncio.create_task(broker.ping())
    job = asyncio.create_task(broker.pong())
    await job


async def test_taskgroup(broker):
    # A TaskGroup keeps its tasks and waits for them when the block ends.
    async with asyncio.TaskGroup() as tg:
        tg.create_task(broker.ping())


async def test_server_runs(broker):
    srv = await asyncio.start_server(broker.handle, "127.0.0.1", 0)
    # Closing the server below ends serve_forever().
    asyncio.create_task(srv.serve_forever())
    srv.close()
    await srv.wait_closed()


class TestStoredTasks:
    async def test_stored_on_self(self, broker):
        # Stored on the test object: something else owns it now.
        self.pump = asyncio.create_task(broker.pump())
        self.pump.cancel()


def start_pump(broker):
    # Returned to the caller, who keeps it.
    return asyncio.create_task(broker.pump())


def run_background_pump(broker):
    loop = asyncio.new_event_loop()
    loop.create_task(broker.pump())  # error: ALP302
    loop.run_until_complete(broker.close())
    loop.close()


# -- ALP305: async functions handed over as plain callbacks ----------------------------------


class TestCallbacks:
    async def expire(self):
        await Broker.default().expire_all()

    async def test_expiry_timer(self):
        loop = asyncio.get_running_loop()
        loop.call_later(0.1, self.expire)  # error: ALP305
        loop.call_soon(functools.partial(self.expire))  # error: ALP305
        loop.call_soon(lambda: loop.create_task(self.expire()))  # starts a task: fine

    async def test_done_callbacks(self, broker):
        future = asyncio.get_running_loop().create_future()
        future.add_done_callback(notify_admins)  # error: ALP305
        future.add_done_callback(log_result)  # a plain function
        future.add_done_callback(traced_notify)  # a decorator may have made it sync
        future.add_done_callback(lambda f: notify_admins(f))  # error: ALP305
        future.add_done_callback(lambda f: asyncio.ensure_future(notify_admins(f)))  # starts a task: fine
        future.set_result("done")


async def test_mocks_as_callbacks(broker):
    on_done = AsyncMock()
    on_plain = Mock()
    job = asyncio.ensure_future(broker.ping())
    job.add_done_callback(on_done)  # error: ALP305
    job.add_done_callback(on_plain)  # a sync mock returns a plain value
    await job


async def test_shutdown_hooks(broker):
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, broker.close_now)  # not known to be async
    loop.call_soon(asyncio.sleep, 0)  # error: ALP305
    await loop.run_in_executor(None, notify_admins, None)  # error: ALP305

    async def drain():
        await broker.drain()

    loop.add_signal_handler(signal.SIGINT, drain)  # error: ALP305
    atexit.register(drain)  # error: ALP305
    signal.signal(signal.SIGUSR1, lambda signum, frame: drain())  # error: ALP305


async def test_shadowed_names(broker, notify_admins):
    # The parameter (a fixture, a plain mock here) hides the module's async def.
    job = asyncio.ensure_future(broker.ping())
    job.add_done_callback(notify_admins)

    def drain():
        return broker.drain_now()

    # A local sync def of the same name as an async method elsewhere.
    asyncio.get_running_loop().call_soon(drain)
    await job


def test_server_in_thread():  # error: ALP403
    # run_server is imported: what it is cannot be seen from here.
    loop = asyncio.new_event_loop()
    loop.call_soon(run_server)
    loop.close()


# -- don't crash ---------------------------------------------------------------------------

weird_lambda = lambda: (yield)  # noqa: E731
asyncio.create_task  # a reference, not a call


async def test_odd_shapes(broker, *args, **kwargs):
    asyncio.create_task()
    asyncio.ensure_future()
    loop = asyncio.get_running_loop()
    loop.call_soon()
    loop.call_later(1)
    loop.call_soon(*args)
    loop.call_later(*args, notify_admins)
    (held := asyncio.create_task(broker.ping()))
    await held
    a, b = asyncio.create_task(broker.ping()), asyncio.create_task(broker.pong())
    await asyncio.gather(a, b)
    broker.tasks[0] = asyncio.create_task(broker.ping())
    [asyncio.create_task(broker.ping()) for _ in range(2)]
    loop.call_soon(lambda *a, **k: None)
    loop.call_soon(functools.partial())
    loop.call_soon((lambda: notify_admins)())
    (lambda: asyncio.create_task(broker.ping()))()


@pytest_asyncio.fixture
async def odd_fixture(broker):
    nested = asyncio.create_task(broker.ping())  # error: ALP303

    def helper():
        yield nested.get_name()

    got = yield broker
    async for _ in broker.stream():
        pass


@pytest_asyncio.fixture
async def fixture_with_yield_in_loop(broker):
    looped = asyncio.create_task(broker.ping())  # error: ALP303
    for _ in range(1):
        yield broker
