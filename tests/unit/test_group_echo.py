"""In a group the bot never repeats what someone typed: everyone in the chat would read it."""

from __future__ import annotations

import pytest

from core.bot import PetitionBot
from core.messages import Inbound, InboundKind, Outbound
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import FORMS, GROUP_WITH_LINKS, Chat, campaign

BAIT = "FREE-CRYPTO-at-https://evil.example/login"
RTL_BAIT = "\u202enigol/elpmaxe.live"


def everything_shown(replies: list[Outbound]) -> str:
    """Text, button labels and link addresses: all a group member can read of the replies."""
    parts = [reply.text.to_plain_text() for reply in replies]
    parts += [c.label + c.data for reply in replies for row in reply.choices for c in row]
    parts += [link.label + link.url for reply in replies for link in reply.links]
    return "\n".join(parts)


@pytest.fixture
def bot() -> PetitionBot:
    roles = {"moderators": frozenset({"telegram:42"})}
    return PetitionBot(campaign(**roles), MemoryStore())


@pytest.mark.parametrize("bait", [BAIT, RTL_BAIT])
@pytest.mark.parametrize(
    "command",
    ["/petition {}", "/sign {}", "/start {}", "/status {}", "/stop {}", "/count {}", "/{}"],
)
async def test_nothing_typed_in_a_group_is_repeated_there(
    bot: PetitionBot, command: str, bait: str
) -> None:
    member = Chat(bot, "42", caps=GROUP_WITH_LINKS, private=False)  # a moderator, for /count
    replies = await member.send(command.format(bait))
    shown = everything_shown(replies)
    assert replies and not any(reply.private for reply in replies)
    for fragment in ("CRYPTO", "evil", "nigol", "\u202e"):
        assert fragment not in shown


async def test_an_unknown_petition_in_a_group_gets_a_fixed_answer(bot: PetitionBot) -> None:
    member = Chat(bot, "7", caps=GROUP_WITH_LINKS, private=False)
    [reply] = await member.send(f"/petition {BAIT}")
    assert reply.text.to_plain_text() == ("I don't know that petition. Petitions: dont-run-joe.")


async def test_a_display_name_is_not_repeated_in_a_group(bot: PetitionBot) -> None:
    inbound = Inbound(
        platform="telegram",
        user_id="7",
        chat_id="-100",
        display_name=BAIT,
        private=False,
        kind=InboundKind.COMMAND,
        command="start",
    )
    replies = await bot.handle(inbound, GROUP_WITH_LINKS)
    assert replies and "CRYPTO" not in everything_shown(replies)


async def test_the_unknown_name_is_quoted_only_to_the_sender(bot: PetitionBot) -> None:
    chat = Chat(bot, "7")
    [reply] = await chat.send("/petition no-such-thing")
    assert "don't know a petition called “no-such-thing”" in chat.last and reply.private
    server = Chat(bot, "7", platform="discord", caps=FORMS, private=False)
    [reply] = await server.send("/no-such-command")  # shown only to the sender there
    assert "/no-such-command" in server.last and reply.private
