"""Group commit: writes that arrive together share one transaction and one disk flush.

Every chat message needs a durable write, and a durable commit costs a disk flush; batching
the writes of concurrent conversations into one commit multiplies throughput while each
caller still returns only after its own write is on disk.

A caller that needs several writes to be durable together (one turn of a conversation: the
new state, the signature, the mark that the platform's message was handled) opens a
``transaction()``. Its writes run at once, each in its own savepoint, inside the open SQLite
transaction, and its reads see them; the block's end waits until the commit that holds them
is on disk. Many callers' transactions share that commit. A commit waits for every caller
that joined it; it takes newcomers only until the first of them is done, so it always ends.

After an erase (a withdrawal, a purge) the writer checkpoints the WAL between two commits
(``checkpoint_soon``): the WAL file keeps whole old pages, so until it is copied back and
truncated it still holds what was erased.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from core.errors import StoreClosed, StoreError
from storage.thread_batcher import MAX_BATCH, Outcome, connect

log = logging.getLogger(__name__)

T = TypeVar("T")
WriteOp = Callable[[sqlite3.Connection], T]


@dataclass(eq=False)
class _Caller:
    """One ``transaction()`` block: the commit it joined once it wrote, and whether it ended."""

    commit: _Commit | None = None
    ended: bool = False


@dataclass(eq=False)
class _Commit:
    """One open SQLite transaction, and everyone waiting for it to reach the disk."""

    done: asyncio.Future[None]
    members: set[_Caller] = field(default_factory=set)
    accepting: bool = True  # newcomers may join until the first member is done
    failed: BaseException | None = None
    plain: list[tuple[asyncio.Future[Any], Outcome]] = field(default_factory=list)


@dataclass(eq=False)
class _Item:
    op: WriteOp[Any]
    future: asyncio.Future[Any]
    caller: _Caller | None


_current: ContextVar[_Caller | None] = ContextVar("sqlite_transaction", default=None)


# Also a sqlite3.OperationalError, as the failed commit underneath is: code that handles
# SQLite's own failures (``except sqlite3.Error``) handles this one too.
class TransactionFailed(StoreError, sqlite3.OperationalError):
    """The commit holding a transaction's writes failed: none of them is stored."""


class GroupCommitWriter:
    """Runs write operations, each in its own savepoint, many per commit, on one thread."""

    def __init__(self, path: str | Path, pragmas: tuple[str, ...]) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._connection = self._thread.submit(connect, str(path), pragmas).result()
        self._queue: list[_Item] = []
        self._commit: _Commit | None = None
        self._wake = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._closed = False
        self._checkpoint_due = False

    async def write(self, op: WriteOp[T]) -> T:
        """Run ``op``; outside a transaction, return once it is committed."""
        return await self._enqueue(op, _current.get())

    def write_soon(self, op: WriteOp[Any]) -> None:
        """Queue ``op`` without waiting for it: for marks whose loss in a crash costs a
        repeat, never a loss (a failure is logged). ``close`` still writes it."""
        if self._closed:
            log.warning("a background write came after the store was closed")
            return
        self._enqueue(op, caller=None).add_done_callback(_log_failure)

    async def read(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[Any]:
        """Rows as the current transaction sees them (its own writes included)."""
        return await self._enqueue(lambda db: db.execute(sql, params).fetchall(), _current.get())

    def checkpoint_soon(self) -> None:
        """Once the commit holding the writes made so far is done (at once if none is open),
        copy the WAL into the database and truncate it (``wal_checkpoint(TRUNCATE)``)."""
        if self._closed:
            return  # closing checkpoints and removes the WAL anyway
        self._checkpoint_due = True
        self._wake.set()
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run(), name="sqlite-writer")

    def in_transaction(self) -> bool:
        """Whether the current task is inside a transaction that has written."""
        caller = _current.get()
        return caller is not None and caller.commit is not None and not caller.ended

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Writes inside become durable together when the block ends (raises if they can't).

        An exception inside the block does not undo the writes made before it: they are
        committed with the rest. A nested block is part of the outer one.
        """
        if _current.get() is not None:
            yield
            return
        caller = _Caller()
        token = _current.set(caller)
        try:
            yield
        finally:
            _current.reset(token)
            await self._leave(caller)

    async def exclusive(self, op: WriteOp[T]) -> T:
        """Run ``op`` alone in a ``BEGIN EXCLUSIVE`` transaction: no other process reads or
        writes in between (a migration checks the schema version, then applies). Only while
        nothing else writes: when the store opens."""
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

    async def close(self) -> None:
        """Finish what is queued, then close the connection and its thread."""
        self._closed = True
        if self._runner is not None:
            await self._runner
        await asyncio.get_running_loop().run_in_executor(self._thread, self._connection.close)
        self._thread.shutdown(wait=True)

    def _enqueue(self, op: WriteOp[T], caller: _Caller | None = None) -> asyncio.Future[T]:
        if self._closed:
            raise StoreClosed("the store is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append(_Item(op, future, caller if caller and not caller.ended else None))
        self._wake.set()
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run(), name="sqlite-writer")
        return future

    async def _leave(self, caller: _Caller) -> None:
        caller.ended = True
        commit = caller.commit
        if commit is None:
            return  # it never wrote: nothing to wait for
        commit.members.discard(caller)
        commit.accepting = False
        self._wake.set()
        await asyncio.shield(commit.done)  # a cancelled caller must not cancel the others'

    async def _run(self) -> None:
        while True:
            if self._checkpoint_due and self._commit is None:
                # Between commits: no transaction of ours holds the WAL's newest frames.
                self._checkpoint_due = False
                await asyncio.get_running_loop().run_in_executor(self._thread, self._checkpoint)
            batch = self._take()
            if batch:
                await self._execute(batch)
                continue
            commit = self._commit
            if commit is not None and not commit.members:
                await self._finish(commit)
                continue
            if commit is None and not self._queue:
                return
            self._wake.clear()
            await self._wake.wait()  # a member's next write, or its end

    def _take(self) -> list[_Item]:
        """What may run in the open commit now: its members' writes, plain writes, and
        newcomers while it still takes them."""
        commit = self._commit
        taken: list[_Item] = []
        kept: list[_Item] = []
        for item in self._queue:
            caller = item.caller
            member = caller is not None and commit is not None and caller.commit is commit
            newcomer_allowed = commit is None or commit.accepting
            if len(taken) < MAX_BATCH and (member or caller is None or newcomer_allowed):
                taken.append(item)
            else:
                kept.append(item)
        self._queue = kept
        return taken

    async def _execute(self, batch: list[_Item]) -> None:
        loop = asyncio.get_running_loop()
        commit = self._commit
        begin = commit is None
        if commit is None:
            commit = self._commit = _Commit(done=loop.create_future())
        for item in batch:
            if item.caller is not None and item.caller.commit is None:
                item.caller.commit = commit
                commit.members.add(item.caller)
        # Nobody's transaction is open: commit in the same hand-off, so the write lock is
        # never held while the event loop is busy elsewhere (another process may wait on it).
        end = not commit.members
        failure: BaseException | None = None
        if commit.failed is not None:
            outcomes: list[Outcome] = [(False, commit.failed)] * len(batch)
        else:
            try:
                outcomes, failure = await loop.run_in_executor(
                    self._thread, self._run_ops, [item.op for item in batch], begin, end
                )
            except Exception as exc:  # BEGIN failed, or the connection broke mid-batch
                log.exception("write batch failed for %d writes", len(batch))
                commit.failed = exc
                commit.accepting = False
                outcomes = [(False, exc)] * len(batch)
                if end:
                    await loop.run_in_executor(self._thread, self._end_transaction, False)
        for item, outcome in zip(batch, outcomes, strict=True):
            if item.caller is not None:  # part of a transaction: answered now, durable at its end
                _settle(item.future, outcome)
            else:
                commit.plain.append((item.future, outcome))
        if end:
            self._close(commit, commit.failed or failure)

    def _run_ops(
        self, ops: list[WriteOp[Any]], begin: bool, end: bool
    ) -> tuple[list[Outcome], BaseException | None]:
        db = self._connection
        if begin:
            db.execute("BEGIN IMMEDIATE")
        outcomes: list[Outcome] = []
        for op in ops:
            db.execute("SAVEPOINT op")
            try:
                outcomes.append((True, op(db)))
            except Exception as exc:  # one write's failure must not undo its neighbours'
                db.execute("ROLLBACK TO op")
                outcomes.append((False, exc))
            db.execute("RELEASE op")
        return outcomes, self._end_transaction(True) if end else None

    def _end_transaction(self, commit: bool) -> BaseException | None:
        """COMMIT (or ROLLBACK, when ``commit`` is false or the COMMIT fails); the error."""
        db = self._connection
        error: BaseException | None = None
        if commit:
            try:
                db.execute("COMMIT")
                return None
            except Exception as exc:  # the whole batch failed to commit: every caller hears it
                log.exception("group commit failed")
                error = exc
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        return error

    def _checkpoint(self) -> None:
        try:
            busy, _, _ = self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error as exc:
            log.error("WAL checkpoint failed: %s", type(exc).__name__)
            return
        if busy:  # a reader kept an older snapshot past the busy timeout
            log.warning("WAL checkpoint could not finish; the next one copies the rest")

    async def _finish(self, commit: _Commit) -> None:
        """The last member is done: commit for everyone (roll back when a batch failed)."""
        failure = await asyncio.get_running_loop().run_in_executor(
            self._thread, self._end_transaction, commit.failed is None
        )
        self._close(commit, commit.failed or failure)

    def _close(self, commit: _Commit, failure: BaseException | None) -> None:
        self._commit = None
        for future, outcome in commit.plain:
            _settle(future, outcome if failure is None else (False, failure))
        if failure is None:
            commit.done.set_result(None)
        else:
            commit.done.set_exception(TransactionFailed(f"the commit failed: {failure}"))
            commit.done.exception()  # retrieved here; members that wait still get it


def _log_failure(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("a background write failed: %s", type(future.exception()).__name__)


def _settle(future: asyncio.Future[Any], outcome: Outcome) -> None:
    if future.cancelled():
        return
    ok, value = outcome
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
