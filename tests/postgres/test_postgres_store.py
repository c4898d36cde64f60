"""What only the PostgreSQL store promises: transactions seen by other processes only at
their end, migrations applied exactly once by processes starting together, its URL wiring."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from core.errors import StoreClosed
from core.states import SigningState, SigningStep
from storage import PostgresStore, open_store
from storage.postgres.migrations import migrate, migration_files, pending_migrations
from tests.contract.test_store_contract import NOW, signature
from tests.postgres_database import create_database, drop_database, server_url


def _state(user: str) -> SigningState:
    return SigningState(
        platform="telegram",
        user_id=user,
        petition="p",
        step=SigningStep.CONFIRM,
        nonce="n",
        updated_at=NOW,
    )


async def _seen_by_another_process(url: str, sql: str) -> object:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetchval(sql)
    finally:
        await connection.close()


async def test_a_transaction_is_seen_by_others_only_at_its_end(
    pg_store: PostgresStore, database: str
) -> None:
    async with pg_store.transaction():
        await pg_store.add_signature(signature("1"))
        assert await pg_store.count("p") == 1  # its own write, before the commit
        assert await pg_store.active_signature("p", "telegram", "1") is not None
        assert await _seen_by_another_process(database, "SELECT count(*) FROM signatures") == 0
        await pg_store.save_conversation(_state("1"))
    assert await _seen_by_another_process(database, "SELECT count(*) FROM signatures") == 1
    assert await _seen_by_another_process(database, "SELECT count(*) FROM conversations") == 1


async def test_a_refused_write_inside_a_transaction_leaves_the_others_in_place(
    pg_store: PostgresStore, database: str
) -> None:
    await pg_store.add_signature(signature("1"))
    async with pg_store.transaction():
        await pg_store.save_conversation(_state("2"))
        with pytest.raises(Exception, match="already"):
            await pg_store.add_signature(signature("2"))  # the same email: refused
        await pg_store.save_conversation(_state("3"))  # the transaction goes on
    users = "SELECT string_agg(user_id, ',' ORDER BY user_id) FROM conversations"
    assert await _seen_by_another_process(database, users) == "2,3"
    assert await pg_store.count("p") == 1


async def test_concurrent_transactions_all_commit(pg_store: PostgresStore) -> None:
    async def turn(user: str) -> None:
        async with pg_store.transaction():
            await pg_store.save_conversation(_state(user))
            await asyncio.sleep(0)
            await pg_store.add_signature(signature(user, email=f"u{user}@example.org"))

    await asyncio.gather(*(turn(str(i)) for i in range(30)))
    assert await pg_store.count("p") == 30
    stats = await pg_store.stats("p", NOW.date(), 1)
    assert (stats.total, stats.today, stats.by_platform) == (30, 30, {"telegram": 30})


async def test_processes_starting_together_on_a_fresh_database_migrate_it_once() -> None:
    server = server_url()
    fresh = await create_database(server)
    try:
        connections = [await asyncpg.connect(fresh) for _ in range(4)]
        applied = await asyncio.gather(*(migrate(c) for c in connections))
        assert sorted(n for done in applied for n in done) == [n for n, _ in migration_files()]
        assert await pending_migrations(connections[0]) == []
        ledger = await connections[0].fetchval("SELECT count(*) FROM schema_migrations")
        assert ledger == len(migration_files())
        for connection in connections:
            await connection.close()
    finally:
        await drop_database(server, fresh)


async def test_a_postgresql_url_opens_the_postgresql_store(database: str) -> None:
    store = await open_store(database)
    try:
        assert isinstance(store, PostgresStore)
        await store.add_signature(signature("1"))
    finally:
        await store.close()
    reopened = await open_store(database)
    assert await reopened.count("p") == 1  # durable, across connections and processes
    await reopened.close()


async def test_a_closed_store_refuses_reads_and_writes_at_once(database: str) -> None:
    store = await PostgresStore.open(database)
    await store.close()
    with pytest.raises(StoreClosed, match="closed"):
        await store.count("p")
    with pytest.raises(StoreClosed, match="closed"):
        await store.add_signature(signature("1"))


async def test_a_worker_replays_only_messages_no_live_worker_is_handling(database: str) -> None:
    busy = await PostgresStore.open(database)  # a worker with an update in its queue
    assert await busy.record_inbound("telegram", "7", "its payload", NOW)
    restarted = await PostgresStore.open(database)  # another worker, starting after a crash
    try:
        assert await restarted.unhandled_inbound("telegram") == []  # still the other's
        await busy.close()  # the first worker dies before handling it
        assert await restarted.unhandled_inbound("telegram") == ["its payload"]
    finally:
        await restarted.close()


async def test_a_broadcast_confirmed_by_one_store_is_announced_to_another(
    database: str,
) -> None:
    confirming, listening = await PostgresStore.open(database), await PostgresStore.open(database)
    try:
        heard = listening.confirmations()
        first = asyncio.ensure_future(anext(heard))
        await _until_listening(database)
        draft = await confirming.create_broadcast(None, "News", "cli:o", ("cli", "o"), NOW)
        assert not first.done()  # a draft wakes nobody
        await confirming.confirm_broadcast(draft.id, [], NOW)
        assert await first == draft.id
        await heard.aclose()
    finally:
        await confirming.close()
        await listening.close()


async def _until_listening(url: str) -> None:
    """Until some connection to ``url``'s database has run LISTEN (the server says so)."""
    connection = await asyncpg.connect(url)
    try:
        query = (
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND query LIKE 'LISTEN %'"
        )
        while not await connection.fetchval(query):  # noqa: ASYNC110 - only the server can tell
            await asyncio.sleep(0.02)
    finally:
        await connection.close()
