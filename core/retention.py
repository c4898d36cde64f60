"""Retention: what `petition-bot purge` and the running bot's sweep erase, and when.

- A closed petition's signatures are anonymised ``retention_days_after_close`` days after
  ``closes_at`` (only by `purge`: an organizer decides when, and sees what it did).
- Pending signatures are erased once their code can no longer confirm them: the code
  lifetime plus ``pending_grace_hours`` after signing, and ``pending_grace_hours`` after
  their latest code (sent again on request) expired.
- Conversations idle longer than ``idle_timeout_hours`` are erased, answers typed so far
  included, whether or not their person ever writes again; a mark of whose it was and when
  stays (a week, or until the next purge) so that person's next message is told it expired.
- Answers the inbox kept for a platform that never took them are erased after
  ``core.inbox.REMEMBER_FOR``; only the ids stay, to drop late redeliveries. A message not
  yet handled is never erased: it is replayed at the next start.

The sweep (the last three) runs in every long-running process at an interval, and in `purge`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from core.config import CampaignConfig, PetitionConfig
from core.inbox import REMEMBER_FOR
from core.models import AuditEntry
from core.store import Store

log = logging.getLogger(__name__)


class PetitionPurge(BaseModel):
    """What a purge did (or, in a dry run, would do) to one petition."""

    model_config = ConfigDict(frozen=True)

    petition: str
    due_at: datetime | None  # when anonymising is due; None: no retention configured
    anonymised: int = 0  # signatures, active and withdrawn
    expired_pending: int = 0


class PurgeReport(BaseModel):
    """One purge or sweep: per petition, then what is not any petition's."""

    model_config = ConfigDict(frozen=True)

    dry_run: bool
    petitions: tuple[PetitionPurge, ...]
    conversations: int  # idle conversations deleted
    inbound: int  # handled inbox messages whose unsent replies were erased


class Retention:
    """The purge and sweep use cases for every entry point, and the background sweeper."""

    def __init__(
        self, store: Store, campaign: CampaignConfig, clock: Callable[[], datetime]
    ) -> None:
        self._store = store
        self._campaign = campaign
        self._clock = clock
        self._sweeping: asyncio.Task[None] | None = None

    async def purge(self, actor: str, dry_run: bool = False) -> PurgeReport:
        """Sweep, and anonymise every petition whose retention after closing is over; each
        petition changed is audited with its counts (``actor``: ``platform:user``)."""
        return await self._run(self._clock(), dry_run, anonymise=True, actor=actor)

    async def sweep(self) -> PurgeReport:
        """Erase expired pending signatures, idle conversations and old unsent replies."""
        return await self._run(self._clock(), dry_run=False, anonymise=False, actor=None)

    async def _run(
        self, now: datetime, dry_run: bool, anonymise: bool, actor: str | None
    ) -> PurgeReport:
        petitions = []
        for petition in self._campaign.petitions:
            done = await self._petition(petition, now, dry_run, anonymise)
            petitions.append(done)
            if actor is not None and not dry_run and (done.anonymised or done.expired_pending):
                detail = f"{done.anonymised} anonymised, {done.expired_pending} expired pending"
                await self._store.record_audit(
                    AuditEntry(
                        actor=actor, action="purge", petition=done.petition, detail=detail, at=now
                    )
                )
        idle = timedelta(hours=self._campaign.conversation.idle_timeout_hours)
        # The marks of expired conversations (whose, and when) stay a week for the sweep, so
        # a person back later is told; a purge leaves none.
        marks_before = now if anonymise else now - idle - REMEMBER_FOR
        report = PurgeReport(
            dry_run=dry_run,
            petitions=tuple(petitions),
            conversations=await self._store.delete_stale_conversations(
                now - idle, marks_before, dry_run
            ),
            inbound=await self._store.forget_old_inbound(now - REMEMBER_FOR, dry_run),
        )
        _log(report, anonymise)
        return report

    async def _petition(
        self, petition: PetitionConfig, now: datetime, dry_run: bool, anonymise: bool
    ) -> PetitionPurge:
        settings = self._campaign.confirmation
        grace = timedelta(hours=settings.pending_grace_hours)
        confirmable = timedelta(hours=settings.code_lifetime_hours) + grace
        expired = await self._store.erase_expired_pending(
            petition.slug, now - confirmable, now - grace, dry_run
        )
        due_at = petition.purge_due_at()
        anonymised = 0
        if anonymise and due_at is not None and now >= due_at:
            anonymised = await self._store.anonymise_petition(petition.slug, now, dry_run)
        return PetitionPurge(
            petition=petition.slug, due_at=due_at, anonymised=anonymised, expired_pending=expired
        )

    def start_sweeping(self) -> None:
        """Sweep now and then every ``sweep_interval_minutes`` until :meth:`stop`."""
        if self._sweeping is not None and not self._sweeping.done():
            return
        loop = asyncio.get_running_loop()
        self._sweeping = loop.create_task(self._sweep_forever(), name="retention-sweep")

    async def _sweep_forever(self) -> None:
        interval = self._campaign.conversation.sweep_interval_minutes * 60
        while True:
            try:
                await self.sweep()
            except Exception:  # a failing store must not end sweeping for good
                log.exception("sweeping expired personal data failed")
            await asyncio.sleep(interval)

    async def stop(self) -> None:
        """Stop the background sweeper (a sweep cut short leaves each step whole or undone)."""
        if self._sweeping is not None:
            self._sweeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeping
            self._sweeping = None


def _log(report: PurgeReport, anonymise: bool) -> None:
    """One line of counts, only when something was (or would be) erased."""
    pending = sum(p.expired_pending for p in report.petitions)
    anonymised = sum(p.anonymised for p in report.petitions)
    if pending or anonymised or report.conversations or report.inbound:
        log.info(
            "%s dry_run=%s anonymised=%d expired_pending=%d conversations=%d inbound=%d",
            "purge" if anonymise else "sweep",
            report.dry_run,
            anonymised,
            pending,
            report.conversations,
            report.inbound,
        )
