"""Discord's 3-second deadline: an answer still being worked on is deferred in time.

One watcher serves every interaction in flight, with a single timer set to the earliest
deadline, rather than a timer per interaction; it runs only while something is in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Protocol

import discord

log = logging.getLogger(__name__)

# Discord drops an interaction not answered within 3 s; past this the answer is deferred.
DEFER_AFTER_SECONDS = 1.5


class Deferrable(Protocol):
    async def defer(self) -> None: ...


class Acknowledger:
    """Defers every answer not sent ``after`` seconds after its interaction arrived."""

    def __init__(self, after: float = DEFER_AFTER_SECONDS) -> None:
        self.after = after
        self._due: dict[Deferrable, float] = {}
        self._watcher: asyncio.Task[None] | None = None
        self._sleeper: asyncio.Task[None] | None = None  # the watcher, while it sleeps

    @contextlib.asynccontextmanager
    async def watching(self, reply: Deferrable) -> AsyncIterator[None]:
        """Within the block, ``reply`` is deferred if the block outlasts the deadline."""
        loop = asyncio.get_running_loop()
        self._due[reply] = loop.time() + self.after
        if self._watcher is None:
            self._watcher = loop.create_task(self._watch(), name="discord-deadlines")
        try:
            yield
        finally:
            self._due.pop(reply, None)
            watcher = self._watcher
            if not self._due and watcher is not None and self._sleeper is watcher:
                watcher.cancel()  # nothing left to watch: stop at once, not at the timer
                self._watcher = self._sleeper = None

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._due:
                now = loop.time()
                late = [reply for reply, due in self._due.items() if due <= now]
                for reply in late:
                    del self._due[reply]
                if late:
                    await asyncio.gather(*(self._defer(reply) for reply in late))
                elif self._due:
                    self._sleeper = asyncio.current_task()
                    await asyncio.sleep(min(self._due.values()) - now)
                    self._sleeper = None
        finally:
            if self._watcher is asyncio.current_task():
                self._watcher = None

    async def _defer(self, reply: Deferrable) -> None:
        try:
            await reply.defer()
        except discord.HTTPException as exc:  # the answer's own send reports it too
            log.warning("deferring failed: %s/%s", exc.status, exc.code)
