"""Commands for organizers: the signatures as a file (and, later, broadcasts)."""

from __future__ import annotations

from core.commands.base import Handler, Services, petition_from_args
from core.exports import MIME_TYPES, ExportFormat, export_filename
from core.messages import Attachment, Outbound
from core.turn import Turn


class OrganizerCommands:
    """Handlers for the organizer commands; the dispatcher checks the role before calling."""

    def __init__(self, services: Services) -> None:
        self._s = services

    @property
    def handlers(self) -> dict[str, Handler]:
        return {"export": self.export}

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
        return [
            turn.say(
                "export_ready", petition, file=file, private=True, title=petition.title, rows=rows
            )
        ]
