"""A PostgresStore on this run's database, emptied before each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage import PostgresStore
from tests.postgres_database import empty_tables


@pytest.fixture
async def database(postgres_url: str) -> str:
    """This run's database, empty, at the latest schema."""
    store = await PostgresStore.open(postgres_url)  # migrates a fresh database
    await store.close()
    await empty_tables(postgres_url)
    return postgres_url


@pytest.fixture
async def pg_store(database: str) -> AsyncIterator[PostgresStore]:
    store = await PostgresStore.open(database)
    yield store
    await store.close()
