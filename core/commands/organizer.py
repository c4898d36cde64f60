"""Commands for organizers: the signatures as a file, pausing and resuming signing.

Broadcasts are composed in core/broadcasts/composer.py."""

from __future__ import annotations

from core.commands.base import Handler, Services, petition_from_args
from core.config import PetitionLifecycle
from core.exports import MIME_TYPES, ExportFormat, export_filename
from core.messages import Attachment, Outbound
from core.turn import Turn

# What /resume says, by where the petition's dates leave it once the pause is lifted.
_RESUMED = {
    PetitionLifecycle.OPEN: "resumed",
    PetitionLifecycle.NOT_OPEN: "resumed_not_open",
    PetitionLifecycle.CLOSED: "resumed_closed",
    PetitionLifecycle.PAUSED: "resumed",  # paused again in between: not reachable in one turn
}


class OrganizerCommands:
    """Handlers for the organizer commands; the dispatcher checks the role before calling."""

    def __init__(self, services: Services) -> None:
        self._s = services

    @property
    def handlers(self) -> dict[str, Handler]:
        return {"export": self.export, "pause": self.pause, "resume": self.resume}

    async def export(self, turn: Turn) -> list[Outbound]:
        """``/export [petition]``: every active signature as a CSV file, in private, audited."""
        petition = petition_from_args(turn.campaign, turn.inbound.args)
        fmt = ExportFormat.CSV
        content, rows = await self._s.exports.as_bytes(
            petition.slug, fmt, turn.inbound.user_key, turn.now
        )
        file = Attachment(
            filename=export_filename(petition.slug, fmt, turn.now),
            content=content,
            mime_type=MIME_TYPES[fmt],
        )
        text = turn.text("export_ready", petition, title=petition.title, rows=rows)
        tallied = sum(tally.count for tally in await self._s.store.tallies(petition.slug))
        if tallied:  # counted without anyone's details: in the count, never in a file
            text += turn.text("export_tallies_note", petition, tallied=tallied)
        return [turn.reply(text, file=file, private=True)]

    async def pause(self, turn: Turn) -> list[Outbound]:
        """``/pause [petition]``: signing stops (every process, every platform) until /resume."""
        petition = petition_from_args(turn.campaign, turn.inbound.args)
        lifecycles = self._s.lifecycles
        if petition.lifecycle_at(turn.now) is PetitionLifecycle.CLOSED:
            return [turn.say("pause_closed", petition, title=petition.title)]
        changed = await lifecycles.pause(petition, turn.inbound.user_key, turn.now)
        count = await self._s.store.count(petition.slug)
        key = "paused" if changed else "pause_already"
        return [turn.say(key, petition, title=petition.title, slug=petition.slug, count=count)]

    async def resume(self, turn: Turn) -> list[Outbound]:
        """``/resume [petition]``: a paused petition takes signatures again."""
        petition = petition_from_args(turn.campaign, turn.inbound.args)
        changed = await self._s.lifecycles.resume(petition, turn.inbound.user_key, turn.now)
        if not changed:
            return [turn.say("resume_not_paused", petition, title=petition.title)]
        lifecycle = await self._s.lifecycles.of(petition, turn.now)
        return [turn.say(_RESUMED[lifecycle], petition, title=petition.title)]
