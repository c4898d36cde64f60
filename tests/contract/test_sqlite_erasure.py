"""Erased means erased on disk: after /withdraw, neither the SQLite file nor its WAL holds the
signer's email or name, though both went through the inbox, the conversation and an index.

The bytes of the files are read while the store is still open (closing it would remove the
WAL anyway): ``secure_delete`` zeroes what was overwritten in the database file, and the
checkpoint after the erase empties the WAL of the pages that held it.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from core.bot import PetitionBot
from core.messages import Inbound
from core.states import ExpiredState
from storage import SqliteStore
from tests.unit.chat import Chat, Clock, campaign

EMAIL = "wd.erase-9173@example.org"
NAME = "Quillon Erasmund"
_IDS = itertools.count(1)


class InboxChat(Chat):
    """A chat whose messages go through the inbox, as a redelivering platform's do."""

    async def _handle(self, **what: object) -> list:
        inbound = Inbound(
            platform=self.platform,
            user_id=self.user,
            chat_id=self.user,
            display_name=self.display_name,
            private=True,
            message_id=str(next(_IDS)),
            **what,
        )
        assert inbound.message_id is not None
        await self.bot.inbox.record(inbound.platform, inbound.message_id, inbound.model_dump_json())
        replies = await self.bot.handle(inbound, self.caps)
        await self.bot.inbox.settle(inbound.platform, inbound.message_id)
        self.replies.extend(replies)
        return replies


def on_disk(path: Path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def test_a_withdrawn_signers_email_is_in_neither_the_database_file_nor_the_wal(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.db"
    store = await SqliteStore.open(path)
    try:
        bot = PetitionBot(campaign(), store, clock=Clock())
        chat = InboxChat(bot, "7700551234")
        await chat.sign(NAME, EMAIL)
        assert EMAIL.encode() in on_disk(path)  # the check below can fail
        await chat.send("/withdraw")
        await chat.press("Yes, withdraw")
        await store.delete_conversation("none", "none")  # a write after the checkpoint
        raw = on_disk(path)
        assert EMAIL.encode() not in raw
        assert NAME.encode() not in raw
    finally:
        await store.close()


async def test_an_abandoned_signing_swept_leaves_no_trace_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    store = await SqliteStore.open(path)
    try:
        clock = Clock()
        bot = PetitionBot(campaign(), store, clock=clock)
        chat = Chat(bot, "7700555678")
        await chat.send("/sign")
        await chat.press("Yes, I want")
        await chat.send(NAME)
        await chat.send(EMAIL)
        assert EMAIL.encode() in on_disk(path)
        clock.advance(hours=25)  # past idle_timeout_hours, and the person never comes back
        report = await bot.retention.sweep()
        assert report.conversations == 1
        await store.delete_conversation("none", "none")
        # Only the mark of whose it was and when, so a later message is told it expired.
        assert isinstance(await store.get_conversation("telegram", "7700555678"), ExpiredState)
        assert EMAIL.encode() not in on_disk(path)
        assert NAME.encode() not in on_disk(path)
    finally:
        await store.close()
