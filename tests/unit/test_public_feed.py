"""The public feed says where a petition is in its life, and counts confirmed signatures only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.public_feed import PublicFeed
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import campaign

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


async def test_the_status_follows_the_configured_dates() -> None:
    base = campaign()
    petition = base.petitions[0]
    feed = PublicFeed(base, MemoryStore())
    assert (await feed.snapshot(petition, NOW)).status == "open"
    later = petition.model_copy(update={"opens_at": NOW + timedelta(days=1)})
    assert (await feed.snapshot(later, NOW)).status == "not_open"
    over = petition.model_copy(update={"closes_at": NOW - timedelta(seconds=1)})
    assert (await feed.snapshot(over, NOW)).status == "closed"
