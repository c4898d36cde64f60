"""Starting the enabled platform adapters side by side for `petition-bot run`."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from bots.config import AppConfig
from bots.runtime import Runtime, open_runtime
from core.delivery import Sender
from core.errors import MissingToken, StartupError


class NoPlatformEnabled(StartupError):
    """`run` was asked to start with no platform enabled in the config."""


class PlatformStopped(StartupError):
    """A platform adapter stopped with an error; the message names the platform and why."""


@dataclass(frozen=True)
class Platform:
    """A platform adapter `run` can start: whether it is enabled, its token, how to run it."""

    name: str
    token_env: str
    enabled: Callable[[AppConfig], bool]
    run: Callable[[Runtime, bool], Awaitable[None]]  # (runtime, deliver_broadcasts)
    # A Sender without the whole bot, for `petition-bot broadcast`.
    open_sender: Callable[[AppConfig, str], AbstractAsyncContextManager[Sender]] | None = None


def available_platforms() -> list[Platform]:
    """Every adapter this build knows; each registers itself here when it is added."""
    # Imported here: an adapter's library is big, and only `run` and `broadcast` need it.
    from bots.discord_bot import open_sender as open_discord_sender
    from bots.discord_bot import run_discord
    from bots.matrix import open_sender as open_matrix_sender
    from bots.matrix import run_matrix
    from bots.telegram.runner import run_telegram, telegram_enabled
    from bots.telegram.sender import open_sender as open_telegram_sender

    telegram = Platform(
        "Telegram", "TELEGRAM_BOT_TOKEN", telegram_enabled, run_telegram, open_telegram_sender
    )
    discord = Platform(
        "Discord", "DISCORD_BOT_TOKEN", _discord_enabled, run_discord, open_discord_sender
    )
    matrix = Platform(
        "Matrix", "MATRIX_ACCESS_TOKEN", _matrix_enabled, run_matrix, open_matrix_sender
    )
    return [telegram, discord, matrix]


def _discord_enabled(config: AppConfig) -> bool:
    return config.discord.enabled


def _matrix_enabled(config: AppConfig) -> bool:
    return config.matrix.enabled


DISPATCHER = "dispatcher"


# What ``run --only`` may name: one platform's chat adapter, or the dispatcher. Spelled out
# (tests check it against `available_platforms`) so the parser imports no adapter library.
ROLES = ("telegram", "discord", "matrix", DISPATCHER)


async def run_platforms(
    config: AppConfig, platforms: list[Platform] | None = None, only: str | None = None
) -> None:
    """Run every enabled platform on one runtime (one store, one core) until one stops or
    the process is interrupted. ``only`` runs one role: a platform's chat adapter without
    broadcast delivery, or the ``dispatcher`` (delivery for every enabled platform, no chat)."""
    platforms = available_platforms() if platforms is None else platforms
    enabled = [platform for platform in platforms if platform.enabled(config)]
    if only is not None and only != DISPATCHER:
        enabled = [platform for platform in enabled if platform.name.lower() == only]
    if not enabled and not (only is None and config.web.enabled):
        named = f"{only} is not enabled. " if only not in (None, DISPATCHER) else ""
        raise NoPlatformEnabled(
            f"{named}No platform is enabled. Set [telegram] enabled = true and the environment "
            "variable TELEGRAM_BOT_TOKEN, or [discord] enabled = true and DISCORD_BOT_TOKEN, "
            "or [matrix] enabled = true and MATRIX_ACCESS_TOKEN. "
            "To try the bot without a token: petition-bot chat. To serve only the campaign "
            "site: [web] enabled = true, or petition-bot web"
        )
    for platform in enabled:
        token = os.environ.get(platform.token_env, "").strip()
        if not token:
            raise MissingToken(
                f"{platform.name} is enabled but the environment variable "
                f"{platform.token_env} is not set: export {platform.token_env}=<your bot token>"
            )
    runtime = await open_runtime(config, sweep=True)
    try:
        async with asyncio.TaskGroup() as group:
            for platform in enabled:
                if only == DISPATCHER:
                    group.create_task(_dispatch(platform, runtime))
                else:
                    group.create_task(_run_one(platform, runtime, deliver=only is None))
            if config.web.enabled:
                # A dispatcher has no chat connection for /readyz to wait for.
                chats = () if only == DISPATCHER else tuple(p.name for p in enabled)
                group.create_task(_run_site(runtime, chats))
    except* PlatformStopped as stopped:
        # One line per platform that failed (a rejected token, say), not a traceback.
        raise PlatformStopped("\n".join(str(e) for e in stopped.exceptions)) from None
    finally:
        await runtime.close()


async def _dispatch(platform: Platform, runtime: Runtime) -> None:
    """Deliver the platform's broadcasts (and report their progress) until cancelled."""
    if platform.open_sender is None:
        raise PlatformStopped(f"{platform.name} cannot deliver broadcasts from a dispatcher")
    token = os.environ.get(platform.token_env, "").strip()
    try:
        async with platform.open_sender(runtime.config, token) as sender:
            runtime.core.deliveries.start(sender)
            await asyncio.Event().wait()
    except (asyncio.CancelledError, KeyboardInterrupt):
        raise
    except Exception as exc:
        raise PlatformStopped(f"{platform.name} dispatcher stopped: {exc}") from exc


async def _run_one(platform: Platform, runtime: Runtime, deliver: bool) -> None:
    try:
        await platform.run(runtime, deliver)
    except (asyncio.CancelledError, KeyboardInterrupt):
        raise
    except Exception as exc:
        raise PlatformStopped(f"{platform.name} stopped: {exc}") from exc


async def _run_site(runtime: Runtime, platforms: tuple[str, ...]) -> None:
    from bots.web import run_web  # aiohttp's server only when the site is on

    try:
        await run_web(runtime, platforms)
    except OSError as exc:  # the port is taken, say
        raise PlatformStopped(f"The web server stopped: {exc.strerror or exc}") from exc
