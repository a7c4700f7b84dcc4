import asyncio

import pytest

from inventory import Inventory, OutOfStock, restock


@pytest.mark.asyncio
async def test_add_then_count():
    inventory = Inventory()
    await inventory.add("apple", 3)
    assert await inventory.count("apple") == 3


@pytest.mark.asyncio
async def test_restock_from_queue():
    inventory = Inventory()
    deliveries = asyncio.Queue()
    worker = asyncio.get_running_loop().create_task(restock(inventory, deliveries))
    await deliveries.put(("pear", 2))
    await deliveries.join()
    worker.cancel()
    assert await inventory.count("pear") == 2


@pytest.mark.asyncio(loop_scope="module")
async def test_take_more_than_stocked():
    event_loop = asyncio.get_running_loop()
    inventory = Inventory()
    await inventory.add("fig")
    with pytest.raises(OutOfStock):
        await inventory.take("fig", 2)


def test_sync_smoke():
    inventory = Inventory()
    asyncio.run(inventory.add("kiwi"))
    assert asyncio.run(inventory.count("kiwi")) == 1


@pytest.mark.asyncio
async def test_take_everything():
    inventory = Inventory()
    await inventory.add("plum", 2)
    await inventory.take("plum", 2)
    assert await inventory.count("plum") == 0
