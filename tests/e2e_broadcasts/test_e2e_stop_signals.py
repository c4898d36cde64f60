"""A broadcast stopped half-way by SIGTERM: every send is recorded, the rest sent later.

Unlike a SIGKILL (test_e2e_crash_resume.py), a SIGTERM lets the delivery workers finish the
requests already out and hand back what they never sent, so no recipient is left "unknown".
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import tomli_w
from e2e_helpers import (
    ORGANIZER_ID,
    TOKEN,
    broadcast_config,
    db_path,
    insert_signers,
    query,
    telegram_sends,
    until,
)

from storage import SqliteStore
from tests.fakes.telegram_api import FakeTelegramServer

RECIPIENTS = 400
RATE = 80  # messages per second: about five seconds for everyone
USER_BASE = 8_000_000
TEXT = "Stop-proof news: the rally moves to the state house"
COMMAND = str(Path(sys.executable).parent / "petition-bot")
pytestmark = [pytest.mark.timeout(60)]


async def prepare(tmp_path: Path, tg: FakeTelegramServer, *, confirm: bool) -> Path:
    """400 opted-in signers (and a confirmed broadcast to them, if ``confirm``)."""
    path = db_path(tmp_path)
    store = await SqliteStore.open(path)
    try:
        insert_signers(path, range(USER_BASE + 1, USER_BASE + RECIPIENTS + 1))
        if confirm:
            now = datetime.now(UTC)
            origin = ("telegram", str(ORGANIZER_ID))
            author = f"telegram:{ORGANIZER_ID}"
            draft = await store.create_broadcast(None, TEXT, author, origin, now)
            assert await store.confirm_broadcast(draft.id, [], now) is not None
    finally:
        await store.close()
    config_file = tmp_path / "config.toml"
    config_file.write_text(tomli_w.dumps(broadcast_config(tmp_path, tg, rates={"telegram": RATE})))
    return config_file


async def start(config_file: Path, log: Path, *command: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            COMMAND, *command, "--config", str(config_file),
            cwd=config_file.parent, env=env, stdout=out, stderr=out,
        )  # fmt: skip


async def stop(process: asyncio.subprocess.Process, log: Path) -> None:
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), 30) == 143, output(log)


def output(log: Path) -> str:
    return log.read_text()


def deliveries(path: Path) -> Counter[str]:
    return Counter(status for (status,) in query(path, "SELECT status FROM deliveries"))


def received(tg: FakeTelegramServer) -> Counter[int]:
    chats = range(USER_BASE + 1, USER_BASE + RECIPIENTS + 1)
    return Counter(m.chat_id for chat in chats for m in tg.messages(chat) if TEXT in m.plain)


def assert_stopped_cleanly(tmp_path: Path, tg: FakeTelegramServer, log: Path) -> Counter[str]:
    """After the stop: the store closed, each send recorded once, nothing in flight or lost."""
    path = db_path(tmp_path)
    assert not Path(f"{path}-wal").exists(), "the store was not closed"
    states = deliveries(path)
    got = received(tg)
    assert states["in_flight"] == 0 and states["unknown"] == 0, states
    assert max(got.values()) == 1 and states["delivered"] == len(got), (states, len(got))
    assert 0 < states["delivered"] < RECIPIENTS and states["pending"] == RECIPIENTS - len(got)
    assert "Traceback" not in output(log), output(log)
    return states


async def test_run_stopped_mid_broadcast_hands_back_and_the_next_run_sends_the_rest(
    tg: FakeTelegramServer, tmp_path: Path
) -> None:
    config_file = await prepare(tmp_path, tg, confirm=True)
    log = tmp_path / "bot.log"
    first = await start(config_file, log, "run")
    try:
        await until(lambda: len(telegram_sends(tg, TEXT)) >= RECIPIENTS // 3, 20, "a third sent")
        await stop(first, log)
        assert_stopped_cleanly(tmp_path, tg, log)

        second = await start(config_file, log, "run")
        await until(lambda: deliveries(db_path(tmp_path))["delivered"] == RECIPIENTS, 30, "all")
        await stop(second, log)
    finally:
        for process in (first, locals().get("second")):
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()
    assert received(tg) == {chat: 1 for chat in range(USER_BASE + 1, USER_BASE + RECIPIENTS + 1)}
    assert "marked" not in output(log)  # nothing was left in flight to be marked unknown


async def test_the_broadcast_command_stopped_half_way_says_what_is_left(
    tg: FakeTelegramServer, tmp_path: Path
) -> None:
    config_file = await prepare(tmp_path, tg, confirm=False)
    message = tmp_path / "news.txt"
    message.write_text(TEXT, encoding="utf-8")
    log = tmp_path / "broadcast.log"
    process = await start(config_file, log, "broadcast", "--message-file", str(message), "--yes")
    try:
        await until(lambda: len(telegram_sends(tg, TEXT)) >= RECIPIENTS // 3, 20, "a third sent")
        await stop(process, log)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    states = assert_stopped_cleanly(tmp_path, tg, log)
    assert f"Stopped. {states['pending']} recipients wait" in output(log)
    assert query(db_path(tmp_path), "SELECT status FROM broadcasts") == [("sending",)]
