"""Stale and forged buttons, edits, repeated updates, failures and restarts change nothing."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from bots.config import AppConfig
from bots.telegram_bot import adapter_of
from core.bot import PetitionBot
from storage import sqlite_path
from storage.thread_batcher import StoreClosed
from tests.fakes.telegram_api import FakeTelegramServer

from .conftest import Person, serving

pytestmark = [pytest.mark.timeout(20)]

SLUG = "dont-run-joe"
STALE = "belongs to a conversation that has ended"


async def test_a_stale_button_from_a_finished_conversation_changes_nothing(
    tg: FakeTelegramServer, app, core: PetitionBot, alice: Person
) -> None:
    confirm = await alice.ask("/sign")
    await alice.press(confirm, "Yes, I want to sign")
    await alice.ask("Alice Example")
    await alice.ask("alice@example.org")
    consent = await alice.ask("12345")
    summary = await alice.press(consent, "Yes, keep me posted")
    await alice.press(summary, "✅ Sign")

    for old, label in ((summary, "✅ Sign"), (confirm, "Yes, I want to sign"), (consent, "No")):
        assert STALE in (await alice.press(old, label)).plain
    assert await core.store.count(SLUG) == 1
    assert await core.store.get_conversation("telegram", "1001") is None
    assert len(tg.callback_answers) == alice.presses


async def test_forged_buttons_get_a_clear_answer_and_change_nothing(
    tg: FakeTelegramServer, app, core: PetitionBot, alice: Person
) -> None:
    confirm = await alice.ask("/sign")
    nonce = confirm.buttons[0][1].split(":")[0]
    for data in ("XXXXXXXX:confirm", "sign:no-such-petition", "x" * 64, "ü" * 32):
        assert STALE in (await alice.press_data(confirm, data, check=False)).plain
    alice.presses += 1  # a real nonce, but the wrong moment: said so, and asked again
    tg.press_button(alice.user, confirm, f"{nonce}:confirm", check=False)
    not_now, asked_again = [await tg.wait_for_message(alice.chat_id) for _ in range(2)]
    assert "does not fit this step" in not_now.plain
    assert asked_again.plain == confirm.plain
    assert await core.store.count(SLUG) == 0
    state = await core.store.get_conversation("telegram", "1001")
    assert state is not None and state.step == "confirm"
    assert len(tg.callback_answers) == alice.presses


async def test_the_spinner_is_answered_once_even_when_the_core_or_sending_fails(
    tg: FakeTelegramServer, app, alice: Person, monkeypatch
) -> None:
    confirm = await alice.ask("/sign")
    tg.fail_next("sendMessage", chat_id=alice.chat_id, kind="server_error")
    tg.press_button(alice.user, confirm, confirm.buttons[1][1])  # Cancel; its reply fails
    await tg.wait_until(lambda: len(tg.callback_answers) == 1)

    adapter = adapter_of(app)

    async def broken(*args: object) -> list:
        raise RuntimeError("the store is down")

    monkeypatch.setattr(adapter.bot, "handle", broken)
    tg.press_button(alice.user, confirm, confirm.buttons[0][1])
    await tg.wait_until(lambda: len(tg.callback_answers) == 2)
    monkeypatch.undo()
    assert "What I can do" in (await alice.ask("/help")).plain  # still serving
    assert len({answer["callback_query_id"] for answer in tg.callback_answers}) == 2


async def test_an_edited_message_never_reruns_a_command(
    tg: FakeTelegramServer, app, core: PetitionBot, alice: Person
) -> None:
    await alice.ask("/help")
    first = alice.last_update["message"]["message_id"]
    tg.edit_text(alice.user, first, "/sign")
    confirm = await alice.ask("/sign")
    await alice.press(confirm, "Yes, I want to sign")
    tg.edit_text(alice.user, alice.last_update["message"]["message_id"], "/cancel")
    asked_email = await alice.ask("Alice Example")
    assert "email address" in asked_email.plain  # the edit did not cancel anything
    texts = [m.plain for m in tg.messages(alice.chat_id)]
    assert len(texts) == 4 and "full name" in texts[2]


async def test_the_same_update_delivered_twice_is_handled_once(
    tg: FakeTelegramServer, config: AppConfig, app, core: PetitionBot, alice: Person
) -> None:
    confirm = await alice.ask("/sign")
    press = tg.press_button(alice.user, confirm, confirm.buttons[0][1])
    await tg.wait_for_message(alice.chat_id)
    await alice.ask("Alice Example")
    tg.redeliver(press["update_id"])  # "Yes, I want to sign" again
    tg.redeliver(alice.last_update["update_id"])  # the name again
    asked_zip = await alice.ask("alice@example.org")
    assert "ZIP code" in asked_zip.plain
    assert len(tg.messages(alice.chat_id)) == 4
    assert len(tg.callback_answers) == 1
    assert _recorded_updates(config) == 4  # each once, whatever was redelivered


async def test_a_new_application_on_the_same_database_finishes_the_conversation(
    tg: FakeTelegramServer, config: AppConfig, alice: Person
) -> None:
    async with serving(config) as first:
        confirm = await alice.ask("/sign")
        await alice.press(confirm, "Yes, I want to sign")
        await alice.ask("Alice Example")
    with pytest.raises(StoreClosed):  # the first bot's store was closed with it
        await adapter_of(first).bot.store.count(SLUG)

    async with serving(config) as second:
        await alice.ask("alice@example.org")
        consent = await alice.ask("12345")
        summary = await alice.press(consent, "No, thanks")
        assert "Full name: Alice Example" in summary.plain
        thanks = await alice.press(summary, "✅ Sign")
        assert "Thank you, Alice!" in thanks.plain
        assert await adapter_of(second).bot.store.count(SLUG) == 1


async def test_a_blocked_user_does_not_break_the_bot(
    tg: FakeTelegramServer, app, alice: Person, bob: Person, caplog
) -> None:
    tg.block_user(alice.chat_id)
    tg.send_text(alice.user, "/help")
    assert "What I can do" in (await bob.ask("/help")).plain
    await tg.wait_until(lambda: "not delivered: unreachable" in caplog.text)


def _recorded_updates(config: AppConfig) -> int:
    """Telegram updates in the store's inbox (read from the file, beside the running bot)."""
    with closing(sqlite3.connect(sqlite_path(config.storage.url))) as db:
        return db.execute("SELECT count(*) FROM inbox WHERE platform = 'telegram'").fetchone()[0]
