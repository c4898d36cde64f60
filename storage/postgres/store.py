"""`PostgresStore`: the store for several bot processes on one shared database (asyncpg).

Every rule that must hold across processes is the database's: the unique indexes keep one
signature per account and per email, the inbox's unique key drops a redelivered update
whichever worker it reaches, and `hold_person` serialises one person's turns with an
advisory lock held until the turn commits.
"""

from __future__ import annotations

import contextlib
import random
import zlib
from collections.abc import AsyncIterator
from datetime import datetime

import asyncpg

from core.errors import StoreUnreachable
from core.models import AuditEntry, ConsentRecord, EmailCode, NewSignature, Signature
from core.states import ConversationState, state_from_json
from core.store import AlreadySigned
from storage.counter_keys import PENDING_KEYS, counter_keys, new_signature_keys
from storage.postgres.broadcasts import PostgresBroadcasts, forget_deliveries
from storage.postgres.claimer import Claimer
from storage.postgres.connections import Connection
from storage.postgres.figures import TALLY_SHARDS, PostgresFigures
from storage.postgres.inbox import PostgresInbox
from storage.postgres.lifecycle import PostgresLifecycle
from storage.postgres.migrations import migrate
from storage.postgres.paper import PostgresPaper
from storage.postgres.retention import PostgresRetention
from storage.postgres.unreachable import unreachable
from storage.postgres.wakeups import confirmations

POOL_SIZE = 10
CONNECT_TIMEOUT_SECONDS = 10.0

_SIGNATURE_COLUMNS = """
    s.id, s.petition, s.platform, s.user_id, s.name, s.email, s.postal_code, s.country,
    s.source, s.referrer_code, s.ref_code, s.opted_in, s.signed_at, s.withdrawn_at,
    (SELECT text_version FROM consents WHERE signature_id = s.id AND kind = 'processing'
        ORDER BY id DESC LIMIT 1) AS consent_version,
    (SELECT at FROM consents WHERE signature_id = s.id AND kind = 'processing'
        ORDER BY id DESC LIMIT 1) AS consent_at,
    (SELECT at FROM consents WHERE signature_id = s.id AND kind = 'updates'
        ORDER BY id DESC LIMIT 1) AS opted_in_at,
    s.pending, s.language,
    (SELECT language FROM consents WHERE signature_id = s.id AND kind = 'processing'
        ORDER BY id DESC LIMIT 1) AS consent_language
"""
_CODE_COLUMNS = (
    "signature_id, code_hash, expires_at, wrong_tries, emails_sent, last_sent_at, send_due_at,"
    " send_failures"
)
_ACTIVE = "SELECT 1 FROM signatures WHERE withdrawn_at IS NULL AND petition = $1"


class PostgresStore(
    PostgresFigures,
    PostgresBroadcasts,
    PostgresInbox,
    PostgresRetention,
    PostgresLifecycle,
    PostgresPaper,
):
    """The store protocol on one PostgreSQL database, shared by any number of processes."""

    @classmethod
    async def open(cls, url: str, pool_size: int = POOL_SIZE) -> PostgresStore:
        """Connect (a password not in the URL comes from ``PGPASSWORD``) and apply the
        migrations this database lacks."""
        async with contextlib.AsyncExitStack() as undo:
            try:
                pool = await asyncpg.create_pool(
                    url, min_size=1, max_size=pool_size, timeout=CONNECT_TIMEOUT_SECONDS
                )
            except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
                raise StoreUnreachable(unreachable(url, exc)) from None
            undo.push_async_callback(pool.close)
            async with pool.acquire() as connection:
                await migrate(connection)
            claimer = await Claimer.open(url)
            undo.pop_all()
        return cls(pool, claimer)

    def __init__(self, pool: asyncpg.Pool, claimer: Claimer) -> None:
        super().__init__(pool)
        self._claimer = claimer

    async def close(self) -> None:
        await self._close_connections()
        await self._claimer.close()

    def confirmations(self) -> AsyncIterator[int]:
        """Broadcasts confirmed in any process on this database, as their commits land."""
        return confirmations(self._claimer.connection)

    async def hold_person(self, key: str) -> None:
        """Inside a transaction: no other process handles this person until it ends."""
        # The number is ours (an int), so it can be inlined: the lock then goes with BEGIN.
        await self._run_first(f"SELECT pg_advisory_xact_lock({int(person_lock(key))})")

    # Conversations

    async def get_conversation(self, platform: str, user_id: str) -> ConversationState | None:
        state = await self._fetchval(
            "SELECT state FROM conversations WHERE platform = $1 AND user_id = $2",
            platform,
            user_id,
        )
        return state_from_json(state) if state is not None else None

    async def save_conversation(self, state: ConversationState) -> None:
        await self._execute(
            "INSERT INTO conversations (platform, user_id, state, updated_at)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (platform, user_id)"
            " DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            state.platform,
            state.user_id,
            state.model_dump_json(),
            state.updated_at,
        )

    async def delete_conversation(self, platform: str, user_id: str) -> None:
        await self._execute(
            "DELETE FROM conversations WHERE platform = $1 AND user_id = $2", platform, user_id
        )

    # Languages

    async def chosen_language(self, platform: str, user_id: str) -> str | None:
        language: str | None = await self._fetchval(
            "SELECT language FROM languages WHERE platform = $1 AND user_id = $2",
            platform,
            user_id,
        )
        return language

    async def choose_language(
        self, platform: str, user_id: str, language: str, at: datetime
    ) -> None:
        await self._execute(
            "INSERT INTO languages (platform, user_id, language, chosen_at)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (platform, user_id)"
            " DO UPDATE SET language = excluded.language, chosen_at = excluded.chosen_at",
            platform,
            user_id,
            language,
            at,
        )

    # Signatures

    async def add_signature(self, new: NewSignature) -> Signature:
        async def insert(db: Connection) -> int:
            signature_id: int = await db.fetchval(
                "INSERT INTO signatures (petition, platform, user_id, name, email, email_key,"
                " postal_code, country, source, referrer_code, ref_code, opted_in, signed_at,"
                " signed_day, pending, language) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
                " $10, $11, $12, $13, $14, $15, $16) RETURNING id",
                new.petition,
                new.platform,
                new.user_id,
                new.name,
                new.email,
                new.email_key,  # the petition's rule, computed by the core
                new.postal_code,
                new.country,
                new.source,
                new.referrer_code,
                new.ref_code,
                new.opted_in,
                new.signed_at,
                new.signed_at.date(),
                new.pending,
                new.language,
            )
            await db.executemany(
                "INSERT INTO consents (signature_id, kind, granted, text_version, language, at)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                [
                    (
                        signature_id,
                        "processing",
                        True,
                        new.consent_version,
                        new.consent_language,
                        new.signed_at,
                    ),
                    (signature_id, "updates", new.opted_in, None, None, new.signed_at),
                ],
            )
            keys = new_signature_keys(new)
            await _tally(db, new.petition, [(*key, +1) for key in keys])
            return signature_id

        try:
            signature_id = await self._write(insert, refusable=True)
        except asyncpg.UniqueViolationError as exc:
            refusal = await self._duplicate(new, exc.constraint_name)
            if refusal is None:
                raise  # not a second signature (a reference code collision, say)
            raise refusal from exc
        return Signature(
            id=signature_id,
            consent_at=new.signed_at,
            opted_in_at=new.signed_at,
            **new.model_dump(exclude={"email_key"}),
        )

    async def _duplicate(self, new: NewSignature, constraint: str | None) -> AlreadySigned | None:
        """Which rule an insert broke, asked again rather than read from the error (which
        names one index even when both rules fail); the account rule first."""
        if await self._fetchval(f"{_ACTIVE} AND platform = $2 AND user_id = $3", *_account(new)):
            return AlreadySigned(None, by_email=False)
        if new.email_key is not None and await self._fetchval(
            f"{_ACTIVE} AND email_key = $2", new.petition, new.email_key
        ):
            return AlreadySigned(None, by_email=True)
        # The signature that won was withdrawn meanwhile: the error still says which rule.
        if constraint in ("signatures_one_per_account", "signatures_one_per_email"):
            return AlreadySigned(None, by_email=constraint.endswith("email"))
        return None

    async def active_signature(
        self, petition: str, platform: str, user_id: str
    ) -> Signature | None:
        rows = await self._signatures(
            "s.petition = $1 AND s.platform = $2 AND s.user_id = $3 AND s.withdrawn_at IS NULL",
            petition,
            platform,
            user_id,
        )
        return rows[0] if rows else None

    async def email_has_signed(self, petition: str, email_key: str) -> bool:
        found = await self._fetchval(f"{_ACTIVE} AND email_key = $2", petition, email_key)
        return found is not None

    async def signatures_of(self, platform: str, user_id: str) -> list[Signature]:
        return await self._signatures("s.platform = $1 AND s.user_id = $2", platform, user_id)

    async def signature_by_ref_code(self, ref_code: str) -> Signature | None:
        rows = await self._signatures("s.ref_code = $1", ref_code)
        return rows[0] if rows else None

    async def consents_of(self, platform: str, user_id: str) -> list[ConsentRecord]:
        rows = await self._fetch(
            "SELECT c.signature_id, c.kind, c.granted, c.text_version, c.language, c.at"
            " FROM consents c"
            " JOIN signatures s ON s.id = c.signature_id"
            " WHERE s.platform = $1 AND s.user_id = $2 ORDER BY c.id",
            platform,
            user_id,
        )
        return [
            ConsentRecord(
                signature_id=row["signature_id"],
                kind=row["kind"],
                granted=row["granted"],
                text_version=row["text_version"],
                language=row["language"],
                at=row["at"],
            )
            for row in rows
        ]

    async def withdraw(self, signature_id: int, at: datetime) -> bool:
        async def erase(db: Connection) -> bool:
            row = await db.fetchrow(
                "UPDATE signatures SET name = NULL, email = NULL, email_key = NULL,"
                " postal_code = NULL, opted_in = false, withdrawn_at = $2"
                " WHERE id = $1 AND withdrawn_at IS NULL"
                " RETURNING petition, platform, source, referrer_code, language, signed_day,"
                " pending, user_id",
                signature_id,
                at,
            )
            if row is None:
                return False
            await forget_deliveries(db, row["petition"], row["platform"], row["user_id"])
            await db.execute("DELETE FROM email_codes WHERE signature_id = $1", signature_id)
            keys = PENDING_KEYS if row["pending"] else _counted_keys(row)
            await _tally(db, row["petition"], [(*key, -1) for key in keys])
            return True

        return await self._write(erase)

    async def signature(self, signature_id: int) -> Signature | None:
        rows = await self._signatures("s.id = $1", signature_id)
        return rows[0] if rows else None

    async def confirm_signature(self, signature_id: int, at: datetime) -> bool:
        async def confirm(db: Connection) -> bool:
            # The row lock makes a second confirmation (or a withdrawal) meanwhile wait, then
            # find it no longer pending: the counters move once.
            row = await db.fetchrow(
                "UPDATE signatures SET pending = false"
                " WHERE id = $1 AND withdrawn_at IS NULL AND pending"
                " RETURNING petition, platform, source, referrer_code, language, signed_day",
                signature_id,
            )
            if row is None:
                return False
            await db.execute("DELETE FROM email_codes WHERE signature_id = $1", signature_id)
            # Counted on the day it was signed, as every other signature is.
            changes = [(*PENDING_KEYS[0], -1), *((*key, +1) for key in _counted_keys(row))]
            await _tally(db, row["petition"], changes)
            return True

        return await self._write(confirm)

    # Confirmation codes

    async def save_email_code(self, code: EmailCode) -> None:
        await self._execute(
            f"INSERT INTO email_codes ({_CODE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (signature_id) DO UPDATE SET code_hash = excluded.code_hash,"
            " expires_at = excluded.expires_at, wrong_tries = excluded.wrong_tries,"
            " emails_sent = excluded.emails_sent, last_sent_at = excluded.last_sent_at,"
            " send_due_at = excluded.send_due_at, send_failures = excluded.send_failures",
            code.signature_id,
            code.code_hash,
            code.expires_at,
            code.wrong_tries,
            code.emails_sent,
            code.last_sent_at,
            code.send_due_at,
            code.send_failures,
        )

    async def email_code(self, signature_id: int) -> EmailCode | None:
        rows = await self._fetch(
            f"SELECT {_CODE_COLUMNS} FROM email_codes WHERE signature_id = $1", signature_id
        )
        return EmailCode(**dict(rows[0])) if rows else None

    async def email_codes_due(self, now: datetime, limit: int) -> list[EmailCode]:
        rows = await self._fetch(
            f"SELECT {_CODE_COLUMNS} FROM email_codes"
            " WHERE send_due_at IS NOT NULL AND send_due_at <= $1"
            " ORDER BY send_due_at, signature_id LIMIT $2",
            now,
            limit,
        )
        return [EmailCode(**dict(row)) for row in rows]

    async def active_signatures(
        self, petition: str, batch_size: int = 1000, include_pending: bool = False
    ) -> AsyncIterator[list[Signature]]:
        last_id = 0
        confirmed = "" if include_pending else " AND NOT s.pending"
        while True:
            batch = await self._signatures(
                f"s.petition = $1 AND s.withdrawn_at IS NULL{confirmed} AND s.id > $2"
                " ORDER BY s.id LIMIT $3",
                petition,
                last_id,
                batch_size,
                ordered=False,
            )
            if not batch:
                return
            yield batch
            last_id = batch[-1].id

    # Audit

    async def record_audit(self, entry: AuditEntry) -> None:
        await self._execute(
            "INSERT INTO audit_log (at, actor, action, petition, detail)"
            " VALUES ($1, $2, $3, $4, $5)",
            entry.at,
            entry.actor,
            entry.action,
            entry.petition,
            entry.detail,
        )

    async def audit_log(self, limit: int) -> list[AuditEntry]:
        rows = await self._fetch(
            "SELECT at, actor, action, petition, detail FROM audit_log ORDER BY id DESC LIMIT $1",
            limit,
        )
        return [AuditEntry(**dict(row)) for row in rows]

    async def audit_of(self, actor: str) -> list[AuditEntry]:
        rows = await self._fetch(
            "SELECT at, actor, action, petition, detail FROM audit_log WHERE actor = $1"
            " ORDER BY id",
            actor,
        )
        return [AuditEntry(**dict(row)) for row in rows]

    async def _signatures(self, where: str, *args: object, ordered: bool = True) -> list[Signature]:
        order = " ORDER BY s.id" if ordered else ""
        sql = f"SELECT {_SIGNATURE_COLUMNS} FROM signatures s WHERE {where}{order}"
        return [_signature(row) for row in await self._fetch(sql, *args)]


def person_lock(key: str) -> int:
    """The advisory lock number of one person (a signed 64-bit number, stable everywhere)."""
    high = zlib.crc32(key.encode())
    low = zlib.adler32(key.encode())
    return ((high << 32) | low) - (1 << 63)


def _account(new: NewSignature) -> tuple[str, str, str]:
    return (new.petition, new.platform, new.user_id)


def _counted_keys(row: asyncpg.Record) -> list[tuple[str, str]]:
    """The counters a confirmed signature is in, from its row."""
    day: str = row["signed_day"].isoformat()
    return counter_keys(day, row["platform"], row["source"], row["referrer_code"], row["language"])


async def _tally(db: Connection, petition: str, changes: list[tuple[str, str, int]]) -> None:
    """Add each change's delta to its counter (dimension, key)."""
    # One shard per write, the same for all its keys: rows are locked in the same order by
    # everyone (the keys' order), so two signings never wait for each other in a cycle.
    shard = random.randrange(TALLY_SHARDS)
    await db.executemany(
        "INSERT INTO tallies (petition, dimension, key, shard, n) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (petition, dimension, key, shard) DO UPDATE SET n = tallies.n + excluded.n",
        [(petition, dimension, key, shard, delta) for dimension, key, delta in changes],
    )


def _signature(row: asyncpg.Record) -> Signature:
    return Signature(
        id=row["id"],
        petition=row["petition"],
        platform=row["platform"],
        user_id=row["user_id"],
        name=row["name"],
        email=row["email"],
        postal_code=row["postal_code"],
        country=row["country"],
        source=row["source"],
        referrer_code=row["referrer_code"],
        ref_code=row["ref_code"],
        opted_in=row["opted_in"],
        signed_at=row["signed_at"],
        withdrawn_at=row["withdrawn_at"],
        consent_version=row["consent_version"] or "",
        consent_at=row["consent_at"],
        opted_in_at=row["opted_in_at"],
        pending=row["pending"],
        language=row["language"] or "en",
        consent_language=row["consent_language"] or "en",
    )
