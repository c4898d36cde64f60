"""`create_application`: the whole Telegram bot wired from the configuration, not connected.

Tests, tools and benchmarks drive the returned Application like `petition-bot run` does
(see `bots.telegram.runner.running`): the core and its store open in ``post_init``, after the
bot has learned its username (deep links need it); then what a crash interrupted is finished
(replies stored but not sent, updates recorded but not handled: core/inbox.py); broadcast
delivery runs from then until ``post_stop``, and the store closes in ``post_shutdown``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from bots.bootstrap import open_bot
from bots.broadcasting import Broadcasting
from bots.config import AppConfig, load_config
from bots.telegram.handlers import ConversationHandlers, log_error
from bots.telegram.logsafety import protect_logs
from bots.telegram.menu import register_menus
from bots.telegram.ordering import CONCURRENT_UPDATES, PerUserUpdateProcessor
from bots.telegram.sender import PLATFORM, TelegramSender
from bots.telegram.updates import DurableUpdateQueue, RawUpdates
from core.bot import PetitionBot
from core.errors import MissingToken
from core.messages import Capabilities

log = logging.getLogger(__name__)

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
ADAPTER_KEY = "petition_adapter"
# What the bot asks Telegram for; anything else (edits, channel posts) is never fetched.
ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY)

# Only new messages: an edited "/sign" must not run again (filters.UpdateType.MESSAGE).
_NEW = filters.UpdateType.MESSAGE
_COMMANDS = _NEW & filters.COMMAND
_TEXT = _NEW & filters.TEXT & ~filters.COMMAND
# A sticker or photo in a private chat still gets an answer ("please send your name as text").
_OTHER = _NEW & filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL


class TelegramAdapter:
    """What one Application needs besides python-telegram-bot: the core, its capabilities."""

    def __init__(
        self, config: AppConfig, application: Application, queue: DurableUpdateQueue
    ) -> None:
        self.config = config
        self.application = application
        self.queue = queue
        self.sender = TelegramSender(application.bot)
        self.handlers = ConversationHandlers(self.sender)
        self.broadcasting: Broadcasting | None = None

    def register(self) -> None:
        """Attach the handlers, one per kind of update."""
        app, on = self.application, self.handlers
        app.add_handler(MessageHandler(_COMMANDS, on.on_command))
        app.add_handler(MessageHandler(_TEXT | _OTHER, on.on_text))
        app.add_handler(CallbackQueryHandler(on.on_press))
        app.add_error_handler(log_error)

    async def post_init(self, application: Application) -> None:
        """Open the core and its store, declare the capabilities, set the command menus,
        and start delivering broadcasts (confirmed ones, and any a restart interrupted)."""
        username = application.bot.username
        self.handlers.bot_username = username
        self.handlers.caps = capabilities(username)
        self.handlers.bot = bot = await open_bot(self.config)
        self.queue.inbox = bot.inbox
        await register_menus(application.bot, bot, self.config.campaign.roles)
        await self.resume(bot)
        self.broadcasting = Broadcasting(bot, self.sender)
        self.broadcasting.start()
        log.info("Telegram bot @%s ready", username)

    async def resume(self, bot: PetitionBot) -> None:
        """Finish what a crash interrupted: send the replies that were stored but not sent,
        then queue the updates that were recorded but never handled (before any new one)."""
        unanswered = await bot.inbox.unanswered(PLATFORM)
        for message_id, inbound, replies in unanswered:
            await self.handlers.deliver(inbound, replies)
            await bot.inbox.settle(PLATFORM, message_id)
        unhandled = await bot.inbox.unhandled(PLATFORM)
        for payload in unhandled:
            self.queue.replay(payload, self.application.bot)
        if unanswered or unhandled:
            log.warning(
                "resumed after an interruption: %d replies sent, %d updates to handle",
                len(unanswered),
                len(unhandled),
            )

    async def settle(self, update: Update) -> None:
        """An update's handlers are done: its replies went out, or it needed none."""
        if self.bot is not None:
            await self.bot.inbox.settle(PLATFORM, str(update.update_id))

    async def post_stop(self, application: Application) -> None:
        """Stop broadcasting while the HTTP client is still open (shutdown closes it)."""
        broadcasting, self.broadcasting = self.broadcasting, None
        if broadcasting is not None:
            await broadcasting.stop()

    async def post_shutdown(self, application: Application) -> None:
        """Close the store once every update in flight is done (Application.stop waits)."""
        await self.post_stop(application)  # in case the application never started
        bot, self.handlers.bot = self.handlers.bot, None
        if bot is not None:
            await bot.store.close()

    @property
    def bot(self) -> PetitionBot | None:
        """The core bot, between ``post_init`` and ``post_shutdown``."""
        return self.handlers.bot


def capabilities(username: str) -> Capabilities:
    """What Telegram can do, for the core; private chats are reached by deep link."""
    return Capabilities(
        max_text_length=4096,
        max_choice_data_bytes=64,
        native_forms=False,
        private_replies_in_groups=False,
        deep_link_template=f"https://t.me/{username}?start={{payload}}",
    )


def create_application(
    config: AppConfig | str | Path,
    *,
    token: str | None = None,
    concurrent_updates: int = CONCURRENT_UPDATES,
) -> Application:
    """Build the bot from a config (or the path of its TOML file), fully wired, not connected.

    The token comes from ``$TELEGRAM_BOT_TOKEN`` (``token`` is that value when the caller
    already read it); never from the config file. ``concurrent_updates`` bounds how many
    people's updates are handled at once (one person's are always one at a time).
    """
    if not isinstance(config, AppConfig):
        config = load_config(config)
    token = (token or os.environ.get(TOKEN_ENV, "")).strip()
    if not token:
        raise MissingToken(
            f"the environment variable {TOKEN_ENV} is not set: export {TOKEN_ENV}=<bot token>"
        )
    protect_logs(token)
    settings = config.telegram
    raw = RawUpdates()
    queue = DurableUpdateQueue(raw)
    processor = PerUserUpdateProcessor(concurrent_updates)
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .get_updates_request(raw)
        .update_queue(queue)
        .concurrent_updates(processor)
        .build()
    )
    adapter = TelegramAdapter(config, application, queue)
    processor.settle = adapter.settle
    application.post_init = adapter.post_init
    application.post_stop = adapter.post_stop
    application.post_shutdown = adapter.post_shutdown
    adapter.register()
    application.bot_data[ADAPTER_KEY] = adapter
    return application


def adapter_of(application: Application) -> TelegramAdapter:
    """The adapter behind an Application made by `create_application` (its core, its sender)."""
    return application.bot_data[ADAPTER_KEY]
