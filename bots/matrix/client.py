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
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

from nio import (
    AsyncClient,
    DirectRoomsResponse,
    Event,
    InviteMemberEvent,
    MegolmEvent,
    ReactionEvent,
    RoomCreateResponse,
    RoomGetEventResponse,
    RoomMessageText,
    SyncResponse,
)

from bots.config import AppConfig
from bots.logs import protect_logs
from bots.matrix.events import identity, message_inbound, reaction_inbound
from bots.matrix.render import CHOICES_KEY, KEYCAPS, MAX_BODY, choices_of
from bots.matrix.sender import PLATFORM, MatrixSender
from bots.runtime import Runtime
from core.catalog import Catalog
from core.errors import MissingToken
from core.keyed_lock import KeyedLock
from core.messages import Capabilities, Choice, Inbound, LinkButton, Outbound

log = logging.getLogger(__name__)
# The name `run` knows this platform by (bots/platforms.py), as `/readyz` reports it.
CONNECTION_NAME = "Matrix"

TOKEN_ENV = "MATRIX_ACCESS_TOKEN"
SYNC_TIMEOUT_MS = 30_000
CONCURRENT_EVENTS = 16
# Synapse cuts a room's timeline to 10 events per sync by default ("limited"), skipping the
# rest: a busy room between two syncs would lose messages.
SYNC_FILTER = {"room": {"timeline": {"limit": 1000}}}
REMEMBERED_OFFERS = 10_000
# Private replies to a group message go to the person's direct room (opened if need be).
CAPABILITIES = Capabilities(max_text_length=MAX_BODY, private_replies_in_groups=True)
NO_CRYPTO = (
    "This chat is end-to-end encrypted, and this bot can't read encrypted messages yet. "
    "Please start a new direct chat with the bot with encryption turned off (in Element: "
    "Start chat, then under 'Show advanced' turn off end-to-end encryption)."
)


class MatrixBot:
    """The petition bot on one Matrix account."""

    def __init__(self, runtime: Runtime, client: AsyncClient, deliver_broadcasts: bool) -> None:
        self.core = runtime.core
        self.settings = runtime.config.matrix
        self._connections = runtime.connections
        self.client = client
        self.sender = MatrixSender(client, {})
        self._deliver_broadcasts = deliver_broadcasts
        self._offers: OrderedDict[str, list[Choice]] = OrderedDict()  # event id → choices
        self._last_offer: dict[str, str] = {}  # room id → event id of its last bot message
        self._warned: set[str] = set()
        self._people = KeyedLock()
        self._slots = asyncio.Semaphore(CONCURRENT_EVENTS)
        self._tasks: set[asyncio.Task[None]] = set()
        self.ready = asyncio.Event()

    async def serve(self) -> None:
        """Finish what a crash interrupted, then sync until cancelled."""
        direct = await self.client.list_direct_rooms()
        if isinstance(direct, DirectRoomsResponse):
            self.sender.direct_rooms.update({u: rooms[-1] for u, rooms in direct.rooms.items()})
        since = await self.core.inbox.cursor(PLATFORM)
        first = await self.client.sync(0, SYNC_FILTER, since, full_state=True)
        if self._deliver_broadcasts:
            self.core.deliveries.start(self.sender)
        try:
            await self._resume()
            response: Any = first
            while True:
                if isinstance(response, SyncResponse):
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
            await self._join(room_id, invite.invite_state)
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

    async def _join(self, room_id: str, invite_state: list[Any]) -> None:
        await self.client.join(room_id)
        for event in invite_state:
            mine = isinstance(event, InviteMemberEvent) and event.state_key == self.client.user_id
            if mine and event.content.get("is_direct"):
                await self._remember_direct(event.sender, room_id)

    async def _remember_direct(self, user_id: str, room_id: str) -> None:
        """The person's direct room, in m.direct (where clients keep it too)."""
        self.sender.direct_rooms[user_id] = room_id
        path = f"/_matrix/client/v3/user/{self.client.user_id}/account_data/m.direct"
        body = {user: [room] for user, room in self.sender.direct_rooms.items()}
        headers = {"Authorization": f"Bearer {self.client.access_token}"}
        await self.client.send("PUT", path, json.dumps(body), headers)

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
        private = room_id in self.sender.direct_rooms.values() or room.member_count <= 2
        who = identity(room, event.sender, private, self.settings.moderator_power_level)
        if isinstance(event, MegolmEvent):
            await self._say_no_crypto(room_id)
            return None
        if isinstance(event, RoomMessageText):
            if private and event.sender not in self.sender.direct_rooms:
                await self._remember_direct(event.sender, room_id)
            return message_inbound(
                event, who, self._offers.get(self._last_offer.get(room_id, ""), [])
            )
        if isinstance(event, ReactionEvent):
            return reaction_inbound(event, who, await self._offered(room_id, event.reacts_to))
        return None

    async def _offered(self, room_id: str, event_id: str) -> list[Choice]:
        """The choices of a bot message (after a restart, read back from the event)."""
        if event_id in self._offers:
            return self._offers[event_id]
        found = await self.client.room_get_event(room_id, event_id)
        if not isinstance(found, RoomGetEventResponse) or found.event.sender != self.client.user_id:
            return []  # a foreign reaction: on someone else's message
        stored = found.event.source.get("content", {}).get(CHOICES_KEY) or []
        return [Choice(label=str(c.get("label")), data=str(c.get("data"))) for c in stored]

    async def _say_no_crypto(self, room_id: str) -> None:
        if room_id not in self._warned:
            self._warned.add(room_id)
            await self.sender.send_content(
                room_id, {"msgtype": "m.notice", "body": NO_CRYPTO, "m.mentions": {}}
            )

    async def deliver(self, inbound: Inbound, replies: list[Outbound]) -> None:
        """In order; private replies to a group message go to the person's direct room."""
        for reply in replies:
            room = inbound.chat_id
            if reply.private and not inbound.private:
                room = await self._direct_room(inbound.user_id)
                await self._point_to_direct(inbound, room)
            result = await self.sender.send_to_chat(room, reply)
            if result.message_id is None:
                log.warning("reply to user %s not delivered: %s", inbound.user_id, result.detail)
                continue
            self._last_offer[room] = result.message_id
            if reply.choices:
                await self._offer(room, result.message_id, choices_of(reply))

    async def _offer(self, room: str, event_id: str, choices: list[Choice]) -> None:
        self._offers[event_id] = choices
        if len(self._offers) > REMEMBERED_OFFERS:
            self._offers.popitem(last=False)
        for key in KEYCAPS[: min(len(choices), 3)]:  # shortcuts where a tap helps
            relates = {"rel_type": "m.annotation", "event_id": event_id, "key": key}
            await self.client.room_send(room, "m.reaction", {"m.relates_to": relates})

    async def _direct_room(self, user_id: str) -> str:
        room = self.sender.direct_rooms.get(user_id)
        if room is None:
            created = await self.client.room_create(is_direct=True, invite=[user_id])
            if isinstance(created, RoomCreateResponse):
                room = created.room_id
                await self._remember_direct(user_id, room)
        return room or ""

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
    client = AsyncClient(settings.homeserver_url, settings.user_id)
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
