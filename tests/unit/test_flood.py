"""Flood limits: one polite "slow down", then silence that never reaches the store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from core.bot import PetitionBot
from core.flood import Bucket, FloodConfig
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import Chat, campaign

# Room comes back at 10 an hour: nothing leaks back while the test runs, however slow.
LIMITS = FloodConfig(
    message_burst=Bucket(limit=10, per_seconds=3600),
    message_sustained=Bucket(limit=50, per_seconds=3600),
    signing_burst=Bucket(limit=3, per_seconds=3600),
    signing_sustained=Bucket(limit=5, per_seconds=3600),
)


class CountingStore(MemoryStore):
    """Counts the turns that reached the store."""

    def __init__(self) -> None:
        super().__init__()
        self.turns = 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        self.turns += 1
        yield


def limited_bot(store: MemoryStore) -> PetitionBot:
    return PetitionBot(campaign().model_copy(update={"flood": LIMITS}), store)


async def test_a_thousand_messages_in_a_second_get_one_warning_and_reach_the_store_ten_times() -> (
    None
):
    store = CountingStore()
    bot = limited_bot(store)
    chat = Chat(bot)
    answers = await asyncio.gather(*(chat.send("hello") for _ in range(1000)))
    said = [reply.text.to_plain_text() for replies in answers for reply in replies]
    warnings = [text for text in said if "faster than I can take them" in text]
    assert len(warnings) == 1
    assert store.turns == 10
    assert len(said) == 11  # ten answers, one warning, nothing else


async def test_signing_attempts_have_a_tighter_limit_and_other_people_are_not_slowed() -> None:
    store = CountingStore()
    bot = limited_bot(store)
    eager, other = Chat(bot, "1"), Chat(bot, "2")
    for _ in range(3):
        await eager.send("/sign")
    [warning] = await eager.send("/sign")
    assert "faster than I can take them" in warning.text.to_plain_text()
    assert await eager.send("/sign") == []
    assert await eager.send("/petitions") != []  # other messages are still within their limit
    assert await eager.send("/sign") == []  # but signing stays quiet: warned once already
    await other.sign("Jane Doe", "jane@example.org")
    assert await store.count(campaign().default_petition.slug) == 1


async def test_limits_can_be_switched_off() -> None:
    store = CountingStore()
    off = campaign().model_copy(update={"flood": FloodConfig(enabled=False)})
    chat = Chat(PetitionBot(off, store))
    for _ in range(200):
        await chat.send("hello")
    assert store.turns == 200
