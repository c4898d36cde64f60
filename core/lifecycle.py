"""`Lifecycles`: the one place that says whether a petition takes signatures now.

A petition's configured dates come first (not open yet, closed); within them an organizer's
`/pause` (kept in the store, so every process sees it) stops signing until `/resume`.
Pausing and resuming are audited (``petition_paused``, ``petition_resumed``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from core.config import PetitionConfig, PetitionLifecycle
from core.models import AuditEntry
from core.store import Store

log = logging.getLogger(__name__)


class Lifecycles:
    """Reads and changes where petitions are in their life."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def of(self, petition: PetitionConfig, now: datetime) -> PetitionLifecycle:
        """Where ``petition`` is at ``now``; only `OPEN` takes signatures."""
        return (await self.all([petition], now))[petition.slug]

    async def all(
        self, petitions: Iterable[PetitionConfig], now: datetime
    ) -> dict[str, PetitionLifecycle]:
        """Where each petition is at ``now``, by slug, with one read of the pauses."""
        paused = await self._store.paused_petitions()
        return {p.slug: _combined(p.lifecycle_at(now), p.slug in paused) for p in petitions}

    async def pause(self, petition: PetitionConfig, actor: str, now: datetime) -> bool:
        """Stop signing on ``petition``, audited; ``False`` when it was paused already."""
        return await self._set(petition, True, actor, now)

    async def resume(self, petition: PetitionConfig, actor: str, now: datetime) -> bool:
        """Let ``petition`` take signatures again, audited; ``False`` when it was not paused."""
        return await self._set(petition, False, actor, now)

    async def _set(self, petition: PetitionConfig, paused: bool, actor: str, now: datetime) -> bool:
        if not await self._store.set_paused(petition.slug, paused, now):
            return False
        action = "petition_paused" if paused else "petition_resumed"
        await self._store.record_audit(
            AuditEntry(actor=actor, action=action, petition=petition.slug, at=now)
        )
        log.info("%s petition=%s", action, petition.slug)
        return True


def _combined(dated: PetitionLifecycle, paused: bool) -> PetitionLifecycle:
    """The dates win: a closed petition stays closed, paused or not."""
    if dated is PetitionLifecycle.OPEN and paused:
        return PetitionLifecycle.PAUSED
    return dated
