"""Batched reads: the lookups of every chat message, many per thread hand-off.

Each message reads a few rows by index (its conversation, its signature), which takes SQLite
microseconds; handing one query to a thread costs far more once hundreds of people sign at
once (bench/discord_interactions.py: 81 ms per lookup at 200 members, 13 ms batched).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from storage.thread_batcher import Outcome, ThreadBatcher

Query = tuple[str, tuple[Any, ...] | dict[str, Any]]


class BatchReader(ThreadBatcher[Query]):
    """Runs queued read queries in batches on one thread; each caller gets its own rows."""

    def __init__(self, path: str | Path, pragmas: tuple[str, ...]) -> None:
        super().__init__(path, pragmas, "sqlite-reader")

    async def rows(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[Any]:
        """All rows of one query, fetched in the same call so no snapshot stays open."""
        rows: list[Any] = await self._submit((sql, params))
        return rows

    def _process(self, items: list[Query]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for sql, params in items:
            try:
                outcomes.append((True, self._connection.execute(sql, params).fetchall()))
            except sqlite3.Error as exc:
                outcomes.append((False, exc))
        return outcomes
