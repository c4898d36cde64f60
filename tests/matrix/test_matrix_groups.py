"""Group rooms, roles and delivery on Matrix, against a real Synapse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from nio import RoomCreateResponse

from bots.matrix import create_bot
from bots.runtime import open_runtime
from core.delivery import DeliveryStatus
from core.markup import Markup
from core.messages import Outbound
from tests.matrix.conftest import Person, RunningBot, matrix_config
from tests.matrix.synapse import Synapse

pytestmark = [pytest.mark.requires_service("synapse"), pytest.mark.timeout(120)]


async def _group(person: Person, *members: str) -> str:
    created = await person.client.room_create(name="Campaign team", invite=list(members))
    assert isinstance(created, RoomCreateResponse), created
    return created.room_id


async def test_petition_in_a_group_is_answered_in_the_group(
    running: RunningBot, person: Person, synapse: Synapse
) -> None:
    other = Person(synapse, f"{person.user_id[1:5]}x")
    room = await _group(person, running.bot.client.user_id, other.user_id)
    answer = await _ask_when_joined(person, room, "!petition", "Don't Run Joe")
    assert "Don't Run Joe" in answer.body
    await other.client.close()


async def _ask_when_joined(person: Person, room: str, text: str, containing: str) -> Any:
    for _ in range(20):  # the bot joins on the invite's next sync
        members = await person.client.joined_members(room)
        if len(getattr(members, "members", [])) >= 2:
            break
        await person.sync(200)
    return await person.ask(room, text, containing)


async def test_sign_in_a_group_opens_a_direct_room_and_asks_nothing_in_the_group(
    running: RunningBot, person: Person, synapse: Synapse
) -> None:
    other = Person(synapse, f"{person.user_id[1:5]}y")
    room = await _group(person, running.bot.client.user_id, other.user_id)
    pointer = await _ask_when_joined(person, room, "!sign", "private chat")
    assert "https://matrix.to/#/!" in pointer.body
    pitch = await person.next_notice(containing="1. Yes, I want to sign")
    assert pitch is not None
    direct = [r for r, e in person.notices] + [running.bot.sender.direct_rooms[person.user_id]]
    assert room not in direct  # the pitch went to the new direct room
    await other.client.close()


async def test_moderator_count_and_a_supporters_stats_refused(
    synapse: Synapse, bot_account: str, tmp_path: Path, person: Person
) -> None:
    config = matrix_config(
        tmp_path, synapse, bot_account, roles={"moderators": [f"matrix:{person.user_id}"]}
    )
    runtime = await open_runtime(config)
    running = RunningBot(runtime, create_bot(runtime))
    supporter = Person(synapse, f"{person.user_id[1:5]}s")
    try:
        await running.ready()
        await supporter.start()
        room = await person.open_direct(bot_account)
        count = await person.ask(room, "!count", "")
        assert any(ch.isdigit() for ch in count.body)
        theirs = await supporter.open_direct(bot_account)
        refused = await supporter.ask(theirs, "!stats", "")
        assert "only for" in refused.body
    finally:
        await running.stop()
        await runtime.close()
        await supporter.client.close()


async def test_a_person_who_left_their_direct_room_is_unreachable(
    running: RunningBot, person: Person
) -> None:
    room = await person.open_direct(running.bot.client.user_id)
    await person.ask(room, "!help", "")
    news = Outbound(text=Markup.plain("We reached the goal!"))
    reached = await running.bot.sender.send_to_user(person.user_id, news)
    assert reached.status is DeliveryStatus.DELIVERED
    assert (await person.next_notice(room, "goal")) is not None
    await person.client.room_leave(room)
    gone = await running.bot.sender.send_to_user(person.user_id, news)
    assert gone.status is DeliveryStatus.UNREACHABLE
