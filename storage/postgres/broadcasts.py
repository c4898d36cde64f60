"""The broadcast half of `PostgresStore`: drafts, deliveries, claims and opt-outs.

Several dispatchers share one broadcast: a claim takes the next pending rows with
``FOR UPDATE SKIP LOCKED``, so two processes claiming at once get different people, and
marks them with the claimer (`claimer`, one per store opened). After a crash only the
claims of dispatchers no longer alive become ``unknown``; see `storage.postgres.claimer`.
"""

from __future__ import annotations

import json
from datetime import datetime

import asyncpg

from core.broadcasts.models import (
    Broadcast,
    BroadcastStatus,
    Delivery,
    DeliveryOutcome,
    DeliveryRecord,
    DeliveryState,
    Totals,
    UnreachableMark,
)
from core.models import IMPORT_PLATFORM
from core.retention_store import ERASED_ACCOUNT
from storage.postgres.claimer import Claimer
from storage.postgres.connections import Connection, PostgresConnections, changed
from storage.postgres.wakeups import CHANNEL

# Opted-in, active, confirmed signers, each person once, minus those no platform can reach
# (an imported signature has no chat account: its opt-in goes out with the exports)
# ($1: petition).
_AUDIENCE = f"""
    FROM signatures s
    WHERE s.withdrawn_at IS NULL AND s.opted_in AND NOT s.pending
      AND s.platform <> '{IMPORT_PLATFORM}'
      AND ($1::text IS NULL OR s.petition = $1::text)
      AND NOT EXISTS (SELECT 1 FROM unreachable u
                      WHERE u.platform = s.platform AND u.user_id = s.user_id)
"""
_STILL_WANTS_IT = """
    d.kind = 'channel' OR EXISTS (
        SELECT 1 FROM signatures s
        WHERE s.platform = d.platform AND s.user_id = d.address AND s.withdrawn_at IS NULL
          AND s.opted_in AND NOT s.pending
          AND (b.petition IS NULL OR s.petition = b.petition))
"""
_BROADCAST_COLUMNS = (
    "id, petition, text, author, origin_platform, origin_chat_id, progress_message_id, status,"
    " total, created_at, confirmed_at, finished_at, translations, language"
)
# The person's language for a delivery: chosen with /language, else their latest signature's.
_LANGUAGE = """
    COALESCE((SELECT l.language FROM languages l
              WHERE l.platform = d.platform AND l.user_id = d.address),
             (SELECT s.language FROM signatures s
              WHERE s.platform = d.platform AND s.user_id = d.address
              ORDER BY s.id DESC LIMIT 1))
"""

_ERASED = ERASED_ACCOUNT.replace("{id}", "' || id || '")
_ERASED_PREFIX = ERASED_ACCOUNT.partition("{")[0]
# The account ($2, $3) has no active signature left.
_NO_ACTIVE_SIGNATURE = (
    "NOT EXISTS (SELECT 1 FROM signatures WHERE platform = $2 AND user_id = $3"
    " AND withdrawn_at IS NULL)"
)


async def forget_deliveries(db: Connection, petition: str, platform: str, user: str) -> None:
    """After a withdrawal (same transaction): erase the account id from its deliveries of the
    petition's broadcasts, and of broadcasts to everyone once it has no active signature left
    (a pending one is skipped, as any withdrawn signer's is at its turn; the figures stay),
    and its unreachable mark then too."""
    await db.execute(
        f"UPDATE deliveries SET address = '{_ERASED}',"
        " status = CASE WHEN status = 'pending' THEN 'skipped' ELSE status END"
        " WHERE kind = 'person' AND platform = $2 AND address = $3 AND broadcast_id IN"
        f" (SELECT id FROM broadcasts WHERE petition = $1 OR (petition IS NULL"
        f"  AND {_NO_ACTIVE_SIGNATURE}))",
        petition,
        platform,
        user,
    )
    await db.execute(
        "DELETE FROM unreachable WHERE platform = $1 AND user_id = $2 AND NOT EXISTS"
        " (SELECT 1 FROM signatures WHERE platform = $1 AND user_id = $2"
        " AND withdrawn_at IS NULL)",
        platform,
        user,
    )


class PostgresBroadcasts(PostgresConnections):
    """Mixed into `PostgresStore`."""

    _claimer: Claimer

    async def audience_counts(self, petition: str | None) -> dict[str, int]:
        rows = await self._fetch(
            "SELECT platform, count(*) AS n FROM"
            f" (SELECT DISTINCT s.platform, s.user_id {_AUDIENCE}) people GROUP BY platform",
            petition,
        )
        return {row["platform"]: row["n"] for row in rows}

    async def create_broadcast(
        self,
        petition: str | None,
        text: str,
        author: str,
        origin: tuple[str, str],
        at: datetime,
        language: str = "en",
    ) -> Broadcast:
        broadcast_id = await self._write(
            lambda db: db.fetchval(
                "INSERT INTO broadcasts (petition, text, author, origin_platform, origin_chat_id,"
                " status, created_at, language) VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7)"
                " RETURNING id",
                petition,
                text,
                author,
                origin[0],
                origin[1],
                at,
                language,
            )
        )
        found = await self.get_broadcast(broadcast_id)
        assert found is not None
        return found

    async def get_broadcast(self, broadcast_id: int) -> Broadcast | None:
        rows = await self._fetch(
            f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts WHERE id = $1", broadcast_id
        )
        return _broadcast(rows[0]) if rows else None

    async def set_broadcast_translation(self, broadcast_id: int, language: str, text: str) -> bool:
        # One statement: the row lock orders two translations of one draft.
        rows = await self._execute(
            "UPDATE broadcasts SET translations = ((translations::jsonb)"
            " || jsonb_build_object($2::text, $3::text))::text"
            " WHERE id = $1 AND status = 'draft'",
            broadcast_id,
            language,
            text,
        )
        return rows == 1

    async def confirm_broadcast(
        self, broadcast_id: int, channels: list[tuple[str, str]], at: datetime
    ) -> Broadcast | None:
        async def confirm(db: Connection) -> bool:
            row = await db.fetchrow(
                "UPDATE broadcasts SET status = 'sending', confirmed_at = $2"
                " WHERE id = $1 AND status = 'draft' RETURNING petition",
                broadcast_id,
                at,
            )
            if row is None:
                return False
            await db.execute(
                "INSERT INTO deliveries (broadcast_id, platform, address, kind)"
                f" SELECT DISTINCT $2::bigint, s.platform, s.user_id, 'person' {_AUDIENCE}"
                " ORDER BY 2, 3 ON CONFLICT DO NOTHING",
                row["petition"],
                broadcast_id,
            )
            await db.executemany(
                "INSERT INTO deliveries (broadcast_id, platform, address, kind)"
                " VALUES ($1, $2, $3, 'channel') ON CONFLICT DO NOTHING",
                [(broadcast_id, platform, chat) for platform, chat in channels],
            )
            await db.execute(
                "UPDATE broadcasts SET total = (SELECT count(*) FROM deliveries"
                " WHERE broadcast_id = $1) WHERE id = $1",
                broadcast_id,
            )
            # Wakes every dispatcher on the database at commit (storage.postgres.wakeups).
            await db.execute("SELECT pg_notify($1, $2)", CHANNEL, str(broadcast_id))
            return True

        if not await self._write(confirm):
            return None
        return await self.get_broadcast(broadcast_id)

    async def cancel_broadcast(self, broadcast_id: int, at: datetime) -> bool:
        async def cancel(db: Connection) -> bool:
            status = await db.execute(
                "UPDATE broadcasts SET status = 'cancelled', finished_at = $2"
                " WHERE id = $1 AND status IN ('draft', 'sending')",
                broadcast_id,
                at,
            )
            if changed(status) == 0:
                return False
            await db.execute(
                "UPDATE deliveries SET status = 'cancelled', finished_at = $2"
                " WHERE broadcast_id = $1 AND status = 'pending'",
                broadcast_id,
                at,
            )
            return True

        return await self._write(cancel)

    async def set_progress_message(self, broadcast_id: int, message_id: str) -> None:
        await self._execute(
            "UPDATE broadcasts SET progress_message_id = $2 WHERE id = $1", broadcast_id, message_id
        )

    async def recent_broadcasts(self, limit: int) -> list[Broadcast]:
        rows = await self._fetch(
            f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts ORDER BY id DESC LIMIT $1", limit
        )
        return [_broadcast(row) for row in rows]

    async def sending_broadcasts(self) -> list[Broadcast]:
        rows = await self._fetch(
            f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts WHERE status = 'sending' ORDER BY id"
        )
        return [_broadcast(row) for row in rows]

    async def claim_deliveries(
        self, broadcast_id: int, platform: str, limit: int
    ) -> list[Delivery]:
        rows = await self._write(
            lambda db: db.fetch(
                "WITH picked AS (SELECT d.id FROM deliveries d"
                "   JOIN broadcasts b ON b.id = d.broadcast_id"
                "   WHERE d.broadcast_id = $1 AND d.platform = $2 AND d.status = 'pending'"
                "     AND b.status = 'sending' ORDER BY d.id LIMIT $3"
                "   FOR UPDATE OF d SKIP LOCKED)"
                " UPDATE deliveries d SET claimed_by = $4, status = CASE"
                f"   WHEN {_STILL_WANTS_IT} THEN 'in_flight' ELSE 'skipped' END"
                " FROM picked, broadcasts b"
                " WHERE d.id = picked.id AND b.id = d.broadcast_id"
                f" RETURNING d.id, d.address, d.kind, d.status, {_LANGUAGE} AS language",
                broadcast_id,
                platform,
                limit,
                self._claimer.name,
            )
        )
        if len(rows) < limit:
            await self._abandon_orphans(broadcast_id, platform)
        return [
            Delivery(
                id=row["id"],
                broadcast_id=broadcast_id,
                platform=platform,
                address=row["address"],
                kind=row["kind"],
                language=row["language"] if row["kind"] == "person" else None,
            )
            for row in sorted(rows, key=lambda row: row["id"])
            if row["status"] == "in_flight"
        ]

    async def _abandon_orphans(self, broadcast_id: int, platform: str) -> None:
        """The end of the queue: deliveries a dispatcher that died (SIGKILL, a lost machine)
        left in flight become unknown, so the broadcast can finish without resending them."""
        await self._execute(
            "UPDATE deliveries SET status = 'unknown' WHERE broadcast_id = $1 AND platform = $2"
            " AND status = 'in_flight' AND claimed_by != $3"
            f" AND claimed_by NOT IN ({Claimer.ALIVE})",
            broadcast_id,
            platform,
            self._claimer.name,
        )

    async def record_outcomes(self, outcomes: list[DeliveryOutcome], at: datetime) -> None:
        async def record(db: Connection) -> None:
            await db.executemany(
                "UPDATE deliveries SET status = $2, attempts = $3, detail = $4, finished_at = $5"
                " WHERE id = $1",
                [(o.delivery_id, o.state.value, o.attempts, o.detail[:200], at) for o in outcomes],
            )
            unreachable = [o.delivery_id for o in outcomes if o.state is DeliveryState.UNREACHABLE]
            if unreachable:
                await db.execute(
                    "INSERT INTO unreachable (platform, user_id, reason, at)"
                    " SELECT platform, address, coalesce(detail, ''), $2 FROM deliveries"
                    " WHERE id = ANY($1::bigint[]) AND kind = 'person'"
                    f" AND address NOT LIKE '{_ERASED_PREFIX}%' ORDER BY platform, address"
                    " ON CONFLICT (platform, user_id)"
                    " DO UPDATE SET reason = excluded.reason, at = excluded.at",
                    unreachable,
                    at,
                )

        if outcomes:
            await self._write(record)

    async def release_deliveries(self, delivery_ids: list[int]) -> int:
        if not delivery_ids:
            return 0
        return await self._execute(
            "UPDATE deliveries d SET claimed_by = NULL, status = CASE"
            "   WHEN b.status = 'sending' THEN 'pending' ELSE 'cancelled' END"
            " FROM broadcasts b WHERE b.id = d.broadcast_id"
            "   AND d.id = ANY($1::bigint[]) AND d.status = 'in_flight'",
            delivery_ids,
        )

    async def abandon_in_flight(self, platform: str) -> int:
        # Only claims of dispatchers that are gone (and this one's own, from before its
        # restart): another process's deliveries in flight are still being sent.
        return await self._execute(
            "UPDATE deliveries SET status = 'unknown' WHERE status = 'in_flight'"
            " AND platform = $1 AND (claimed_by IS NULL OR claimed_by = $2"
            f"   OR claimed_by NOT IN ({Claimer.ALIVE}))",
            platform,
            self._claimer.name,
        )

    async def totals(self, broadcast_id: int) -> Totals:
        rows = await self._fetch(
            "SELECT status, count(*) AS n FROM deliveries WHERE broadcast_id = $1 GROUP BY status",
            broadcast_id,
        )
        return Totals(by_state={DeliveryState(row["status"]): row["n"] for row in rows})

    async def finish_broadcast(self, broadcast_id: int, at: datetime) -> bool:
        done = await self._execute(
            "UPDATE broadcasts SET status = 'done', finished_at = $2"
            " WHERE id = $1 AND status = 'sending' AND NOT EXISTS (SELECT 1 FROM deliveries"
            "   WHERE broadcast_id = $1 AND status IN ('pending', 'in_flight'))",
            broadcast_id,
            at,
        )
        return done == 1

    async def broadcasts_to_report(self, origin_platform: str) -> list[Broadcast]:
        rows = await self._fetch(
            f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts WHERE origin_platform = $1"
            " AND (status = 'sending' OR (status IN ('done', 'cancelled') AND reported_at IS NULL"
            " AND confirmed_at IS NOT NULL)) ORDER BY id",
            origin_platform,
        )
        return [_broadcast(row) for row in rows]

    async def mark_reported(self, broadcast_id: int, at: datetime) -> bool:
        marked = await self._execute(
            "UPDATE broadcasts SET reported_at = $2 WHERE id = $1 AND reported_at IS NULL"
            " AND status IN ('done', 'cancelled')",
            broadcast_id,
            at,
        )
        return marked == 1

    async def deliveries_to(self, platform: str, user_id: str) -> list[DeliveryRecord]:
        rows = await self._fetch(
            "SELECT broadcast_id, status, attempts, detail, finished_at FROM deliveries"
            " WHERE platform = $1 AND address = $2 AND kind = 'person' ORDER BY id",
            platform,
            user_id,
        )
        return [
            DeliveryRecord(
                broadcast_id=row["broadcast_id"],
                state=DeliveryState(row["status"]),
                attempts=row["attempts"],
                detail=row["detail"],
                finished_at=row["finished_at"],
            )
            for row in rows
        ]

    async def unreachable_mark(self, platform: str, user_id: str) -> UnreachableMark | None:
        rows = await self._fetch(
            "SELECT reason, at FROM unreachable WHERE platform = $1 AND user_id = $2",
            platform,
            user_id,
        )
        return UnreachableMark(reason=rows[0]["reason"], at=rows[0]["at"]) if rows else None

    async def broadcasts_by(self, author: str) -> list[Broadcast]:
        rows = await self._fetch(
            f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts WHERE author = $1 ORDER BY id", author
        )
        return [_broadcast(row) for row in rows]

    async def set_updates(
        self, platform: str, user_id: str, petition: str | None, opted_in: bool, at: datetime
    ) -> int:
        async def change(db: Connection) -> int:
            rows = await db.fetch(
                "UPDATE signatures SET opted_in = $3 WHERE platform = $1 AND user_id = $2"
                " AND withdrawn_at IS NULL AND opted_in != $3"
                " AND ($4::text IS NULL OR petition = $4::text) RETURNING id",
                platform,
                user_id,
                opted_in,
                petition,
            )
            changed_ids = sorted(row["id"] for row in rows)
            await db.executemany(
                "INSERT INTO consents (signature_id, kind, granted, at)"
                " VALUES ($1, 'updates', $2, $3)",
                [(signature_id, opted_in, at) for signature_id in changed_ids],
            )
            return len(changed_ids)

        return await self._write(change)


def _broadcast(row: asyncpg.Record) -> Broadcast:
    translations = json.loads(row["translations"] or "{}")
    fields = {**dict(row), "status": BroadcastStatus(row["status"]), "translations": translations}
    return Broadcast(**fields)
