"""The pause and burst-alert half of `PostgresStore` (migration 0005): paused petitions,
recent signatures by dimension, and the alerts sent to moderators."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import asyncpg

from core.alerts.store import AlertDelivery, BurstAlert, Dimension, HourCounts
from core.models import IMPORT_PLATFORM
from storage.postgres.connections import Connection, PostgresConnections

# Each dimension's value in a signature row; fixed SQL, never built from input.
_EXPRESSIONS = {
    Dimension.PLATFORM: "platform",
    Dimension.REFERRER: "referrer_code",
    Dimension.EMAIL_DOMAIN: "lower(split_part(email, '@', 2))",
}


class PostgresLifecycle(PostgresConnections):
    """Mixed into `PostgresStore`."""

    async def set_paused(self, petition: str, paused: bool, at: datetime) -> bool:
        if paused:
            changed = await self._execute(
                "INSERT INTO petition_pauses (petition, paused_at) VALUES ($1, $2)"
                " ON CONFLICT (petition) DO NOTHING",
                petition,
                at,
            )
        else:
            changed = await self._execute(
                "DELETE FROM petition_pauses WHERE petition = $1", petition
            )
        return changed == 1

    async def paused_petitions(self) -> dict[str, datetime]:
        rows = await self._fetch("SELECT petition, paused_at FROM petition_pauses")
        return {row["petition"]: row["paused_at"] for row in rows}

    async def burst_counts(
        self, petition: str, since: datetime, values: Mapping[Dimension, str]
    ) -> HourCounts:
        wanted = list(values)
        sums = ", ".join(
            [
                "count(*)",
                *(
                    f"count(*) FILTER (WHERE {_EXPRESSIONS[d]} = ${i})"
                    for i, d in enumerate(wanted, 3)
                ),
            ]
        )
        params = [values[d].lower() if d is Dimension.EMAIL_DOMAIN else values[d] for d in wanted]
        rows = await self._fetch(
            # The signed_at index gives the last hour's rows; only those are read. Rows an
            # organizer imported (stamped with the import's moment) are no burst.
            f"SELECT {sums} FROM signatures WHERE petition = $1 AND withdrawn_at IS NULL"
            f" AND signed_at >= $2 AND platform <> '{IMPORT_PLATFORM}'",
            petition,
            since,
            *params,
        )
        row = rows[0]
        return HourCounts(total=int(row[0]), by={d: int(row[i]) for i, d in enumerate(wanted, 1)})

    async def record_burst_alert(
        self, alert: BurstAlert, recipients: Sequence[tuple[str, str]]
    ) -> bool:
        async def record(db: Connection) -> bool:
            alert_id = await db.fetchval(
                "INSERT INTO burst_alerts (petition, dimension, value, window_start, count, at)"
                " VALUES ($1, $2, $3, $4, $5, $6)"
                " ON CONFLICT (petition, dimension, value, window_start) DO NOTHING RETURNING id",
                alert.petition,
                alert.dimension.value,
                alert.value,
                alert.window_start,
                alert.count,
                alert.at,
            )
            if alert_id is None:
                return False
            await db.executemany(
                "INSERT INTO burst_alert_deliveries (alert_id, platform, user_id)"
                " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                [(alert_id, platform, user_id) for platform, user_id in recipients],
            )
            return True

        return await self._write(record)

    async def take_alert_deliveries(
        self, platform: str, limit: int, at: datetime
    ) -> list[AlertDelivery]:
        async def take(db: Connection) -> list[asyncpg.Record]:
            # SKIP LOCKED: two processes serving the platform each take different ones.
            rows: list[asyncpg.Record] = await db.fetch(
                "WITH taken AS (UPDATE burst_alert_deliveries SET sent_at = $3"
                " WHERE (alert_id, platform, user_id) IN (SELECT alert_id, platform, user_id"
                " FROM burst_alert_deliveries WHERE platform = $1 AND sent_at IS NULL"
                " ORDER BY alert_id, user_id LIMIT $2 FOR UPDATE SKIP LOCKED)"
                " RETURNING alert_id, user_id)"
                " SELECT t.user_id, a.petition, a.dimension, a.value, a.window_start, a.count,"
                " a.at FROM taken t JOIN burst_alerts a ON a.id = t.alert_id"
                " ORDER BY a.id, t.user_id",
                platform,
                limit,
                at,
            )
            return rows

        rows = await self._write(take)
        return [
            AlertDelivery(
                alert=BurstAlert(
                    petition=row["petition"],
                    dimension=Dimension(row["dimension"]),
                    value=row["value"],
                    window_start=row["window_start"],
                    count=row["count"],
                    at=row["at"],
                ),
                platform=platform,
                user_id=row["user_id"],
            )
            for row in rows
        ]
