"""The `Sender` port on Telegram, and the one place Telegram's errors become delivery outcomes.

Conversation replies and broadcasts both go through `TelegramSender`, so blocked users, rate
limits and network trouble are recognised the same way everywhere. python-telegram-bot wraps
every failure of a call (network ones too) in a `TelegramError`; any other exception is a bug
of ours (rendering, say), not the chat's doing: a failed delivery, its traceback logged,
never "unreachable".
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup, InputFile, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bots.config import AppConfig
from bots.logs import protect_logs
from bots.telegram.render import html_pieces, keyboard
from core.delivery import DeliveryResult, DeliveryStatus
from core.messages import Attachment, Outbound

log = logging.getLogger(__name__)

PLATFORM = "telegram"
# Link previews would turn every pitch and share link into a large card, in groups too.
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# BadRequest descriptions that mean the chat is gone for good (Forbidden always does).
_GONE = (
    "chat not found",
    "user not found",
    "peer_id_invalid",
    "chat_write_forbidden",
    "group chat was deactivated",
    "have no rights to send",
    "not enough rights to send",
)
_NOT_MODIFIED = "message is not modified"
MAX_CAPTION = 1024  # a file's caption, in UTF-16 units like message text


class TelegramSender:
    """Delivers core messages to Telegram chats and reports exactly one outcome per send."""

    platform = PLATFORM

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send_to_user(self, user_id: str, message: Outbound) -> DeliveryResult:
        """A person's private chat with the bot has the person's id as its chat id."""
        return await self.send_to_chat(user_id, message)

    async def send_to_chat(self, chat_id: str, message: Outbound) -> DeliveryResult:
        """The text, split to fit, or a file with the text as its caption when it fits;
        the buttons go on the last message, whose id is reported."""
        try:
            sent = await self._send(_chat(chat_id), message)
        except TelegramError as exc:
            return outcome_of(exc)
        except Exception as exc:  # a bug of ours: try again later, never give the chat up
            return _our_bug(exc, f"chat {chat_id}")
        if sent is None:
            log.warning("nothing to send to chat %s: empty message", chat_id)
            return DeliveryResult(status=DeliveryStatus.FAILED, detail="empty message")
        return DeliveryResult.delivered(str(sent.message_id))

    async def edit_in_chat(
        self, chat_id: str, message_id: str, message: Outbound
    ) -> DeliveryResult:
        """Replace a message's text and buttons; an edit can't grow into several messages."""
        try:
            return await self._edit(chat_id, message_id, message)
        except BadRequest as exc:
            if _NOT_MODIFIED in exc.message.lower():  # the text already reads like this
                return DeliveryResult.delivered(message_id)
            return outcome_of(exc)
        except TelegramError as exc:
            return outcome_of(exc)
        except Exception as exc:  # a bug of ours: try again later, never give the chat up
            return _our_bug(exc, f"chat {chat_id} message {message_id}")

    async def _edit(self, chat_id: str, message_id: str, message: Outbound) -> DeliveryResult:
        pieces = html_pieces(message.text)
        if not pieces:
            return DeliveryResult(status=DeliveryStatus.FAILED, detail="empty message")
        if len(pieces) > 1:
            log.warning("edit in chat %s cut to its first piece of %d", chat_id, len(pieces))
        await self._bot.edit_message_text(
            pieces[0],
            chat_id=_chat(chat_id),
            message_id=int(message_id),
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(message),
            link_preview_options=NO_PREVIEW,
        )
        return DeliveryResult.delivered(message_id)

    async def _send(self, chat_id: int | str, message: Outbound) -> Message | None:
        buttons = keyboard(message)
        if message.file is not None:
            caption = html_pieces(message.text, MAX_CAPTION)
            if len(caption) <= 1:  # a file with its words under it, as Telegram shows best
                return await self._send_file(chat_id, message.file, caption, buttons)
        pieces = html_pieces(message.text)
        sent: Message | None = None
        for number, piece in enumerate(pieces, start=1):
            last = number == len(pieces) and message.file is None
            sent = await self._bot.send_message(
                chat_id,
                piece,
                parse_mode=ParseMode.HTML,
                reply_markup=buttons if last else None,
                link_preview_options=NO_PREVIEW,
            )
        if message.file is not None:  # too long for a caption: the text went first
            sent = await self._send_file(chat_id, message.file, [], buttons)
        return sent

    async def _send_file(
        self,
        chat_id: int | str,
        file: Attachment,
        caption: list[str],
        buttons: InlineKeyboardMarkup | None,
    ) -> Message:
        upload = InputFile(file.content, filename=file.filename)
        text = caption[0] if caption else None
        mode = ParseMode.HTML if caption else None
        if file.mime_type == "image/png":  # a chart reads best as a photo, inline
            return await self._bot.send_photo(
                chat_id, upload, caption=text, parse_mode=mode, reply_markup=buttons
            )
        return await self._bot.send_document(
            chat_id, upload, caption=text, parse_mode=mode, reply_markup=buttons
        )


def outcome_of(exc: TelegramError) -> DeliveryResult:
    """Translate a Telegram error: gone for good, wait and retry, or a transient failure."""
    detail = f"{type(exc).__name__}: {exc.message}"[:200]
    if isinstance(exc, RetryAfter):
        return DeliveryResult(
            status=DeliveryStatus.RETRY_AFTER, retry_after=_seconds(exc.retry_after), detail=detail
        )
    if isinstance(exc, Forbidden):  # blocked, deactivated, kicked, never started the bot
        return DeliveryResult(status=DeliveryStatus.UNREACHABLE, detail=detail)
    if isinstance(exc, BadRequest) and any(gone in exc.message.lower() for gone in _GONE):
        return DeliveryResult(status=DeliveryStatus.UNREACHABLE, detail=detail)
    # NetworkError, TimedOut, server errors (5xx), other bad requests: bounded retries decide.
    return DeliveryResult(status=DeliveryStatus.FAILED, detail=detail)


def _our_bug(exc: Exception, to: str) -> DeliveryResult:
    """A send that failed on our side: logged with its traceback; ``to`` names ids only."""
    log.exception("sending to %s on Telegram failed", to)
    return DeliveryResult(status=DeliveryStatus.FAILED, detail=type(exc).__name__)


def _seconds(value: int | timedelta) -> float:
    """RetryAfter.retry_after is a timedelta with PTB_TIMEDELTA=true, an int otherwise."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _chat(chat_id: str) -> int | str:
    """Numeric ids as numbers; ``@channelname`` stays as it is."""
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


@asynccontextmanager
async def open_sender(config: AppConfig, token: str) -> AsyncIterator[TelegramSender]:
    """A Telegram `Sender` without polling, e.g. for broadcasts from the command line."""
    protect_logs(token)
    settings = config.telegram
    async with Bot(token, base_url=settings.base_url, base_file_url=settings.base_file_url) as bot:
        yield TelegramSender(bot)
