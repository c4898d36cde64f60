"""Group commit: writes that arrive together share one transaction and one disk flush.

Every chat message needs a durable write, and a durable commit costs a disk flush; batching
the writes of concurrent conversations into one commit multiplies throughput while each
caller still returns only after its own write is on disk. The batch runs as one call on a
dedicated thread that owns the write connection, so a batch costs one thread hand-off, not
one per SQL statement.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
WriteOp = Callable[[sqlite3.Connection], T]

MAX_BATCH = 512


class WriterClosed(RuntimeError):
    """A write arrived after the store was closed."""


class GroupCommitWriter:
    """Runs write operations, each in its own savepoint, many per commit, on one thread."""

    def __init__(self, path: str | Path, pragmas: tuple[str, ...]) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._connection = self._thread.submit(_connect, str(path), pragmas).result()
        self._pending: list[tuple[WriteOp[Any], asyncio.Future[Any]]] = []
        self._closed = False
        # Started by the first write of a burst and ended when the queue is empty, so an
        # idle store has nothing running (test harnesses that wait for quiet need that).
        self._flusher: asyncio.Task[None] | None = None

    async def write(self, op: WriteOp[T]) -> T:
        """Run ``op`` inside a transaction and return its result once it is committed."""
        if self._closed:
            raise WriterClosed("the store is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((op, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="sqlite-group-commit")
        return await future

    async def run_script(self, script: str) -> None:
        """Run a whole SQL script (a migration) on the write connection."""
        await asyncio.get_running_loop().run_in_executor(
            self._thread, self._connection.executescript, script
        )

    async def close(self) -> None:
        """Commit what is pending, then close the connection and its thread."""
        self._closed = True
        if self._flusher is not None:
            await self._flusher
        await asyncio.get_running_loop().run_in_executor(self._thread, self._connection.close)
        self._thread.shutdown(wait=True)

    async def _flush(self) -> None:
        """Commit batches until the queue is empty; writes that arrive meanwhile join in."""
        loop = asyncio.get_running_loop()
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            ops = [op for op, _ in batch]
            outcomes = await loop.run_in_executor(self._thread, self._commit, ops)
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.cancelled():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    def _commit(self, ops: list[WriteOp[Any]]) -> list[tuple[bool, Any]]:
        db = self._connection
        outcomes: list[tuple[bool, Any]] = []
        try:
            db.execute("BEGIN IMMEDIATE")
            for op in ops:
                db.execute("SAVEPOINT op")
                try:
                    outcomes.append((True, op(db)))
                except Exception as exc:  # one write's failure must not undo its neighbours'
                    db.execute("ROLLBACK TO op")
                    outcomes.append((False, exc))
                db.execute("RELEASE op")
            db.execute("COMMIT")
        except Exception as exc:  # the whole batch failed to commit: every caller hears it
            log.exception("group commit failed for %d writes", len(ops))
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            outcomes = [(False, exc)] * len(ops)
        return outcomes


def _connect(path: str, pragmas: tuple[str, ...]) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in pragmas:
        connection.execute(pragma)
    return connection
