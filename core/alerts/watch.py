"""`BurstWatch`: after a signature is stored, whether its platform, referral code or email
domain crossed the threshold of signatures in the last hour on its petition.

The count is the store's, so every process counts the same signatures; the alert is recorded
in the store once per petition, dimension, value and hour (its window), whichever process
sees the crossing first, with one delivery per moderator, which the platform's broadcast
delivery takes and sends (core/alerts/courier.py). Only the dimensions of the signature just
stored are counted, in one query over the petition's last hour. While that hour holds few
signatures (`BUSY` or fewer) every signature is counted, so a crossing is seen at once; on a
busier petition each value is counted at most every ``check_interval_seconds`` per process,
so the query's cost stays bounded, and a burst is seen within that interval while it lasts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from core.alerts.settings import AlertsConfig
from core.alerts.store import BurstAlert, BurstStore, Dimension
from core.config import RolesConfig
from core.models import Signature

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=1)
# Signatures in a petition's last hour up to which every new signature is counted.
BUSY = 5000

Key = tuple[str, Dimension, str]  # petition, dimension, value


def recipients(roles: RolesConfig) -> list[tuple[str, str]]:
    """(platform, user id) of every moderator and organizer listed by account (organizers
    may do all a moderator may); platform groups (Discord roles) have no private chat."""
    entries = sorted({*roles.moderators, *roles.organizers})
    return [(platform, user_id) for platform, _, user_id in (e.partition(":") for e in entries)]


def dimensions(signature: Signature) -> dict[Dimension, str]:
    """What the signature shares with a burst: its platform, referral code, email domain."""
    values = {Dimension.PLATFORM: signature.platform}
    if signature.referrer_code:
        values[Dimension.REFERRER] = signature.referrer_code
    if signature.email and "@" in signature.email:
        values[Dimension.EMAIL_DOMAIN] = signature.email.rpartition("@")[2].lower()
    return values


def window_start(now: datetime) -> datetime:
    """The hour ``now`` falls in: at most one alert per value in it."""
    return now.replace(minute=0, second=0, microsecond=0)


class BurstWatch:
    """Counts the dimensions of each new signature and records the alerts it crosses."""

    def __init__(
        self,
        store: BurstStore,
        settings: AlertsConfig,
        roles: RolesConfig,
        queued: Callable[[], None],
    ) -> None:
        self._store = store
        self._settings = settings
        self._recipients = recipients(roles)
        self._queued = queued  # wakes this process's delivery of the alerts
        self._checked: dict[Key, datetime] = {}
        self._alerted: set[tuple[Key, datetime]] = set()
        self._busy: set[str] = set()  # petitions whose last hour held more than BUSY

    async def signed(self, signature: Signature, now: datetime) -> list[BurstAlert]:
        """Check the signature's dimensions; the alerts recorded here (none most times)."""
        if not self._settings.enabled:
            return []
        window = window_start(now)
        due = {
            dimension: value
            for dimension, value in dimensions(signature).items()
            if self._due((signature.petition, dimension, value), window, now)
        }
        if not due:
            return []
        counts = await self._store.burst_counts(signature.petition, now - WINDOW, due)
        if counts.total > BUSY:
            self._busy.add(signature.petition)
        else:
            self._busy.discard(signature.petition)
        alerts = []
        for dimension, count in counts.by.items():
            if count > self._settings.signatures_per_hour:
                alert = BurstAlert(
                    petition=signature.petition,
                    dimension=dimension,
                    value=due[dimension],
                    window_start=window,
                    count=count,
                    at=now,
                )
                if await self._record(alert):
                    alerts.append(alert)
        if alerts:
            self._queued()
        return alerts

    async def _record(self, alert: BurstAlert) -> bool:
        """Store the alert unless another process did; either way this window is done."""
        recorded = await self._store.record_burst_alert(alert, self._recipients)
        self._alerted.add(((alert.petition, alert.dimension, alert.value), alert.window_start))
        if recorded:
            # The dimension only: a referral code or a domain beside a petition stays out.
            log.warning(
                "burst alert petition=%s dimension=%s count=%d moderators=%d",
                alert.petition,
                alert.dimension,
                alert.count,
                len(self._recipients),
            )
        return recorded

    def _due(self, key: Key, window: datetime, now: datetime) -> bool:
        """Not alerted in this window yet, and (on a busy petition) not counted within the
        check interval."""
        if (key, window) in self._alerted:
            return False
        last = self._checked.get(key)
        interval = timedelta(seconds=self._settings.check_interval_seconds)
        if key[0] in self._busy and last is not None and now - last < interval:
            return False
        self._checked[key] = now
        if len(self._checked) > 100_000:  # a flood of distinct values must not grow memory
            self._checked.clear()
            self._alerted.clear()
        return True
