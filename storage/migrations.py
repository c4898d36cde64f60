"""Numbered schema migrations (``migrations/NNNN_name.sql``), applied by ``PRAGMA user_version``.

A step SQL cannot express (one that needs Python's Unicode) is a ``NNNN_name.py`` beside them,
whose ``upgrade(db)`` runs in one write transaction with the version bump.
"""

from __future__ import annotations

import importlib.util
import logging
import sqlite3
from functools import partial
from importlib import resources
from pathlib import Path

from storage.group_commit import GroupCommitWriter

log = logging.getLogger(__name__)


def migration_files() -> list[tuple[int, Path]]:
    """The migrations in order, each with its number."""
    folder = Path(str(resources.files("storage") / "migrations"))
    steps = [path for path in folder.iterdir() if path.suffix in (".sql", ".py")]
    return sorted((int(path.name.split("_", 1)[0]), path) for path in steps)


async def migrate(writer: GroupCommitWriter) -> int:
    """Apply every migration newer than the database, each in its own transaction."""
    version = await writer.write(lambda db: db.execute("PRAGMA user_version").fetchone()[0])
    for number, path in migration_files():
        if number <= version:
            continue
        if path.suffix == ".py":
            await writer.write(partial(_run_python_step, path, number))
        else:
            script = path.read_text(encoding="utf-8")
            await writer.run_script(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
            )
        log.info("applied migration %04d", number)
        version = number
    return version


def _run_python_step(path: Path, number: int, db: sqlite3.Connection) -> None:
    spec = importlib.util.spec_from_file_location(f"storage_migration_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    step = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(step)
    step.upgrade(db)
    db.execute(f"PRAGMA user_version = {number}")
