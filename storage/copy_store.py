"""Moving a campaign from its SQLite file to PostgreSQL (`petition-bot copy-store`).

Every row of every table is copied as it is, ids included (the identity counters then start
after them), so signatures, consent history, counters, broadcasts and the inbox arrive whole.
At the end the row totals of every table, and each petition's count, are compared.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing
from datetime import datetime
from typing import Any

import asyncpg

from core.errors import StoreError
from core.storage_url import StorageKind, postgres_url, sqlite_path, storage_kind
from core.urls import mask_url
from storage.postgres.store import PostgresStore
from storage.sqlite_store import SqliteStore

BATCH = 1000
Convert = Callable[[Any], Any]
# Given the number of rows to copy, a context whose value is told how many are copied so far.
Progress = Callable[[int], AbstractContextManager[Callable[[int], None]]]


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def _flag(value: int | None) -> bool | None:
    return bool(value) if value is not None else None


def _same(value: Any) -> Any:
    return value


# Each table: its columns in SQLite, how each value is carried over, and PostgreSQL's extras
# computed from the row (column name → function of the converted row).
_TIMES = {"signed_at", "withdrawn_at", "at", "updated_at", "created_at", "confirmed_at"}
_TIMES |= {"finished_at", "reported_at", "received_at", "handled_at", "settled_at", "saved_at"}
_TIMES |= {"expires_at", "last_sent_at", "send_due_at", "anonymised_at", "chosen_at"}
_TIMES |= {"paused_at", "window_start", "sent_at"}
_FLAGS = {"opted_in", "granted", "pending"}
TABLES: dict[str, tuple[str, ...]] = {
    "signatures": (
        "id", "petition", "platform", "user_id", "name", "email", "email_key", "postal_code",
        "country", "source", "referrer_code", "ref_code", "opted_in", "signed_at", "withdrawn_at",
        "pending", "anonymised_at", "language",
    ),
    "email_codes": (
        "signature_id", "code_hash", "expires_at", "wrong_tries", "emails_sent", "last_sent_at",
        "send_due_at", "send_failures",
    ),
    "consents": ("id", "signature_id", "kind", "granted", "text_version", "language", "at"),
    "tallies": ("petition", "dimension", "key", "n"),
    "conversations": ("platform", "user_id", "state", "updated_at"),
    "audit_log": ("id", "at", "actor", "action", "petition", "detail"),
    "broadcasts": (
        "id", "petition", "text", "author", "origin_platform", "origin_chat_id",
        "progress_message_id", "status", "total", "created_at", "confirmed_at", "finished_at",
        "reported_at", "translations", "language",
    ),
    "deliveries": (
        "id", "broadcast_id", "platform", "address", "kind", "status", "attempts", "detail",
        "finished_at",
    ),
    "unreachable": ("platform", "user_id", "reason", "at"),
    "inbox": (
        "seq", "platform", "message_id", "received_at", "payload", "handled_at", "reply_to",
        "replies", "settled_at",
    ),
    "platform_cursors": ("platform", "cursor", "saved_at"),
    "petition_pauses": ("petition", "paused_at"),
    "burst_alerts": ("id", "petition", "dimension", "value", "window_start", "count", "at"),
    "burst_alert_deliveries": ("alert_id", "platform", "user_id", "sent_at"),
    "offline_tallies": ("id", "petition", "n", "note", "actor", "at"),
    "languages": ("platform", "user_id", "language", "chosen_at"),
}  # fmt: skip
_EXTRAS: dict[str, dict[str, Callable[[dict[str, Any]], Any]]] = {
    "signatures": {"signed_day": lambda row: row["signed_at"].date()},
    "tallies": {"shard": lambda row: 0},
}
_IDENTITY = {"signatures": "id", "consents": "id", "audit_log": "id", "broadcasts": "id"}
_IDENTITY |= {"deliveries": "id", "inbox": "seq", "burst_alerts": "id", "offline_tallies": "id"}


class CopyRefused(StoreError):
    """`copy-store` can't copy between these stores, or the target already holds a campaign."""


def _converter(column: str) -> Convert:
    if column in _TIMES:
        return _moment
    if column in _FLAGS:
        return _flag
    return _same


def source_totals(path: str) -> dict[str, int]:
    """Rows per table in the SQLite file."""
    with closing(sqlite3.connect(path)) as db:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def _rows(path: str, table: str) -> Iterator[list[tuple[Any, ...]]]:
    columns = TABLES[table]
    extras = _EXTRAS.get(table, {})
    converters = [_converter(column) for column in columns]
    with closing(sqlite3.connect(path)) as db:
        cursor = db.execute(f"SELECT {', '.join(columns)} FROM {table}")
        while batch := cursor.fetchmany(BATCH):
            out = []
            for raw in batch:
                row = {c: f(v) for c, f, v in zip(columns, converters, raw, strict=True)}
                out.append((*row.values(), *(extra(row) for extra in extras.values())))
            yield out


async def copy_store(
    source: str, target: str, *, replace: bool, progress: Progress
) -> dict[str, int]:
    """Copy every row from the SQLite ``source`` URL to the PostgreSQL ``target`` URL; the
    rows per table, verified on both sides. Refuses a target that holds rows, unless
    ``replace`` (then its rows are deleted first)."""
    if storage_kind(source) is not StorageKind.SQLITE or (
        storage_kind(target) is not StorageKind.POSTGRES
    ):
        raise CopyRefused("copy-store copies from a sqlite:/// URL to a postgresql:// URL")
    path = str(sqlite_path(source))
    await (await SqliteStore.open(path)).close()  # the source at the latest schema
    await (await PostgresStore.open(postgres_url(target))).close()  # and the target
    totals = source_totals(path)
    connection = await asyncpg.connect(postgres_url(target))
    try:
        held = {t: await connection.fetchval(f"SELECT count(*) FROM {t}") for t in TABLES}
        if any(held.values()) and not replace:
            raise CopyRefused(
                f"{mask_url(target)} already holds rows ({sum(held.values())}); nothing was"
                " copied (--replace deletes them first)"
            )
        done = 0
        with progress(sum(totals.values())) as advance:
            async with connection.transaction():
                await connection.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
                for table, columns in TABLES.items():
                    names = [*columns, *_EXTRAS.get(table, {})]
                    for batch in _rows(path, table):
                        await connection.copy_records_to_table(table, records=batch, columns=names)
                        done += len(batch)
                        advance(done)
                    if table in _IDENTITY:
                        column = _IDENTITY[table]
                        await connection.execute(
                            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                            f" coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
                        )
        await _verify(connection, path, totals)
    finally:
        await connection.close()
    return totals


async def _verify(connection: asyncpg.Connection, path: str, totals: dict[str, int]) -> None:
    """Row totals per table, and each petition's count, the same on both sides."""
    copied = {t: await connection.fetchval(f"SELECT count(*) FROM {t}") for t in TABLES}
    if copied != totals:
        raise CopyRefused(f"row totals differ after the copy: {totals} vs {copied}")
    with closing(sqlite3.connect(path)) as db:
        counts = dict(
            db.execute(
                # A pending signature is not in the 'total' counter until it is confirmed;
                # a tally's number is.
                "SELECT petition, sum(n) FROM (SELECT petition, count(*) AS n FROM signatures"
                " WHERE withdrawn_at IS NULL AND pending = 0 GROUP BY petition"
                " UNION ALL SELECT petition, sum(n) FROM offline_tallies GROUP BY petition)"
                " GROUP BY petition"
            ).fetchall()
        )
    for petition, count in counts.items():
        tallied = await connection.fetchval(
            "SELECT coalesce(sum(n), 0) FROM tallies WHERE petition = $1 AND dimension = 'total'",
            petition,
        )
        if tallied != count:
            raise CopyRefused(f"petition {petition!r} counts {tallied} after the copy, not {count}")
