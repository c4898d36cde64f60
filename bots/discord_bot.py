"""`bots.discord_bot`: the Discord adapter's public entry points (see `bots.discord_adapter`)."""

from bots.discord_adapter import (
    DIRECT_MESSAGE,
    PLATFORM,
    SERVER_INTERACTION,
    DiscordPetitionBot,
    DiscordSender,
    create_bot,
    delivery_outcome,
    open_sender,
    run_discord,
)

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
