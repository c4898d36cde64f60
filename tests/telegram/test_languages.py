"""Spanish on Telegram, end to end through python-telegram-bot and the fake Bot API: the
person's app language (``language_code``), ``/language`` mid-way, and the menus per language."""

from __future__ import annotations

import pytest

from core.bot import PetitionBot
from core.roles import Role
from tests.fakes.telegram_api import FakeTelegramServer

from .conftest import MODERATOR_ID, Person

pytestmark = [pytest.mark.timeout(20)]

SLUG = "dont-run-joe"


def spanish(tg: FakeTelegramServer, user_id: int, first_name: str) -> Person:
    person = Person(tg, user_id, first_name)
    person.user = tg.user(user_id, first_name, language_code="es")
    return person


async def test_a_spanish_app_signs_in_spanish_with_the_spanish_consent(
    tg: FakeTelegramServer, app, core: PetitionBot
) -> None:
    ana = spanish(tg, 1201, "Ana")
    welcome, pitch = await ana.say("/start", replies=2)
    assert welcome.plain.startswith("¡Hola, Ana! Recojo firmas")
    assert "No te presentes, Joe" in pitch.plain and "objetivo de 100.000" in pitch.plain
    assert [text for text, _ in pitch.buttons] == ["✍️ Firmar la petición"]
    confirm = await ana.press(pitch, "✍️ Firmar")
    assert "nombre completo" in confirm.plain
    assert "correo electrónico" in (await ana.ask("Ana García")).plain
    assert "código ZIP" in (await ana.ask("ana@example.org")).plain
    consent = await ana.ask("12345")
    summary = await ana.press(consent, "Sí, mantenedme al día")
    assert "(versión del consentimiento 2026-11-v1-es)" in summary.plain
    thanks = await ana.press(summary, "✅ Firmar")
    assert "¡Gracias, Ana! Has firmado No te presentes, Joe." in thanks.plain

    signature = await core.store.active_signature(SLUG, "telegram", "1201")
    assert signature is not None
    assert (signature.language, signature.consent_language) == ("es", "es")
    assert signature.consent_version == "2026-11-v1-es"
    status = await ana.ask("/status")
    assert "Firmas hasta ahora: 1," in status.plain


async def test_language_mid_way_asks_the_same_question_again_in_the_new_language(
    tg: FakeTelegramServer, app, core: PetitionBot, alice: Person
) -> None:
    confirm = await alice.ask("/sign")
    await alice.press(confirm, "Yes, I want to sign")
    asked = await alice.ask("Alice Example")
    assert "What is your email address?" in asked.plain
    offer = await alice.ask("/language")
    assert [text for text, _ in offer.buttons] == ["English", "Español"]
    again = await alice.press(offer, "Español", replies=2)
    assert "¿Cuál es tu correo electrónico?" in again.plain
    said = [message.plain for message in tg.messages(alice.chat_id)]
    assert "A partir de ahora te escribo en español." in said[-2]
    await alice.ask("alice@example.org")
    consent = await alice.ask("12345")
    summary = await alice.press(consent, "No, gracias")
    assert "Nombre completo: Alice Example" in summary.plain  # the earlier answer is kept
    thanks = await alice.press(summary, "✅ Firmar")
    assert "¡Gracias, Alice!" in thanks.plain
    # The choice outlives the conversation, whatever the app's language (English here).
    assert "Ya has firmado" in (await alice.ask("/sign")).plain
    assert (await alice.ask("/help")).plain.startswith("Lo que puedo hacer")
    back = await alice.ask("/language en")
    assert back.plain == "From now on I write to you in English."


async def test_menus_are_set_in_every_shipped_language(
    tg: FakeTelegramServer, app, core: PetitionBot
) -> None:
    english = {c["command"]: c["description"] for c in tg.commands["default"]}
    spanish_menu = {c["command"]: c["description"] for c in tg.commands["default@es"]}
    assert list(spanish_menu) == list(english) == core.commands_for(Role.SUPPORTER)
    assert english["sign"] == "Sign the petition (your details stay private)"
    assert spanish_menu["sign"] == "Firmar la petición (tus datos son privados)"
    assert spanish_menu["language"] == "Elegir el idioma en que te escribo"
    moderator = {c["command"]: c["description"] for c in tg.commands[f"chat:{MODERATOR_ID}@es"]}
    assert moderator["count"] == "Moderación: firmas hasta ahora"


async def test_stats_count_one_petition_by_language(
    tg: FakeTelegramServer, app, core: PetitionBot, alice: Person
) -> None:
    await alice.sign()
    ana = spanish(tg, 1201, "Ana")
    confirm = await ana.ask("/sign")
    await ana.press(confirm, "Sí, quiero firmar")
    await ana.ask("Ana García")
    await ana.ask("ana@example.org")
    consent = await ana.ask("12345")
    summary = await ana.press(consent, "No, gracias")
    await ana.press(summary, "✅ Firmar")
    moderator = Person(tg, MODERATOR_ID, "Mo")
    stats = (await moderator.say("/stats", replies=2))[0]
    assert "Total: 2" in stats.plain
    assert "By language: English 1, Spanish 1" in stats.plain
    moderator.user = tg.user(MODERATOR_ID, "Mo", language_code="es")
    stats = (await moderator.say("/stats", replies=2))[0]
    assert "Por idioma: español 1, inglés 1" in stats.plain
