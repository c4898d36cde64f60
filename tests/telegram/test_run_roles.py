"""One role per process on a shared PostgreSQL database: `petition-bot run --only telegram`
answers people and leaves broadcasts alone; `run --only dispatcher` delivers them, woken by
a confirmation in another process (LISTEN/NOTIFY), not by its poll."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import PostgresStore
from tests.fakes.telegram_api import FakeTelegramServer
from tests.postgres.test_postgres_store import _until_listening
from tests.postgres_database import empty_tables

from .conftest import ORGANIZER_ID, TOKEN, Person, config_data
from .test_run import _toml, _until

pytestmark = [pytest.mark.timeout(60)]


async def test_a_chat_process_and_a_dispatcher_process_share_one_database(
    tg: FakeTelegramServer, tmp_path: Path, postgres_url: str
) -> None:
    await empty_tables(postgres_url)
    data = config_data(tmp_path, tg.base_url)
    data["storage"] = {"url": postgres_url}
    # Only LISTEN/NOTIFY can wake the dispatcher in time: its poll is an hour away.
    data["broadcasts"] = {**data.get("broadcasts", {}), "poll_interval_seconds": 3600}
    config_file = tmp_path / "config.toml"
    config_file.write_text(_toml(data))
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
    logs = {role: tmp_path / f"{role}.log" for role in ("telegram", "dispatcher")}
    processes = []
    for role, log in logs.items():
        with log.open("wb") as out:
            processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bots.cli",
                    "run",
                    "--only",
                    role,
                    "--config",
                    str(config_file),
                    cwd=tmp_path,
                    env=env,
                    stdout=out,
                    stderr=out,
                )
            )
    try:
        alice = Person(tg, 1001, "Alice")
        await _until(lambda: tg.calls("getUpdates"))  # the chat process is polling
        thanks = await alice.sign(name="Zelda Quux", email="zelda@example.org")
        assert "Thank you, Zelda!" in thanks.plain
        await _until_listening(postgres_url)  # the dispatcher is up and waiting
        store = await PostgresStore.open(postgres_url)
        try:
            now = datetime.now(UTC)
            origin = ("telegram", str(ORGANIZER_ID))
            draft = await store.create_broadcast(None, "News!", "telegram:5002", origin, now)
            await store.confirm_broadcast(draft.id, [], now)  # as if confirmed in a third
        finally:
            await store.close()
        await _until(lambda: any("News!" in m.plain for m in tg.messages(alice.chat_id)))
        await asyncio.sleep(0.5)  # a second copy would come from the other process now
        assert sum("News!" in m.plain for m in tg.messages(alice.chat_id)) == 1
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)
        codes = [await asyncio.wait_for(process.wait(), 15) for process in processes]
    assert all(code in (0, 130) for code in codes), [log.read_text() for log in logs.values()]
    assert "Telegram bot @petition_test_bot ready" in logs["telegram"].read_text()


def test_run_only_names_every_platform_and_the_dispatcher() -> None:
    from bots.platforms import DISPATCHER, ROLES, available_platforms

    assert (*(p.name.lower() for p in available_platforms()), DISPATCHER) == ROLES
