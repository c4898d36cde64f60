"""Commands for moderators: counts, statistics and the latest signers."""

from __future__ import annotations

from core.commands.base import Handler, Services, petition_from_args
from core.messages import Attachment, Outbound
from core.reports import count_report, recent_report
from core.turn import Turn

RECENT_LIMIT = 10


class ModeratorCommands:
    """Handlers for the moderator commands; the dispatcher checks the role before calling."""

    def __init__(self, services: Services) -> None:
        self._s = services

    @property
    def handlers(self) -> dict[str, Handler]:
        return {"count": self.count, "stats": self.stats, "recent": self.recent}

    async def count(self, turn: Turn) -> list[Outbound]:
        petition = petition_from_args(turn.campaign, turn.inbound.args)
        total = await self._s.store.count(petition.slug)
        pending = await self._s.store.pending_count(petition.slug)
        report = count_report(self._s.catalog, petition, total, turn.inbound.language, pending)
        return [turn.reply(report)]

    async def stats(self, turn: Turn) -> list[Outbound]:
        """The figures as text, then the chart of signatures per day and the running total."""
        petition = petition_from_args(turn.campaign, turn.inbound.args)
        language, today = turn.inbound.language, turn.now.date()
        report = await self._s.figures.stats(petition, today, language)
        png = await self._s.figures.chart(petition, today, language)
        chart = Attachment(
            filename=f"{petition.slug}-signatures.png", content=png, mime_type="image/png"
        )
        caption = turn.say("chart_caption", petition, file=chart, title=petition.title)
        return [turn.reply(report), caption]

    async def recent(self, turn: Turn) -> list[Outbound]:
        petition = petition_from_args(turn.campaign, turn.inbound.args)
        recent = await self._s.store.recent(petition.slug, RECENT_LIMIT)
        report = recent_report(self._s.catalog, petition, recent, turn.inbound.language)
        return [turn.reply(report)]
