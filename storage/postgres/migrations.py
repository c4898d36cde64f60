"""PostgreSQL's numbered schema migrations (``postgres/migrations/NNNN_name.sql``).

Several processes may start at once on a fresh database: each takes the same session-level
advisory lock first, so exactly one applies what is missing and the others, once they get
the lock, find it applied. Each step runs in its own transaction with its row in
``schema_migrations``, so a step is applied whole or not at all.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from storage.postgres.connections import Connection

log = logging.getLogger(__name__)

# Any fixed 64-bit number; only this program's migrations take it.
MIGRATION_LOCK = 0x7065746974696F6E  # "petition"

_LEDGER = """
    CREATE TABLE IF NOT EXISTS schema_migrations (
        version     integer PRIMARY KEY,
        name        text NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
    )
"""


def migration_files() -> list[tuple[int, Path]]:
    """The migrations in order, each with its number."""
    folder = Path(str(resources.files("storage.postgres") / "migrations"))
    return sorted((int(path.name.split("_", 1)[0]), path) for path in folder.glob("[0-9]*_*.sql"))


async def pending_migrations(connection: Connection) -> list[tuple[int, Path]]:
    """The migrations this database has not applied yet (none are applied by asking)."""
    exists = await connection.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    applied: set[int] = set()
    if exists:
        applied = {
            row[0] for row in await connection.fetch("SELECT version FROM schema_migrations")
        }
    return [(number, path) for number, path in migration_files() if number not in applied]


async def migrate(connection: Connection) -> list[int]:
    """Apply every missing migration under the advisory lock; the numbers applied here."""
    await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        await connection.execute(_LEDGER)
        done: list[int] = []
        for number, path in await pending_migrations(connection):
            async with connection.transaction():
                await connection.execute(path.read_text(encoding="utf-8"))
                await connection.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    number,
                    path.stem,
                )
            log.info("applied migration %04d", number)
            done.append(number)
        return done
    finally:
        await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)


async def schema_version(connection: Connection) -> int:
    """The newest migration applied (0 for a database that has none)."""
    exists = await connection.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return 0
    version = await connection.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations")
    return int(version)
