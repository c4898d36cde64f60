"""Burst alerts on one PostgreSQL database shared by several processes: whichever sees the
crossing first records the alert, the others record nothing, and each moderator's delivery is
taken by exactly one of the processes serving the platform."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from core.alerts.store import BurstAlert, Dimension
from storage import PostgresStore

NOW = datetime(2026, 12, 7, 12, 30, tzinfo=UTC)
MODERATORS = [("telegram", str(700 + i)) for i in range(30)]


def alert() -> BurstAlert:
    return BurstAlert(
        petition="p",
        dimension=Dimension.EMAIL_DOMAIN,
        value="example.org",
        window_start=NOW.replace(minute=0),
        count=201,
        at=NOW,
    )


async def test_one_process_records_the_alert_and_each_delivery_is_taken_once(
    database: str,
) -> None:
    stores = [await PostgresStore.open(database, pool_size=4) for _ in range(4)]
    try:
        recorded = await asyncio.gather(
            *(s.record_burst_alert(alert(), MODERATORS) for s in stores for _ in range(3))
        )
        assert sorted(recorded) == [False] * 11 + [True]
        taken = await asyncio.gather(
            *(s.take_alert_deliveries("telegram", 4, NOW) for s in stores for _ in range(3))
        )
        users = [d.user_id for batch in taken for d in batch]
        assert sorted(users) == sorted(user for _, user in MODERATORS)  # each once, 30 of 48
    finally:
        for store in stores:
            await store.close()
