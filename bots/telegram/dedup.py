"""Each Telegram update is handled once, even when Telegram or the library delivers it twice.

After a crash the library fetches again what it had not confirmed, and webhooks are retried.
Update ids are not monotonic (they turn random after a week of silence), so the check is
membership in a bounded set of recently seen ids, never "drop if at most the last id".
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

log = logging.getLogger(__name__)

REMEMBERED_UPDATES = 10_000


class RecentUpdates:
    """The ids of the last ``capacity`` updates, oldest forgotten first."""

    def __init__(self, capacity: int = REMEMBERED_UPDATES) -> None:
        self._capacity = capacity
        self._seen: OrderedDict[int, None] = OrderedDict()

    def first_time(self, update_id: int) -> bool:
        """Remember ``update_id``; False if it was already seen."""
        if update_id in self._seen:
            return False
        self._seen[update_id] = None
        if len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._seen)

    async def drop_repeats(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A handler for group -1, before every other: stops a repeated update right there.

        It awaits nothing before deciding, so two copies handled concurrently can't both pass.
        """
        if isinstance(update, Update) and not self.first_time(update.update_id):
            log.info("repeated update %s dropped", update.update_id)
            raise ApplicationHandlerStop
