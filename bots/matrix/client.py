"""The Matrix bot on a runtime's core: a sync loop that records every event in the inbox
before it stores the sync token (core/inbox.py), so a restart neither replays nor loses one.

`create_bot` wires everything and connects nothing; `MatrixBot.serve` syncs until cancelled.
The access token comes from ``$MATRIX_ACCESS_TOKEN`` only and is blanked from every log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

from nio import (
    AsyncClient,
    DirectRoomsResponse,
    Event,
    MegolmEvent,
    ReactionEvent,
    RoomMessageText,
    SyncResponse,
)

import bots.matrix.crypto as crypto
from bots.config import AppConfig
from bots.logs import protect_logs
from bots.matrix.events import identity, message_inbound, reaction_inbound
from bots.matrix.offers import Offers
from bots.matrix.render import MAX_BODY, choices_of
from bots.matrix.rooms import DirectRooms
from bots.matrix.sender import PLATFORM, MatrixSender
from bots.runtime import Runtime
from core.catalog import Catalog
from core.errors import MissingToken
from core.keyed_lock import KeyedLock
from core.messages import Capabilities, Inbound, LinkButton, Outbound

log = logging.getLogger(__name__)
# The name `run` knows this platform by (bots/platforms.py), as `/readyz` reports it.
CONNECTION_NAME = "Matrix"

TOKEN_ENV = "MATRIX_ACCESS_TOKEN"
SYNC_TIMEOUT_MS = 30_000
CONCURRENT_EVENTS = 16
# Synapse cuts a room's timeline to 10 events per sync by default ("limited"), skipping the
# rest: a busy room between two syncs would lose messages.
SYNC_FILTER = {"room": {"timeline": {"limit": 1000}}}
# Private replies to a group message go to the person's direct room (opened if need be).
CAPABILITIES = Capabilities(max_text_length=MAX_BODY, private_replies_in_groups=True)


class MatrixBot:
    """The petition bot on one Matrix account."""

    def __init__(self, runtime: Runtime, client: AsyncClient, deliver_broadcasts: bool) -> None:
        self.core = runtime.core
        self._store_folder = crypto.store_folder(runtime.config)
        self.settings = runtime.config.matrix
        self._connections = runtime.connections
        self.client = client
        self.sender = MatrixSender(client, {})
        self._deliver_broadcasts = deliver_broadcasts
        self.direct = DirectRooms(client, self.sender.direct_rooms)
        self._offers = Offers(client)
        self._warned: set[str] = set()
        self._people = KeyedLock()
        self._slots = asyncio.Semaphore(CONCURRENT_EVENTS)
        self._tasks: set[asyncio.Task[None]] = set()
        self.ready = asyncio.Event()

    async def serve(self) -> None:
        """Finish what a crash interrupted, then sync until cancelled."""
        await crypto.open_device(self.client, self._store_folder)
        await self.direct.load()
        since = await self.core.inbox.cursor(PLATFORM)
        first = await self.client.sync(0, SYNC_FILTER, since, full_state=True)
        if self._deliver_broadcasts:
            self.core.deliveries.start(self.sender)
        try:
            await self._resume()
            response: Any = first
            while True:
                if isinstance(response, SyncResponse):
                    await crypto.upkeep(self.client)
                    await self._accept(response, handle=since is not None)
                    since = response.next_batch
                    self.ready.set()
                    self._connections.connected(CONNECTION_NAME)
                else:
                    self._connections.disconnected(CONNECTION_NAME)
                    log.warning("sync failed: %s", getattr(response, "status_code", "?"))
                    await asyncio.sleep(2)
                response = await self.client.sync(SYNC_TIMEOUT_MS, SYNC_FILTER, since)
        finally:
            self._connections.disconnected(CONNECTION_NAME)
            await self.core.deliveries.stop(PLATFORM)
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, response: SyncResponse, handle: bool) -> None:
        """Join invitations; record the batch's events, then store the token, then answer."""
        for room_id, invite in response.rooms.invite.items():
            await self.client.join(room_id)
            await self.direct.joined(room_id, invite.invite_state)
        recorded: list[str] = []
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events if handle else ():
                if getattr(event, "sender", self.client.user_id) == self.client.user_id:
                    continue
                payload = json.dumps({"room": room_id, "event": event.source})
                if await self.core.inbox.record(PLATFORM, event.event_id, payload):
                    recorded.append(payload)
        await self.core.inbox.confirm(PLATFORM, response.next_batch)
        for payload in recorded:
            self._spawn(payload)

    def _spawn(self, payload: str) -> None:
        task = asyncio.create_task(self._turn(payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _turn(self, payload: str) -> None:
        """One event: in the sender's turn (in order), then in one of the shared slots."""
        data = json.loads(payload)
        event = Event.parse_event(data["event"])
        async with self._people.hold(getattr(event, "sender", "")), self._slots:
            try:
                inbound = await self._inbound(data["room"], event)
                if inbound is not None:
                    await self.deliver(inbound, await self.core.handle(inbound, CAPABILITIES))
                await self.core.inbox.settle(PLATFORM, event.event_id)
            except Exception:  # kept in the inbox: handled again after a restart
                log.exception("event %s in room %s failed", event.event_id, data["room"])

    async def _inbound(self, room_id: str, event: Any) -> Inbound | None:
        room = self.client.rooms.get(room_id)
        if room is None:
            return None
        private = self.direct.is_direct(room_id) or room.member_count <= 2
        who = identity(room, event.sender, private, self.settings.moderator_power_level)
        if isinstance(event, MegolmEvent):
            return await self._encrypted(room_id, event)
        if isinstance(event, RoomMessageText):
            if private:
                await self.direct.seen(event.sender, room_id)
            return message_inbound(event, who, self._offers.current(room_id))
        if isinstance(event, ReactionEvent):
            return reaction_inbound(event, who, await self._offers.of(room_id, event.reacts_to))
        return None

    async def _encrypted(self, room_id: str, event: MegolmEvent) -> Inbound | None:
        """Decrypted if the key came after the sync recorded it; else explained once."""
        if self.client.olm is None:
            await self._say_once(room_id, crypto.NO_CRYPTO)
            return None
        decrypted = crypto.decrypted(self.client, event)
        if decrypted is None:
            log.warning("event %s in room %s could not be decrypted", event.event_id, room_id)
            await self._say_once(room_id, crypto.UNREADABLE)
            return None
        return await self._inbound(room_id, decrypted)

    async def _say_once(self, room_id: str, text: str) -> None:
        if room_id not in self._warned:
            self._warned.add(room_id)
            await self.sender.send_content(
                room_id, {"msgtype": "m.notice", "body": text, "m.mentions": {}}
            )

    async def deliver(self, inbound: Inbound, replies: list[Outbound]) -> None:
        """In order; private replies to a group message go to the person's direct room."""
        for reply in replies:
            room = inbound.chat_id
            if reply.private and not inbound.private:
                room = await self.direct.open_for(inbound.user_id)
                await self._point_to_direct(inbound, room)
            result = await self.sender.send_to_chat(room, reply)
            if result.message_id is None:
                log.warning("reply to user %s not delivered: %s", inbound.user_id, result.detail)
                continue
            self._offers.sent(room, result.message_id)
            if reply.choices:
                await self._offers.offer(room, result.message_id, choices_of(reply))

    async def _point_to_direct(self, inbound: Inbound, room: str) -> None:
        """Once per group message: the answer is in the person's direct room."""
        if inbound.message_id and inbound.message_id in self._warned:
            return
        self._warned.add(inbound.message_id or "")
        catalog: Catalog = self.core.catalog
        link = LinkButton(
            label=catalog.render("button_private_chat").to_plain_text(),
            url=f"https://matrix.to/#/{room}",
        )
        note = Outbound(text=catalog.render("go_private"), links=(link,))
        await self.sender.send_to_chat(inbound.chat_id, note)

    async def _resume(self) -> None:
        inbox = self.core.inbox
        for message_id, inbound, replies in await inbox.unanswered(PLATFORM):
            await self.deliver(inbound, replies)
            await inbox.settle(PLATFORM, message_id)
        for payload in await inbox.unhandled(PLATFORM):
            await self._turn(payload)


def _client(config: AppConfig, token: str) -> AsyncClient:
    settings = config.matrix
    client = AsyncClient(settings.homeserver_url, settings.user_id, config=crypto.client_config())
    client.access_token = token
    client.user_id = settings.user_id
    return client


def _token() -> str:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise MissingToken(
            f"the environment variable {TOKEN_ENV} is not set: export {TOKEN_ENV}=<token>"
        )
    protect_logs(token)
    return token


def create_bot(runtime: Runtime, *, deliver_broadcasts: bool = True) -> MatrixBot:
    """The Matrix bot on the runtime's core, fully wired, not connected."""
    return MatrixBot(runtime, _client(runtime.config, _token()), deliver_broadcasts)


async def run_matrix(runtime: Runtime, deliver_broadcasts: bool = True) -> None:
    """Sync with ``$MATRIX_ACCESS_TOKEN`` until stopped; broadcasts are left to a dispatcher
    process when ``deliver_broadcasts`` is false."""
    bot = create_bot(runtime, deliver_broadcasts=deliver_broadcasts)
    try:
        await bot.serve()
    finally:
        await bot.client.close()


@contextlib.asynccontextmanager
async def open_sender(config: AppConfig, token: str) -> AsyncIterator[MatrixSender]:
    """A Matrix `Sender` without syncing, e.g. for broadcasts from the command line."""
    protect_logs(token)
    client = _client(config, token)
    try:
        direct = await client.list_direct_rooms()
        rooms = direct.rooms if isinstance(direct, DirectRoomsResponse) else {}
        yield MatrixSender(client, {user: ids[-1] for user, ids in rooms.items()})
    finally:
        await client.close()
