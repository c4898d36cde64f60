"""A `Sender` that records what it was asked to send and fails on demand."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from core.delivery import DeliveryResult, DeliveryStatus
from core.messages import Outbound


@dataclass
class Sent:
    address: str
    text: str
    at: float
    kind: str  # "user", "chat" or "edit"
    message_id: str = ""


@dataclass
class FakeSender:
    """Delivers instantly (or after ``delay``); tests script refusals per address."""

    platform: str
    delay: float = 0.0
    sent: list[Sent] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    rate_limit_next: list[float] = field(default_factory=list)  # retry_after values, in order
    fail_next: int = 0
    raise_next: int = 0
    calls: list[float] = field(default_factory=list)  # time of every attempt, failed or not

    async def send_to_user(self, user_id: str, message: Outbound) -> DeliveryResult:
        return await self._send(user_id, message, "user")

    async def send_to_chat(self, chat_id: str, message: Outbound) -> DeliveryResult:
        return await self._send(chat_id, message, "chat")

    async def edit_in_chat(
        self, chat_id: str, message_id: str, message: Outbound
    ) -> DeliveryResult:
        self.sent.append(
            Sent(chat_id, message.text.to_plain_text(), time.monotonic(), "edit", message_id)
        )
        return DeliveryResult.delivered(message_id)

    def to(self, address: str) -> list[str]:
        """Texts delivered to one address, in order."""
        return [s.text for s in self.sent if s.address == address and s.kind != "edit"]

    async def _send(self, address: str, message: Outbound, kind: str) -> DeliveryResult:
        self.calls.append(time.monotonic())
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.raise_next:
            self.raise_next -= 1
            raise ConnectionError("network down")
        if self.rate_limit_next:
            return DeliveryResult(
                status=DeliveryStatus.RETRY_AFTER, retry_after=self.rate_limit_next.pop(0)
            )
        if self.fail_next:
            self.fail_next -= 1
            return DeliveryResult(status=DeliveryStatus.FAILED, detail="500")
        if address in self.blocked:
            return DeliveryResult(status=DeliveryStatus.UNREACHABLE, detail="blocked")
        message_id = f"m{len(self.sent) + 1}"
        self.sent.append(
            Sent(address, message.text.to_plain_text(), time.monotonic(), kind, message_id)
        )
        return DeliveryResult.delivered(message_id)
