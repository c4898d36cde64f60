"""`DeliveryWorker`: sends one platform's share of every broadcast in progress.

Deliveries are claimed from the store in small batches (never the whole audience in memory),
marked in flight before any send, sent at the platform's pace, and their outcomes written
back per batch. Each platform runs its own worker, so a slow platform never holds up a
fast one, and each process delivers only for the platforms it serves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from core.broadcasts.models import Broadcast, Delivery, DeliveryOutcome, DeliveryState
from core.broadcasts.pacing import Pacer
from core.broadcasts.store import BroadcastStore
from core.delivery import DeliveryResult, DeliveryStatus, Sender
from core.messages import Outbound

log = logging.getLogger(__name__)

MessageFor = Callable[[Broadcast, Delivery], Outbound]
Clock = Callable[[], datetime]

MAX_RATE_LIMITED_TRIES = 10  # a platform that keeps saying "retry after" is treated as failed


class DeliveryWorker:
    """Delivers pending deliveries of one platform, paced, with bounded retries."""

    def __init__(
        self,
        store: BroadcastStore,
        sender: Sender,
        pacer: Pacer,
        message_for: MessageFor,
        clock: Clock,
        *,
        concurrency: int = 16,
        max_attempts: int = 3,
        retry_delay: float = 1.0,
    ) -> None:
        self.platform = sender.platform
        self._store = store
        self._sender = sender
        self._pacer = pacer
        self._message_for = message_for
        self._clock = clock
        self._concurrency = concurrency
        self._max_attempts = max_attempts
        self._retry_delay = retry_delay
        self._cancelled: set[int] = set()
        rate = pacer.per_second
        # What is claimed is in flight: after a crash it is never resent. A quarter second of
        # sending per claim keeps that window small and the pacer fed between claims.
        self._batch_size = 500 if rate is None else max(concurrency, min(500, int(rate / 4)))

    def cancel(self, broadcast_id: int) -> None:
        """Stop sending a broadcast at once, even mid-batch."""
        self._cancelled.add(broadcast_id)

    async def recover(self) -> int:
        """After a restart: what was in flight may have been sent; never send it again."""
        abandoned = await self._store.abandon_in_flight(self.platform)
        if abandoned:
            log.warning(
                "marked %d in-flight deliveries unknown platform=%s", abandoned, self.platform
            )
        return abandoned

    async def deliver_pending(self) -> int:
        """One pass over every broadcast in progress; returns how many sends were tried."""
        tried = 0
        for broadcast in await self._store.sending_broadcasts():
            tried += await self.deliver(broadcast)
        return tried

    async def deliver(self, broadcast: Broadcast) -> int:
        """Send this platform's pending deliveries of one broadcast until none are left."""
        tried = 0
        while broadcast.id not in self._cancelled:
            batch = await self._store.claim_deliveries(
                broadcast.id, self.platform, self._batch_size
            )
            if not batch:
                break
            outcomes = await self._send_batch(broadcast, batch)
            await self._store.record_outcomes(outcomes, self._clock())
            tried += len(batch)
        # Done once no platform has anything open; whoever sees that first marks it.
        await self._store.finish_broadcast(broadcast.id, self._clock())
        return tried

    async def _send_batch(
        self, broadcast: Broadcast, batch: list[Delivery]
    ) -> list[DeliveryOutcome]:
        slots = asyncio.Semaphore(self._concurrency)

        async def one(delivery: Delivery) -> DeliveryOutcome:
            async with slots:
                return await self._send(broadcast, delivery)

        return list(await asyncio.gather(*(one(delivery) for delivery in batch)))

    async def _send(self, broadcast: Broadcast, delivery: Delivery) -> DeliveryOutcome:
        message = self._message_for(broadcast, delivery)
        attempts = rate_limited = 0
        while True:
            if broadcast.id in self._cancelled:
                return _outcome(delivery, DeliveryState.CANCELLED, attempts, "cancelled")
            await self._pacer.wait_turn()
            if broadcast.id in self._cancelled:  # cancelled while waiting for its turn
                return _outcome(delivery, DeliveryState.CANCELLED, attempts, "cancelled")
            attempts += 1
            result = await self._attempt(delivery, message)
            match result.status:
                case DeliveryStatus.DELIVERED:
                    return _outcome(delivery, DeliveryState.DELIVERED, attempts)
                case DeliveryStatus.UNREACHABLE:
                    return _outcome(delivery, DeliveryState.UNREACHABLE, attempts, result.detail)
                case DeliveryStatus.RETRY_AFTER if rate_limited < MAX_RATE_LIMITED_TRIES:
                    rate_limited += 1
                    attempts -= 1  # the platform asked us to wait; that is not a failed try
                    self._pacer.pause(result.retry_after or 1.0)
                case _ if attempts >= self._max_attempts or rate_limited >= MAX_RATE_LIMITED_TRIES:
                    return _outcome(delivery, DeliveryState.FAILED, attempts, result.detail)
                case _:
                    await asyncio.sleep(self._retry_delay * 2 ** (attempts - 1))

    async def _attempt(self, delivery: Delivery, message: Outbound) -> DeliveryResult:
        try:
            if delivery.kind == "channel":
                return await self._sender.send_to_chat(delivery.address, message)
            return await self._sender.send_to_user(delivery.address, message)
        except Exception as exc:  # a Sender should not raise; if it does, it is a failed try
            log.exception("sender raised platform=%s delivery=%s", self.platform, delivery.id)
            return DeliveryResult(status=DeliveryStatus.FAILED, detail=type(exc).__name__)


def _outcome(
    delivery: Delivery, state: DeliveryState, attempts: int, detail: str = ""
) -> DeliveryOutcome:
    return DeliveryOutcome(delivery_id=delivery.id, state=state, attempts=attempts, detail=detail)
