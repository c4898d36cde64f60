"""The inbox half of `SqliteStore`: platform messages recorded before they are confirmed."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from core.inbox import StoredReplies
from storage.sqlite_connections import SqliteConnections


class SqliteInbox(SqliteConnections):
    """Mixed into `SqliteStore`."""

    async def record_inbound(
        self, platform: str, message_id: str, payload: str, at: datetime
    ) -> bool:
        def insert(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                "INSERT OR IGNORE INTO inbox (platform, message_id, received_at, payload)"
                " VALUES (?, ?, ?, ?)",
                (platform, message_id, at.isoformat(), payload),
            )
            return cursor.rowcount == 1

        return await self._write(insert)

    async def mark_handled(
        self, platform: str, message_id: str, replies: StoredReplies, at: datetime
    ) -> None:
        def mark(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE inbox SET handled_at = ?, payload = NULL, reply_to = ?, replies = ?"
                " WHERE platform = ? AND message_id = ? AND handled_at IS NULL",
                (at.isoformat(), replies.reply_to, replies.replies, platform, message_id),
            )

        await self._write(mark)

    async def unhandled_inbound(self, platform: str) -> list[str]:
        rows = await self._fetch(
            "SELECT payload FROM inbox WHERE platform = ? AND settled_at IS NULL"
            " AND handled_at IS NULL ORDER BY seq",
            (platform,),
            bulk=True,
        )
        return [payload for (payload,) in rows]

    async def unanswered(self, platform: str) -> list[tuple[str, StoredReplies]]:
        rows = await self._fetch(
            "SELECT message_id, reply_to, replies FROM inbox WHERE platform = ?"
            " AND settled_at IS NULL AND handled_at IS NOT NULL ORDER BY seq",
            (platform,),
            bulk=True,
        )
        return [
            (message_id, StoredReplies(reply_to=reply_to, replies=replies))
            for message_id, reply_to, replies in rows
        ]

    async def settle_inbound(self, platform: str, message_id: str, at: datetime) -> None:
        def settle(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE inbox SET settled_at = ?, handled_at = coalesce(handled_at, ?),"
                " payload = NULL, reply_to = NULL, replies = NULL"
                " WHERE platform = ? AND message_id = ? AND settled_at IS NULL",
                (at.isoformat(), at.isoformat(), platform, message_id),
            )

        # In the background: a crash before it is written resends the replies (a repeat),
        # and waiting for it would hold the person's turn for one more commit.
        self._writer.write_soon(settle)

    async def prune_inbox(self, settled_before: datetime) -> int:
        def prune(db: sqlite3.Connection) -> int:
            cursor = db.execute(
                "DELETE FROM inbox WHERE settled_at IS NOT NULL AND settled_at < ?",
                (settled_before.isoformat(),),
            )
            return cursor.rowcount

        return await self._write(prune)

    async def get_cursor(self, platform: str) -> str | None:
        rows = await self._fetch(
            "SELECT cursor FROM platform_cursors WHERE platform = ?", (platform,)
        )
        return rows[0][0] if rows else None

    async def save_cursor(self, platform: str, cursor: str, at: datetime) -> None:
        def save(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO platform_cursors (platform, cursor, saved_at) VALUES (?, ?, ?)"
                " ON CONFLICT (platform) DO UPDATE SET cursor = excluded.cursor,"
                " saved_at = excluded.saved_at",
                (platform, cursor, at.isoformat()),
            )

        await self._write(save)
