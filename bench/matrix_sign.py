"""Matrix: N people signing at once through a real Synapse, beside a bare echo bot (the ceiling).

Each person is a real matrix-nio client in a direct room with the bot and holds the whole
signing conversation (``!sign``, ``1``, name, email, ZIP, ``1`` for updates, ``1`` to sign:
7 messages, each waited for the bot's answer, as a person would). The same run sends the same
7 messages per person to a minimal echo bot on the same library and server (it answers each
message with a notice and stores nothing). ``ratio`` = petition messages/s ÷ echo messages/s.
Synapse, the bots and the people share this machine's CPU cores.

    PETITION_BOT_SYNAPSE=.synapse-venv/bin/python \
        .venv/bin/python bench/matrix_sign.py [--signers 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nio import AsyncClient, RoomMessageText, SyncResponse

from bots.matrix import create_bot
from bots.matrix.client import SYNC_FILTER
from bots.runtime import open_runtime
from tests.matrix.conftest import Person, RunningBot, matrix_config
from tests.matrix.synapse import Synapse, synapse_python

STEPS = ("!sign", "1", "Ada Lovelace", "{email}", "10001", "1", "1")


async def echo_bot(client: AsyncClient, ready: asyncio.Event) -> None:
    """Joins every invitation and answers every text with a notice: the library's ceiling."""
    since = None
    sending: set[asyncio.Task[object]] = set()
    while True:
        response = await client.sync(1000, SYNC_FILTER, since)
        if not isinstance(response, SyncResponse):
            continue
        for room_id in response.rooms.invite:
            await client.join(room_id)
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events if since else ():
                if isinstance(event, RoomMessageText) and event.sender != client.user_id:
                    content = {"msgtype": "m.notice", "body": event.body, "m.mentions": {}}
                    task = asyncio.create_task(client.room_send(room_id, "m.room.message", content))
                    sending.add(task)
                    task.add_done_callback(sending.discard)
        since = response.next_batch
        ready.set()


async def converse(person: Person, bot_id: str, index: int) -> None:
    room = await person.open_direct(bot_id)
    await person.ask(room, "!help")  # the bot has joined
    for step in STEPS:
        await person.ask(room, step.format(email=f"ada{index}@example.org"))


async def run_people(server: Synapse, bot_id: str, signers: int) -> float:
    people = [Person(server, f"b{secrets.token_hex(4)}") for _ in range(signers)]
    for person in people:
        await person.start()
    started = time.perf_counter()
    await asyncio.gather(*(converse(p, bot_id, i) for i, p in enumerate(people)))
    elapsed = time.perf_counter() - started
    for person in people:
        await person.client.close()
    return signers * (len(STEPS) + 1) / elapsed


async def main(signers: int) -> int:
    folder = Path(tempfile.mkdtemp())
    server = Synapse(folder)
    server.start(synapse_python())
    try:
        echo_id, echo_token = server.register(f"echo{secrets.token_hex(3)}")
        echo = AsyncClient(server.url, echo_id)
        echo.access_token = echo_token
        ready = asyncio.Event()
        echo_task = asyncio.create_task(echo_bot(echo, ready))
        await ready.wait()
        echo_rate = await run_people(server, echo_id, signers)
        echo_task.cancel()
        await echo.close()

        bot_id, token = server.register(f"bot{secrets.token_hex(3)}")
        os.environ["MATRIX_ACCESS_TOKEN"] = token
        runtime = await open_runtime(matrix_config(folder, server, bot_id))
        bot = RunningBot(runtime, create_bot(runtime, deliver_broadcasts=False))
        await bot.ready()
        petition_rate = await run_people(server, bot_id, signers)
        signed = await runtime.store.count(runtime.config.petitions[0].slug)
        await bot.stop()
        await runtime.close()
    finally:
        server.stop()
    print("| bot | signers | messages/s |\n|---|---|---|")
    print(f"| echo (nio, no store) | {signers} | {echo_rate:.1f} |")
    print(f"| petition bot | {signers} | {petition_rate:.1f} |")
    print(f"ratio {petition_rate / echo_rate:.2f}; signed {signed}/{signers}")
    return 0 if signed == signers else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--signers", type=int, default=20)
    sys.exit(asyncio.run(main(parser.parse_args().signers)))
