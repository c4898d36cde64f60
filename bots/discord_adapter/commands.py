"""The slash commands: the same names and meaning as on every platform, options as arguments.

Each command only forwards its options to the core, which decides everything, including who
may use the moderator and organizer commands. Their ``default_member_permissions`` merely
hides them from most members' menus; server admins can change it, so it is never relied on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord
from discord import app_commands

from core.config import CampaignConfig

Run = Callable[[discord.Interaction, str, tuple[str, ...]], Awaitable[None]]
Autocomplete = Callable[[discord.Interaction, str], Awaitable[list[app_commands.Choice[str]]]]

MAX_AUTOCOMPLETE_CHOICES = 25
CHOICE_NAME_LIMIT = 100
PETITION_OPTION = "Which petition (default: the campaign's main one)"

WITHOUT_OPTIONS = ("help", "petitions", "mydata", "cancel", "broadcasts")
WITH_PETITION = (
    "petition",
    "status",
    "share",
    "withdraw",
    "stop",
    "count",
    "stats",
    "recent",
    "export",
)
DESCRIPTION_LIMIT = 100  # Discord's limit for a slash command's description
# Menu hints only (admins can change them); the core checks every use.
HINTS = {
    "count": discord.Permissions(manage_messages=True),
    "stats": discord.Permissions(manage_messages=True),
    "recent": discord.Permissions(manage_messages=True),
    "export": discord.Permissions(manage_guild=True),
    "broadcasts": discord.Permissions(manage_guild=True),
}
ALL_PETITIONS = app_commands.Choice(name="All petitions", value="all")  # `/stop all`


def build_commands(
    run: Run, campaign: CampaignConfig, describe: Callable[[str], str]
) -> list[app_commands.Command]:
    """Every command, each calling ``run(interaction, name, args)``; ``describe`` gives the
    catalog's one-line description of a command."""

    def text(name: str) -> str:
        return describe(name)[:DESCRIPTION_LIMIT]

    petitions = petition_autocomplete(campaign)
    petitions_or_all = petition_autocomplete(campaign, extra=ALL_PETITIONS)
    commands = [_without_options(name, text(name), run) for name in WITHOUT_OPTIONS]
    commands += [
        _with_petition(n, text(n), run, petitions_or_all if n == "stop" else petitions)
        for n in WITH_PETITION
    ]
    commands += [_sign(run, petitions, text("sign")), _start(run, text("start"))]
    for command in commands:
        command.default_permissions = HINTS.get(command.name)
    return commands


def petition_autocomplete(
    campaign: CampaignConfig, extra: app_commands.Choice[str] | None = None
) -> Autocomplete:
    """Suggest petition slugs whose slug or title contains what was typed (and ``extra``)."""
    choices = [
        app_commands.Choice(name=f"{p.title} ({p.slug})"[:CHOICE_NAME_LIMIT], value=p.slug)
        for p in campaign.petitions
    ]
    if extra is not None:
        choices.append(extra)

    async def suggest(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.casefold()
        return [c for c in choices if typed in c.name.casefold()][:MAX_AUTOCOMPLETE_CHOICES]

    return suggest


def _args(*options: str | None) -> tuple[str, ...]:
    return tuple(option.strip() for option in options if option and option.strip())


def _without_options(name: str, description: str, run: Run) -> app_commands.Command:
    async def callback(interaction: discord.Interaction) -> None:
        await run(interaction, name, ())

    return app_commands.Command(name=name, description=description, callback=callback)


def _with_petition(
    name: str, description: str, run: Run, autocomplete: Autocomplete
) -> app_commands.Command:
    @app_commands.describe(petition=PETITION_OPTION)
    async def callback(interaction: discord.Interaction, petition: str | None = None) -> None:
        await run(interaction, name, _args(petition))

    command = app_commands.Command(name=name, description=description, callback=callback)
    command.autocomplete("petition")(autocomplete)
    return command


def _sign(run: Run, autocomplete: Autocomplete, description: str) -> app_commands.Command:
    @app_commands.describe(petition=PETITION_OPTION, code="A friend's referral code, if any")
    async def callback(
        interaction: discord.Interaction, petition: str | None = None, code: str | None = None
    ) -> None:
        await run(interaction, "sign", _args(petition, code))

    command = app_commands.Command(name="sign", description=description, callback=callback)
    command.autocomplete("petition")(autocomplete)
    return command


def _start(run: Run, description: str) -> app_commands.Command:
    @app_commands.describe(code="A code or link payload you were given, if any")
    async def callback(interaction: discord.Interaction, code: str | None = None) -> None:
        await run(interaction, "start", _args(code))

    return app_commands.Command(name="start", description=description, callback=callback)


async def sync_commands(tree: app_commands.CommandTree, guild_ids: tuple[int, ...]) -> None:
    """Publish the commands: to the configured servers at once, else globally."""
    if not guild_ids:
        await tree.sync()
        return
    for guild_id in guild_ids:
        guild = discord.Object(id=guild_id)
        tree.copy_global_to(guild=guild)
        await tree.sync(guild=guild)
