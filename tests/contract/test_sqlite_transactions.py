"""What the SQLite store's transactions promise: a turn's writes reach the disk together,
its reads see its own writes, and many turns share one commit."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from core.states import SigningState, SigningStep
from storage import SqliteStore
from storage.group_commit import TransactionFailed
from tests.contract.test_store_contract import NOW, signature


def _state(user: str) -> SigningState:
    return SigningState(
        platform="telegram",
        user_id=user,
        petition="p",
        step=SigningStep.CONFIRM,
        nonce="n",
        updated_at=NOW,
    )


def _on_disk(path: Path, sql: str) -> list[tuple]:
    """What another process would read from the file right now."""
    with closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


async def test_a_transaction_sees_its_own_writes_and_others_see_them_only_at_its_end(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tx.db"
    store = await SqliteStore.open(path)
    async with store.transaction():
        await store.add_signature(signature("1"))
        assert await store.count("p") == 1  # its own write, before the commit
        assert await store.active_signature("p", "telegram", "1") is not None
        assert _on_disk(path, "SELECT count(*) FROM signatures") == [(0,)]
        await store.save_conversation(_state("1"))
    assert _on_disk(path, "SELECT count(*) FROM signatures") == [(1,)]
    assert _on_disk(path, "SELECT count(*) FROM conversations") == [(1,)]
    await store.close()


async def test_concurrent_transactions_and_plain_writes_all_reach_the_disk(
    tmp_path: Path,
) -> None:
    path = tmp_path / "many.db"
    store = await SqliteStore.open(path)
    commits: list[str] = []
    store._writer._connection.set_trace_callback(  # type: ignore[attr-defined]  # the writer's own connection, to count commits
        lambda sql: commits.append(sql) if sql == "COMMIT" else None
    )

    async def turn(user: str) -> None:
        async with store.transaction():
            await store.save_conversation(_state(user))
            await asyncio.sleep(0)  # other turns write meanwhile
            await store.add_signature(signature(user, email=f"u{user}@example.org"))

    await asyncio.gather(
        *(turn(str(i)) for i in range(50)), store.add_signature(signature("x", email=None))
    )
    assert _on_disk(path, "SELECT count(*) FROM signatures") == [(51,)]
    assert _on_disk(path, "SELECT count(*) FROM conversations") == [(50,)]
    assert len(commits) < 10  # turns that arrive together share a commit
    await store.close()


async def test_a_failed_write_inside_a_transaction_leaves_the_others_in_place(
    tmp_path: Path,
) -> None:
    path = tmp_path / "partial.db"
    store = await SqliteStore.open(path)
    await store.add_signature(signature("1"))
    async with store.transaction():
        await store.save_conversation(_state("2"))
        with pytest.raises(Exception, match="already"):
            await store.add_signature(signature("2"))  # the same email: refused
    assert _on_disk(path, "SELECT user_id FROM conversations") == [("2",)]
    assert await store.count("p") == 1
    await store.close()


async def test_when_the_commit_fails_nothing_of_the_transaction_is_stored(
    tmp_path: Path,
) -> None:
    path = tmp_path / "failing.db"
    store = await SqliteStore.open(path)
    writer = store._writer  # type: ignore[attr-defined]  # the writer, to watch its batches
    # A deferred foreign key is only checked at COMMIT: the way to make a commit fail.
    await writer.exclusive(
        lambda db: db.execute(
            "CREATE TABLE child (parent INTEGER REFERENCES signatures (id)"
            " DEFERRABLE INITIALLY DEFERRED)"
        )
    )
    with pytest.raises(TransactionFailed):
        async with store.transaction():
            await store.save_conversation(_state("1"))
            await writer.write(lambda db: db.execute("INSERT INTO child VALUES (42)"))
    assert _on_disk(path, "SELECT count(*) FROM conversations") == [(0,)]
    await store.save_conversation(_state("2"))  # the store goes on working
    assert _on_disk(path, "SELECT user_id FROM conversations") == [("2",)]
    await store.close()


async def test_a_transaction_that_only_reads_waits_for_nothing(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "reads.db")
    async with store.transaction():
        assert await store.count("p") == 0
    await store.close()
