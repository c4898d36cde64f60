"""Direct messages run the same step-by-step conversation as Telegram, and survive restarts."""

from __future__ import annotations

from pathlib import Path

from discord_helpers import (
    GOOD_FORM,
    SLUG,
    Stores,
    World,
    custom_ids,
    discord_bot,
    discord_config,
    labels,
)


async def test_signing_in_direct_messages_one_question_at_a_time(world: World) -> None:
    bob = world.bob.user
    await bob.send_dm("/sign")
    dm = bob.dm_channel
    confirm = dm.last_message
    assert "You are about to sign" in confirm.content
    assert labels(confirm) == ["Yes, I want to sign", "Cancel"]

    asked = await bob.click(confirm, label="Yes, I want to sign")
    assert asked.modal is None  # no form in DMs: the questions come one by one
    assert "full name" in asked.response.content
    await bob.send_dm("Bob Builder")
    assert "email address" in dm.last_message.content
    await bob.send_dm("not an email")
    assert "doesn't look like an email address" in dm.history()[-2].content
    await bob.send_dm("bob@example.org")
    assert "ZIP code" in dm.last_message.content
    await bob.send_dm("54321")
    consent = dm.last_message
    summary = await bob.click(consent, label="Yes, keep me posted")
    assert "Bob Builder" in summary.response.content
    signed = await bob.click(summary.response, label="✅ Sign")
    assert "Thank you, Bob!" in signed.response.content
    signature = await world.store.active_signature(SLUG, "discord", str(bob.id))
    assert signature is not None and signature.postal_code == "54321"


async def test_plain_text_without_a_conversation_gets_a_pointer_to_help(world: World) -> None:
    stranger = world.env.create_user("stranger")  # shares no server with the bot
    await stranger.send_dm("hello?")
    assert "Send /help" in stranger.dm_channel.last_message.content


async def test_a_bot_rebuilt_on_the_same_database_finishes_the_dm_conversation(
    world: World, stores: Stores, db_path: Path
) -> None:
    bob = world.bob.user
    await bob.send_dm("/sign")
    await bob.click(bob.dm_channel.last_message, label="Yes, I want to sign")
    await bob.send_dm("Bob Builder")
    assert "email address" in bob.dm_channel.last_message.content

    # The process stops; a new one opens the same database file and reconnects.
    await world.bot.close()
    await stores.close(world.store)
    store = await stores.open()
    await world.env.restart_bot(discord_bot(discord_config(db_path), store))
    await bob.send_dm("bob@example.org")
    assert "ZIP code" in bob.dm_channel.last_message.content
    await bob.send_dm("54321")
    summary = await bob.click(bob.dm_channel.last_message, label="No, thanks")
    signed = await bob.click(summary.response, label="✅ Sign")
    assert "Thank you, Bob!" in signed.response.content
    assert await store.count(SLUG) == 1


async def test_buttons_sent_before_a_restart_still_work(world: World, db_path: Path) -> None:
    pitch = await world.alice.slash(world.channel, "petition")
    await world.env.restart_bot(discord_bot(world.config, world.store))
    shown = await world.alice.click(pitch.response, custom_id=f"pb:sign:{SLUG}")
    assert shown.modal is not None
    consent = await world.alice.submit_modal(shown, GOOD_FORM)
    assert "updates about this campaign" in consent.response.content


async def test_a_button_of_a_finished_conversation_gets_a_clear_answer(world: World) -> None:
    confirm = await world.bob.slash(world.channel, "sign")
    cancelled = await world.bob.slash(world.channel, "cancel")
    assert "Cancelled" in cancelled.response.content
    stale = await world.bob.click(confirm.response, label="Yes, I want to sign")
    assert stale.modal is None
    assert stale.response.id == confirm.response.id  # the old question is answered in place
    assert stale.response.ephemeral
    assert "conversation that has ended" in stale.response.content
    assert custom_ids(stale.response) == []
