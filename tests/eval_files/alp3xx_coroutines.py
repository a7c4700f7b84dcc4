"""Tests for a small notification service: coroutines made and then lost, and their look-alikes."""

import asyncio
import contextlib
import threading
import unittest
from asyncio import sleep, wait_for
from unittest import mock
from unittest.mock import AsyncMock, MagicMock

import pytest
import pytest_asyncio

from notify import Mailer, Outbox, connect_broker, render


async def deliver(outbox, message):
    await outbox.put(message)
    return True


async def drain(outbox):
    while not outbox.empty():
        yield await outbox.get()


def render_subject(message):
    return message["subject"].upper()


async def render_subject_async(message):
    return render_subject(message)


# The module swaps the async version for the sync one: the name is no longer sure.
render_subject_async = render_subject


class NotificationService:
    def __init__(self, mailer):
        self.mailer = mailer
        self.pending = []

    async def send(self, message):
        return await self.mailer.send(message)

    async def send_all(self, messages):
        for message in messages:
            self.send(message)  # error: ALP301
        # Kept for later: the caller gathers self.pending.
        self.pending.append(self.send(messages[0]))
        receipt = self.send(messages[-1])  # error: ALP301
        return len(messages)

    def schedule(self, message):
        # A sync method cannot await; the message still never goes out.
        self.send(message)  # error: ALP301

    def close(self):
        # A sync method of the same name as nothing async: plain call.
        self.pending.clear()


class SyncMailer:
    def send(self, message):
        return message

    def send_twice(self, message):
        # This class's send is sync, whatever NotificationService's is.
        self.send(message)
        self.send(message)


@pytest_asyncio.fixture
async def outbox():
    return asyncio.Queue()


@pytest.mark.asyncio
async def test_deliver(outbox):
    deliver(outbox, {"subject": "hi"})  # error: ALP301
    assert outbox.qsize() == 1


@pytest.mark.asyncio
async def test_deliver_reports_success(outbox):
    assert deliver(outbox, {"subject": "hi"})  # error: ALP301
    assert not deliver(outbox, {"subject": ""})  # error: ALP301
    # The coroutine is awaited before its result is compared.
    assert await deliver(outbox, {"subject": "ok"}) is True


@pytest.mark.asyncio
async def test_backoff():
    sleep(0.01)  # error: ALP301
    asyncio.sleep(0.01)  # error: ALP301
    await wait_for(asyncio.sleep(0), timeout=1)
    wait_for(asyncio.sleep(0), timeout=1)  # error: ALP301


@pytest.mark.asyncio
async def test_queue_handoff():
    queue = asyncio.Queue()
    queue.put("first")  # error: ALP301
    queue.put_nowait("second")
    done = asyncio.Event()
    done.wait()  # error: ALP301
    done.set()


@pytest.mark.asyncio
async def test_mailer_mock():
    send = AsyncMock(return_value=True)
    send({"subject": "hi"})  # error: ALP301
    retry = mock.AsyncMock()
    result = retry()  # error: ALP301
    # A MagicMock call returns a MagicMock, not a coroutine.
    log = MagicMock()
    log("sent")


@pytest.mark.asyncio
async def test_fan_out(outbox):
    # Coroutines handed to gather, create_task or ensure_future run.
    batch = [deliver(outbox, {"subject": str(n)}) for n in range(3)]
    await asyncio.gather(*batch)
    task = asyncio.create_task(deliver(outbox, {"subject": "task"}))
    future = asyncio.ensure_future(deliver(outbox, {"subject": "future"}))
    await task
    await future
    # Stored and awaited later.
    later = deliver(outbox, {"subject": "later"})
    assert await later


@pytest.mark.asyncio
async def test_drain(outbox):
    # An async generator, not a coroutine: dropping it runs nothing but warns of nothing.
    drain(outbox)
    async for message in drain(outbox):
        assert message


@contextlib.asynccontextmanager
async def opened(outbox):
    yield outbox


@pytest.mark.asyncio
async def test_opened(outbox):
    # The decorator makes a context manager factory, which async with enters.
    async with opened(outbox) as box:
        assert box is outbox


@pytest.mark.asyncio
async def test_rebound_name():
    # Rebound at module level: the rule cannot know which function this is.
    render_subject_async({"subject": "a"})


@pytest.mark.asyncio
async def test_shadowing(outbox):
    def deliver(outbox, message):
        return message

    # A local sync function shadows the module's async deliver.
    deliver(outbox, {"subject": "x"})
    sleep = MagicMock()
    # A local name shadows the imported asyncio.sleep.
    sleep(1)


@pytest.mark.asyncio
async def test_lambda_and_executor(outbox):
    # The lambda returns the coroutine; whoever calls it gets it.
    make = lambda: deliver(outbox, {"subject": "lambda"})  # noqa: E731
    await make()
    loop = asyncio.get_running_loop()
    loop.run_in_executor(None, render_subject, {"subject": "x"})


def test_service_schedules_sync():
    service = NotificationService(SyncMailer())
    # The receiver is a local object, not self: not followed.
    service.send({"subject": "x"})


def test_deliver_needs_a_message():
    # Calling with bad arguments raises TypeError before any coroutine exists.
    with pytest.raises(TypeError):
        deliver()


def test_unawaited_warning(outbox):
    with pytest.warns(RuntimeWarning, match="never awaited"):
        deliver(outbox, {"subject": "dropped on purpose"})


def test_sync_drop(outbox):
    deliver(outbox, {"subject": "sync"})  # error: ALP301


@pytest.fixture
def broker():
    return asyncio.run(connect_broker("memory://"))  # error: ALP304


@pytest.fixture
def mailer():
    mailer = Mailer()
    yield mailer
    asyncio.run(mailer.aclose())  # error: ALP304


@pytest.fixture
def seeded_outbox():
    outbox = Outbox()
    # Two problems, two findings: no current loop after an async test, and the wrong loop.
    asyncio.get_event_loop().run_until_complete(outbox.seed())  # error: ALP105, ALP304
    return outbox


@pytest.fixture
def pending_delivery(outbox):
    return deliver(outbox, {"subject": "fixture"})  # error: ALP304


@pytest.fixture
def rendered():
    # The fixture's own loop runs in a thread; what it built stays usable there.
    loop = asyncio.new_event_loop()
    body = loop.run_until_complete(render("welcome"))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield body
    loop.call_soon_threadsafe(loop.stop)
    thread.join()


@pytest.fixture
def legacy_loop():
    # A fixture that hands out its loop owns it, teardown included.
    loop = asyncio.new_event_loop()
    yield loop
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


def test_render_entry_point():
    # A sync test may run a coroutine to completion for a plain result.
    assert asyncio.run(render("welcome")).startswith("Welcome")


class TestOutbox:
    def setup_method(self):
        self.outbox = asyncio.run(Outbox.open())  # error: ALP304

    def test_outbox_is_empty(self):
        count = asyncio.run(self.outbox.count())
        assert count == 0


class TestIsolated(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        # This base runs its own loop around the tests.
        self.subject = asyncio.run(render("welcome"))

    async def test_subject(self):
        assert self.subject


# Don't crash: odd shapes around coroutine calls.
def no_args():
    pass


async def nested_scopes():
    async def inner():
        return 1

    def sync_inner():
        inner()  # error: ALP301

    inner()  # error: ALP301
    (lambda: inner())()
    [inner][0]()
    getattr(NotificationService, "send")(None, {})
    return sync_inner


@pytest.mark.asyncio
async def test_server_closes():
    async def handle(reader, writer):
        writer.close()

    server = await asyncio.start_server(handle, host="127.0.0.1", port=0)
    server.close()
    server.wait_closed()  # error: ALP301
    unstarted = asyncio.start_server(handle, port=0)  # error: ALP301
    await server.wait_closed()
