"""Group commit: writes that arrive together share one transaction and one disk flush.

Every chat message needs a durable write, and a durable commit costs a disk flush; batching
the writes of concurrent conversations into one commit multiplies throughput while each
caller still returns only after its own write is on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiosqlite

log = logging.getLogger(__name__)

T = TypeVar("T")
WriteOp = Callable[[aiosqlite.Connection], Awaitable[T]]

MAX_BATCH = 512


class WriterClosed(RuntimeError):
    """A write arrived after the store was closed."""


class GroupCommitWriter:
    """Runs write operations on one connection, each in its own savepoint, many per commit."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self._pending: list[tuple[WriteOp[Any], asyncio.Future[Any]]] = []
        self._wake = asyncio.Event()
        self._closed = False
        self._task = asyncio.create_task(self._run(), name="sqlite-group-commit")

    async def write(self, op: WriteOp[T]) -> T:
        """Run ``op`` inside a transaction and return its result once it is committed."""
        if self._closed:
            raise WriterClosed("the store is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((op, future))
        self._wake.set()
        return await future

    async def close(self) -> None:
        """Commit what is pending, then stop."""
        self._closed = True
        self._wake.set()
        await self._task

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                await self._commit(batch)
            if self._closed:
                return

    async def _commit(self, batch: list[tuple[WriteOp[Any], asyncio.Future[Any]]]) -> None:
        outcomes: list[tuple[bool, Any]] = []
        try:
            await self._connection.execute("BEGIN IMMEDIATE")
            for op, _ in batch:
                outcomes.append(await self._one(op))
            await self._connection.execute("COMMIT")
        except Exception as exc:  # the whole batch failed to commit: every caller hears it
            log.exception("group commit failed for %d writes", len(batch))
            with contextlib.suppress(Exception):
                await self._connection.execute("ROLLBACK")
            outcomes = [(False, exc)] * len(batch)
        for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
            if future.cancelled():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    async def _one(self, op: WriteOp[Any]) -> tuple[bool, Any]:
        await self._connection.execute("SAVEPOINT op")
        try:
            result = await op(self._connection)
        except Exception as exc:  # one write's failure must not undo its neighbours'
            await self._connection.execute("ROLLBACK TO op")
            await self._connection.execute("RELEASE op")
            return False, exc
        await self._connection.execute("RELEASE op")
        return True, result
