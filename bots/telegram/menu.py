"""The command menu Telegram shows next to the text box, per role.

Supporter commands for everyone; moderators and organizers get theirs in their own private
chat with the bot (a chat scope per configured ``telegram:<id>``). Descriptions come from
the catalog's help texts (``/count: signatures so far``), so rewording help rewords the menu.
"""

from __future__ import annotations

import logging
import re

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from core.bot import PetitionBot
from core.catalog import Catalog, MissingMessage
from core.config import RolesConfig
from core.roles import Role

log = logging.getLogger(__name__)

HELP_KEYS = ("help_supporter", "help_moderator", "help_organizer")
# Commands the help texts don't describe, until the catalog has a key per command.
FALLBACK = {
    "start": "Welcome and the petition",
    "help": "What I can do",
}
_HELP_LINE = re.compile(r"^/([a-z0-9_]{1,32}): *(\S.*)$", re.M)
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")


def descriptions(catalog: Catalog, language: str | None = None) -> dict[str, str]:
    """``command -> description`` read from the help texts' ``/name: what it does`` lines."""
    found: dict[str, str] = {}
    for key in HELP_KEYS:
        try:
            text = catalog.render(key, language).to_plain_text()
        except MissingMessage:
            continue
        for match in _HELP_LINE.finditer(text):
            found.setdefault(match[1], match[2].strip()[:256])
    return found


def menu(bot: PetitionBot, role: Role) -> list[BotCommand]:
    """The commands ``role`` may use, described; names Telegram can't take are left out."""
    described = {**FALLBACK, **descriptions(bot.catalog)}
    return [
        BotCommand(name, described.get(name, f"/{name}"))
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
    for scope, role in scopes:
        try:
            await telegram.set_my_commands(menu(bot, role), scope=scope)
        except TelegramError as exc:  # e.g. a moderator who never opened the bot's chat
            where = getattr(scope, "chat_id", "everyone")
            log.warning("command menu for %s not set: %s", where, type(exc).__name__)
