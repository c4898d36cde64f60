"""Groups: the pitch, counts and help answer in the group; anything personal goes private."""

from __future__ import annotations

import pytest

from core.bot import PetitionBot
from tests.fakes.telegram_api import FakeTelegramServer

from .conftest import GROUP, MODERATOR_ID, Person

pytestmark = [pytest.mark.timeout(20)]

SLUG = "dont-run-joe"
DEEP_LINK = "https://t.me/petition_test_bot?start="


@pytest.fixture
def alice_in_group(tg: FakeTelegramServer) -> Person:
    return Person(tg, 1001, "Alice", chat=GROUP)


@pytest.fixture
def moderator_in_group(tg: FakeTelegramServer) -> Person:
    return Person(tg, MODERATOR_ID, "Mo", chat=GROUP)


async def test_sign_in_a_group_answers_with_a_deep_link_and_stores_nothing(
    tg: FakeTelegramServer, app, core: PetitionBot, alice_in_group: Person
) -> None:
    reply = await alice_in_group.ask("/sign@petition_test_bot")
    assert "private chat" in reply.plain
    links = [b["url"] for row in reply.reply_markup["inline_keyboard"] for b in row]
    assert len(links) == 1 and links[0].startswith(DEEP_LINK)
    assert reply.buttons == [("Open a private chat", None)]  # a link, no callback data
    assert await core.store.get_conversation("telegram", "1001") is None
    assert await core.store.count(SLUG) == 0
    assert tg.messages(1001) == []  # nothing was sent privately either


async def test_petition_and_help_answer_in_the_group_without_sign_buttons(
    app, alice_in_group: Person
) -> None:
    pitch = await alice_in_group.ask("/petition")
    assert "Don't Run Joe" in pitch.plain
    assert [data for _, data in pitch.buttons] == [None]  # only the deep link
    assert pitch.reply_markup["inline_keyboard"][0][0]["url"] == f"{DEEP_LINK}{SLUG}"
    assert "What I can do" in (await alice_in_group.ask("/help")).plain


async def test_group_chatter_and_other_bots_commands_are_ignored(
    tg: FakeTelegramServer, app, alice_in_group: Person
) -> None:
    tg.send_text(alice_in_group.user, "my email is alice@example.org", chat=GROUP)
    tg.send_text(alice_in_group.user, "/sign@some_other_bot", chat=GROUP)
    help_text = await alice_in_group.ask("/help")
    assert [m.plain for m in tg.messages(GROUP["id"])] == [help_text.plain]


async def test_a_moderators_count_and_stats_answer_in_the_group(
    app, core: PetitionBot, alice: Person, moderator_in_group: Person
) -> None:
    await alice.sign()
    count = await moderator_in_group.ask("/count")
    assert "1 signature," in count.plain
    stats, chart = await moderator_in_group.say("/stats", replies=2)
    assert "statistics" in stats.plain and "Total: 1" in stats.plain
    assert chart.kind == "photo" and chart.file.data.startswith(b"\x89PNG")
    assert "alice@example.org" not in stats.plain + count.plain + chart.plain
    actions = [entry.action for entry in await core.store.audit_log(10)]
    assert actions[:2] == ["stats", "count"]


async def test_a_supporters_stats_is_refused_and_the_refusal_stays_out_of_the_group(
    tg: FakeTelegramServer, app, core: PetitionBot, alice: Person, alice_in_group: Person
) -> None:
    refused = await alice.ask("/stats")
    assert "only for the campaign team" in refused.plain

    tg.send_text(alice_in_group.user, "/stats", chat=GROUP)
    in_private = await tg.wait_for_message(alice.chat_id)
    assert "only for the campaign team" in in_private.plain
    assert tg.messages(GROUP["id"]) == []
    actions = [entry.action for entry in await core.store.audit_log(10)]
    assert actions == ["refused:stats", "refused:stats"]


async def test_the_deep_link_from_a_group_continues_in_the_private_chat(
    app, alice: Person, alice_in_group: Person
) -> None:
    await alice.sign()
    in_group = await alice_in_group.ask("/status")
    assert "You signed" not in in_group.plain  # nothing personal in the group
    url = in_group.reply_markup["inline_keyboard"][0][0]["url"]
    assert url.startswith(DEEP_LINK)
    status = await alice.ask(f"/start {url.removeprefix(DEEP_LINK)}")  # what Telegram sends
    assert "You signed" in status.plain
