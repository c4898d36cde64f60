"""The broadcast half of the store port: audiences, deliveries and opt-outs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Protocol

from core.broadcasts.models import (
    Broadcast,
    Delivery,
    DeliveryOutcome,
    DeliveryRecord,
    Totals,
    UnreachableMark,
)


class BroadcastStore(Protocol):
    """What broadcasts need from storage; every method is one atomic step."""

    async def audience_counts(self, petition: str | None) -> dict[str, int]:
        """Opted-in, active, reachable people per platform (each person once)."""
        ...

    async def create_broadcast(
        self,
        petition: str | None,
        text: str,
        author: str,
        origin: tuple[str, str],
        at: datetime,
        language: str = "en",
    ) -> Broadcast:
        """Store a draft; ``origin`` is the (platform, chat id) progress is reported to, in
        the author's ``language``."""
        ...

    async def get_broadcast(self, broadcast_id: int) -> Broadcast | None: ...

    async def set_broadcast_translation(self, broadcast_id: int, language: str, text: str) -> bool:
        """Store (replace) a draft's text in ``language``; ``False`` when it is no draft."""
        ...

    async def confirm_broadcast(
        self, broadcast_id: int, channels: list[tuple[str, str]], at: datetime
    ) -> Broadcast | None:
        """Draft → sending, storing one delivery per recipient and announcement channel.

        Returns ``None`` when the broadcast was not a draft (Confirm pressed twice).
        """
        ...

    async def cancel_broadcast(self, broadcast_id: int, at: datetime) -> bool:
        """Stop a draft or a broadcast in progress; deliveries not yet sent are cancelled."""
        ...

    async def set_progress_message(self, broadcast_id: int, message_id: str) -> None: ...

    async def recent_broadcasts(self, limit: int) -> list[Broadcast]: ...

    async def sending_broadcasts(self) -> list[Broadcast]:
        """Broadcasts confirmed and not yet finished, oldest first."""
        ...

    def confirmations(self) -> AsyncIterator[int]:
        """The ids of broadcasts confirmed from now on by any process sharing the store, as
        they commit; a store only one process uses ends at once (its own confirmations
        wake its dispatchers directly)."""
        ...

    async def claim_deliveries(
        self, broadcast_id: int, platform: str, limit: int
    ) -> list[Delivery]:
        """Mark the next pending deliveries in flight and return them.

        People who opted out or withdrew since the broadcast was confirmed are marked
        skipped instead, so an opt-out takes effect for broadcasts already in progress.
        """
        ...

    async def record_outcomes(self, outcomes: list[DeliveryOutcome], at: datetime) -> None:
        """Write final delivery states; unreachable people are remembered for later."""
        ...

    async def release_deliveries(self, delivery_ids: list[int]) -> int:
        """Deliveries claimed but never sent (the worker stopped) go back to pending, or to
        cancelled if their broadcast was cancelled meanwhile; returns how many were in flight."""
        ...

    async def abandon_in_flight(self, platform: str) -> int:
        """After a crash: deliveries left in flight become unknown and are never resent."""
        ...

    async def totals(self, broadcast_id: int) -> Totals: ...

    async def finish_broadcast(self, broadcast_id: int, at: datetime) -> bool:
        """Sending → done once no delivery is open; ``True`` if this call finished it."""
        ...

    async def broadcasts_to_report(self, origin_platform: str) -> list[Broadcast]:
        """Broadcasts begun on this platform that are sending or still owe their summary."""
        ...

    async def mark_reported(self, broadcast_id: int, at: datetime) -> bool:
        """Claim the final summary of a finished broadcast; ``True`` for exactly one caller."""
        ...

    async def deliveries_to(self, platform: str, user_id: str) -> list[DeliveryRecord]:
        """Every broadcast delivery to this person (not to channels), oldest first."""
        ...

    async def unreachable_mark(self, platform: str, user_id: str) -> UnreachableMark | None:
        """Why and since when this person is known to be unreachable, if they are."""
        ...

    async def broadcasts_by(self, author: str) -> list[Broadcast]:
        """The broadcasts an organizer (``platform:user_id``) wrote, drafts included."""
        ...

    async def set_updates(
        self, platform: str, user_id: str, petition: str | None, opted_in: bool, at: datetime
    ) -> int:
        """Record a change of mind about updates; returns how many signatures it changed."""
        ...
