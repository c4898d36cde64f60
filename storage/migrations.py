"""Numbered schema migrations (``migrations/NNNN_name.sql``), applied by ``PRAGMA user_version``.

A step SQL cannot express (one that needs Python's Unicode) is a ``NNNN_name.py`` beside them,
whose ``upgrade(db)`` runs in the same transaction as the version bump.

Several processes may open one fresh file at once: each migration is applied in a
``BEGIN EXCLUSIVE`` transaction that first reads the version again, so exactly one process
applies it and the others find it done.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import sqlite3
from collections.abc import Iterator
from functools import partial
from importlib import resources
from pathlib import Path

from core.errors import StoreError
from storage.group_commit import GroupCommitWriter

log = logging.getLogger(__name__)


class BrokenMigration(StoreError):
    """A migration script can't be run as written (it ends inside a statement)."""


def migration_files() -> list[tuple[int, Path]]:
    """The migrations in order, each with its number."""
    folder = Path(str(resources.files("storage") / "migrations"))
    steps = [path for path in folder.iterdir() if path.suffix in (".sql", ".py")]
    return sorted((int(path.name.split("_", 1)[0]), path) for path in steps)


async def migrate(writer: GroupCommitWriter) -> int:
    """Apply every migration newer than the database, each in its own exclusive transaction."""
    version = await writer.write(_version)
    for number, path in migration_files():
        if number > version:
            if await writer.exclusive(partial(_apply, number=number, path=path)):
                log.info("applied migration %04d", number)
            version = number
    log.debug("database schema at version %d", version)
    return version


def _version(db: sqlite3.Connection) -> int:
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    return version


def _apply(db: sqlite3.Connection, number: int, path: Path) -> bool:
    """Apply migration ``number`` unless another process did since the version was read."""
    if _version(db) >= number:
        return False
    if path.suffix == ".py":
        _run_python_step(path, db)
    else:
        for statement in sql_statements(path.read_text(encoding="utf-8")):
            db.execute(statement)
    db.execute(f"PRAGMA user_version = {number:d}")
    return True


def _run_python_step(path: Path, db: sqlite3.Connection) -> None:
    spec = importlib.util.spec_from_file_location(f"storage_migration_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    step = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(step)
    step.upgrade(db)


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
        raise BrokenMigration(f"the script ends inside a statement: {statement.strip()[:60]!r}")


def _only_comments(text: str) -> bool:
    return not re.sub(r"--[^\n]*|/\*.*?\*/", "", text, flags=re.DOTALL).strip()
