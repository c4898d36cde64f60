"""`petition-bot copy-store`: a campaign moved from its SQLite file to PostgreSQL, whole."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

from core.models import EmailCode, Tally
from storage import PostgresStore, SqliteStore
from tests.contract.test_store_contract import NOW, signature
from tests.e2e.test_chat_cli import COMMAND, EXAMPLE, SIGNING, chat
from tests.postgres_database import create_database, drop_database, server_url

PETITION = "dont-run-joe"


def _copy(tmp_path: Path, target: str, *more: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, "copy-store", "--from", "sqlite:///petition.db", "--to", target, *more,
         "--config", str(EXAMPLE)],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )  # fmt: skip


async def test_copy_store_moves_everything_and_refuses_a_target_in_use(tmp_path: Path) -> None:
    chat(tmp_path, SIGNING, user="alice")
    chat(tmp_path, ["/sign", "1", "Bob Roe", "bob@example.org", "54321", "2", "1"], user="bob")
    chat(tmp_path, ["/withdraw", "1"], user="bob")
    server = server_url()
    target = await create_database(server)
    try:
        copied = _copy(tmp_path, target)
        assert copied.returncode == 0, copied.stderr
        assert "(2 signatures); totals and counts verified." in copied.stdout
        store = await PostgresStore.open(target)
        try:
            assert await store.count(PETITION) == 1
            jane = await store.active_signature(PETITION, "console", "alice")
            assert jane is not None and jane.email == "jane@example.org"
            assert [s.active for s in await store.signatures_of("console", "bob")] == [False]
            assert len(await store.consents_of("console", "alice")) == 2
            # New rows continue after the copied ids.
            carol = signature("carol", "carol@example.org", platform="console", petition=PETITION)
            new = await store.add_signature(carol)
            assert new.id > jane.id
        finally:
            await store.close()
        refused = _copy(tmp_path, target)
        assert refused.returncode == 1
        assert "already holds rows" in refused.stderr and "nothing was copied" in refused.stderr
        replaced = _copy(tmp_path, target, "--replace")
        assert replaced.returncode == 0, replaced.stderr
    finally:
        await drop_database(server, target)


async def test_a_pending_signature_and_its_code_arrive_still_pending(tmp_path: Path) -> None:
    source = await SqliteStore.open(tmp_path / "petition.db")
    try:
        await source.add_signature(signature("ann", "ann@example.org", petition=PETITION))
        waiting = signature("bea", "bea@example.org", petition=PETITION)
        pending = await source.add_signature(waiting.model_copy(update={"pending": True}))
        code = EmailCode(
            signature_id=pending.id,
            code_hash="salt$hash",
            expires_at=NOW + timedelta(hours=24),
            emails_sent=1,
            last_sent_at=NOW,
            send_due_at=NOW + timedelta(minutes=1),
        )
        await source.save_email_code(code)
    finally:
        await source.close()
    server = server_url()
    target = await create_database(server)
    try:
        copied = _copy(tmp_path, target)
        assert copied.returncode == 0, copied.stderr
        store = await PostgresStore.open(target)
        try:
            assert (await store.count(PETITION), await store.pending_count(PETITION)) == (1, 1)
            assert await store.email_code(pending.id) == code
            assert await store.confirm_signature(pending.id, NOW + timedelta(minutes=5))
            assert (await store.count(PETITION), await store.pending_count(PETITION)) == (2, 0)
        finally:
            await store.close()
    finally:
        await drop_database(server, target)


async def test_imported_signatures_and_tallies_arrive_counted(tmp_path: Path) -> None:
    source = await SqliteStore.open(tmp_path / "petition.db")
    try:
        await source.add_signature(signature("ann", "ann@example.org", petition=PETITION))
        paper = signature("sheet-1", "pat@example.org", platform="import", petition=PETITION)
        assert await source.import_signatures([paper]) == [True]
        tally = Tally(petition=PETITION, count=80, note="clipboards", actor="cli:ann", at=NOW)
        await source.add_tally(tally)
    finally:
        await source.close()
    server = server_url()
    target = await create_database(server)
    try:
        copied = _copy(tmp_path, target)
        assert copied.returncode == 0, copied.stderr
        store = await PostgresStore.open(target)
        try:
            assert await store.count(PETITION) == 82
            assert await store.tallies(PETITION) == [tally]
            stats = await store.stats(PETITION, NOW.date(), 7)
            assert (stats.online, stats.imported, stats.tallied) == (1, 1, 80)
        finally:
            await store.close()
    finally:
        await drop_database(server, target)
