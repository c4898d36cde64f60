"""Stores behind the core's store port; `open_store` picks one from a storage URL."""

from __future__ import annotations

from core.storage_url import (
    StorageKind,
    UnsupportedStorage,
    postgres_url,
    sqlite_path,
    storage_kind,
)
from core.store import Store
from storage.postgres import PostgresStore
from storage.sqlite_store import SqliteStore

__all__ = ["PostgresStore", "SqliteStore", "UnsupportedStorage", "open_store", "sqlite_path"]


async def open_store(url: str) -> Store:
    """Open the store a URL names, creating (or migrating) the database on first use."""
    if storage_kind(url) is StorageKind.POSTGRES:
        return await PostgresStore.open(postgres_url(url))
    return await SqliteStore.open(sqlite_path(url))
