"""Nobody gets pinged, user text never formats, and every interaction is answered once, in time."""

from __future__ import annotations

import asyncio
from collections import Counter

import discord
from discord_helpers import GOOD_FORM, World

from bots.discord_adapter.deadline import Acknowledger
from core.messages import Capabilities, Inbound, Outbound

MARKUP_NAME = "<b>*@everyone*</b> Smith"


def callbacks(world: World) -> Counter[str]:
    """Interaction callbacks per interaction id."""
    return Counter(
        r.path.split("/")[2]
        for r in world.env.http_requests
        if r.method == "POST" and r.path.endswith("/callback")
    )


def message_bodies(world: World) -> list[dict]:
    """Every message body the bot sent: callbacks, followups, edits and channel posts."""
    bodies = []
    for r in world.env.http_requests:
        if r.method in ("POST", "PATCH") and isinstance(r.json, dict):
            body = r.json.get("data", r.json) if r.path.endswith("/callback") else r.json
            if isinstance(body, dict) and ("content" in body or "embeds" in body):
                bodies.append(body)
    return bodies


async def test_a_member_called_everyone_pings_nobody(world: World) -> None:
    everyone = world.guild.add_member(world.env.create_user("x", global_name="@everyone"))
    welcome = await everyone.slash(world.channel, "start")
    assert not welcome.ephemeral
    message = welcome.response.message
    assert "everyone" in message.content
    assert message.mention_everyone is False
    stored = world.env.backend.get_message(message.channel.id, message.id)  # SimCord internals
    assert stored.ping_user_ids == [] and stored.ping_role_ids == [] and not stored.mention_everyone
    for body in message_bodies(world):
        assert body["allowed_mentions"] == {"parse": []}


async def test_a_name_with_markdown_and_a_mention_is_shown_exactly_as_typed(world: World) -> None:
    confirm = await world.bob.slash(world.channel, "sign")
    shown = await world.bob.click(confirm.response, label="Yes, I want to sign")
    consent = await world.bob.submit_modal(shown, {**GOOD_FORM, "name": MARKUP_NAME})
    summary = await world.bob.click(consent.response, label="No, thanks")
    content = summary.response.content
    assert "\\<b\\>\\*@\u200beveryone\\*\\</b\\> Smith" in content
    assert summary.response.message.mention_everyone is False
    assert all(body["allowed_mentions"] == {"parse": []} for body in message_bodies(world))


async def test_dm_replies_are_sent_without_mentions(world: World) -> None:
    await world.bob.user.send_dm("/help")
    posts = [r for r in world.env.http_requests if r.method == "POST" and "/messages" in r.path]
    assert posts and all(r.json["allowed_mentions"] == {"parse": []} for r in posts)


async def test_a_slow_core_is_deferred_in_time_and_answered_once(world: World) -> None:
    slow_down(world, seconds=0.3)
    counted = await world.moderator.slash(world.channel, "count")
    assert counted.acknowledged and not counted.deferred
    assert "0 signatures" in world.channel.history()[-1].content  # still public, in the channel
    pitch = await world.alice.slash(world.channel, "petition")
    assert pitch.followups[0].embeds and not pitch.followups[0].ephemeral
    assert set(callbacks(world).values()) == {1}


async def test_a_form_asked_for_after_a_defer_opens_from_a_button(world: World) -> None:
    pitch = await world.alice.slash(world.channel, "petition")
    slow_down(world, seconds=0.3)
    pressed = await world.alice.click(pitch.response, label="✍️ Sign the petition")
    assert pressed.modal is None  # too late for a modal: a private button opens it instead
    offer = pressed.followups[0]
    assert offer.ephemeral and "Please fill in the form" in offer.content
    shown = await world.alice.click(offer, label="Open the form")
    assert shown.modal is not None
    consent = await world.alice.submit_modal(shown, GOOD_FORM)
    assert consent.response.id == offer.id  # the private offer moves on to the next question
    assert "updates about this campaign" in consent.response.content
    assert set(callbacks(world).values()) == {1}


def slow_down(world: World, seconds: float) -> None:
    """Make every core call take ``seconds``, and defer after a twentieth of a second."""
    core = world.bot.core
    assert core is not None
    handle = core.handle

    async def slow(inbound: Inbound, caps: Capabilities) -> list[Outbound]:
        await asyncio.sleep(seconds)
        return await handle(inbound, caps)

    core.handle = slow  # type: ignore[method-assign]  # a slow core, to test the adapter's timing
    world.bot.dispatcher.acknowledger.after = 0.05


def test_the_client_disables_mentions_everywhere(world: World) -> None:
    mentions = world.bot.allowed_mentions
    assert mentions is not None
    assert mentions.to_dict() == discord.AllowedMentions.none().to_dict()


class Reply:
    def __init__(self) -> None:
        self.deferred = 0

    async def defer(self) -> None:
        self.deferred += 1


async def test_one_watcher_defers_only_the_answers_that_outlast_the_deadline() -> None:
    acknowledger = Acknowledger(after=0.05)
    quick, slow = Reply(), Reply()

    async def answer(reply: Reply, seconds: float) -> None:
        async with acknowledger.watching(reply):
            await asyncio.sleep(seconds)

    await asyncio.gather(answer(quick, 0.01), answer(slow, 0.2))
    assert (quick.deferred, slow.deferred) == (0, 1)
    await asyncio.sleep(0)
    assert acknowledger._watcher is None  # nothing in flight, nothing left running
