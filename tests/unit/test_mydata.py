"""`/mydata` shows every row stored about the person, found by walking the whole schema.

The walk reads ``sqlite_master`` and every row of every table, and keeps the rows that hold
the person's user id (in any column, JSON included) or point at one of their signatures. A
table this test does not know yet fails it: a new table that holds people's ids must be shown
by /mydata (and described in ``SHOWN_AS`` below) before the suite passes again.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.bot import PetitionBot
from core.broadcasts.announcement import Announcements
from core.broadcasts.pacing import Pacer
from core.broadcasts.worker import DeliveryWorker
from core.catalog import Catalog, language_name
from storage import SqliteStore
from tests.fakes.fake_sender import FakeSender
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import Chat, Clock, campaign

PERSON = "7700123456"  # distinctive, so a match anywhere in a row is this person
FRIEND = "5550001111"
SLUG, SECOND = "dont-run-joe", "second-petition"
CATALOG = Catalog.load()

Row = dict[str, object]


def when(stored: object) -> str:
    return f"{datetime.fromisoformat(str(stored)).astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def said(key: str, **values: object) -> str:
    """A line of /mydata as the catalog words it, without its surrounding line breaks."""
    return CATALOG.render(key, **values).to_plain_text().strip("\n")


def signature_shown(row: Row) -> list[str]:
    kept = ("name", "email", "postal_code", "country", "source", "referrer_code", "ref_code")
    shown = [f"Petition {row['petition']}", when(row["signed_at"])]
    shown += [str(row[column]) for column in kept if row[column] is not None]
    if row["withdrawn_at"] is not None:
        shown.append(f"withdrawn on {when(row['withdrawn_at'])}")
    name = language_name(str(row["language"]), in_sentence=True, reader="en")
    return [*shown, said("mydata_language", language_name=name)]


def language_shown(row: Row) -> list[str]:
    name = language_name(str(row["language"]), in_sentence=True, reader="en")
    return [said("mydata_chosen_language", language_name=name)]


def consent_shown(row: Row) -> list[str]:
    if row["kind"] == "processing":
        at, version = when(row["at"]), row["text_version"]
        name = language_name(str(row["language"]), in_sentence=True, reader="en")
        return [said("mydata_consent_processing", at=at, version=version, language_name=name)]
    key = "mydata_consent_updates_yes" if row["granted"] else "mydata_consent_updates_no"
    return [said(key, at=when(row["at"]))]


def delivery_shown(row: Row) -> list[str]:
    state = said(f"delivery_state_{row['status']}")
    if row["detail"]:
        return [
            said(
                "mydata_delivery_detail",
                id=row["broadcast_id"],
                state=state,
                at=when(row["finished_at"]),
                detail=row["detail"],
            )
        ]
    return [
        said("mydata_delivery", id=row["broadcast_id"], state=state, at=when(row["finished_at"]))
    ]


def broadcast_shown(row: Row) -> list[str]:
    audience = row["petition"] or said("broadcast_everyone")
    status, at = row["status"], when(row["created_at"])
    return [said("mydata_broadcast", id=row["id"], audience=audience, status=status, at=at)]


def conversation_shown(row: Row) -> list[str]:
    state = json.loads(str(row["state"]))
    assert state["kind"] == "broadcast", "this test leaves a broadcast being composed"
    return [said("mydata_composing", at=when(row["updated_at"]), text=state["text"])]


def audit_shown(row: Row) -> list[str]:
    action = " ".join(str(row[c]) for c in ("action", "petition", "detail") if row[c])
    return [said("mydata_audit_line", at=when(row["at"]), action=action)]


SHOWN_AS: dict[str, Callable[[Row], list[str]]] = {
    "signatures": signature_shown,
    "consents": consent_shown,
    "deliveries": delivery_shown,
    "unreachable": lambda row: [
        said("mydata_unreachable", at=when(row["at"]), reason=row["reason"])
    ],
    "broadcasts": broadcast_shown,
    "conversations": conversation_shown,
    "audit_log": audit_shown,
    "languages": language_shown,
}


def rows_about(path: Path, user_id: str) -> dict[str, list[Row]]:
    """Every row of every table holding ``user_id``, or pointing at a signature of theirs."""
    token = re.compile(rf"(?<!\d){user_id}(?!\d)")
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        tables = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not name.startswith("sqlite_")
        ]
        everything = {t: [dict(r) for r in db.execute(f'SELECT * FROM "{t}"')] for t in tables}
        keys = {t: db.execute(f'PRAGMA foreign_key_list("{t}")').fetchall() for t in tables}
    finally:
        db.close()
    found = {
        table: [row for row in rows if any(token.search(str(v)) for v in row.values())]
        for table, rows in everything.items()
    }
    theirs = {row["id"] for row in found.get("signatures", [])}
    for table, foreign in keys.items():
        columns = [key["from"] for key in foreign if key["table"] == "signatures"]
        for row in everything[table]:
            if any(row[c] in theirs for c in columns) and row not in found[table]:
                found[table].append(row)
    return {table: rows for table, rows in found.items() if rows}


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "mydata.db")
    yield opened
    await opened.close()


async def deliver(bot: PetitionBot, sender: FakeSender) -> None:
    announcements = Announcements(bot.catalog, bot.campaign)
    worker = DeliveryWorker(bot.store, sender, Pacer(None), announcements.message_for, bot.clock)
    await worker.deliver_pending()


async def test_mydata_shows_every_row_of_every_table_that_holds_the_person(
    store: SqliteStore, tmp_path: Path
) -> None:
    clock = Clock()
    base = campaign(organizers=frozenset({f"telegram:{PERSON}"}))
    second = base.petitions[0].model_copy(update={"slug": SECOND, "default": False})
    bot = PetitionBot(
        base.model_copy(update={"petitions": (*base.petitions, second)}), store, clock=clock
    )
    friend, person = Chat(bot, FRIEND), Chat(bot, PERSON)
    await friend.sign("Fran Friend", "fran@example.org")
    code = (await store.active_signature(SLUG, "telegram", FRIEND)).ref_code

    clock.advance(minutes=1)  # invited by a friend, through the newsletter
    await person.send(f"/start {SLUG}__{code}__s_newsletter")
    await person.press("Yes, I want")
    for answer in ("Pat Person", "pat@example.org", "02139"):
        await person.send(answer)
    await person.press("Yes, keep")
    await person.press("✅ Sign")
    clock.advance(minutes=1)  # a second petition, signed and then withdrawn
    await person.send(f"/sign {SECOND}")
    await person.press("Yes, I want")
    for answer in ("Pat Person", "pat@example.org", "02139"):
        await person.send(answer)
    await person.press("No, thanks")
    await person.press("✅ Sign")
    clock.advance(minutes=1)
    await person.send(f"/withdraw {SECOND}")
    await person.press("Yes, withdraw")

    clock.advance(minutes=1)  # the person, an organizer, sends a broadcast they receive
    await person.send(f"/broadcast {SLUG} Rally on Saturday")
    await person.press("📣 Confirm")
    await deliver(bot, FakeSender("telegram"))
    clock.advance(minutes=1)  # the next one finds that they blocked the bot
    await person.send("/broadcast all Rally again")
    await person.press("📣 Confirm")
    await deliver(bot, FakeSender("telegram", blocked={PERSON}))
    clock.advance(minutes=1)
    await person.send("/stop")
    await person.send("/count")
    await person.send("/language en")  # a chosen language is stored about them too
    clock.advance(minutes=1)  # and leaves an announcement half composed
    await person.send(f"/broadcast {SLUG} Hello supporters, a draft")

    [reply] = await person.send("/mydata")
    shown = reply.text.to_plain_text()
    assert reply.private
    stored = rows_about(tmp_path / "mydata.db", PERSON)
    unknown = sorted(set(stored) - set(SHOWN_AS))
    assert not unknown, f"tables {unknown} hold a person's ids: show them in /mydata, then here"
    assert set(stored) == set(SHOWN_AS)  # every kind of record occurs in this story
    missing = [
        (table, line)
        for table, rows in stored.items()
        for row in rows
        for line in SHOWN_AS[table](row)
        if line not in shown
    ]
    assert missing == [], shown
    assert "Unfinished signature" not in shown and "A signature of" not in shown
    assert FRIEND not in shown and "fran@example.org" not in shown and "Fran" not in shown


async def test_a_conversation_in_progress_is_named_for_what_it_is() -> None:
    bot = PetitionBot(campaign(organizers=frozenset({"telegram:9"})), MemoryStore(), clock=Clock())
    signer = Chat(bot, "1")
    await signer.send(f"/start {SLUG}__s_newsletter")
    await signer.press("Yes, I want")
    await signer.send("Pat Person")
    await signer.send("/mydata")
    assert "A signature of dont-run-joe you have not finished" in signer.last
    assert "Full name: Pat Person\nCampaign source: newsletter" in signer.last
    await signer.send("/cancel")
    organizer = Chat(bot, "9")
    await organizer.send("/broadcast")
    await organizer.send("/mydata")
    assert "An announcement you have started composing" in organizer.last
    await organizer.send("Hello supporters")
    await organizer.send("/mydata")
    assert "An announcement you are composing (2026-11-30 12:00 UTC): Hello supporters" in (
        organizer.last
    )
    assert "signature" not in organizer.last.lower()
