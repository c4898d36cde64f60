"""Coming back to an unfinished conversation: shown where it stands, never started over."""

from __future__ import annotations

import pytest

from core.bot import PetitionBot
from core.messages import Inbound, InboundKind, Outbound
from core.states import DraftStep
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import TERMINAL, Chat, Clock, campaign

SLUG = "dont-run-joe"
ORGANIZER = "telegram:9"


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bot(store: MemoryStore, clock: Clock) -> PetitionBot:
    return PetitionBot(campaign(organizers=frozenset({ORGANIZER})), store, clock=clock)


async def resume(bot: PetitionBot, user: str = "1") -> list[Outbound]:
    start = Inbound(
        platform="telegram", user_id=user, chat_id=user, kind=InboundKind.COMMAND, command="start"
    )
    return await bot.resume(start, TERMINAL)


def plain(replies: list[Outbound]) -> str:
    return "\n".join(reply.text.to_plain_text() for reply in replies)


async def to_zip_step(bot: PetitionBot) -> Chat:
    chat = Chat(bot)
    await chat.send("/sign")
    await chat.press("Yes, I want")
    await chat.send("Jane Doe")
    await chat.send("jane@example.org")
    return chat


async def test_an_old_sign_button_over_saved_answers_continues_the_signing(
    bot: PetitionBot, store: MemoryStore
) -> None:
    chat = await to_zip_step(bot)
    before = await store.get_conversation("telegram", "1")
    await chat.press_data(f"sign:{SLUG}")  # the pitch's Sign button, from /petition or a restart
    assert "here is where you left off" in chat.replies[-2].text.to_plain_text()
    assert chat.last.startswith("What is your ZIP code?")
    assert await store.get_conversation("telegram", "1") == before
    await chat.send("12345")
    await chat.press("Yes, keep")
    await chat.press("✅ Sign")
    assert store.signatures[0].name == "Jane Doe"


async def test_sign_and_start_with_the_petition_continue_the_signing(
    bot: PetitionBot, store: MemoryStore
) -> None:
    chat = await to_zip_step(bot)
    for command in ("/sign", f"/sign {SLUG}", f"/start {SLUG}"):
        await chat.send(command)
        assert chat.last.startswith("What is your ZIP code?"), command
    state = await store.get_conversation("telegram", "1")
    assert state is not None and state.answers["name"] == "Jane Doe"


async def test_pressing_sign_before_typing_anything_still_starts_at_the_first_question(
    bot: PetitionBot,
) -> None:
    chat = Chat(bot)
    await chat.send("/sign")
    await chat.press_data(f"sign:{SLUG}")
    assert chat.last.startswith("What is your full name?")


async def test_resume_shows_the_current_step_and_changes_nothing(
    bot: PetitionBot, store: MemoryStore
) -> None:
    chat = await to_zip_step(bot)
    before = await store.get_conversation("telegram", "1")
    replies = await resume(bot)
    assert "You have an unfinished signature for Don't Run Joe" in plain(replies)
    assert replies[-1].text.to_plain_text().startswith("What is your ZIP code?")
    assert [c.label for c in replies[-1].choices[0]] == ["« Back", "Cancel"]
    assert await store.get_conversation("telegram", "1") == before
    chat.replies = replies
    await chat.send("12345")
    assert "updates about this campaign" in chat.last


async def test_resume_without_a_conversation_is_the_welcome(bot: PetitionBot) -> None:
    replies = await resume(bot)
    assert "I collect signatures" in plain(replies)
    assert replies[-1].choices[0][0].data == f"sign:{SLUG}"


async def test_resume_after_the_conversation_expired_says_so(
    bot: PetitionBot, store: MemoryStore, clock: Clock
) -> None:
    await to_zip_step(bot)
    clock.advance(hours=25)
    replies = await resume(bot)
    assert "expired after a long pause" in replies[0].text.to_plain_text()
    assert "I collect signatures" in plain(replies[1:])
    assert store.conversations == {}


async def test_resume_of_a_withdrawal_asks_the_same_question(bot: PetitionBot) -> None:
    chat = Chat(bot)
    await chat.sign("Jane Doe", "jane@example.org")
    await chat.send("/withdraw")
    replies = await resume(bot)
    assert plain(replies).startswith("Do you want to withdraw your signature")
    assert "unfinished signature" not in plain(replies)


async def test_resume_of_a_broadcast_preview_shows_it_again(bot: PetitionBot) -> None:
    organizer = Chat(bot, "9")
    await organizer.send(f"/broadcast {SLUG} Rally on Saturday")
    replies = await resume(bot, "9")
    assert plain(replies).startswith("Preview of broadcast #1")
    assert [c.label for c in replies[-1].choices[0]] == ["📣 Confirm and send", "Cancel"]
    organizer.replies = replies
    await organizer.press("📣 Confirm")
    assert "#1" in organizer.last


@pytest.mark.parametrize("step", [DraftStep.AUDIENCE, DraftStep.PREVIEW])
async def test_text_or_a_wrong_button_while_composing_shows_the_step_s_buttons(
    bot: PetitionBot, store: MemoryStore, step: DraftStep
) -> None:
    organizer = Chat(bot, "9")
    await organizer.send("/broadcast Rally on Saturday")
    if step is DraftStep.PREVIEW:
        await organizer.press("Signers of Don't Run Joe")
    state = await store.get_conversation("telegram", "9")
    assert state is not None and state.step is step
    for answer in (await organizer.send("hello?"), await organizer.press_data(f"{state.nonce}:x")):
        assert answer[0].text.to_plain_text() in (
            "Please choose one of the buttons.",
            "That button does not fit this step; nothing changed.",
        )
        assert answer[-1].choices, "the buttons it asks for are shown with it"
