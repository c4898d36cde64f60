"""The slash commands, one per command the core declares (core/commands/table.py), options
from what it takes: ``petition`` for a petition, ``code`` for a referral code or link payload.

Each command only forwards its options to the core, which decides everything, including who
may use the moderator and organizer commands. Their ``default_member_permissions`` merely
hides them from most members' menus; server admins can change it, so it is never relied on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import discord
from discord import app_commands

from bots.discord_adapter.translator import described
from core.catalog import Catalog
from core.commands.table import COMMANDS, Argument, Command, CommandTableMismatch
from core.config import CampaignConfig
from core.roles import Role

Run = Callable[[discord.Interaction, str, tuple[str, ...]], Awaitable[None]]
Autocomplete = Callable[
    [discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]
]
Callback = Callable[..., Coroutine[Any, Any, None]]
SlashCommand = app_commands.Command[Any, ..., None]

MAX_AUTOCOMPLETE_CHOICES = 25
CHOICE_NAME_LIMIT = 100
# Option descriptions in English, and in every shipped language through the translator.
PETITION_OPTION = described("Which petition (default: the campaign's main one)", "option_petition")
# The ``code`` option, for the one command argument that is a code.
CODE_OPTIONS = {
    Argument.REFERRAL_CODE: described("A friend's referral code, if any", "option_referral_code"),
    Argument.LINK_PAYLOAD: described(
        "A code or link payload you were given, if any", "option_link_payload"
    ),
}
# Menu hints only (admins can change them); the core checks every use.
HINTS = {
    Role.MODERATOR: discord.Permissions(manage_messages=True),
    Role.ORGANIZER: discord.Permissions(manage_guild=True),
}
ALL_PETITIONS = app_commands.Choice(name="All petitions", value="all")  # `/stop all`


def build_commands(
    run: Run,
    campaign: CampaignConfig,
    describe: Callable[[Command], str],
    catalog: Catalog | None = None,
) -> list[SlashCommand]:
    """A slash command for every declared one (not those ``typed_only``), each calling
    ``run(interaction, name, args)``; ``describe`` gives the catalog's one-line description,
    ``catalog`` the suggestions' words in each member's language."""
    petitions = petition_autocomplete(campaign)
    petitions_or_all = petition_autocomplete(campaign, extra=ALL_PETITIONS, catalog=catalog)
    commands = []
    for declared in COMMANDS:
        if declared.typed_only:
            continue
        or_all = Argument.ALL_PETITIONS in declared.arguments
        command: SlashCommand = app_commands.Command(
            name=declared.name,
            description=described(describe(declared), declared.description_key),
            callback=_callback(declared, run),
        )
        if declared.takes_petition:
            command.autocomplete("petition")(petitions_or_all if or_all else petitions)
        command.default_permissions = HINTS.get(declared.audience)
        commands.append(command)
    return commands


def petition_autocomplete(
    campaign: CampaignConfig,
    extra: app_commands.Choice[str] | None = None,
    catalog: Catalog | None = None,
) -> Autocomplete:
    """Suggest petition slugs whose slug or title contains what was typed (and ``extra``),
    each title as the member's client language writes it (the petition's translation)."""
    by_language: dict[str, list[app_commands.Choice[str]]] = {}

    def choices_in(language: str) -> list[app_commands.Choice[str]]:
        if language not in by_language:  # one list per Discord locale at most
            seen = campaign.in_language(language)
            choices = [
                app_commands.Choice(name=f"{p.title} ({p.slug})"[:CHOICE_NAME_LIMIT], value=p.slug)
                for p in seen.petitions
            ]
            if extra is not None and catalog is not None:
                name = catalog.render("option_all_petitions", language).to_plain_text()
                choices.append(app_commands.Choice(name=name, value=extra.value))
            elif extra is not None:
                choices.append(extra)
            by_language[language] = choices
        return by_language[language]

    async def suggest(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.casefold()
        language = str(interaction.locale.value).split("-")[0].lower()
        found = [c for c in choices_in(language) if typed in f"{c.name} {c.value}".casefold()]
        return found[:MAX_AUTOCOMPLETE_CHOICES]

    return suggest


def _args(*options: str | None) -> tuple[str, ...]:
    return tuple(option.strip() for option in options if option and option.strip())


def _callback(declared: Command, run: Run) -> Callback:
    """The callback whose parameters are the command's options: ``petition`` when it takes
    one, then ``code`` when it takes a code."""
    name = declared.name
    code_text = _code_option(declared)
    if declared.takes_petition and code_text:

        @app_commands.describe(petition=PETITION_OPTION, code=code_text)
        async def petition_and_code(
            interaction: discord.Interaction, petition: str | None = None, code: str | None = None
        ) -> None:
            await run(interaction, name, _args(petition, code))

        return petition_and_code
    if declared.takes_petition:

        @app_commands.describe(petition=PETITION_OPTION)
        async def petition_only(
            interaction: discord.Interaction, petition: str | None = None
        ) -> None:
            await run(interaction, name, _args(petition))

        return petition_only
    if code_text:

        @app_commands.describe(code=code_text)
        async def code_only(interaction: discord.Interaction, code: str | None = None) -> None:
            await run(interaction, name, _args(code))

        return code_only

    async def without_options(interaction: discord.Interaction) -> None:
        await run(interaction, name, ())

    return without_options


def _code_option(declared: Command) -> app_commands.locale_str | None:
    """The ``code`` option's description, if the command takes a code; `CommandTableMismatch`
    for arguments no option here carries (free text: declare the command ``typed_only``)."""
    codes = [CODE_OPTIONS[a] for a in declared.arguments if a in CODE_OPTIONS]
    carried = [*CODE_OPTIONS, *([Argument.ALL_PETITIONS] if declared.takes_petition else [])]
    left = [a.value for a in declared.arguments if a not in carried]
    if left or len(codes) > 1:
        raise CommandTableMismatch(f"/{declared.name}: no slash command option for {left or codes}")
    return codes[0] if codes else None


async def sync_commands(tree: app_commands.CommandTree, guild_ids: tuple[int, ...]) -> None:
    """Publish the commands: to the configured servers at once, else globally."""
    if not guild_ids:
        await tree.sync()
        return
    for guild_id in guild_ids:
        guild = discord.Object(id=guild_id)
        tree.copy_global_to(guild=guild)
        await tree.sync(guild=guild)
