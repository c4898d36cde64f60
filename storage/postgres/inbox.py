"""The inbox half of `PostgresStore`: platform messages recorded before they are confirmed.

The unique (platform, message id) key is shared by every worker: a redelivered update that
reaches another worker is recognised there too. A message is replayed after a crash only by
the worker that recorded it, once restarted, or by any worker once its recorder is gone: a
live worker's messages still in its queue are never handled twice.
"""

from __future__ import annotations

from datetime import datetime

from core.inbox import StoredReplies
from storage.postgres.claimer import Claimer
from storage.postgres.connections import PostgresConnections

# Recorded by this worker, by a worker no longer alive, or (copied from SQLite) by nobody.
_ORPHANED = f"(recorded_by IS NULL OR recorded_by = $2 OR recorded_by NOT IN ({Claimer.ALIVE}))"


class PostgresInbox(PostgresConnections):
    """Mixed into `PostgresStore`."""

    _claimer: Claimer

    async def record_inbound(
        self, platform: str, message_id: str, payload: str, at: datetime
    ) -> bool:
        inserted = await self._execute(
            "INSERT INTO inbox (platform, message_id, received_at, payload, recorded_by)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (platform, message_id) DO NOTHING",
            platform,
            message_id,
            at,
            payload,
            self._claimer.name,
        )
        return inserted == 1

    async def mark_handled(
        self, platform: str, message_id: str, replies: StoredReplies, at: datetime
    ) -> None:
        await self._execute(
            "UPDATE inbox SET handled_at = $3, payload = NULL, reply_to = $4, replies = $5"
            " WHERE platform = $1 AND message_id = $2 AND handled_at IS NULL",
            platform,
            message_id,
            at,
            replies.reply_to,
            replies.replies,
        )

    async def unhandled_inbound(self, platform: str) -> list[str]:
        rows = await self._fetch(
            "SELECT payload FROM inbox WHERE platform = $1 AND settled_at IS NULL"
            f" AND handled_at IS NULL AND {_ORPHANED} ORDER BY seq",
            platform,
            self._claimer.name,
        )
        return [row["payload"] for row in rows]

    async def unanswered(self, platform: str) -> list[tuple[str, StoredReplies]]:
        rows = await self._fetch(
            "SELECT message_id, reply_to, replies FROM inbox WHERE platform = $1"
            f" AND settled_at IS NULL AND handled_at IS NOT NULL AND {_ORPHANED} ORDER BY seq",
            platform,
            self._claimer.name,
        )
        return [
            (row["message_id"], StoredReplies(reply_to=row["reply_to"], replies=row["replies"]))
            for row in rows
        ]

    async def settle_inbound(self, platform: str, message_id: str, at: datetime) -> None:
        # Written at once, not in the background as SQLite does: with a pool, a later write
        # on another connection could otherwise overtake it.
        await self._execute(
            "UPDATE inbox SET settled_at = $3, handled_at = coalesce(handled_at, $3),"
            " payload = NULL, reply_to = NULL, replies = NULL"
            " WHERE platform = $1 AND message_id = $2 AND settled_at IS NULL",
            platform,
            message_id,
            at,
        )

    async def prune_inbox(self, settled_before: datetime) -> int:
        return await self._execute(
            "DELETE FROM inbox WHERE settled_at IS NOT NULL AND settled_at < $1", settled_before
        )

    async def get_cursor(self, platform: str) -> str | None:
        rows = await self._fetch(
            "SELECT cursor FROM platform_cursors WHERE platform = $1", platform
        )
        return rows[0]["cursor"] if rows else None

    async def save_cursor(self, platform: str, cursor: str, at: datetime) -> None:
        await self._execute(
            "INSERT INTO platform_cursors (platform, cursor, saved_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (platform) DO UPDATE SET cursor = excluded.cursor,"
            " saved_at = excluded.saved_at",
            platform,
            cursor,
            at,
        )
