"""The choices the bot offered: by the event that carries them (for reactions) and by room
(for a typed number), with its 1️⃣ 2️⃣ 3️⃣ reactions as shortcuts under the message."""

from __future__ import annotations

from collections import OrderedDict

from nio import AsyncClient, RoomGetEventResponse

from bots.matrix.render import CHOICES_KEY, KEYCAPS
from core.messages import Choice

REMEMBERED = 10_000
SHORTCUTS = 3  # reactions where a tap helps; longer lists are typed


class Offers:
    """Which bot message offered which choices, and each room's last bot message."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self._by_event: OrderedDict[str, list[Choice]] = OrderedDict()
        self._last: dict[str, str] = {}  # room id → event id of its last bot message

    def sent(self, room: str, event_id: str) -> None:
        """A bot message in the room: a typed number now answers it (or nothing)."""
        self._last[room] = event_id

    def current(self, room: str) -> list[Choice]:
        """The choices of the room's last bot message, if it had any."""
        return self._by_event.get(self._last.get(room, ""), [])

    async def offer(self, room: str, event_id: str, choices: list[Choice]) -> None:
        self._by_event[event_id] = choices
        if len(self._by_event) > REMEMBERED:
            self._by_event.popitem(last=False)
        for key in KEYCAPS[: min(len(choices), SHORTCUTS)]:
            relates = {"rel_type": "m.annotation", "event_id": event_id, "key": key}
            await self._client.room_send(
                room, "m.reaction", {"m.relates_to": relates}, ignore_unverified_devices=True
            )

    async def of(self, room: str, event_id: str) -> list[Choice]:
        """The choices of a bot message (after a restart, read back from the event)."""
        if event_id in self._by_event:
            return self._by_event[event_id]
        found = await self._client.room_get_event(room, event_id)
        if (
            not isinstance(found, RoomGetEventResponse)
            or found.event.sender != self._client.user_id
        ):
            return []  # a foreign reaction: on someone else's message
        stored = found.event.source.get("content", {}).get(CHOICES_KEY) or []
        return [Choice(label=str(c.get("label")), data=str(c.get("data"))) for c in stored]
