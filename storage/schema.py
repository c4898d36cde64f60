"""What `petition-bot migrate` does: list or apply the schema migrations a database lacks.

Every store also migrates itself when it opens; this lets an operator see and apply an
upgrade's migrations before the new version of the bots starts (docs/deploy.md).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

import asyncpg

from core.storage_url import StorageKind, postgres_url, sqlite_path, storage_kind
from storage import migrations as sqlite_migrations
from storage.postgres import migrations as postgres_migrations
from storage.sqlite_store import SqliteStore


async def pending(url: str) -> list[str]:
    """The migrations the database at ``url`` has not applied, oldest first (it is not
    created, nor changed)."""
    if storage_kind(url) is StorageKind.POSTGRES:
        connection = await asyncpg.connect(postgres_url(url))
        try:
            steps = await postgres_migrations.pending_migrations(connection)
        finally:
            await connection.close()
        return [path.stem for _, path in steps]
    path = sqlite_path(url)
    version = 0
    if path.exists():
        with closing(sqlite3.connect(path)) as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
    return [step.stem for number, step in sqlite_migrations.migration_files() if number > version]


async def apply(url: str) -> list[str]:
    """Apply what :func:`pending` lists (creating the database if needed); their names."""
    if storage_kind(url) is StorageKind.POSTGRES:
        connection = await asyncpg.connect(postgres_url(url))
        try:
            numbers = set(await postgres_migrations.migrate(connection))
        finally:
            await connection.close()
        files = postgres_migrations.migration_files()
        return [path.stem for number, path in files if number in numbers]
    missing = await pending(url)
    store = await SqliteStore.open(sqlite_path(url))  # applies them, as each process would
    await store.close()
    return missing
