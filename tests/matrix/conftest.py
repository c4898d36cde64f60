"""One real Synapse for every Matrix test, the bot on it, and people as real nio clients."""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from nio import AsyncClient, RoomCreateResponse, RoomMessageNotice, SyncResponse

from bots.config import BUNDLED_EXAMPLE, parse_config
from bots.matrix import MatrixBot, create_bot
from bots.matrix.client import SYNC_FILTER
from bots.runtime import Runtime, open_runtime
from tests.matrix.synapse import Synapse, SynapseUnavailable, synapse_python

WAIT = 15.0


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    try:
        python = synapse_python()
        server = Synapse(tmp_path_factory.mktemp("synapse"))
        server.start(python)
    except SynapseUnavailable as exc:
        pytest.skip(str(exc))
    yield server
    server.stop()


class Person:
    """A Matrix user on a real client: opens rooms, types, reacts, reads the bot's notices."""

    def __init__(self, server: Synapse, localpart: str) -> None:
        self.user_id, token = server.register(localpart)
        self.client = AsyncClient(server.url, self.user_id)
        self.client.access_token = token
        self.since: str | None = None
        self.notices: list[tuple[str, Any]] = []  # (room, event)

    async def start(self) -> None:
        await self.sync(0)

    async def sync(self, timeout_ms: int = 1000) -> None:
        response = await self.client.sync(timeout_ms, SYNC_FILTER, self.since)
        assert isinstance(response, SyncResponse), response
        self.since = response.next_batch
        for room_id in response.rooms.invite:
            await self.client.join(room_id)
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events:
                if isinstance(event, RoomMessageNotice):
                    self.notices.append((room_id, event))

    async def open_direct(self, bot_id: str) -> str:
        created = await self.client.room_create(is_direct=True, invite=[bot_id])
        assert isinstance(created, RoomCreateResponse), created
        return created.room_id

    async def say(self, room: str, text: str) -> None:
        content = {"msgtype": "m.text", "body": text}
        await self.client.room_send(room, "m.room.message", content)

    async def next_notice(self, room: str | None = None, containing: str = "") -> Any:
        """The next notice from the bot (in ``room``) whose body contains ``containing``."""
        async with asyncio.timeout(WAIT):
            while True:
                for found in self.notices:
                    if (room is None or found[0] == room) and containing in found[1].body:
                        self.notices.remove(found)
                        return found[1]
                await self.sync()

    async def ask(self, room: str, text: str, containing: str = "") -> Any:
        self.notices.clear()
        await self.say(room, text)
        return await self.next_notice(room, containing)


def matrix_config(tmp_path: Path, server: Synapse, bot_id: str, **sections: Any) -> Any:
    with BUNDLED_EXAMPLE.open("rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    data["storage"] = {"url": f"sqlite:///{tmp_path / 'petition.db'}"}
    data["matrix"] = {"enabled": True, "homeserver_url": server.url, "user_id": bot_id}
    return parse_config(data | sections)


class RunningBot:
    """The bot serving in a task; ``restart`` stops it and starts it again on the same file."""

    def __init__(self, runtime: Runtime, bot: MatrixBot) -> None:
        self.runtime, self.bot = runtime, bot
        self.task = asyncio.create_task(bot.serve())

    async def ready(self) -> None:
        async with asyncio.timeout(WAIT):
            await self.bot.ready.wait()

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        await self.bot.client.close()


@pytest.fixture
async def bot_account(synapse: Synapse, monkeypatch: pytest.MonkeyPatch) -> str:
    import secrets

    user_id, token = synapse.register(f"bot{secrets.token_hex(3)}")
    monkeypatch.setenv("MATRIX_ACCESS_TOKEN", token)
    return user_id


@pytest.fixture
async def running(synapse: Synapse, bot_account: str, tmp_path: Path) -> AsyncIterator[RunningBot]:
    config = matrix_config(tmp_path, synapse, bot_account)
    runtime = await open_runtime(config)
    running = RunningBot(runtime, create_bot(runtime))
    await running.ready()
    yield running
    await running.stop()
    await runtime.close()


@pytest.fixture
async def person(synapse: Synapse) -> AsyncIterator[Person]:
    import secrets

    someone = Person(synapse, f"p{secrets.token_hex(3)}")
    await someone.start()
    yield someone
    await someone.client.close()
