"""A broadcast with a text per language: each recipient gets theirs, in their stored or
last known language, with the opt-out line in that language; everyone else the default."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.bot import PetitionBot
from core.broadcasts.announcement import Announcements
from core.broadcasts.pacing import Pacer
from core.broadcasts.progress import ProgressReporter
from core.broadcasts.worker import DeliveryWorker
from storage import SqliteStore
from tests.fakes.fake_sender import FakeSender
from tests.unit.chat import Chat, Clock, campaign

ORGANIZER = "9"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[PetitionBot]:
    store = await SqliteStore.open(tmp_path / "broadcasts.db")
    yield PetitionBot(
        campaign(organizers=frozenset({f"telegram:{ORGANIZER}"})), store, clock=Clock()
    )
    await store.close()


async def deliver(bot: PetitionBot) -> FakeSender:
    sender = FakeSender("telegram")
    announcements = Announcements(bot.catalog, bot.campaign)
    worker = DeliveryWorker(bot.store, sender, Pacer(None), announcements.message_for, bot.clock)
    await worker.deliver_pending()
    return sender


async def signed_people(bot: PetitionBot) -> None:
    ana = Chat(bot, "1", language="es-MX")  # her app is in Spanish
    await ana.send("/sign")
    await ana.press("Sí, quiero firmar")
    for answer in ("Ana García", "ana@example.org", "12345"):
        await ana.send(answer)
    await ana.press("Sí, mantenedme")
    await ana.press("✅ Firmar")
    await Chat(bot, "2").sign("Bob Roe", "bob@example.org")  # English
    chosen = Chat(bot, "3")  # signed in English, then chose Spanish
    await chosen.sign("Cleo Doe", "cleo@example.org")
    await chosen.send("/language es")
    await Chat(bot, "4", language="de").sign("Dora Doe", "dora@example.org")  # no German yet


async def test_each_person_gets_the_text_of_their_language_or_the_default(
    bot: PetitionBot,
) -> None:
    await signed_people(bot)
    organizer = Chat(bot, ORGANIZER)
    await organizer.send("/broadcast dont-run-joe Rally on Saturday at noon!")
    assert "Rally on Saturday at noon!" in organizer.last
    await organizer.press("🌐 Add the text in Spanish")
    assert organizer.last.startswith("Send the announcement's text in Spanish.")
    await organizer.send("¡Concentración el sábado a mediodía!")
    preview = organizer.last
    assert "People who read Spanish will receive:" in preview
    assert "¡Concentración el sábado a mediodía!" in preview
    assert "Envía /stop dont-run-joe para dejar de recibir novedades" in preview
    await organizer.press("📣 Confirm")

    sender = await deliver(bot)
    spanish = "¡Concentración el sábado a mediodía!\n\nEnvía /stop dont-run-joe"
    english = "Rally on Saturday at noon!\n\nSend /stop dont-run-joe"
    assert [text.startswith(spanish) for text in sender.to("1")] == [True]
    assert [text.startswith(english) for text in sender.to("2")] == [True]
    assert [text.startswith(spanish) for text in sender.to("3")] == [True]
    assert [text.startswith(english) for text in sender.to("4")] == [True]


async def test_without_a_translation_everyone_gets_the_one_text_and_their_opt_out_line(
    bot: PetitionBot,
) -> None:
    await signed_people(bot)
    organizer = Chat(bot, ORGANIZER)
    await organizer.send("/broadcast dont-run-joe Rally!")
    await organizer.press("📣 Confirm")
    sender = await deliver(bot)
    assert sender.to("1")[0].startswith("Rally!\n\nEnvía /stop dont-run-joe")
    assert sender.to("2")[0].startswith("Rally!\n\nSend /stop dont-run-joe")


async def test_a_translation_over_the_limit_is_refused_and_the_preview_stays(
    bot: PetitionBot,
) -> None:
    organizer = Chat(bot, ORGANIZER)
    await organizer.send("/broadcast dont-run-joe Rally!")
    await organizer.press("🌐 Add the text in Spanish")
    await organizer.send("x" * 5000)
    assert "at most 3,500 characters" in organizer.replies[-2].text.to_plain_text()
    assert organizer.last.startswith("Send the announcement's text in Spanish.")
    await organizer.send("¡Concentración!")
    await organizer.press("📣 Confirm")
    broadcast = (await bot.store.recent_broadcasts(1))[0]
    assert broadcast.translations == {"es": "¡Concentración!"}


async def test_a_spanish_organizer_follows_the_progress_in_spanish(bot: PetitionBot) -> None:
    await signed_people(bot)
    organizer = Chat(bot, ORGANIZER, language="es")
    await organizer.send("/broadcast dont-run-joe ¡Concentración!")
    assert organizer.last.startswith("Vista previa del anuncio #1")
    await organizer.press("📣 Confirmar")
    assert organizer.last.startswith("📣 Anuncio #1 confirmado: enviándose a 4 destinatarios.")
    sender = FakeSender("telegram")
    reporter = ProgressReporter(bot.store, sender, bot.catalog, bot.clock, interval=0)
    await reporter.report_all()
    assert sender.to(ORGANIZER)[0].startswith("📣 Anuncio #1: 0 enviados, 0 de 4 hechos")
    announcements = Announcements(bot.catalog, bot.campaign)
    await DeliveryWorker(
        bot.store, sender, Pacer(None), announcements.message_for, bot.clock
    ).deliver_pending()
    await reporter.report_all()
    assert "Anuncio #1 terminado." in sender.to(ORGANIZER)[-1]
    assert "Entregados: 4 de 4" in sender.to(ORGANIZER)[-1]
