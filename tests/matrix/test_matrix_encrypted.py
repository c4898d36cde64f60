"""Signing in an encrypted direct room (as Element creates them), on a real Synapse, with an
end-to-end encrypting nio client as the signer."""

from __future__ import annotations

from pathlib import Path

import pytest
from nio import RoomCreateResponse

from bots.matrix import create_bot, crypto
from tests.matrix.conftest import Person, RunningBot

pytestmark = [
    pytest.mark.requires_service("synapse"),
    pytest.mark.timeout(120),
    pytest.mark.skipif(
        not crypto.ENABLED, reason="install matrix-nio[e2e] (pip install -e .[dev])"
    ),
]

ENCRYPTION = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


async def _encrypted_direct(person: Person, bot_id: str) -> str:
    created = await person.client.room_create(
        is_direct=True, invite=[bot_id], initial_state=[ENCRYPTION]
    )
    assert isinstance(created, RoomCreateResponse), created
    for _ in range(50):  # the bot joins on the invite's next sync; its devices are learnt
        await person.sync(200)
        room = person.client.rooms.get(created.room_id)
        if room is not None and bot_id in room.users:
            break
    return created.room_id


async def test_signing_in_an_encrypted_direct_room_end_to_end_across_a_restart(
    running: RunningBot, person: Person, tmp_path: Path
) -> None:
    await person.encrypt(tmp_path / "signer-keys")
    room = await _encrypted_direct(person, running.bot.client.user_id)
    pitch = await person.ask(room, "!sign", "1. Yes, I want to sign")
    assert pitch.decrypted  # the bot answered encrypted
    await person.ask(room, "1", "name")
    await running.stop()  # the keys survive a restart in the store folder
    await person.say(room, "Ada Lovelace")  # encrypted while the bot is down
    restarted = RunningBot(running.runtime, create_bot(running.runtime))
    running.bot = restarted.bot
    running.task = restarted.task
    assert (await person.next_notice(room, "email")).decrypted
    await person.ask(room, "ada@example.org", "ZIP")
    await person.ask(room, "10001", "")
    summary = await person.ask(room, "1", "")
    if "Ada Lovelace" not in summary.body:  # a consent question more before the summary
        summary = await person.ask(room, "1", "")
    done = await person.ask(room, "1", "")
    assert done.decrypted and "thank" in done.body.lower()
    assert await running.runtime.store.count(running.runtime.config.petitions[0].slug) == 1
    assert not [e for _, e in person.notices if "decrypt" in e.body]
