"""Group commit: writes that arrive together share one transaction and one disk flush.

Every chat message needs a durable write, and a durable commit costs a disk flush; batching
the writes of concurrent conversations into one commit multiplies throughput while each
caller still returns only after its own write is on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from storage.thread_batcher import Outcome, ThreadBatcher

log = logging.getLogger(__name__)

T = TypeVar("T")
WriteOp = Callable[[sqlite3.Connection], T]


class GroupCommitWriter(ThreadBatcher[WriteOp[Any]]):
    """Runs write operations, each in its own savepoint, many per commit, on one thread."""

    def __init__(self, path: str | Path, pragmas: tuple[str, ...]) -> None:
        super().__init__(path, pragmas, "sqlite-writer")

    async def write(self, op: WriteOp[T]) -> T:
        """Run ``op`` inside a transaction and return its result once it is committed."""
        return await self._submit(op)

    async def exclusive(self, op: WriteOp[T]) -> T:
        """Run ``op`` alone in a ``BEGIN EXCLUSIVE`` transaction: no other process reads or
        writes in between (a migration checks the schema version, then applies)."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._exclusive, op)

    def _exclusive(self, op: WriteOp[T]) -> T:
        db = self._connection
        db.execute("BEGIN EXCLUSIVE")
        try:
            result = op(db)
        except BaseException:
            with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back already
                db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return result

    def _process(self, items: list[WriteOp[Any]]) -> list[Outcome]:
        db = self._connection
        outcomes: list[Outcome] = []
        try:
            db.execute("BEGIN IMMEDIATE")
            for op in items:
                db.execute("SAVEPOINT op")
                try:
                    outcomes.append((True, op(db)))
                except Exception as exc:  # one write's failure must not undo its neighbours'
                    db.execute("ROLLBACK TO op")
                    outcomes.append((False, exc))
                db.execute("RELEASE op")
            db.execute("COMMIT")
        except Exception as exc:  # the whole batch failed to commit: every caller hears it
            log.exception("group commit failed for %d writes", len(items))
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            outcomes = [(False, exc)] * len(items)
        return outcomes
