"""The `Sender` port on Matrix, and the one place Matrix errors become delivery outcomes.

- retry after: ``M_LIMIT_EXCEEDED`` (its ``retry_after_ms``);
- unreachable: ``M_FORBIDDEN``, an unknown user or room, a person who left their direct room;
- failed: anything else (5xx, timeouts, connection errors), for bounded retries.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from nio import AsyncClient, ErrorResponse, RoomGetStateEventResponse, RoomSendResponse

from bots.matrix.render import contents
from core.delivery import DeliveryResult, DeliveryStatus
from core.messages import Outbound

log = logging.getLogger(__name__)

PLATFORM = "matrix"
GONE = frozenset({"M_FORBIDDEN", "M_NOT_FOUND", "M_UNKNOWN_USER", "M_INVALID_PARAM"})


def outcome_of(error: ErrorResponse) -> DeliveryResult:
    """Translate a Matrix error answer into a delivery outcome."""
    code = error.status_code or "?"
    if code == "M_LIMIT_EXCEEDED":
        wait = (error.retry_after_ms or 1000) / 1000
        return DeliveryResult(status=DeliveryStatus.RETRY_AFTER, retry_after=wait, detail=code)
    if code in GONE:
        return DeliveryResult(status=DeliveryStatus.UNREACHABLE, detail=code)
    return DeliveryResult(status=DeliveryStatus.FAILED, detail=code)


class MatrixSender:
    """Sends notices into rooms; a person is reached in their direct room with the bot."""

    platform = PLATFORM

    def __init__(self, client: AsyncClient, direct_rooms: dict[str, str]) -> None:
        self._client = client
        self.direct_rooms = direct_rooms  # user id → room id, as m.direct records it

    async def send_to_user(self, user_id: str, message: Outbound) -> DeliveryResult:
        """Into the person's direct room, if they are still in it."""
        room = self.direct_rooms.get(user_id)
        if room is None:
            return DeliveryResult(status=DeliveryStatus.UNREACHABLE, detail="no direct room")
        member = await self._guard(
            self._client.room_get_state_event, room, "m.room.member", user_id
        )
        if isinstance(member, DeliveryResult):
            return member
        if not isinstance(member, RoomGetStateEventResponse):
            return outcome_of(member)
        if member.content.get("membership") not in ("join", "invite"):
            return DeliveryResult(status=DeliveryStatus.UNREACHABLE, detail="left the room")
        return await self.send_to_chat(room, message)

    async def send_to_chat(self, chat_id: str, message: Outbound) -> DeliveryResult:
        """One or more notices in the room; the id is the first one's."""
        first: str | None = None
        for content in contents(message):
            sent = await self._guard(self.send_content, chat_id, content)
            if isinstance(sent, DeliveryResult):
                return sent
            if not isinstance(sent, RoomSendResponse):
                return outcome_of(sent)
            first = first or sent.event_id
        return DeliveryResult.delivered(first)

    async def send_content(self, room: str, content: dict[str, Any]) -> Any:
        return await self._client.room_send(
            room, "m.room.message", content, ignore_unverified_devices=True
        )

    async def edit_in_chat(
        self, chat_id: str, message_id: str, message: Outbound
    ) -> DeliveryResult:
        """An ``m.replace`` edit of an earlier notice (its first piece only)."""
        new = contents(message)[0]
        edit = {
            **new,
            "body": f"* {new['body']}",
            "m.new_content": new,
            "m.relates_to": {"rel_type": "m.replace", "event_id": message_id},
        }
        sent = await self._guard(self.send_content, chat_id, edit)
        if isinstance(sent, DeliveryResult):
            return sent
        return (
            DeliveryResult.delivered(message_id)
            if isinstance(sent, RoomSendResponse)
            else outcome_of(sent)
        )

    async def _guard(self, call: Any, *args: Any) -> Any:
        try:
            return await call(*args)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            return DeliveryResult(status=DeliveryStatus.FAILED, detail=type(exc).__name__)
