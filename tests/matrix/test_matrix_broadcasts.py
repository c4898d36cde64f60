"""A broadcast on Matrix, through the real delivery worker and a real Synapse."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from core.broadcasts.models import DeliveryState
from tests.matrix.conftest import WAIT, Person, RunningBot
from tests.matrix.synapse import Synapse

pytestmark = [pytest.mark.requires_service("synapse"), pytest.mark.timeout(120)]

NEWS = "We reached the goal, thank you all!"


async def _sign(running: RunningBot, person: Person, email: str) -> str:
    room = await person.open_direct(running.bot.client.user_id)
    await person.ask(room, "!sign", "1. Yes")
    for step in ("1", "Ada Lovelace", email, "10001", "1"):
        await person.ask(room, step)
    await person.ask(room, "1", "Thank you")
    return room


async def test_a_broadcast_reaches_opted_in_signers_once_and_marks_who_left_unreachable(
    running: RunningBot, person: Person, synapse: Synapse
) -> None:
    leaver = Person(synapse, f"l{secrets.token_hex(3)}")
    await leaver.start()
    room = await _sign(running, person, "ada@example.org")
    left = await _sign(running, leaver, "bob@example.org")
    await leaver.client.room_leave(left)
    core, now = running.runtime.core, running.runtime.core.clock()
    draft = await core.desk.draft(None, NEWS, "matrix:organizer", ("matrix", room), now)
    await core.desk.confirm(draft.id, "matrix:organizer", now)
    for _ in range(int(WAIT / 0.2)):  # the worker delivers in the background
        totals = await core.desk.totals(draft.id)
        if not totals.open:
            break
        await asyncio.sleep(0.2)
    assert totals[DeliveryState.DELIVERED] == 1
    assert totals[DeliveryState.UNREACHABLE] == 1
    await person.next_notice(room, NEWS)
    await person.sync()
    assert not [event for _, event in person.notices if event.body == NEWS]  # exactly once
    await leaver.client.close()
