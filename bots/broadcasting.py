"""Wiring a platform's `Sender` into broadcast delivery, for every adapter alike."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from core.bot import PetitionBot
from core.broadcasts.announcement import Announcements
from core.broadcasts.pacing import Pacer
from core.broadcasts.progress import ProgressReporter
from core.broadcasts.service import BroadcastService
from core.broadcasts.worker import DeliveryWorker
from core.delivery import Sender

log = logging.getLogger(__name__)


def broadcast_service(bot: PetitionBot, sender: Sender, *, report: bool = True) -> BroadcastService:
    """The worker (paced at the platform's configured rate) and progress reporter of one sender."""
    settings = bot.campaign.broadcasts
    announcements = Announcements(bot.catalog, bot.campaign)
    worker = DeliveryWorker(
        bot.store,
        sender,
        Pacer(settings.rate(sender.platform)),
        announcements.message_for,
        bot.clock,
        max_attempts=settings.max_attempts,
    )
    reporter = (
        ProgressReporter(
            bot.store, sender, bot.catalog, bot.clock, settings.progress_interval_seconds
        )
        if report
        else None
    )
    return BroadcastService(worker, reporter)


class Broadcasting:
    """Runs a platform's broadcast service in the background while its adapter runs."""

    def __init__(self, bot: PetitionBot, sender: Sender) -> None:
        self.service = broadcast_service(bot, sender)
        bot.on_broadcast_confirmed(lambda _id: self.service.wake())
        bot.on_broadcast_cancelled(self.service.worker.cancel)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Resume unfinished broadcasts and deliver new ones until :meth:`stop`."""
        self._task = asyncio.create_task(
            self._run(), name=f"broadcasts-{self.service.worker.platform}"
        )

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        try:
            await self.service.run()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("broadcast service stopped platform=%s", self.service.worker.platform)
