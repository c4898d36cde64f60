"""Migration 0004 on a database made by the schema before it: address keys follow today's rule."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from core.store import AlreadySigned
from storage import SqliteStore
from storage.migrations import migration_files
from tests.contract.test_store_contract import signature

# (user, address as stored, key as stored: the address casefolded, withdrawn)
BEFORE = [
    ("1", "ｊａｎｅ@example.org", "ｊａｎｅ@example.org", False),  # full-width, signed first
    ("2", "jane@example.org", "jane@example.org", False),  # the same mailbox, signed later
    ("3", "Straße@example.org", "strasse@example.org", False),
    ("4", "bob@example.org", "bob@example.org", False),
    ("5", "ＢＯＢ@example.org", "ｂｏｂ@example.org", False),  # younger than bob@
    ("6", None, None, True),
]


def database_before_0004(path: Path) -> None:
    """The schema as it was (migrations up to 0002), with signatures keyed the old way."""
    with sqlite3.connect(path) as db:
        for number, step in migration_files():
            if number <= 2:
                db.executescript(step.read_text(encoding="utf-8"))
        db.execute("PRAGMA user_version = 2")
        db.executemany(
            "INSERT INTO signatures (petition, platform, user_id, email, email_key, country,"
            " ref_code, opted_in, signed_at, withdrawn_at) VALUES ('p', 'telegram', ?, ?, ?,"
            " 'US', 'r_OLD' || ?, 1, '2026-11-01T12:00:00+00:00', ?)",
            [
                (user, email, key, user, "2026-11-02T12:00:00+00:00" if gone else None)
                for user, email, key, gone in BEFORE
            ],
        )
    db.close()


def keys(path: Path) -> dict[str, str | None]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT user_id, email_key FROM signatures ORDER BY id").fetchall()
    db.close()
    return dict(rows)


async def test_old_keys_are_recomputed_and_shared_ones_stay_with_the_older_signature(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "old.db"
    database_before_0004(path)
    with caplog.at_level(logging.INFO, logger="storage"):
        store = await SqliteStore.open(path)
    try:
        assert keys(path) == {
            "1": "jane@example.org",
            "2": None,  # shares the mailbox with the older signature 1
            "3": "straße@example.org",
            "4": "bob@example.org",
            "5": None,
            "6": None,
        }
        # strasse@ is someone else than Straße@ now; jane@ and bob@ are still taken.
        await store.add_signature(signature("7", "strasse@example.org", code="r_NEWAAAAA"))
        for user, taken in (("8", "jane@example.org"), ("9", "BOB@example.org")):
            with pytest.raises(AlreadySigned) as caught:
                await store.add_signature(signature(user, taken, code=f"r_NEW{user}AAAA"))
            assert caught.value.by_email is True
    finally:
        await store.close()
    [line] = [r.getMessage() for r in caplog.records if "0004:" in r.getMessage()]
    assert "3 address keys recomputed, 2 signatures share" in line
    assert "example.org" not in caplog.text and "jane" not in caplog.text.lower()


async def test_the_migration_leaves_a_database_at_the_latest_version(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    database_before_0004(path)
    store = await SqliteStore.open(path)
    await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == migration_files()[-1][0]
    db.close()
