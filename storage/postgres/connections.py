"""The connection pool behind `PostgresStore`, and the one way every part of it reads and writes.

Outside a transaction each write takes a pooled connection and commits on its own; reads go to
any pooled connection. Inside ``transaction()`` the block holds one connection from its first
statement to its end: a write the caller may see refused (a second signature) runs in a
savepoint there, so that refusal leaves the others in place as the store port promises; other
writes run straight in the block (a savepoint costs two round trips). Reads see the block's
own writes, and the block's end commits them together. PostgreSQL groups concurrent commits itself.
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

from core.errors import StoreClosed
from storage.group_commit import TransactionFailed

T = TypeVar("T")
Connection = asyncpg.Connection | PoolConnectionProxy
WriteOp = Callable[[Connection], Awaitable[T]]


@dataclass(eq=False)
class _Block:
    """One ``transaction()`` block: its connection once it used one, and whether it ended."""

    connection: PoolConnectionProxy | None = None
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
        except BaseException:
            _current.reset(token)
            await self._end(block, failing=True)
            raise
        _current.reset(token)
        await self._end(block)

    async def _end(self, block: _Block, failing: bool = False) -> None:
        block.ended = True
        connection = block.connection
        if connection is None:
            return  # it never used the database: nothing to commit
        try:
            status = await connection.execute("COMMIT")
        except asyncpg.PostgresError as exc:
            with contextlib.suppress(asyncpg.PostgresError):
                await connection.execute("ROLLBACK")
            raise TransactionFailed(f"the commit failed: {type(exc).__name__}") from exc
        finally:
            await self._pool.release(connection)
        if status == "ROLLBACK" and not failing:  # a failed write undid the block
            raise TransactionFailed("the transaction was aborted by a failed write")

    @contextlib.asynccontextmanager
    async def _connection(self, first: str = "") -> AsyncIterator[tuple[Connection, bool]]:
        """The current block's connection (opening its transaction), else a pooled one; and
        whether ``first`` (a statement without parameters) already ran: a block's BEGIN is
        sent with it, one round trip for both."""
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
                    # BEGIN by hand (not asyncpg's Transaction) so that it can share a
                    # round trip; savepoints are by hand too (see `_write`).
                    await connection.execute(f"BEGIN; {first}" if first else "BEGIN")
                except BaseException:
                    await self._pool.release(connection)
                    raise
                block.connection = connection
                yield connection, bool(first)
                return
            yield block.connection, False

    async def _run_first(self, statement: str) -> None:
        """A statement without parameters, in the current block's BEGIN round trip when it
        is the block's first (a turn's advisory lock)."""
        async with self._connection(statement) as (connection, ran):
            if not ran:
                await connection.execute(statement)

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

    async def _write(self, op: WriteOp[T], *, refusable: bool = False) -> T:
        """Run ``op`` in a transaction of its own, or as part of the current block; in a
        savepoint of it only when ``refusable`` (a write the caller expects may be refused
        and recovers from, such as a second signature): each savepoint is two more round
        trips, and an unexpected error fails the whole block anyway."""
        async with self._connection() as (connection, _):
            if not self.in_transaction():
                async with connection.transaction():
                    return await op(connection)
            if not refusable:
                return await op(connection)
            await connection.execute("SAVEPOINT refusable")
            try:
                result = await op(connection)
            except asyncpg.PostgresError:
                await connection.execute("ROLLBACK TO SAVEPOINT refusable")
                raise
            await connection.execute("RELEASE SAVEPOINT refusable")
            return result

    async def _execute(self, sql: str, *args: Any) -> int:
        """One write statement (atomic on its own: no transaction around it); how many rows
        it changed."""
        async with self._connection() as (connection, _):
            return changed(await connection.execute(sql, *args))

    async def _close_connections(self) -> None:
        self._closed = True
        await self._pool.close()


def changed(status: str) -> int:
    """The row count of a command status such as ``UPDATE 3`` or ``INSERT 0 1``."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0
