"""`Deliveries`: this process's broadcast delivery, one service per platform it serves.

An adapter hands over its platform's `Sender` once it is connected (`start`); a broadcast
confirmed in this process wakes every service at once instead of at its next poll, and a
cancel stops the sends already queued here. Each service also carries the platform's burst
alerts to moderators (core/alerts/courier.py); an alert recorded here wakes them
(`alerts_queued`). Broadcasts confirmed in another process wake
them too when the store announces them (`BroadcastStore.confirmations`: PostgreSQL's
LISTEN/NOTIFY); otherwise, or if that stops, they are found at the next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from core.alerts.courier import AlertCourier, CourierStore
from core.broadcasts.announcement import Announcements
from core.broadcasts.pacing import Pacer
from core.broadcasts.progress import ProgressReporter
from core.broadcasts.service import BroadcastService
from core.broadcasts.store import BroadcastStore
from core.broadcasts.worker import DeliveryWorker
from core.catalog import Catalog
from core.config import CampaignConfig
from core.delivery import Sender
from core.meter import Meter

log = logging.getLogger(__name__)


class DeliveryStore(BroadcastStore, CourierStore, Protocol):
    """What this process's deliveries read and write: broadcasts and burst alerts."""


class Deliveries:
    """The delivery workers (paced at each platform's configured rate) and progress reports."""

    def __init__(
        self,
        store: DeliveryStore,
        campaign: CampaignConfig,
        catalog: Catalog,
        clock: Callable[[], datetime],
        meter: Meter | None = None,
    ) -> None:
        self._store = store
        self._meter = meter or Meter()
        self._campaign = campaign
        self._catalog = catalog
        self._clock = clock
        self._announcements = Announcements(catalog, campaign)
        self._services: dict[str, BroadcastService] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._listener: asyncio.Task[None] | None = None

    def service(self, sender: Sender, *, report: bool = True) -> BroadcastService:
        """The platform's worker and (with ``report``) its progress reporter, not yet running."""
        settings = self._campaign.broadcasts
        worker = DeliveryWorker(
            self._store,
            sender,
            Pacer(settings.rate(sender.platform)),
            self._announcements.message_for,
            self._clock,
            max_attempts=settings.max_attempts,
            meter=self._meter,
        )
        reporter = (
            ProgressReporter(
                self._store,
                sender,
                self._catalog,
                self._clock,
                settings.progress_interval_seconds,
            )
            if report
            else None
        )
        courier = AlertCourier(self._store, sender, self._campaign, self._catalog, self._clock)
        service = BroadcastService(worker, reporter, settings.poll_interval_seconds, courier)
        self._services[sender.platform] = service
        return service

    def start(self, sender: Sender) -> None:
        """Resume the platform's unfinished broadcasts and deliver new ones until `stop`."""
        if sender.platform in self._tasks:
            return
        service = self.service(sender)
        self._tasks[sender.platform] = asyncio.create_task(
            self._run(service), name=f"broadcasts-{sender.platform}"
        )
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="broadcasts-confirmed")

    async def stop(self, platform: str) -> None:
        """Stop the platform's delivery (sends in flight are recorded or handed back)."""
        task = self._tasks.pop(platform, None)
        self._services.pop(platform, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if not self._tasks and self._listener is not None:
            listener, self._listener = self._listener, None
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener

    async def stop_all(self) -> None:
        """Stop every platform's delivery."""
        for platform in list(self._tasks):
            await self.stop(platform)

    def confirmed(self, broadcast_id: int) -> None:
        """A broadcast was confirmed here: every running service starts on it now."""
        for service in self._services.values():
            service.wake()

    def alerts_queued(self) -> None:
        """A burst alert was recorded here: every running service sends its share now."""
        for service in self._services.values():
            service.wake()

    def cancelled(self, broadcast_id: int) -> None:
        """A broadcast was cancelled here: sends already queued in this process stop."""
        for service in self._services.values():
            service.worker.cancel(broadcast_id)

    async def _listen(self) -> None:
        """Wake the services for every broadcast confirmed elsewhere, while the store tells."""
        try:
            async for broadcast_id in self._store.confirmations():
                self.confirmed(broadcast_id)
        except asyncio.CancelledError:
            raise
        except Exception:  # the poll still finds new broadcasts, only later
            log.exception("listening for confirmed broadcasts stopped; polling only")

    @staticmethod
    async def _run(service: BroadcastService) -> None:
        try:
            await service.run()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("broadcast service stopped platform=%s", service.worker.platform)
