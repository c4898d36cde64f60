"""Replies written outside a normal turn (slow down, something failed) follow the language
the person chose with /language, not their platform's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from core.bot import PetitionBot
from core.flood import Bucket, FloodConfig
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import Chat, campaign

TIGHT = FloodConfig(
    message_burst=Bucket(limit=3, per_seconds=3600),
    message_sustained=Bucket(limit=50, per_seconds=3600),
    signing_burst=Bucket(limit=3, per_seconds=3600),
    signing_sustained=Bucket(limit=5, per_seconds=3600),
)
SLOW_DOWN_ES = "más rápido de lo que puedo atenderlos"
FAILED_ES = "algo ha fallado por nuestra parte"


class FailingStore(MemoryStore):
    """A store whose counts fail, or whose commits fail, once told to."""

    def __init__(self) -> None:
        super().__init__()
        self.counts_fail = False
        self.commits_fail = False

    async def count(self, petition: str) -> int:
        if self.counts_fail:
            raise RuntimeError("the database went away")
        return await super().count(petition)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        async with super().transaction():
            yield
            if self.commits_fail:
                raise RuntimeError("the commit failed")


async def test_slow_down_is_in_the_chosen_language() -> None:
    bot = PetitionBot(campaign().model_copy(update={"flood": TIGHT}), MemoryStore())
    chat = Chat(bot, language="en")  # an English phone, a Spanish reader
    await chat.send("/language es")
    await chat.send("hola")
    await chat.send("hola")
    [warning] = await chat.send("hola")
    assert SLOW_DOWN_ES in warning.text.to_plain_text()


async def test_a_failed_turn_is_told_in_the_chosen_language() -> None:
    store = FailingStore()
    chat = Chat(PetitionBot(campaign(), store), language="en")
    await chat.send("/language es")
    store.counts_fail = True
    [failed] = await chat.send("/petition")
    assert FAILED_ES in failed.text.to_plain_text()


async def test_a_turn_that_could_not_be_stored_is_told_in_the_chosen_language() -> None:
    store = FailingStore()
    chat = Chat(PetitionBot(campaign(), store), language="en")
    await chat.send("/language es")
    store.commits_fail = True
    [failed] = await chat.send("/help")
    assert FAILED_ES in failed.text.to_plain_text()
