"""The `Sender` port: what broadcasts need from a platform, and the four outcomes of a send.

Platform error codes are translated into these outcomes inside each adapter and nowhere else.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from core.messages import Outbound


class DeliveryStatus(StrEnum):
    DELIVERED = "delivered"
    UNREACHABLE = "unreachable"  # blocked the bot, DMs closed, account gone: never try again
    RETRY_AFTER = "retry_after"  # rate limited: wait ``retry_after`` seconds, then try again
    FAILED = "failed"  # transient: a bounded number of retries


class DeliveryResult(BaseModel):
    """Exactly one outcome of one send; ``message_id`` identifies a delivered message."""

    model_config = ConfigDict(frozen=True)

    status: DeliveryStatus
    retry_after: float | None = None
    message_id: str | None = None
    detail: str = ""  # an error code or description, never personal data

    @classmethod
    def delivered(cls, message_id: str | None = None) -> DeliveryResult:
        return cls(status=DeliveryStatus.DELIVERED, message_id=message_id)


class Sender(Protocol):
    """One platform's way to deliver core messages outside a conversation turn."""

    platform: str

    async def send_to_user(self, user_id: str, message: Outbound) -> DeliveryResult:
        """Send privately to a person (a Telegram private chat, a Discord DM)."""
        ...

    async def send_to_chat(self, chat_id: str, message: Outbound) -> DeliveryResult:
        """Send to a chat or channel (an announcement channel, an organizer's chat)."""
        ...

    async def edit_in_chat(
        self, chat_id: str, message_id: str, message: Outbound
    ) -> DeliveryResult:
        """Replace the text of a message the bot sent earlier (a progress report)."""
        ...
