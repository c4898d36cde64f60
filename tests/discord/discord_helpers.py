"""What the Discord tests share: the configuration, the simulated server, small readers.

Imported by ``conftest.py`` (fixtures) and the test modules; the name is unique because this
folder is not a package (as one it would be importable as ``discord``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import simcord

from bots.config import BUNDLED_EXAMPLE, AppConfig, parse_config
from bots.discord_bot import DiscordPetitionBot, create_bot
from bots.runtime import build_runtime
from core.store import Store
from storage import SqliteStore

SLUG = "dont-run-joe"
# The example petition's form: name, email, ZIP code (the modal's text input custom ids).
GOOD_FORM = {"name": "Jane Doe", "email": "jane@example.org", "postal_code": "12345"}


def discord_config(
    db_path: Path,
    *,
    moderators: Sequence[str] = (),
    moderator_role_ids: Sequence[int] = (),
    guild_ids: Sequence[int] = (),
    enabled: bool = True,
    organizers: Sequence[str] = (),
) -> AppConfig:
    """The example campaign on ``db_path`` with Discord enabled."""
    with BUNDLED_EXAMPLE.open("rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    data["storage"] = {"url": f"sqlite:///{db_path}"}
    data["roles"] = {"moderators": list(moderators), "organizers": list(organizers)}
    data["discord"] = {
        "enabled": enabled,
        "guild_ids": list(guild_ids),
        "moderator_role_ids": list(moderator_role_ids),
    }
    return parse_config(data)


def discord_bot(config: AppConfig, store: Store) -> DiscordPetitionBot:
    """The real bot on ``store``, broadcast delivery left to the test."""
    return create_bot(build_runtime(config, store), deliver_broadcasts=False)


class Stores:
    """Stores opened on the test's database file; whatever is still open is closed at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._open: list[Store] = []

    async def open(self) -> Store:
        store = await SqliteStore.open(self.path)
        self._open.append(store)
        return store

    async def close(self, store: Store) -> None:
        self._open.remove(store)
        await store.close()

    async def close_all(self) -> None:
        while self._open:
            await self.close(self._open[-1])


@dataclass
class World:
    """A server with a channel, two supporters and two moderators (by id and by role)."""

    env: simcord.Env
    guild: simcord.GuildHandle
    channel: simcord.ChannelHandle
    alice: simcord.MemberActor
    bob: simcord.MemberActor
    moderator: simcord.MemberActor  # a moderator by Discord user id
    role_moderator: simcord.MemberActor  # a moderator because of a Discord role
    moderators_role: simcord.RoleHandle
    config: AppConfig
    store: Store

    @property
    def bot(self) -> DiscordPetitionBot:
        bot = self.env.bot
        assert isinstance(bot, DiscordPetitionBot)
        return bot


def buttons(message: Any) -> list[tuple[str, str]]:
    """(label, custom id) of a message's buttons: a SimCord response or a discord.Message."""
    if isinstance(message, discord.Message):
        return [
            (item.label or "", item.custom_id or "")
            for row in message.components
            if isinstance(row, discord.ActionRow)
            for item in row.children
            if isinstance(item, discord.Button)
        ]
    rows = message.components
    return [(c.get("label", ""), c.get("custom_id", "")) for row in rows for c in row["components"]]


def custom_ids(message: Any) -> list[str]:
    return [custom_id for _, custom_id in buttons(message)]


def labels(message: Any) -> list[str]:
    return [label for label, _ in buttons(message)]


def modal_inputs(modal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A shown modal's text inputs by custom id (inside labels or action rows)."""
    found: dict[str, dict[str, Any]] = {}
    for component in modal["components"]:
        inner = component.get("component") or (component.get("components") or [None])[0]
        if inner and inner.get("custom_id"):
            found[inner["custom_id"]] = {**inner, "label": component.get("label")}
    return found


def modal_text(modal: dict[str, Any]) -> str:
    """Text shown in a modal outside its inputs (text displays and label descriptions)."""
    parts = [c.get("content", "") for c in modal["components"] if c.get("type") == 10]
    parts += [c.get("description") or "" for c in modal["components"]]
    return "\n".join(p for p in parts if p)


async def sign_in_server(world: World, member: simcord.MemberActor, form: dict[str, str]) -> None:
    """The whole signing from `/sign` as ``member``, opting in to updates."""
    confirm = await member.slash(world.channel, "sign")
    shown = await member.click(confirm.response, label="Yes, I want to sign")
    consent = await member.submit_modal(shown, form)
    summary = await member.click(consent.response, label="Yes, keep me posted")
    await member.click(summary.response, label="✅ Sign")
