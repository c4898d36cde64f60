"""Broadcasts confirmed in other processes, heard through LISTEN/NOTIFY.

`confirm_broadcast` sends ``NOTIFY broadcast_confirmed, '<id>'`` in its transaction, so the
notification reaches the listeners only once the deliveries it queued are committed. Each
store listens on its claimer's connection, which is kept outside the pool (the pool resets
its connections, and a reset drops LISTEN).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg

CHANNEL = "broadcast_confirmed"
_CLOSED = -1  # put in the queue when the connection ends


async def confirmations(connection: asyncpg.Connection) -> AsyncIterator[int]:
    """The id of every broadcast confirmed on this database from now on, until the
    connection closes (then the dispatchers' poll is all that is left)."""
    heard: asyncio.Queue[int] = asyncio.Queue()

    def on_notify(_conn: object, _pid: int, _channel: str, payload: object) -> None:
        heard.put_nowait(int(str(payload)))

    def on_close(_conn: object) -> None:
        heard.put_nowait(_CLOSED)

    connection.add_termination_listener(on_close)
    await connection.add_listener(CHANNEL, on_notify)
    try:
        while (broadcast_id := await heard.get()) != _CLOSED:
            yield broadcast_id
    finally:
        connection.remove_termination_listener(on_close)
        if not connection.is_closed():
            await connection.remove_listener(CHANNEL, on_notify)
