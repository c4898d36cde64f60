"""The `Sender` port on Discord: the four delivery outcomes from Discord's answers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from discord_helpers import GOOD_FORM, SLUG, World, sign_in_server
from pydantic import TypeAdapter

from bots.discord_adapter import replies
from bots.discord_adapter import sender as sender_module
from bots.discord_bot import DiscordSender, delivery_outcome
from core.broadcasts.announcement import Announcements
from core.broadcasts.models import DeliveryState
from core.broadcasts.pacing import Pacer
from core.broadcasts.worker import DeliveryWorker
from core.delivery import DeliveryStatus
from core.markup import Markup
from core.messages import Choice, Outbound

NEWS = Outbound(
    text=Markup.plain("Big news about the petition!"),
    choices=((Choice(label="Share", data="share:x"),),),
)


def sender(world: World) -> DiscordSender:
    return world.bot.sender


async def test_a_direct_message_is_delivered_with_its_buttons(world: World) -> None:
    result = await sender(world).send_to_user(str(world.bob.id), NEWS)
    assert result.status is DeliveryStatus.DELIVERED
    message = world.bob.user.dm_channel.last_message
    assert message.content == "Big news about the petition!"
    assert str(message.id) == result.message_id
    assert [b.custom_id for row in message.components for b in row.children] == ["pb:share:x"]


async def test_closed_dms_and_unknown_users_are_unreachable(world: World) -> None:
    carol = world.guild.add_member(world.env.create_user("carol"))
    world.env.inject_error(
        "POST",
        f"/channels/{carol.user.dm_channel.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
    )
    closed = await sender(world).send_to_user(str(carol.id), NEWS)
    assert (closed.status, closed.detail) == (DeliveryStatus.UNREACHABLE, "403/50007")
    unknown = await sender(world).send_to_user("123456789012345678", NEWS)
    assert (unknown.status, unknown.detail) == (DeliveryStatus.UNREACHABLE, "404/10013")
    nonsense = await sender(world).send_to_user("not-an-id", NEWS)
    assert nonsense.status is DeliveryStatus.UNREACHABLE


@pytest.mark.parametrize("address", ["not-an-id", "", "0", " 42", "1_000", "١٢٣", "-5", "9" * 21])
async def test_an_address_that_is_no_discord_id_is_unreachable_without_a_call(
    world: World, address: str
) -> None:
    calls = len(world.env.http_requests)
    for result in (
        await sender(world).send_to_user(address, NEWS),
        await sender(world).send_to_chat(address, NEWS),
        await sender(world).edit_in_chat(str(world.channel.id), address, NEWS),
    ):
        assert (result.status, result.detail) == (DeliveryStatus.UNREACHABLE, "not a Discord id")
    assert len(world.env.http_requests) == calls


async def test_rate_limits_ask_to_retry_and_server_errors_fail(world: World) -> None:
    world.env.inject_error("POST", "/channels/*/messages", status=429, message="rate limited")
    limited = await sender(world).send_to_user(str(world.bob.id), NEWS)
    assert limited.status is DeliveryStatus.RETRY_AFTER and limited.retry_after == 5.0
    world.env.inject_error("POST", "/channels/*/messages", status=502, message="bad gateway")
    failed = await sender(world).send_to_user(str(world.bob.id), NEWS)
    assert (failed.status, failed.detail) == (DeliveryStatus.FAILED, "502/0")


async def test_posting_to_a_channel_and_editing_the_post(world: World) -> None:
    posted = await sender(world).send_to_chat(str(world.channel.id), NEWS)
    assert posted.status is DeliveryStatus.DELIVERED and posted.message_id is not None
    progress = Outbound(text=Markup.plain("Sent to 40 of 100 signers"))
    edited = await sender(world).edit_in_chat(str(world.channel.id), posted.message_id, progress)
    assert edited.status is DeliveryStatus.DELIVERED
    message = world.channel.last_message
    assert message.content == "Sent to 40 of 100 signers" and message.components == []
    gone = await sender(world).send_to_chat("123456789012345678", NEWS)
    assert gone.status is DeliveryStatus.UNREACHABLE


def http_error(kind: type[discord.HTTPException], status: int, code: int, **headers: str):
    response = SimpleNamespace(status=status, reason="", headers=headers)
    return kind(response, {"code": code, "message": "x"})  # type: ignore[arg-type]  # a stand-in for aiohttp's response


@pytest.mark.parametrize(
    ("error", "status", "retry_after"),
    [
        (discord.RateLimited(12.5), DeliveryStatus.RETRY_AFTER, 12.5),
        (http_error(discord.HTTPException, 429, 0, **{"Retry-After": "3"}), "retry_after", 3.0),
        (http_error(discord.Forbidden, 403, 40003), DeliveryStatus.RETRY_AFTER, 5.0),
        (http_error(discord.Forbidden, 403, 50007), DeliveryStatus.UNREACHABLE, None),
        (http_error(discord.NotFound, 404, 10013), DeliveryStatus.UNREACHABLE, None),
        (http_error(discord.DiscordServerError, 503, 0), DeliveryStatus.FAILED, None),
        (TimeoutError(), DeliveryStatus.FAILED, None),
    ],
)
def test_discord_errors_become_delivery_outcomes(
    error: BaseException, status: DeliveryStatus, retry_after: float | None
) -> None:
    result = delivery_outcome(error)
    assert (result.status, result.retry_after) == (status, retry_after)


async def test_a_broadcast_reaches_discord_signers_through_the_delivery_worker(
    world: World,
) -> None:
    await sign_in_server(world, world.alice, GOOD_FORM)
    await sign_in_server(world, world.bob, {**GOOD_FORM, "email": "bob@example.org"})
    world.env.inject_error(
        "POST",
        f"/channels/{world.bob.user.dm_channel.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
    )
    core = world.bot.core
    assert core is not None
    now = core.clock()
    draft = await world.store.create_broadcast(
        SLUG, "**Big news**: we hit 1,000!", "discord:1", ("discord", str(world.channel.id)), now
    )
    broadcast = await world.store.confirm_broadcast(draft.id, [], now)
    assert broadcast is not None
    worker = core.deliveries.service(sender(world), report=False).worker
    assert await worker.deliver(broadcast) == 2
    totals = await world.store.totals(broadcast.id)
    assert totals[DeliveryState.DELIVERED] == 1 and totals[DeliveryState.UNREACHABLE] == 1
    news = world.alice.user.dm_channel.last_message
    assert news.content.startswith("**Big news**: we hit 1,000!")


def encoding_bug(*args: Any, **kwargs: Any) -> Any:
    """A renderer with a bug: a lone surrogate can't be encoded."""
    return "\udc80".encode()


def validation_bug(*args: Any, **kwargs: Any) -> Any:
    """A renderer with a bug: it builds a model from a value the model refuses."""
    return TypeAdapter(int).validate_python("not a number")


@pytest.mark.parametrize(
    ("bug", "error"), [(encoding_bug, "UnicodeEncodeError"), (validation_bug, "ValidationError")]
)
async def test_a_rendering_bug_is_a_failed_delivery_with_its_traceback_logged(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    bug: Callable[..., Any],
    error: str,
) -> None:
    posted = await sender(world).send_to_chat(str(world.channel.id), NEWS)
    assert posted.message_id is not None
    monkeypatch.setattr(replies, "render", bug)
    monkeypatch.setattr(sender_module, "render", bug)
    with caplog.at_level(logging.ERROR, logger=sender_module.__name__):
        results = [
            await sender(world).send_to_user(str(world.bob.id), NEWS),
            await sender(world).send_to_chat(str(world.channel.id), NEWS),
            await sender(world).edit_in_chat(str(world.channel.id), posted.message_id, NEWS),
        ]
    assert [(r.status, r.detail) for r in results] == [(DeliveryStatus.FAILED, error)] * 3
    logged = [r for r in caplog.records if r.name == sender_module.__name__]
    assert len(logged) == 3 and all(r.exc_info and r.exc_info[0].__name__ == error for r in logged)
    assert str(world.bob.id) in logged[0].getMessage()  # ids, never the message's words
    assert all("Big news" not in r.getMessage() for r in logged)


async def test_a_rendering_bug_never_marks_the_signer_unreachable(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_in_server(world, world.alice, GOOD_FORM)
    core = world.bot.core
    assert core is not None
    worker = DeliveryWorker(
        world.store,
        sender(world),
        Pacer(None),
        Announcements(core.catalog, core.campaign).message_for,
        core.clock,
        max_attempts=2,
        retry_delay=0.01,
    )
    origin = ("discord", str(world.channel.id))
    monkeypatch.setattr(replies, "render", encoding_bug)
    first = await world.store.create_broadcast(SLUG, "Big news", "discord:1", origin, core.clock())
    broken = await world.store.confirm_broadcast(first.id, [], core.clock())
    assert broken is not None and await worker.deliver(broken) == 1
    assert (await world.store.totals(broken.id))[DeliveryState.FAILED] == 1
    assert await world.store.unreachable_mark("discord", str(world.alice.id)) is None

    monkeypatch.undo()  # the bug is fixed: the next broadcast reaches her
    second = await world.store.create_broadcast(
        SLUG, "More news", "discord:1", origin, core.clock()
    )
    fixed = await world.store.confirm_broadcast(second.id, [], core.clock())
    assert fixed is not None and await worker.deliver(fixed) == 1
    assert (await world.store.totals(fixed.id))[DeliveryState.DELIVERED] == 1
    assert world.alice.user.dm_channel.last_message.content.startswith("More news")
