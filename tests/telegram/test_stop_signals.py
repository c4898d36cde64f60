"""`petition-bot run` stopped by SIGTERM (`docker stop`, `systemctl stop`) as by Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

import pytest
import tomli_w

from tests.fakes.telegram_api import FakeTelegramServer

from .conftest import TOKEN, Person, config_data
from .test_run import _until

pytestmark = [pytest.mark.timeout(60)]


@pytest.mark.parametrize(("how", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
async def test_a_stop_signal_ends_run_cleanly_with_everything_stored(
    tg: FakeTelegramServer, tmp_path: Path, how: signal.Signals, code: int
) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text(tomli_w.dumps(config_data(tmp_path, tg.base_url)), encoding="utf-8")
    log_file = tmp_path / "run.log"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
    with log_file.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bots.cli", "run", "--config", str(config_file),
            cwd=tmp_path, env=env, stdout=log, stderr=log,
        )  # fmt: skip
        try:
            alice, bob = Person(tg, 1001, "Alice"), Person(tg, 1002, "Bob")
            await _until(lambda: tg.calls("getUpdates"))
            assert "Thank you, Zelda!" in (await alice.sign(name="Zelda Quux")).plain
            await bob.press(await bob.ask("/sign"), "Yes, I want to sign")  # half-way
        finally:
            process.send_signal(how)
            returncode = await asyncio.wait_for(process.wait(), 30)
    output = log_file.read_text()
    assert returncode == code, output
    assert "Traceback" not in output
    assert not (tmp_path / "petition.db-wal").exists(), "the store was not closed"
    with sqlite3.connect(tmp_path / "petition.db") as db:
        assert db.execute("SELECT user_id FROM signatures").fetchall() == [("1001",)]
        assert db.execute("SELECT user_id FROM conversations").fetchall() == [("1002",)]
