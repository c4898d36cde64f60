"""One broadcast, two platforms, one database: Telegram (local Bot API) and Discord (SimCord).

Signers on both platforms sign through the real adapters; the organizer composes and
confirms on Telegram; Telegram's own broadcast service (started by the running
Application) delivers Telegram, and the real `DiscordSender` of the SimCord bot delivers
Discord through a `DeliveryWorker`, as the Discord bot's service would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import simcord
from e2e_helpers import (
    GOOD_FORM,
    ORGANIZER_ID,
    Person,
    answer,
    db_path,
    dm_count,
    got,
    organizer_messages,
    press,
    query,
    received_per_chat,
    sign_in_server,
    telegram_sends,
)
from telegram.ext import Application

from bots.discord_bot import DiscordPetitionBot
from core.broadcasts.models import BroadcastStatus, DeliveryState
from storage import SqliteStore
from tests.fakes.telegram_api import FakeTelegramServer

FIRST = "First news from the campaign: rally on Saturday"
SECOND = "Second news from the campaign: thank you all"
HOLD = 3  # seconds Telegram once asks the bot to wait, so progress is reported mid-way
NAMES = ("alice", "bob", "carol", "dave", "erin")
# Alice and Bob opted in and can be reached; Carol blocked the bot (Telegram) or closed her
# DMs (Discord); Dave opted out with /stop; Erin withdrew her signature.
ONLY_ALICE_AND_BOB = {"alice": 1, "bob": 1, "carol": 0, "dave": 0, "erin": 0}


async def sign_on_telegram(tg: FakeTelegramServer) -> dict[str, Person]:
    people = {name: Person(tg, 1001 + i, name.title()) for i, name in enumerate(NAMES)}
    for name, person in people.items():
        thanks = await person.sign(name=f"{name.title()} Tee", email=f"{name}@telegram.example")
        assert "Thank you" in thanks.plain
    stopped = await people["dave"].ask("/stop")
    assert "no more updates" in stopped.plain
    confirm = await people["erin"].ask("/withdraw")
    withdrawn = await people["erin"].press(confirm, "Yes, withdraw")
    assert "withdrawn" in withdrawn.plain
    tg.block_user(people["carol"].chat_id)
    return people


async def sign_on_discord(env: simcord.Env) -> dict[str, simcord.MemberActor]:
    guild = env.create_guild("Campaign HQ")
    channel = guild.create_text_channel("general")
    people = {name: guild.add_member(env.create_user(f"d-{name}")) for name in NAMES}
    for name, member in people.items():
        await sign_in_server(channel, member, {**GOOD_FORM, "email": f"{name}@discord.example"})
    stopped = await people["dave"].slash(channel, "stop")
    assert "no more updates" in stopped.response.content
    confirm = await people["erin"].slash(channel, "withdraw")
    withdrawn = await people["erin"].click(confirm.response, label="Yes, withdraw")
    assert "withdrawn" in withdrawn.response.content
    env.inject_error(  # every direct message to Carol fails with 50007, forever
        "POST",
        f"/channels/{people['carol'].user.dm_channel.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=None,
    )
    return people


async def confirm_broadcast(organizer: Person, text: str) -> int:
    preview = await answer(organizer, f"/broadcast all {text}", "Preview of broadcast")
    confirmed = await press(organizer, preview, "📣 Confirm and send", "confirmed: sending")
    return int(confirmed.plain.split("#", 1)[1].split()[0])


def telegram_received(tg: FakeTelegramServer, people: dict[str, Person], text: str) -> dict:
    per_chat = received_per_chat(tg, [p.chat_id for p in people.values()], text)
    return {name: per_chat[person.chat_id] for name, person in people.items()}


def discord_received(people: dict[str, simcord.MemberActor], text: str) -> dict:
    return {name: dm_count(member, text) for name, member in people.items()}


def dm_attempts(env: simcord.Env, member: simcord.MemberActor, since: int) -> list:
    """Requests opening or posting to ``member``'s direct messages, from number ``since`` on."""
    dm = str(member.user.dm_channel.id)
    return [
        request
        for request in env.http_requests[since:]
        if dm in request.path or str((request.json or {}).get("recipient_id")) == str(member.id)
    ]


def telegram_attempts(tg: FakeTelegramServer, chat_id: int, since: int) -> list:
    return [c for c in tg.requests[since:] if str(c.params.get("chat_id")) == str(chat_id)]


@pytest.mark.timeout(40)
async def test_one_broadcast_reaches_exactly_the_reachable_opted_in_signers_on_both_platforms(
    simcord_env: simcord.Env,
    tg: FakeTelegramServer,
    telegram_app: Application,
    shared_store: SqliteStore,
    tmp_path: Path,
) -> None:
    env = simcord_env
    telegram = await sign_on_telegram(tg)
    discord = await sign_on_discord(env)
    bot = env.bot
    assert isinstance(bot, DiscordPetitionBot) and bot.core is not None
    discord_worker = bot.core.deliveries.service(bot.sender, report=False).worker
    organizer = Person(tg, ORGANIZER_ID, "Olga")
    carol_tg, carol_dc = telegram["carol"], discord["carol"]
    tg_mark, discord_mark = len(tg.requests), len(env.http_requests)

    # Telegram answers "retry after" once, to Alice: its share stays in progress a while.
    tg.fail_next("sendMessage", chat_id=telegram["alice"].chat_id, retry_after=HOLD)
    first = await confirm_broadcast(organizer, FIRST)
    reachable = [telegram["alice"].chat_id, telegram["bob"].chat_id]
    await tg.wait_until(lambda: all(got(tg, chat, FIRST) for chat in reachable), HOLD + 5)
    # Discord still pending: the organizer sees one progress message, then it is edited.
    [progress] = await tg.wait_until(lambda: organizer_messages(tg, first)["progress"], 5)
    await tg.wait_until(lambda: progress.history, timeout=8)
    assert await discord_worker.deliver_pending() == 3  # Alice, Bob, Carol on Discord
    done = await tg.wait_for_message(ORGANIZER_ID, lambda m: f"#{first} finished" in m.plain)
    assert "Delivered: 4 of 6" in done.plain
    assert "Unreachable (blocked the bot or closed DMs): 2" in done.plain

    assert telegram_received(tg, telegram, FIRST) == ONLY_ALICE_AND_BOB
    assert discord_received(discord, FIRST) == ONLY_ALICE_AND_BOB
    # Refused once ("retry after"), Alice got it on the next try; Carol was tried once.
    assert sorted(chat for chat, _ in telegram_sends(tg, FIRST)) == [1001, 1001, 1002, 1003]
    assert telegram_attempts(tg, carol_tg.chat_id, tg_mark)
    assert dm_attempts(env, carol_dc, discord_mark)
    totals = await shared_store.totals(first)
    assert totals.by_state == {DeliveryState.DELIVERED: 4, DeliveryState.UNREACHABLE: 2}
    assert (await shared_store.get_broadcast(first)).status is BroadcastStatus.DONE
    unreachable = query(db_path(tmp_path), "SELECT platform, user_id FROM unreachable")
    assert set(unreachable) == {("telegram", str(carol_tg.chat_id)), ("discord", str(carol_dc.id))}

    # A second broadcast does not even try the two people found unreachable.
    tg_mark, discord_mark = len(tg.requests), len(env.http_requests)
    second = await confirm_broadcast(organizer, SECOND)
    assert (await shared_store.get_broadcast(second)).total == 4
    await tg.wait_until(lambda: all(got(tg, chat, SECOND) for chat in reachable), timeout=5)
    assert await discord_worker.deliver_pending() == 2
    await tg.wait_for_message(ORGANIZER_ID, lambda m: f"#{second} finished" in m.plain)
    assert telegram_attempts(tg, carol_tg.chat_id, tg_mark) == []
    assert dm_attempts(env, carol_dc, discord_mark) == []
    assert telegram_received(tg, telegram, SECOND) == ONLY_ALICE_AND_BOB
    assert discord_received(discord, SECOND) == ONLY_ALICE_AND_BOB
    assert (await shared_store.totals(second)).by_state == {DeliveryState.DELIVERED: 4}

    # The organizer's chat: the first broadcast's progress was one message edited in place
    # (never a second one), and each broadcast has exactly one final summary.
    report = organizer_messages(tg, first)
    assert report["progress"] == [progress] and len(report["done"]) == 1
    edited = {
        int(call.params["message_id"])
        for call in tg.calls("editMessageText")
        if str(call.params.get("chat_id")) == str(ORGANIZER_ID)
        and f"#{first}:" in call.params.get("text", "")
    }
    assert edited == {progress.message_id}
    assert len(organizer_messages(tg, second)["done"]) == 1
    assert len(organizer_messages(tg, second)["progress"]) <= 1
