"""The command table: each declaration has its words, its handler, and its privacy in groups."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from core.bot import PetitionBot
from core.catalog import Catalog
from core.commands.table import (
    BY_NAME,
    COMMANDS,
    HELP_SECTIONS,
    Command,
    CommandTableMismatch,
    bind,
)
from core.messages import Outbound
from core.roles import Role
from core.turn import Turn
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import GROUP_WITH_LINKS, Chat, campaign

TEAM = campaign(organizers=["telegram:1"])


def listed(section: str, command: Command) -> bool:
    return re.search(rf"^/{command.name}\b", section, re.MULTILINE) is not None


def test_every_declared_command_is_described_for_the_menus() -> None:
    catalog = Catalog.load()
    for command in COMMANDS:
        assert command.description_key in catalog.keys, command.name
        assert catalog.render(command.description_key).to_plain_text().strip(), command.name


def test_every_command_is_listed_in_the_help_section_of_its_audience_only() -> None:
    catalog = Catalog.load()
    sections = {role: catalog.template(key) for role, key in HELP_SECTIONS.items()}
    assert list(sections) == list(Role)  # each role adds its section to the lower ones'
    for command in COMMANDS:
        where = [role for role, text in sections.items() if listed(text, command)]
        assert where == ([command.audience] if command.in_help else []), command.name


async def test_help_shows_the_sections_of_the_askers_role_and_below() -> None:
    bot = PetitionBot(campaign(moderators=["telegram:2"]), MemoryStore())
    supporter, moderator = Chat(bot, "3"), Chat(bot, "2")
    await supporter.send("/help")
    await moderator.send("/help")
    assert "/stop" in supporter.last and "/count" not in supporter.last
    assert "/count" in moderator.last and "/broadcast" not in moderator.last


async def _answer(turn: Turn) -> list[Outbound]:
    return []


def _handlers(*names: str) -> dict[str, object]:
    return dict.fromkeys(names, _answer)


def test_every_declared_command_gets_its_one_handler() -> None:
    bound = bind(_handlers(*BY_NAME))
    assert list(bound) == [command.name for command in COMMANDS]
    assert all(bound[name][0] is BY_NAME[name] for name in bound)


@pytest.mark.parametrize(
    ("groups", "problem"),
    [
        ((_handlers(*BY_NAME, "vote"),), "/vote has a handler but is not in COMMANDS"),
        ((_handlers(*BY_NAME), _handlers("count")), "/count has two handlers"),
        ((_handlers(*(n for n in BY_NAME if n != "stats")),), "no handler for /stats"),
    ],
)
def test_a_handler_and_the_table_that_disagree_stop_the_core_from_being_built(
    groups: tuple[dict, ...], problem: str
) -> None:
    with pytest.raises(CommandTableMismatch, match=problem):
        bind(*groups)


async def test_private_commands_answer_a_group_with_a_link_that_continues_them() -> None:
    """In a group, a private command gets only a way into the private chat; that link's
    ``/start`` there does what the command would have done."""
    for command in COMMANDS:
        group = Chat(PetitionBot(TEAM, MemoryStore()), private=False, caps=GROUP_WITH_LINKS)
        [*_, answer] = await group.send(f"/{command.name}")
        went_private = answer.text.to_plain_text().startswith("Let's do that in a private chat")
        assert went_private == command.private, command.name
        if not command.private:
            continue
        [link] = answer.links
        [start] = parse_qs(urlparse(link.url).query)["start"]
        followed = Chat(PetitionBot(TEAM, MemoryStore()))
        direct = Chat(PetitionBot(TEAM, MemoryStore()))
        await followed.send(f"/start {start}")
        await direct.send(f"/{command.name}")
        assert followed.last == direct.last, command.name
