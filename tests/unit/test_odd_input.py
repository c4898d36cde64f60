"""Text no platform should send, but might: answered like any other text."""

from __future__ import annotations

from core.bot import PetitionBot
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import Chat, campaign


async def test_a_lone_surrogate_from_a_platform_is_answered_as_text() -> None:
    store = MemoryStore()
    chat = Chat(PetitionBot(campaign(), store))
    await chat.send("/sign")
    await chat.press("Yes, I want")
    await chat.send("Jane \ud83d Doe")  # what json.loads makes of a lone "\\ud83d" escape
    assert "went wrong on our side" not in chat.last
    await chat.send("hello \udcff")  # what surrogateescape makes of an undecodable byte
    assert "went wrong on our side" not in chat.last
    assert store.signatures == [] and store.conversations
