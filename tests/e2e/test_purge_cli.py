"""`petition-bot purge [--dry-run]` as an organizer runs it, on SQLite and on PostgreSQL.

Distinctive names, emails, postal codes and account ids are planted through the bot (a
signature, a withdrawn one, a half-finished signing), a pending signature past its code and
an old unsent reply. The checks walk the schema the database reports (``sqlite_master`` and
``PRAGMA table_info``, or ``information_schema``), not a list of known columns, so a table
added later is searched too.
"""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bots.config import load_config
from bots.runtime import build_runtime
from core.broadcasts.models import DeliveryOutcome, DeliveryState
from core.inbox import StoredReplies
from core.models import NewSignature
from core.store import Store
from storage import open_store
from tests.e2e.test_chat_cli import COMMAND, EXAMPLE
from tests.postgres_database import empty_tables
from tests.unit.chat import Chat, Clock

SLUG = "dont-run-joe"
CLOSED = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
SIGNER = ("7700990011", "Zebediah Quuxworth", "zq.retention-7731@example.org", "98765")
LEAVER = ("7700990022", "Ottoline Vandermeer", "ov.withdrew-2268@example.org", "97531")
HALFWAY = ("7700990033", "Ysolde Halfway", "ysolde.half-4417@example.org")
PENDING = ("7700990044", "Pemberton Waits", "pw.pending-5521@example.org", "86420")
PLANTED = sorted({*SIGNER, *LEAVER, *HALFWAY, *PENDING})

Dump = dict[str, list[tuple[object, ...]]]


@pytest.fixture(params=["sqlite", "postgres"])
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'petition.db'}"
        return
    database: str = request.getfixturevalue("postgres_url")
    await empty_tables(database)
    yield database


def write_config(tmp_path: Path, url: str) -> Path:
    """The example campaign, closed three days ago, anonymised a day after closing."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('url = "sqlite:///petition.db"', f'url = "{url}"')
    dates = f"closes_at = {CLOSED.isoformat()}\nretention_days_after_close = 1\n"
    text = text.replace(
        'consent_version = "2026-11-v1"\n', f'consent_version = "2026-11-v1"\n{dates}'
    )
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def plant(config_path: Path) -> None:
    """Everything the purge must erase, typed into the bot while the petition was open."""
    config = load_config(config_path)
    clock = Clock()
    clock.now = CLOSED - timedelta(days=1)
    store = await open_store(config.storage.url)
    try:
        bot = build_runtime(config, store, clock).core
        await Chat(bot, SIGNER[0]).sign(*SIGNER[1:])
        leaver = Chat(bot, LEAVER[0])
        await leaver.sign(*LEAVER[1:])
        await leaver.send("/withdraw")
        await leaver.press("Yes, withdraw")
        halfway = Chat(bot, HALFWAY[0])
        for step in ("/sign", "Yes, I want", HALFWAY[1], HALFWAY[2]):
            await (halfway.press(step) if step.startswith("Yes") else halfway.send(step))
        await store.add_signature(pending_signature(clock.now))
        # A handled message whose answer (the signer's /mydata) the platform never took.
        old = clock.now - timedelta(days=8)
        await store.record_inbound("telegram", "1", '{"text": "/mydata"}', old)
        answer = StoredReplies(reply_to="{}", replies=f'[{{"text": "{SIGNER[2]}"}}]')
        await store.mark_handled("telegram", "1", answer, old)
        broadcast = await store.create_broadcast(
            SLUG, "News", "console:organizer", ("c", "o"), clock.now
        )
        await store.confirm_broadcast(broadcast.id, [], clock.now)
        await store.cancel_broadcast(broadcast.id, clock.now)  # over: its recipients listed
        # One to everyone, which reached nobody (the signer blocked the bot): in a campaign
        # of one petition, its rows too would say who had signed it.
        everyone = await store.create_broadcast(
            None, "News", "console:organizer", ("c", "o"), clock.now
        )
        await store.confirm_broadcast(everyone.id, [], clock.now)
        claimed = await store.claim_deliveries(everyone.id, "telegram", 10)
        blocked = DeliveryState.UNREACHABLE
        outcomes = [DeliveryOutcome(delivery_id=d.id, state=blocked, attempts=1) for d in claimed]
        await store.record_outcomes(outcomes, clock.now)
        assert await store.finish_broadcast(everyone.id, clock.now)
    finally:
        await store.close()


def pending_signature(at: datetime) -> NewSignature:
    user, name, email, postal_code = PENDING
    return NewSignature(
        petition=SLUG,
        platform="telegram",
        user_id=user,
        name=name,
        email=email,
        email_key=email,
        postal_code=postal_code,
        country="US",
        ref_code="r_PENDING1",
        consent_version="2026-11-v1",
        opted_in=True,
        signed_at=at,
        pending=True,
    )


async def dump(url: str) -> Dump:
    """Every row of every table the database has, in a stable order."""
    if url.startswith("sqlite"):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as db:
            names = [
                name
                for (name,) in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite_%'"
                )
            ]
            tables = {}
            for name in names:
                width = len(db.execute(f'PRAGMA table_info("{name}")').fetchall())
                order = ", ".join(str(i + 1) for i in range(width))
                tables[name] = db.execute(f'SELECT * FROM "{name}" ORDER BY {order}').fetchall()
            return tables
    connection = await asyncpg.connect(url)
    try:
        names = [
            row[0]
            for row in await connection.fetch(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
        ]
        tables = {}
        for name in names:
            width = await connection.fetchval(
                "SELECT count(*) FROM information_schema.columns"
                " WHERE table_schema = 'public' AND table_name = $1",
                name,
            )
            order = ", ".join(str(i + 1) for i in range(width))
            rows = await connection.fetch(f'SELECT * FROM "{name}" ORDER BY {order}')
            tables[name] = [tuple(row.values()) for row in rows]
        return tables
    finally:
        await connection.close()


def found(tables: Dump) -> list[str]:
    """Where a planted value appears: ``table: value`` for each text cell holding one."""
    hits = []
    for name, rows in tables.items():
        for row in rows:
            for cell in row:
                text = cell.decode(errors="replace") if isinstance(cell, bytes) else str(cell)
                hits += [f"{name}: {value}" for value in PLANTED if value in text]
    return hits


def purge(tmp_path: Path, config: Path, *args: str) -> str:
    result = subprocess.run(
        [COMMAND, "purge", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def figures(url: str) -> tuple[object, ...]:
    store: Store = await open_store(url)
    try:
        stats = await store.stats(SLUG, CLOSED.date(), 7)
        return (await store.count(SLUG), stats.model_copy(update={"pending": 0}))
    finally:
        await store.close()


async def test_a_dry_run_changes_nothing_and_a_purge_leaves_no_personal_data(
    tmp_path: Path, url: str
) -> None:
    config = write_config(tmp_path, url)
    await plant(config)
    before = await dump(url)
    assert set(found(before)) >= {f"signatures: {SIGNER[2]}", f"conversations: {HALFWAY[2]}"}
    counted = await figures(url)
    assert counted[0] == 1

    dry = purge(tmp_path, config, "--dry-run")
    assert "Dry run: nothing was changed." in dry
    assert f"{SLUG}: 2 signatures would be anonymised; 1 expired pending signature would" in dry
    assert "Would delete 1 idle conversation and erase 1 old unsent reply." in dry
    assert await dump(url) == before

    done = purge(tmp_path, config)
    assert f"{SLUG}: 2 signatures anonymised; 1 expired pending signature erased." in done
    assert "Deleted 1 idle conversation and erased 1 old unsent reply." in done
    after = await dump(url)
    assert found(after) == []
    assert await figures(url) == counted
    assert [row for row in after["audit_log"] if "purge" in row] != []
    again = purge(tmp_path, config)
    assert f"{SLUG}: 0 signatures anonymised; 0 expired pending signatures erased." in again


async def test_after_a_purge_mydata_finds_nothing_of_the_signer(tmp_path: Path, url: str) -> None:
    config_path = write_config(tmp_path, url)
    await plant(config_path)
    purge(tmp_path, config_path)
    config = load_config(config_path)
    store = await open_store(config.storage.url)
    try:
        chat = Chat(build_runtime(config, store).core, SIGNER[0])
        await chat.send("/mydata")
        assert SIGNER[1] not in chat.last and SIGNER[2] not in chat.last
        assert await store.signatures_of("telegram", SIGNER[0]) == []
    finally:
        await store.close()
