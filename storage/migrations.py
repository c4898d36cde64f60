"""Numbered schema migrations (``migrations/NNNN_name.sql``), applied by ``PRAGMA user_version``."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)


def migration_files() -> list[tuple[int, Path]]:
    """The migrations in order, each with its number."""
    folder = Path(str(resources.files("storage") / "migrations"))
    found = [(int(path.name.split("_", 1)[0]), path) for path in folder.glob("*.sql")]
    return sorted(found)


async def migrate(connection: aiosqlite.Connection) -> int:
    """Apply every migration newer than the database, each in its own transaction."""
    async with connection.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    version = row[0] if row else 0
    for number, path in migration_files():
        if number <= version:
            continue
        script = path.read_text(encoding="utf-8")
        await connection.executescript(
            f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
        )
        log.info("applied migration %s", path.name)
        version = number
    return version
