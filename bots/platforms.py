"""Starting the enabled platform adapters side by side for `petition-bot run`."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bots.config import AppConfig


class NoPlatformEnabled(RuntimeError):
    """`run` was asked to start with no platform enabled in the config."""


class MissingToken(RuntimeError):
    """An enabled platform's token is not in the environment."""


@dataclass(frozen=True)
class Platform:
    """A platform adapter `run` can start: whether it is enabled, its token, how to run it."""

    name: str
    token_env: str
    enabled: Callable[[AppConfig], bool]
    run: Callable[[AppConfig, str], Awaitable[None]]


def available_platforms() -> list[Platform]:
    """Every adapter this build knows; each registers itself here when it is added."""
    return []


async def run_platforms(config: AppConfig, platforms: list[Platform] | None = None) -> None:
    """Run every enabled platform until one stops or the process is interrupted."""
    platforms = available_platforms() if platforms is None else platforms
    enabled = [platform for platform in platforms if platform.enabled(config)]
    if not enabled:
        raise NoPlatformEnabled(
            "No platform is enabled. Set [telegram] enabled = true and the environment "
            "variable TELEGRAM_BOT_TOKEN, or [discord] enabled = true and DISCORD_BOT_TOKEN. "
            "To try the bot without a token: petition-bot chat"
        )
    tokens = {}
    for platform in enabled:
        token = os.environ.get(platform.token_env, "").strip()
        if not token:
            raise MissingToken(
                f"{platform.name} is enabled but the environment variable "
                f"{platform.token_env} is not set: export {platform.token_env}=<your bot token>"
            )
        tokens[platform.name] = token
    async with asyncio.TaskGroup() as group:
        for platform in enabled:
            group.create_task(platform.run(config, tokens[platform.name]))
