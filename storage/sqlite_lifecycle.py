"""The pause and burst-alert half of `SqliteStore`: paused petitions, recent signatures by
dimension, and the alerts sent to moderators (migration 0009)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from core.alerts.store import AlertDelivery, BurstAlert, Dimension, HourCounts
from core.models import IMPORT_PLATFORM
from storage.sqlite_connections import SqliteConnections

# Each dimension's value in a signature row; fixed SQL, never built from input.
_EXPRESSIONS = {
    Dimension.PLATFORM: "platform",
    Dimension.REFERRER: "referrer_code",
    Dimension.EMAIL_DOMAIN: "lower(substr(email, instr(email, '@') + 1))",
}


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class SqliteLifecycle(SqliteConnections):
    """Mixed into `SqliteStore`."""

    async def set_paused(self, petition: str, paused: bool, at: datetime) -> bool:
        if paused:
            sql = "INSERT OR IGNORE INTO petition_pauses (petition, paused_at) VALUES (?, ?)"
            params: tuple[object, ...] = (petition, _utc(at))
        else:
            sql, params = "DELETE FROM petition_pauses WHERE petition = ?", (petition,)
        return await self._write(lambda db: db.execute(sql, params).rowcount == 1)

    async def paused_petitions(self) -> dict[str, datetime]:
        rows = await self._fetch("SELECT petition, paused_at FROM petition_pauses")
        return {petition: datetime.fromisoformat(at) for petition, at in rows}

    async def burst_counts(
        self, petition: str, since: datetime, values: Mapping[Dimension, str]
    ) -> HourCounts:
        wanted = list(values)
        sums = ", ".join(
            ["count(*)", *(f"coalesce(sum({_EXPRESSIONS[d]} = ?), 0)" for d in wanted)]
        )
        params = [values[d].lower() if d is Dimension.EMAIL_DOMAIN else values[d] for d in wanted]
        rows = await self._fetch(
            # The signed_at index gives the last hour's rows; only those are read. Rows an
            # organizer imported (stamped with the import's moment) are no burst.
            f"SELECT {sums} FROM signatures WHERE petition = ? AND withdrawn_at IS NULL"
            f" AND signed_at >= ? AND platform <> '{IMPORT_PLATFORM}'",
            (*params, petition, _utc(since)),
        )
        total, *found = rows[0]
        return HourCounts(
            total=int(total), by={d: int(n) for d, n in zip(wanted, found, strict=True)}
        )

    async def record_burst_alert(
        self, alert: BurstAlert, recipients: Sequence[tuple[str, str]]
    ) -> bool:
        def record(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                "INSERT OR IGNORE INTO burst_alerts"
                " (petition, dimension, value, window_start, count, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    alert.petition,
                    alert.dimension.value,
                    alert.value,
                    _utc(alert.window_start),
                    alert.count,
                    _utc(alert.at),
                ),
            )
            if cursor.rowcount != 1:
                return False
            db.executemany(
                "INSERT OR IGNORE INTO burst_alert_deliveries (alert_id, platform, user_id)"
                " VALUES (?, ?, ?)",
                [(cursor.lastrowid, platform, user_id) for platform, user_id in recipients],
            )
            return True

        return await self._write(record)

    async def take_alert_deliveries(
        self, platform: str, limit: int, at: datetime
    ) -> list[AlertDelivery]:
        def take(db: sqlite3.Connection) -> list[tuple[object, ...]]:
            rows = db.execute(
                "SELECT d.alert_id, d.user_id, a.petition, a.dimension, a.value,"
                " a.window_start, a.count, a.at FROM burst_alert_deliveries d"
                " JOIN burst_alerts a ON a.id = d.alert_id"
                " WHERE d.platform = ? AND d.sent_at IS NULL"
                " ORDER BY d.alert_id, d.user_id LIMIT ?",
                (platform, limit),
            ).fetchall()
            now = _utc(at)
            db.executemany(
                "UPDATE burst_alert_deliveries SET sent_at = ?"
                " WHERE alert_id = ? AND platform = ? AND user_id = ?",
                [(now, row[0], platform, row[1]) for row in rows],
            )
            return rows

        rows = await self._write(take)
        return [_delivery(platform, row) for row in rows]


def _delivery(platform: str, row: tuple[object, ...]) -> AlertDelivery:
    _, user_id, petition, dimension, value, window_start, count, at = row
    alert = BurstAlert(
        petition=str(petition),
        dimension=Dimension(str(dimension)),
        value=str(value),
        window_start=datetime.fromisoformat(str(window_start)),
        count=int(str(count)),
        at=datetime.fromisoformat(str(at)),
    )
    return AlertDelivery(alert=alert, platform=platform, user_id=str(user_id))
