"""Which storage URLs this build opens, checked when the configuration is read.

The configuration refuses a URL no store can open, naming the key, before anything starts;
`storage.open_store` opens what passes. A database URL may carry its password: every message
shows it masked.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from core.errors import StoreError
from core.urls import mask_url

SQLITE = "sqlite:///"
POSTGRES = ("postgres://", "postgresql://")
USE_SQLITE = "use sqlite:///relative/path.db or sqlite:////absolute/path.db"
USE_POSTGRES = "postgresql://user@host:port/database"
USE_EITHER = f"{USE_SQLITE}, or {USE_POSTGRES} for several processes"


# Also a ValueError: the config's storage.url validator raises it, and pydantic reports only a
# ValueError as the key's problem (any other exception would escape as a traceback).
class UnsupportedStorage(StoreError, ValueError):
    """The storage URL names a scheme this build does not support."""


class StorageKind(StrEnum):
    """The stores a URL can name: SQLite for one process, PostgreSQL for several."""

    SQLITE = "sqlite"
    POSTGRES = "postgresql"


def storage_kind(url: str) -> StorageKind:
    """Which store ``url`` names, once it is checked; refuses any other URL."""
    if url.lower().startswith(POSTGRES):
        postgres_url(url)
        return StorageKind.POSTGRES
    sqlite_path(url)
    return StorageKind.SQLITE


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:///relative.db`` or ``sqlite:////absolute.db`` URL."""
    shown = repr(mask_url(url))
    if not url.startswith(SQLITE):
        raise UnsupportedStorage(f"{shown} is not supported: {USE_EITHER}")
    path = url.removeprefix(SQLITE)
    # ":memory:" would give the writer and each reader a database of its own.
    if not path.strip() or path == ":memory:":
        raise UnsupportedStorage(f"{shown} names no database file: {USE_SQLITE}")
    return Path(path)


def postgres_url(url: str) -> str:
    """A ``postgresql://`` URL that names a host and a database, as the driver takes it.

    The password may be in the URL or, better, in ``PGPASSWORD`` (the driver reads it).
    """
    shown = repr(mask_url(url))
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError as exc:
        raise UnsupportedStorage(f"{shown} is not a valid URL: {USE_POSTGRES}") from exc
    if not parts.hostname and "host=" not in parts.query:
        raise UnsupportedStorage(f"{shown} names no host: {USE_POSTGRES}")
    if not parts.path.strip("/"):
        raise UnsupportedStorage(f"{shown} names no database: {USE_POSTGRES}")
    return url
