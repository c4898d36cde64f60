"""``/import``: an organizer sends a CSV sheet as a file in a private chat; the same import
as ``petition-bot import``, the same report, the rows left out sent back as a CSV file."""

from __future__ import annotations

import io

from core.commands.base import Handler, Services
from core.config import CampaignConfig, PetitionConfig
from core.messages import MAX_INBOUND_FILE_BYTES, Attachment, Outbound
from core.paper.importer import ImportRefused
from core.paper.rejects import MIME_TYPE, rejects_bytes, rejects_filename
from core.paper.rows import SOURCE, ImportOptions
from core.paper.sheet import Sheet, SheetUnreadable
from core.paper.summary import import_summary
from core.turn import Turn

MAX_KB = MAX_INBOUND_FILE_BYTES // 1000


class SheetCommands:
    """The organizer's ``/import``; the dispatcher checks the role before calling."""

    def __init__(self, services: Services) -> None:
        self._s = services

    @property
    def handlers(self) -> dict[str, Handler]:
        return {"import": self.import_sheet}

    async def import_sheet(self, turn: Turn) -> list[Outbound]:
        """``/import [petition] <form version> [source]`` with the sheet attached."""
        petition, rest = _petition_and_rest(turn.campaign, turn.inbound.args)
        if not turn.caps.accepts_files:
            return [turn.say("import_no_files", petition, private=True)]
        sheet_file = turn.inbound.attachment
        if sheet_file is None or not rest or len(rest) > 2 or not SOURCE.match(rest[-1]):
            return [
                turn.say("import_usage", petition, private=True, slug=petition.slug, max_kb=MAX_KB)
            ]
        if sheet_file.content is None or sheet_file.size > MAX_INBOUND_FILE_BYTES:
            return [turn.say("import_file_too_big", petition, private=True, max_kb=MAX_KB)]
        options = ImportOptions(
            source=rest[1] if len(rest) == 2 else "paper",
            consent_version=rest[0],
            signed_at=turn.now,
        )
        try:
            sheet = Sheet(io.StringIO(_text(sheet_file.content), newline=""))
            who = turn.inbound.user_key
            report = await self._s.imports.run(
                petition, sheet, options, who, turn.now, turn.inbound.language
            )
        except (SheetUnreadable, ImportRefused) as exc:
            return [turn.reply(turn.text(exc.message_key, petition, **exc.values), private=True)]
        text = import_summary(self._s.catalog, petition, report, turn.inbound.language)
        if not report.rejected:
            return [turn.reply(text, private=True)]
        rejects = Attachment(
            filename=rejects_filename(report), content=rejects_bytes(report), mime_type=MIME_TYPE
        )
        text += turn.text("import_rejects_attached", petition)
        return [turn.reply(text, file=rejects, private=True)]


def _petition_and_rest(
    campaign: CampaignConfig, args: tuple[str, ...]
) -> tuple[PetitionConfig, tuple[str, ...]]:
    """The petition the first argument names (else the default one), as the organizer's
    language shows it, and what follows."""
    named = campaign.petition(args[0]) if args else None
    if named is not None:
        return named, args[1:]
    return campaign.default_petition, args


def _text(content: bytes) -> str:
    """The file as text; a byte that is not UTF-8 is reported with its line."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise SheetUnreadable("import_not_utf8", line=line) from exc
