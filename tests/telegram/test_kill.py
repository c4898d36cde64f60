"""SIGKILL `petition-bot run` at random moments of many signings: nothing a person sent is lost.

The local Bot API server keeps every update until a later getUpdates offset confirms it, as
Telegram does; the bot is killed (SIGKILL: no clean-up at all) and started again, over and
over, while 20 people sign at once. Every message must get its answer (after the restart,
if the kill came first), and every signing must end with exactly one signature.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegramServer, SentMessage

from .conftest import TOKEN, Person, config_data
from .test_run import _toml

pytestmark = [pytest.mark.timeout(300)]

PEOPLE = 24
KILLS = 12
ARRIVALS = 12.0  # seconds over which people start signing
THINK = 1.0  # at most this long between an answer and the next message
STEP_TIMEOUT = 60.0  # a step may span a kill and a restart on a busy machine


class Bot:
    """`petition-bot run` as a child process, killed and restarted at will."""

    def __init__(self, config_file: Path, workdir: Path) -> None:
        self._args = [sys.executable, "-m", "bots.cli", "run", "--config", str(config_file)]
        self._workdir = workdir
        self._env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
        self._log = (workdir / "bot.log").open("ab")
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        self.starts += 1
        self.process = await asyncio.create_subprocess_exec(
            *self._args, cwd=self._workdir, env=self._env, stdout=self._log, stderr=self._log
        )

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(self.process.wait(), 30)
        self._log.close()
        return code


def _has(text: str, button: str | None = None):
    def matches(message: SentMessage) -> bool:
        return text in message.plain and (
            button is None or any(label.startswith(button) for label, _ in message.buttons)
        )

    return matches


async def _sign(
    tg: FakeTelegramServer, person: Person, stats: dict[str, int], rng: random.Random
) -> None:
    """The whole signing, each step waiting for its own answer (repeats are skipped), with
    people arriving over a few seconds and pausing between steps as people do."""
    await asyncio.sleep(rng.uniform(0, ARRIVALS))

    async def answer(check) -> SentMessage:
        found = await tg.wait_for_message(person.chat_id, check, timeout=STEP_TIMEOUT)
        await asyncio.sleep(rng.uniform(0, THINK))
        return found

    async def press(message: SentMessage, label: str) -> None:
        data = next(d for text, d in message.buttons if text.startswith(label) and d)
        tg.press_button(person.user, message, data)

    tg.send_text(person.user, "/sign")
    confirm = await answer(_has("You are about to sign", "Yes, I want to sign"))
    await press(confirm, "Yes, I want to sign")
    await answer(_has("full name"))
    tg.send_text(person.user, f"Person Number{person.id}")
    await answer(_has("email address"))
    tg.send_text(person.user, f"person{person.id}@example.org")
    await answer(_has("ZIP code"))
    tg.send_text(person.user, "12345")
    consent = await answer(_has("updates about this campaign", "Yes, keep me posted"))
    await press(consent, "Yes, keep me posted")
    summary = await answer(_has("Please check your signature", "✅ Sign"))
    await press(summary, "✅ Sign")
    await answer(_has("Thank you, Person!"))
    stats["signed"] += 1


async def _kill_now_and_then(
    tg: FakeTelegramServer, bot: Bot, done: asyncio.Event, rng: random.Random
) -> int:
    """Kill the bot at a random moment once it serves (it polls), restart it, again."""
    kills = 0
    while kills < KILLS and not done.is_set():
        polls = len(tg.calls("getUpdates"))
        await tg.wait_until(lambda: len(tg.calls("getUpdates")) > polls, timeout=60)  # noqa: B023 - polls is read at once, within this iteration
        await asyncio.sleep(rng.uniform(0.0, 0.8))
        if done.is_set():
            break
        await bot.kill()
        kills += 1
        await bot.start()
    return kills


async def test_sigkill_at_random_moments_loses_no_message_and_no_signature(
    tg: FakeTelegramServer, tmp_path: Path
) -> None:
    seed = int(os.environ.get("KILL_TEST_SEED", random.randrange(10**6)))
    rng = random.Random(seed)
    config_file = tmp_path / "config.toml"
    config_file.write_text(_toml(config_data(tmp_path, tg.base_url)))
    bot = Bot(config_file, tmp_path)
    await bot.start()
    people = [Person(tg, 3000 + n, f"Person{n}") for n in range(PEOPLE)]
    stats = {"signed": 0}
    done = asyncio.Event()

    async def everyone() -> None:
        try:
            await asyncio.gather(*(_sign(tg, person, stats, rng) for person in people))
        finally:
            done.set()

    try:
        kills, _ = await asyncio.gather(_kill_now_and_then(tg, bot, done, rng), everyone())
        polls = len(tg.calls("getUpdates"))
        await tg.wait_until(lambda: len(tg.calls("getUpdates")) > polls, timeout=60)
    finally:
        code = await bot.stop()  # a clean stop, once it serves
    log = (tmp_path / "bot.log").read_text(errors="replace")

    assert stats["signed"] == PEOPLE, f"seed {seed}"
    assert kills >= 4, f"only {kills} kills during the signings: the test proved little"
    with closing(sqlite3.connect(tmp_path / "petition.db")) as db:
        rows = db.execute(
            "SELECT user_id, count(*) FROM signatures WHERE withdrawn_at IS NULL GROUP BY user_id"
        ).fetchall()
        open_inbox = db.execute("SELECT count(*) FROM inbox WHERE settled_at IS NULL").fetchone()
    assert sorted(rows) == sorted((str(p.id), 1) for p in people), f"seed {seed}"
    assert open_inbox == (0,), f"seed {seed}"  # every update handled and answered
    assert code in (0, 130), f"exit code {code}: {log[-2000:]}"
    repeats = sum(len(tg.messages(p.chat_id)) for p in people) - 7 * PEOPLE
    print(f"seed {seed}: {kills} kills, {bot.starts} starts, {repeats} repeated replies")
