"""Issue 5 end to end: broadcasts through the real adapters on one shared SQLite database.

No ``__init__.py`` here, the same layout as ``tests/discord`` (which must not be a package
named ``discord``): pytest puts this folder on ``sys.path``, so the test modules import
their helpers as the top-level module ``e2e_helpers``; every module name here is unique.

- Telegram: the real python-telegram-bot Application (`create_application` + `running`)
  against the local fake Bot API server; its own broadcast service, started in
  ``post_init``, delivers the Telegram recipients and reports progress to the organizer.
- Discord: the real bot under SimCord, built with ``deliver_broadcasts=False`` (a service
  that polls forever would never let SimCord settle) on a store the test opens on the same
  database file; the tests drive its real `DiscordSender` with a `DeliveryWorker`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from e2e_helpers import BOT_USERNAME, TOKEN, broadcast_config, db_path
from telegram.ext import Application

from bots.config import AppConfig, parse_config
from bots.discord_bot import DiscordPetitionBot, create_bot
from bots.runtime import build_runtime, open_runtime
from bots.telegram_bot import create_application, running
from storage import SqliteStore
from tests.fakes.telegram_api import FakeTelegramServer


@pytest.fixture(autouse=True)
def token_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer(token=TOKEN, username=BOT_USERNAME) as server:
        yield server


@pytest.fixture
def config(tmp_path: Path, tg: FakeTelegramServer) -> AppConfig:
    """Telegram and Discord on one database file; default broadcast rates."""
    return parse_config(broadcast_config(tmp_path, tg, discord=True))


@pytest_asyncio.fixture
async def shared_store(tmp_path: Path, config: AppConfig) -> AsyncIterator[SqliteStore]:
    """The Discord bot's store: opened (and the database migrated) before either bot starts."""
    store = await SqliteStore.open(db_path(tmp_path))
    yield store
    await store.close()


@pytest.fixture
def simcord_bot(config: AppConfig, shared_store: SqliteStore) -> DiscordPetitionBot:
    """The bot SimCord's ``simcord_env`` fixture starts; broadcast delivery left to the test."""
    return create_bot(build_runtime(config, shared_store), deliver_broadcasts=False)


@pytest_asyncio.fixture
async def telegram_app(config: AppConfig, shared_store: SqliteStore) -> AsyncIterator[Application]:
    """The Telegram bot, polling the fake server, its store on the same database file."""
    runtime = await open_runtime(config)
    try:
        application = create_application(runtime)
        async with running(application, poll_timeout=1):
            yield application
    finally:
        await runtime.close()
