"""Running the Telegram bot: long polling by default, or a webhook behind a secret.

`running` is the one start/stop sequence, used by `petition-bot run`, the tests and the
benchmark alike. It never drops pending updates: queued updates are people signing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from telegram.error import InvalidToken
from telegram.ext import Application

from bots.config import AppConfig, TelegramSettings
from bots.runtime import Runtime
from bots.telegram.application import ALLOWED_UPDATES, TOKEN_ENV, adapter_of, create_application
from core.errors import MissingToken, StartupError

log = logging.getLogger(__name__)
# The name `run` knows this platform by (bots/platforms.py), as `/readyz` reports it.
PLATFORM_NAME = "Telegram"

_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as a secret_token


class TokenRejected(StartupError):
    """Telegram refused the bot token (python-telegram-bot's own message quotes the token)."""


def webhook_secret(settings: TelegramSettings) -> str:
    """The webhook's secret from the environment; webhook mode refuses to start without it."""
    name = settings.secret_token_env
    secret = os.environ.get(name, "").strip()
    if not _SECRET.match(secret):
        problem = "is not set" if not secret else "must be 1-256 of A-Z a-z 0-9 _ -"
        raise MissingToken(
            f"Telegram webhook mode needs a secret token: the environment variable {name} "
            f"{problem}. Telegram sends it with every update, and requests without it are "
            f"refused. For example: export {name}=$(openssl rand -hex 32)"
        )
    return secret


def telegram_enabled(config: AppConfig) -> bool:
    """Whether `run` starts Telegram; webhook mode without its secret stops `run` right here."""
    if config.telegram.enabled and config.telegram.mode == "webhook":
        webhook_secret(config.telegram)
    return config.telegram.enabled


@asynccontextmanager
async def running(application: Application, poll_timeout: float = 10.0) -> AsyncIterator[None]:
    """Connect, receive updates (polling or webhook); undo it all on exit (the runtime, and
    with it the store, stays open: its owner closes it)."""
    settings = adapter_of(application).config.telegram
    secret = webhook_secret(settings) if settings.mode == "webhook" else None
    try:
        await application.initialize()
    except Exception as exc:
        await application.bot.request.shutdown()  # getMe's connection; nothing else is open
        if isinstance(exc, InvalidToken):
            raise TokenRejected(f"Telegram rejected the bot token in {TOKEN_ENV}") from None
        raise
    adapter = adapter_of(application)
    updater = application.updater
    assert updater is not None, "ApplicationBuilder always builds an updater"
    try:
        await adapter.post_init(application)
        try:
            if secret is not None:
                await updater.start_webhook(
                    listen=settings.listen,
                    port=settings.port,
                    url_path=settings.url_path,
                    webhook_url=settings.webhook_url,
                    secret_token=secret,  # requests without the header get 403 from the library
                    allowed_updates=ALLOWED_UPDATES,
                    drop_pending_updates=False,
                )
            else:
                await updater.start_polling(
                    timeout=timedelta(seconds=poll_timeout),
                    allowed_updates=ALLOWED_UPDATES,
                    drop_pending_updates=False,
                )
            await application.start()
            yield
        finally:
            if updater.running:
                await updater.stop()
            if application.running:
                await application.stop()  # waits for the updates in flight
            await adapter.post_stop(application)  # stops broadcasting, if it started
    finally:
        await application.shutdown()


async def run_telegram(runtime: Runtime, deliver_broadcasts: bool = True) -> None:
    """`petition-bot run`'s Telegram platform: serve until cancelled (Ctrl-C, SIGTERM);
    broadcasts are left to a dispatcher process when ``deliver_broadcasts`` is false."""
    application = create_application(runtime, deliver_broadcasts=deliver_broadcasts)
    async with running(application):
        log.info("Telegram: receiving updates by %s", runtime.config.telegram.mode)
        runtime.connections.connected(PLATFORM_NAME)
        try:
            await asyncio.Event().wait()
        finally:
            runtime.connections.disconnected(PLATFORM_NAME)
