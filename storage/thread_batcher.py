"""`ThreadBatcher`: work queued from the event loop, handed to one thread a batch at a time.

A thread hand-off (and the event-loop wake-up for its answer) costs far more than a small
SQLite statement, so everything that queues up while one batch runs goes together in the
next. The group-commit writer and the batched reader are both this, with their own step.
"""

from __future__ import annotations

import asyncio
import sqlite3
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Generic, TypeVar

from core.errors import StoreClosed

Item = TypeVar("Item")
Outcome = tuple[bool, Any]  # (succeeded, result or exception), one per item

MAX_BATCH = 512


class ThreadBatcher(ABC, Generic[Item]):
    """Owns one SQLite connection on its own thread; subclasses say how to run a batch."""

    def __init__(self, path: str | Path, pragmas: tuple[str, ...], name: str) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._connection = self._thread.submit(connect, str(path), pragmas).result()
        self._pending: list[tuple[Item, asyncio.Future[Any]]] = []
        self._closed = False
        self._name = name
        # Started by the first item of a burst and ended when the queue is empty, so an idle
        # store has nothing running (test harnesses that wait for quiet need that).
        self._runner: asyncio.Task[None] | None = None

    async def _submit(self, item: Item) -> Any:
        if self._closed:
            raise StoreClosed("the store is closed")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run(), name=self._name)
        return await future

    @abstractmethod
    def _process(self, items: list[Item]) -> list[Outcome]:
        """Run one batch on the thread; one outcome per item, in order."""

    async def close(self) -> None:
        """Finish what is queued, then close the connection and its thread."""
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
                outcomes = await loop.run_in_executor(
                    self._thread, self._process, [item for item, _ in batch]
                )
            except Exception as exc:  # the thread itself failed: nobody may wait forever
                outcomes = [(False, exc)] * len(batch)
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.cancelled():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)


def connect(path: str, pragmas: tuple[str, ...]) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in pragmas:
        connection.execute(pragma)
    return connection
