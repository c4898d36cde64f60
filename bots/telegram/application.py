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

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from bots.logs import protect_logs
from bots.runtime import Runtime
from bots.telegram.handlers import ConversationHandlers, log_error
from bots.telegram.menu import register_menus
from bots.telegram.ordering import PerUserUpdateProcessor
from bots.telegram.render import MAX_CALLBACK_DATA, MAX_TEXT, TEXT_UNIT
from bots.telegram.sender import PLATFORM, TelegramSender
from bots.telegram.updates import DurableUpdateQueue, RawUpdates
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
# A file whose caption is a command (a sheet for /import): private chats only, where files
# with personal data belong; in a group it is nothing the bot reads.
_FILE_COMMANDS = (
    _NEW & filters.ChatType.PRIVATE & filters.Document.ALL & filters.CaptionRegex(r"^/")
)
# A sticker or photo in a private chat still gets an answer ("please send your name as text").
_OTHER = _NEW & filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL


class TelegramAdapter:
    """What one Application needs besides python-telegram-bot: the core, its capabilities."""

    def __init__(
        self,
        runtime: Runtime,
        application: Application,
        queue: DurableUpdateQueue,
        deliver_broadcasts: bool,
    ) -> None:
        self.config = runtime.config
        self.bot = runtime.core
        self.application = application
        self.queue = queue
        self.sender = TelegramSender(application.bot)
        self.handlers = ConversationHandlers(self.bot, self.sender)
        self._deliver_broadcasts = deliver_broadcasts

    def register(self) -> None:
        """Attach the handlers, one per kind of update."""
        app, on = self.application, self.handlers
        app.add_handler(MessageHandler(_COMMANDS, on.on_command))
        app.add_handler(MessageHandler(_FILE_COMMANDS, on.on_document))
        app.add_handler(MessageHandler(_TEXT | _OTHER, on.on_text))
        app.add_handler(CallbackQueryHandler(on.on_press))
        app.add_error_handler(log_error)

    async def post_init(self, application: Application) -> None:
        """Declare the capabilities (deep links need the username), set the command menus,
        finish what a crash interrupted, and start delivering broadcasts."""
        username = application.bot.username
        self.handlers.bot_username = username
        self.handlers.caps = capabilities(username)
        await register_menus(application.bot, self.bot, self.config.campaign.roles)
        await self.resume()
        if self._deliver_broadcasts:
            self.bot.deliveries.start(self.sender)  # resumes what a restart interrupted
        log.info("Telegram bot @%s ready", username)

    async def resume(self) -> None:
        """Finish what a crash interrupted: send the replies that were stored but not sent,
        then queue the updates that were recorded but never handled (before any new one)."""
        inbox = self.bot.inbox
        unanswered = await inbox.unanswered(PLATFORM)
        for message_id, inbound, replies in unanswered:
            await self.handlers.deliver(inbound, replies)
            await inbox.settle(PLATFORM, message_id)
        unhandled = await inbox.unhandled(PLATFORM)
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
        await self.bot.inbox.settle(PLATFORM, str(update.update_id))

    async def post_stop(self, application: Application) -> None:
        """Stop broadcasting while the HTTP client is still open (shutdown closes it)."""
        await self.bot.deliveries.stop(PLATFORM)


def capabilities(username: str) -> Capabilities:
    """What Telegram can do, for the core; private chats are reached by deep link."""
    return Capabilities(
        max_text_length=MAX_TEXT,
        text_length_unit=TEXT_UNIT,
        max_choice_data_bytes=MAX_CALLBACK_DATA,
        native_forms=False,
        private_replies_in_groups=False,
        deep_link_template=f"https://t.me/{username}?start={{payload}}",
        accepts_files=True,  # a document with a command as its caption (/import)
    )


def create_application(runtime: Runtime, *, deliver_broadcasts: bool = True) -> Application:
    """The Telegram bot on the runtime's core, fully wired, not connected.

    The token comes from ``$TELEGRAM_BOT_TOKEN``, never from the config file.
    ``deliver_broadcasts=False`` leaves broadcast delivery to another process (or a test).
    """
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise MissingToken(
            f"the environment variable {TOKEN_ENV} is not set: export {TOKEN_ENV}=<bot token>"
        )
    protect_logs(token)
    settings = runtime.config.telegram
    raw = RawUpdates()
    queue = DurableUpdateQueue(runtime.core.inbox, raw)
    processor = PerUserUpdateProcessor(settings.concurrent_updates)
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
    adapter = TelegramAdapter(runtime, application, queue, deliver_broadcasts)
    processor.settle = adapter.settle
    application.post_init = adapter.post_init
    application.post_stop = adapter.post_stop
    adapter.register()
    application.bot_data[ADAPTER_KEY] = adapter
    return application


def adapter_of(application: Application) -> TelegramAdapter:
    """The adapter behind an Application made by `create_application` (its core, its sender)."""
    adapter: TelegramAdapter = application.bot_data[ADAPTER_KEY]
    return adapter
