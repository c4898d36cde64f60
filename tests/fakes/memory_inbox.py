"""The inbox part of the in-memory store, held to the same contract as SQLite's."""

from __future__ import annotations

from datetime import datetime

from core.inbox import StoredReplies


class MemoryInbox:
    """Mixed into `MemoryStore`: one dict per received message, in arrival order."""

    def __init__(self) -> None:
        self.inbox: dict[tuple[str, str], dict] = {}
        self.cursors: dict[str, str] = {}

    async def record_inbound(
        self, platform: str, message_id: str, payload: str, at: datetime
    ) -> bool:
        if (platform, message_id) in self.inbox:
            return False
        self.inbox[(platform, message_id)] = {"payload": payload, "received_at": at}
        return True

    async def mark_handled(
        self, platform: str, message_id: str, replies: StoredReplies, at: datetime
    ) -> None:
        row = self.inbox.get((platform, message_id))
        if row is not None and "handled_at" not in row:
            row.update(handled_at=at, payload=None, replies=replies)

    async def unhandled_inbound(self, platform: str) -> list[str]:
        return [
            row["payload"]
            for (p, _), row in self.inbox.items()
            if p == platform and "handled_at" not in row and "settled_at" not in row
        ]

    async def unanswered(self, platform: str) -> list[tuple[str, StoredReplies]]:
        return [
            (message_id, row["replies"])
            for (p, message_id), row in self.inbox.items()
            if p == platform and "handled_at" in row and "settled_at" not in row
        ]

    async def settle_inbound(self, platform: str, message_id: str, at: datetime) -> None:
        row = self.inbox.get((platform, message_id))
        if row is not None and "settled_at" not in row:
            row.setdefault("handled_at", at)
            row.update(settled_at=at, payload=None, replies=None)

    async def prune_inbox(self, settled_before: datetime) -> int:
        old = [
            k
            for k, row in self.inbox.items()
            if row.get("settled_at", settled_before) < settled_before
        ]
        for key in old:
            del self.inbox[key]
        return len(old)

    async def get_cursor(self, platform: str) -> str | None:
        return self.cursors.get(platform)

    async def save_cursor(self, platform: str, cursor: str, at: datetime) -> None:
        self.cursors[platform] = cursor
