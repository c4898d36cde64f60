"""An organizer imports a CSV sheet on Telegram: the document is fetched through the Bot API
(getFile and the file's URL) by python-telegram-bot, the rows left out come back as a file."""

from __future__ import annotations

import csv
import io

import pytest

from core.bot import PetitionBot
from core.models import IMPORT_PLATFORM
from tests.fakes.telegram_api import FakeTelegramServer

from .conftest import ORGANIZER_ID, Person

pytestmark = [pytest.mark.timeout(20)]

SLUG = "dont-run-joe"
SHEET = (
    "\ufefffirst_name,last_name,email,zip_code,opted_in\n"
    "Paula,Paper,paula@example.org,02139,yes\n"
    "Alice,Again,ALICE@example.org,12345,\n"  # signed in the chat first
    "Nora,Nomail,not-an-email,12345,\n"
    "Pete,Paper,pete@example.org,02139,no\n"
).encode()


async def test_an_organizer_imports_a_sheet_sent_as_a_document(
    tg: FakeTelegramServer, app, core: PetitionBot, alice: Person
) -> None:
    await alice.sign()
    organizer = Person(tg, ORGANIZER_ID, "Olga")
    tg.send_document(organizer.user, "rally.csv", SHEET, caption="/import 2026-11 paper:rally")
    reply = await tg.wait_for_message(ORGANIZER_ID)
    assert "getFile" in [call.method for call in tg.requests]
    assert "4 rows read, 2 signatures added." in reply.plain
    assert "Left out: 1 invalid, 1 already signed or repeated." in reply.plain
    assert reply.kind == "document" and reply.file is not None
    assert reply.file.filename == f"{SLUG}-import-rejects.csv"
    rejects = list(csv.DictReader(io.StringIO(reply.file.data.decode("utf-8-sig"))))
    assert [(r["line"], r["reason"][:30]) for r in rejects] == [
        ("3", "this email address has already"),
        ("4", "email address: That doesn't lo"),
    ]
    assert await core.store.count(SLUG) == 3
    [paula] = [
        s
        for batch in [b async for b in core.store.active_signatures(SLUG)]
        for s in batch
        if s.email == "paula@example.org"
    ]
    assert paula.platform == IMPORT_PLATFORM and paula.source == "paper:rally"
    assert paula.opted_in and paula.consent_version == "paper form 2026-11"

    tg.send_document(organizer.user, "rally.csv", SHEET, caption="/import 2026-11 paper:rally")
    again = await tg.wait_for_message(ORGANIZER_ID)
    assert "4 rows read, 0 signatures added." in again.plain
    assert await core.store.count(SLUG) == 3


async def test_import_without_a_file_or_by_a_supporter_changes_nothing(
    tg: FakeTelegramServer, app, core: PetitionBot, alice: Person
) -> None:
    organizer = Person(tg, ORGANIZER_ID, "Olga")
    usage = await organizer.ask("/import 2026-11")
    assert "Send the CSV sheet as a file with this caption" in usage.plain
    tg.send_document(alice.user, "rally.csv", SHEET, caption="/import 2026-11")
    refused = await tg.wait_for_message(alice.chat_id)
    assert "only for the campaign team" in refused.plain
    assert await core.store.count(SLUG) == 0


async def test_a_sheet_not_in_utf8_or_too_big_is_refused_with_the_reason(
    tg: FakeTelegramServer, app, core: PetitionBot
) -> None:
    organizer = Person(tg, ORGANIZER_ID, "Olga")
    latin1 = "name,email,zip_code\nJane,jane@example.org,12345\nJosé,jose@example.org,12345\n"
    tg.send_document(organizer.user, "rally.csv", latin1.encode("latin-1"), caption="/import v1")
    assert "Line 3 is not UTF-8 text" in (await tg.wait_for_message(ORGANIZER_ID)).plain
    downloads = len(tg.calls("getFile"))
    big = b"name,email,zip_code\n" + b"Jane,jane@example.org,12345\n" * 80_000
    tg.send_document(organizer.user, "huge.csv", big, caption="/import v1")
    assert (
        "too big to import in a chat: at most 2,000 KB"
        in (await tg.wait_for_message(ORGANIZER_ID)).plain
    )
    assert len(tg.calls("getFile")) == downloads  # never fetched
    assert await core.store.count("dont-run-joe") == 0
