"""Every command closes the store when it fails after opening it: no hang, no WAL left."""

from __future__ import annotations

import sqlite3
import subprocess
import threading
from contextlib import closing
from pathlib import Path

import pytest

from bots.config import load_config
from bots.runtime import open_runtime
from tests.e2e.test_chat_cli import COMMAND, EXAMPLE, SIGNING, chat

pytestmark = [pytest.mark.timeout(120)]

COMMANDS = {
    "chat": ["chat"],
    "stats": ["stats"],
    "export": ["export", "--output", "out.csv"],
    "broadcast": ["broadcast", "--message-file", "news.txt", "--yes"],
}


def run(tmp_path: Path, command: list[str], config: Path = EXAMPLE) -> subprocess.CompletedProcess:
    (tmp_path / "news.txt").write_text("Rally on Saturday", encoding="utf-8")
    return subprocess.run(
        [COMMAND, *command, "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=30,  # a store left open kept the process from ever exiting
        stdin=subprocess.DEVNULL,
    )


def left_open(tmp_path: Path) -> bool:
    """SQLite removes the WAL file when the last connection to the database closes."""
    return (tmp_path / "petition.db-wal").exists()


def unmigratable(tmp_path: Path) -> None:
    """A database file the store opens and then cannot migrate (a table that is not ours)."""
    with closing(sqlite3.connect(tmp_path / "petition.db")) as db:
        db.execute("CREATE TABLE signatures (id INTEGER)")
        db.commit()


@pytest.mark.parametrize("name", COMMANDS)
def test_a_command_failing_after_opening_the_store_closes_it(tmp_path: Path, name: str) -> None:
    unmigratable(tmp_path)
    result = run(tmp_path, COMMANDS[name])
    assert result.returncode != 0
    assert "already exists" in result.stderr
    assert not left_open(tmp_path), result.stderr


async def test_open_runtime_closes_the_store_when_the_core_cannot_be_built(tmp_path: Path) -> None:
    config = load_config(EXAMPLE)
    # model_copy skips validation: a value no valid config holds, failing after the open.
    conversation = config.conversation.model_copy(update={"idle_timeout_hours": 1e12})
    storage = config.storage.model_copy(update={"url": f"sqlite:///{tmp_path / 'petition.db'}"})
    broken = config.model_copy(update={"conversation": conversation, "storage": storage})
    before = set(threading.enumerate())
    with pytest.raises(OverflowError):
        await open_runtime(broken)
    assert not left_open(tmp_path)
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=10)  # a closed connection's thread ends just after the close
    assert [t.name for t in set(threading.enumerate()) - before if t.is_alive()] == []


def test_an_export_whose_audit_fails_still_closes_the_store(tmp_path: Path) -> None:
    chat(tmp_path, SIGNING)
    with closing(sqlite3.connect(tmp_path / "petition.db")) as db:
        db.execute("DROP TABLE audit_log")  # the audit write in the export's finally fails
    result = run(tmp_path, COMMANDS["export"])
    assert result.returncode == 1
    assert "no such table: audit_log" in result.stderr
    assert not left_open(tmp_path)
