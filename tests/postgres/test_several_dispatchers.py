"""Several dispatcher processes share one broadcast: nobody gets it twice, even when one of
them is killed with SIGKILL in the middle of it."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from pathlib import Path

from core.broadcasts.models import BroadcastStatus, DeliveryState
from storage import PostgresStore
from tests.contract.test_store_contract import NOW, signature
from tests.postgres.processes import Worker

PEOPLE = 120


def _sent(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


async def test_a_dispatcher_killed_mid_broadcast_leaves_the_rest_to_the_survivor(
    database: str, tmp_path: Path
) -> None:
    store = await PostgresStore.open(database)
    try:
        for i in range(PEOPLE):
            await store.add_signature(signature(str(i), f"{i}@example.org", petition="p"))
        broadcast = await store.create_broadcast("p", "News!", "telegram:9", ("telegram", "9"), NOW)
        logs = [tmp_path / "first.log", tmp_path / "second.log"]
        dispatchers = [Worker(database, "dispatch", str(log)) for log in logs]
        for dispatcher in dispatchers:
            assert dispatcher.line() == "ready"
        await store.confirm_broadcast(broadcast.id, [], NOW)  # confirmed in a third process
        while len(_sent(logs[0])) < 10:  # noqa: ASYNC110 (another process's progress)
            await asyncio.sleep(0.05)
        dispatchers[0].process.send_signal(signal.SIGKILL)
        dispatchers[0].close()
        while (await store.get_broadcast(broadcast.id)).status is BroadcastStatus.SENDING:  # type: ignore[union-attr]  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        dispatchers[1].close()
        first, second = _sent(logs[0]), _sent(logs[1])
        assert first and second  # both took part
        sends = Counter(first + second)
        assert [address for address, n in sends.items() if n > 1] == []  # nobody twice
        totals = await store.totals(broadcast.id)
        assert totals.open == 0
        # Every person got it, except those the killed one had in flight: marked unknown,
        # never resent.
        assert totals[DeliveryState.DELIVERED] + totals[DeliveryState.UNKNOWN] == PEOPLE
        assert totals[DeliveryState.DELIVERED] <= len(sends) <= PEOPLE
    finally:
        await store.close()
