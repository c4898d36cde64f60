"""Migration 0005 on a database the release before it wrote: every conversation goes on.

``data/database_at_0004.sql`` holds one conversation at each step of the old single state
shape (see its header). Opened by today's store, each is read as the state of its kind and
continued, from where it was, to its end: signed, withdrawn, or a broadcast confirmed.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from core.bot import PetitionBot
from core.broadcasts.models import BroadcastStatus
from core.messages import Capabilities, Inbound, InboundKind
from core.states import BroadcastDraft, DraftStep, SigningState, SigningStep, WithdrawalState
from storage import SqliteStore
from storage.migrations import migration_files
from tests.unit.chat import FORMS, TERMINAL, Chat, Clock, campaign

DUMP = Path(__file__).parent / "data" / "database_at_0004.sql"
ORGANIZERS = frozenset({"telegram:7", "telegram:8", "telegram:9"})
SIGNERS = [
    ("telegram", "11"),
    ("telegram", "12"),
    ("telegram", "13"),
    ("telegram", "14"),
    ("telegram", "15"),
    ("telegram", "16"),
    ("telegram", "17"),
    ("telegram", "18"),
    ("discord", "21"),
    ("discord", "22"),
]


def database_at_0004(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.executescript(DUMP.read_text(encoding="utf-8"))


def schema(db: sqlite3.Connection) -> list[tuple[str, str, str]]:
    return db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()


def test_the_dump_has_the_schema_migrations_0001_to_0004_make(tmp_path: Path) -> None:
    database_at_0004(tmp_path / "old.db")
    with (
        closing(sqlite3.connect(tmp_path / "old.db")) as old,
        closing(sqlite3.connect(":memory:")) as made,
    ):
        for number, step in migration_files():
            if number <= 4 and step.suffix == ".sql":  # 0004 (Python) changes rows only
                made.executescript(step.read_text(encoding="utf-8"))
        assert schema(old) == schema(made)
        assert old.execute("PRAGMA user_version").fetchone() == (4,)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    database_at_0004(tmp_path / "old.db")
    opened = await SqliteStore.open(tmp_path / "old.db")
    yield opened
    await opened.close()


@pytest.fixture
def bot(store: SqliteStore) -> PetitionBot:
    return PetitionBot(campaign(organizers=ORGANIZERS), store, clock=Clock())


async def test_each_old_state_is_read_as_the_state_of_its_kind(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database_at_0004(tmp_path / "old.db")
    before = stored_states(tmp_path / "old.db")
    with caplog.at_level(logging.INFO, logger="storage"):
        store = await SqliteStore.open(tmp_path / "old.db")
    try:
        signings = [await store.get_conversation(*who) for who in SIGNERS]
        assert all(isinstance(state, SigningState) for state in signings)
        assert [state.step for state in signings] == [
            SigningStep.CONFIRM,
            *[SigningStep.FIELD] * 3,
            SigningStep.CONSENT,
            SigningStep.SUMMARY,
            SigningStep.EDIT,
            SigningStep.FIELD,
            SigningStep.FORM,
            SigningStep.CONSENT,
        ]
        refused = await store.get_conversation("discord", "21")
        assert isinstance(refused, SigningState) and refused.used_form
        assert refused.answers["email"] == "not an address" and refused.form_error
        withdrawal = await store.get_conversation("telegram", "31")
        assert isinstance(withdrawal, WithdrawalState)
        assert withdrawal.petition == "dont-run-joe"
        drafts = [await store.get_conversation("telegram", user) for user in "789"]
        assert all(isinstance(draft, BroadcastDraft) for draft in drafts)
        assert [(d.step, d.text, d.broadcast_id) for d in drafts] == [
            (DraftStep.TEXT, "", None),
            (DraftStep.AUDIENCE, "Rally on Saturday", None),
            (DraftStep.PREVIEW, "Rally on Sunday", 1),
        ]
    finally:
        await store.close()
    after = stored_states(tmp_path / "old.db")
    # Buttons sent before the upgrade still belong to their conversation.
    assert {who: state["nonce"] for who, state in after.items()} == {
        who: state["nonce"] for who, state in before.items()
    }
    # No draft keeps the default petition's slug it used to carry, nor its text in answers;
    # a withdrawal keeps its petition and none of the signing's fields.
    signing_only = {"petition", "answers", "field_index", "opted_in"}
    kept = {
        user: sorted(set(after["telegram", user]) & signing_only) for user in ("7", "8", "9", "31")
    }
    assert kept == {"7": [], "8": [], "9": [], "31": ["petition"]}
    [line] = [r.getMessage() for r in caplog.records if "0005:" in r.getMessage()]
    assert "10 signings, 1 withdrawals and 3 broadcast drafts" in line


def stored_states(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Each stored conversation's JSON, by (platform, user)."""
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT platform, user_id, state FROM conversations").fetchall()
    return {(platform, user): json.loads(state) for platform, user, state in rows}


async def resumed(bot: PetitionBot, platform: str, user: str, caps: Capabilities) -> Chat:
    """The person's chat as a restarted bot greets them: at their conversation's step."""
    chat = Chat(bot, user, platform=platform, caps=caps)
    start = Inbound(
        platform=platform, user_id=user, chat_id=user, kind=InboundKind.COMMAND, command="start"
    )
    chat.replies = await bot.resume(start, caps)
    return chat


async def test_every_old_signing_goes_on_to_its_signature(
    bot: PetitionBot, store: SqliteStore
) -> None:
    finish = [("press", "Yes, keep"), ("press", "✅ Sign")]
    rest = {
        "11": [("press", "Yes, I want"), ("send", "Kim Park"), ("send", "kim@example.org")],
        "12": [("send", "Lu Chen"), ("send", "lu@example.org")],
        "13": [("send", "jane13@example.org")],
        "14": [],
    }
    for user, steps in rest.items():
        chat = await resumed(bot, "telegram", user, TERMINAL)
        assert "where you left off" in chat.replies[0].text.to_plain_text()
        for kind, value in [*steps, ("send", "12345"), *finish]:
            await (chat.press(value) if kind == "press" else chat.send(value))
        assert "Thank you" in chat.last, user
    for user, steps in {
        "15": finish,
        "16": finish[1:],
        "17": [("press", "Email"), ("send", "cy.new@example.org"), ("press", "✅ Sign")],
        "18": [("send", "di.new@example.org"), ("press", "✅ Sign")],
    }.items():
        chat = await resumed(bot, "telegram", user, TERMINAL)
        for kind, value in steps:
            await (chat.press(value) if kind == "press" else chat.send(value))
        assert "Thank you" in chat.last, user
    refused = await resumed(bot, "discord", "21", FORMS)
    assert refused.replies[-1].form is not None
    assert refused.replies[-1].form.error and refused.replies[-1].form.fields[1].value == (
        "not an address"
    )
    await refused.submit(
        refused.last_form_id, name="Ed Fox", email="ed@example.org", postal_code="12345"
    )
    for _, label in finish:
        await refused.press(label)
    formed = await resumed(bot, "discord", "22", FORMS)
    for _, label in finish:
        await formed.press(label)
    assert "Thank you" in refused.last and "Thank you" in formed.last
    signed = {who: (await store.signatures_of(*who))[0] for who in SIGNERS}
    assert all(signature.active for signature in signed.values())
    assert await store.count("dont-run-joe") == len(SIGNERS) + 1  # with 31, not withdrawn yet
    assert signed[("telegram", "12")].source == "newsletter"
    assert signed[("telegram", "13")].name == "Jane Doe"
    assert signed[("telegram", "17")].email == "cy.new@example.org"
    assert not signed[("telegram", "17")].opted_in
    assert signed[("telegram", "18")].email == "di.new@example.org"
    assert signed[("discord", "21")].email == "ed@example.org"
    assert [await store.get_conversation(*who) for who in SIGNERS] == [None] * len(SIGNERS)


async def test_an_old_withdrawal_goes_on_to_erase_the_signature(
    bot: PetitionBot, store: SqliteStore
) -> None:
    chat = await resumed(bot, "telegram", "31", TERMINAL)
    assert chat.last.startswith("Do you want to withdraw your signature")
    await chat.press("Yes, withdraw")
    assert "is withdrawn" in chat.last
    assert await store.active_signature("dont-run-joe", "telegram", "31") is None
    assert await store.get_conversation("telegram", "31") is None


async def test_every_old_broadcast_draft_goes_on_to_be_confirmed(
    bot: PetitionBot, store: SqliteStore
) -> None:
    texting = await resumed(bot, "telegram", "7", TERMINAL)
    await texting.send("Rally on Monday")
    choosing = await resumed(bot, "telegram", "8", TERMINAL)
    for chat in (texting, choosing):
        await chat.press("Signers of Don't Run Joe")
    previewing = await resumed(bot, "telegram", "9", TERMINAL)
    assert previewing.last.startswith("Preview of broadcast #1")
    for chat in (previewing, texting, choosing):
        await chat.press("📣 Confirm")
        assert "confirmed" in chat.last
    texts = {}
    for broadcast_id in (1, 2, 3):
        broadcast = await store.get_broadcast(broadcast_id)
        assert broadcast is not None and broadcast.status is BroadcastStatus.SENDING
        texts[broadcast.author] = broadcast.text
    assert texts == {
        "telegram:9": "Rally on Sunday",
        "telegram:7": "Rally on Monday",
        "telegram:8": "Rally on Saturday",
    }
    assert [await store.get_conversation("telegram", user) for user in "789"] == [None] * 3
