"""Pauses and burst alerts of `MemoryStore`, in dictionaries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from core.alerts.store import AlertDelivery, BurstAlert, Dimension, HourCounts
from core.models import IMPORT_PLATFORM, Signature


def _value(signature: Signature, dimension: Dimension) -> str | None:
    match dimension:
        case Dimension.PLATFORM:
            return signature.platform
        case Dimension.REFERRER:
            return signature.referrer_code
        case Dimension.EMAIL_DOMAIN:
            return signature.email.rpartition("@")[2].lower() if signature.email else None


class MemoryLifecycle:
    """Mixed into `MemoryStore`, whose ``signatures`` it reads."""

    signatures: list[Signature]

    def __init__(self) -> None:
        self.pauses: dict[str, datetime] = {}
        self.burst_alerts: dict[tuple[str, str, str, datetime], BurstAlert] = {}
        self.alert_deliveries: dict[tuple[tuple[str, str, str, datetime], str, str], bool] = {}

    async def set_paused(self, petition: str, paused: bool, at: datetime) -> bool:
        if paused == (petition in self.pauses):
            return False
        if paused:
            self.pauses[petition] = at
        else:
            del self.pauses[petition]
        return True

    async def paused_petitions(self) -> dict[str, datetime]:
        return dict(self.pauses)

    async def burst_counts(
        self, petition: str, since: datetime, values: Mapping[Dimension, str]
    ) -> HourCounts:
        recent = [
            s
            for s in self.signatures
            if s.petition == petition
            and s.active
            and s.signed_at >= since
            and s.platform != IMPORT_PLATFORM
        ]
        wanted = {d: v.lower() if d is Dimension.EMAIL_DOMAIN else v for d, v in values.items()}
        by = {d: sum(_value(s, d) == v for s in recent) for d, v in wanted.items()}
        return HourCounts(total=len(recent), by=by)

    async def record_burst_alert(
        self, alert: BurstAlert, recipients: Sequence[tuple[str, str]]
    ) -> bool:
        key = (alert.petition, alert.dimension.value, alert.value, alert.window_start)
        if key in self.burst_alerts:
            return False
        self.burst_alerts[key] = alert
        for platform, user_id in recipients:
            self.alert_deliveries[(key, platform, user_id)] = False
        return True

    async def take_alert_deliveries(
        self, platform: str, limit: int, at: datetime
    ) -> list[AlertDelivery]:
        due = [k for k, sent in self.alert_deliveries.items() if k[1] == platform and not sent]
        due.sort(key=lambda k: (list(self.burst_alerts).index(k[0]), k[2]))
        taken = []
        for key in due[:limit]:
            self.alert_deliveries[key] = True
            alert_key, _, user_id = key
            alert = self.burst_alerts[alert_key]
            taken.append(AlertDelivery(alert=alert, platform=platform, user_id=user_id))
        return taken
