"""`petition-bot broadcast` as an operator runs it, delivering through the local Bot API server."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from pathlib import Path

import pytest
import tomli_w

from bots.config import parse_config
from core.bot import PetitionBot
from storage import SqliteStore
from tests.fakes.telegram_api import FakeTelegramServer
from tests.unit.chat import Chat

from .conftest import TOKEN, config_data

COMMAND = str(Path(sys.executable).parent / "petition-bot")
pytestmark = [pytest.mark.timeout(60)]


async def test_the_command_line_broadcast_reaches_opted_in_signers_once(
    tmp_path: Path, tg: FakeTelegramServer
) -> None:
    data = config_data(tmp_path, tg.base_url)
    config_file = tmp_path / "config.toml"
    config_file.write_text(tomli_w.dumps(data), encoding="utf-8")
    config = parse_config(data)
    store = await SqliteStore.open(tmp_path / "petition.db")
    bot = PetitionBot(config.campaign, store)
    for user in (101, 102, 103):
        await Chat(bot, str(user)).sign(
            f"Signer Number{user}", f"s{user}@example.org", updates=user != 103
        )
    await store.close()
    message = tmp_path / "news.txt"
    message.write_text("Rally on **Saturday** at noon!", encoding="utf-8")

    process = await asyncio.create_subprocess_exec(
        COMMAND,
        "broadcast",
        "--config",
        str(config_file),
        "--message-file",
        str(message),
        "--yes",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN},
    )
    out, err = await asyncio.wait_for(process.communicate(), 45)
    assert process.returncode == 0, err.decode()
    assert "telegram: 2 people" in out.decode()
    assert "Delivered: 2 of 2" in out.decode()
    for user in (101, 102):
        [news] = [m for m in tg.messages(user) if "Rally" in m.plain]
        assert news.plain.startswith("Rally on Saturday at noon!") and "/stop" in news.plain
    assert not [m for m in tg.messages(103) if "Rally" in m.plain]
    assert TOKEN not in out.decode() + err.decode()
    with sqlite3.connect(tmp_path / "petition.db") as db:
        # The same use case, and so the same audit action, as a broadcast confirmed in chat.
        [(action, actor)] = db.execute("SELECT action, actor FROM audit_log").fetchall()
        assert action == "broadcast_confirmed" and actor.startswith("cli:")
        assert db.execute("SELECT status FROM broadcasts").fetchall() == [("done",)]


async def test_the_command_line_broadcast_carries_a_text_per_language(
    tmp_path: Path, tg: FakeTelegramServer
) -> None:
    data = config_data(tmp_path, tg.base_url)
    config_file = tmp_path / "config.toml"
    config_file.write_text(tomli_w.dumps(data), encoding="utf-8")
    store = await SqliteStore.open(tmp_path / "petition.db")
    bot = PetitionBot(parse_config(data).campaign, store)
    await Chat(bot, "101").sign("Bob Roe", "bob@example.org")
    ana = Chat(bot, "102")
    await ana.sign("Ana García", "ana@example.org")
    await ana.send("/language es")
    await store.close()
    (tmp_path / "news.txt").write_text("Rally on Saturday!", encoding="utf-8")
    (tmp_path / "noticias.txt").write_text("¡Concentración el sábado!", encoding="utf-8")

    process = await asyncio.create_subprocess_exec(
        COMMAND,
        "broadcast",
        "--config",
        str(config_file),
        "--message-file",
        str(tmp_path / "news.txt"),
        "--message-file-es",
        str(tmp_path / "noticias.txt"),
        "--yes",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN},
    )
    out, err = await asyncio.wait_for(process.communicate(), 45)
    assert process.returncode == 0, err.decode()
    assert "For people who read Spanish:\n¡Concentración el sábado!" in out.decode()
    assert "Delivered: 2 of 2" in out.decode()
    [english] = [m.plain for m in tg.messages(101) if "Rally" in m.plain]
    [spanish] = [m.plain for m in tg.messages(102) if "Concentración" in m.plain]
    assert "Send /stop dont-run-joe" in english
    assert "Envía /stop dont-run-joe" in spanish and "Rally" not in spanish
