"""Commands that name a petition name it as the reader's language writes it: a Spanish
reader of a petition with a Spanish translation sees "No te presentes, Joe", never the
English title (the campaign's translation in config.example.toml)."""

from __future__ import annotations

from core.bot import PetitionBot, utc_now
from core.messages import Capabilities, InboundFile, InboundKind
from core.paper.tally import add_tally
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import Chat, campaign

SPANISH_TITLE = "No te presentes, Joe"
ENGLISH_TITLE = campaign().default_petition.title
FILES = Capabilities(max_text_length=4096, accepts_files=True)


def spanish(chat: Chat) -> Chat:
    chat.language = "es"
    return chat


def organizer(bot: PetitionBot, caps: Capabilities = FILES) -> Chat:
    return spanish(Chat(bot, "organizer", platform="console", caps=caps))


def said(replies: list) -> str:
    return "\n".join(reply.text.to_plain_text() for reply in replies)


async def test_stop_names_the_petition_in_spanish() -> None:
    chat = spanish(Chat(PetitionBot(campaign(), MemoryStore())))
    text = said(await chat.send("/stop"))
    assert SPANISH_TITLE in text and ENGLISH_TITLE not in text


async def test_pause_and_resume_name_the_petition_in_spanish() -> None:
    chat = organizer(PetitionBot(campaign(), MemoryStore()))
    for command in ("/pause", "/pause", "/resume", "/resume"):
        text = said(await chat.send(command))
        assert SPANISH_TITLE in text and ENGLISH_TITLE not in text, (command, text)


async def test_an_import_summary_names_the_petition_in_spanish() -> None:
    chat = organizer(PetitionBot(campaign(), MemoryStore()))
    sheet = b"name,email,zip_code\nAna Ruiz,ana@example.org,12345\n"
    replies = await chat._handle(
        kind=InboundKind.COMMAND,
        command="import",
        args=("v1",),
        attachment=InboundFile(filename="sheet.csv", size=len(sheet), content=sheet),
    )
    text = said(replies)
    assert SPANISH_TITLE in text and ENGLISH_TITLE not in text, text


async def test_the_broadcast_audience_buttons_name_the_petition_in_spanish() -> None:
    chat = organizer(PetitionBot(campaign(), MemoryStore()))
    await chat.send("/broadcast")
    replies = await chat.send("Mañana hay asamblea a las siete.")
    labels = [choice.label for reply in replies for row in reply.choices for choice in row]
    assert any(SPANISH_TITLE in label for label in labels), labels
    assert not any(ENGLISH_TITLE in label for label in labels), labels


async def test_a_broadcasts_status_is_in_spanish() -> None:
    chat = organizer(PetitionBot(campaign(), MemoryStore()))
    await chat.send("/broadcast")
    await chat.send("Mañana hay asamblea a las siete.")
    await chat.press(f"Firmantes de {SPANISH_TITLE}")
    listed = said(await chat.send("/broadcasts"))
    assert "borrador" in listed and "draft" not in listed, listed
    mine = said(await chat.send("/mydata"))
    assert "borrador" in mine and "draft" not in mine, mine


async def test_stats_and_recent_name_imports_tallies_and_direct_signatures_in_spanish() -> None:
    store = MemoryStore()
    bot = PetitionBot(campaign(), store)
    await Chat(bot, "7").sign("Jane Doe", "jane@example.org")
    sheet = b"name,email,zip_code\nAna Ruiz,ana@example.org,12345\n"
    chat = organizer(bot)
    await chat._handle(
        kind=InboundKind.COMMAND,
        command="import",
        args=("v1",),
        attachment=InboundFile(filename="sheet.csv", size=len(sheet), content=sheet),
    )
    await add_tally(store, bot.campaign.default_petition, 80, "carpetas", "cli:ann", utc_now())
    stats = said(await chat.send("/stats"))
    assert "Por plataforma: importación 1, telegram 1" in stats, stats
    assert "Por origen: recuento 80, directo 1, paper 1" in stats, stats
    recent = said(await chat.send("/recent"))
    assert "importación" in recent and "· import\n" not in recent + "\n", recent
    english = said(await Chat(bot, "organizer", platform="console").send("/stats"))
    assert "By platform: import 1, telegram 1" in english
    assert "By source: tally 80, direct 1, paper 1" in english
