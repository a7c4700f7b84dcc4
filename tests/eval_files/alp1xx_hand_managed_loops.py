"""Tests for a small job-queue client, written the way suites from before asyncio.run were."""

import asyncio
import sys
import threading
from asyncio import get_event_loop
from asyncio import run as run_coroutine

import pytest
import pytest_asyncio

from jobs import Client, JobQueue, make_pool

# Collection imports this module long before any test runs, on no particular loop.
LOOP = asyncio.get_event_loop()  # error: ALP106
POOL = LOOP.run_until_complete(make_pool())  # error: ALP106
# A reference to the factory runs nothing on import.
LOOP_FACTORY = asyncio.new_event_loop


class TestQueueDefaults:
    SHARED_LOOP = asyncio.new_event_loop()  # error: ALP106
    # A lambda in a class body runs only when called, and makes no loop of its own.
    make_queue = staticmethod(lambda: JobQueue(maxsize=1))

    def test_defaults(self):
        assert JobQueue().maxsize == 0


@pytest_asyncio.fixture
async def client():
    loop = asyncio.new_event_loop()  # error: ALP102
    asyncio.set_event_loop(loop)  # error: ALP102
    connection = Client()
    yield connection
    await connection.aclose()


@pytest.mark.asyncio
async def test_submit(client):
    queue = asyncio.Queue(loop=asyncio.get_event_loop())  # error: ALP107, ALP104
    await client.submit(queue, "job-1")
    assert await asyncio.wait_for(queue.get(), timeout=1) == "job-1"


@pytest.mark.asyncio
async def test_result(client):
    result = asyncio.get_event_loop().run_until_complete(client.result("job-1"))  # error: ALP104, ALP103
    assert result == "done"


@pytest.mark.asyncio
async def test_status(client):
    # get_running_loop() is the right way for a coroutine to reach its loop.
    loop = asyncio.get_running_loop()
    assert loop.run_until_complete(client.status()) == "idle"  # error: ALP103
    assert run_coroutine(client.status()) == "idle"  # error: ALP103


@pytest.mark.asyncio
async def test_deadline(client):
    deadline = get_event_loop().time() + 5  # error: ALP104
    assert await client.before(deadline)


@pytest.mark.asyncio
async def test_blocking_fetch(client):
    def fetch_in_worker():
        # A sync def nested in a coroutine runs in the worker thread, where no loop runs.
        return asyncio.run(client.fetch("job-1"))

    assert await asyncio.to_thread(fetch_in_worker) == "done"


@pytest.mark.asyncio
async def test_threadsafe_submit(client):
    # A loop run by another thread is what new_event_loop() is for.
    worker_loop = asyncio.new_event_loop()
    thread = threading.Thread(target=worker_loop.run_forever, daemon=True)
    thread.start()
    future = asyncio.run_coroutine_threadsafe(client.ping(), worker_loop)
    assert future.result(timeout=1) == "pong"
    worker_loop.call_soon_threadsafe(worker_loop.stop)
    thread.join()
    worker_loop.close()


class TestWorkerLoopOnTheTest:
    @pytest.mark.asyncio
    async def test_worker_loop_kept_on_self(self, client):
        # Kept on the test and handed to a thread: followed like a name.
        self.worker_loop = asyncio.new_event_loop()
        thread = threading.Thread(target=self.worker_loop.run_forever, daemon=True)
        thread.start()
        self.worker_loop.call_soon_threadsafe(self.worker_loop.stop)
        thread.join()
        self.worker_loop.close()

    @pytest.mark.asyncio
    async def test_loop_kept_on_self_and_run(self, client):
        self.loop = asyncio.new_event_loop()  # error: ALP102
        self.loop.run_until_complete(client.ping())  # error: ALP103


@pytest.mark.asyncio
async def test_client_refuses_a_foreign_loop(client):
    # Given to another object to stand for a foreign loop, as an argument would be.
    client.bound_loop = asyncio.new_event_loop()
    try:
        assert not client.on_its_own_loop()
    finally:
        client.bound_loop.close()


@pytest.mark.asyncio
async def test_keeps_loop_arguments(client):
    # ensure_future() still takes a loop; only the high-level helpers dropped it.
    task = asyncio.ensure_future(client.ping(), loop=asyncio.get_running_loop())
    assert await task == "pong"
    await asyncio.sleep(0, loop=None)  # error: ALP107


def drain(queue):
    """The module's old helper for emptying a queue from sync tests."""
    # A helper may be called from async tests, where this works: ALP105 leaves helpers alone.
    loop = asyncio.get_event_loop()
    return loop.run_until_complete(queue.join())


def test_loop_time_is_monotonic():
    loop = get_event_loop()  # error: ALP105
    assert loop.time() <= loop.time()


def current_loop_or_none():
    # The missing loop is expected and handled.
    try:
        return asyncio.get_event_loop()
    except RuntimeError:
        return None


def make_lock(loop):
    # Version-guarded code for Pythons that still accepted loop=.
    if sys.version_info < (3, 10):
        return asyncio.Lock(loop=loop)
    return asyncio.Lock()


def test_with_loop_fixture(loop):
    # A loop fixture (pytest-aiohttp's `loop`) installs the loop the test asks for.
    assert asyncio.get_event_loop() is loop


# Known blind spot: a receiver not named like a loop is not assumed to be one, even though
# only event loops have run_until_complete().
@pytest.mark.asyncio
async def test_scheduler(client, scheduler):
    scheduler.run_until_complete(client.ping())


# Nothing below may crash the rules.
async def odd_shapes(loop, args, options):
    asyncio.run(*args)  # error: ALP103
    loop.run_until_complete()  # error: ALP103
    getattr(asyncio, "run")(options)
    asyncio.Queue(**options)
    (lambda: asyncio.get_event_loop())()


@pytest.mark.asyncio
async def test_rebinds_its_loop_before_closing(client):
    # The name is rebound before close(): the loop made here is never closed.
    loop = asyncio.new_event_loop()  # error: ALP102
    loop = asyncio.get_running_loop()
    assert loop.is_running()


@pytest.mark.asyncio
async def test_forgets_its_loop_after_closing(client):
    foreign = asyncio.new_event_loop()
    assert not foreign.is_running()
    foreign.close()
    foreign = None
    assert foreign is None
