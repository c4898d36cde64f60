"""Moderator commands: answered in the channel for moderators, refused privately for others."""

from __future__ import annotations

import pytest
import simcord
from discord_helpers import SLUG, World

from core.models import AuditEntry


async def audit(world: World) -> list[AuditEntry]:
    return await world.store.audit_log(10)


async def test_a_moderators_count_is_posted_in_the_channel(world: World) -> None:
    result = await world.moderator.slash(world.channel, "count", petition=SLUG)
    assert not result.ephemeral
    assert "Don't Run Joe" in result.response.content and "0 signatures" in result.response.content
    assert [m.id for m in world.channel.history(viewer=world.bob)] == [result.response.id]
    assert (await audit(world))[0].action == "count"


async def test_a_members_stats_is_refused_privately_even_with_the_permission_hint(
    world: World,
) -> None:
    # Alice may manage messages, so Discord shows her /stats; she is no moderator for the core.
    assert "stats" in world.alice.available_commands(world.channel)
    refused = await world.alice.slash(world.channel, "stats")
    assert refused.ephemeral
    assert "only for the campaign team" in refused.response.content
    assert world.channel.history() == []
    assert (await audit(world))[0].action == "refused:stats"


async def test_the_permission_hint_is_not_relied_on(world: World) -> None:
    bob = world.bob  # without the permission, Discord hides the moderator commands...
    assert "count" not in bob.available_commands(world.channel)
    with pytest.raises(simcord.SetupError):
        await bob.slash(world.channel, "count")
    # ...until a server admin opens them to everyone: the core still refuses.
    commands = {c.name: c for c in await world.bot.tree.fetch_commands()}
    world.guild.set_command_permissions(commands["count"].id, {world.guild.default_role: True})
    refused = await bob.slash(world.channel, "count")
    assert refused.ephemeral and "only for the campaign team" in refused.response.content


async def test_a_member_with_the_configured_moderator_role_is_a_moderator(world: World) -> None:
    recent = await world.role_moderator.slash(world.channel, "recent")
    assert not recent.ephemeral
    assert "Nobody has signed" in recent.response.content
    stats = await world.role_moderator.slash(world.channel, "stats")
    assert not stats.ephemeral
    assert stats.response.embeds[0].title == "Don't Run Joe: statistics"


async def test_help_lists_the_moderator_commands_for_moderators_only(world: World) -> None:
    member = await world.bob.slash(world.channel, "help")
    moderator = await world.role_moderator.slash(world.channel, "help")
    assert "/count" not in (member.response.embeds[0].description or "")
    assert "/count" in (moderator.response.embeds[0].description or "")
