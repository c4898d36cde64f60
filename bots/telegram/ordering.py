"""Many people's updates at once, one person's updates one at a time and in order.

python-telegram-bot handles updates one by one unless told otherwise; a launch brings many
people at once, so updates run concurrently. A person's conversation state is read, changed
and written back, and their replies must arrive in order, so updates of the same person wait
for each other, and they wait before taking one of the shared slots: one person's backlog
(a flood, or a chat paused by a rate limit) holds one slot at most, never everyone's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from core.keyed_lock import KeyedLock

# More is slower on one CPU core (docs/benchmarks.md, "Telegram updates"), and 16 updates in
# flight at ~0.2 s each (two round trips to Telegram) outpace Telegram's ~30 messages/s.
CONCURRENT_UPDATES = 16
UNBOUNDED = 2**31 - 1

Settle = Callable[[Update], Awaitable[None]]


async def _nothing_to_settle(update: Update) -> None:
    return None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Up to ``slots`` updates at once, serialised per Telegram user.

    The library's own semaphore (taken before ``do_process_update``, in a method it marks
    final) is left unbounded: the slots are taken here, after the person's turn has come.
    ``settle`` runs after an update's handlers are done (its replies sent, or nothing to
    answer), still in the person's turn.
    """

    def __init__(self, slots: int = CONCURRENT_UPDATES, settle: Settle | None = None) -> None:
        super().__init__(UNBOUNDED)
        self.slots = slots
        self._slots = asyncio.Semaphore(slots)
        self._people = KeyedLock()
        self.settle = settle or _nothing_to_settle

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the person's earlier updates, then for a free slot, run the handlers, then
        settle the update (not when cancelled: it is replayed after a restart)."""
        user = update.effective_user if isinstance(update, Update) else None
        turn: AbstractAsyncContextManager[None] = (
            self._people.hold(str(user.id)) if user else nullcontext()
        )
        started = False
        try:
            # The person's turn first (asyncio.Lock wakes waiters in arrival order), a slot next.
            async with turn, self._slots:
                started = True
                await coroutine
                if isinstance(update, Update):
                    await self.settle(update)
        finally:
            if not started and isinstance(coroutine, Coroutine):
                coroutine.close()  # cancelled while waiting: no "never awaited" warning

    @property
    def busy_users(self) -> int:
        """Users with an update being handled or waiting."""
        return len(self._people)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
