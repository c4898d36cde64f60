"""`BroadcastService`: one platform's delivery worker and progress reporter, run side by side,
and the courier of the platform's burst alerts to moderators."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from core.alerts.courier import AlertCourier
from core.broadcasts.progress import ProgressReporter
from core.broadcasts.worker import DeliveryWorker

log = logging.getLogger(__name__)


class BroadcastService:
    """Resumes unfinished broadcasts on start, then delivers and reports until stopped."""

    def __init__(
        self,
        worker: DeliveryWorker,
        reporter: ProgressReporter | None,
        poll_interval: float = 2.0,
        courier: AlertCourier | None = None,
    ) -> None:
        self.worker = worker
        self._reporter = reporter
        self._courier = courier
        self._poll_interval = poll_interval
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """A broadcast was just confirmed (or an alert recorded) here: start on it now rather
        than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Run until cancelled (the platform adapter stops it when it shuts down)."""
        await self.worker.recover()
        async with asyncio.TaskGroup() as group:
            group.create_task(self._deliver_forever())
            if self._reporter is not None:
                group.create_task(self._report_forever())

    async def _deliver_forever(self) -> None:
        while True:
            try:
                tried = await self.worker.deliver_pending()
            except Exception:  # a database hiccup must not end broadcasting for good
                log.exception("delivery pass failed platform=%s", self.worker.platform)
                tried = 0
            tried += await self._deliver_alerts()
            if not tried:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_interval)
                self._wake.clear()

    async def _deliver_alerts(self) -> int:
        if self._courier is None:
            return 0
        try:
            return await self._courier.deliver_due()
        except Exception:  # nor must one end the alerts
            log.exception("alert pass failed platform=%s", self.worker.platform)
            return 0

    async def _report_forever(self) -> None:
        assert self._reporter is not None
        while True:
            await self._reporter.report_all()
            await asyncio.sleep(1.0)
