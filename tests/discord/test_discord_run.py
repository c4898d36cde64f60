"""Building and starting the Discord bot: config, store, command sync, the token."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
import pytest_asyncio
from aiohttp import web
from discord_helpers import World, discord_bot, discord_config

from bots.config import BUNDLED_EXAMPLE, load_config
from bots.discord_adapter import client as client_module
from bots.discord_bot import DiscordPetitionBot, create_bot, open_sender
from bots.platforms import Platform, PlatformStopped, available_platforms, run_platforms
from bots.runtime import open_runtime
from core.errors import StoreClosed

# Shaped like a real Discord token (id.timestamp.hmac), so shape-based redaction is tested too.
TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"


def discord_platform() -> Platform:
    return next(p for p in available_platforms() if p.name == "Discord")


def test_run_knows_the_discord_platform(tmp_path: Path) -> None:
    platform = discord_platform()
    assert platform.token_env == "DISCORD_BOT_TOKEN"
    assert platform.enabled(discord_config(tmp_path / "x.db"))
    assert not platform.enabled(discord_config(tmp_path / "x.db", enabled=False))


async def test_login_starts_broadcasting_on_the_configured_store_until_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "from-config.db"
    config_file = tmp_path / "config.toml"
    text = BUNDLED_EXAMPLE.read_text(encoding="utf-8")
    config_file.write_text(text.replace("sqlite:///petition.db", f"sqlite:///{db}"))
    runtime = await open_runtime(load_config(config_file))
    bot = create_bot(runtime)
    assert isinstance(bot, DiscordPetitionBot) and bot.core is runtime.core
    synced: list[tuple[int, ...]] = []

    async def sync(tree: object, guild_ids: tuple[int, ...]) -> None:
        synced.append(guild_ids)  # publishing commands needs Discord itself

    monkeypatch.setattr(client_module, "sync_commands", sync)
    deliveries = runtime.core.deliveries
    await bot.setup_hook()  # what discord.py runs at login
    assert db.exists() and await runtime.core.store.count("dont-run-joe") == 0
    assert "discord" in deliveries._tasks and synced == [()]  # delivering while it runs
    await bot.close()
    assert "discord" not in deliveries._tasks  # stopped with the bot
    await runtime.close()
    with pytest.raises(StoreClosed, match="closed"):
        await runtime.core.store.count("dont-run-joe")


async def test_commands_sync_to_the_configured_servers(world: World, db_path: Path) -> None:
    config = discord_config(db_path, guild_ids=[world.guild.id])
    await world.env.restart_bot(discord_bot(config, world.store))
    puts = [r.path for r in world.env.http_requests if r.method == "PUT"]
    assert puts[-1].endswith(f"/guilds/{world.guild.id}/commands")
    result = await world.alice.slash(world.channel, "petitions")
    assert "Petitions" in result.response.embeds[0].title


@pytest_asyncio.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[list[str]]:
    """A local stand-in for Discord's API that refuses every token; records what it was sent."""
    authorizations: list[str] = []

    async def me(request: web.Request) -> web.Response:
        authorizations.append(request.headers.get("Authorization", ""))
        return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)

    app = web.Application()
    app.router.add_get("/api/v10/users/@me", me)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    yield authorizations
    await runner.cleanup()


async def test_the_token_comes_from_the_environment_and_never_reaches_a_log(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fake_discord: list[str],
    production_logging: None,
) -> None:
    monkeypatch.setenv("DISCORD_BOT_TOKEN", TOKEN)
    config = discord_config(tmp_path / "petition.db")
    with pytest.raises(PlatformStopped, match="Discord stopped: Improper token") as raised:
        await run_platforms(config, [discord_platform()])
    assert TOKEN not in str(raised.value)
    assert fake_discord == [f"Bot {TOKEN}"]  # the token was read from the environment and used
    # Even a library that logged the token verbatim would print it redacted.
    logging.getLogger("discord.http").warning("request with token %s", TOKEN)
    logging.getLogger("aiohttp.client").warning("header Authorization: Bot %s", TOKEN)
    err = capsys.readouterr().err
    assert "logging in using static token" in err  # the DEBUG log was really captured
    assert TOKEN not in err
    assert TOKEN.split(".")[2] not in err
    assert err.count("<redacted>") == 2


async def test_a_command_line_sender_logs_in_with_the_token_it_is_given(
    fake_discord: list[str], production_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(discord.LoginFailure):
        async with open_sender(discord_config(Path("unused.db")), TOKEN):
            pass
    assert fake_discord == [f"Bot {TOKEN}"]
    assert TOKEN not in capsys.readouterr().err
