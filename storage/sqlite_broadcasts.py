"""The broadcast half of `SqliteStore`: drafts, deliveries, claims and opt-outs in SQLite."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime

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
from storage.sqlite_connections import SqliteConnections

# Opted-in, active signers, each person once, minus those no platform can reach (an
# imported signature has no chat account: its opt-in goes out with the exports).
_AUDIENCE = f"""
    FROM signatures s
    WHERE s.withdrawn_at IS NULL AND s.opted_in = 1 AND s.pending = 0
      AND s.platform <> '{IMPORT_PLATFORM}'
      AND (:petition IS NULL OR s.petition = :petition)
      AND NOT EXISTS (SELECT 1 FROM unreachable u
                      WHERE u.platform = s.platform AND u.user_id = s.user_id)
"""
_STILL_WANTS_IT = """
    d.kind = 'channel' OR EXISTS (
        SELECT 1 FROM signatures s
        WHERE s.platform = d.platform AND s.user_id = d.address AND s.withdrawn_at IS NULL
          AND s.opted_in = 1 AND s.pending = 0
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
# An account's person deliveries of the petition's broadcasts, and of broadcasts to everyone
# once no active signature of theirs is left (:petition, :platform, :user).
_ITS_DELIVERIES = """
    kind = 'person' AND platform = :platform AND address = :user AND broadcast_id IN
        (SELECT id FROM broadcasts WHERE petition = :petition OR (petition IS NULL
         AND NOT EXISTS (SELECT 1 FROM signatures WHERE platform = :platform
                         AND user_id = :user AND withdrawn_at IS NULL)))
"""


def forget_deliveries(db: sqlite3.Connection, petition: str, platform: str, user: str) -> None:
    """After a withdrawal (same transaction): erase the account id from its deliveries (a
    pending one is skipped, as any withdrawn signer's is at its turn; the figures stay), and
    its unreachable mark once it has no active signature left."""
    params = {"petition": petition, "platform": platform, "user": user}
    db.execute(
        f"UPDATE deliveries SET address = '{_ERASED}',"
        " status = CASE WHEN status = 'pending' THEN 'skipped' ELSE status END"
        f" WHERE {_ITS_DELIVERIES}",
        params,
    )
    db.execute(
        "DELETE FROM unreachable WHERE platform = :platform AND user_id = :user"
        " AND NOT EXISTS (SELECT 1 FROM signatures WHERE platform = :platform"
        " AND user_id = :user AND withdrawn_at IS NULL)",
        params,
    )


class SqliteBroadcasts(SqliteConnections):
    """Mixed into `SqliteStore`."""

    async def audience_counts(self, petition: str | None) -> dict[str, int]:
        sql = f"SELECT platform, count(*) FROM (SELECT DISTINCT s.platform, s.user_id {_AUDIENCE})"
        rows = await self._fetch(f"{sql} GROUP BY platform", {"petition": petition}, bulk=True)
        return {platform: n for platform, n in rows}

    async def create_broadcast(
        self,
        petition: str | None,
        text: str,
        author: str,
        origin: tuple[str, str],
        at: datetime,
        language: str = "en",
    ) -> Broadcast:
        def insert(db: sqlite3.Connection) -> int:
            cursor = db.execute(
                "INSERT INTO broadcasts (petition, text, author, origin_platform, origin_chat_id,"
                " status, created_at, language) VALUES (?, ?, ?, ?, ?, 'draft', ?, ?)",
                (petition, text, author, origin[0], origin[1], at.isoformat(), language),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

        broadcast_id = await self._write(insert)
        found = await self.get_broadcast(broadcast_id)
        assert found is not None
        return found

    async def get_broadcast(self, broadcast_id: int) -> Broadcast | None:
        rows = await self._fetch(
            f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        return _broadcast(rows[0]) if rows else None

    async def set_broadcast_translation(self, broadcast_id: int, language: str, text: str) -> bool:
        def translate(db: sqlite3.Connection) -> bool:
            row = db.execute(
                "SELECT translations FROM broadcasts WHERE id = ? AND status = 'draft'",
                (broadcast_id,),
            ).fetchone()
            if row is None:
                return False
            translations = {**json.loads(row[0] or "{}"), language: text}
            db.execute(
                "UPDATE broadcasts SET translations = ? WHERE id = ?",
                (json.dumps(translations, sort_keys=True), broadcast_id),
            )
            return True

        return await self._write(translate)

    async def confirm_broadcast(
        self, broadcast_id: int, channels: list[tuple[str, str]], at: datetime
    ) -> Broadcast | None:
        def confirm(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                "UPDATE broadcasts SET status = 'sending', confirmed_at = ?"
                " WHERE id = ? AND status = 'draft' RETURNING petition",
                (at.isoformat(), broadcast_id),
            )
            row = cursor.fetchone()
            cursor.close()
            if row is None:
                return False
            db.execute(
                "INSERT OR IGNORE INTO deliveries (broadcast_id, platform, address, kind)"
                f" SELECT DISTINCT :id, s.platform, s.user_id, 'person' {_AUDIENCE}",
                {"id": broadcast_id, "petition": row[0]},
            )
            db.executemany(
                "INSERT OR IGNORE INTO deliveries (broadcast_id, platform, address, kind)"
                " VALUES (?, ?, ?, 'channel')",
                [(broadcast_id, platform, chat) for platform, chat in channels],
            )
            db.execute(
                "UPDATE broadcasts SET total = (SELECT count(*) FROM deliveries"
                " WHERE broadcast_id = :id) WHERE id = :id",
                {"id": broadcast_id},
            )
            return True

        if not await self._write(confirm):
            return None
        return await self.get_broadcast(broadcast_id)

    async def cancel_broadcast(self, broadcast_id: int, at: datetime) -> bool:
        def cancel(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                "UPDATE broadcasts SET status = 'cancelled', finished_at = ?"
                " WHERE id = ? AND status IN ('draft', 'sending')",
                (at.isoformat(), broadcast_id),
            )
            if cursor.rowcount == 0:
                return False
            db.execute(
                "UPDATE deliveries SET status = 'cancelled', finished_at = ?"
                " WHERE broadcast_id = ? AND status = 'pending'",
                (at.isoformat(), broadcast_id),
            )
            return True

        return await self._write(cancel)

    async def set_progress_message(self, broadcast_id: int, message_id: str) -> None:
        sql = "UPDATE broadcasts SET progress_message_id = ? WHERE id = ?"
        await self._write(lambda db: db.execute(sql, (message_id, broadcast_id)).close())

    async def recent_broadcasts(self, limit: int) -> list[Broadcast]:
        rows = await self._fetch(
            f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [_broadcast(row) for row in rows]

    async def sending_broadcasts(self) -> list[Broadcast]:
        rows = await self._fetch(
            f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts WHERE status = 'sending' ORDER BY id"
        )
        return [_broadcast(row) for row in rows]

    async def confirmations(self) -> AsyncIterator[int]:
        """One process owns this store: nothing is confirmed anywhere else."""
        return
        yield  # an async generator that ends at once

    async def claim_deliveries(
        self, broadcast_id: int, platform: str, limit: int
    ) -> list[Delivery]:
        def claim(db: sqlite3.Connection) -> list[Delivery]:
            rows = db.execute(
                f"SELECT d.id, d.address, d.kind, ({_STILL_WANTS_IT}), {_LANGUAGE}"
                " FROM deliveries d"
                " JOIN broadcasts b ON b.id = d.broadcast_id"
                " WHERE d.broadcast_id = ? AND d.platform = ? AND d.status = 'pending'"
                "   AND b.status = 'sending' ORDER BY d.id LIMIT ?",
                (broadcast_id, platform, limit),
            ).fetchall()
            db.executemany(
                "UPDATE deliveries SET status = ? WHERE id = ?",
                [("in_flight" if row[3] else "skipped", row[0]) for row in rows],
            )
            return [
                Delivery(
                    id=row_id,
                    broadcast_id=broadcast_id,
                    platform=platform,
                    address=address,
                    kind=kind,
                    language=language if kind == "person" else None,
                )
                for row_id, address, kind, wanted, language in rows
                if wanted
            ]

        return await self._write(claim)

    async def record_outcomes(self, outcomes: list[DeliveryOutcome], at: datetime) -> None:
        def record(db: sqlite3.Connection) -> None:
            db.executemany(
                "UPDATE deliveries SET status = ?, attempts = ?, detail = ?, finished_at = ?"
                " WHERE id = ?",
                [
                    (o.state, o.attempts, o.detail[:200], at.isoformat(), o.delivery_id)
                    for o in outcomes
                ],
            )
            unreachable = [o.delivery_id for o in outcomes if o.state is DeliveryState.UNREACHABLE]
            db.executemany(
                "INSERT OR REPLACE INTO unreachable (platform, user_id, reason, at)"
                " SELECT platform, address, coalesce(detail, ''), ? FROM deliveries"
                f" WHERE id = ? AND kind = 'person' AND address NOT LIKE '{_ERASED_PREFIX}%'",
                [(at.isoformat(), delivery_id) for delivery_id in unreachable],
            )

        await self._write(record)

    async def release_deliveries(self, delivery_ids: list[int]) -> int:
        def release(db: sqlite3.Connection) -> int:
            cursor = db.executemany(
                "UPDATE deliveries SET status = CASE WHEN (SELECT status FROM broadcasts b"
                "   WHERE b.id = deliveries.broadcast_id) = 'sending' THEN 'pending'"
                "   ELSE 'cancelled' END"
                " WHERE id = ? AND status = 'in_flight'",
                [(delivery_id,) for delivery_id in delivery_ids],
            )
            return cursor.rowcount

        if not delivery_ids:
            return 0
        return await self._writer.write(release)

    async def abandon_in_flight(self, platform: str) -> int:
        def abandon(db: sqlite3.Connection) -> int:
            cursor = db.execute(
                "UPDATE deliveries SET status = 'unknown' WHERE status = 'in_flight'"
                " AND platform = ?",
                (platform,),
            )
            return cursor.rowcount

        return await self._write(abandon)

    async def totals(self, broadcast_id: int) -> Totals:
        rows = await self._fetch(
            "SELECT status, count(*) FROM deliveries WHERE broadcast_id = ? GROUP BY status",
            (broadcast_id,),
            bulk=True,
        )
        return Totals(by_state={DeliveryState(state): n for state, n in rows})

    async def finish_broadcast(self, broadcast_id: int, at: datetime) -> bool:
        def finish(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                "UPDATE broadcasts SET status = 'done', finished_at = ?"
                " WHERE id = ? AND status = 'sending' AND NOT EXISTS (SELECT 1 FROM deliveries"
                "   WHERE broadcast_id = ? AND status IN ('pending', 'in_flight'))",
                (at.isoformat(), broadcast_id, broadcast_id),
            )
            return cursor.rowcount == 1

        return await self._write(finish)

    async def broadcasts_to_report(self, origin_platform: str) -> list[Broadcast]:
        rows = await self._fetch(
            f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts WHERE origin_platform = ?"
            " AND (status = 'sending' OR (status IN ('done', 'cancelled') AND reported_at IS NULL"
            " AND confirmed_at IS NOT NULL)) ORDER BY id",
            (origin_platform,),
        )
        return [_broadcast(row) for row in rows]

    async def mark_reported(self, broadcast_id: int, at: datetime) -> bool:
        def mark(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                "UPDATE broadcasts SET reported_at = ? WHERE id = ? AND reported_at IS NULL"
                " AND status IN ('done', 'cancelled')",
                (at.isoformat(), broadcast_id),
            )
            return cursor.rowcount == 1

        return await self._write(mark)

    # What is stored about one person (for /mydata): rare reads, on the larger-reads connection.

    async def deliveries_to(self, platform: str, user_id: str) -> list[DeliveryRecord]:
        rows = await self._fetch(
            "SELECT broadcast_id, status, attempts, detail, finished_at FROM deliveries"
            " WHERE platform = ? AND address = ? AND kind = 'person' ORDER BY id",
            (platform, user_id),
            bulk=True,
        )
        return [
            DeliveryRecord(
                broadcast_id=broadcast_id,
                state=DeliveryState(status),
                attempts=attempts,
                detail=detail,
                finished_at=datetime.fromisoformat(finished) if finished else None,
            )
            for broadcast_id, status, attempts, detail, finished in rows
        ]

    async def unreachable_mark(self, platform: str, user_id: str) -> UnreachableMark | None:
        rows = await self._fetch(
            "SELECT reason, at FROM unreachable WHERE platform = ? AND user_id = ?",
            (platform, user_id),
            bulk=True,
        )
        return (
            UnreachableMark(reason=rows[0][0], at=datetime.fromisoformat(rows[0][1]))
            if rows
            else None
        )

    async def broadcasts_by(self, author: str) -> list[Broadcast]:
        rows = await self._fetch(
            f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts WHERE author = ? ORDER BY id",
            (author,),
            bulk=True,
        )
        return [_broadcast(row) for row in rows]

    async def set_updates(
        self, platform: str, user_id: str, petition: str | None, opted_in: bool, at: datetime
    ) -> int:
        def change(db: sqlite3.Connection) -> int:
            cursor = db.execute(
                "UPDATE signatures SET opted_in = ? WHERE platform = ? AND user_id = ?"
                " AND withdrawn_at IS NULL AND opted_in != ? AND (? IS NULL OR petition = ?)"
                " RETURNING id",
                (int(opted_in), platform, user_id, int(opted_in), petition, petition),
            )
            changed = [row[0] for row in cursor.fetchall()]
            db.executemany(
                "INSERT INTO consents (signature_id, kind, granted, at)"
                " VALUES (?, 'updates', ?, ?)",
                [(signature_id, int(opted_in), at.isoformat()) for signature_id in changed],
            )
            return len(changed)

        return await self._write(change)


def _broadcast(row: tuple) -> Broadcast:
    (
        id_,
        petition,
        text,
        author,
        origin_platform,
        origin_chat_id,
        progress,
        status,
        total,
        created_at,
        confirmed_at,
        finished_at,
        translations,
        language,
    ) = row
    return Broadcast(
        translations=json.loads(translations or "{}"),
        language=language,
        id=id_,
        petition=petition,
        text=text,
        author=author,
        origin_platform=origin_platform,
        origin_chat_id=origin_chat_id,
        progress_message_id=progress,
        status=BroadcastStatus(status),
        total=total,
        created_at=datetime.fromisoformat(created_at),
        confirmed_at=datetime.fromisoformat(confirmed_at) if confirmed_at else None,
        finished_at=datetime.fromisoformat(finished_at) if finished_at else None,
    )
