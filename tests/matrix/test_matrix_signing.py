"""Signing on Matrix against a real Synapse, with a real second client as the signer."""

from __future__ import annotations

import pytest

from bots.matrix import create_bot
from core.messages import Capabilities, Inbound, InboundKind
from tests.matrix.conftest import Person, RunningBot

pytestmark = [pytest.mark.requires_service("synapse"), pytest.mark.timeout(120)]

NAME = "Eve @room <b>x</b>"


async def _start(running: RunningBot, person: Person) -> str:
    room = await person.open_direct(running.bot.client.user_id)
    pitch = await person.ask(room, "!sign")
    assert "1. Yes, I want to sign" in pitch.body
    return room


async def test_signing_in_a_direct_room_end_to_end_renders_a_name_literally(
    running: RunningBot, person: Person
) -> None:
    room = await _start(running, person)
    await person.ask(room, "1", "name")
    await person.ask(room, NAME, "email")
    refused = await person.ask(room, "not an email", "")
    assert "email" in refused.body.lower()  # the step is kept: the email is asked again
    await person.ask(room, "eve@example.org", "ZIP")
    consent = await person.ask(room, "10001", "")
    assert "1. " in consent.body
    summary = await person.ask(room, "1", "")
    if NAME not in summary.body:  # a consent question more before the summary
        summary = await person.ask(room, "1", "")
    assert NAME in summary.body
    content = summary.source["content"]
    assert content["m.mentions"] == {}
    assert "&lt;b&gt;x&lt;/b&gt;" in content["formatted_body"]
    assert "<b>x</b>" not in content["formatted_body"]
    done = await person.ask(room, "1", "")
    assert "Thank you" in done.body or "thank" in done.body.lower()
    again = await person.ask(room, "!sign", "already signed")
    assert again is not None
    assert await running.runtime.store.count(running.runtime.config.petitions[0].slug) == 1


async def test_a_restart_mid_conversation_finishes_the_signing_and_replays_nothing(
    running: RunningBot, person: Person
) -> None:
    room = await _start(running, person)
    await person.ask(room, "1", "name")
    await running.stop()
    await person.say(room, "Ada Lovelace")  # sent while the bot is down
    restarted = RunningBot(running.runtime, create_bot(running.runtime))
    try:
        await restarted.ready()
        asked = await person.next_notice(room, "email")
        assert asked is not None
        await person.ask(room, "ada@example.org", "ZIP")
        person.notices.clear()
        await person.sync()
        assert person.notices == []  # nothing answered twice
    finally:
        await restarted.stop()


async def _sign_on_telegram(running: RunningBot, email: str) -> None:
    """Someone signs through the core as a Telegram user (the same store)."""
    core, caps = running.runtime.core, Capabilities()
    who = {"platform": "telegram", "user_id": "4242", "chat_id": "4242"}
    replies = await core.handle(Inbound(**who, kind=InboundKind.COMMAND, command="sign"), caps)
    for step in ("choice", "Grace Hopper", email, "10001", "choice", "choice"):
        if step == "choice":
            data = replies[-1].choices[0][0].data
            inbound = Inbound(**who, kind=InboundKind.CHOICE, text=data)
        else:
            inbound = Inbound(**who, kind=InboundKind.TEXT, text=step)
        replies = await core.handle(inbound, caps)
    slug = running.runtime.config.petitions[0].slug
    assert await running.runtime.store.count(slug) == 1


async def test_the_same_email_signed_on_telegram_is_refused_on_matrix(
    running: RunningBot, person: Person
) -> None:
    await _sign_on_telegram(running, "grace@example.org")
    room = await _start(running, person)
    await person.ask(room, "1", "name")
    await person.ask(room, "Grace H", "email")
    await person.ask(room, "grace@example.org", "ZIP")
    await person.ask(room, "10001", "")
    await person.ask(room, "1", "")  # updates: yes
    # The answer never tells whether an address signed (anyone could type anyone's), but the
    # second signature is not counted.
    answer = await person.ask(room, "1", "counts once")  # sign
    slug = running.runtime.config.petitions[0].slug
    assert await running.runtime.store.count(slug) == 1
    assert answer is not None


async def test_an_encrypted_message_gets_one_plain_explanation(
    running: RunningBot, person: Person
) -> None:
    room = await person.open_direct(running.bot.client.user_id)
    await person.ask(room, "!help")  # the bot has joined
    encrypted = {
        "algorithm": "m.megolm.v1.aes-sha2",
        "ciphertext": "AwgAEnACgAkLmt6qF84IK++J7UDH2Za1YVchHyprqTqsg",
        "sender_key": "IlRMeOPX2e0MurIyfWEucYBRVOEEUMrOHqn/8mLqMjA",
        "device_id": "RJYKSTBOIE",
        "session_id": "X3lUlvLELLYxeTx4yOVu6UDpasGEVO0Jbu+QFnm0cKQ",
    }
    for _ in range(2):
        await person.client.room_send(room, "m.room.encrypted", encrypted)
    explained = await person.next_notice(room, "end-to-end encrypted")
    assert "encryption turned off" in explained.body
    await person.say(room, "!help")  # answered after both encrypted messages
    await person.next_notice(room, "/sign")
    assert not [e for _, e in person.notices if "end-to-end encrypted" in e.body]


async def test_messages_typed_before_the_bot_joined_are_answered_in_order(
    running: RunningBot, person: Person
) -> None:
    room = await person.open_direct(running.bot.client.user_id)
    await person.say(room, "!petitions")  # the bot has not even seen the invitation yet
    await person.say(room, "!help")
    first = await person.next_notice(room, "")
    assert first.body.startswith("Petitions")
    assert await person.next_notice(room, "/sign") is not None
