"""The figures half of `PostgresStore`: counts, statistics and recent signers, from tallies.

Counts never scan signatures: each counter is a handful of shard rows (see migration 0001),
kept in the same transaction as every signing and withdrawal, summed when read.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from core.fields import public_name
from core.models import IMPORT_PLATFORM, DayCount, RecentSignature, Stats
from storage.postgres.connections import PostgresConnections

TALLY_SHARDS = 8
TOP_REFERRERS = 5

_SUMS = (
    "SELECT dimension, key, sum(n) AS n FROM tallies WHERE petition = $1 AND ({where})"
    " GROUP BY dimension, key HAVING sum(n) > 0"
)


class PostgresFigures(PostgresConnections):
    """Mixed into `PostgresStore`."""

    async def count(self, petition: str) -> int:
        total = await self._fetchval(
            "SELECT sum(n) FROM tallies WHERE petition = $1 AND dimension = 'total' AND key = ''",
            petition,
        )
        return int(total or 0)

    async def signed_since(self, petition: str, since: datetime) -> int:
        found = await self._fetchval(
            "SELECT (SELECT count(*) FROM signatures WHERE petition = $1 AND withdrawn_at IS NULL"
            " AND signed_at >= $2 AND NOT pending)"
            " + (SELECT coalesce(sum(n), 0) FROM offline_tallies WHERE petition = $1 AND at >= $2)",
            petition,
            since,
        )
        return int(found or 0)

    async def pending_count(self, petition: str) -> int:
        pending = await self._fetchval(
            "SELECT sum(n) FROM tallies WHERE petition = $1 AND dimension = 'pending' AND key = ''",
            petition,
        )
        return int(pending or 0)

    async def stats(self, petition: str, today: date, days: int) -> Stats:
        first_day = today - timedelta(days=days - 1)
        rows = await self._fetch(
            _SUMS.format(
                where="dimension IN ('total', 'platform', 'source', 'language', 'pending',"
                " 'tallied')"
                " OR (dimension = 'day' AND key >= $2)"
            ),
            petition,
            first_day.isoformat(),
        )
        referrers = await self._fetch(
            _SUMS.format(where="dimension = 'referrer'") + " ORDER BY n DESC, key LIMIT $2",
            petition,
            TOP_REFERRERS,
        )
        by: dict[str, dict[str, int]] = {
            "total": {},
            "platform": {},
            "source": {},
            "language": {},
            "day": {},
            "pending": {},
            "tallied": {},
        }
        for row in rows:
            by[row["dimension"]][row["key"]] = int(row["n"])
        last_days = tuple(
            DayCount(day=day, count=by["day"].get(day.isoformat(), 0))
            for day in (first_day + timedelta(days=i) for i in range(days))
        )
        return Stats(
            petition=petition,
            total=by["total"].get("", 0),
            today=by["day"].get(today.isoformat(), 0),
            last_days=last_days,
            by_platform=by["platform"],
            by_source=by["source"],
            top_referrers=tuple((row["key"], int(row["n"])) for row in referrers),
            pending=by["pending"].get("", 0),
            imported=by["platform"].get(IMPORT_PLATFORM, 0),
            tallied=by["tallied"].get("", 0),
            by_language=by["language"],
        )

    async def daily_counts(self, petition: str) -> list[DayCount]:
        days = _SUMS.format(where="dimension = 'day'")
        rows = await self._fetch(f"{days} ORDER BY key", petition)
        return [DayCount(day=date.fromisoformat(row["key"]), count=int(row["n"])) for row in rows]

    async def recent(self, petition: str, limit: int) -> list[RecentSignature]:
        rows = await self._fetch(
            "SELECT name, platform, signed_at FROM signatures"
            " WHERE petition = $1 AND withdrawn_at IS NULL AND NOT pending"
            " ORDER BY id DESC LIMIT $2",
            petition,
            limit,
        )
        return [
            RecentSignature(
                display=public_name(row["name"]),
                platform=row["platform"],
                signed_at=row["signed_at"],
            )
            for row in rows
        ]
