"""Several `petition-bot` processes on one SQLite file, as the README allows."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from storage.migrations import migration_files

EXAMPLE = Path(__file__).parents[2] / "config.example.toml"
COMMAND = str(Path(sys.executable).parent / "petition-bot")
PROCESSES = 8


def test_processes_started_at_once_on_a_fresh_file_migrate_it_once(tmp_path: Path) -> None:
    chats = [
        subprocess.Popen(
            [COMMAND, "chat", "--config", str(EXAMPLE), "--user", f"u{n}", "--log-level", "INFO"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,  # where the example's sqlite:///petition.db lands
        )
        for n in range(PROCESSES)
    ]
    results = [chat.communicate("/count\n", timeout=120) for chat in chats]
    for chat, (stdout, stderr) in zip(chats, results, strict=True):
        assert chat.returncode == 0, stderr
        assert "Traceback" not in stderr and "Don't Run Joe" in stdout
    logs = "".join(stderr for _, stderr in results)
    for number, _ in migration_files():
        assert logs.count(f"applied migration {number:04d}") == 1, logs
    with sqlite3.connect(tmp_path / "petition.db") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == migration_files()[-1][0]
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
