"""The real Discord adapter on discord.py, driven through SimCord's simulated Discord.

No ``__init__.py`` here on purpose: as a package this folder would be importable as
``discord`` and shadow discord.py.

The store is opened by the test, not in the bot's ``setup_hook``: SimCord waits for every
task the bot starts, and the SQLite store's group-commit writer waits for work forever, so a
store opened inside the bot would never let SimCord settle. ``create_bot(store=...)`` is the
seam for that; the production path (store opened in ``setup_hook``) has its own test. For the
same reason the bots here leave broadcast delivery (a service that polls forever) to the
tests that drive the delivery worker themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
import pytest_asyncio
import simcord
from discord_helpers import (
    Stores,
    World,
    discord_bot,
    discord_config,
)

from bots.discord_bot import DiscordPetitionBot
from core.store import Store


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "petition.db"


@pytest_asyncio.fixture
async def stores(db_path: Path) -> AsyncIterator[Stores]:
    box = Stores(db_path)
    yield box
    await box.close_all()


@pytest_asyncio.fixture
async def store(stores: Stores) -> Store:
    return await stores.open()


@pytest.fixture
def simcord_bot(db_path: Path, store: Store) -> DiscordPetitionBot:
    """The bot SimCord's ``simcord_env`` fixture starts (roles come with `world`)."""
    return discord_bot(discord_config(db_path), store)


@pytest_asyncio.fixture
async def world(simcord_env: simcord.Env, db_path: Path, store: Store) -> World:
    env = simcord_env
    guild = env.create_guild("Campaign HQ")
    channel = guild.create_text_channel("general")
    # Members who may manage messages see the moderator commands in their menu (a hint only).
    helpers = guild.create_role("Helpers", permissions=discord.Permissions(manage_messages=True))
    moderators_role = guild.create_role(
        "Petition moderators", permissions=discord.Permissions(manage_messages=True)
    )
    alice = guild.add_member(env.create_user("alice", global_name="Alice"), roles=[helpers])
    bob = guild.add_member(env.create_user("bob", global_name="Bob"))
    moderator = guild.add_member(env.create_user("mona"), roles=[helpers])
    role_moderator = guild.add_member(env.create_user("rolf"), roles=[moderators_role])
    # Ids exist only now: restart the bot with roles naming them, as an organizer would.
    config = discord_config(
        db_path, moderators=[f"discord:{moderator.id}"], moderator_role_ids=[moderators_role.id]
    )
    await env.restart_bot(discord_bot(config, store))
    return World(
        env=env,
        guild=guild,
        channel=channel,
        alice=alice,
        bob=bob,
        moderator=moderator,
        role_moderator=role_moderator,
        moderators_role=moderators_role,
        config=config,
        store=store,
    )
