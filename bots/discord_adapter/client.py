"""The Discord bot on a runtime's core, connected only by `run_discord`.

`create_bot` wires everything and connects nothing, so tests and tools drive the real client
without a token; broadcast delivery starts in ``setup_hook``, which discord.py runs at login.
The token comes from ``DISCORD_BOT_TOKEN`` only, through `run_discord` (or `open_sender` for
broadcasts from the command line), and is blanked from every log line.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import discord
from discord import app_commands

from bots.config import AppConfig
from bots.discord_adapter.commands import build_commands, sync_commands
from bots.discord_adapter.dispatch import Dispatcher
from bots.discord_adapter.inbound import PLATFORM
from bots.discord_adapter.render import NO_MENTIONS
from bots.discord_adapter.sender import DiscordSender
from bots.discord_adapter.translator import CatalogTranslator
from bots.logs import protect_logs
from bots.runtime import Runtime
from core.commands.table import description
from core.messages import Capabilities, Inbound, Outbound

log = logging.getLogger(__name__)

# Servers (for interactions) and direct messages; no privileged intent is needed: Discord
# delivers the content of direct messages to the bot without the message_content intent.
INTENTS = discord.Intents(guilds=True, dm_messages=True)
# discord.py waits out shorter rate limits itself; longer ones come back as
# `discord.RateLimited`, which the sender reports as "retry after" (30 s is its minimum).
MAX_RATELIMIT_WAIT_SECONDS = 30.0
TOKEN_ENV = "DISCORD_BOT_TOKEN"
# The name `run` knows this platform by (bots/platforms.py), as `/readyz` reports it.
CONNECTION_NAME = "Discord"


class DiscordPetitionBot(discord.Client):
    """The petition bot on Discord: slash commands, buttons, modals and direct messages."""

    def __init__(self, runtime: Runtime, *, deliver_broadcasts: bool = True, **shards: Any) -> None:
        super().__init__(
            intents=INTENTS,
            allowed_mentions=NO_MENTIONS,
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT_SECONDS,
            **shards,
        )
        self.config = runtime.config
        self.core = runtime.core
        self._connections = runtime.connections
        self.tree = app_commands.CommandTree(self)  # SimCord and discord.py expect `.tree`
        self.sender = DiscordSender(self)
        self.dispatcher = Dispatcher(self._handle)
        self._deliver_broadcasts = deliver_broadcasts
        describe = partial(description, catalog=self.core.catalog)
        commands = build_commands(
            self.dispatcher.on_command, self.config.campaign, describe, self.core.catalog
        )
        for command in commands:
            self.tree.add_command(command)

    async def setup_hook(self) -> None:
        """Deliver broadcasts and publish the slash commands (discord.py runs it at login)."""
        if self._deliver_broadcasts:
            self.core.deliveries.start(self.sender)  # resumes what a restart interrupted
        await self.tree.set_translator(CatalogTranslator(self.core.catalog))
        await sync_commands(self.tree, self.config.discord.guild_ids)
        log.info("discord adapter ready, %d commands", len(self.tree.get_commands()))

    async def close(self) -> None:
        """Stop broadcasting while the HTTP client is still open, then disconnect."""
        await self.core.deliveries.stop(PLATFORM)
        await super().close()

    async def on_ready(self) -> None:
        self._connections.connected(CONNECTION_NAME)

    async def on_resumed(self) -> None:
        self._connections.connected(CONNECTION_NAME)

    async def on_disconnect(self) -> None:
        self._connections.disconnected(CONNECTION_NAME)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.dispatcher.on_interaction(interaction)

    async def on_message(self, message: discord.Message) -> None:
        await self.dispatcher.on_message(message)

    async def _handle(self, inbound: Inbound, caps: Capabilities) -> list[Outbound]:
        return await self.core.handle(inbound, caps)  # looked up each time: tools wrap it


class ShardedDiscordPetitionBot(DiscordPetitionBot, discord.AutoShardedClient):
    """The petition bot connected through some shards of a sharded bot (``[discord]
    shard_count`` / ``shard_ids``): Discord sends each process its shards' servers only."""


def create_bot(runtime: Runtime, *, deliver_broadcasts: bool = True) -> DiscordPetitionBot:
    """The Discord bot on the runtime's core, fully wired, not connected; sharded when the
    configuration names a ``shard_count``.

    ``deliver_broadcasts=False`` leaves broadcast delivery to another process (or to a test
    driving the worker itself). The token is given to `run_discord`, from the environment.
    """
    settings = runtime.config.discord
    if settings.shard_count is None:
        return DiscordPetitionBot(runtime, deliver_broadcasts=deliver_broadcasts)
    # Direct messages always arrive on shard 0, so the process serving it answers them.
    return ShardedDiscordPetitionBot(
        runtime,
        deliver_broadcasts=deliver_broadcasts,
        shard_count=settings.shard_count,
        shard_ids=list(settings.shard_ids) if settings.shard_ids is not None else None,
    )


async def run_discord(runtime: Runtime, deliver_broadcasts: bool = True) -> None:
    """Connect with ``$DISCORD_BOT_TOKEN`` and serve until stopped; broadcasts are left to a
    dispatcher process when ``deliver_broadcasts`` is false."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    protect_logs(token)
    async with create_bot(runtime, deliver_broadcasts=deliver_broadcasts) as bot:
        await bot.start(token)


@contextlib.asynccontextmanager
async def open_sender(config: AppConfig, token: str) -> AsyncIterator[DiscordSender]:
    """A Discord `Sender` over the REST API alone (no gateway), e.g. for broadcasts from the
    command line; logged in with ``token`` and closed on exit."""
    protect_logs(token)
    client = discord.Client(
        intents=INTENTS,
        allowed_mentions=NO_MENTIONS,
        max_ratelimit_timeout=MAX_RATELIMIT_WAIT_SECONDS,
    )
    async with client:
        await client.login(token)
        yield DiscordSender(client)
