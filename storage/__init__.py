"""Stores behind the core's store port; `open_store` picks one from a storage URL."""

from __future__ import annotations

from pathlib import Path

from core.store import Store
from storage.sqlite_store import SqliteStore

__all__ = ["SqliteStore", "UnsupportedStorage", "open_store", "sqlite_path"]


class UnsupportedStorage(ValueError):
    """The storage URL names a scheme this build does not support."""


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:///relative.db`` or ``sqlite:////absolute.db`` URL."""
    if not url.startswith("sqlite:///"):
        raise UnsupportedStorage(
            f"storage.url {url!r}: only sqlite:///path.db is supported "
            "(PostgreSQL is planned for multi-process deployments)"
        )
    return Path(url.removeprefix("sqlite:///"))


async def open_store(url: str) -> Store:
    """Open the store a URL names, creating the database on first use."""
    return await SqliteStore.open(sqlite_path(url))
