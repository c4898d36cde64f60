"""Numbered schema migrations (``migrations/NNNN_name.sql``), applied by ``PRAGMA user_version``."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from storage.group_commit import GroupCommitWriter

log = logging.getLogger(__name__)


def migration_files() -> list[tuple[int, Path]]:
    """The migrations in order, each with its number."""
    folder = Path(str(resources.files("storage") / "migrations"))
    found = [(int(path.name.split("_", 1)[0]), path) for path in folder.glob("*.sql")]
    return sorted(found)


async def migrate(writer: GroupCommitWriter) -> int:
    """Apply every migration newer than the database, each in its own transaction."""
    version = await writer.write(lambda db: db.execute("PRAGMA user_version").fetchone()[0])
    for number, path in migration_files():
        if number <= version:
            continue
        script = path.read_text(encoding="utf-8")
        await writer.run_script(
            f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
        )
        log.info("applied migration %04d", number)
        version = number
    log.debug("database schema at version %d", version)
    return version
