"""Each person's direct room with the bot, kept in the account's ``m.direct`` (where clients
keep it too), so broadcasts and private answers find it after a restart."""

from __future__ import annotations

import json
from typing import Any

from nio import AsyncClient, DirectRoomsResponse, InviteMemberEvent, RoomCreateResponse


class DirectRooms:
    """User id → direct room id, shared with the sender (the same dict)."""

    def __init__(self, client: AsyncClient, known: dict[str, str]) -> None:
        self._client = client
        self.known = known

    async def load(self) -> None:
        direct = await self._client.list_direct_rooms()
        if isinstance(direct, DirectRoomsResponse):
            self.known.update({user: rooms[-1] for user, rooms in direct.rooms.items()})

    def is_direct(self, room_id: str) -> bool:
        return room_id in self.known.values()

    async def joined(self, room_id: str, invite_state: list[Any]) -> None:
        """An invitation the bot accepted: a direct one is the inviter's direct room."""
        for event in invite_state:
            mine = isinstance(event, InviteMemberEvent) and event.state_key == self._client.user_id
            if mine and event.content.get("is_direct"):
                await self.remember(event.sender, room_id)

    async def seen(self, user_id: str, room_id: str) -> None:
        """A message in a private room: the person's direct room, unless one is known."""
        if user_id not in self.known:
            await self.remember(user_id, room_id)

    async def remember(self, user_id: str, room_id: str) -> None:
        self.known[user_id] = room_id
        client = self._client
        path = f"/_matrix/client/v3/user/{client.user_id}/account_data/m.direct"
        body = {user: [room] for user, room in self.known.items()}
        headers = {"Authorization": f"Bearer {client.access_token}"}
        await client.send("PUT", path, json.dumps(body), headers)

    async def open_for(self, user_id: str) -> str:
        """The person's direct room, created (and the person invited) if there is none."""
        room = self.known.get(user_id)
        if room is None:
            created = await self._client.room_create(is_direct=True, invite=[user_id])
            if isinstance(created, RoomCreateResponse):
                room = created.room_id
                await self.remember(user_id, room)
        return room or ""
