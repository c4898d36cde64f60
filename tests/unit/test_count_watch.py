"""`CountWatch`: one reader per petition for every viewer; a slow viewer gets the newest count."""

from __future__ import annotations

import asyncio

from core.count_watch import CountWatch


class Counter:
    """A counter the test sets; each read waits for the test to hand out the next value."""

    def __init__(self) -> None:
        self.values: asyncio.Queue[int] = asyncio.Queue()
        self.reads = 0

    async def read(self) -> int:
        value = await self.values.get()
        self.reads += 1
        return value


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_viewers_share_one_reader_and_a_slow_one_gets_the_newest_count() -> None:
    watch, counter = CountWatch(interval=0), Counter()
    async with (
        watch.subscribe("p", counter.read) as fast,
        watch.subscribe("p", counter.read) as slow,
    ):
        assert watch.viewers("p") == 2
        await counter.values.put(5)
        assert await fast.get() == 5
        for value in (6, 7):
            await counter.values.put(value)
            await settle()
            assert await fast.get() == value
        assert await slow.get() == 7  # 5 and 6 were replaced by newer counts
        assert counter.reads == 3  # one read per value, not one per viewer
        await counter.values.put(7)
        await settle()
        assert fast.empty()  # an unchanged count sends nothing
    assert watch.viewers("p") == 0


async def test_a_late_viewer_starts_from_the_current_count() -> None:
    watch, counter = CountWatch(interval=0), Counter()
    async with watch.subscribe("p", counter.read) as first:
        await counter.values.put(3)
        assert await first.get() == 3
        async with watch.subscribe("p", counter.read) as late:
            assert late.get_nowait() == 3
