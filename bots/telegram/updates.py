"""Telegram updates are recorded in the inbox before the library confirms them to Telegram.

python-telegram-bot confirms a polled batch with the next ``getUpdates`` offset, and answers
a webhook with 200, as soon as it has queued the updates: a crash before they are handled
would lose them. Both wait for the Application's ``update_queue.put``, so this queue records
each update durably (core/inbox.py) before queueing it; only then may Telegram forget it.
A repeated update (a retried webhook, a batch fetched again) is found in the inbox and
dropped, across restarts; update ids turn random after a week of silence, so the check is
by id, never "at most the last id".
"""

from __future__ import annotations

import asyncio
import json
import logging

from telegram import Bot, Update

from bots.telegram.sender import PLATFORM
from core.inbox import Inbox

log = logging.getLogger(__name__)


class DurableUpdateQueue(asyncio.Queue[object]):
    """The Application's update queue; ``inbox`` is set once the core is open."""

    def __init__(self) -> None:
        super().__init__()
        self.inbox: Inbox | None = None

    async def put(self, item: object) -> None:
        """Record an update before queueing it (the library confirms it after this returns)."""
        if isinstance(item, Update):
            if self.inbox is None:
                raise RuntimeError("updates arrived before the core was opened")
            payload = json.dumps(item.to_dict(), separators=(",", ":"))
            if not await self.inbox.record(PLATFORM, str(item.update_id), payload):
                log.info("repeated update %s dropped", item.update_id)
                return
        await super().put(item)

    def replay(self, payload: str, bot: Bot) -> None:
        """Queue an update recorded before a crash and never handled (it is recorded)."""
        update = Update.de_json(json.loads(payload), bot)
        if update is not None:
            self.put_nowait(update)
