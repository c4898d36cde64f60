"""A delivery worker stopped mid-batch: what it sent is recorded, the rest is sent later."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.broadcasts.announcement import Announcements
from core.broadcasts.models import Broadcast, DeliveryState
from core.broadcasts.pacing import Pacer
from core.broadcasts.worker import DeliveryWorker
from core.catalog import Catalog
from storage import SqliteStore
from tests.contract.test_store_contract import signature
from tests.fakes.fake_sender import FakeSender
from tests.unit.chat import campaign

PEOPLE = 40
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "stop.db")
    yield opened
    await opened.close()


async def confirmed_broadcast(store: SqliteStore) -> Broadcast:
    for user in range(PEOPLE):
        new = signature(str(user), f"s{user}@example.org", petition="dont-run-joe")
        await store.add_signature(new.model_copy(update={"opted_in": True}))
    draft = await store.create_broadcast(None, "News!", "telegram:9", ("telegram", "9"), NOW)
    broadcast = await store.confirm_broadcast(draft.id, [], NOW)
    assert broadcast is not None and broadcast.total == PEOPLE
    return broadcast


def worker(store: SqliteStore, sender: FakeSender, rate: float | None) -> DeliveryWorker:
    announcements = Announcements(Catalog.load(), campaign())
    return DeliveryWorker(
        store, sender, Pacer(rate), announcements.message_for, lambda: NOW, concurrency=4
    )


async def until(condition, what: str) -> None:
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110 - the fake sender announces nothing
            await asyncio.sleep(0.005)


@pytest.mark.parametrize("rate", [None, 200.0], ids=["unpaced", "paced"])
async def test_a_worker_stopped_mid_batch_records_its_sends_and_hands_back_the_rest(
    store: SqliteStore, rate: float | None
) -> None:
    broadcast = await confirmed_broadcast(store)
    sender = FakeSender("telegram", delay=0.02)  # requests take a while: some are out at the stop
    first = worker(store, sender, rate)
    delivering = asyncio.create_task(first.deliver(broadcast))
    await until(lambda: len(sender.calls) >= 8, "a few sends")
    delivering.cancel()
    with pytest.raises(asyncio.CancelledError):
        await delivering

    totals = await store.totals(broadcast.id)
    sent_before = len(sender.sent)
    assert 0 < sent_before < PEOPLE
    assert totals[DeliveryState.DELIVERED] == sent_before  # requests out at the stop included
    assert totals[DeliveryState.IN_FLIGHT] == 0
    assert totals[DeliveryState.PENDING] == PEOPLE - sent_before

    restarted = worker(store, sender, rate)
    assert await restarted.recover() == 0  # nothing is left to be marked unknown
    await restarted.deliver(broadcast)
    assert Counter(s.address for s in sender.sent) == {str(u): 1 for u in range(PEOPLE)}
    assert (await store.totals(broadcast.id))[DeliveryState.DELIVERED] == PEOPLE


async def test_a_stop_during_a_retry_pause_hands_the_delivery_back(store: SqliteStore) -> None:
    broadcast = await confirmed_broadcast(store)
    sender = FakeSender("telegram", rate_limit_next=[3600.0])  # "retry after an hour"
    first = worker(store, sender, None)
    delivering = asyncio.create_task(first.deliver(broadcast))
    await until(lambda: len(sender.calls) >= 1, "the rate-limited send")
    delivering.cancel()
    with pytest.raises(asyncio.CancelledError):
        await delivering
    totals = await store.totals(broadcast.id)
    assert totals[DeliveryState.PENDING] == PEOPLE and totals.open == PEOPLE
    assert totals[DeliveryState.IN_FLIGHT] == 0
