"""What only the SQLite store promises: durability on disk, migrations, constant-time counts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from core.errors import StoreClosed
from storage import SqliteStore
from storage.migrations import migration_files
from tests.contract.test_store_contract import signature


async def test_signatures_survive_closing_and_reopening(tmp_path: Path) -> None:
    path = tmp_path / "durable.db"
    store = await SqliteStore.open(path)
    await store.add_signature(signature("1"))
    await store.close()
    reopened = await SqliteStore.open(path)
    assert await reopened.count("p") == 1
    assert await reopened.active_signature("p", "telegram", "1") is not None
    await reopened.close()


async def test_database_runs_durable_wal_at_the_latest_schema(tmp_path: Path) -> None:
    path = tmp_path / "pragmas.db"
    store = await SqliteStore.open(path)
    await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == migration_files()[-1][0]


async def test_count_reads_a_counter_not_the_signatures(tmp_path: Path) -> None:
    path = tmp_path / "plan.db"
    store = await SqliteStore.open(path)
    await store.add_signature(signature("1"))
    statements: list[str] = []
    store._lookups._connection.set_trace_callback(statements.append)  # the SQL /count runs
    assert await store.count("p") == 1
    await store.close()
    [query] = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    with sqlite3.connect(path) as db:
        plan = " ".join(row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {query}"))
    assert "signatures" not in plan and "SCAN" not in plan, plan


async def test_a_closed_store_refuses_reads_and_writes_at_once(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "closed.db")
    await store.close()
    with pytest.raises(StoreClosed, match="closed"):
        await store.count("p")
    with pytest.raises(StoreClosed, match="closed"):
        await store.add_signature(signature("1"))
