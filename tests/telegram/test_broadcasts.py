"""Organizer work through Telegram: broadcasts delivered by the Sender, exports as files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from core.bot import PetitionBot
from tests.fakes.telegram_api import FakeTelegramServer

from .conftest import GROUP, ORGANIZER_ID, Person

pytestmark = [pytest.mark.timeout(20)]


async def test_an_organizers_broadcast_reaches_signers_who_opted_in(
    tg: FakeTelegramServer, app, core: PetitionBot, alice: Person, bob: Person
) -> None:
    await alice.sign()
    confirm = await bob.ask("/sign")
    await bob.press(confirm, "Yes, I want to sign")
    await bob.ask("Bob Builder")
    await bob.ask("bob@example.org")
    consent = await bob.ask("12345")
    summary = await bob.press(consent, "No, thanks")  # Bob wants no updates
    await bob.press(summary, "✅ Sign")
    bobs_messages = len(tg.messages(bob.chat_id))
    organizer = Person(tg, ORGANIZER_ID, "Olga")

    preview = await organizer.ask("/broadcast all Big news & <b>more</b> **soon**")
    assert "Recipients: 1" in preview.plain
    confirmed = await organizer.press(preview, "📣 Confirm and send")
    assert "confirmed" in confirmed.plain

    news = await tg.wait_for_message(alice.chat_id)
    assert news.plain.startswith("Big news & <b>more</b> soon")
    assert "<b>soon</b>" in news.text and "/stop all" in news.plain
    done = await tg.wait_for_message(ORGANIZER_ID, lambda m: "finished" in m.plain, timeout=10)
    assert "Delivered: 1 of 1" in done.plain
    assert len(tg.messages(bob.chat_id)) == bobs_messages  # nothing for Bob


async def test_an_organizers_export_arrives_as_a_csv_document_in_private(
    tg: FakeTelegramServer, app, alice: Person
) -> None:
    await alice.sign()
    organizer = Person(tg, ORGANIZER_ID, "Olga")
    export = await organizer.ask("/export")
    assert export.kind == "document" and export.file.filename.endswith(".csv")
    assert b"alice@example.org" in export.file.data
    assert export.plain  # the caption says what it is


async def test_an_export_asked_for_in_a_group_is_never_posted_there(
    tg: FakeTelegramServer, app, alice: Person
) -> None:
    await alice.sign()
    organizer = Person(tg, ORGANIZER_ID, "Olga", chat=GROUP)
    reply = await organizer.ask("/export")
    assert reply.kind == "message" and reply.file is None
    assert all(m.file is None for m in tg.messages(GROUP["id"]))


async def test_after_withdraw_no_row_says_which_broadcasts_reached_the_signer(
    tg: FakeTelegramServer, app, core: PetitionBot, alice: Person, tmp_path: Path
) -> None:
    await alice.sign()
    organizer = Person(tg, ORGANIZER_ID, "Olga")
    preview = await organizer.ask("/broadcast all Big news")
    await organizer.press(preview, "📣 Confirm and send")
    await tg.wait_for_message(alice.chat_id, lambda m: m.plain.startswith("Big news"))
    await tg.wait_for_message(ORGANIZER_ID, lambda m: "finished" in m.plain, timeout=10)
    assert "Announcements sent to you" in (await alice.ask("/mydata")).plain

    question = await alice.ask("/withdraw")
    await alice.press(question, "Yes, withdraw")

    assert "Announcements sent to you" not in (await alice.ask("/mydata")).plain
    with sqlite3.connect(tmp_path / "petition.db") as db:
        rows = db.execute(
            "SELECT status FROM deliveries WHERE address = ?", (str(alice.chat_id),)
        ).fetchall()
        kept = db.execute("SELECT status FROM deliveries WHERE kind = 'person'").fetchall()
    assert rows == [] and kept == [("delivered",)]  # the organizer's figures stay
