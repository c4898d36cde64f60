"""Which storage URLs this build opens, checked when the configuration is read.

The configuration refuses a URL no store can open, naming the key, before anything starts;
`storage.open_store` opens what passes. A database URL may carry its password: every message
shows it masked.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import StoreError
from core.urls import mask_url

SQLITE = "sqlite:///"
POSTGRES = ("postgres://", "postgresql://")
USE_SQLITE = "use sqlite:///relative/path.db or sqlite:////absolute/path.db"


# Also a ValueError: the config's storage.url validator raises it, and pydantic reports only a
# ValueError as the key's problem (any other exception would escape as a traceback).
class UnsupportedStorage(StoreError, ValueError):
    """The storage URL names a scheme this build does not support."""


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:///relative.db`` or ``sqlite:////absolute.db`` URL."""
    shown = repr(mask_url(url))
    if url.lower().startswith(POSTGRES):
        raise UnsupportedStorage(
            f"{shown}: PostgreSQL is not supported yet in this build; {USE_SQLITE}"
            " (several processes may share one SQLite file)"
        )
    if not url.startswith(SQLITE):
        raise UnsupportedStorage(f"{shown} is not supported: {USE_SQLITE}")
    path = url.removeprefix(SQLITE)
    # ":memory:" would give the writer and each reader a database of its own.
    if not path.strip() or path == ":memory:":
        raise UnsupportedStorage(f"{shown} names no database file: {USE_SQLITE}")
    return Path(path)
