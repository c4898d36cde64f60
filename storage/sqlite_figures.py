"""The figures half of `SqliteStore`: counts, statistics and recent signers, from tallies.

Counts never scan signatures: the `tallies` rows are kept in the same transaction as every
signing and withdrawal (see `SqliteStore.add_signature`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.fields import public_name
from core.models import IMPORT_PLATFORM, DayCount, RecentSignature, Stats
from storage.sqlite_connections import SqliteConnections

TOP_REFERRERS = 5


class SqliteFigures(SqliteConnections):
    """Mixed into `SqliteStore`."""

    async def count(self, petition: str) -> int:
        rows = await self._fetch(
            "SELECT n FROM tallies WHERE petition = ? AND dimension = 'total' AND key = ''",
            (petition,),
        )
        return rows[0][0] if rows else 0

    async def signed_since(self, petition: str, since: datetime) -> int:
        moment = since.astimezone(UTC).isoformat()
        rows = await self._fetch(
            "SELECT (SELECT count(*) FROM signatures WHERE petition = ? AND withdrawn_at IS NULL"
            " AND signed_at >= ? AND pending = 0)"
            " + (SELECT coalesce(sum(n), 0) FROM offline_tallies WHERE petition = ? AND at >= ?)",
            (petition, moment, petition, moment),
        )
        return int(rows[0][0])

    async def pending_count(self, petition: str) -> int:
        rows = await self._fetch(
            "SELECT n FROM tallies WHERE petition = ? AND dimension = 'pending' AND key = ''",
            (petition,),
        )
        return rows[0][0] if rows else 0

    async def stats(self, petition: str, today: date, days: int) -> Stats:
        first_day = today - timedelta(days=days - 1)
        rows = await self._fetch(
            # Two index ranges, not one OR: the OR made SQLite read every referrer's row.
            "SELECT dimension, key, n FROM tallies WHERE petition = ? AND n > 0"
            " AND dimension IN ('total', 'platform', 'source', 'language', 'pending', 'tallied')"
            " UNION ALL SELECT dimension, key, n FROM tallies WHERE petition = ? AND n > 0"
            " AND dimension = 'day' AND key >= ?",
            (petition, petition, first_day.isoformat()),
        )
        referrers = tuple(
            (key, n)
            for key, n in await self._fetch(
                "SELECT key, n FROM tallies WHERE petition = ? AND dimension = 'referrer' AND n > 0"
                " ORDER BY n DESC, key LIMIT ?",
                (petition, TOP_REFERRERS),
            )
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
        for dimension, key, n in rows:
            by[dimension][key] = n
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
            top_referrers=referrers,
            pending=by["pending"].get("", 0),
            imported=by["platform"].get(IMPORT_PLATFORM, 0),
            tallied=by["tallied"].get("", 0),
            by_language=by["language"],
        )

    async def daily_counts(self, petition: str) -> list[DayCount]:
        rows = await self._fetch(
            "SELECT key, n FROM tallies WHERE petition = ? AND dimension = 'day' AND n > 0"
            " ORDER BY key",
            (petition,),
        )
        return [DayCount(day=date.fromisoformat(key), count=n) for key, n in rows]

    async def recent(self, petition: str, limit: int) -> list[RecentSignature]:
        rows = await self._fetch(
            "SELECT name, platform, signed_at FROM signatures"
            " WHERE petition = ? AND withdrawn_at IS NULL AND pending = 0"
            " ORDER BY id DESC LIMIT ?",
            (petition, limit),
        )
        return [
            RecentSignature(
                display=public_name(name),
                platform=platform,
                signed_at=datetime.fromisoformat(signed_at),
            )
            for name, platform, signed_at in rows
        ]
