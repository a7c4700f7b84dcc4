"""A small async inventory service: the code these tests exercise."""

import asyncio


class OutOfStock(Exception):
    pass


class Inventory:
    def __init__(self):
        self._items = {}
        self._lock = asyncio.Lock()

    async def add(self, name, count=1):
        async with self._lock:
            await asyncio.sleep(0)
            self._items[name] = self._items.get(name, 0) + count

    async def take(self, name, count=1):
        async with self._lock:
            if self._items.get(name, 0) < count:
                raise OutOfStock(name)
            self._items[name] -= count

    async def count(self, name):
        return self._items.get(name, 0)


async def restock(inventory, deliveries):
    """Move deliveries from the queue into the inventory until cancelled."""
    while True:
        name, count = await deliveries.get()
        await inventory.add(name, count)
        deliveries.task_done()
