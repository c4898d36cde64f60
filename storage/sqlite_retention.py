"""The retention half of `SqliteStore`: anonymising, erasing expired rows, and the checkpoint.

Each erase is followed by a WAL checkpoint, so the WAL file keeps no old page holding what
was erased (the database file itself is zeroed where content is deleted: ``secure_delete``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime

from core.retention_store import ERASED_ACCOUNT
from storage.sqlite_connections import SqliteConnections

# The rows each step changes, one WHERE clause shared by the dry run's count and the change.
# A pending signature still active is left to erase_expired_pending, once its code expired.
_OF_PETITION = (
    "petition = ? AND anonymised_at IS NULL AND (pending = 0 OR withdrawn_at IS NOT NULL)"
)
# A code sent again late still confirms its signature: kept while that code is young enough.
_EXPIRED_PENDING = (
    "petition = ? AND pending = 1 AND withdrawn_at IS NULL AND signed_at < ? AND NOT EXISTS"
    " (SELECT 1 FROM email_codes c WHERE c.signature_id = signatures.id AND c.expires_at >= ?)"
)
# Only the replies of handled messages: a message not yet handled is replayed at the next start,
# however old, since nothing a person sent may be lost.
_OLD_INBOUND = (
    "received_at < ? AND handled_at IS NOT NULL AND (reply_to IS NOT NULL OR replies IS NOT NULL)"
)
# Person deliveries of the petition's broadcasts that are over (nothing will read them
# again), and of finished broadcasts to everyone once their account has no signature left.
_FINISHED_DELIVERIES = (
    f"kind = 'person' AND address NOT LIKE '{ERASED_ACCOUNT.partition('{')[0]}%'"
    " AND broadcast_id IN (SELECT id FROM broadcasts WHERE status IN ('done', 'cancelled')"
    "   AND (petition = ? OR (petition IS NULL AND NOT EXISTS (SELECT 1 FROM signatures s"
    "     WHERE s.platform = deliveries.platform AND s.user_id = deliveries.address))))"
)
# An unreachable mark says its account was in some broadcast's audience: once no signature
# is left to explain it, it would only tell that the account had signed.
_UNEXPLAINED_MARKS = (
    "NOT EXISTS (SELECT 1 FROM signatures s"
    " WHERE s.platform = unreachable.platform AND s.user_id = unreachable.user_id)"
)
_ERASED = ERASED_ACCOUNT.replace("{id}", "' || id || '")
# An idle conversation's state becomes an ExpiredState (core/states.py): whose, and when.
_MARK = "json_extract(state, '$.kind') = 'expired'"
_MARK_STATE = (
    "json_object('platform', platform, 'user_id', user_id, 'nonce', '',"
    " 'updated_at', updated_at, 'kind', 'expired')"
)


class SqliteRetention(SqliteConnections):
    """Mixed into `SqliteStore`."""

    async def anonymise_petition(self, petition: str, at: datetime, dry_run: bool = False) -> int:
        def anonymise(db: sqlite3.Connection) -> int:
            cursor = db.execute(
                f"UPDATE signatures SET user_id = '{_ERASED}', name = NULL, email = NULL,"
                " email_key = NULL, postal_code = NULL, country = NULL, opted_in = 0,"
                f" anonymised_at = ? WHERE {_OF_PETITION}",
                (at.isoformat(), petition),
            )
            anonymised = cursor.rowcount
            # After the signatures: a broadcast to everyone is forgotten once none is left.
            db.execute(
                f"UPDATE deliveries SET address = '{_ERASED}' WHERE {_FINISHED_DELIVERIES}",
                (petition,),
            )
            db.execute(f"DELETE FROM unreachable WHERE {_UNEXPLAINED_MARKS}")
            return anonymised

        count = f"SELECT count(*) FROM signatures WHERE {_OF_PETITION}"
        return await self._erase(anonymise, count, (petition,), dry_run)

    async def erase_expired_pending(
        self,
        petition: str,
        signed_before: datetime,
        codes_expired_before: datetime,
        dry_run: bool = False,
    ) -> int:
        params = (petition, signed_before.isoformat(), codes_expired_before.isoformat())

        def erase(db: sqlite3.Connection) -> int:
            ids = f"SELECT id FROM signatures WHERE {_EXPIRED_PENDING}"
            db.execute(f"DELETE FROM email_codes WHERE signature_id IN ({ids})", params)
            db.execute(f"DELETE FROM consents WHERE signature_id IN ({ids})", params)
            cursor = db.execute(f"DELETE FROM signatures WHERE {_EXPIRED_PENDING}", params)
            if cursor.rowcount:  # they were counted in the pending tally only
                db.execute(
                    "UPDATE tallies SET n = n - ? WHERE petition = ? AND dimension = 'pending'"
                    " AND key = ''",
                    (cursor.rowcount, petition),
                )
            return cursor.rowcount

        count = f"SELECT count(*) FROM signatures WHERE {_EXPIRED_PENDING}"
        return await self._erase(erase, count, params, dry_run)

    async def delete_stale_conversations(
        self, updated_before: datetime, marks_before: datetime, dry_run: bool = False
    ) -> int:
        params = (updated_before.isoformat(),)

        def delete(db: sqlite3.Connection) -> int:
            erased = db.execute(
                f"UPDATE conversations SET state = {_MARK_STATE}"
                f" WHERE updated_at < ? AND NOT {_MARK}",
                params,
            ).rowcount
            db.execute(  # after: a purge leaves not even the marks just made
                f"DELETE FROM conversations WHERE updated_at < ? AND {_MARK}",
                (marks_before.isoformat(),),
            )
            return erased

        count = f"SELECT count(*) FROM conversations WHERE updated_at < ? AND NOT {_MARK}"
        return await self._erase(delete, count, params, dry_run)

    async def forget_old_inbound(self, received_before: datetime, dry_run: bool = False) -> int:
        at = received_before.isoformat()

        def forget(db: sqlite3.Connection) -> int:
            cursor = db.execute(
                "UPDATE inbox SET payload = NULL, reply_to = NULL, replies = NULL,"
                f" settled_at = coalesce(settled_at, received_at) WHERE {_OLD_INBOUND}",
                (at,),
            )
            return cursor.rowcount

        count = f"SELECT count(*) FROM inbox WHERE {_OLD_INBOUND}"
        return await self._erase(forget, count, (at,), dry_run)

    async def _erase(
        self,
        change: Callable[[sqlite3.Connection], int],
        count: str,
        params: tuple[object, ...],
        dry_run: bool,
    ) -> int:
        """Run ``change`` and checkpoint after its commit, or only ``count`` what it would do."""
        if dry_run:
            rows = await self._fetch(count, params, bulk=True)
            return int(rows[0][0])
        changed = await self._write(change)
        if changed:
            self._writer.checkpoint_soon()
        return changed
