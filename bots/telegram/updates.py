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
from typing import Any

from telegram import Bot, Update
from telegram.request import HTTPXRequest

from bots.telegram.sender import PLATFORM
from core.inbox import Inbox

log = logging.getLogger(__name__)


# Updates polled but not yet queued; more would mean nobody queues them (a stopped updater).
MAX_UNQUEUED = 10_000


class RawUpdates(HTTPXRequest):
    """The request getUpdates goes through: it keeps each update as Telegram sent it.

    Recording an update then costs a ``json.dumps`` of that dict; rebuilding it with the
    library's ``Update.to_dict()`` took as long as the core's whole turn (bench/).
    """

    def __init__(self) -> None:
        super().__init__(connection_pool_size=1)  # the library's default for getUpdates
        self.sent: dict[int, dict[str, Any]] = {}

    # The library calls it on the instance; it is a static method there, which can't keep.
    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]  # a static method in the library, kept per instance here
        data = super().parse_json_payload(payload)
        if len(self.sent) > MAX_UNQUEUED:
            self.sent.clear()
        for update in data.get("result") or []:
            if isinstance(update, dict) and isinstance(update.get("update_id"), int):
                self.sent[update["update_id"]] = update
        return data


class DurableUpdateQueue(asyncio.Queue[object]):
    """The Application's update queue, recording into the core's inbox."""

    def __init__(self, inbox: Inbox, raw: RawUpdates | None = None) -> None:
        super().__init__()
        self.inbox = inbox
        self._raw = raw.sent if raw is not None else {}

    async def put(self, item: object) -> None:
        """Record an update before queueing it (the library confirms it after this returns)."""
        if isinstance(item, Update):
            data = self._raw.pop(item.update_id, None) or item.to_dict()  # a webhook's: rebuilt
            payload = json.dumps(data, separators=(",", ":"))
            if not await self.inbox.record(PLATFORM, str(item.update_id), payload):
                log.info("repeated update %s dropped", item.update_id)
                return
        await super().put(item)

    def replay(self, payload: str, bot: Bot) -> None:
        """Queue an update recorded before a crash and never handled (it is recorded)."""
        update = Update.de_json(json.loads(payload), bot)
        if update is not None:
            self.put_nowait(update)
