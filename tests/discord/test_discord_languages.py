"""Spanish on Discord through SimCord: a member whose client is in Spanish (interaction
locale ``es-ES``) signs in Spanish, and the slash commands carry Spanish descriptions."""

from __future__ import annotations

from typing import Any

import discord
import simcord
from discord_helpers import SLUG, World, labels, modal_inputs

SPANISH_FORM = {"name": "Ana García", "email": "ana@example.org", "postal_code": "12345"}


def speaks(env: simcord.Env, member: simcord.MemberActor, locale: str) -> None:
    """``member``'s interactions arrive with ``locale``, as their Discord client sends it.

    SimCord writes every interaction with the locale ``en-US``; this listener, first in line
    before the bot's gateway, rewrites that one field of this member's interactions.
    """

    def relocalise(event: str, payload: Any) -> None:
        user = (payload.get("member") or {}).get("user") or payload.get("user") or {}
        if event == "INTERACTION_CREATE" and user.get("id") == str(member.id):
            payload["locale"] = locale

    env.backend.subscribers.insert(0, relocalise)


async def test_a_spanish_client_signs_in_spanish(world: World) -> None:
    ana = world.alice
    speaks(world.env, ana, "es-ES")
    pitch = await ana.slash(world.channel, "petition")
    assert not pitch.ephemeral  # the public pitch is in its reader's language
    embed = pitch.response.embeds[0]
    assert embed.title == "No te presentes, Joe"
    assert "Presidente Joe Biden" in (embed.description or "")
    assert "100.000" in (embed.description or "")

    confirm = await ana.slash(world.channel, "sign")
    assert "Vas a firmar" in modal_text_or_content(confirm)
    shown = await ana.click(confirm.response, label="Sí, quiero firmar")
    assert shown.modal is not None and shown.modal["title"] == "Firmar la petición"
    inputs = modal_inputs(shown.modal)
    assert inputs["email"]["label"] == "Correo electrónico"
    assert inputs["postal_code"]["label"] == "Código ZIP"
    consent = await ana.submit_modal(shown, SPANISH_FORM)
    assert consent.response.message.flags.ephemeral
    assert labels(consent.response)[:2] == ["Sí, mantenedme al día", "No, gracias"]
    summary = await ana.click(consent.response, label="Sí, mantenedme al día")
    assert "versión del consentimiento 2026-11-v1-es" in summary.response.content
    signed = await ana.click(summary.response, label="✅ Firmar")
    assert "**¡Gracias, Ana!** Has firmado No te presentes, Joe." in signed.response.content

    signature = await world.store.active_signature(SLUG, "discord", str(ana.id))
    assert signature is not None
    assert (signature.language, signature.consent_version) == ("es", "2026-11-v1-es")
    stats = await world.store.stats(SLUG, signature.signed_at.date(), 7)
    assert stats.by_language == {"es": 1}
    simcord.assert_no_errors(world.env)


def modal_text_or_content(result: Any) -> str:
    return str(result.response.content or "") + "".join(
        str(embed.description or "") for embed in result.response.embeds
    )


async def test_slash_commands_are_described_in_every_shipped_language(world: World) -> None:
    published = {c.name: c for c in await world.bot.tree.fetch_commands()}
    sign = published["sign"]
    assert sign.description == "Sign the petition (your details stay private)"
    spanish = {
        locale: text
        for locale, text in sign.description_localizations.items()
        if locale.value.startswith("es")
    }
    assert spanish == {
        discord.Locale.spain_spanish: "Firmar la petición (tus datos son privados)",
        discord.Locale.latin_american_spanish: "Firmar la petición (tus datos son privados)",
    }
    assert published["language"].description_localizations[discord.Locale.spain_spanish] == (
        "Elegir el idioma en que te escribo"
    )
    # Locales of languages that are not shipped read the English default.
    assert discord.Locale.german not in sign.description_localizations


async def test_options_and_suggestions_are_in_the_members_language(world: World) -> None:
    published = {c.name: c for c in await world.bot.tree.fetch_commands()}
    [petition] = published["count"].options
    assert petition.description_localizations[discord.Locale.spain_spanish] == (
        "Qué petición (si no dices ninguna, la principal de la campaña)"
    )
    [_, code] = published["sign"].options
    assert code.description_localizations[discord.Locale.spain_spanish].startswith(
        "El código de invitación"
    )
    ana = world.alice
    speaks(world.env, ana, "es-ES")
    choices = await ana.autocomplete(world.channel, "count", "petition", "joe")
    assert choices == [{"name": f"No te presentes, Joe ({SLUG})", "value": SLUG}]
    everything = await ana.autocomplete(world.channel, "stop", "petition", "todas")
    assert everything == [{"name": "Todas las peticiones", "value": "all"}]
    # Typing the value still finds it, whatever the language.
    assert await ana.autocomplete(world.channel, "stop", "petition", "all") == everything
    simcord.assert_no_errors(world.env)
