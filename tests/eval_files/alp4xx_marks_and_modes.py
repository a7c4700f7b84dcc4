"""An order service's suite, in strict mode, half-way through a move to pytest-asyncio.

It started as unittest classes, picked up a few anyio tests along the way, and now mixes
marked and unmarked async tests. There is no pytest config, so pytest-asyncio runs in strict
mode: only marked tests and `pytest_asyncio` fixtures are its business. Findings for other
modes and projects (auto mode, anyio suites, conftest hooks) are covered by
tests/test_precision_projects.py.
"""

import asyncio
import unittest
from unittest import mock

import pytest
import pytest_asyncio

from orders.client import OrderClient
from orders.service import OrderService
from tests.helpers import async_test, run_sync


# -- fixtures -----------------------------------------------------------------------------


@pytest.fixture  # error: ALP402
async def service():
    async with OrderService() as running:
        yield running


@pytest_asyncio.fixture
async def client(service):
    async with OrderClient(service.address) as connected:
        yield connected


@pytest_asyncio.fixture
@pytest.mark.asyncio  # error: ALP409
async def stocked(client):
    await client.restock("widget", 10)
    return client


# A sync fixture is pytest's own business, whatever the mode.
@pytest.fixture
def order_payload():
    return {"sku": "widget", "quantity": 2}


# Requested only by the anyio test below: anyio's plugin sets it up.
@pytest.fixture
async def memory_stream():
    queue = asyncio.Queue()
    yield queue
    assert queue.empty()


# -- module-level tests -------------------------------------------------------------------


async def test_create_order(client, order_payload):  # error: ALP401
    order = await client.create(order_payload)
    assert order.status == "pending"


@pytest.mark.asyncio
async def test_cancel_order(client, order_payload):
    order = await client.create(order_payload)
    await client.cancel(order.id)
    assert (await client.get(order.id)).status == "cancelled"


@pytest.mark.parametrize("quantity", [1, 5])
async def test_totals(stocked, quantity):  # error: ALP401
    order = await stocked.create({"sku": "widget", "quantity": quantity})
    assert order.total == quantity * stocked.price("widget")


# The mark reaches the test through pytest.param: pytest-asyncio runs that case.
@pytest.mark.parametrize("sku", [pytest.param("widget", marks=pytest.mark.asyncio)])
async def test_lookup(client, sku):
    assert await client.lookup(sku)


@pytest.mark.asyncio  # error: ALP403
def test_order_id_format():
    assert OrderClient.format_id(7) == "ORD-0007"


@pytest.mark.asyncio
async def test_stream_updates(client):  # error: ALP404
    async for update in client.updates():
        yield update


# The yield belongs to the helper generator, not to the test.
@pytest.mark.asyncio
async def test_batches(client):
    async def batches():
        yield [1, 2]
        yield [3]

    assert [batch async for batch in batches()] == [[1, 2], [3]]


# mock.patch keeps a coroutine function a coroutine function: pytest-asyncio runs it.
@mock.patch("orders.client.RETRIES", 0)
@pytest.mark.asyncio
async def test_no_retries(client):
    with pytest.raises(ConnectionError):
        await client.create({"sku": "missing"})


# -- tests run by something other than pytest-asyncio -------------------------------------


# anyio's plugin runs tests marked for it.
@pytest.mark.anyio
async def test_stream_round_trip(memory_stream):
    await memory_stream.put("order")
    assert await memory_stream.get() == "order"


# A decorator the linter cannot see into may run the coroutine itself.
@async_test
async def test_legacy_sync_runner(client):
    assert await client.ping()


# Nor can it tell whether this one makes the test async: the mark may be right.
@pytest.mark.asyncio
@run_sync
def test_ping_wrapped(client):
    assert client.ping()


# anyio's anyio_backend fixture says that plugin runs the test. (pytest-aiohttp's
# aiohttp_client would say more: that plugin runs every coroutine test, and a module with
# such a test is left alone as a whole; see tests/test_precision_projects.py.)
async def test_http_health(anyio_backend, app):
    assert await app.health() == 200


# -- classes ------------------------------------------------------------------------------


@pytest.mark.asyncio
class TestRefunds:
    async def test_refund(self, client, order_payload):
        order = await client.create(order_payload)
        assert (await client.refund(order.id)).status == "refunded"

    def test_refund_reasons(self):  # error: ALP403
        assert "damaged" in OrderClient.REFUND_REASONS


class TestShipping:
    pytestmark = pytest.mark.usefixtures("stocked")

    async def test_ship(self, client, order_payload):  # error: ALP401
        order = await client.create(order_payload)
        assert (await client.ship(order.id)).carrier

    @pytest.mark.asyncio(loop_scope="function")
    async def test_track(self, client):
        assert await client.track("ORD-0001") is None

    # A sync test in an unmarked class is plain pytest.
    def test_carriers(self):
        assert OrderClient.CARRIERS


class LegacyOrderTest(unittest.TestCase):
    def test_status_names(self):
        self.assertIn("pending", OrderClient.STATUSES)

    async def test_create(self):  # error: ALP405
        async with OrderService() as running:
            self.assertTrue(running.address)

    # async_test runs the coroutine in a sync wrapper: unittest then calls a sync method.
    @async_test
    async def test_create_wrapped(self):
        async with OrderService() as running:
            self.assertTrue(running.address)


# IsolatedAsyncioTestCase awaits its coroutine tests itself.
class OrderFlowTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.service = await OrderService().start()

    async def test_flow(self):
        client = OrderClient(self.service.address)
        self.assertEqual(await client.ping(), "pong")


# -- helpers the rules must leave alone ---------------------------------------------------


# Not a test: pytest collects only test* functions.
async def create_orders(client, count):
    return [await client.create({"sku": "widget"}) for _ in range(count)]


# A class pytest does not collect (no Test prefix, no TestCase base).
class OrderFactory:
    async def test_like_helper(self):
        return await asyncio.sleep(0)


# -- don't crash ---------------------------------------------------------------------------


pytestmark_holder = [pytest.mark.asyncio]


@pytest.mark.asyncio
async def test_empty():
    pass


async def test_lambda_only():  # error: ALP401
    assert (lambda: 1)() == 1
