"""Scale-out end to end: two Telegram webhook workers behind one URL and one dispatcher, three
`petition-bot run` processes on one PostgreSQL database, as deploy/docker-compose.yml runs."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import pytest

from storage import PostgresStore
from tests.fakes.telegram_api import FakeTelegramServer
from tests.postgres_database import empty_tables

from .conftest import ORGANIZER_ID, TOKEN, Person, config_data
from .test_run import _toml

pytestmark = [pytest.mark.timeout(120)]
SECRET = "s3cret-token_1"
SLUG = "dont-run-joe"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_two_webhook_workers_and_a_dispatcher_sign_and_broadcast_exactly_once(
    tg: FakeTelegramServer, tmp_path: Path, postgres_url: str
) -> None:
    await empty_tables(postgres_url)
    ports = [free_port(), free_port()]
    roles = [("telegram-1", "telegram", ports[0]), ("telegram-2", "telegram", ports[1])]
    roles.append(("dispatcher", "dispatcher", ports[0]))  # the dispatcher listens to nothing
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "PYTHONUNBUFFERED": "1",
    }
    logs, processes = {}, []
    for name, role, port in roles:
        data = config_data(
            tmp_path,
            tg.base_url,
            mode="webhook",
            listen="127.0.0.1",
            port=port,
            webhook_url="https://bot.example/telegram",  # the balancer's public address
        )
        data["storage"] = {"url": postgres_url}
        config_file = tmp_path / f"{name}.toml"
        config_file.write_text(_toml(data))
        logs[name] = tmp_path / f"{name}.log"
        with logs[name].open("wb") as out:
            processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    *("-m", "bots.cli", "run", "--only", role, "--config", str(config_file)),
                    cwd=tmp_path,
                    env=env,
                    stdout=out,
                    stderr=out,
                )
            )
    workers = [f"http://127.0.0.1:{port}/telegram" for port in ports]
    tg.balance(workers, SECRET)  # every update to one worker in turn, whoever had the last
    try:
        await tg.wait_until(lambda: len(tg.calls("setWebhook")) == 2, timeout=60)
        people = [Person(tg, 2001 + i, f"Person{i}") for i in range(6)]
        thanks = await asyncio.gather(
            *(p.sign(name=f"Signer {i}", email=f"s{i}@example.org") for i, p in enumerate(people))
        )
        assert all("Thank you, Signer" in t.plain for t in thanks)
        # Each person's conversation went through both workers, turn by turn.
        assert {url for url, _ in tg.webhook_log} == set(workers)
        # A redelivered update reaching the other worker is not handled twice.
        before = len(tg.messages(people[0].chat_id))
        accepted = len(tg.webhook_log)
        tg.redeliver(people[0].last_update["update_id"])
        await tg.wait_until(lambda: len(tg.webhook_log) > accepted, timeout=30)
        first, again = [u for u, i in tg.webhook_log if i == people[0].last_update["update_id"]]
        assert first != again  # the other worker had it the second time

        organizer = Person(tg, ORGANIZER_ID, "Olga")
        preview = await organizer.ask("/broadcast all Big news")
        assert "Recipients: 6" in preview.plain
        await organizer.press(preview, "📣 Confirm and send")
        done = await tg.wait_for_message(ORGANIZER_ID, lambda m: "finished" in m.plain, timeout=60)
        assert "Delivered: 6 of 6" in done.plain
        store = await PostgresStore.open(postgres_url)
        try:
            assert await store.count(SLUG) == 6
        finally:
            await store.close()
        for person in people:
            news = [m for m in tg.messages(person.chat_id) if m.plain.startswith("Big news")]
            assert len(news) == 1, person.id  # nobody messaged twice
        chats = [int(c.params["chat_id"]) for c in tg.calls("sendMessage")]
        texts = [str(c.params.get("text")) for c in tg.calls("sendMessage")]
        assert sorted(
            chat
            for chat, text in zip(chats, texts, strict=True)
            if chat != ORGANIZER_ID and text.startswith("Big news")
        ) == [p.chat_id for p in people]  # one request each: nothing sent twice
        assert len(tg.messages(people[0].chat_id)) == before + 1  # only the broadcast since
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)
        codes = [await asyncio.wait_for(process.wait(), 20) for process in processes]
    assert all(code in (0, 130) for code in codes), [log.read_text() for log in logs.values()]
