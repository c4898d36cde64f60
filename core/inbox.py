"""The inbox: platform messages recorded before they are confirmed, so a crash loses none.

A platform that redelivers what was not confirmed (Telegram keeps an update until a later
``getUpdates`` offset confirms it; a webhook is retried until it gets its 200) is told
"received" only once the message is recorded here. A redelivered copy is recognised by its
id and dropped, across restarts (the ids live in the store, not in memory).

Each message is handled once: the turn that answers it marks it handled in the same commit
as everything the turn changed, together with its replies (see `PetitionBot.handle`). The
replies are sent after that commit and erased once sent ("settled"). After a crash,
messages recorded but not handled are handled, and replies stored but not sent are sent.
Files (a CSV export, a chart) are not kept for resending: the text says what was attached.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import BaseModel, ConfigDict, TypeAdapter

from core.messages import Inbound, Outbound

# Telegram keeps an unconfirmed update for 24 hours and retries a webhook for a while; a
# week of ids is far more than any redelivery needs, and the rows hold no personal data.
REMEMBER_FOR = timedelta(days=7)
PRUNE_EVERY = timedelta(hours=1)

_REPLIES = TypeAdapter(list[Outbound])


class StoredReplies(BaseModel):
    """A handled message's replies, and whom they go to, as stored until they are sent."""

    model_config = ConfigDict(frozen=True)

    reply_to: str  # the Inbound as JSON, without what the person wrote
    replies: str  # the list of Outbound as JSON, without files


class InboxStore(Protocol):
    """The part of the store the inbox needs."""

    async def record_inbound(
        self, platform: str, message_id: str, payload: str, at: datetime
    ) -> bool:
        """Store a received message; ``False`` when this id was already recorded."""
        ...

    async def mark_handled(
        self, platform: str, message_id: str, replies: StoredReplies, at: datetime
    ) -> None:
        """Record that a message was handled, with its replies (inside the turn's transaction)."""
        ...

    async def unhandled_inbound(self, platform: str) -> list[str]:
        """Payloads of messages recorded but never handled, oldest first."""
        ...

    async def unanswered(self, platform: str) -> list[tuple[str, StoredReplies]]:
        """Messages handled whose replies were not all sent, oldest first, with the replies."""
        ...

    async def settle_inbound(self, platform: str, message_id: str, at: datetime) -> None:
        """Replies sent (or nothing to answer): erase everything but the id and the times.

        May be written in the background: lost in a crash, it costs the replies being sent
        again, never a message lost."""
        ...

    async def prune_inbox(self, settled_before: datetime) -> int:
        """Forget settled messages older than ``settled_before``; returns how many."""
        ...

    async def get_cursor(self, platform: str) -> str | None:
        """Where the platform's message stream was last confirmed (a sync token), if ever."""
        ...

    async def save_cursor(self, platform: str, cursor: str, at: datetime) -> None:
        """Replace the platform's cursor, durably, once what came before it is recorded."""
        ...


def stored_replies(inbound: Inbound, replies: list[Outbound]) -> StoredReplies:
    """What to keep until the replies are sent: where they go, never what the person wrote."""
    anonymous = inbound.who.model_copy(update={"display_name": ""})
    reply_to = inbound.model_copy(
        update={"who": anonymous, "text": "", "args": (), "form": {}, "attachment": None}
    )
    kept = [reply.model_copy(update={"file": None}) for reply in replies]
    return StoredReplies(
        reply_to=reply_to.model_dump_json(), replies=_REPLIES.dump_json(kept).decode()
    )


class Inbox:
    """Records, replays and settles one platform's messages for its adapter."""

    def __init__(self, store: InboxStore, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock
        self._pruned_at: datetime | None = None

    async def record(self, platform: str, message_id: str, payload: str) -> bool:
        """Record a message before confirming it; ``False``: a redelivered copy, drop it."""
        now = self._clock()
        if self._pruned_at is None or now - self._pruned_at > PRUNE_EVERY:
            self._pruned_at = now
            await self._store.prune_inbox(now - REMEMBER_FOR)
        return await self._store.record_inbound(platform, message_id, payload, now)

    async def unhandled(self, platform: str) -> list[str]:
        """Payloads to handle again after a crash, in the order they arrived."""
        return await self._store.unhandled_inbound(platform)

    async def unanswered(self, platform: str) -> list[tuple[str, Inbound, list[Outbound]]]:
        """Replies computed before a crash but not sent: (message id, to whom, replies)."""
        return [
            (
                message_id,
                Inbound.model_validate_json(stored.reply_to),
                _REPLIES.validate_json(stored.replies),
            )
            for message_id, stored in await self._store.unanswered(platform)
        ]

    async def cursor(self, platform: str) -> str | None:
        """Where to resume a platform's message stream after a restart."""
        return await self._store.get_cursor(platform)

    async def confirm(self, platform: str, cursor: str) -> None:
        """Every message up to ``cursor`` is recorded: the stream may resume after it."""
        await self._store.save_cursor(platform, cursor, self._clock())

    async def settle(self, platform: str, message_id: str) -> None:
        """The message needs nothing more: its replies went out, or it asked for none."""
        await self._store.settle_inbound(platform, message_id, self._clock())
