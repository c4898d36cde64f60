"""`SqliteStore`: the embedded store on aiosqlite, durable (WAL, synchronous=FULL).

Writes go through one connection with group commit; reads use a second connection, which
WAL lets run beside the writer without waiting for it (see `storage.sqlite_connections`).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import aiosqlite

from core.models import (
    AuditEntry,
    ConsentRecord,
    EmailCode,
    NewSignature,
    Signature,
)
from core.states import ConversationState, state_from_json
from core.store import AlreadySigned
from storage.batch_reader import BatchReader
from storage.counter_keys import PENDING_KEYS, counter_keys, new_signature_keys
from storage.group_commit import GroupCommitWriter
from storage.migrations import migrate
from storage.sqlite_broadcasts import SqliteBroadcasts, forget_deliveries
from storage.sqlite_figures import SqliteFigures
from storage.sqlite_inbox import SqliteInbox
from storage.sqlite_lifecycle import SqliteLifecycle
from storage.sqlite_paper import SqlitePaper
from storage.sqlite_retention import SqliteRetention

PRAGMAS = (
    # First: switching a fresh file to WAL waits for the other processes opening it too.
    "PRAGMA busy_timeout = 10000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    # Deleted and overwritten content is zeroed in the file, not left in free space: an
    # erased email must not be readable from the database file (docs/privacy.md).
    "PRAGMA secure_delete = ON",
)

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


class SqliteStore(
    SqliteFigures, SqliteBroadcasts, SqliteInbox, SqliteRetention, SqliteLifecycle, SqlitePaper
):
    """The store protocol on one SQLite file."""

    @classmethod
    async def open(cls, path: str | Path) -> SqliteStore:
        """Open (creating and migrating if needed) the database at ``path``; on a failure,
        whatever was already open is closed again."""
        async with contextlib.AsyncExitStack() as undo:
            writer = GroupCommitWriter(path, PRAGMAS)
            undo.push_async_callback(writer.close)
            await migrate(writer)
            reader = await aiosqlite.connect(str(path), isolation_level=None)
            undo.push_async_callback(reader.close)
            for pragma in PRAGMAS:
                await reader.execute(pragma)
            lookups = BatchReader(path, PRAGMAS)
            undo.pop_all()
        return cls(writer, lookups, reader)

    async def close(self) -> None:
        await self._close_connections()

    async def hold_person(self, key: str) -> None:
        # One process per SQLite file handles a person's messages; core's KeyedLock is enough.
        return None

    # Conversations

    async def get_conversation(self, platform: str, user_id: str) -> ConversationState | None:
        row = await self._one(
            "SELECT state FROM conversations WHERE platform = ? AND user_id = ?",
            (platform, user_id),
        )
        return state_from_json(row[0]) if row else None

    async def save_conversation(self, state: ConversationState) -> None:
        sql = "INSERT OR REPLACE INTO conversations VALUES (?, ?, ?, ?)"
        params = (state.platform, state.user_id, state.model_dump_json(), _iso(state.updated_at))
        await self._write(lambda db: _execute(db, sql, params))

    async def delete_conversation(self, platform: str, user_id: str) -> None:
        sql = "DELETE FROM conversations WHERE platform = ? AND user_id = ?"
        await self._write(lambda db: _execute(db, sql, (platform, user_id)))

    # Languages

    async def chosen_language(self, platform: str, user_id: str) -> str | None:
        row = await self._one(
            "SELECT language FROM languages WHERE platform = ? AND user_id = ?",
            (platform, user_id),
        )
        return str(row[0]) if row else None

    async def choose_language(
        self, platform: str, user_id: str, language: str, at: datetime
    ) -> None:
        sql = "INSERT OR REPLACE INTO languages VALUES (?, ?, ?, ?)"
        params = (platform, user_id, language, _iso(at))
        await self._write(lambda db: _execute(db, sql, params))

    # Signatures

    async def add_signature(self, new: NewSignature) -> Signature:
        def insert(db: sqlite3.Connection) -> int:
            try:
                cursor = db.execute(
                    "INSERT INTO signatures (petition, platform, user_id, name, email, email_key,"
                    " postal_code, country, source, referrer_code, ref_code, opted_in, signed_at,"
                    " pending, language) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
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
                        int(new.opted_in),
                        _iso(new.signed_at),
                        int(new.pending),
                        new.language,
                    ),
                )
            except sqlite3.IntegrityError as exc:
                refusal = _duplicate(db, new)
                if refusal is None:
                    raise  # not a second signature (a reference code collision, say)
                raise refusal from exc
            signature_id = cursor.lastrowid
            assert signature_id is not None
            db.executemany(
                "INSERT INTO consents (signature_id, kind, granted, text_version, language, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        signature_id,
                        "processing",
                        1,
                        new.consent_version,
                        new.consent_language,
                        _iso(new.signed_at),
                    ),
                    (signature_id, "updates", int(new.opted_in), None, None, _iso(new.signed_at)),
                ],
            )
            keys = new_signature_keys(new)
            _tally(db, new.petition, keys, +1)
            return signature_id

        signature_id = await self._write(insert)
        return Signature(
            id=signature_id,
            consent_at=new.signed_at,
            opted_in_at=new.signed_at,
            **new.model_dump(exclude={"email_key"}),
        )

    async def active_signature(
        self, petition: str, platform: str, user_id: str
    ) -> Signature | None:
        rows = await self._signatures(
            "s.petition = ? AND s.platform = ? AND s.user_id = ? AND s.withdrawn_at IS NULL",
            (petition, platform, user_id),
        )
        return rows[0] if rows else None

    async def email_has_signed(self, petition: str, email_key: str) -> bool:
        row = await self._one(
            "SELECT 1 FROM signatures"
            " WHERE petition = ? AND email_key = ? AND withdrawn_at IS NULL",
            (petition, email_key),
        )
        return row is not None

    async def signatures_of(self, platform: str, user_id: str) -> list[Signature]:
        return await self._signatures("s.platform = ? AND s.user_id = ?", (platform, user_id))

    async def signature_by_ref_code(self, ref_code: str) -> Signature | None:
        rows = await self._signatures("s.ref_code = ?", (ref_code,))
        return rows[0] if rows else None

    async def consents_of(self, platform: str, user_id: str) -> list[ConsentRecord]:
        rows = await self._fetch(
            "SELECT c.signature_id, c.kind, c.granted, c.text_version, c.language, c.at"
            " FROM consents c"
            " JOIN signatures s ON s.id = c.signature_id"
            " WHERE s.platform = ? AND s.user_id = ? ORDER BY c.id",
            (platform, user_id),
        )
        return [
            ConsentRecord(
                signature_id=signature_id,
                kind=kind,
                granted=bool(granted),
                text_version=version,
                language=language,
                at=datetime.fromisoformat(at),
            )
            for signature_id, kind, granted, version, language, at in rows
        ]

    async def withdraw(self, signature_id: int, at: datetime) -> bool:
        def erase(db: sqlite3.Connection) -> bool:
            row = db.execute(
                "SELECT petition, signed_at, platform, source, referrer_code, language, pending,"
                " user_id FROM signatures WHERE id = ? AND withdrawn_at IS NULL",
                (signature_id,),
            ).fetchone()
            if row is None:
                return False
            db.execute(
                "UPDATE signatures SET name = NULL, email = NULL, email_key = NULL,"
                " postal_code = NULL, opted_in = 0, withdrawn_at = ? WHERE id = ?",
                (_iso(at), signature_id),
            )
            db.execute("DELETE FROM email_codes WHERE signature_id = ?", (signature_id,))
            petition, signed_at, platform, source, referrer, language, pending, user = row
            forget_deliveries(db, petition, platform, user)
            keys = (
                counter_keys(_day(signed_at), platform, source, referrer, language)
                if not pending
                else PENDING_KEYS
            )
            _tally(db, petition, keys, -1)
            return True

        withdrawn = await self._write(erase)
        if withdrawn:  # the WAL still holds the erased row's old page until checkpointed
            self._writer.checkpoint_soon()
        return withdrawn

    async def signature(self, signature_id: int) -> Signature | None:
        rows = await self._signatures("s.id = ?", (signature_id,))
        return rows[0] if rows else None

    async def confirm_signature(self, signature_id: int, at: datetime) -> bool:
        def confirm(db: sqlite3.Connection) -> bool:
            row = db.execute(
                "SELECT petition, signed_at, platform, source, referrer_code, language"
                " FROM signatures WHERE id = ? AND withdrawn_at IS NULL AND pending = 1",
                (signature_id,),
            ).fetchone()
            if row is None:
                return False
            db.execute("UPDATE signatures SET pending = 0 WHERE id = ?", (signature_id,))
            db.execute("DELETE FROM email_codes WHERE signature_id = ?", (signature_id,))
            petition, signed_at, platform, source, referrer, language = row
            _tally(db, petition, PENDING_KEYS, -1)
            # Counted on the day it was signed, as every other signature is.
            keys = counter_keys(_day(signed_at), platform, source, referrer, language)
            _tally(db, petition, keys, +1)
            return True

        return await self._write(confirm)

    # Confirmation codes

    async def save_email_code(self, code: EmailCode) -> None:
        sql = f"INSERT OR REPLACE INTO email_codes ({_CODE_COLUMNS}) VALUES ({', '.join('?' * 8)})"
        params = (
            code.signature_id,
            code.code_hash,
            _iso(code.expires_at),
            code.wrong_tries,
            code.emails_sent,
            _iso_or_none(code.last_sent_at),
            _iso_or_none(code.send_due_at),
            code.send_failures,
        )
        await self._write(lambda db: _execute(db, sql, params))

    async def email_code(self, signature_id: int) -> EmailCode | None:
        row = await self._one(
            f"SELECT {_CODE_COLUMNS} FROM email_codes WHERE signature_id = ?", (signature_id,)
        )
        return _email_code(row) if row else None

    async def email_codes_due(self, now: datetime, limit: int) -> list[EmailCode]:
        rows = await self._fetch(
            f"SELECT {_CODE_COLUMNS} FROM email_codes"
            " WHERE send_due_at IS NOT NULL AND send_due_at <= ? ORDER BY send_due_at LIMIT ?",
            (_iso(now), limit),
        )
        return [_email_code(row) for row in rows]

    async def active_signatures(
        self, petition: str, batch_size: int = 1000, include_pending: bool = False
    ) -> AsyncIterator[list[Signature]]:
        last_id = 0
        confirmed = "" if include_pending else " AND s.pending = 0"
        while True:
            batch = await self._signatures(
                f"s.petition = ? AND s.withdrawn_at IS NULL{confirmed} AND s.id > ?"
                " ORDER BY s.id LIMIT ?",
                (petition, last_id, batch_size),
                ordered=False,
            )
            if not batch:
                return
            yield batch
            last_id = batch[-1].id

    # Audit

    async def record_audit(self, entry: AuditEntry) -> None:
        sql = "INSERT INTO audit_log (at, actor, action, petition, detail) VALUES (?, ?, ?, ?, ?)"
        params = (_iso(entry.at), entry.actor, entry.action, entry.petition, entry.detail)
        await self._write(lambda db: _execute(db, sql, params))

    async def audit_log(self, limit: int) -> list[AuditEntry]:
        rows = await self._fetch(
            "SELECT at, actor, action, petition, detail FROM audit_log ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [_audit_entry(row) for row in rows]

    async def audit_of(self, actor: str) -> list[AuditEntry]:
        # No index on actor: a rare request (/mydata), so it scans on the connection for
        # larger reads rather than holding up the batched lookups of every message.
        rows = await self._fetch(
            "SELECT at, actor, action, petition, detail FROM audit_log WHERE actor = ? ORDER BY id",
            (actor,),
            bulk=True,
        )
        return [_audit_entry(row) for row in rows]

    # Reading helpers

    async def _one(self, sql: str, params: tuple[object, ...]) -> sqlite3.Row | None:
        rows = await self._fetch(sql, params)
        return rows[0] if rows else None

    async def _signatures(
        self, where: str, params: tuple[object, ...], ordered: bool = True
    ) -> list[Signature]:
        order = " ORDER BY s.id" if ordered else ""
        sql = f"SELECT {_SIGNATURE_COLUMNS} FROM signatures s WHERE {where}{order}"
        return [_signature(row) for row in await self._fetch(sql, params)]


def _duplicate(db: sqlite3.Connection, new: NewSignature) -> AlreadySigned | None:
    """Which rule an insert broke, asked in its own transaction rather than read from the
    error text (which names one index even when both rules fail); the account rule first."""
    active = "SELECT 1 FROM signatures WHERE withdrawn_at IS NULL AND petition = ?"
    account = (new.petition, new.platform, new.user_id)
    if db.execute(f"{active} AND platform = ? AND user_id = ?", account).fetchone():
        return AlreadySigned(None, by_email=False)
    address = (new.petition, new.email_key)
    if new.email_key is not None and db.execute(f"{active} AND email_key = ?", address).fetchone():
        return AlreadySigned(None, by_email=True)
    return None


def _execute(db: sqlite3.Connection, sql: str, params: tuple[object, ...]) -> None:
    db.execute(sql, params)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _day(signed_at: str) -> str:
    """The day a stored signing time falls on, as the day counters name it."""
    return datetime.fromisoformat(signed_at).date().isoformat()


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _tally(db: sqlite3.Connection, petition: str, keys: list[tuple[str, str]], delta: int) -> None:
    db.executemany(
        "INSERT INTO tallies (petition, dimension, key, n) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (petition, dimension, key) DO UPDATE SET n = n + excluded.n",
        [(petition, dimension, key, delta) for dimension, key in keys],
    )


def _audit_entry(row: sqlite3.Row) -> AuditEntry:
    at, actor, action, petition, detail = row
    return AuditEntry(
        at=datetime.fromisoformat(at), actor=actor, action=action, petition=petition, detail=detail
    )


def _signature(row: sqlite3.Row) -> Signature:
    (
        id_,
        petition,
        platform,
        user_id,
        name,
        email,
        postal_code,
        country,
        source,
        referrer,
        ref_code,
        opted_in,
        signed_at,
        withdrawn_at,
        consent_version,
        consent_at,
        opted_in_at,
        pending,
        language,
        consent_language,
    ) = row
    return Signature(
        id=id_,
        petition=petition,
        platform=platform,
        user_id=user_id,
        name=name,
        email=email,
        postal_code=postal_code,
        country=country,
        source=source,
        referrer_code=referrer,
        ref_code=ref_code,
        opted_in=bool(opted_in),
        signed_at=datetime.fromisoformat(signed_at),
        withdrawn_at=datetime.fromisoformat(withdrawn_at) if withdrawn_at else None,
        consent_version=consent_version or "",
        consent_at=datetime.fromisoformat(consent_at),
        opted_in_at=datetime.fromisoformat(opted_in_at),
        pending=bool(pending),
        language=language or "en",
        consent_language=consent_language or "en",
    )


def _email_code(row: sqlite3.Row) -> EmailCode:
    signature_id, code_hash, expires_at, wrong, sent, last_sent, due, failures = row
    return EmailCode(
        signature_id=signature_id,
        code_hash=code_hash,
        expires_at=datetime.fromisoformat(expires_at),
        wrong_tries=wrong,
        emails_sent=sent,
        last_sent_at=_moment(last_sent),
        send_due_at=_moment(due),
        send_failures=failures,
    )
