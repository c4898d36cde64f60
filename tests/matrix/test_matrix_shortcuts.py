"""Reactions as choice shortcuts and moderators by room power level, on a real Synapse."""

from __future__ import annotations

from pathlib import Path

import pytest
from nio import RoomCreateResponse

from bots.matrix import create_bot
from bots.matrix.render import KEYCAPS
from bots.runtime import open_runtime
from tests.matrix.conftest import Person, RunningBot, matrix_config
from tests.matrix.synapse import Synapse

pytestmark = [pytest.mark.requires_service("synapse"), pytest.mark.timeout(120)]


async def _react(person: Person, room: str, event_id: str, key: str) -> None:
    relates = {"rel_type": "m.annotation", "event_id": event_id, "key": key}
    await person.client.room_send(room, "m.reaction", {"m.relates_to": relates})


async def test_a_reaction_on_the_bots_message_takes_the_choice(
    running: RunningBot, person: Person
) -> None:
    room = await person.open_direct(running.bot.client.user_id)
    pitch = await person.ask(room, "!sign", "1. Yes, I want to sign")
    person.notices.clear()
    await _react(person, room, pitch.event_id, KEYCAPS[0])
    assert await person.next_notice(room, "name") is not None


async def test_foreign_and_stale_reactions_change_nothing(
    running: RunningBot, person: Person
) -> None:
    room = await person.open_direct(running.bot.client.user_id)
    stale = await person.ask(room, "!sign", "1. Yes, I want to sign")
    await person.say(room, "1")
    await person.next_notice(room, "name")
    await person.say(room, "just my own message")  # taken as the name: the email is asked
    await person.next_notice(room, "email")
    mine = await person.client.room_messages(room, start="", limit=20)
    own = [e for e in getattr(mine, "chunk", []) if e.sender == person.user_id]
    person.notices.clear()
    await _react(person, room, own[0].event_id, KEYCAPS[0])  # on their own message
    await _react(person, room, stale.event_id, KEYCAPS[0])  # on the pitch, long answered
    # Still at the email step: a valid email is taken and the postal code asked next.
    asked = await person.ask(room, "ada@example.org", "ZIP")
    assert asked is not None
    assert not [e for _, e in person.notices if "name" in e.body.lower()]


async def test_moderators_by_room_power_level(
    synapse: Synapse, bot_account: str, tmp_path: Path, person: Person
) -> None:
    matrix = {"enabled": True, "homeserver_url": synapse.url, "user_id": bot_account}
    config = matrix_config(
        tmp_path, synapse, bot_account, matrix=matrix | {"moderator_power_level": 50}
    )
    runtime = await open_runtime(config)
    running = RunningBot(runtime, create_bot(runtime))
    at_level = Person(synapse, f"{person.user_id[1:5]}m")
    below = Person(synapse, f"{person.user_id[1:5]}b")
    try:
        await running.ready()
        await at_level.start()
        await below.start()
        levels = {
            "users": {at_level.user_id: 50, below.user_id: 49},  # the creator is above all
        }
        created = await person.client.room_create(
            name="Organizers",
            invite=[bot_account, at_level.user_id, below.user_id],
            power_level_override=levels,
        )
        assert isinstance(created, RoomCreateResponse), created
        room = created.room_id
        await at_level.sync(0)
        await below.sync(0)
        for _ in range(20):  # the bot joins on the invite's next sync
            members = await person.client.joined_members(room)
            if len(getattr(members, "members", [])) >= 4:
                break
            await person.sync(200)
        count = await at_level.ask(room, "!count", "")
        assert any(ch.isdigit() for ch in count.body)
        assert "only for" not in count.body
        await below.sync(0)  # the answer to the moderator, seen in the room, is not theirs
        below.notices.clear()
        await below.say(room, "!count")
        refused = await below.next_notice(containing="only for")  # told in their direct room
        assert refused is not None
        assert not [e for _, e in below.notices if "signatures" in e.body]
    finally:
        await running.stop()
        await runtime.close()
        await at_level.client.close()
        await below.client.close()
