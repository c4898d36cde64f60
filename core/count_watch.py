"""`CountWatch`: live counts for any number of viewers at one store read per interval.

One reader task per watched petition reads the counter once an interval and hands a change
to every subscriber; a subscriber that has not taken the last update yet gets the newer one
in its place, so a slow viewer never makes the others wait and updates are coalesced.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from core.errors import StoreError

log = logging.getLogger(__name__)

ReadCount = Callable[[], Awaitable[int]]


class _Watched:
    """One petition's reader task and its subscribers' mailboxes."""

    def __init__(self) -> None:
        self.mailboxes: set[asyncio.Queue[int]] = set()
        self.last: int | None = None
        self.task: asyncio.Task[None] | None = None


class CountWatch:
    """Shared count readers, one per petition while someone watches it."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._watched: dict[str, _Watched] = {}

    def viewers(self, key: str) -> int:
        """How many subscribers follow ``key`` now."""
        watched = self._watched.get(key)
        return len(watched.mailboxes) if watched else 0

    @contextlib.asynccontextmanager
    async def subscribe(self, key: str, read: ReadCount) -> AsyncIterator[asyncio.Queue[int]]:
        """A mailbox of new counts for ``key``; the first subscriber starts its reader, the
        last one to leave stops it."""
        watched = self._watched.setdefault(key, _Watched())
        mailbox: asyncio.Queue[int] = asyncio.Queue(maxsize=1)
        watched.mailboxes.add(mailbox)
        if watched.last is not None:  # a late viewer starts from the count the others have
            mailbox.put_nowait(watched.last)
        if watched.task is None:
            watched.task = asyncio.create_task(self._read_loop(watched, read))
        try:
            yield mailbox
        finally:
            watched.mailboxes.discard(mailbox)
            if not watched.mailboxes and self._watched.get(key) is watched:
                del self._watched[key]
                watched.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watched.task

    async def close(self) -> None:
        """Stop every reader (the server is stopping)."""
        for watched in self._watched.values():
            if watched.task is not None:
                watched.task.cancel()
        for watched in list(self._watched.values()):
            if watched.task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await watched.task
        self._watched.clear()

    async def _read_loop(self, watched: _Watched, read: ReadCount) -> None:
        while True:
            try:
                count = await read()
            except StoreError:
                log.warning("live count: the store did not answer; trying again")
                await asyncio.sleep(self.interval)
                continue
            if count != watched.last:
                watched.last = count
                for mailbox in watched.mailboxes:
                    _replace(mailbox, count)
            await asyncio.sleep(self.interval)


def _replace(mailbox: asyncio.Queue[int], count: int) -> None:
    """Put ``count`` in a one-slot mailbox, dropping an update not yet taken."""
    if mailbox.full():
        mailbox.get_nowait()
    mailbox.put_nowait(count)
