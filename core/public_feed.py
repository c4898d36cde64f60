"""`PublicFeed`: what anyone may see of a petition (the count feed, the widget, the poster).

Only numbers and the petition's own words: never a name, an address or whether someone
signed. Counts come from the store's counters, so a read costs the same for any petition size.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from core.config import CampaignConfig, PetitionConfig
from core.lifecycle import Lifecycles
from core.store import Store

# Round numbers a campaign announces on the way to its goal, as fractions of the goal.
MILESTONE_FRACTIONS = (0.1, 0.25, 0.5, 0.75, 1.0)

Status = Literal["not_open", "open", "paused", "closed"]

# What a public page says instead of "sign" when a petition takes no signatures now.
STATUS_NOTES: dict[str, str] = {
    "not_open": "pitch_not_open",
    "paused": "pitch_paused",
    "closed": "pitch_closed",
}


class PublicCount(BaseModel):
    """One petition as the public count feed shows it."""

    model_config = ConfigDict(frozen=True)

    slug: str
    title: str
    status: Status
    count: int
    goal: int
    percent: float
    next_milestone: int | None
    last_24_hours: int  # signed in the 24 hours before updated_at, still active
    today: int  # since midnight UTC
    yesterday: int  # the whole UTC day before
    updated_at: datetime


class CountUpdate(BaseModel):
    """The little a live update carries: the new count and what follows from the goal."""

    model_config = ConfigDict(frozen=True)

    slug: str
    count: int
    goal: int
    percent: float
    next_milestone: int | None


def percent(count: int, goal: int) -> float:
    """Progress to the goal, one decimal, never past 100 (a bar can't be fuller)."""
    return min(100.0, round(100 * count / goal, 1))


def next_milestone(count: int, goal: int) -> int | None:
    """The next round figure to announce, or ``None`` once the goal is reached."""
    for fraction in MILESTONE_FRACTIONS:
        target = round(goal * fraction)
        if target > count:
            return target
    return None


def count_update(petition: PetitionConfig, count: int) -> CountUpdate:
    """A live update for ``count`` signatures (computed, no store read)."""
    return CountUpdate(
        slug=petition.slug,
        count=count,
        goal=petition.goal,
        percent=percent(count, petition.goal),
        next_milestone=next_milestone(count, petition.goal),
    )


class PublicFeed:
    """The public figures of every configured petition, read from one store.

    With ``max_age`` a snapshot is kept that long and requests arriving meanwhile share it
    (and share a read in progress), so a busy page costs one store read per petition per
    ``max_age`` however many visitors it has.
    """

    def __init__(
        self, campaign: CampaignConfig, store: Store, max_age: timedelta = timedelta(0)
    ) -> None:
        self.campaign = campaign
        self._store = store
        self._lifecycles = Lifecycles(store)
        self._max_age = max_age
        self._kept: dict[str, tuple[float, asyncio.Task[PublicCount]]] = {}

    def petition(self, slug: str) -> PetitionConfig | None:
        """The configured petition called ``slug`` (no default here: a URL names one)."""
        return next((p for p in self.campaign.petitions if p.slug == slug), None)

    async def count(self, petition: PetitionConfig) -> int:
        """Confirmed signatures, one counter read."""
        return await self._store.count(petition.slug)

    async def snapshot(self, petition: PetitionConfig, now: datetime) -> PublicCount:
        """The full public record of one petition at ``now`` (at most ``max_age`` old)."""
        if not self._max_age:
            return await self._read(petition, now)
        clock = time.monotonic()
        kept = self._kept.get(petition.slug)
        if (
            kept is None
            or clock - kept[0] >= self._max_age.total_seconds()
            or (kept[1].done() and kept[1].exception() is not None)
        ):
            kept = (clock, asyncio.ensure_future(self._read(petition, now)))
            self._kept[petition.slug] = kept
        return await asyncio.shield(kept[1])  # one visitor leaving cancels no one's read

    async def _read(self, petition: PetitionConfig, now: datetime) -> PublicCount:
        today: date = now.date()
        stats = await self._store.stats(petition.slug, today, 2)
        days = {d.day: d.count for d in stats.last_days}
        return PublicCount(
            slug=petition.slug,
            title=petition.title,
            # Fresh: the snapshot itself is kept for `max_age`, one read per petition then.
            status=(await self._lifecycles.of(petition, now, fresh=True)).value,
            count=stats.total,
            goal=petition.goal,
            percent=percent(stats.total, petition.goal),
            next_milestone=next_milestone(stats.total, petition.goal),
            last_24_hours=await self._store.signed_since(petition.slug, now - timedelta(hours=24)),
            today=stats.today,
            yesterday=days.get(today - timedelta(days=1), 0),
            updated_at=now,
        )

    async def pending(self, petition: PetitionConfig) -> int:
        """Signatures waiting for their email code (for operators' metrics, not the feed)."""
        return await self._store.pending_count(petition.slug)

    async def breakdown(self, petition: PetitionConfig, today: date) -> dict[str, int]:
        """Confirmed signatures by platform (for the metrics), from counters."""
        stats = await self._store.stats(petition.slug, today, 1)
        return dict(stats.by_platform)
