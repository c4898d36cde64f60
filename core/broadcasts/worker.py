"""`DeliveryWorker`: sends one platform's share of every broadcast in progress.

Deliveries are claimed from the store in small batches (never the whole audience in memory),
marked in flight before any send, sent at the platform's pace, and their outcomes written
back per batch. Each platform runs its own worker, so a slow platform never holds up a
fast one, and each process delivers only for the platforms it serves. A worker stopped
mid-batch (cancelled: the process is stopping) lets the requests already out finish,
records every outcome it has, and hands the deliveries it never sent back to pending.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from core.broadcasts.models import Broadcast, Delivery, DeliveryOutcome, DeliveryState
from core.broadcasts.pacing import Pacer
from core.broadcasts.store import BroadcastStore
from core.delivery import DeliveryResult, DeliveryStatus, Sender
from core.messages import Outbound
from core.meter import Meter

log = logging.getLogger(__name__)

MessageFor = Callable[[Broadcast, Delivery], Outbound]
Clock = Callable[[], datetime]

Sent = DeliveryOutcome | None  # None: stopped before the delivery had an outcome

MAX_RATE_LIMITED_TRIES = 10  # a platform that keeps saying "retry after" is treated as failed


@dataclass
class _Sending:
    """One batch in progress: whose request is out, and whether a stop came."""

    out: set[int] = field(default_factory=set)
    stopped: bool = False


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
        meter: Meter | None = None,
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
        self._meter = meter or Meter()
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
            batch = await self._claim(broadcast)
            if not batch:
                break
            outcomes = await self._send_batch(broadcast, batch)
            await self._store.record_outcomes(outcomes, self._clock())
            tried += len(batch)
        # Done once no platform has anything open; whoever sees that first marks it.
        await self._store.finish_broadcast(broadcast.id, self._clock())
        return tried

    async def _claim(self, broadcast: Broadcast) -> list[Delivery]:
        """The next batch, marked in flight; a stop during the claim hands it straight back."""
        claim = asyncio.ensure_future(
            self._store.claim_deliveries(broadcast.id, self.platform, self._batch_size)
        )
        try:
            return await asyncio.shield(claim)
        except asyncio.CancelledError:
            batch = await claim  # the claim is one short write: let it finish to undo it
            await self._store.release_deliveries([delivery.id for delivery in batch])
            raise

    async def _send_batch(
        self, broadcast: Broadcast, batch: list[Delivery]
    ) -> list[DeliveryOutcome]:
        """Send a claimed batch; stopped (cancelled) part-way, it hands the batch back first."""
        slots = asyncio.Semaphore(self._concurrency)
        sending = _Sending()

        async def one(delivery: Delivery) -> DeliveryOutcome | None:
            async with slots:
                outcome = await self._send(broadcast, delivery, sending)
            if outcome is not None:
                self._meter.delivered(self.platform, str(outcome.state))
            return outcome

        tasks = {asyncio.create_task(one(delivery)): delivery for delivery in batch}
        try:
            await asyncio.wait(tasks)
        except asyncio.CancelledError:
            await self._hand_back(tasks, sending)
            raise
        return [outcome for task in tasks if (outcome := task.result()) is not None]

    async def _hand_back(
        self, tasks: dict[asyncio.Task[Sent], Delivery], sending: _Sending
    ) -> None:
        """On a stop: requests already out get their answer, the outcomes known are recorded,
        and every delivery not sent goes back to pending for whichever worker runs next."""
        sending.stopped = True
        for task, delivery in tasks.items():
            if delivery.id not in sending.out:
                task.cancel()  # waiting for a slot, its turn or a retry: nothing is out
        await asyncio.wait(tasks)
        outcomes = [o for t in tasks if not t.cancelled() and (o := t.result()) is not None]
        known = {outcome.delivery_id for outcome in outcomes}
        unsent = [delivery.id for delivery in tasks.values() if delivery.id not in known]
        try:
            await self._store.record_outcomes(outcomes, self._clock())
            await self._store.release_deliveries(unsent)
        except Exception:  # left in flight, they become unknown at the next start
            log.exception("could not hand back a batch platform=%s", self.platform)
            return
        log.info(
            "stopped mid-batch platform=%s recorded=%d handed_back=%d",
            self.platform,
            len(outcomes),
            len(unsent),
        )

    async def _send(self, broadcast: Broadcast, delivery: Delivery, sending: _Sending) -> Sent:
        """The delivery's final outcome, or ``None`` if a stop came before it had one."""
        message = self._message_for(broadcast, delivery)
        attempts = rate_limited = 0
        while True:
            if broadcast.id in self._cancelled:
                return _outcome(delivery, DeliveryState.CANCELLED, attempts, "cancelled")
            if sending.stopped:
                return None
            await self._pacer.wait_turn()
            if broadcast.id in self._cancelled:  # cancelled while waiting for its turn
                return _outcome(delivery, DeliveryState.CANCELLED, attempts, "cancelled")
            attempts += 1
            sending.out.add(delivery.id)
            try:
                result = await self._attempt(delivery, message)
            finally:
                sending.out.discard(delivery.id)
            match result.status:
                case DeliveryStatus.DELIVERED:
                    return _outcome(delivery, DeliveryState.DELIVERED, attempts)
                case DeliveryStatus.UNREACHABLE:
                    return _outcome(delivery, DeliveryState.UNREACHABLE, attempts, result.detail)
                case DeliveryStatus.RETRY_AFTER if rate_limited < MAX_RATE_LIMITED_TRIES:
                    rate_limited += 1
                    attempts -= 1  # the platform asked us to wait; that is not a failed try
                    self._pacer.pause(result.retry_after or 1.0)
                    self._meter.paused(self.platform, result.retry_after or 1.0)
                case _ if attempts >= self._max_attempts or rate_limited >= MAX_RATE_LIMITED_TRIES:
                    return _outcome(delivery, DeliveryState.FAILED, attempts, result.detail)
                case _ if not sending.stopped:
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
