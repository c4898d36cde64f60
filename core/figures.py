"""`Figures`: the campaign's numbers as every entry point shows them, `/stats` and the CLI.

Counts and statistics come from the store's counters; the chart is drawn in a thread (about
130 ms) and the last few are kept by the exact data they show, since moderators often ask
again before anyone new has signed.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import date

from core.catalog import Catalog
from core.chart import signatures_chart
from core.config import PetitionConfig
from core.markup import Markup
from core.reports import stats_report
from core.store import Store

STATS_DAYS = 7
CHART_CACHE = 8


class Figures:
    """Statistics as text and the signatures chart, for one store and catalog."""

    def __init__(self, store: Store, catalog: Catalog) -> None:
        self._store = store
        self._catalog = catalog
        self._charts: OrderedDict[tuple[object, ...], bytes] = OrderedDict()

    async def stats(
        self, petition: PetitionConfig, today: date, language: str | None = None
    ) -> Markup:
        """Total, today, the last days, breakdowns and goal progress."""
        stats = await self._store.stats(petition.slug, today, STATS_DAYS)
        return stats_report(self._catalog, petition, stats, language)

    async def chart(
        self, petition: PetitionConfig, today: date, language: str | None = None
    ) -> bytes:
        """The PNG chart of signatures per day and the running total against the goal."""
        daily = tuple(await self._store.daily_counts(petition.slug))
        pending = await self._store.pending_count(petition.slug)
        stats = await self._store.stats(petition.slug, today, 1)
        origins = (stats.online, stats.imported, stats.tallied)
        key = (petition.slug, daily, today, language, pending, origins)
        if key in self._charts:
            self._charts.move_to_end(key)
            return self._charts[key]
        png = await asyncio.to_thread(  # drawing takes a moment: keep other chats answered
            signatures_chart,
            petition,
            list(daily),
            today,
            catalog=self._catalog,
            language=language,
            pending=pending,
            origins=origins if stats.imported or stats.tallied else None,
        )
        self._charts[key] = png
        if len(self._charts) > CHART_CACHE:
            self._charts.popitem(last=False)
        return png
