"""`Lifecycles`: the one place that says whether a petition takes signatures now.

A petition's configured dates come first (not open yet, closed); within them an organizer's
`/pause` (kept in the store, so every process sees it) stops signing until `/resume`.
Pausing and resuming are audited (``petition_paused``, ``petition_resumed``).

Every step of a signing asks, so the pauses are read at most once a second per process
(`PAUSES_FRESH_FOR`); the moment a signature is stored asks the store afresh (``fresh``), so
a pause made in any process holds from the moment it is made for what counts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterable
from datetime import datetime

from core.config import PetitionConfig, PetitionLifecycle
from core.models import AuditEntry
from core.store import Store

log = logging.getLogger(__name__)

PAUSES_FRESH_FOR = 1.0  # seconds a read of the pauses answers the steps of a signing


class Lifecycles:
    """Reads and changes where petitions are in their life."""

    def __init__(self, store: Store, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._monotonic = monotonic
        self._read: tuple[float, Collection[str]] | None = None

    async def of(
        self, petition: PetitionConfig, now: datetime, *, fresh: bool = False
    ) -> PetitionLifecycle:
        """Where ``petition`` is at ``now``; only `OPEN` takes signatures. ``fresh`` reads
        the pauses from the store whatever was read a moment ago."""
        return (await self.all([petition], now, fresh=fresh))[petition.slug]

    async def all(
        self, petitions: Iterable[PetitionConfig], now: datetime, *, fresh: bool = False
    ) -> dict[str, PetitionLifecycle]:
        """Where each petition is at ``now``, by slug, with one read of the pauses."""
        paused = await self._paused(fresh)
        return {p.slug: _combined(p.lifecycle_at(now), p.slug in paused) for p in petitions}

    async def _paused(self, fresh: bool) -> Collection[str]:
        moment = self._monotonic()
        if fresh or self._read is None or moment - self._read[0] > PAUSES_FRESH_FOR:
            self._read = (moment, await self._store.paused_petitions())
        return self._read[1]

    async def pause(self, petition: PetitionConfig, actor: str, now: datetime) -> bool:
        """Stop signing on ``petition``, audited; ``False`` when it was paused already."""
        return await self._set(petition, True, actor, now)

    async def resume(self, petition: PetitionConfig, actor: str, now: datetime) -> bool:
        """Let ``petition`` take signatures again, audited; ``False`` when it was not paused."""
        return await self._set(petition, False, actor, now)

    async def _set(self, petition: PetitionConfig, paused: bool, actor: str, now: datetime) -> bool:
        self._read = None  # this process sees its own change at once
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
