"""Broadcasts through the core: composing, confirming once, delivering once, opting out."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.bot import PetitionBot
from core.broadcasts.models import BroadcastStatus, DeliveryState
from core.broadcasts.pacing import Pacer
from core.broadcasts.progress import ProgressReporter
from core.broadcasts.worker import DeliveryWorker
from storage import SqliteStore
from tests.fakes.fake_sender import FakeSender
from tests.unit.chat import Chat, Clock, campaign

SLUG = "dont-run-joe"
ORGANIZER = "telegram:9"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "broadcasts.db")
    yield opened
    await opened.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bot(store: SqliteStore, clock: Clock) -> PetitionBot:
    return PetitionBot(campaign(organizers=frozenset({ORGANIZER})), store, clock=clock)


async def signers(bot: PetitionBot, platform: str, users: range, updates: bool = True) -> None:
    for user in users:
        chat = Chat(bot, str(user), platform=platform)
        await chat.sign(f"Signer Number{user}", f"{platform}{user}@example.org", updates=updates)


def worker(bot: PetitionBot, sender: FakeSender, rate: float | None = None, **options):
    from core.broadcasts.announcement import Announcements

    announcements = Announcements(bot.catalog, bot.campaign)
    return DeliveryWorker(
        bot.store,
        sender,
        Pacer(rate),
        announcements.message_for,
        bot.clock,
        retry_delay=0.01,
        **options,
    )


async def compose(bot: PetitionBot, text: str = "Rally on **Saturday**!") -> Chat:
    organizer = Chat(bot, "9")
    await organizer.send(f"/broadcast {SLUG} {text}")
    return organizer


async def test_a_supporter_cannot_broadcast(bot: PetitionBot, store: SqliteStore) -> None:
    chat = Chat(bot, "5")
    await chat.send(f"/broadcast {SLUG} Hello")
    assert "only for the campaign team" in chat.last
    assert await store.recent_broadcasts(5) == []


async def test_compose_step_by_step_previews_exact_recipients_before_anything_is_sent(
    bot: PetitionBot, store: SqliteStore
) -> None:
    await signers(bot, "telegram", range(1, 4))
    await signers(bot, "discord", range(1, 3))
    await signers(bot, "telegram", range(10, 12), updates=False)
    organizer = Chat(bot, "9")
    await organizer.send("/broadcast")
    assert "Send the text of your announcement" in organizer.last
    await organizer.send("Big rally on Saturday!")
    assert "Who should get it?" in organizer.last
    await organizer.press("Signers of Don't Run Joe")
    preview = organizer.last
    assert "Recipients: 5" in preview
    assert "discord: 2 people, about under a minute" in preview
    assert "telegram: 3 people" in preview
    assert "Big rally on Saturday!" in preview and "/stop dont-run-joe" in preview
    [broadcast] = await store.recent_broadcasts(5)
    assert broadcast.status is BroadcastStatus.DRAFT
    assert (await store.totals(broadcast.id)).total == 0  # nothing stored to send yet


async def test_confirm_pressed_twice_sends_once(bot: PetitionBot, store: SqliteStore) -> None:
    await signers(bot, "telegram", range(1, 4))
    organizer = await compose(bot)
    confirm = organizer.replies[-1].choices[0][0]
    await organizer.press_data(confirm.data)
    assert "confirmed: sending to 3 recipients" in organizer.last
    await organizer.press_data(confirm.data)
    assert "nothing changed" in organizer.last
    audit = [e for e in await store.audit_log(10) if e.action == "broadcast_confirmed"]
    assert len(audit) == 1  # confirmed, and woke the delivery, once
    sender = FakeSender("telegram")
    await worker(bot, sender).deliver_pending()
    assert sorted(s.address for s in sender.sent) == ["1", "2", "3"]
    assert await worker(bot, sender).deliver_pending() == 0
    assert len(sender.sent) == 3


async def test_delivery_reaches_exactly_the_opted_in_active_reachable_signers(
    bot: PetitionBot, store: SqliteStore
) -> None:
    await signers(bot, "telegram", range(1, 6))
    await signers(bot, "discord", range(1, 4))
    await signers(bot, "telegram", range(20, 22), updates=False)
    leaver = Chat(bot, "2")
    await leaver.send("/withdraw")
    await leaver.press("Yes, withdraw")
    await Chat(bot, "3").send("/stop")
    telegram, discord = FakeSender("telegram"), FakeSender("discord")
    telegram.blocked.add("4")
    organizer = await compose(bot)
    await organizer.press("📣 Confirm")
    await worker(bot, telegram).deliver_pending()
    await worker(bot, discord).deliver_pending()
    assert sorted(s.address for s in telegram.sent) == ["1", "5"]
    assert sorted(s.address for s in discord.sent) == ["1", "2", "3"]
    assert all(s.text.startswith("Rally on Saturday!") for s in telegram.sent + discord.sent)
    [broadcast] = await store.recent_broadcasts(1)
    totals = await store.totals(broadcast.id)
    assert totals[DeliveryState.UNREACHABLE] == 1
    assert (await store.get_broadcast(broadcast.id)).status is BroadcastStatus.DONE  # type: ignore[union-attr]  # the broadcast exists, it was just made
    # The person who blocked the bot is not tried again next time.
    second = await compose(bot, "Second news")
    await second.press("📣 Confirm")
    telegram.sent.clear()
    telegram.calls.clear()
    await worker(bot, telegram).deliver_pending()
    assert sorted(s.address for s in telegram.sent) == ["1", "5"]
    assert len(telegram.calls) == 2


async def test_opting_out_during_a_broadcast_takes_effect_at_once(bot: PetitionBot) -> None:
    await signers(bot, "telegram", range(1, 7))
    organizer = await compose(bot)
    await organizer.press("📣 Confirm")
    sender = FakeSender("telegram")
    first = worker(bot, sender)
    first._batch_size = 2
    [broadcast] = await bot.store.recent_broadcasts(1)
    batch = await bot.store.claim_deliveries(broadcast.id, "telegram", 2)
    assert [d.address for d in batch] == ["1", "2"]
    await Chat(bot, "5").send("/stop all")
    await first.deliver_pending()
    assert sorted(s.address for s in sender.sent) == ["3", "4", "6"]


async def test_retry_after_is_honoured_before_the_next_request(bot: PetitionBot) -> None:
    await signers(bot, "telegram", range(1, 3))
    organizer = await compose(bot)
    await organizer.press("📣 Confirm")
    sender = FakeSender("telegram", rate_limit_next=[0.5])
    await worker(bot, sender).deliver_pending()
    assert sorted(s.address for s in sender.sent) == ["1", "2"]
    first_call, *later = sender.calls
    assert later and min(later) - first_call >= 0.5


async def test_transient_failures_are_retried_a_bounded_number_of_times(
    bot: PetitionBot, store: SqliteStore
) -> None:
    await signers(bot, "telegram", range(1, 3))
    organizer = await compose(bot)
    await organizer.press("📣 Confirm")
    sender = FakeSender("telegram", fail_next=1, raise_next=1)
    await worker(bot, sender, concurrency=1).deliver_pending()
    assert sorted(s.address for s in sender.sent) == ["1", "2"]
    hopeless = FakeSender("telegram", fail_next=1000)
    third = await compose(bot, "Third")
    await third.press("📣 Confirm")
    await worker(bot, hopeless, max_attempts=3).deliver_pending()
    [latest, _] = await store.recent_broadcasts(2)
    assert (await store.totals(latest.id))[DeliveryState.FAILED] == 2
    assert len(hopeless.calls) == 6


async def test_cancel_mid_way_stops_the_rest(bot: PetitionBot, store: SqliteStore) -> None:
    await signers(bot, "telegram", range(1, 7))
    organizer = await compose(bot)
    await organizer.press("📣 Confirm")
    [broadcast] = await store.recent_broadcasts(1)
    await store.claim_deliveries(broadcast.id, "telegram", 2)  # two already in flight
    await organizer.send(f"/broadcast cancel {broadcast.id}")
    assert f"Stopping broadcast #{broadcast.id}" in organizer.last
    sender = FakeSender("telegram")
    await worker(bot, sender).deliver_pending()
    assert sender.sent == []
    assert (await store.totals(broadcast.id))[DeliveryState.CANCELLED] == 4


async def test_a_restart_never_resends_what_was_in_flight(
    bot: PetitionBot, store: SqliteStore
) -> None:
    await signers(bot, "telegram", range(1, 5))
    organizer = await compose(bot)
    await organizer.press("📣 Confirm")
    [broadcast] = await store.recent_broadcasts(1)
    await store.claim_deliveries(broadcast.id, "telegram", 1)  # then the process died
    sender = FakeSender("telegram")
    restarted = worker(bot, sender)
    assert await restarted.recover() == 1
    await restarted.deliver_pending()
    assert sorted(s.address for s in sender.sent) == ["2", "3", "4"]
    assert (await store.totals(broadcast.id))[DeliveryState.UNKNOWN] == 1


async def test_progress_is_one_message_edited_then_a_final_summary(
    bot: PetitionBot, store: SqliteStore
) -> None:
    await signers(bot, "telegram", range(1, 4))
    organizer = await compose(bot)
    await organizer.press("📣 Confirm")
    sender = FakeSender("telegram")
    reporter = ProgressReporter(store, sender, bot.catalog, bot.clock, interval=0)
    await reporter.report_all()
    await reporter.report_all()
    [status, edit] = sender.sent
    assert status.address == "9" and "0 of 3 done" in status.text
    assert edit.kind == "edit" and edit.message_id == status.message_id
    await worker(bot, sender).deliver_pending()
    await reporter.report_all()
    await reporter.report_all()
    summaries = [s for s in sender.sent if "finished" in s.text]
    assert len(summaries) == 1 and "Delivered: 3 of 3" in summaries[0].text


async def test_broadcasts_lists_recent_figures(bot: PetitionBot) -> None:
    await signers(bot, "telegram", range(1, 3))
    organizer = await compose(bot)
    await organizer.press("📣 Confirm")
    await worker(bot, FakeSender("telegram")).deliver_pending()
    await organizer.send("/broadcasts")
    assert "#1 · dont-run-joe · done · 2 of 2 sent" in organizer.last


async def test_the_pace_never_exceeds_the_limit_in_any_second(bot: PetitionBot) -> None:
    await signers(bot, "telegram", range(1, 31))
    organizer = await compose(bot)
    await organizer.press("📣 Confirm")
    sender = FakeSender("telegram")
    started = time.monotonic()
    await worker(bot, sender, rate=20).deliver_pending()
    times = sorted(s.at for s in sender.sent)
    assert len(times) == 30
    assert max(sum(1 for t in times if start <= t < start + 1) for start in times) <= 20
    assert time.monotonic() - started >= 0.9  # 30 at 20/s cannot all go in the first second
