"""`Claimer`: who holds a delivery in flight, and whether that dispatcher is still alive.

Each opened store takes a session advisory lock with a number of its own on a connection
kept outside the pool (the pool resets its connections, which would drop the lock). The lock
lives exactly as long as that connection: when the process dies, PostgreSQL drops it, and a
delivery claimed under that number is known to be orphaned.
"""

from __future__ import annotations

import secrets

import asyncpg

# The first key of the two-key advisory locks this program takes for dispatchers.
CLAIMER_LOCKS = 0x5042  # "PB"


class Claimer:
    """This store's claim name, held alive by an advisory lock on its own connection."""

    # The claim names of every dispatcher alive on this database.
    ALIVE = (
        "SELECT objid::text FROM pg_locks WHERE locktype = 'advisory' AND granted"
        f" AND classid = {CLAIMER_LOCKS} AND objsubid = 2"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )

    def __init__(self, connection: asyncpg.Connection, number: int) -> None:
        self.connection = connection
        self.name = str(number)

    @classmethod
    async def open(cls, url: str) -> Claimer:
        """Connect and take a claim number nobody alive holds."""
        connection = await asyncpg.connect(url)
        try:
            while True:
                number = secrets.randbelow(2**31 - 1) + 1
                if await connection.fetchval(
                    "SELECT pg_try_advisory_lock($1, $2)", CLAIMER_LOCKS, number
                ):
                    return cls(connection, number)
        except BaseException:
            await connection.close()
            raise

    async def close(self) -> None:
        """Give the number up (closing the connection drops the lock)."""
        await self.connection.close()
