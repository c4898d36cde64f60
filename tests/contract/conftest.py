"""The store fixture: each contract test runs once per store implementation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.store import Store
from storage import PostgresStore, SqliteStore
from tests.fakes.memory_store import MemoryStore
from tests.postgres_database import empty_tables


@pytest.fixture(params=["sqlite", "memory", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    opened: Store
    if request.param == "sqlite":
        opened = await SqliteStore.open(tmp_path / "contract.db")
    elif request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        await empty_tables(url)
        opened = await PostgresStore.open(url)
    else:
        opened = MemoryStore()
    yield opened
    await opened.close()
