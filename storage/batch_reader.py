"""Batched reads: the lookups of every chat message, run many per thread hand-off.

Each message reads a few rows by index (its conversation, its signature), which takes SQLite
microseconds; handing one query to a thread and waking the event loop for its answer costs
far more once hundreds of people are signing at once (bench/discord_interactions.py: 80 ms
per lookup at 200 members). Like the group-commit writer, the reads that queue up while one
batch runs go together in the next, on a thread owning its own read connection.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

Query = tuple[str, tuple[Any, ...] | dict[str, Any]]
MAX_BATCH = 512


class ReaderClosed(RuntimeError):
    """A read arrived after the store was closed."""


class BatchReader:
    """Runs queued read queries in batches on one thread; each caller gets its own rows."""

    def __init__(self, path: str | Path, pragmas: tuple[str, ...]) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-reader")
        self._connection = self._thread.submit(_connect, str(path), pragmas).result()
        self._pending: list[tuple[Query, asyncio.Future[list[Any]]]] = []
        self._runner: asyncio.Task[None] | None = None
        self._closed = False

    async def rows(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[Any]:
        """All rows of one query, read in the same call so no snapshot stays open."""
        if self._closed:
            raise ReaderClosed("the store is closed")
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._pending.append(((sql, params), future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run(), name="sqlite-batch-reader")
        return await future

    async def close(self) -> None:
        self._closed = True
        if self._runner is not None:
            await self._runner
        await asyncio.get_running_loop().run_in_executor(self._thread, self._connection.close)
        self._thread.shutdown(wait=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                results = await loop.run_in_executor(
                    self._thread, self._read_all, [query for query, _ in batch]
                )
            except Exception as exc:  # the thread itself failed: nobody may wait forever
                results = [(False, exc)] * len(batch)
            for (_, future), (ok, value) in zip(batch, results, strict=True):
                if future.cancelled():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    def _read_all(self, queries: list[Query]) -> list[tuple[bool, Any]]:
        results: list[tuple[bool, Any]] = []
        for sql, params in queries:
            try:
                results.append((True, self._connection.execute(sql, params).fetchall()))
            except sqlite3.Error as exc:
                results.append((False, exc))
        return results


def _connect(path: str, pragmas: tuple[str, ...]) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in pragmas:
        connection.execute(pragma)
    return connection
