"""Numbered schema migrations (``migrations/NNNN_name.sql``), applied by ``PRAGMA user_version``.

Several processes may open one fresh file at once: each migration is applied in a
``BEGIN EXCLUSIVE`` transaction that first reads the version again, so exactly one process
applies it and the others find it done.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator
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
    """Apply every migration newer than the database, each in its own exclusive transaction."""
    version = await writer.write(_version)
    for number, path in migration_files():
        if number > version:
            if await writer.exclusive(lambda db, n=number, p=path: _apply(db, n, p)):
                log.info("applied migration %04d", number)
            version = number
    log.debug("database schema at version %d", version)
    return version


def _version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def _apply(db: sqlite3.Connection, number: int, path: Path) -> bool:
    """Apply migration ``number`` unless another process did since the version was read."""
    if _version(db) >= number:
        return False
    for statement in sql_statements(path.read_text(encoding="utf-8")):
        db.execute(statement)
    db.execute(f"PRAGMA user_version = {number:d}")
    return True


def sql_statements(script: str) -> Iterator[str]:
    """The statements of a SQL script, one at a time (``executescript`` would commit first)."""
    statement = ""
    for piece in re.split(r"(?<=;)", script):
        statement += piece
        # Whole statements only: a ";" inside a string, a comment or a trigger body is not an end.
        if sqlite3.complete_statement(statement):
            yield statement
            statement = ""
    if statement.strip() and not _only_comments(statement):
        raise ValueError(f"the script ends inside a statement: {statement.strip()[:60]!r}")


def _only_comments(text: str) -> bool:
    return not re.sub(r"--[^\n]*|/\*.*?\*/", "", text, flags=re.DOTALL).strip()
