"""Nothing a person sent is lost: updates are recorded before Telegram is told to forget them,
handled once, and what a crash interrupted is finished when the bot starts again."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bots.config import AppConfig
from core.inbox import stored_replies
from core.markup import Markup
from core.messages import Inbound, InboundKind, Outbound
from storage import SqliteStore, sqlite_path
from tests.fakes.telegram_api import FakeTelegramServer

from .conftest import Person, serving

pytestmark = [pytest.mark.timeout(30)]

NOW = datetime(2026, 12, 1, tzinfo=UTC)


async def _store(config: AppConfig) -> SqliteStore:
    return await SqliteStore.open(sqlite_path(config.storage.url))


async def test_an_update_recorded_but_not_handled_before_a_crash_is_handled_once_after(
    tg: FakeTelegramServer, config: AppConfig, alice: Person
) -> None:
    # The state a crash leaves: the update is in the inbox, so it may have been confirmed to
    # Telegram (which then never sends it again), and no handler ran.
    update = tg.send_text(alice.user, "/help")
    store = await _store(config)
    assert await store.record_inbound("telegram", str(update["update_id"]), json.dumps(update), NOW)
    await store.close()
    tg.confirm(update["update_id"])

    async with serving(config):
        answer = await tg.wait_for_message(alice.chat_id)
        assert "What I can do" in answer.plain
        await alice.ask("/petition")  # later updates are handled as usual
        assert len(tg.messages(alice.chat_id)) == 2  # /help answered once, not twice


async def test_replies_computed_but_not_sent_before_a_crash_are_sent_after(
    tg: FakeTelegramServer, config: AppConfig, alice: Person
) -> None:
    update = tg.send_text(alice.user, "Alice Example")
    message_id = str(update["update_id"])
    inbound = Inbound(
        platform="telegram",
        user_id=str(alice.id),
        chat_id=str(alice.chat_id),
        kind=InboundKind.TEXT,
        text="Alice Example",
        message_id=message_id,
    )
    reply = Outbound(text=Markup.plain("What is your email address?"), private=True)
    store = await _store(config)
    await store.record_inbound("telegram", message_id, json.dumps(update), NOW)
    async with store.transaction():  # the turn was committed; the process died before sending
        await store.mark_handled("telegram", message_id, stored_replies(inbound, [reply]), NOW)
    await store.close()
    tg.redeliver(update["update_id"])  # a copy Telegram sends again must not be handled again
    tg.confirm(update["update_id"])

    async with serving(config):
        sent = await tg.wait_for_message(alice.chat_id)
        assert sent.plain == "What is your email address?"
        assert "What I can do" in (await alice.ask("/help")).plain
        assert len(tg.messages(alice.chat_id)) == 2

    store = await _store(config)
    assert (
        await store.unanswered("telegram") == [] and await store.unhandled_inbound("telegram") == []
    )
    await store.close()


async def test_handled_updates_keep_no_personal_data_in_the_inbox(
    tg: FakeTelegramServer, config: AppConfig, alice: Person
) -> None:
    async with serving(config):
        await alice.sign(name="Zelda Quux", email="zelda@example.org", zip_code="90210")
    store = await _store(config)
    rows = await store._fetch("SELECT * FROM inbox")  # type: ignore[attr-defined]  # the SQLite store's own rows
    await store.close()
    assert len(rows) == 7  # the seven updates of a signing, each recorded once
    for row in rows:
        assert all(value is None or "Zelda" not in str(value) for value in row)
        assert all(value is None or "zelda@" not in str(value) for value in row)
