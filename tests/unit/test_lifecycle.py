"""A petition's dates: signing refused before it opens and after it closes; withdrawal works."""

from __future__ import annotations

from datetime import timedelta

from core.bot import PetitionBot
from core.config import CampaignConfig
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import Chat, Clock, campaign


def dated(clock: Clock, **dates: object) -> CampaignConfig:
    base = campaign()
    petitions = tuple(p.model_copy(update=dates) for p in base.petitions)
    return base.model_copy(update={"petitions": petitions})


async def test_signing_is_refused_before_the_petition_opens_and_keeps_nothing() -> None:
    clock = Clock()
    store = MemoryStore()
    bot = PetitionBot(dated(clock, opens_at=clock.now + timedelta(days=1)), store, clock=clock)
    chat = Chat(bot)
    await chat.send("/sign")
    assert "opens for signatures on" in chat.last
    assert store.conversations == {}
    await chat.send("/petitions")
    assert "not open yet" in chat.last


async def test_a_petition_that_closes_mid_signing_refuses_and_withdrawal_still_works() -> None:
    clock = Clock()
    store = MemoryStore()
    closes = clock.now + timedelta(hours=1)
    bot = PetitionBot(dated(clock, closes_at=closes), store, clock=clock)
    early, late = Chat(bot, "1"), Chat(bot, "2")
    await early.sign("Jane Doe", "jane@example.org")
    await late.send("/sign")
    await late.press("Yes, I want")
    await late.send("Joe Late")
    clock.advance(hours=2)
    await late.send("joe@example.org")
    await late.send("12345")
    await late.press("Yes, keep")
    await late.press("✅ Sign")
    assert "is closed" in late.last and "1 signature" in late.last
    assert store.conversations == {}
    await early.send("/withdraw")
    await early.press("Yes, withdraw")
    assert await store.count(campaign().default_petition.slug) == 0
    await late.send("/sign")
    assert "is closed" in late.last and "0 signatures" in late.last
