"""`BroadcastService`: one platform's delivery worker and progress reporter, run side by side."""

from __future__ import annotations

import asyncio
import contextlib
import logging

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
    ) -> None:
        self.worker = worker
        self._reporter = reporter
        self._poll_interval = poll_interval
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """A broadcast was just confirmed here: start on it now rather than at the next poll."""
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
            if not tried:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_interval)
                self._wake.clear()

    async def _report_forever(self) -> None:
        assert self._reporter is not None
        while True:
            await self._reporter.report_all()
            await asyncio.sleep(1.0)
