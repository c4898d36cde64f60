"""What to tell an operator whose PostgreSQL server could not be reached at start-up."""

from __future__ import annotations

from urllib.parse import urlsplit

import asyncpg

_LOGIN_REFUSED = (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError)


def unreachable(url: str, exc: BaseException) -> str:
    """A message naming the server, database and user (never the password) and what to check."""
    parts = urlsplit(url)
    host, port = parts.hostname or "localhost", parts.port or 5432
    database = parts.path.strip("/") or "(the user's default)"
    where = f"PostgreSQL at {host}:{port} (database {database}, user {parts.username or '?'})"
    if isinstance(exc, _LOGIN_REFUSED):
        return f"{where} refused the login: check the user and PGPASSWORD"
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return f"{where}: the database does not exist; create it (createdb) or fix [storage] url"
    if isinstance(exc, TimeoutError):
        return f"{where} did not answer in time: check the host, the port and the firewall"
    if isinstance(exc, OSError):
        reason = exc.strerror or type(exc).__name__
        return (
            f"cannot reach {where}: {reason}. Is the server running and listening there?"
            " Check [storage] url"
        )
    return f"{where} refused the connection ({type(exc).__name__}): check [storage] url"
