"""The offline half of `SqliteStore`: imported signatures in batches, and tallies.

A batch is one write (one savepoint of a group commit): its rows, their consent and the
counters move together. ``INSERT OR IGNORE`` leaves a row out when the one-per-account or
one-per-email index already holds an active signature, so an import never makes a second
signature of anyone, however it races with chat signings.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from core.models import IMPORT_PLATFORM, TALLY_SOURCE, NewSignature, Tally
from storage.counter_keys import new_signature_keys
from storage.sqlite_connections import SqliteConnections

# SQLite allows 32,766 parameters per statement; lookups go in chunks well below.
_CHUNK = 500
_INSERT = (
    "INSERT OR IGNORE INTO signatures (petition, platform, user_id, name, email, email_key,"
    " postal_code, country, source, referrer_code, ref_code, opted_in, signed_at, pending,"
    " language) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class SqlitePaper(SqliteConnections):
    """Mixed into `SqliteStore`."""

    async def import_signatures(self, rows: Sequence[NewSignature]) -> list[bool]:
        if not rows:
            return []
        return await self._write(lambda db: _insert_batch(db, rows))

    async def signed_already(self, rows: Sequence[NewSignature]) -> list[bool]:
        found: set[tuple[str, str, str]] = set()
        for petition in {row.petition for row in rows}:
            mine = [row for row in rows if row.petition == petition]
            keys = [row.email_key for row in mine if row.email_key is not None]
            accounts = [row.user_id for row in mine if row.platform == IMPORT_PLATFORM]
            for column, values in (("email_key", keys), ("user_id", accounts)):
                for start in range(0, len(values), _CHUNK):
                    chunk = values[start : start + _CHUNK]
                    platform = f" AND platform = '{IMPORT_PLATFORM}'" if column == "user_id" else ""
                    hits = await self._fetch(
                        f"SELECT {column} FROM signatures WHERE petition = ?"
                        f" AND withdrawn_at IS NULL{platform}"
                        f" AND {column} IN ({', '.join('?' * len(chunk))})",
                        (petition, *chunk),
                        bulk=True,
                    )
                    found.update((petition, column, hit) for (hit,) in hits)
        return [_hit(row, found) for row in rows]

    async def add_tally(self, tally: Tally) -> None:
        def add(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO offline_tallies (petition, n, note, actor, at) VALUES (?, ?, ?, ?, ?)",
                (tally.petition, tally.count, tally.note, tally.actor, tally.at.isoformat()),
            )
            keys = [
                ("total", ""),
                ("day", tally.at.date().isoformat()),
                ("source", TALLY_SOURCE),
                ("tallied", ""),
            ]
            _add_counts(db, tally.petition, Counter({key: tally.count for key in keys}))

        await self._write(add)

    async def tallies(self, petition: str) -> list[Tally]:
        rows = await self._fetch(
            "SELECT petition, n, note, actor, at FROM offline_tallies WHERE petition = ?"
            " ORDER BY id",
            (petition,),
            bulk=True,
        )
        return [
            Tally(petition=p, count=n, note=note, actor=actor, at=datetime.fromisoformat(at))
            for p, n, note, actor, at in rows
        ]


def _hit(row: NewSignature, found: set[tuple[str, str, str]]) -> bool:
    by_key = row.email_key is not None and (row.petition, "email_key", row.email_key) in found
    by_account = row.platform == IMPORT_PLATFORM and (row.petition, "user_id", row.user_id) in found
    return by_key or by_account


def _insert_batch(db: sqlite3.Connection, rows: Sequence[NewSignature]) -> list[bool]:
    stored: list[bool] = []
    consents: list[tuple[object, ...]] = []
    counts: dict[str, Counter[tuple[str, str]]] = {}
    for new in rows:
        cursor = db.execute(
            _INSERT,
            (
                new.petition,
                new.platform,
                new.user_id,
                new.name,
                new.email,
                new.email_key,
                new.postal_code,
                new.country,
                new.source,
                new.referrer_code,
                new.ref_code,
                int(new.opted_in),
                new.signed_at.isoformat(),
                int(new.pending),
                new.language,
            ),
        )
        stored.append(cursor.rowcount == 1)
        if cursor.rowcount != 1:
            continue
        at = new.signed_at.isoformat()
        processing = (cursor.lastrowid, "processing", 1, new.consent_version, new.consent_language)
        consents.append((*processing, at))
        consents.append((cursor.lastrowid, "updates", int(new.opted_in), None, None, at))
        counts.setdefault(new.petition, Counter()).update(new_signature_keys(new))
    db.executemany(
        "INSERT INTO consents (signature_id, kind, granted, text_version, language, at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        consents,
    )
    for petition, counted in counts.items():
        _add_counts(db, petition, counted)
    return stored


def _add_counts(db: sqlite3.Connection, petition: str, counts: Counter[tuple[str, str]]) -> None:
    db.executemany(
        "INSERT INTO tallies (petition, dimension, key, n) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (petition, dimension, key) DO UPDATE SET n = n + excluded.n",
        [(petition, dimension, key, n) for (dimension, key), n in counts.items()],
    )
