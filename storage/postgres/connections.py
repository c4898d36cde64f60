"""The connection pool behind `PostgresStore`, and the one way every part of it reads and writes.

Outside a transaction each write takes a pooled connection and commits on its own; reads go to
any pooled connection. Inside ``transaction()`` the block holds one connection from its first
statement to its end: every write runs in its own savepoint there (one refused write leaves
the others in place, as the store port promises), reads see the block's own writes, and the
block's end commits them together. PostgreSQL groups concurrent commits itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from asyncpg.transaction import Transaction

from core.errors import StoreClosed
from storage.group_commit import TransactionFailed

T = TypeVar("T")
Connection = asyncpg.Connection | PoolConnectionProxy
WriteOp = Callable[[Connection], Awaitable[T]]


@dataclass(eq=False)
class _Block:
    """One ``transaction()`` block: its connection once it used one, and whether it ended."""

    connection: PoolConnectionProxy | None = None
    transaction: Transaction | None = None
    ended: bool = False
    # Tasks started inside the block share it; one connection runs one statement at a time.
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)


_current: ContextVar[_Block | None] = ContextVar("postgres_transaction", default=None)


class PostgresConnections:
    """A pool of connections to one database, and the transaction block of the current task."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._closed = False

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Every write inside is committed with the others when the block ends."""
        if _current.get() is not None:
            yield  # a nested block is part of the outer one
            return
        block = _Block()
        token = _current.set(block)
        try:
            yield
        finally:
            _current.reset(token)
            await self._end(block)

    async def _end(self, block: _Block) -> None:
        block.ended = True
        connection, transaction = block.connection, block.transaction
        if connection is None or transaction is None:
            return  # it never used the database: nothing to commit
        try:
            await transaction.commit()
        except asyncpg.PostgresError as exc:
            with contextlib.suppress(asyncpg.PostgresError):
                await transaction.rollback()
            raise TransactionFailed(f"the commit failed: {type(exc).__name__}") from exc
        finally:
            await self._pool.release(connection)

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[tuple[Connection, bool]]:
        """The current block's connection (opening its transaction), else a pooled one; and
        whether it is the block's."""
        if self._closed:
            raise StoreClosed("the store is closed")
        block = _current.get()
        if block is None or block.ended:
            async with self._pool.acquire() as pooled:
                yield pooled, False
            return
        async with block.turn:
            if block.connection is None:
                connection = await self._pool.acquire()
                try:
                    transaction = connection.transaction()
                    await transaction.start()
                except BaseException:
                    await self._pool.release(connection)
                    raise
                block.connection, block.transaction = connection, transaction
            yield block.connection, True

    def in_transaction(self) -> bool:
        """Whether the current task is inside a transaction block."""
        block = _current.get()
        return block is not None and not block.ended

    async def _fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        async with self._connection() as (connection, _):
            rows: list[asyncpg.Record] = await connection.fetch(sql, *args)
            return rows

    async def _fetchval(self, sql: str, *args: Any) -> Any:
        async with self._connection() as (connection, _):
            return await connection.fetchval(sql, *args)

    async def _write(self, op: WriteOp[T]) -> T:
        """Run ``op`` in a transaction of its own, or in a savepoint of the current block."""
        async with self._connection() as (connection, _), connection.transaction():
            return await op(connection)

    async def _execute(self, sql: str, *args: Any) -> int:
        """One write statement; how many rows it changed."""

        async def run(connection: Connection) -> int:
            return changed(await connection.execute(sql, *args))

        return await self._write(run)

    async def _close_connections(self) -> None:
        self._closed = True
        await self._pool.close()


def changed(status: str) -> int:
    """The row count of a command status such as ``UPDATE 3`` or ``INSERT 0 1``."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0
