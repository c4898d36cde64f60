"""Every adapter offers exactly the commands the core declares (core/commands/table.py).

The exceptions are declared on the commands themselves: a ``typed_only`` command is no
Discord slash command (it is typed in a direct message instead). Telegram's menus are read
from the local Bot API fake, Discord's commands as SimCord's Discord received them, and the
terminal is asked every command as typed.
"""

from __future__ import annotations

import io
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import simcord

from bots.config import BUNDLED_EXAMPLE, AppConfig, parse_config
from bots.console import PLATFORM, ConsoleChat
from bots.discord_adapter.commands import build_commands
from bots.discord_bot import DiscordPetitionBot, create_bot
from bots.matrix import create_bot as create_matrix_bot
from bots.runtime import build_runtime, open_runtime
from bots.telegram_bot import create_application, running
from core.bot import PetitionBot
from core.catalog import Catalog
from core.commands.table import (
    COMMANDS,
    Argument,
    Command,
    CommandTableMismatch,
    available_to,
    description,
)
from core.roles import Role
from tests.fakes.memory_store import MemoryStore
from tests.fakes.telegram_api import FakeTelegramServer
from tests.matrix.conftest import Person, RunningBot, bot_account, matrix_config, synapse
from tests.matrix.synapse import Synapse

__all__ = ["bot_account", "synapse"]  # the Matrix fixtures: a real Synapse, a bot account

pytestmark = [pytest.mark.timeout(30)]

TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw4"
MODERATOR_ID = 5001
ORGANIZER_ID = 5002
ORGANIZER = "organizer"  # the terminal user with every role


def config(tmp_path: Path, **sections: Any) -> AppConfig:
    with BUNDLED_EXAMPLE.open("rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    data["storage"] = {"url": f"sqlite:///{tmp_path / 'petition.db'}"}
    data["roles"] = {
        "moderators": [f"telegram:{MODERATOR_ID}"],
        "organizers": [f"telegram:{ORGANIZER_ID}", f"{PLATFORM}:{ORGANIZER}"],
    }
    return parse_config(data | sections)


def names(role: Role) -> list[str]:
    return [command.name for command in available_to(role)]


@pytest_asyncio.fixture
async def tg(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeTelegramServer]:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    async with FakeTelegramServer(token=TOKEN, username="petition_test_bot") as server:
        yield server


@pytest.fixture
def simcord_bot(tmp_path: Path) -> DiscordPetitionBot:
    """The bot SimCord's ``simcord_env`` starts (SimCord plays Discord)."""
    discord = {"enabled": True, "guild_ids": [], "moderator_role_ids": []}
    app = config(tmp_path, discord=discord)
    return create_bot(build_runtime(app, MemoryStore()), deliver_broadcasts=False)  # no polling


async def test_telegrams_menus_list_every_declared_command_of_each_role(
    tg: FakeTelegramServer, tmp_path: Path
) -> None:
    telegram = {"enabled": True, "base_url": tg.base_url}
    runtime = await open_runtime(config(tmp_path, telegram=telegram))
    try:
        async with running(create_application(runtime), poll_timeout=1):
            menus = dict(tg.commands)
    finally:
        await runtime.close()
    everyone = menus["default"]
    assert [c["command"] for c in everyone] == names(Role.SUPPORTER)
    assert [c["command"] for c in menus[f"chat:{MODERATOR_ID}"]] == names(Role.MODERATOR)
    organizer = menus[f"chat:{ORGANIZER_ID}"]
    assert [c["command"] for c in organizer] == [c.name for c in COMMANDS]  # no exception
    catalog = Catalog.load()
    assert {c["command"]: c["description"] for c in organizer} == {
        c.name: description(c, catalog) for c in COMMANDS
    }


async def test_discords_slash_commands_are_the_declared_ones_but_those_typed_only(
    simcord_env: simcord.Env,
) -> None:
    published = {c.name: c for c in await simcord_env.bot.tree.fetch_commands()}
    typed_only = [c for c in COMMANDS if c.typed_only]
    assert set(published) == {c.name for c in COMMANDS} - {c.name for c in typed_only}
    assert [c.name for c in typed_only] == ["broadcast", "import"]  # each with its reason
    catalog = Catalog.load()
    for declared in (c for c in COMMANDS if not c.typed_only):
        command = published[declared.name]
        codes = {Argument.REFERRAL_CODE, Argument.LINK_PAYLOAD} & set(declared.arguments)
        options = ["petition"] * declared.takes_petition + ["code"] * bool(codes)
        assert [option.name for option in command.options] == options, declared.name
        assert command.description == description(declared, catalog)
        hinted = command.default_member_permissions is not None
        assert hinted == (declared.audience > Role.SUPPORTER), declared.name

    # A typed-only command is typed in a direct message, where the core answers it.
    member = simcord_env.create_guild("HQ").add_member(simcord_env.create_user("bob"))
    await member.user.send_dm("/broadcast Hello")
    assert "only for the campaign team" in member.user.dm_channel.last_message.content


async def _run(*_: object) -> None:
    pass


def test_a_free_text_command_not_declared_typed_only_stops_discords_commands_being_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    note = Command("note", Role.ORGANIZER, arguments=(Argument.FREE_TEXT,))
    monkeypatch.setattr("bots.discord_adapter.commands.COMMANDS", (*COMMANDS, note))
    with pytest.raises(CommandTableMismatch, match="/note: no slash command option"):
        build_commands(_run, config(tmp_path).campaign, lambda command: command.name)


async def test_the_terminal_answers_every_declared_command_as_typed(tmp_path: Path) -> None:
    app = config(tmp_path)
    chat = ConsoleChat(PetitionBot(app.campaign, MemoryStore()), ORGANIZER, io.StringIO())
    unknown = "I don't know the command"
    for command in COMMANDS:
        replies = await chat.say(f"/{command.name}")
        assert replies and all(unknown not in r.text.to_plain_text() for r in replies), command
    [refused] = await chat.say("/nosuchcommand")
    assert unknown in refused.text.to_plain_text()


@pytest.mark.requires_service("synapse")
async def test_matrix_answers_every_declared_command_typed_with_an_exclamation_mark(
    synapse: Synapse, bot_account: str, tmp_path: Path
) -> None:
    import secrets

    person = Person(synapse, f"c{secrets.token_hex(3)}")
    roles = {"organizers": [f"matrix:{person.user_id}"]}
    runtime = await open_runtime(matrix_config(tmp_path, synapse, bot_account, roles=roles))
    bot = RunningBot(runtime, create_matrix_bot(runtime))
    try:
        await bot.ready()
        await person.start()
        room = await person.open_direct(bot_account)
        await person.ask(room, "!help", "")  # the bot has joined
        for command in COMMANDS:  # one at a time: each gets its own answer
            answer = await person.ask(room, f"!{command.name}", "")
            assert "I don't know the command" not in answer.body, command.name
        refused = await person.ask(room, "!nosuchcommand", "/nosuchcommand")
        assert "I don't know the command" in refused.body
    finally:
        await bot.stop()
        await runtime.close()
        await person.client.close()
