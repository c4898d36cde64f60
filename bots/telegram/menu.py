"""The command menu Telegram shows next to the text box, per role.

The commands are the core's (core/commands/table.py, through `PetitionBot.commands_for`), in
its order. Supporter commands for everyone; moderators and organizers get theirs in their own
private chat with the bot (a chat scope per configured ``telegram:<id>``). Descriptions come
from the catalog (``command_<name>``), like every other sentence the bot says: each menu is
set once in English for everyone, and once per shipped language with its ``language_code``,
which Telegram shows to users whose app is in that language.
"""

from __future__ import annotations

import logging
import re

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from core.bot import PetitionBot
from core.catalog import DEFAULT_LANGUAGE
from core.config import RolesConfig
from core.roles import Role

log = logging.getLogger(__name__)

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")  # what Telegram accepts as a command name


def menu(bot: PetitionBot, role: Role, language: str | None = None) -> list[BotCommand]:
    """The commands ``role`` may use, described from the catalog in ``language``."""
    return [
        BotCommand(name, bot.describe(name, language)[:256])
        for name in bot.commands_for(role)
        if _COMMAND.match(name)
    ]


def team(roles: RolesConfig) -> dict[int, Role]:
    """Telegram user ids with a role above supporter, each with their highest role."""
    members: dict[int, Role] = {}
    for role, entries in ((Role.MODERATOR, roles.moderators), (Role.ORGANIZER, roles.organizers)):
        for entry in entries:
            platform, _, user_id = entry.partition(":")
            if platform == "telegram" and user_id.isdigit():
                members[int(user_id)] = max(role, members.get(int(user_id), Role.SUPPORTER))
    return members


async def register_menus(telegram: Bot, bot: PetitionBot, roles: RolesConfig) -> None:
    """Set every menu; a chat Telegram doesn't know yet is logged and skipped, not fatal."""
    scopes: list[tuple[BotCommandScopeDefault | BotCommandScopeChat, Role]] = [
        (BotCommandScopeDefault(), Role.SUPPORTER)
    ]
    scopes += [(BotCommandScopeChat(user_id), role) for user_id, role in team(roles).items()]
    languages = [None, *sorted(bot.catalog.languages - {DEFAULT_LANGUAGE})]
    for scope, role in scopes:
        for language in languages:
            try:
                commands = menu(bot, role, language)
                await telegram.set_my_commands(commands, scope=scope, language_code=language)
            except TelegramError as exc:  # e.g. a moderator who never opened the bot's chat
                where = getattr(scope, "chat_id", "everyone")
                log.warning("command menu for %s not set: %s", where, type(exc).__name__)
                break
