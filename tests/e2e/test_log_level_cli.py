"""`--log-level` and `$PETITION_BOT_LOG_LEVEL` choose how much the commands log."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parents[2] / "config.example.toml"
COMMAND = str(Path(sys.executable).parent / "petition-bot")


def chat(tmp_path: Path, *options: str, level: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PETITION_BOT_LOG_LEVEL"}
    if level is not None:
        env["PETITION_BOT_LOG_LEVEL"] = level
    return subprocess.run(
        [COMMAND, "chat", "--config", str(EXAMPLE), "--user", "alice", *options],
        input="/help\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )


def test_the_environment_sets_the_level_and_the_option_wins(tmp_path: Path) -> None:
    for name in "abc":
        (tmp_path / name).mkdir()  # a fresh database each, so each applies the migrations
    quiet = chat(tmp_path / "a")  # chat's own default: warnings only, the chat owns the screen
    assert quiet.returncode == 0 and "applied migration" not in quiet.stderr
    loud = chat(tmp_path / "b", level="info")
    assert loud.returncode == 0 and "INFO storage.migrations: applied migration 0001" in loud.stderr
    debug = chat(tmp_path / "c", "--log-level", "DEBUG", level="warning")
    assert debug.returncode == 0
    assert "DEBUG storage.migrations: database schema at version" in debug.stderr


def test_an_unknown_level_is_refused_naming_where_it_came_from(tmp_path: Path) -> None:
    result = chat(tmp_path, level="loud")
    assert result.returncode == 2
    assert "'loud' is not a log level (from --log-level or PETITION_BOT_LOG_LEVEL)" in result.stderr
    assert "debug, info, warning, error" in result.stderr
