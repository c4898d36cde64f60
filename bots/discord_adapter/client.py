"""The Discord bot, built from the configuration in one place and connected only by `run`.

`create_bot` wires everything but opens nothing: the store is opened (or the one given is
used) in ``setup_hook``, which discord.py runs at login, and broadcast delivery starts there
too, so tests and tools can drive the real client without a token. The token comes from
``DISCORD_BOT_TOKEN`` only, through `run_discord` (or `open_sender` for broadcasts from the
command line), and is blanked from every log line.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import discord
from discord import app_commands

from bots.bootstrap import open_bot
from bots.broadcasting import Broadcasting
from bots.config import AppConfig, load_config
from bots.discord_adapter.commands import build_commands, sync_commands
from bots.discord_adapter.dispatch import Dispatcher
from bots.discord_adapter.render import NO_MENTIONS
from bots.discord_adapter.sender import DiscordSender
from core.bot import Clock, PetitionBot, utc_now
from core.catalog import Catalog
from core.commands.table import description
from core.messages import Capabilities, Inbound, Outbound
from core.store import Store

log = logging.getLogger(__name__)

# Servers (for interactions) and direct messages; no privileged intent is needed: Discord
# delivers the content of direct messages to the bot without the message_content intent.
INTENTS = discord.Intents(guilds=True, dm_messages=True)
# discord.py waits out shorter rate limits itself; longer ones come back as
# `discord.RateLimited`, which the sender reports as "retry after" (30 s is its minimum).
MAX_RATELIMIT_WAIT_SECONDS = 30.0
# A Discord bot token: base64 user id, timestamp and HMAC, joined by dots.
DISCORD_TOKEN_SHAPE = re.compile(r"[MNO][A-Za-z\d_-]{23,27}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,40}")


class DiscordPetitionBot(discord.Client):
    """The petition bot on Discord: slash commands, buttons, modals and direct messages."""

    def __init__(
        self,
        config: AppConfig,
        *,
        store: Store | None = None,
        clock: Clock = utc_now,
        deliver_broadcasts: bool = True,
    ) -> None:
        super().__init__(
            intents=INTENTS,
            allowed_mentions=NO_MENTIONS,
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT_SECONDS,
        )
        self.config = config
        self.tree = app_commands.CommandTree(self)  # SimCord and discord.py expect `.tree`
        self.core: PetitionBot | None = None
        self.sender = DiscordSender(self)
        self.dispatcher = Dispatcher(self._handle)
        self.broadcasting: Broadcasting | None = None
        self._given_store = store
        self._clock = clock
        self._deliver_broadcasts = deliver_broadcasts
        catalog = Catalog.load()
        describe = partial(description, catalog=catalog)
        for command in build_commands(self.dispatcher.on_command, config.campaign, describe):
            self.tree.add_command(command)

    async def setup_hook(self) -> None:
        """Open the store and the core, deliver broadcasts, publish the slash commands."""
        core = await self.open_core()
        if self._deliver_broadcasts and self.broadcasting is None:
            self.broadcasting = Broadcasting(core, self.sender)
            self.broadcasting.start()  # resumes what a restart interrupted
        await sync_commands(self.tree, self.config.discord.guild_ids)
        log.info("discord adapter ready, %d commands", len(self.tree.get_commands()))

    async def open_core(self) -> PetitionBot:
        """The core on the given store, or on the configured one (closed with the bot)."""
        if self.core is None and self._given_store is not None:
            self.core = PetitionBot(self.config.campaign, self._given_store, clock=self._clock)
        elif self.core is None:
            self.core = await open_bot(self.config, self._clock)
        return self.core

    async def close(self) -> None:
        """Stop broadcasting, disconnect, then close the store if this bot opened it."""
        broadcasting, self.broadcasting = self.broadcasting, None
        if broadcasting is not None:
            await broadcasting.stop()  # while the HTTP client is still open
        await super().close()
        if self.core is not None and self._given_store is None:
            await self.core.store.close()
            self.core = None

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.dispatcher.on_interaction(interaction)

    async def on_message(self, message: discord.Message) -> None:
        await self.dispatcher.on_message(message)

    async def _handle(self, inbound: Inbound, caps: Capabilities) -> list[Outbound]:
        if self.core is None:
            raise RuntimeError("the core is opened in setup_hook, before any event")
        return await self.core.handle(inbound, caps)


def create_bot(
    config: AppConfig | str | Path | None = None,
    *,
    store: Store | None = None,
    clock: Clock = utc_now,
    deliver_broadcasts: bool = True,
) -> DiscordPetitionBot:
    """The fully wired, unconnected bot; ``config`` is an AppConfig or a TOML file's path.

    ``store`` replaces the configured one (tools that already hold a store); the bot then
    leaves closing it to the caller. ``deliver_broadcasts=False`` leaves broadcast delivery
    to another process (or to a test driving the worker itself).
    """
    if not isinstance(config, AppConfig):
        config = load_config(config)
    return DiscordPetitionBot(
        config, store=store, clock=clock, deliver_broadcasts=deliver_broadcasts
    )


async def run_discord(config: AppConfig, token: str) -> None:
    """Connect with ``token`` (from ``DISCORD_BOT_TOKEN``) and serve until stopped."""
    hide_secret(token)
    bot = create_bot(config)
    async with bot:
        await bot.start(token)


@contextlib.asynccontextmanager
async def open_sender(config: AppConfig, token: str) -> AsyncIterator[DiscordSender]:
    """A Discord `Sender` over the REST API alone (no gateway), e.g. for broadcasts from the
    command line; logged in with ``token`` and closed on exit."""
    hide_secret(token)
    client = discord.Client(
        intents=INTENTS,
        allowed_mentions=NO_MENTIONS,
        max_ratelimit_timeout=MAX_RATELIMIT_WAIT_SECONDS,
    )
    async with client:
        await client.login(token)
        yield DiscordSender(client)


class RedactSecret(logging.Filter):
    """Blanks one secret, and anything shaped like a Discord token, in every log line."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = DISCORD_TOKEN_SHAPE.sub("<redacted>", message)
        if self._secret:
            redacted = redacted.replace(self._secret, "<redacted>")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def hide_secret(secret: str) -> None:
    """Redact ``secret`` in every handler of the root logger (where all lines end up)."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecret(secret))
