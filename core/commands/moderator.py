"""Commands for moderators: counts, statistics and the latest signers."""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from core.chart import signatures_chart
from core.commands.base import Handler, Services, petition_from_args
from core.config import PetitionConfig
from core.messages import Attachment, Outbound
from core.models import DayCount
from core.reports import count_report, recent_report, stats_report
from core.turn import Turn

RECENT_LIMIT = 10
STATS_DAYS = 7
CHART_CACHE = 8


class ModeratorCommands:
    """Handlers for the moderator commands; the dispatcher checks the role before calling."""

    def __init__(self, services: Services) -> None:
        self._s = services
        # The last charts drawn, by the exact data they show: drawing takes ~130 ms, and a
        # group's moderators often ask for /stats again before anyone new has signed.
        self._charts: OrderedDict[tuple[object, ...], bytes] = OrderedDict()

    @property
    def handlers(self) -> dict[str, Handler]:
        return {"count": self.count, "stats": self.stats, "recent": self.recent}

    async def count(self, turn: Turn) -> list[Outbound]:
        petition = petition_from_args(self._s.campaign, turn.inbound.args)
        total = await self._s.store.count(petition.slug)
        return [turn.reply(count_report(self._s.catalog, petition, total, turn.inbound.language))]

    async def stats(self, turn: Turn) -> list[Outbound]:
        """The figures as text, then the chart of signatures per day and the running total."""
        petition = petition_from_args(self._s.campaign, turn.inbound.args)
        stats = await self._s.store.stats(petition.slug, turn.now.date(), STATS_DAYS)
        report = stats_report(self._s.catalog, petition, stats, turn.inbound.language)
        daily = await self._s.store.daily_counts(petition.slug)
        png = await self._chart(petition, tuple(daily), turn)
        chart = Attachment(
            filename=f"{petition.slug}-signatures.png", content=png, mime_type="image/png"
        )
        caption = turn.say("chart_caption", petition, file=chart, title=petition.title)
        return [turn.reply(report), caption]

    async def _chart(
        self, petition: PetitionConfig, daily: tuple[DayCount, ...], turn: Turn
    ) -> bytes:
        key = (petition.slug, daily, turn.now.date(), turn.inbound.language)
        if key in self._charts:
            self._charts.move_to_end(key)
            return self._charts[key]
        png = await asyncio.to_thread(  # drawing takes a moment: keep other chats answered
            signatures_chart,
            petition,
            list(daily),
            turn.now.date(),
            catalog=self._s.catalog,
            language=turn.inbound.language,
        )
        self._charts[key] = png
        if len(self._charts) > CHART_CACHE:
            self._charts.popitem(last=False)
        return png

    async def recent(self, turn: Turn) -> list[Outbound]:
        petition = petition_from_args(self._s.campaign, turn.inbound.args)
        recent = await self._s.store.recent(petition.slug, RECENT_LIMIT)
        report = recent_report(self._s.catalog, petition, recent, turn.inbound.language)
        return [turn.reply(report)]
