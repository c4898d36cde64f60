"""The process killed (SIGKILL) half-way through a broadcast to 2,000 recipients, restarted.

`petition-bot run` runs as a real process against the local fake Bot API server, on a
database holding 2,000 opted-in Telegram signers and a confirmed broadcast. Half-way
through, the process is killed without warning; a new one resumes. Every recipient gets
the broadcast at most once, the rest get it after the restart, and only the few sends that
were in flight at the kill (marked unknown, never resent) may be missing.
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
    organizer_messages,
    query,
    telegram_sends,
    until,
)

from storage import SqliteStore
from tests.fakes.telegram_api import FakeTelegramServer

RECIPIENTS = 2000
RATE = 200  # messages per second, from the config file
USER_BASE = 7_000_000  # signer i has Telegram user id USER_BASE + i
TEXT = "Crash-proof news: the rally moves to the state house"
CLAIM_WINDOW = RATE // 4  # the worker claims a quarter second of sends at a time
UNKNOWN_LIMIT = 2 * CLAIM_WINDOW  # some slack over one claim in flight


async def prepare(tmp_path: Path, tg: FakeTelegramServer) -> tuple[Path, int]:
    """2,000 signers and a confirmed broadcast from the organizer's Telegram chat."""
    path = db_path(tmp_path)
    store = await SqliteStore.open(path)  # creates and migrates the database
    try:
        insert_signers(path, range(USER_BASE + 1, USER_BASE + RECIPIENTS + 1))
        now = datetime.now(UTC)
        origin = ("telegram", str(ORGANIZER_ID))
        draft = await store.create_broadcast(None, TEXT, f"telegram:{ORGANIZER_ID}", origin, now)
        broadcast = await store.confirm_broadcast(draft.id, [], now)
        assert broadcast is not None and broadcast.total == RECIPIENTS
    finally:
        await store.close()
    config_file = tmp_path / "config.toml"
    config_file.write_text(tomli_w.dumps(broadcast_config(tmp_path, tg, rates={"telegram": RATE})))
    return config_file, broadcast.id


async def start_bot(config_file: Path, log: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bots.cli", "run", "--config", str(config_file),
            cwd=config_file.parent, env=env, stdout=out, stderr=out,
        )  # fmt: skip


def status(path: Path, broadcast_id: int) -> str:
    return query(path, "SELECT status FROM broadcasts WHERE id = ?", broadcast_id)[0][0]


@pytest.mark.timeout(40)
async def test_a_broadcast_killed_half_way_resumes_and_nobody_gets_it_twice(
    tg: FakeTelegramServer, tmp_path: Path
) -> None:
    config_file, broadcast_id = await prepare(tmp_path, tg)
    path, log = db_path(tmp_path), tmp_path / "bot.log"
    processes: list[asyncio.subprocess.Process] = []
    try:
        processes.append(first := await start_bot(config_file, log))
        await until(lambda: tg.calls("getUpdates"), 15, "the first bot polls")
        began = asyncio.get_running_loop().time()
        try:
            await until(lambda: len(telegram_sends(tg, TEXT)) >= RECIPIENTS // 2, 15, "half sent")
        except AssertionError:
            sent = len(telegram_sends(tg, TEXT))
            elapsed = asyncio.get_running_loop().time() - began
            raise AssertionError(
                f"only {sent} of {RECIPIENTS} sent in {elapsed:.1f}s ({sent / elapsed:.1f}/s): "
                f"the configured rate of {RATE}/s is not applied"
            ) from None
        first.kill()  # SIGKILL: no shutdown, no last write
        assert await asyncio.wait_for(first.wait(), 10) == -signal.SIGKILL
        sent_before_kill = len(telegram_sends(tg, TEXT))
        assert sent_before_kill < RECIPIENTS
        assert status(path, broadcast_id) == "sending"

        processes.append(second := await start_bot(config_file, log))
        await until(lambda: status(path, broadcast_id) == "done", 25, "broadcast done")
        summary = await tg.wait_for_message(
            ORGANIZER_ID, lambda m: m.plain.startswith(f"✅ Broadcast #{broadcast_id}"), 5
        )
        await asyncio.sleep(1.5)  # a second summary would come at the reporter's next turn
        second.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(second.wait(), 15) in (0, 130), log.read_text()
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()

    recipients = range(USER_BASE + 1, USER_BASE + RECIPIENTS + 1)
    received = Counter({chat: 0 for chat in recipients})
    received.update(m.chat_id for chat in recipients for m in tg.messages(chat) if TEXT in m.plain)
    states = dict(query(path, "SELECT address, status FROM deliveries"))
    by_state = Counter(states.values())
    twice = [chat for chat, n in received.items() if n > 1]
    assert twice == [], f"{len(twice)} recipients got the broadcast more than once"
    unknown = {int(a) for a, s in states.items() if s == "unknown"}
    not_once = [chat for chat, n in received.items() if n != 1 and chat not in unknown]
    assert not_once == [], f"{len(not_once)} recipients with a known outcome did not get it once"
    assert len(unknown) <= UNKNOWN_LIMIT, by_state
    assert by_state["delivered"] + len(unknown) == RECIPIENTS, by_state
    assert sum(received.values()) > sent_before_kill  # the rest went out after the restart
    assert len(organizer_messages(tg, broadcast_id)["done"]) == 1
    output = log.read_text()
    assert "Traceback" not in output and " ERROR " not in output, output
    if unknown:  # the restarted bot says what it will never resend
        assert f"marked {len(unknown)} in-flight deliveries unknown" in output
    assert f"Delivered: {by_state['delivered']:,} of {RECIPIENTS:,}" in summary.plain
    assert f"Unknown (interrupted mid-send, not resent): {len(unknown):,}" in summary.plain
