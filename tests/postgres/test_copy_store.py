"""`petition-bot copy-store`: a campaign moved from its SQLite file to PostgreSQL, whole."""

from __future__ import annotations

import subprocess
from pathlib import Path

from storage import PostgresStore
from tests.contract.test_store_contract import signature
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
