"""A PostgreSQL database of its own for each test run, from PETITION_BOT_TEST_POSTGRES_URL.

Without the variable the PostgreSQL tests are skipped with a message saying how to enable
them; with PETITION_BOT_REQUIRE_SERVICES=1 (CI) a missing server fails them instead.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

URL_ENV = "PETITION_BOT_TEST_POSTGRES_URL"
REQUIRE_ENV = "PETITION_BOT_REQUIRE_SERVICES"
T = TypeVar("T")
HOW_TO = (
    f"PostgreSQL tests need a server: set {URL_ENV}=postgresql://postgres@127.0.0.1:5432/postgres"
    " (any database the user may CREATE DATABASE from; each run makes and drops its own)"
)


def server_url() -> str:
    """The server's URL, or skip (fail, when services are required) the test that asks."""
    url = os.environ.get(URL_ENV, "").strip()
    if not url:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {URL_ENV} is not set. {HOW_TO}")
        pytest.skip(HOW_TO)
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def create_database(url: str) -> str:
    """A new, empty database on the server ``url`` names; its URL."""
    name = f"petition_bot_test_{os.getpid()}_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return with_database(url, name)


async def drop_database(url: str, database_url: str) -> None:
    name = urlsplit(database_url).path.strip("/")
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def empty_tables(database_url: str) -> None:
    """Every table of the schema emptied (the migrations' ledger kept), ids from 1 again."""
    connection = await asyncpg.connect(database_url)
    try:
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename != 'schema_migrations'"
        )
        if tables:
            names = ", ".join(f'"{row[0]}"' for row in tables)
            await connection.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await connection.close()


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from a synchronous fixture, on a thread of its own: the fixture may be
    set up while a test's event loop is running."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
