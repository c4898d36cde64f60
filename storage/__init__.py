"""Stores behind the core's store port; `open_store` picks one from a storage URL."""

from __future__ import annotations

from core.storage_url import UnsupportedStorage, sqlite_path
from core.store import Store
from storage.sqlite_store import SqliteStore

__all__ = ["SqliteStore", "UnsupportedStorage", "open_store", "sqlite_path"]


async def open_store(url: str) -> Store:
    """Open the store a URL names, creating the database on first use."""
    return await SqliteStore.open(sqlite_path(url))
