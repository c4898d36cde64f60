"""The retention half of `PostgresStore`: anonymising and erasing expired rows.

PostgreSQL has no ``secure_delete``: an updated or deleted row stays in its page until VACUUM
reuses the space, and in the WAL until the segment is recycled (docs/privacy.md says what an
operator can do about it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from core.retention_store import ERASED_ACCOUNT
from storage.postgres.connections import Connection, PostgresConnections, changed

# A pending signature still active is left to erase_expired_pending, once its code expired.
_OF_PETITION = (
    "petition = $1 AND anonymised_at IS NULL AND (NOT pending OR withdrawn_at IS NOT NULL)"
)
# A code sent again late still confirms its signature: kept while that code is young enough.
_EXPIRED_PENDING = (
    "petition = $1 AND pending AND withdrawn_at IS NULL AND signed_at < $2 AND NOT EXISTS"
    " (SELECT 1 FROM email_codes c WHERE c.signature_id = signatures.id AND c.expires_at >= $3)"
)
# Only the replies of handled messages: a message not yet handled is replayed at the next start,
# however old, since nothing a person sent may be lost.
_OLD_INBOUND = (
    "received_at < $1 AND handled_at IS NOT NULL AND (reply_to IS NOT NULL OR replies IS NOT NULL)"
)
# Person deliveries of the petition's broadcasts that are over (nothing will read them
# again), and of finished broadcasts to everyone once their account has no signature left.
_FINISHED_DELIVERIES = (
    f"kind = 'person' AND address NOT LIKE '{ERASED_ACCOUNT.partition('{')[0]}%'"
    " AND broadcast_id IN (SELECT id FROM broadcasts WHERE status IN ('done', 'cancelled')"
    "   AND (petition = $1 OR (petition IS NULL AND NOT EXISTS (SELECT 1 FROM signatures s"
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
_MARK = "(state::jsonb ->> 'kind') = 'expired'"
_MARK_STATE = (
    "json_build_object('platform', platform, 'user_id', user_id, 'nonce', '',"
    " 'updated_at', updated_at, 'kind', 'expired')::text"
)


class PostgresRetention(PostgresConnections):
    """Mixed into `PostgresStore`."""

    async def anonymise_petition(self, petition: str, at: datetime, dry_run: bool = False) -> int:
        async def anonymise(db: Connection) -> int:
            status = await db.execute(
                f"UPDATE signatures SET user_id = '{_ERASED}', name = NULL, email = NULL,"
                " email_key = NULL, postal_code = NULL, country = NULL, opted_in = false,"
                f" anonymised_at = $2 WHERE {_OF_PETITION}",
                petition,
                at,
            )
            # After the signatures: a broadcast to everyone is forgotten once none is left.
            await db.execute(
                f"UPDATE deliveries SET address = '{_ERASED}' WHERE {_FINISHED_DELIVERIES}",
                petition,
            )
            await db.execute(f"DELETE FROM unreachable WHERE {_UNEXPLAINED_MARKS}")
            return changed(status)

        count = f"SELECT count(*) FROM signatures WHERE {_OF_PETITION}"
        return await self._erase(anonymise, count, (petition,), dry_run)

    async def erase_expired_pending(
        self,
        petition: str,
        signed_before: datetime,
        codes_expired_before: datetime,
        dry_run: bool = False,
    ) -> int:
        args = (petition, signed_before, codes_expired_before)

        async def erase(db: Connection) -> int:
            ids = f"SELECT id FROM signatures WHERE {_EXPIRED_PENDING}"
            for table in ("email_codes", "consents"):
                await db.execute(f"DELETE FROM {table} WHERE signature_id IN ({ids})", *args)
            erased = changed(
                await db.execute(f"DELETE FROM signatures WHERE {_EXPIRED_PENDING}", *args)
            )
            if erased:  # counted in the pending tally only; any one shard of it will do
                await db.execute(
                    "INSERT INTO tallies (petition, dimension, key, shard, n)"
                    " VALUES ($1, 'pending', '', 0, $2) ON CONFLICT (petition, dimension, key,"
                    " shard) DO UPDATE SET n = tallies.n + excluded.n",
                    petition,
                    -erased,
                )
            return erased

        count = f"SELECT count(*) FROM signatures WHERE {_EXPIRED_PENDING}"
        return await self._erase(erase, count, args, dry_run)

    async def delete_stale_conversations(
        self, updated_before: datetime, marks_before: datetime, dry_run: bool = False
    ) -> int:
        async def delete(db: Connection) -> int:
            status = await db.execute(
                f"UPDATE conversations SET state = {_MARK_STATE}"
                f" WHERE updated_at < $1 AND NOT {_MARK}",
                updated_before,
            )
            await db.execute(  # after: a purge leaves not even the marks just made
                f"DELETE FROM conversations WHERE updated_at < $1 AND {_MARK}", marks_before
            )
            return changed(status)

        count = f"SELECT count(*) FROM conversations WHERE updated_at < $1 AND NOT {_MARK}"
        return await self._erase(delete, count, (updated_before,), dry_run)

    async def forget_old_inbound(self, received_before: datetime, dry_run: bool = False) -> int:
        async def forget(db: Connection) -> int:
            status = await db.execute(
                "UPDATE inbox SET payload = NULL, reply_to = NULL, replies = NULL,"
                f" settled_at = coalesce(settled_at, received_at) WHERE {_OLD_INBOUND}",
                received_before,
            )
            return changed(status)

        count = f"SELECT count(*) FROM inbox WHERE {_OLD_INBOUND}"
        return await self._erase(forget, count, (received_before,), dry_run)

    async def _erase(
        self,
        change: Callable[[Connection], Awaitable[int]],
        count: str,
        args: tuple[object, ...],
        dry_run: bool,
    ) -> int:
        """Run ``change`` in one transaction, or only ``count`` what it would do."""
        if dry_run:
            return int(await self._fetchval(count, *args))
        return await self._write(change)
