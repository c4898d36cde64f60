"""The connections behind `SqliteStore`, and the one way every part of it reads and writes.

Writes go through the group-commit writer. Reads go to a second connection, which WAL lets
run beside the writer: the small lookups of every message batched on one thread, larger
reads (broadcast audiences) on their own. Inside a transaction that has written, reads go
to the writer instead, so the transaction sees its own writes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiosqlite

from storage.batch_reader import BatchReader
from storage.group_commit import GroupCommitWriter, WriteOp

T = TypeVar("T")
Params = tuple[Any, ...] | dict[str, Any]


class SqliteConnections:
    """The writer, the batched reader and the bulk reader of one database file."""

    def __init__(
        self, writer: GroupCommitWriter, lookups: BatchReader, reader: aiosqlite.Connection
    ) -> None:
        self._writer = writer
        self._lookups = lookups
        self._reader = reader

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Every write inside is committed with the others, durably, when the block ends."""
        async with self._writer.transaction():
            yield

    async def _fetch(self, sql: str, params: Params = (), *, bulk: bool = False) -> list[Any]:
        """All rows of one query, fetched at once so no snapshot stays open."""
        if self._writer.in_transaction():
            return await self._writer.read(sql, params)
        if bulk:
            return list(await self._reader.execute_fetchall(sql, params))
        return await self._lookups.rows(sql, params)

    async def _write(self, op: WriteOp[T]) -> T:
        return await self._writer.write(op)

    async def _close_connections(self) -> None:
        await self._writer.close()
        await self._lookups.close()
        await self._reader.close()
