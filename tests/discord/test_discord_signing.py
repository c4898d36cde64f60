"""Signing in a server: the pitch, the Sign button, the modal, consent, the summary, signed."""

from __future__ import annotations

from pathlib import Path

import simcord
from discord_helpers import (
    GOOD_FORM,
    SLUG,
    World,
    custom_ids,
    labels,
    modal_inputs,
    modal_text,
    sign_in_server,
)

from bots.runtime import open_runtime
from core.bot import PetitionBot
from core.messages import Capabilities, Inbound, InboundKind, Outbound


async def test_petition_sign_modal_consent_signed_ephemeral_throughout(world: World) -> None:
    alice, channel = world.alice, world.channel

    pitch = await alice.slash(channel, "petition")
    assert not pitch.ephemeral
    embed = pitch.response.embeds[0]
    assert embed.title == "Don't Run Joe"
    assert "President Joe Biden" in (embed.description or "")
    assert custom_ids(pitch.response) == [f"pb:sign:{SLUG}"]

    shown = await alice.click(pitch.response, custom_id=f"pb:sign:{SLUG}")
    assert shown.modal is not None and shown.modal["title"] == "Sign the petition"
    inputs = modal_inputs(shown.modal)
    assert list(inputs) == ["name", "email", "postal_code"]
    assert inputs["email"]["label"] == "Email"
    assert inputs["email"]["placeholder"] == "jane@example.org"

    consent = await alice.submit_modal(shown, GOOD_FORM)
    assert consent.ephemeral
    assert "updates about this campaign" in consent.response.content
    assert labels(consent.response)[:2] == ["Yes, keep me posted", "No, thanks"]

    summary = await alice.click(consent.response, label="Yes, keep me posted")
    assert summary.response.id == consent.response.id  # the private message moves along
    text = summary.response.content
    assert "Jane Doe" in text and "jane@example.org" in text and "12345" in text
    assert "Updates: yes" in text

    signed = await alice.click(summary.response, label="✅ Sign")
    assert "Thank you, Jane!" in signed.response.content
    assert signed.response.message.flags.ephemeral
    assert await world.store.count(SLUG) == 1
    # Nothing personal ever reached the channel: only the public pitch is there.
    public = [m.id for m in channel.history()]
    assert public == [pitch.response.id]
    assert all("jane@example.org" not in (m.content or "") for m in channel.history())
    simcord.assert_no_errors(world.env)


async def test_sign_command_moves_one_private_message_from_question_to_thanks(
    world: World,
) -> None:
    bob, channel = world.bob, world.channel
    confirm = await bob.slash(channel, "sign")
    assert confirm.ephemeral
    assert "You are about to sign" in confirm.response.content
    shown = await bob.click(confirm.response, label="Yes, I want to sign")
    assert shown.modal is not None
    consent = await bob.submit_modal(shown, {**GOOD_FORM, "email": "bob@example.org"})
    assert consent.response.id == confirm.response.id  # the modal's answer edits that message
    summary = await bob.click(consent.response, label="No, thanks")
    assert "Updates: no" in summary.response.content
    await bob.click(summary.response, label="✅ Sign")
    assert "Thank you, Jane!" in confirm.response.content
    assert confirm.response.components == []  # no button left to press twice
    assert channel.history() == []


async def test_an_invalid_email_reopens_the_form_with_the_values_and_the_error(
    world: World,
) -> None:
    alice, channel = world.alice, world.channel
    pitch = await alice.slash(channel, "petition")
    shown = await alice.click(pitch.response, label="✍️ Sign the petition")
    typed = {**GOOD_FORM, "email": "jane-at-example"}

    refused = await alice.submit_modal(shown, typed)
    assert refused.ephemeral
    assert "doesn't look like an email address" in refused.response.content
    assert await world.store.count(SLUG) == 0

    again = await alice.click(refused.response, label="Open the form")
    assert again.modal is not None
    inputs = modal_inputs(again.modal)
    assert {key: field["value"] for key, field in inputs.items()} == typed
    assert "doesn't look like an email address" in modal_text(again.modal)

    consent = await alice.submit_modal(again, GOOD_FORM)
    assert "updates about this campaign" in consent.response.content


async def test_signing_twice_keeps_one_signature(world: World) -> None:
    await sign_in_server(world, world.alice, GOOD_FORM)
    again = await world.alice.slash(world.channel, "sign")
    assert again.ephemeral
    assert "You have already signed" in again.response.content
    pitch = await world.alice.slash(world.channel, "petition")
    pressed = await world.alice.click(pitch.response, label="✍️ Sign the petition")
    assert pressed.modal is None and pressed.ephemeral
    assert "You have already signed" in pressed.response.content
    assert await world.store.count(SLUG) == 1


async def test_an_email_that_signed_on_telegram_counts_once_on_discord(
    world: World, db_path: Path
) -> None:
    # Telegram's process signs first, on its own connection to the same SQLite file.
    telegram = await open_runtime(world.config)
    try:
        await sign_through_core(telegram.core, "telegram", "777", GOOD_FORM)
    finally:
        await telegram.close()
    assert await world.store.count(SLUG) == 1

    pitch = await world.bob.slash(world.channel, "petition")
    shown = await world.bob.click(pitch.response, label="✍️ Sign the petition")
    consent = await world.bob.submit_modal(shown, {**GOOD_FORM, "email": "JANE@example.org"})
    assert "updates about this campaign" in consent.response.content  # nothing said about it
    summary = await world.bob.click(consent.response, label="Yes, keep me posted")
    thanks = await world.bob.click(summary.response, label="✅ Sign")
    assert "counts once" in thanks.response.content
    assert thanks.response.message.flags.ephemeral
    assert "already" not in thanks.response.content
    assert await world.store.count(SLUG) == 1
    assert await world.store.active_signature(SLUG, "discord", str(world.bob.id)) is None


async def test_autocomplete_suggests_petition_slugs(world: World) -> None:
    choices = await world.alice.autocomplete(world.channel, "count", "petition", "joe")
    assert choices == [{"name": f"Don't Run Joe ({SLUG})", "value": SLUG}]
    assert await world.alice.autocomplete(world.channel, "sign", "petition", "zzz") == []


async def test_personal_data_commands_answer_privately(world: World) -> None:
    await sign_in_server(world, world.bob, {**GOOD_FORM, "email": "bob@example.org"})
    for command in ("mydata", "status", "share"):
        result = await world.bob.slash(world.channel, command)
        assert result.ephemeral, command
    mydata = await world.bob.slash(world.channel, "mydata")
    assert "bob@example.org" in mydata.response.content
    assert world.channel.history() == []


async def sign_through_core(
    core: PetitionBot, platform: str, user_id: str, form: dict[str, str]
) -> None:
    """Another platform's step-by-step signing, straight through the core."""
    base = {"platform": platform, "user_id": user_id, "chat_id": user_id, "private": True}

    async def send(kind: InboundKind, **what: str) -> list[Outbound]:
        return await core.handle(Inbound(kind=kind, **base, **what), Capabilities())

    replies = await send(InboundKind.COMMAND, command="sign")
    replies = await send(InboundKind.CHOICE, text=replies[-1].choices[0][0].data)  # yes
    for key in ("name", "email", "postal_code"):
        replies = await send(InboundKind.TEXT, text=form[key])
    replies = await send(InboundKind.CHOICE, text=replies[-1].choices[0][0].data)  # updates
    replies = await send(InboundKind.CHOICE, text=replies[-1].choices[0][0].data)  # sign
    assert "Thank you" in replies[-1].text.to_plain_text()


async def test_stop_ends_updates_privately_and_offers_all_petitions(world: World) -> None:
    await sign_in_server(world, world.bob, {**GOOD_FORM, "email": "bob@example.org"})
    choices = await world.bob.autocomplete(world.channel, "stop", "petition", "all")
    assert choices == [{"name": "All petitions", "value": "all"}]
    stopped = await world.bob.slash(world.channel, "stop", petition="all")
    assert stopped.ephemeral and "no more updates" in stopped.response.content
    signature = await world.store.active_signature(SLUG, "discord", str(world.bob.id))
    assert signature is not None and not signature.opted_in
