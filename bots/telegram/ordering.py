"""Many people's updates at once, one person's updates one at a time and in order.

python-telegram-bot handles updates one by one unless told otherwise; a launch brings many
people at once, so updates run concurrently. A person's conversation state is read, changed
and written back, and their replies must arrive in order, so updates of the same person wait
for each other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# More is slower on one CPU core (docs/benchmarks.md, "Telegram updates"), and 16 updates in
# flight at ~0.2 s each (two round trips to Telegram) outpace Telegram's ~30 messages/s.
CONCURRENT_UPDATES = 16


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Up to ``max_concurrent_updates`` updates at once, serialised per Telegram user."""

    def __init__(self, max_concurrent_updates: int = CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}  # lock, holders and waiters

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers once every earlier update of the same user is done."""
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        lock, users = self._locks.get(user.id, (asyncio.Lock(), 0))
        self._locks[user.id] = (lock, users + 1)
        started = False
        try:
            async with lock:  # asyncio.Lock wakes waiters in arrival order
                started = True
                await coroutine
        finally:
            if not started and isinstance(coroutine, Coroutine):
                coroutine.close()  # cancelled while waiting: no "never awaited" warning
            lock, users = self._locks[user.id]
            if users == 1:
                del self._locks[user.id]  # forget idle users: memory stays bounded
            else:
                self._locks[user.id] = (lock, users - 1)

    @property
    def busy_users(self) -> int:
        """Users with an update being handled or waiting."""
        return len(self._locks)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
