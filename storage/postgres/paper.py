"""The offline half of `PostgresStore`: imported signatures in batches, and tallies.

A batch is one statement of rows (``unnest`` of arrays) in one transaction with their
consent and counters. ``ON CONFLICT DO NOTHING`` leaves a row out when the one-per-account or
one-per-email index already holds an active signature, whichever process wrote it, so an
import never makes a second signature of anyone.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

from core.models import IMPORT_PLATFORM, TALLY_SOURCE, NewSignature, Tally
from storage.counter_keys import new_signature_keys
from storage.postgres.connections import Connection, PostgresConnections
from storage.postgres.figures import TALLY_SHARDS

_INSERT = """
    INSERT INTO signatures (petition, platform, user_id, name, email, email_key, postal_code,
        country, source, referrer_code, ref_code, opted_in, signed_at, signed_day, pending,
        language)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
        $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
        $12::boolean[], $13::timestamptz[], $14::date[], $15::boolean[], $16::text[])
    ON CONFLICT DO NOTHING
    RETURNING id, ref_code
"""
_CONSENTS = """
    INSERT INTO consents (signature_id, kind, granted, text_version, language, at)
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::boolean[], $4::text[], $5::text[],
        $6::timestamptz[])
"""
# Counters are locked in this order of dimensions by every writer (as `PostgresStore` does
# for one signature), so a batch and a signing never wait for each other in a cycle.
_ORDER = ("pending", "total", "day", "platform", "source", "language", "referrer", "tallied")


class PostgresPaper(PostgresConnections):
    """Mixed into `PostgresStore`."""

    async def import_signatures(self, rows: Sequence[NewSignature]) -> list[bool]:
        if not rows:
            return []

        async def insert(db: Connection) -> list[bool]:
            columns = list(zip(*(_values(row) for row in rows), strict=True))
            stored = {r["ref_code"]: r["id"] for r in await db.fetch(_INSERT, *columns)}
            new = [row for row in rows if row.ref_code in stored]
            consents = [
                (stored[row.ref_code], kind, granted, version, language, row.signed_at)
                for row in new
                for kind, granted, version, language in (
                    ("processing", True, row.consent_version, row.consent_language),
                    ("updates", row.opted_in, None, None),
                )
            ]
            if consents:
                await db.execute(_CONSENTS, *zip(*consents, strict=True))
            counts: dict[str, Counter[tuple[str, str]]] = {}
            for row in new:
                counts.setdefault(row.petition, Counter()).update(new_signature_keys(row))
            for petition, counted in counts.items():
                await _add_counts(db, petition, counted)
            return [row.ref_code in stored for row in rows]

        return await self._write(insert)

    async def signed_already(self, rows: Sequence[NewSignature]) -> list[bool]:
        found: set[tuple[str, str, str]] = set()
        for petition in {row.petition for row in rows}:
            mine = [row for row in rows if row.petition == petition]
            keys = [row.email_key for row in mine if row.email_key is not None]
            accounts = [row.user_id for row in mine if row.platform == IMPORT_PLATFORM]
            hits = await self._fetch(
                "SELECT 'email_key' AS kind, email_key AS value FROM signatures"
                " WHERE petition = $1 AND withdrawn_at IS NULL AND email_key = ANY($2::text[])"
                " UNION ALL SELECT 'user_id', user_id FROM signatures"
                " WHERE petition = $1 AND withdrawn_at IS NULL AND platform = $4"
                " AND user_id = ANY($3::text[])",
                petition,
                keys,
                accounts,
                IMPORT_PLATFORM,
            )
            found.update((petition, hit["kind"], hit["value"]) for hit in hits)
        return [_hit(row, found) for row in rows]

    async def add_tally(self, tally: Tally) -> None:
        async def add(db: Connection) -> None:
            await db.execute(
                "INSERT INTO offline_tallies (petition, n, note, actor, at)"
                " VALUES ($1, $2, $3, $4, $5)",
                tally.petition,
                tally.count,
                tally.note,
                tally.actor,
                tally.at,
            )
            keys = [
                ("total", ""),
                ("day", tally.at.date().isoformat()),
                ("source", TALLY_SOURCE),
                ("tallied", ""),
            ]
            await _add_counts(db, tally.petition, Counter({key: tally.count for key in keys}))

        await self._write(add)

    async def tallies(self, petition: str) -> list[Tally]:
        rows = await self._fetch(
            "SELECT petition, n AS count, note, actor, at FROM offline_tallies"
            " WHERE petition = $1 ORDER BY id",
            petition,
        )
        return [Tally(**dict(row)) for row in rows]


def _values(new: NewSignature) -> tuple[object, ...]:
    return (
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
        new.opted_in,
        new.signed_at,
        new.signed_at.date(),
        new.pending,
        new.language,
    )


def _hit(row: NewSignature, found: set[tuple[str, str, str]]) -> bool:
    by_key = row.email_key is not None and (row.petition, "email_key", row.email_key) in found
    by_account = row.platform == IMPORT_PLATFORM and (row.petition, "user_id", row.user_id) in found
    return by_key or by_account


async def _add_counts(db: Connection, petition: str, counts: Counter[tuple[str, str]]) -> None:
    shard = random.randrange(TALLY_SHARDS)
    ordered = sorted(counts.items(), key=lambda item: (_ORDER.index(item[0][0]), item[0][1]))
    await db.executemany(
        "INSERT INTO tallies (petition, dimension, key, shard, n) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (petition, dimension, key, shard) DO UPDATE SET n = tallies.n + excluded.n",
        [(petition, dimension, key, shard, n) for (dimension, key), n in ordered],
    )
