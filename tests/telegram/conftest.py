"""The real Telegram adapter on python-telegram-bot, against the local fake Bot API server."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from telegram.ext import Application

from bots.config import AppConfig, parse_config
from bots.runtime import open_runtime
from bots.telegram_bot import adapter_of, create_application, running
from core.bot import PetitionBot
from tests.fakes.telegram_api import FakeTelegramServer, SentMessage

# Shaped like a real token, so the redaction that looks for token shapes is tested too.
TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw4"
BOT_USERNAME = "petition_test_bot"
MODERATOR_ID = 5001
ORGANIZER_ID = 5002
GROUP = {"id": -100200300, "type": "supergroup", "title": "Campaigners"}
EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def config_data(tmp_path: Path, base_url: str, **telegram: Any) -> dict[str, Any]:
    """The example campaign on a fresh database, Telegram enabled on ``base_url``."""
    with EXAMPLE.open("rb") as handle:
        data = tomllib.load(handle)
    data["storage"] = {"url": f"sqlite:///{tmp_path / 'petition.db'}"}
    data["roles"] = {
        "moderators": [f"telegram:{MODERATOR_ID}", "console:moderator"],
        "organizers": [f"telegram:{ORGANIZER_ID}"],
    }
    data["telegram"] = {
        "enabled": True,
        "base_url": base_url,
        "base_file_url": base_url.removesuffix("/bot") + "/file/bot",
        **telegram,
    }
    return data


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer(token=TOKEN, username=BOT_USERNAME) as server:
        yield server


@pytest.fixture
def config(tmp_path: Path, tg: FakeTelegramServer) -> AppConfig:
    return parse_config(config_data(tmp_path, tg.base_url))


@pytest.fixture(autouse=True)
def token_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)


@asynccontextmanager
async def serving(config: AppConfig, poll_timeout: float = 1) -> AsyncIterator[Application]:
    """The Telegram bot on a runtime of its own, receiving updates: what `run` does."""
    runtime = await open_runtime(config)
    try:
        application = create_application(runtime)
        async with running(application, poll_timeout=poll_timeout):
            yield application
    finally:
        await runtime.close()


@pytest_asyncio.fixture
async def app(config: AppConfig) -> AsyncIterator[Application]:
    async with serving(config) as application:
        yield application


@pytest.fixture
def core(app: Application) -> PetitionBot:
    return adapter_of(app).bot


class Person:
    """Someone chatting with the bot through the fake server, one message at a time."""

    def __init__(
        self, tg: FakeTelegramServer, user_id: int, first_name: str, chat: dict | None = None
    ) -> None:
        self.tg = tg
        self.id = user_id
        self.user = tg.user(user_id, first_name)
        self.chat = chat
        self.chat_id = chat["id"] if chat else user_id
        self.presses = 0

    async def say(self, text: str, replies: int = 1) -> list[SentMessage]:
        """Send ``text``; return the next ``replies`` bot messages in this chat."""
        self.last_update = self.tg.send_text(self.user, text, chat=self.chat)
        return [await self.tg.wait_for_message(self.chat_id) for _ in range(replies)]

    async def ask(self, text: str) -> SentMessage:
        return (await self.say(text))[-1]

    async def press(self, message: SentMessage, label: str, replies: int = 1) -> SentMessage:
        """Press the button whose label starts with ``label``; return the last reply."""
        data = next(d for text, d in message.buttons if text.startswith(label) and d)
        return await self.press_data(message, data, replies=replies)

    async def press_data(
        self, message: SentMessage, data: str, replies: int = 1, check: bool = True
    ) -> SentMessage:
        self.presses += 1
        self.tg.press_button(self.user, message, data, check=check)
        sent = [await self.tg.wait_for_message(self.chat_id) for _ in range(replies)]
        return sent[-1]

    async def sign(
        self,
        name: str = "Alice Example",
        email: str = "alice@example.org",
        zip_code: str = "12345",
        start: str = "/sign",
    ) -> SentMessage:
        """The whole conversation, buttons and typing; returns the thank-you message."""
        confirm = await self.ask(start)
        await self.press(confirm, "Yes, I want to sign")
        await self.ask(name)
        await self.ask(email)
        consent = await self.ask(zip_code)
        summary = await self.press(consent, "Yes, keep me posted")
        return await self.press(summary, "✅ Sign")


@pytest.fixture
def alice(tg: FakeTelegramServer) -> Person:
    return Person(tg, 1001, "Alice")


@pytest.fixture
def bob(tg: FakeTelegramServer) -> Person:
    return Person(tg, 1002, "Bob")
