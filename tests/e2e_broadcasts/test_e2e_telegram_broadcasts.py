"""Broadcasts through the running Telegram bot: "retry after", Confirm twice, refusal, cancel.

The signers are stored straight in the database (their signing is tested elsewhere); the
organizer composes, confirms and cancels in chat, and the bot's own broadcast service
delivers at the configured pace of 5 messages a second.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from e2e_helpers import (
    ORGANIZER_ID,
    Person,
    answer,
    broadcast_config,
    db_path,
    insert_signers,
    organizer_messages,
    press,
    query,
    received_per_chat,
    telegram_sends,
)
from telegram.ext import Application

from bots.config import AppConfig, parse_config
from core.broadcasts.models import BroadcastStatus, DeliveryState
from storage import SqliteStore
from tests.fakes.telegram_api import FakeTelegramServer, SentMessage

RATE = 5  # messages per second on Telegram, from the config file's [broadcasts] rates
NEWS = "Campaign news: the petition goes to the White House"


@pytest.fixture
def config(tmp_path: Path, tg: FakeTelegramServer) -> AppConfig:
    return parse_config(broadcast_config(tmp_path, tg, rates={"telegram": RATE}))


async def compose(organizer: Person, text: str = NEWS) -> SentMessage:
    return await answer(organizer, f"/broadcast all {text}", "Nothing is sent before you press")


def broadcast_id(message: SentMessage) -> int:
    return int(message.plain.split("#", 1)[1].split()[0].rstrip(":"))


@pytest.mark.timeout(20)
async def test_retry_after_from_telegram_holds_every_send_then_everyone_gets_it_once(
    tg: FakeTelegramServer, telegram_app: Application, tmp_path: Path
) -> None:
    recipients = list(range(2001, 2011))
    insert_signers(db_path(tmp_path), recipients)
    organizer = Person(tg, ORGANIZER_ID, "Olga")
    preview = await compose(organizer)
    assert "Recipients: 10" in preview.plain
    limited = recipients[3]
    tg.fail_next("sendMessage", chat_id=limited, kind="retry_after", retry_after=2)
    await press(organizer, preview, "📣 Confirm and send", "confirmed: sending")
    await tg.wait_for_message(ORGANIZER_ID, lambda m: "finished" in m.plain, timeout=12)

    sends = telegram_sends(tg, NEWS)
    [answered_429, *_] = [at for chat, at in sends if chat == limited]
    too_soon = [
        (chat, round(at - answered_429, 3))
        for chat, at in sends
        if answered_429 < at < answered_429 + 2.0
    ]
    assert too_soon == [], f"sent during the 2 s Telegram asked to wait: {too_soon}"
    assert received_per_chat(tg, recipients, NEWS) == dict.fromkeys(recipients, 1)
    assert [chat for chat, _ in sends].count(limited) == 2  # refused once, then delivered


@pytest.mark.timeout(20)
async def test_confirm_pressed_twice_sends_once_and_a_supporter_cannot_broadcast(
    tg: FakeTelegramServer, telegram_app: Application, shared_store: SqliteStore, tmp_path: Path
) -> None:
    recipients = [2001, 2002, 2003]
    insert_signers(db_path(tmp_path), recipients)
    supporter = Person(tg, recipients[0], "Sam")
    await answer(supporter, "/broadcast all Hello everyone", "only for the campaign team")
    assert await shared_store.recent_broadcasts(5) == []

    organizer = Person(tg, ORGANIZER_ID, "Olga")
    preview = await compose(organizer)
    [confirm] = [data for label, data in preview.buttons if label.startswith("📣 Confirm")]
    tg.press_button(organizer.user, preview, confirm)  # two quick presses, both reach the bot
    tg.press_button(organizer.user, preview, confirm)
    await tg.wait_for_message(ORGANIZER_ID, lambda m: "finished" in m.plain, timeout=10)
    await tg.wait_until(lambda: len(tg.callback_answers) == 2, timeout=5)

    [broadcast] = await shared_store.recent_broadcasts(5)
    assert broadcast.status is BroadcastStatus.DONE and broadcast.total == 3
    assert received_per_chat(tg, recipients, NEWS) == dict.fromkeys(recipients, 1)
    assert len(telegram_sends(tg, NEWS)) == 3
    answers = [m.plain for m in tg.messages(ORGANIZER_ID)]
    assert len([a for a in answers if "confirmed: sending" in a]) == 1
    assert [a for a in answers if "nothing changed" in a or "sent only once" in a]  # 2nd press
    assert len(organizer_messages(tg, broadcast.id)["done"]) == 1
    assert query(db_path(tmp_path), "SELECT count(*) FROM deliveries") == [(3,)]


@pytest.mark.timeout(25)
async def test_cancel_mid_way_sends_nothing_more_and_the_summary_says_cancelled(
    tg: FakeTelegramServer, telegram_app: Application, shared_store: SqliteStore, tmp_path: Path
) -> None:
    recipients = list(range(3001, 3031))  # six seconds of sending at 5 a second
    insert_signers(db_path(tmp_path), recipients)
    organizer = Person(tg, ORGANIZER_ID, "Olga")
    preview = await compose(organizer)
    confirmed = await press(organizer, preview, "📣 Confirm and send", "confirmed: sending")
    number = broadcast_id(confirmed)
    await tg.wait_until(lambda: len(telegram_sends(tg, NEWS)) >= 3, timeout=5)

    await answer(organizer, f"/broadcast cancel {number}", f"Stopping broadcast #{number}")
    [cancel_answered] = [
        c.at
        for c in tg.calls("sendMessage")
        if str(c.params.get("text", "")).startswith(f"Stopping broadcast #{number}")
    ]
    summary = await tg.wait_for_message(
        ORGANIZER_ID, lambda m: m.plain.startswith(f"⏹ Broadcast #{number} cancelled"), timeout=5
    )
    late_window_end = cancel_answered + 3.0  # more than the rest of a claimed batch at 5/s
    await _sleep_until(late_window_end)

    sends = telegram_sends(tg, NEWS)
    after_cancel = [chat for chat, at in sends if at > cancel_answered]
    assert len(after_cancel) <= 1, (
        f"{len(after_cancel)} recipients were sent the broadcast after the organizer was told "
        f"'nobody else will receive it': {after_cancel}"
    )
    received = received_per_chat(tg, recipients, NEWS)
    assert set(received.values()) <= {0, 1}
    sent = sum(received.values())
    assert 3 <= sent < len(recipients)
    totals = await shared_store.totals(number)
    assert totals[DeliveryState.DELIVERED] == sent
    assert totals[DeliveryState.CANCELLED] == len(recipients) - sent
    assert (await shared_store.get_broadcast(number)).status is BroadcastStatus.CANCELLED
    assert f"Delivered before the stop: {sent} of {len(recipients)}" in summary.plain
    assert f"Not sent: {len(recipients) - sent}" in summary.plain
    report = organizer_messages(tg, number)
    assert len(report["cancelled"]) == 1 and report["done"] == []


async def _sleep_until(deadline: float) -> None:
    await asyncio.sleep(max(0.0, deadline - time.monotonic()))
