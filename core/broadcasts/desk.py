"""`BroadcastDesk`: the broadcast use cases every entry point calls, chat and command line.

Each is one atomic step in the store. Confirming writes the audit entry (``broadcast_confirmed``,
whoever confirms, from wherever) and wakes this process's delivery.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from core.broadcasts.deliveries import Deliveries
from core.broadcasts.models import Broadcast, Totals
from core.config import CampaignConfig, PetitionConfig
from core.errors import MessageTooLong
from core.models import AuditEntry
from core.store import Store


class BroadcastDesk:
    """Draft, confirm, cancel and follow broadcasts."""

    def __init__(self, store: Store, campaign: CampaignConfig, deliveries: Deliveries) -> None:
        self._store = store
        self._campaign = campaign
        self._deliveries = deliveries

    async def draft(
        self,
        petition: PetitionConfig | None,
        text: str,
        author: str,
        origin: tuple[str, str],
        now: datetime,
        translations: Mapping[str, str] | None = None,
        language: str = "en",
    ) -> Broadcast:
        """Store a draft (nothing is sent); ``petition`` None means every petition's signers;
        ``translations`` are its text in other languages, by language; its progress and
        summary are written in the author's ``language``.

        Raises `MessageTooLong` for an empty text or one over ``[broadcasts] max_length``.
        """
        text = self._checked(text)
        texts = {language: self._checked(t) for language, t in (translations or {}).items()}
        draft = await self._store.create_broadcast(
            petition.slug if petition else None, text, author, origin, now, language
        )
        for language, translated in texts.items():
            await self._store.set_broadcast_translation(draft.id, language, translated)
        return await self._store.get_broadcast(draft.id) or draft

    async def translate(self, broadcast_id: int, language: str, text: str) -> Broadcast | None:
        """Add (or replace) a draft's text in ``language``; ``None`` when it is no draft.

        Raises `MessageTooLong` as `draft` does.
        """
        if not await self._store.set_broadcast_translation(
            broadcast_id, language, self._checked(text)
        ):
            return None
        return await self._store.get_broadcast(broadcast_id)

    def _checked(self, text: str) -> str:
        text = text.strip()
        if not text or len(text) > self.max_length:
            raise MessageTooLong(len(text), self.max_length)
        return text

    @property
    def max_length(self) -> int:
        """The most characters a broadcast's text may have."""
        return self._campaign.broadcasts.max_length

    async def confirm(self, broadcast_id: int, actor: str, now: datetime) -> Broadcast | None:
        """Draft → sending, audited; ``None`` when it was no longer a draft (sent only once)."""
        draft = await self._store.get_broadcast(broadcast_id)
        petition = self._campaign.petition(draft.petition) if draft and draft.petition else None
        confirmed = await self._store.confirm_broadcast(
            broadcast_id, announcement_channels(self._campaign, petition), now
        )
        if confirmed is None:
            return None
        await self._store.record_audit(
            AuditEntry(
                actor=actor,
                action="broadcast_confirmed",
                petition=confirmed.petition,
                detail=f"#{confirmed.id} to {confirmed.total}",
                at=now,
            )
        )
        self._deliveries.confirmed(confirmed.id)
        return confirmed

    async def cancel(self, broadcast_id: int, now: datetime) -> bool:
        """Stop a draft or a broadcast in progress; ``False`` when there was nothing to stop."""
        if not await self._store.cancel_broadcast(broadcast_id, now):
            return False
        self._deliveries.cancelled(broadcast_id)  # stops sends already queued in this process
        return True

    async def totals(self, broadcast_id: int) -> Totals:
        """Deliveries of the broadcast by state, right now."""
        return await self._store.totals(broadcast_id)

    async def audience(self, petition: str | None) -> dict[str, int]:
        """Opted-in, active, reachable people per platform."""
        return await self._store.audience_counts(petition)

    async def finish(self, broadcast_id: int, now: datetime) -> Broadcast | None:
        """Mark it done if nothing is left open, and return it as it stands."""
        await self._store.finish_broadcast(broadcast_id, now)
        return await self._store.get_broadcast(broadcast_id)


def announcement_channels(
    campaign: CampaignConfig, petition: PetitionConfig | None
) -> list[tuple[str, str]]:
    """(platform, chat id) of the channels a broadcast is also posted to, each once."""
    petitions = [petition] if petition else list(campaign.petitions)
    entries = dict.fromkeys(entry for p in petitions for entry in p.announce_channels)
    return [(platform, chat) for platform, _, chat in (e.partition(":") for e in entries)]
