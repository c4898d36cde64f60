"""Discord sharding across processes: each process connects only its configured shards."""

from __future__ import annotations

from pathlib import Path

import pytest
import simcord
from discord_helpers import discord_bot, discord_config

from bots.cli import main
from bots.config import AppConfig
from bots.discord_bot import DiscordPetitionBot, create_bot
from bots.runtime import build_runtime
from core.store import Store


def sharded(db_path: Path, count: int, ids: tuple[int, ...] | None) -> AppConfig:
    config = discord_config(db_path)
    return config.model_copy(update={"discord": config.discord.with_shards(count, ids)})


async def test_a_process_answers_the_servers_of_its_shards_only(
    simcord_env: simcord.Env, db_path: Path, store: Store
) -> None:
    env = simcord_env
    await env.restart_bot(discord_bot(sharded(db_path, 2, (1,)), store))
    assert env.bot.shard_count == 2 and env.bot.shard_ids == [1]
    ours = env.create_guild("Shard one", shard_id=1)
    theirs = env.create_guild("Shard zero", shard_id=0)
    assert [g.id for g in env.bot.guilds] == [ours.id]  # Discord sent only shard 1's servers
    alice = ours.add_member(env.create_user("alice"))
    result = await alice.slash(ours.create_text_channel("general"), "petitions")
    assert "Petitions" in result.response.embeds[0].title
    assert env.bot.get_guild(theirs.id) is None  # another process's shard


def test_the_bot_is_built_with_the_configured_shards(tmp_path: Path, store: Store) -> None:
    plain = create_bot(build_runtime(discord_config(tmp_path / "x.db"), store))
    assert type(plain) is DiscordPetitionBot and plain.shard_count is None  # one connection
    bot = create_bot(build_runtime(sharded(tmp_path / "x.db", 4, (2, 3)), store))
    assert (bot.shard_count, bot.shard_ids) == (4, [2, 3])
    every = create_bot(build_runtime(sharded(tmp_path / "x.db", 3, None), store))
    assert (every.shard_count, every.shard_ids) == (3, None)  # all three in this process


@pytest.mark.parametrize(
    ("flags", "problem"),
    [
        (["--shard-ids", "0"], "needs discord.shard_count"),
        (["--shard-count", "2", "--shard-ids", "2"], "from 0 to 1"),
        (["--shard-count", "2", "--shard-ids", "1,1"], "names a shard twice"),
    ],
)
def test_run_refuses_shards_that_do_not_fit(
    flags: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--only", "discord", *flags]) == 2
    assert problem in capsys.readouterr().err
