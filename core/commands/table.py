"""Every command the bot answers, declared once: who may use it, where, and what it takes.

Derived from `COMMANDS`: the role check and the move to a private chat (core/bot.py), the
handler of each command (`bind`: exactly one per declared command), the help sections,
Telegram's menus and Discord's slash commands. tests/e2e/test_command_surfaces.py checks
that every adapter offers exactly these, with the exceptions declared here (`typed_only`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from core.catalog import Catalog
from core.commands.base import Handler
from core.errors import StartupError
from core.roles import Role


class Argument(StrEnum):
    """What a command takes besides a petition; adapters with typed options build them."""

    REFERRAL_CODE = "referral_code"  # /sign <petition> <code>: a friend's referral code
    LINK_PAYLOAD = "link_payload"  # /start <payload>: what a deep link carried
    ALL_PETITIONS = "all_petitions"  # /stop all: every petition instead of one
    FREE_TEXT = "free_text"  # /broadcast [<audience>] <text>: the announcement itself
    FORM_VERSION = "form_version"  # /import [<petition>] <version>: the paper form's version


@dataclass(frozen=True)
class Command:
    """One command: its audience (that role and every higher one), whether it is answered
    only in private, and its arguments (an optional petition slug first, then ``arguments``)."""

    name: str
    audience: Role
    # Shows or asks for personal data: in a group the answer is a way into the private chat.
    private: bool = False
    takes_petition: bool = False
    arguments: tuple[Argument, ...] = ()
    # In a group, the way into private is the petition's own link, which begins signing by
    # itself; every other private command is continued there by a ``c_<command>`` link.
    starts_from_petition_link: bool = False
    # Listed in the help section of its audience (`HELP_SECTIONS`).
    in_help: bool = True
    # Why platforms whose commands carry typed options (Discord's slash commands) leave this
    # one out, so that it is typed as text in a private chat; None when they offer it.
    typed_only: str | None = None

    @property
    def description_key(self) -> str:
        """The catalog key of its one-line description in platform menus."""
        return f"command_{self.name}"


# In menu order: Telegram lists them so (`/stop` came in with broadcasts, after `/export`).
COMMANDS: tuple[Command, ...] = (
    Command("start", Role.SUPPORTER, arguments=(Argument.LINK_PAYLOAD,), in_help=False),
    Command("help", Role.SUPPORTER, in_help=False),
    Command("petitions", Role.SUPPORTER),
    Command("petition", Role.SUPPORTER, takes_petition=True),
    Command(
        "sign",
        Role.SUPPORTER,
        private=True,
        takes_petition=True,
        arguments=(Argument.REFERRAL_CODE,),
        starts_from_petition_link=True,
    ),
    Command("cancel", Role.SUPPORTER, private=True),
    Command("status", Role.SUPPORTER, private=True, takes_petition=True),
    Command("share", Role.SUPPORTER, private=True, takes_petition=True),
    Command("withdraw", Role.SUPPORTER, private=True, takes_petition=True),
    Command("mydata", Role.SUPPORTER, private=True),
    Command("count", Role.MODERATOR, takes_petition=True),
    Command("stats", Role.MODERATOR, takes_petition=True),
    Command("recent", Role.MODERATOR, takes_petition=True),
    Command("export", Role.ORGANIZER, private=True, takes_petition=True),
    Command(
        "stop",
        Role.SUPPORTER,
        private=True,
        takes_petition=True,
        arguments=(Argument.ALL_PETITIONS,),
    ),
    Command(
        "broadcast",
        Role.ORGANIZER,
        arguments=(Argument.FREE_TEXT,),
        typed_only=(
            "the announcement is free text, and composing it goes on with typed answers, "
            "which a bot reads only in direct messages"
        ),
    ),
    Command("broadcasts", Role.ORGANIZER),
    Command("pause", Role.ORGANIZER, takes_petition=True),
    Command("resume", Role.ORGANIZER, takes_petition=True),
    Command(
        "import",
        Role.ORGANIZER,
        private=True,
        takes_petition=True,
        arguments=(Argument.FORM_VERSION,),
        typed_only=(
            "the sheet comes as a file attached to the command, which a bot reads in direct"
            " messages (a slash command's options are visible to others in the channel)"
        ),
    ),
    # Typed text may name the language (/language es); menus offer it bare, then buttons.
    Command("language", Role.SUPPORTER),
)

BY_NAME: Mapping[str, Command] = {command.name: command for command in COMMANDS}

# The help text is the sections of the asker's role and every lower one, in this order.
HELP_SECTIONS: Mapping[Role, str] = {
    Role.SUPPORTER: "help_supporter",
    Role.MODERATOR: "help_moderator",
    Role.ORGANIZER: "help_organizer",
}


class CommandTableMismatch(StartupError):
    """The handlers or an adapter and `COMMANDS` disagree: a bug, found at start-up."""


def available_to(role: Role) -> tuple[Command, ...]:
    """The commands ``role`` may use, in menu order."""
    return tuple(command for command in COMMANDS if command.audience <= role)


def description(command: Command, catalog: Catalog, language: str | None = None) -> str:
    """A command's one-line description for platform menus, as plain text."""
    return catalog.render(command.description_key, language).to_plain_text()


def bind(*groups: Mapping[str, Handler]) -> dict[str, tuple[Command, Handler]]:
    """Each declared command with its handler, from the handler classes' name → handler maps.

    A handler for an undeclared name, two handlers for one name, or a declared command
    without a handler raises `CommandTableMismatch`.
    """
    bound: dict[str, Handler] = {}
    for handlers in groups:
        for name, handler in handlers.items():
            if name not in BY_NAME:
                raise CommandTableMismatch(f"/{name} has a handler but is not in COMMANDS")
            if name in bound:
                raise CommandTableMismatch(f"/{name} has two handlers")
            bound[name] = handler
    missing = [command.name for command in COMMANDS if command.name not in bound]
    if missing:
        raise CommandTableMismatch(f"no handler for {', '.join('/' + n for n in missing)}")
    return {command.name: (command, bound[command.name]) for command in COMMANDS}
