"""The Discord adapter on discord.py: slash commands, buttons, modals and direct messages.

Named ``discord_adapter`` rather than ``discord`` so that it never shadows the discord.py
package when a module of ``bots/`` runs as a script.
"""

from bots.discord_adapter.client import DiscordPetitionBot, create_bot, open_sender, run_discord
from bots.discord_adapter.inbound import DIRECT_MESSAGE, PLATFORM, SERVER_INTERACTION
from bots.discord_adapter.sender import DiscordSender, delivery_outcome

__all__ = [
    "DIRECT_MESSAGE",
    "PLATFORM",
    "SERVER_INTERACTION",
    "DiscordPetitionBot",
    "DiscordSender",
    "create_bot",
    "delivery_outcome",
    "open_sender",
    "run_discord",
]
