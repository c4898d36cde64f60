"""The `Sender` port on Discord: direct messages and channel posts, with outcomes, not errors.

Discord's error codes are translated here and nowhere else:

- delivered: the message exists; its id is returned.
- unreachable (never try again): 50007 the user's DMs are closed or no server is shared,
  10013 unknown user, 10003 unknown channel, 10008 unknown message, any other 403/404.
- retry after N seconds: HTTP 429 (``discord.RateLimited`` when discord.py does not wait it
  out itself), and 40003 (opening direct messages too fast).
- failed (transient): 5xx answers, timeouts and connection errors.

An address that is not a Discord id is unreachable before any call. Any other exception is
a bug of ours (rendering, say), not the recipient's doing: a failed delivery, its traceback
logged, never "unreachable".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

import aiohttp
import discord

from bots.discord_adapter.render import edit_kwargs, render
from bots.discord_adapter.replies import send_to_channel
from core.delivery import DeliveryResult, DeliveryStatus
from core.messages import Outbound

log = logging.getLogger(__name__)

PLATFORM = "discord"
DEFAULT_RETRY_AFTER = 5.0  # when Discord's answer says nothing more precise
OPENING_DMS_TOO_FAST = 40003
UNREACHABLE_CODES = frozenset({50007, 10013, 10003, 10008, 50001, 50013})
# A snowflake: a positive 64-bit integer in ASCII digits (int() would also take " 12", "1_2"
# and Arabic-Indic digits, none of which Discord ever sends).
SNOWFLAKE = re.compile(r"[0-9]{1,20}")
MAX_SNOWFLAKE = 2**64 - 1
NOT_AN_ID = DeliveryResult(status=DeliveryStatus.UNREACHABLE, detail="not a Discord id")


class DiscordSender:
    """Delivers core messages outside a conversation turn (broadcasts, progress reports)."""

    platform = PLATFORM

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def send_to_user(self, user_id: str, message: Outbound) -> DeliveryResult:
        """A direct message to the user with this Discord id."""
        user = _snowflake(user_id)
        if user is None:
            return NOT_AN_ID

        async def send() -> str:
            channel = await self._client.create_dm(discord.Object(id=user))
            return await _post(channel, message)

        return await _outcome(send, f"user {user}")

    async def send_to_chat(self, chat_id: str, message: Outbound) -> DeliveryResult:
        """A post in the channel (or DM channel) with this id."""
        chat = _snowflake(chat_id)
        if chat is None:
            return NOT_AN_ID

        async def send() -> str:
            return await _post(self._client.get_partial_messageable(chat), message)

        return await _outcome(send, f"chat {chat}")

    async def edit_in_chat(
        self, chat_id: str, message_id: str, message: Outbound
    ) -> DeliveryResult:
        """Replace a message the bot posted earlier (its first part when it was split)."""
        chat, posted = _snowflake(chat_id), _snowflake(message_id)
        if chat is None or posted is None:
            return NOT_AN_ID

        async def edit() -> str:
            target = self._client.get_partial_messageable(chat).get_partial_message(posted)
            rendered = render(message)
            edited = await target.edit(**edit_kwargs(rendered.pieces[0], rendered, last=True))
            return str(edited.id)

        return await _outcome(edit, f"chat {chat} message {posted}")


def _snowflake(value: str) -> int | None:
    """The Discord id ``value`` spells, or ``None`` when it is not one."""
    if not SNOWFLAKE.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_SNOWFLAKE else None


async def _post(channel: discord.abc.Messageable, message: Outbound) -> str:
    sent = await send_to_channel(channel, message)
    return str(sent[0].id)


async def _outcome(send: Callable[[], Awaitable[str]], to: str) -> DeliveryResult:
    """``send``'s message id, or what its failure means; ``to`` names the target by ids."""
    try:
        return DeliveryResult.delivered(await send())
    except (
        discord.HTTPException,
        discord.RateLimited,
        aiohttp.ClientError,
        OSError,
        TimeoutError,
    ) as exc:
        return delivery_outcome(exc)
    except Exception as exc:  # a bug of ours: try again later, never give the person up
        log.exception("sending to %s on Discord failed", to)
        return _result(DeliveryStatus.FAILED, type(exc).__name__)


def delivery_outcome(exc: BaseException) -> DeliveryResult:
    """The delivery outcome a failed Discord call means."""
    if isinstance(exc, discord.RateLimited):
        return _result(DeliveryStatus.RETRY_AFTER, "429", exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        detail = f"{exc.status}/{exc.code}"
        if exc.status == 429 or exc.code == OPENING_DMS_TOO_FAST:
            return _result(DeliveryStatus.RETRY_AFTER, detail, _retry_after(exc))
        if exc.code in UNREACHABLE_CODES or exc.status in (403, 404):
            return _result(DeliveryStatus.UNREACHABLE, detail)
        return _result(DeliveryStatus.FAILED, detail)
    if isinstance(exc, TimeoutError):
        return _result(DeliveryStatus.FAILED, "timeout")
    return _result(DeliveryStatus.FAILED, type(exc).__name__)


def _retry_after(exc: discord.HTTPException) -> float:
    headers = getattr(exc.response, "headers", None) or {}
    try:
        return max(0.0, float(headers.get("Retry-After", DEFAULT_RETRY_AFTER)))
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER


def _result(
    status: DeliveryStatus, detail: str, retry_after: float | None = None
) -> DeliveryResult:
    return DeliveryResult(status=status, detail=detail, retry_after=retry_after)
