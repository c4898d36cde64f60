"""Telegram updates in, core replies out: a command, a typed message or a pressed button.

Translation only. The core decides what to answer and what is private; this module turns
an update into an `Inbound`, hands it to `PetitionBot.handle` and delivers each `Outbound`
through the `Sender`, private ones only ever into the person's private chat.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Chat, Document, Message, MessageEntity, Update, User
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bots.telegram.sender import PLATFORM, TelegramSender
from core.bot import PetitionBot
from core.delivery import DeliveryResult, DeliveryStatus
from core.messages import (
    MAX_INBOUND_FILE_BYTES,
    Capabilities,
    Identity,
    Inbound,
    InboundFile,
    InboundKind,
    Outbound,
)

log = logging.getLogger(__name__)

MAX_RETRY_WAIT = 30.0  # seconds; a longer rate-limit pause is not worth holding a reply for
SEND_ATTEMPTS = 3


def identity(user: User, chat: Chat | None) -> Identity:
    """Who and where. Without a chat (an old button), the private chat is the user's id."""
    return Identity(
        platform=PLATFORM,
        user_id=str(user.id),
        chat_id=str(chat.id if chat else user.id),
        display_name=user.first_name,
        language=user.language_code,
        private=chat is None or chat.type == ChatType.PRIVATE,
    )


def update_id(update: Update) -> str:
    """The update's id: it is in the inbox (core/inbox.py), where handling it is marked."""
    return str(update.update_id)


def command_inbound(
    update: Update, message: Message, user: User, bot_username: str
) -> Inbound | None:
    """``/name@bot arg arg``; None when the command is addressed to another bot."""
    entity = message.entities[0]  # filters.COMMAND: a bot_command entity at offset 0
    if entity.type != MessageEntity.BOT_COMMAND or entity.offset != 0:
        return None
    head = message.parse_entity(entity)
    name, _, addressee = head[1:].partition("@")
    if addressee and addressee.lower() != bot_username.lower():
        return None
    args = (message.text or "")[len(head) :].split()
    return Inbound(
        kind=InboundKind.COMMAND,
        command=name.lower(),
        args=tuple(args),
        who=identity(user, message.chat),
        message_id=update_id(update),
    )


def caption_command(update: Update, message: Message, user: User, file: InboundFile) -> Inbound:
    """A file whose caption is ``/command args``: the command, with the file attached."""
    name, *args = (message.caption or "/").removeprefix("/").split() or [""]
    return Inbound(
        kind=InboundKind.COMMAND,
        command=name.partition("@")[0].lower(),
        args=tuple(args),
        who=identity(user, message.chat),
        message_id=update_id(update),
        attachment=file,
    )


async def downloaded(document: Document) -> InboundFile:
    """A document through the Bot API (getFile, then the file's URL), unless it is larger
    than the core takes (then only its name and size)."""
    size = document.file_size or 0
    content = None
    if size <= MAX_INBOUND_FILE_BYTES:
        content = bytes(await (await document.get_file()).download_as_bytearray())
        size = len(content)
    name = (document.file_name or "sheet.csv")[:255]
    return InboundFile(filename=name, size=size, content=content)


def text_inbound(update: Update, message: Message, user: User) -> Inbound:
    """Typed text; a sticker or photo is empty text, so the core can ask for words."""
    return Inbound(
        who=identity(user, message.chat),
        kind=InboundKind.TEXT,
        text=message.text or "",
        message_id=update_id(update),
    )


class ConversationHandlers:
    """The callbacks registered on the Application; ``caps`` are set at start-up (deep links
    need the bot's username, which Telegram tells only then)."""

    def __init__(self, bot: PetitionBot, sender: TelegramSender) -> None:
        self.bot = bot
        self.sender = sender
        self.caps = Capabilities()
        self.bot_username = ""

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Any ``/command``; unknown ones are answered by the core."""
        message, user = update.message, update.effective_user
        if message is None or user is None:
            return
        inbound = command_inbound(update, message, user, self.bot_username)
        if inbound is not None:
            await self.deliver(inbound, await self.bot.handle(inbound, self.caps))

    async def on_document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A file sent in a private chat with a command as its caption (``/import``)."""
        message, user = update.message, update.effective_user
        if message is None or user is None or message.document is None:
            return
        file = await downloaded(message.document)
        inbound = caption_command(update, message, user, file)
        await self.deliver(inbound, await self.bot.handle(inbound, self.caps))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything else sent as a message (in groups the core answers nothing)."""
        message, user = update.message, update.effective_user
        if message is None or user is None:
            return
        inbound = text_inbound(update, message, user)
        await self.deliver(inbound, await self.bot.handle(inbound, self.caps))

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A pressed button: the core re-checks its data; the spinner is answered exactly once."""
        query = update.callback_query
        if query is None:
            return
        try:
            pressed = await self._press(update, query)
        finally:  # even when the core or the store failed
            await _stop_spinner(query.answer)
        if pressed is not None:
            await self.deliver(*pressed)

    async def _press(
        self, update: Update, query: CallbackQuery
    ) -> tuple[Inbound, list[Outbound]] | None:
        if not query.data:  # games and inline buttons of other bots carry no data
            return None
        chat = query.message.chat if query.message else None
        inbound = Inbound(
            who=identity(query.from_user, chat),
            kind=InboundKind.CHOICE,
            text=query.data,
            message_id=update_id(update),
        )
        return inbound, await self.bot.handle(inbound, self.caps)

    async def deliver(self, inbound: Inbound, replies: list[Outbound]) -> None:
        """Deliver in order; private replies to a group message go to the private chat."""
        for reply in replies:
            if reply.private and not inbound.private:
                # The core keeps personal data out of groups; this keeps it true regardless.
                result = await _with_retries(self.sender.send_to_user, inbound.user_id, reply)
                where = "private chat"
            else:
                result = await _with_retries(self.sender.send_to_chat, inbound.chat_id, reply)
                where = "chat"
            if result.status is not DeliveryStatus.DELIVERED:
                log.warning(
                    "reply to %s of user %s not delivered: %s (%s)",
                    where,
                    inbound.user_id,
                    result.status,
                    result.detail,
                )


async def _with_retries(
    send: Callable[[str, Outbound], Awaitable[DeliveryResult]], to: str, reply: Outbound
) -> DeliveryResult:
    """Honour a short rate-limit pause; anything else is final for a conversation reply."""
    result = await send(to, reply)
    for _ in range(SEND_ATTEMPTS - 1):
        wait = result.retry_after or 0.0
        if result.status is not DeliveryStatus.RETRY_AFTER or wait > MAX_RETRY_WAIT:
            break
        await asyncio.sleep(wait)
        result = await send(to, reply)
    return result


async def _stop_spinner(answer: Callable[[], Awaitable[bool]]) -> None:
    try:
        await answer()
    except TelegramError as exc:  # too old, or answered elsewhere: nothing left to do
        log.info("button press not answered: %s", type(exc).__name__)


async def log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Name what failed and where, never the exception's text: it could quote personal data."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed: %s at %s", update_id, type(error).__name__, _where(error))


def _where(error: BaseException | None) -> str:
    """The innermost frame of our own code (else of any code) the error passed through."""
    frames = traceback.extract_tb(error.__traceback__) if error is not None else []
    ours = [frame for frame in frames if "site-packages" not in frame.filename]
    found = ours or list(frames)
    return f"{found[-1].filename}:{found[-1].lineno}" if found else "?"
