"""A broadcast's length limit is the campaign's setting, the same in a chat and the CLI."""

from __future__ import annotations

from core.bot import PetitionBot
from core.config import CampaignConfig
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import Chat, Clock, campaign

ORGANIZER = "telegram:9"


def limited(max_length: int) -> CampaignConfig:
    base = campaign(organizers=frozenset({ORGANIZER}))
    broadcasts = base.broadcasts.model_copy(update={"max_length": max_length})
    return base.model_copy(update={"broadcasts": broadcasts})


async def test_a_broadcast_over_the_configured_length_is_refused_and_nothing_is_stored() -> None:
    store = MemoryStore()
    organizer = Chat(PetitionBot(limited(100), store, clock=Clock()), "9")
    await organizer.send("/broadcast dont-run-joe " + "x" * 101)
    assert "at most 100 characters (yours has 101)" in organizer.last
    await organizer.send("/broadcast")
    assert "up to 100 characters" in organizer.last  # the configured limit, not a default
    await organizer.send("y" * 101)
    assert "at most 100 characters (yours has 101)" in organizer.last
    assert await store.recent_broadcasts(5) == []
    # The draft waits at its step: a shorter text carries on without a new /broadcast.
    await organizer.send("y" * 100)
    assert "Who should get it?" in organizer.last


async def test_a_broadcast_of_exactly_the_length_is_previewed() -> None:
    store = MemoryStore()
    organizer = Chat(PetitionBot(limited(100), store, clock=Clock()), "9")
    await organizer.send("/broadcast dont-run-joe " + "x" * 100)
    assert "Recipients: 0" in organizer.last
    [draft] = await store.recent_broadcasts(5)
    assert draft.text == "x" * 100
