"""`ProgressReporter`: one status message in the organizer's chat, then a final summary."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from core.broadcasts.models import Broadcast, BroadcastStatus, DeliveryState, Totals
from core.broadcasts.store import BroadcastStore
from core.catalog import Catalog
from core.delivery import DeliveryStatus, Sender
from core.markup import Markup
from core.messages import Outbound

log = logging.getLogger(__name__)


class ProgressReporter:
    """Edits the status message of broadcasts begun on its platform, at most every few seconds."""

    def __init__(
        self,
        store: BroadcastStore,
        sender: Sender,
        catalog: Catalog,
        clock: Callable[[], datetime],
        interval: float = 3.0,
    ) -> None:
        self._store = store
        self._sender = sender
        self._catalog = catalog
        self._clock = clock
        self._interval = interval
        self._last_edit: dict[int, float] = {}
        self._baseline: dict[int, tuple[float, int]] = {}  # first (time, finished) we saw

    async def report_all(self) -> None:
        """Update every broadcast begun here; finish and summarise those with nothing left."""
        for broadcast in await self._store.broadcasts_to_report(self._sender.platform):
            try:
                await self.report(broadcast)
            except Exception:  # progress is a courtesy: never let it stop the deliveries
                log.exception("progress report failed broadcast=%s", broadcast.id)

    async def report(self, broadcast: Broadcast) -> None:
        totals = await self._store.totals(broadcast.id)
        if broadcast.status is BroadcastStatus.SENDING and totals.open == 0:
            await self._store.finish_broadcast(broadcast.id, self._clock())
            broadcast = await self._store.get_broadcast(broadcast.id) or broadcast
        if broadcast.status is not BroadcastStatus.SENDING:
            if totals[DeliveryState.IN_FLIGHT]:
                return  # a cancel leaves sends settling: the summary must count them
            if await self._store.mark_reported(broadcast.id, self._clock()):
                await self._show(broadcast, summary_text(self._catalog, broadcast, totals), True)
            return
        now = time.monotonic()
        if now - self._last_edit.get(broadcast.id, 0.0) < self._interval:
            return
        self._last_edit[broadcast.id] = now
        await self._show(broadcast, self._progress_text(broadcast, totals, now), False)

    def _progress_text(self, broadcast: Broadcast, totals: Totals, now: float) -> Markup:
        started, finished_then = self._baseline.setdefault(broadcast.id, (now, totals.finished))
        elapsed = now - started
        rate = (totals.finished - finished_then) / elapsed if elapsed > 0 else 0.0
        eta = f"{totals.open / rate / 60:.0f} min" if rate > 0 else "…"
        return self._catalog.render(
            "broadcast_progress",
            broadcast.language,
            id=broadcast.id,
            sent=totals[DeliveryState.DELIVERED],
            done=totals.finished,
            total=totals.total,
            unreachable=totals[DeliveryState.UNREACHABLE],
            failed=totals[DeliveryState.FAILED],
            rate=Decimal(f"{rate:.1f}"),  # written as the organizer's language writes it
            eta=eta,
        )

    async def _show(self, broadcast: Broadcast, text: Markup, final: bool) -> None:
        """Edit the status message, or send it (and remember it) the first time."""
        message = Outbound(text=text)
        chat = broadcast.origin_chat_id
        if final or broadcast.progress_message_id is None:
            result = await self._sender.send_to_chat(chat, message)
            if result.status is DeliveryStatus.DELIVERED and result.message_id and not final:
                await self._store.set_progress_message(broadcast.id, result.message_id)
        else:
            await self._sender.edit_in_chat(chat, broadcast.progress_message_id, message)


def summary_text(catalog: Catalog, broadcast: Broadcast, totals: Totals) -> Markup:
    """The final figures of a broadcast."""
    key = (
        "broadcast_cancelled" if broadcast.status is BroadcastStatus.CANCELLED else "broadcast_done"
    )
    return catalog.render(
        key,
        broadcast.language,
        id=broadcast.id,
        sent=totals[DeliveryState.DELIVERED],
        total=totals.total,
        unreachable=totals[DeliveryState.UNREACHABLE],
        failed=totals[DeliveryState.FAILED],
        skipped=totals[DeliveryState.SKIPPED],
        unknown=totals[DeliveryState.UNKNOWN],
        cancelled=totals[DeliveryState.CANCELLED],
    )
